//! `clawfence.json5`: the instances of a repository of committed configs, for CI
//! and pre-commit where there is no live HOME.
//!
//! ```json5
//! {
//!   home: "/home/openclaw",            // optional; default: the manifest's directory
//!   instances: {
//!     main: {
//!       config: "deploy/main.json5",     // required; relative to the manifest
//!       env: { OPENCLAW_STATE_DIR: "/srv/openclaw-main" },
//!       envFile: "deploy/main.env",      // or a list; variables the gateway starts with
//!     },
//!     rescue: { config: "deploy/rescue.json5", profile: "rescue", port: 19001 },
//!   },
//! }
//! ```

use crate::load::json5::{self, Node, Value};
use crate::load::{Loader, Location, resolve_lexical};
use crate::model::{DiscoveryIssue, Origin, Resolved};
use crate::ports;
use crate::resolve::Spec;
use crate::source::{SourceKind, Span};
use std::path::{Path, PathBuf};

/// The file name discovered in the current directory.
pub const FILE_NAME: &str = "clawfence.json5";

/// What a manifest declares.
#[derive(Debug, Default)]
pub struct Manifest {
    /// The HOME the instances run with.
    pub home: PathBuf,
    pub specs: Vec<Spec>,
    /// Problems in the manifest itself, with spans.
    pub issues: Vec<DiscoveryIssue>,
}

fn issue(span: Span, message: String, help: Option<String>) -> DiscoveryIssue {
    DiscoveryIssue {
        location: Location::Span(span),
        message,
        help,
    }
}

/// Reads a manifest. Problems are reported with spans; valid instances are kept.
pub fn load(loader: &mut Loader, path: &Path) -> std::io::Result<Manifest> {
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let file = loader.read(path, SourceKind::Manifest)?;
    let mut out = Manifest {
        home: dir.clone(),
        ..Manifest::default()
    };
    let root = match json5::parse(&loader.sources.get(file).text, file) {
        Ok(root) => {
            // `env` values and anything else secret-looking stay out of every frame.
            let text = &loader.sources.get(file).text;
            let mut ranges = crate::secrets::secret_ranges(&root, text);
            ranges.extend(crate::secrets::lexical_secret_ranges(text));
            if !ranges.is_empty() {
                loader.sources.mask(file, &ranges);
            }
            root
        }
        Err(e) => {
            let location = if crate::load::mask_unparsed(loader, file) {
                Location::Span(Span::new(file, e.offset..e.offset))
            } else {
                Location::Path(loader.display(path))
            };
            out.issues.push(DiscoveryIssue {
                location,
                message: format!(
                    "manifest `{}` does not parse: {}",
                    loader.display(path),
                    e.message
                ),
                help: Some(
                    "the manifest is JSON5: `{ instances: { NAME: { config: \"PATH\" } } }`".into(),
                ),
            });
            return Ok(out);
        }
    };
    let abs = |p: &str| resolve_lexical(&dir, Path::new(p));
    let real_dir = crate::load::canonical_or_lexical(&dir);
    let Some(top) = root.as_object() else {
        out.issues.push(issue(
            root.span,
            "a manifest is an object with `instances`".into(),
            None,
        ));
        return Ok(out);
    };
    for e in top {
        match e.key.as_str() {
            "home" => match e.node.as_str() {
                Some(h) => out.home = abs(h),
                None => out
                    .issues
                    .push(issue(e.node.span, "`home` must be a path".into(), None)),
            },
            "instances" => {}
            other => out.issues.push(issue(
                e.key_span,
                format!("unknown manifest key `{other}`"),
                Some("a manifest has `instances` and optionally `home`".into()),
            )),
        }
    }
    let Some(instances) = root.entry("instances") else {
        out.issues.push(issue(
            root.span,
            "the manifest lists no `instances`".into(),
            Some("add `instances: { NAME: { config: \"PATH\" } }`".into()),
        ));
        return Ok(out);
    };
    let Some(list) = instances.node.as_object() else {
        out.issues.push(issue(
            instances.node.span,
            "`instances` must be an object of instances by name".into(),
            None,
        ));
        return Ok(out);
    };
    // why: like `$include` (`src/config/includes.ts`), every file a manifest
    // names must stay inside its directory, lexically and after symlinks: a
    // pull request must not make CI read (and quote) files from elsewhere.
    let inside = |p: &str, at: Span, what: &str| -> Result<PathBuf, DiscoveryIssue> {
        let path = abs(p);
        let real = std::fs::canonicalize(&path).ok();
        if path.starts_with(&dir) && real.as_ref().is_none_or(|r| r.starts_with(&real_dir)) {
            Ok(path)
        } else {
            Err(issue(
                at,
                format!(
                    "`{what}` path `{}` leaves the manifest's directory",
                    crate::secrets::mask_ranges(p, &crate::secrets::inline_secrets(p))
                ),
                Some(format!(
                    "move the file below `{}` and name it relative to the manifest",
                    loader.display(&dir)
                )),
            ))
        }
    };
    for e in list {
        match instance(&e.key, e.key_span, &e.node, &inside) {
            Ok(spec) => out.specs.push(spec),
            Err(i) => out.issues.push(i),
        }
    }
    Ok(out)
}

