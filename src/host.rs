//! Building a [`Host`]: discover instances, then resolve each one.

use crate::load::Loader;
use crate::load::env::Env;
use crate::model::{Host, Origin};
use crate::resolve::{self, Context, Spec};
use crate::source::SourceMap;
use crate::{discover, manifest};
use std::path::PathBuf;

/// What to check.
#[derive(Debug, Clone)]
pub struct HostRequest {
    /// The HOME every instance runs with.
    pub home: PathBuf,
    /// The directory relative paths resolve against.
    pub cwd: PathBuf,
    /// Scan HOME for `~/.openclaw` and `~/.openclaw-NAME`.
    pub scan_home: bool,
    /// Instances named explicitly; one with a discovered name replaces it.
    pub explicit: Vec<Spec>,
    /// The environment every instance starts from; `None` means only `HOME`.
    pub base_env: Option<Env>,
    /// Paths are shown relative to this directory (`~` for HOME).
    pub display_base: Option<(PathBuf, &'static str)>,
    /// A `clawfence.json5` listing the instances (no HOME scan then).
    pub manifest: Option<PathBuf>,
    /// One instance resolved with an environment of its own (the real process
    /// environment of a preflight); it replaces a discovered one of that name.
    pub target: Option<(Spec, Env)>,
}

impl HostRequest {
    pub fn home(home: PathBuf, cwd: PathBuf) -> HostRequest {
        HostRequest {
            home,
            cwd,
            scan_home: true,
            explicit: vec![],
            base_env: None,
            display_base: None,
            manifest: None,
            target: None,
        }
    }
}

/// Why a host could not be read at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("cannot read HOME `{path}`")]
    Home {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot read manifest `{path}`")]
    Manifest {
        path: String,
        source: std::io::Error,
    },
}

/// Discovers and resolves every instance. Broken configs are part of the result.
pub fn build_host(req: &HostRequest) -> Result<Host, HostError> {
    let mut sources = SourceMap::new();
    // Every path below is built from HOME by joining, so HOME must be normalised
    // for the `~/…` display to recognise them.
    let mut req = HostRequest {
        home: crate::load::resolve_lexical(&req.cwd, &req.home),
        ..req.clone()
    };
    let mut discovered = discover::Discovered::default();
    if let Some(path) = &req.manifest {
        let path = crate::load::resolve_lexical(&req.cwd, path);
        let dir = path.parent().map(PathBuf::from).unwrap_or_default();
        let mut loader = Loader {
            sources: &mut sources,
            display_base: dir.clone(),
            display_prefix: "",
        };
        let m = manifest::load(&mut loader, &path).map_err(|source| HostError::Manifest {
            path: path.display().to_string(),
            source,
        })?;
        req.home = m.home;
        req.cwd = dir.clone();
        req.scan_home = false;
        req.display_base = Some((dir, ""));
        discovered.specs = m.specs;
        discovered.issues = m.issues;
    }
    if req.scan_home {
        discovered = discover::scan_home(&req.home).map_err(|source| HostError::Home {
            path: req.home.display().to_string(),
            source,
        })?;
    }
    for spec in &req.explicit {
        discovered.specs.retain(|s| s.name != spec.name);
        discovered.specs.push(spec.clone());
    }
    discovered.specs.sort_by(|a, b| a.name.cmp(&b.name));

    let base_env = req.base_env.clone().unwrap_or_else(|| {
        let mut env = Env::new();
        env.set(
            "HOME",
            req.home.display().to_string(),
            Origin::Flag("--home".into()),
        );
        env
    });
    let ctx = Context {
        home: &req.home,
        cwd: &req.cwd,
        base_env: &base_env,
    };
    let (base, prefix) = req
        .display_base
        .clone()
        .unwrap_or_else(|| (req.home.clone(), "~"));
    let mut loader = Loader {
        sources: &mut sources,
        display_base: base.clone(),
        display_prefix: prefix,
    };
    let mut instances: Vec<_> = discovered
        .specs
        .iter()
        .filter(|s| req.target.as_ref().is_none_or(|(t, _)| t.name != s.name))
        .map(|spec| resolve::resolve(spec, &ctx, &mut loader))
        .collect();
    if let Some((spec, env)) = &req.target {
        let ctx = Context {
            base_env: env,
            ..ctx
        };
        instances.push(resolve::resolve(spec, &ctx, &mut loader));
        instances.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(Host {
        home: req.home.clone(),
        display_base: base,
        display_prefix: prefix,
        instances,
        issues: discovered.issues,
        sources,
        plan: Default::default(),
    })
}
