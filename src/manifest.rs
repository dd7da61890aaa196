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
//!     // a gateway a script starts: its command line, words labelled in place
//!     seller: { command: "OPENCLAW_GATEWAY_PORT=18790 openclaw --profile seller gateway --port 18791" },
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
            crate::load::mask_parsed(loader, file, &root);
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
            "instances" | "$schema" => {}
            // clawfence's settings sit beside `instances` (see `crate::config`).
            k if crate::config::KEYS.contains(&k) => {}
            other => {
                let known: Vec<&str> = crate::config::MANIFEST_KEYS
                    .iter()
                    .chain(crate::config::KEYS)
                    .copied()
                    .collect();
                out.issues.push(crate::config::unknown_key(
                    e.key_span, other, &known, "manifest",
                ));
            }
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
    let shown_dir = loader.display(&dir);
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
                    crate::secrets::mask_inline(p)
                ),
                Some(format!(
                    "move the file below `{shown_dir}` and name it relative to the manifest",
                )),
            ))
        }
    };
    let duplicates = duplicate_names(&loader.sources.get(file).text, file);
    for (name, span) in duplicates {
        out.issues.push(issue(
            span,
            format!(
                "instance `{name}` is listed twice in the manifest: only the last one is checked"
            ),
            Some(format!("rename one of them, e.g. `{name}-2`")),
        ));
    }
    for e in list {
        match instance(
            loader,
            &e.key,
            e.key_span,
            &e.node,
            &abs,
            &inside,
            &mut out.issues,
        ) {
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

/// The keys an instance may have.
pub const INSTANCE_KEYS: &[&str] = &["config", "profile", "port", "env", "envFile", "command"];

/// The known key nearest to `key` (edit distance at most 3), for help lines.
fn nearest(key: &str, known: &[&'static str]) -> Option<&'static str> {
    fn distance(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (
            a.to_lowercase().chars().collect(),
            b.to_lowercase().chars().collect(),
        );
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut prev = row[0];
            row[0] = i;
            for j in 1..=b.len() {
                let cur = row[j];
                row[j] = (row[j] + 1)
                    .min(row[j - 1] + 1)
                    .min(prev + usize::from(a[i - 1] != b[j - 1]));
                prev = cur;
            }
        }
        row[b.len()]
    }
    known
        .iter()
        .map(|k| (distance(key, k), *k))
        .filter(|(d, k)| *d <= 3.min(k.len() / 2 + 1))
        .min()
        .map(|(_, k)| k)
}

/// Instance names written twice under `instances` (the JSON5 tree keeps only the
/// last): the key spans of every repetition.
fn duplicate_names(text: &str, file: crate::source::FileId) -> Vec<(String, Span)> {
    use jsonc_parser::ast;
    let Ok(parsed) = jsonc_parser::parse_to_ast(text, &Default::default(), &Default::default())
    else {
        return vec![];
    };
    let Some(ast::Value::Object(top)) = parsed.value else {
        return vec![];
    };
    let mut out = Vec::new();
    for p in &top.properties {
        let name = match &p.name {
            ast::ObjectPropName::String(s) => s.value.to_string(),
            ast::ObjectPropName::Word(w) => w.value.to_string(),
        };
        let ast::Value::Object(list) = &p.value else {
            continue;
        };
        if name != "instances" {
            continue;
        }
        let mut seen: Vec<String> = Vec::new();
        for q in &list.properties {
            let (key, range) = match &q.name {
                ast::ObjectPropName::String(s) => (s.value.to_string(), s.range),
                ast::ObjectPropName::Word(w) => (w.value.to_string(), w.range),
            };
            if seen.contains(&key) {
                out.push((key, Span::new(file, range.start..range.end)));
            } else {
                seen.push(key);
            }
        }
    }
    out
}

/// What a manifest's `command:` line sets.
struct CommandLine {
    env: Vec<(String, String, Origin)>,
    profile: Option<String>,
    port: Option<Resolved<i64>>,
}

/// Reads a `command:` line: shell words (leading `VAR=value` words are the
/// environment) that must run OpenClaw's gateway. Labels point at its words.
fn command_line(
    loader: &mut Loader,
    name: &str,
    node: &Node,
) -> Result<CommandLine, DiscoveryIssue> {
    let text = string(node, "command")?;
    let src = &loader.sources.get(node.span.file).text[node.span.range()];
    // The string's own characters, when it has no escapes: each word's span.
    let offset = (src.len() >= 2 && src.get(1..src.len() - 1) == Some(text))
        .then_some(node.span.start as usize + 1);
    let words = crate::load::shell::split(text).map_err(|e| {
        issue(
            node.span,
            format!("`command` of instance `{name}` is not a command line: {e}"),
            Some("quote it as a shell would: `openclaw --profile NAME gateway --port N`".into()),
        )
    })?;
    let span_of = |r: std::ops::Range<usize>| match offset {
        Some(o) => Span::new(node.span.file, o + r.start..o + r.end),
        None => node.span,
    };
    let texts: Vec<&str> = words.iter().map(|w| w.text.as_str()).collect();
    let g = match crate::load::argv::classify(&texts) {
        crate::load::argv::Invocation::Gateway(g) => g,
        other => {
            let what = match other {
                crate::load::argv::Invocation::OtherCommand(c) => format!("OpenClaw's `{c}`"),
                crate::load::argv::Invocation::Refused(r) => {
                    format!("a command OpenClaw refuses ({r})")
                }
                _ => "no OpenClaw command".into(),
            };
            return Err(issue(
                node.span,
                format!("`command` of instance `{name}` runs {what}, not the gateway"),
                Some("give the command that starts the gateway, e.g. `openclaw --profile NAME gateway --port N`".into()),
            ));
        }
    };
    let range = |i: usize| words.get(i).map(|w| w.range.clone());
    let mut masks = Vec::new();
    for i in &g.secret_words {
        if let Some(r) = range(*i) {
            masks.push(span_of(r).range());
        }
    }
    let mut env = Vec::new();
    for (k, v, i) in &g.env {
        let r = range(*i).unwrap_or(0..text.len());
        let span = span_of(r);
        if crate::secrets::is_secret_key(k) && offset.is_some() {
            masks.push(span.start as usize + k.len() + 1..span.end as usize);
        }
        env.push((
            k.clone(),
            v.clone(),
            Origin::Launcher {
                span,
                what: if crate::secrets::is_secret_key(k) {
                    format!("{k}=…")
                } else {
                    format!("{k}={v}")
                },
            },
        ));
    }
    if !masks.is_empty() {
        loader.sources.mask(node.span.file, &masks);
    }
    let port = match &g.port {
        Some(p) => {
            let value = p
                .value
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|n| ports::is_valid_port(*n));
            let Some(value) = value else {
                return Err(issue(
                    node.span,
                    format!(
                        "`--port {}` in the `command` of instance `{name}` is not a port in `1..=65535`",
                        p.value
                    ),
                    Some("give `--port` an integer such as `18789`".into()),
                ));
            };
            let (a, b) = (range(p.words.start), range(p.words.end - 1));
            let r = match (a, b) {
                (Some(a), Some(b)) => a.start..b.end,
                _ => 0..text.len(),
            };
            Some(Resolved::new(
                value,
                Origin::Launcher {
                    span: span_of(r),
                    what: format!("--port {}", p.value),
                },
            ))
        }
        None => None,
    };
    Ok(CommandLine {
        env,
        profile: g.profile_name().map(str::to_string),
        port,
    })
}

fn instance(
    loader: &mut Loader,
    name: &str,
    name_span: Span,
    node: &Node,
    abs: &dyn Fn(&str) -> PathBuf,
    inside: &dyn Fn(&str, Span, &str) -> Result<PathBuf, DiscoveryIssue>,
    issues: &mut Vec<DiscoveryIssue>,
) -> Result<Spec, DiscoveryIssue> {
    let Some(fields) = node.as_object() else {
        return Err(issue(
            node.span,
            format!("instance `{name}` must be an object"),
            None,
        ));
    };
    // An unknown key first: `confg` is a misspelt `config`, not a missing one.
    if let Some(f) = fields
        .iter()
        .find(|f| !INSTANCE_KEYS.contains(&f.key.as_str()))
    {
        let near = nearest(&f.key, INSTANCE_KEYS);
        let help = match near {
            Some(k) => format!("rename it to `{k}`, the nearest key an instance has"),
            None => "an instance has `config` and optionally `profile`, `port`, `env`, `envFile` and `command`".into(),
        };
        let hint = near
            .map(|k| format!("; did you mean `{k}`?"))
            .unwrap_or_default();
        return Err(issue(
            f.key_span,
            format!("unknown key `{}` in instance `{name}`{hint}", f.key),
            Some(help),
        ));
    }
    let config = fields.iter().find(|f| f.key == "config");
    let command = fields.iter().find(|f| f.key == "command");
    if config.is_none() && command.is_none() {
        return Err(issue(
            name_span,
            format!("instance `{name}` has no `config`"),
            Some(format!(
                "add `config: \"path/to/{name}.json5\"`, or the `command` that starts it"
            )),
        ));
    }
    let mut spec = match config {
        Some(config) => {
            let path = inside(string(&config.node, "config")?, config.node.span, "config")?;
            // why: a missing config makes OpenClaw run on built-in defaults, so a
            // manifest naming one that is not there checks something else.
            if !path.is_file() {
                issues.push(issue(
                    config.node.span,
                    format!(
                        "`config` of instance `{name}` is `{}`, which does not exist: OpenClaw would run it on built-in defaults",
                        loader.display(&path)
                    ),
                    Some(format!(
                        "point `config` at the file the gateway is started with, relative to the manifest, or create `{}`",
                        loader.display(&path)
                    )),
                ));
            }
            Spec::explicit(name, &path, Origin::Config(config.node.span))
        }
        None => Spec::new(name, crate::model::InstanceKind::Explicit, None),
    };
    for f in fields {
        let at = Origin::Config(f.node.span);
        match f.key.as_str() {
            "config" | "command" => {}
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
                    if v.key == "OPENCLAW_CONFIG_PATH"
                        && let Some(config) = config
                        && let Some(c) = config.node.as_str()
                        && abs(&value) != abs(c)
                    {
                        issues.push(issue(
                            v.node.span,
                            format!(
                                "`env.OPENCLAW_CONFIG_PATH` of instance `{name}` is `{value}` but its `config` is `{c}`: OpenClaw reads `{value}`, the variable it is started with"
                            ),
                            Some(format!(
                                "remove `env.OPENCLAW_CONFIG_PATH`, or set `config: \"{value}\"` (a path relative to the manifest)"
                            )),
                        ));
                    }
                    spec.env
                        .push((v.key.clone(), value, Origin::Config(v.node.span)));
                }
            }
            "envFile" => match &f.node.value {
                Value::String(s) => spec.env_files.push(inside(s, f.node.span, "envFile")?),
                Value::Array(items) => {
                    for item in items {
                        spec.env_files.push(inside(
                            string(item, "envFile")?,
                            item.span,
                            "envFile",
                        )?);
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
            _ => {}
        }
    }
    // The command line comes last: it is what the gateway is started with.
    if let Some(c) = command {
        let line = command_line(loader, name, &c.node)?;
        spec.env.extend(line.env);
        if line.profile.is_some() {
            spec.profile = line.profile;
        }
        if line.port.is_some() {
            spec.port = line.port;
        }
    }
    Ok(spec)
}