fn string<'n>(node: &'n Node, what: &str) -> Result<&'n str, DiscoveryIssue> {
    node.as_str()
        .ok_or_else(|| issue(node.span, format!("`{what}` must be a string"), None))
}

fn instance(
    name: &str,
    name_span: Span,
    node: &Node,
    abs: &dyn Fn(&str, Span, &str) -> Result<PathBuf, DiscoveryIssue>,
) -> Result<Spec, DiscoveryIssue> {
    let Some(fields) = node.as_object() else {
        return Err(issue(
            node.span,
            format!("instance `{name}` must be an object"),
            None,
        ));
    };
    // The config path is what the gateway is started with.
    let Some(config) = fields.iter().find(|f| f.key == "config") else {
        return Err(issue(
            name_span,
            format!("instance `{name}` has no `config`"),
            Some(format!("add `config: \"path/to/{name}.json5\"`")),
        ));
    };
    let path = abs(string(&config.node, "config")?, config.node.span, "config")?;
    let mut spec = Spec::explicit(name, &path, Origin::Config(config.node.span));
    for f in fields {
        let at = Origin::Config(f.node.span);
        match f.key.as_str() {
            "config" => {}
            "profile" => {
                let p = string(&f.node, "profile")?;
                if !ports::is_valid_profile_name(p) {
                    return Err(issue(
                        f.node.span,
                        format!("`{p}` is not a valid profile name"),
                        None,
                    ));
                }
                spec.profile = Some(p.to_string());
            }
            "port" => match f.node.as_f64() {
                Some(n) if n.fract() == 0.0 && ports::is_valid_port(n as i64) => {
                    spec.port = Some(Resolved::new(n as i64, at));
                }
                _ => {
                    return Err(issue(
                        f.node.span,
                        "`port` must be an integer in `1..=65535`".into(),
                        None,
                    ));
                }
            },
            "env" => {
                let Some(vars) = f.node.as_object() else {
                    return Err(issue(
                        f.node.span,
                        "`env` must be an object of strings".into(),
                        None,
                    ));
                };
                for v in vars {
                    let value = match &v.node.value {
                        Value::String(s) => s.clone(),
                        Value::Number(n) => crate::resolve::js_number(*n),
                        _ => {
                            return Err(issue(
                                v.node.span,
                                format!("`env.{}` must be a string", v.key),
                                None,
                            ));
                        }
                    };
                    spec.env
                        .push((v.key.clone(), value, Origin::Config(v.node.span)));
                }
            }
            "envFile" => match &f.node.value {
                Value::String(s) => spec.env_files.push(abs(s, f.node.span, "envFile")?),
                Value::Array(items) => {
                    for item in items {
                        spec.env_files
                            .push(abs(string(item, "envFile")?, item.span, "envFile")?);
                    }
                }
                _ => {
                    return Err(issue(
                        f.node.span,
                        "`envFile` must be a path or a list of paths".into(),
                        None,
                    ));
                }
            },
            other => {
                return Err(issue(
                    f.key_span,
                    format!("unknown key `{other}` in instance `{name}`"),
                    Some("an instance has `config` and optionally `profile`, `port`, `env` and `envFile`".into()),
                ));
            }
        }
    }
    Ok(spec)
}
