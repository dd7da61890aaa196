//! Building a [`Host`]: discover instances, then resolve each one.

use crate::load::Loader;
use crate::load::env::Env;
use crate::model::{Host, Instance, InstanceKind, Origin};
use crate::resolve::{self, Context, Spec};
use crate::source::{SourceKind, SourceMap};
use crate::{discover, manifest};
use std::path::{Path, PathBuf};

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
    /// The filesystem root for system-wide launchers (`/etc/systemd/system`,
    /// `/Library/LaunchDaemons`); `None` reads only the launchers under HOME.
    pub root: Option<PathBuf>,
    /// docker compose projects whose gateway services are instances too.
    pub compose: Vec<crate::load::compose::ComposeRequest>,
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
            root: None,
            compose: vec![],
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
            prefetched: Default::default(),
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
    let (base, prefix) = req
        .display_base
        .clone()
        .unwrap_or_else(|| (req.home.clone(), "~"));
    if !req.compose.is_empty() {
        let mut loader = Loader {
            sources: &mut sources,
            display_base: base.clone(),
            display_prefix: prefix,
            prefetched: Default::default(),
        };
        let loaded = crate::load::compose::load_all(&mut loader, &req.compose, &req.home);
        // A profile dir under HOME that a service mounts as its state dir is that
        // service's state: the gateway runs in the container, not also beside it
        // (launchers join profile dirs by state dir, research/launchers.md).
        let mounted: Vec<PathBuf> = loaded
            .specs
            .iter()
            .flat_map(|s| {
                s.env
                    .iter()
                    .rev()
                    .find(|(k, _, _)| k == "OPENCLAW_STATE_DIR")
            })
            .map(|(_, v, _)| crate::load::canonical_or_lexical(std::path::Path::new(v)))
            .collect();
        discovered.specs.retain(|s| {
            let Some(dir) = profile_dir(&req.home, s) else {
                return true;
            };
            !mounted.contains(&crate::load::canonical_or_lexical(&dir))
        });
        discovered.specs.extend(loaded.specs);
        discovered.issues.extend(loaded.issues);
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
    // Each profile directory's config and `.env`, read ahead by a reader thread.
    let ahead: Vec<(PathBuf, SourceKind)> = discovered
        .specs
        .iter()
        .filter_map(|s| profile_dir(&req.home, s))
        .flat_map(|dir| {
            [
                (dir.join("openclaw.json"), SourceKind::Config),
                (dir.join(".env"), SourceKind::Env),
            ]
        })
        .collect();
    let mut loader = Loader {
        sources: &mut sources,
        display_base: base.clone(),
        display_prefix: prefix,
        prefetched: crate::load::prefetch(&ahead),
    };
    let mut launcher_specs = Vec::new();
    if req.scan_home {
        let state_dirs: Vec<PathBuf> = discovered
            .specs
            .iter()
            .map(|s| match &s.profile {
                Some(p) => req.home.join(format!(".openclaw-{p}")),
                None => req.home.join(".openclaw"),
            })
            .collect();
        let (specs, issues) =
            discover::scan_launchers(&mut loader, &req.home, req.root.as_deref(), &state_dirs);
        launcher_specs = specs;
        discovered.issues.extend(issues);
    }
    let mut instances: Vec<_> = discovered
        .specs
        .iter()
        .filter(|s| req.target.as_ref().is_none_or(|(t, _)| t.name != s.name))
        .map(|spec| resolve::resolve(spec, &ctx, &mut loader))
        .collect();
    let launched: Vec<_> = launcher_specs
        .iter()
        .map(|spec| resolve::resolve(spec, &ctx, &mut loader))
        .collect();
    let mut skipped = Vec::new();
    join_launchers(
        &mut instances,
        launched,
        &discovered.empty,
        &mut skipped,
        &req.home,
    );
    if let Some((spec, env)) = &req.target {
        let ctx = Context {
            base_env: env,
            ..ctx
        };
        instances.push(resolve::resolve(spec, &ctx, &mut loader));
        instances.sort_by(|a, b| a.name.cmp(&b.name));
    }
    if let Some(root) = &req.root {
        sources.show_below_root(root);
    }
    Ok(Host {
        home: req.home.clone(),
        display_base: base,
        display_prefix: prefix,
        root: req.root.clone().filter(|r| r != Path::new("/")),
        instances,
        issues: discovered.issues,
        skipped,
        sources,
        plan: Default::default(),
    })
}

/// The profile directory a HOME-scanned spec is: `~/.openclaw` for the default
/// instance, `~/.openclaw-NAME` for a profile; `None` for any other spec.
fn profile_dir(home: &Path, s: &Spec) -> Option<PathBuf> {
    match (&s.kind, &s.profile) {
        (InstanceKind::Default, _) => Some(home.join(".openclaw")),
        (InstanceKind::Profile, Some(p)) => Some(home.join(format!(".openclaw-{p}"))),
        _ => None,
    }
}

/// Joins each launcher's instance to the profile directory it runs, matched by
/// resolved state dir (not by name): the instance keeps the directory's name and
/// takes its ports and environment from the launcher. A launcher whose state dir
/// is no profile directory, or one already taken by another launcher, is an
/// instance of its own (two launchers on one state dir then share it).
/// Profile directories with no config, no `.env` and no launcher are dropped.
fn join_launchers(
    instances: &mut Vec<Instance>,
    mut launched: Vec<Instance>,
    empty: &[String],
    skipped: &mut Vec<String>,
    home: &Path,
) {
    // Enabled launchers first, then the one OpenClaw's own naming gives the
    // directory, then by kind and name.
    launched.sort_by_key(|l| {
        let info = l.launcher.as_ref().expect("a launcher instance");
        (info.enabled == Some(false), info.kind, info.name.clone())
    });
    let key = |i: &Instance| crate::load::canonical_or_lexical(&i.state_dir.value);
    // The directories a launcher can join, by state dir, in order (each key once:
    // `realpath` is a syscall per component).
    let mut open: std::collections::HashMap<PathBuf, std::collections::VecDeque<usize>> =
        Default::default();
    if !launched.is_empty() {
        for (n, i) in instances.iter().enumerate() {
            if i.kind != InstanceKind::Explicit && i.launcher.is_none() {
                open.entry(key(i)).or_default().push_back(n);
            }
        }
    }
    for mut l in launched {
        let slot = open.get_mut(&key(&l)).and_then(|q| q.pop_front());
        match slot {
            Some(n) => {
                let dir = &instances[n];
                l.name = dir.name.clone();
                l.kind = dir.kind.clone();
                if l.profile.is_none() {
                    l.profile = dir.profile.clone();
                }
                instances[n] = l;
            }
            None => {
                instances.push(l);
            }
        }
    }
    // A profile directory a launcher claimed now carries that launcher.
    instances.retain(|i| {
        let drop =
            i.launcher.is_none() && i.kind == InstanceKind::Profile && empty.contains(&i.name);
        if drop {
            skipped.push(format!(
                "`{}` is not an instance: it has no config, no `.env` and no launcher",
                crate::load::display_path(&i.state_dir.value, home, "~")
            ));
        }
        !drop
    });
    // Names stay unique: a launcher named like a profile directory gets its kind.
    instances.sort_by(|a, b| a.name.cmp(&b.name));
    for n in 1..instances.len() {
        if instances[n].name == instances[n - 1].name {
            let info = instances[n].launcher.as_ref().map(|l| l.name.clone());
            if let Some(name) = info {
                instances[n].name = name;
            }
        }
    }
    instances.sort_by(|a, b| a.name.cmp(&b.name));
}
