//! docker compose projects as instance sources (compose specification:
//! `spec.md`, `merge.md`, `interpolation.md`, `05-services.md` of compose-spec).
//!
//! A service is an instance when what its container runs (the image's
//! `ENTRYPOINT` + `CMD`, as `entrypoint:`/`command:` override them) is OpenClaw's
//! gateway. Its ports live in its own network namespace; only `ports:` reach the
//! host. Its state dir is the host side of the mount at the container's state dir.

pub mod image;
pub mod interp;
pub mod yaml;

use crate::load::argv::{self, Invocation};
use crate::load::env::parse_dotenv;
use crate::load::shell;
use crate::load::{Loader, Location, resolve_lexical};
use crate::model::{Container, DiscoveryIssue, InstanceKind, Origin, Published, Resolved};
use crate::resolve::Spec;
use crate::secrets;
use crate::source::{FileId, SourceKind, Span};
use image::Image;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use yaml::{YValue, Yaml};

/// Compose files larger than this are not read (compose has no limit; a
/// deployment file is a few KiB).
pub const MAX_FILE: u64 = 8 << 20;
/// Ports one `ports:` range may publish.
pub const MAX_RANGE: i64 = 1024;

/// The default file names, in the order compose looks for them
/// (compose-go `cli.DefaultFileNames`, `DefaultOverrideFileNames`).
pub const DEFAULT_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yml",
    "docker-compose.yaml",
];
pub const OVERRIDE_FILES: &[&str] = &[
    "compose.override.yml",
    "compose.override.yaml",
    "docker-compose.override.yml",
    "docker-compose.override.yaml",
];

/// One `docker compose` invocation: `-f` files in order, `--env-file`s, `-p`.
#[derive(Debug, Clone, PartialEq)]
pub struct ComposeRequest {
    pub files: Vec<PathBuf>,
    pub env_files: Vec<PathBuf>,
    pub project: Option<String>,
    /// Found in the current directory rather than asked for: it counts only when
    /// it runs a gateway (an unrelated project's problems are not ours).
    pub implicit: bool,
}

/// Parses `FILE[,file=FILE2…][,env-file=F…][,project=P]`.
pub fn parse_arg(arg: &str, cwd: &Path) -> Result<ComposeRequest, String> {
    let mut parts = arg.split(',');
    let first = parts.next().unwrap_or("").trim();
    if first.is_empty() {
        return Err(format!(
            "`--compose {arg}`: expected `FILE[,file=FILE][,env-file=FILE][,project=NAME]`"
        ));
    }
    let abs = |p: &str| resolve_lexical(cwd, Path::new(p.trim()));
    let mut req = ComposeRequest {
        files: vec![abs(first)],
        env_files: vec![],
        project: None,
        implicit: false,
    };
    for part in parts {
        match part.split_once('=') {
            Some(("file", v)) => req.files.push(abs(v)),
            Some(("env-file", v)) => req.env_files.push(abs(v)),
            Some(("project", v)) => {
                let p = normalize_project(v);
                if p.is_empty() {
                    return Err(format!("`--compose {arg}`: `{v}` is not a project name"));
                }
                req.project = Some(p);
            }
            _ => {
                return Err(format!(
                    "`--compose {arg}`: unknown `{part}` (expected `file=`, `env-file=` or `project=`)"
                ));
            }
        }
    }
    Ok(req)
}

/// The compose file `docker compose up` reads in `dir`, and its override file.
pub fn discover(dir: &Path) -> Option<ComposeRequest> {
    let base = DEFAULT_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())?;
    let mut files = vec![base];
    if let Some(o) = OVERRIDE_FILES
        .iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
    {
        files.push(o);
    }
    Some(ComposeRequest {
        files,
        env_files: vec![],
        project: None,
        implicit: true,
    })
}

/// compose-go `NormalizeProjectName`: lowercase, only `a-z0-9_-`, starting with a
/// letter or digit.
pub fn normalize_project(s: &str) -> String {
    let s: String = s
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    s.trim_start_matches(['_', '-']).to_string()
}

/// What the compose projects declare.
#[derive(Debug, Default)]
pub struct Loaded {
    pub specs: Vec<Spec>,
    pub issues: Vec<DiscoveryIssue>,
}

fn issue(location: Location, message: String, help: Option<String>) -> DiscoveryIssue {
    DiscoveryIssue {
        location,
        message,
        help,
    }
}

/// Loads every project. A second `up` of the same project and service replaces
/// the first container: that is reported, and only the last one is kept.
pub fn load_all(loader: &mut Loader, reqs: &[ComposeRequest], home: &Path) -> Loaded {
    let mut out = Loaded::default();
    // Each service name once in `out.specs`, with the request that started it.
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for req in reqs {
        // The request as `--compose` spells it, for messages.
        let mut shown = loader.display(&req.files[0]);
        for f in req.files.iter().skip(1) {
            shown.push_str(&format!(",file={}", loader.display(f)));
        }
        for f in &req.env_files {
            shown.push_str(&format!(",env-file={}", loader.display(f)));
        }
        let mut issues = Vec::new();
        let project = load_project(loader, req, home, &mut issues);
        if !(req.implicit && project.is_empty()) {
            out.issues.extend(issues);
        }
        for spec in project {
            let c = spec
                .container
                .as_ref()
                .expect("compose specs are containers");
            if let Some(first) = seen.get(&spec.name).cloned() {
                out.issues.push(issue(
                    Location::Span(c.span),
                    format!(
                        "service `{}` of compose project `{}` is started from `{first}` and from `{shown}`: the second `docker compose up` replaces the first container, so only one `{}` runs",
                        c.service, c.project, spec.name
                    ),
                    Some(format!(
                        "give the second its own project: `--compose {shown},project={}-2` (`docker compose -p {}-2 up`)",
                        c.project, c.project
                    )),
                ));
                out.specs.retain(|s| s.name != spec.name);
            }
            seen.insert(spec.name.clone(), shown.clone());
            out.specs.push(spec);
        }
    }
    out
}

/// Reads one YAML file, within limits.
fn read_yaml(
    loader: &mut Loader,
    path: &Path,
    issues: &mut Vec<DiscoveryIssue>,
) -> Option<(FileId, Yaml)> {
    let shown = loader.display(path);
    match std::fs::metadata(path) {
        Ok(m) if m.len() > MAX_FILE => {
            issues.push(issue(
                Location::Path(shown.clone()),
                format!("compose file `{shown}` is `{}` bytes, more than clawfence reads (`{MAX_FILE}`)", m.len()),
                Some("split it, or check the compose file that `docker compose config` prints".into()),
            ));
            return None;
        }
        Ok(_) => {}
        Err(e) => {
            issues.push(issue(
                Location::Path(shown.clone()),
                format!("cannot read compose file `{shown}`: {e}"),
                Some(format!(
                    "pass an existing file to `--compose`, or remove `{shown}` from it"
                )),
            ));
            return None;
        }
    }
    let file = match loader.read(path, SourceKind::Manifest) {
        Ok(f) => f,
        Err(e) => {
            issues.push(issue(
                Location::Path(shown.clone()),
                format!("cannot read compose file `{shown}`: {e}"),
                Some("make it a readable regular file".into()),
            ));
            return None;
        }
    };
    match yaml::parse(&loader.sources.get(file).text, file) {
        Ok(y) => Some((file, y)),
        Err(e) => {
            issues.push(issue(
                Location::Span(Span::new(file, e.offset..e.offset)),
                format!("compose file `{shown}` cannot be used: {}", e.message),
                Some("fix the YAML here; `docker compose config` shows what compose reads".into()),
            ));
            None
        }
    }
}

/// An interpolated scalar, the variables it used and those of them unset.
type Used = (Span, Vec<String>, Vec<String>);

/// Variables for interpolation: HOME (the shell's), then the env files in order.
struct Vars {
    vars: Vec<(String, String, Option<Span>)>,
    /// Which variables each interpolated scalar used.
    /// (and which it found unset).
    used: std::cell::RefCell<Vec<Used>>,
}

impl Vars {
    fn get(&self, k: &str) -> Option<String> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _, _)| n == k)
            .map(|(_, v, _)| v.clone())
    }

    /// " (`A` and `B` are not set)" when the scalar at `span` used unset variables.
    fn unset_note(&self, span: Span) -> String {
        let used = self.used.borrow();
        match used.iter().find(|(s, _, _)| *s == span) {
            Some((_, _, unset)) if !unset.is_empty() => {
                let list: Vec<String> = unset.iter().map(|u| format!("`{u}`")).collect();
                let verb = if list.len() == 1 { "is" } else { "are" };
                format!(" ({} {verb} not set)", list.join(", "))
            }
            _ => String::new(),
        }
    }

    /// "`GW_PORT=18789` at ~/.env:2" for every variable written into the scalar at `span`.
    fn described(&self, loader: &Loader, span: Span) -> Vec<(String, Span)> {
        let used = self.used.borrow();
        let Some((_, names, _)) = used.iter().find(|(s, _, _)| *s == span) else {
            return vec![];
        };
        names
            .iter()
            .filter_map(|n| {
                let (_, v, s) = self.vars.iter().rev().find(|(k, _, _)| k == n)?;
                let s = (*s)?;
                let f = loader.sources.get(s.file);
                let (line, _) = f.line_col(s.start as usize);
                Some((format!("`{n}={v}` at {}:{line}", f.display), s))
            })
            .collect()
    }
}

/// Reads a `.env`-style file (compose's dotenv: later lines may use earlier
/// variables), masking secret values.
fn read_env_file(
    loader: &mut Loader,
    path: &Path,
    vars: &Vars,
    issues: &mut Vec<DiscoveryIssue>,
    required: bool,
) -> Vec<(String, String, Span)> {
    let file = match loader.read(path, SourceKind::Env) {
        Ok(f) => f,
        Err(e) => {
            if required {
                let shown = loader.display(path);
                issues.push(issue(
                    Location::Path(shown.clone()),
                    format!("env file `{shown}` cannot be read: {e}, so `docker compose up` stops"),
                    Some(format!("create `{shown}`, or mark it `required: false`")),
                ));
            }
            return vec![];
        }
    };
    let text = loader.sources.get(file).text.clone();
    let entries = parse_dotenv(&text, file);
    let mut masks = Vec::new();
    let mut out = Vec::new();
    for e in entries {
        let raw = &text[e.value_span.range()];
        let value = if raw.trim_start().starts_with('\'') {
            e.value.clone()
        } else {
            let lookup = |k: &str| vars.get(k);
            interp::interpolate(&e.value, &lookup)
                .map(|i| i.text)
                .unwrap_or(e.value.clone())
        };
        if secrets::is_secret_key(&e.key) {
            masks.push(e.value_span.range());
        }
        out.push((e.key.clone(), value, e.span));
    }
    if !masks.is_empty() {
        loader.sources.mask(file, &masks);
    }
    out
}

/// Interpolates every scalar value (not keys) of `y`. The first error stops.
fn interpolate_tree(y: &mut Yaml, vars: &Vars) -> Result<(), (Span, String)> {
    match &mut y.value {
        YValue::Scalar { text, .. } if text.contains('$') => {
            let lookup = |k: &str| vars.get(k);
            let r = interp::interpolate(text, &lookup).map_err(|e| (y.span, e))?;
            let mut names = Vec::new();
            for v in text.split('$').skip(1) {
                let name: String = v
                    .trim_start_matches('{')
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && !names.contains(&name) && vars.get(&name).is_some() {
                    names.push(name);
                }
            }
            vars.used
                .borrow_mut()
                .push((y.span, names, r.unset.clone()));
            *text = r.text;
        }
        YValue::Seq(items) => {
            for i in items {
                interpolate_tree(i, vars)?;
            }
        }
        YValue::Map(entries) => {
            for (_, v) in entries {
                interpolate_tree(v, vars)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn key_is(k: &Yaml, name: &str) -> bool {
    k.as_str() == Some(name)
}

/// `environment:`/`labels:` as `(key, value-node)`: the map form, or `KEY=VALUE`
/// items of the list form.
fn pairs(y: &Yaml) -> Vec<(String, Option<String>, Span)> {
    match &y.value {
        YValue::Map(m) => m
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    k.as_str()?.to_string(),
                    v.as_str().map(str::to_string),
                    v.span,
                ))
            })
            .collect(),
        YValue::Seq(items) => items
            .iter()
            .filter_map(|i| {
                let t = i.as_str()?;
                Some(match t.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string()), i.span),
                    None => (t.to_string(), None, i.span),
                })
            })
            .collect(),
        _ => vec![],
    }
}

/// The container path a `volumes:` entry mounts at.
fn volume_target(v: &Yaml) -> Option<String> {
    if let Some(t) = v.as_str() {
        let parts: Vec<&str> = t.split(':').collect();
        return Some(match parts.len() {
            1 => parts[0].to_string(),
            _ => parts[1].to_string(),
        });
    }
    v.get("target").and_then(Yaml::as_str).map(str::to_string)
}

/// Merges `over` into `base` as compose merges files (compose-spec `merge.md`):
/// mappings key by key, `environment` by variable, `volumes` by target, `ports`
/// and other sequences appended, `command`/`entrypoint` and scalars replaced;
/// `!reset` removes a value and `!override` replaces it whole.
fn merge(base: &mut Yaml, over: Yaml, key: &str) {
    if over.tag.as_deref() == Some("override") {
        *base = over;
        return;
    }
    match (&mut base.value, over.value) {
        (YValue::Map(b), YValue::Map(o)) => {
            for (k, v) in o {
                let name = k.as_str().unwrap_or("").to_string();
                if v.tag.as_deref() == Some("reset") {
                    b.retain(|(bk, _)| !key_is(bk, &name));
                    continue;
                }
                match b.iter_mut().find(|(bk, _)| bk.as_str() == Some(&name)) {
                    Some((_, bv)) if matches!(name.as_str(), "command" | "entrypoint") => *bv = v,
                    Some((_, bv)) => merge(bv, v, &name),
                    None => b.push((k, v)),
                }
            }
        }
        (YValue::Seq(b), YValue::Seq(o)) if key == "volumes" => {
            for v in o {
                let t = volume_target(&v);
                match b.iter_mut().find(|x| t.is_some() && volume_target(x) == t) {
                    Some(x) => *x = v,
                    None => b.push(v),
                }
            }
        }
        (YValue::Seq(b), YValue::Seq(o)) if key == "environment" || key == "labels" => {
            for v in o {
                let k = v
                    .as_str()
                    .map(|t| t.split('=').next().unwrap_or("").to_string());
                match b.iter_mut().find(|x| {
                    x.as_str()
                        .map(|t| t.split('=').next().unwrap_or("").to_string())
                        == k
                }) {
                    Some(x) => *x = v,
                    None => b.push(v),
                }
            }
        }
        (YValue::Seq(b), YValue::Seq(o)) => {
            for v in o {
                if !b
                    .iter()
                    .any(|x| x.as_str().is_some() && x.as_str() == v.as_str())
                {
                    b.push(v);
                }
            }
        }
        (_, value) if key == "environment" || key == "labels" => {
            // One side a map and the other a list: merge as pairs, the override's last.
            let over = Yaml {
                span: over.span,
                tag: over.tag,
                value,
            };
            let mut all: Vec<(Yaml, Yaml)> = Vec::new();
            for (k, v, s) in pairs(base).into_iter().chain(pairs(&over)) {
                all.retain(|(x, _)| x.as_str() != Some(&k));
                let text = |t: String| Yaml {
                    span: s,
                    tag: None,
                    value: YValue::Scalar {
                        text: t,
                        plain: false,
                    },
                };
                all.push((
                    text(k),
                    v.map(text).unwrap_or(Yaml {
                        span: s,
                        tag: None,
                        value: YValue::Null,
                    }),
                ));
            }
            base.value = YValue::Map(all);
        }
        (_, value) => {
            *base = Yaml {
                span: over.span,
                tag: over.tag,
                value,
            }
        }
    }
}

/// A word of a container's command line and where it was written.
#[derive(Debug, Clone)]
struct Word {
    text: String,
    span: Option<Span>,
}

/// `command:`/`entrypoint:`: a list, or a string split as compose splits it
/// (shell words, no shell).
fn words(loader: &Loader, y: &Yaml) -> Vec<Word> {
    match &y.value {
        YValue::Seq(items) => items
            .iter()
            .filter_map(|i| {
                Some(Word {
                    text: i.as_str()?.to_string(),
                    span: Some(i.span),
                })
            })
            .collect(),
        YValue::Scalar { text, .. } => split_at(loader, text, y.span),
        _ => vec![],
    }
}

/// Shell words of `text` written at `span`: each word's own span when the
/// scalar's source is the text itself (plain or simply quoted), else the scalar's.
fn split_at(loader: &Loader, text: &str, span: Span) -> Vec<Word> {
    let src = &loader.sources.get(span.file).text[span.range()];
    let offset = if src == text {
        Some(span.start as usize)
    } else if src.len() >= 2 && src.get(1..src.len() - 1) == Some(text) {
        Some(span.start as usize + 1)
    } else {
        None
    };
    shell::split(text)
        .unwrap_or_default()
        .into_iter()
        .map(|w| Word {
            span: Some(match offset {
                Some(o) => Span::new(span.file, o + w.range.start..o + w.range.end),
                None => span,
            }),
            text: w.text,
        })
        .collect()
}

/// What a container's argv runs: `sh -c "… && openclaw gateway …"` is read into.
fn classify(
    loader: &Loader,
    argv: &[Word],
    package_dir: Option<&str>,
) -> Option<(argv::GatewayArgs, Vec<Word>)> {
    let run = |ws: &[Word]| {
        let texts: Vec<&str> = ws.iter().map(|w| w.text.as_str()).collect();
        match package_dir {
            Some(d) => argv::classify_in(&texts, d),
            None => argv::classify(&texts),
        }
    };
    if let Invocation::Gateway(g) = run(argv) {
        return Some((g, argv.to_vec()));
    }
    // `[tini --] sh -c SCRIPT`: the script's commands, one by one.
    let k = argv.iter().position(|w| {
        matches!(
            w.text.rsplit('/').next(),
            Some("sh" | "bash" | "dash" | "ash")
        )
    })?;
    let flag = argv.get(k + 1)?;
    if !(flag.text.starts_with('-') && flag.text.contains('c')) {
        return None;
    }
    let script = argv.get(k + 2)?;
    let inner = match script.span {
        Some(s) => split_at(loader, &script.text, s),
        None => shell::split(&script.text)
            .unwrap_or_default()
            .into_iter()
            .map(|w| Word {
                text: w.text,
                span: None,
            })
            .collect(),
    };
    for seg in inner.split(|w| matches!(w.text.as_str(), "&&" | "||" | ";" | "|" | "&")) {
        let seg: Vec<Word> = seg
            .iter()
            .map(|w| Word {
                text: w.text.trim_end_matches(';').to_string(),
                span: w.span,
            })
            .collect();
        if let Invocation::Gateway(g) = run(&seg) {
            return Some((g, seg));
        }
    }
    None
}

/// Where a container path lives on the host.
#[derive(Debug, Clone)]
struct Mount {
    host: PathBuf,
    target: String,
    origin: Origin,
}

fn map_path(mounts: &[Mount], virtual_root: &Path, p: &str) -> (PathBuf, Option<Origin>) {
    let best = mounts
        .iter()
        .filter(|m| {
            let t = m.target.trim_end_matches('/');
            p == t || p.starts_with(&format!("{t}/")) || t.is_empty()
        })
        .max_by_key(|m| m.target.len());
    match best {
        Some(m) => {
            let rest = p[m.target.trim_end_matches('/').len()..].trim_start_matches('/');
            let host = if rest.is_empty() {
                m.host.clone()
            } else {
                m.host.join(rest)
            };
            (host, Some(m.origin.clone()))
        }
        None => (virtual_root.join(p.trim_start_matches('/')), None),
    }
}

/// The project's services, resolved into instance specs.
fn load_project(
    loader: &mut Loader,
    req: &ComposeRequest,
    home: &Path,
    issues: &mut Vec<DiscoveryIssue>,
) -> Vec<Spec> {
    let dir = req.files[0]
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut vars = Vars {
        vars: vec![("HOME".into(), home.display().to_string(), None)],
        used: Default::default(),
    };
    // why: compose reads `<project dir>/.env` unless `--env-file` is given.
    let env_files = if req.env_files.is_empty() {
        vec![(dir.join(".env"), false)]
    } else {
        req.env_files.iter().map(|f| (f.clone(), true)).collect()
    };
    for (f, required) in env_files {
        for (k, v, span) in read_env_file(loader, &f, &vars, issues, required) {
            // The shell's HOME wins over a `.env` one, as the shell's variables do.
            if k != "HOME" {
                vars.vars.push((k, v, Some(span)));
            }
        }
    }
    let mut merged: Option<Yaml> = None;
    for f in &req.files {
        let Some((_, mut y)) = read_yaml(loader, f, issues) else {
            return vec![];
        };
        if let Err((span, e)) = interpolate_tree(&mut y, &vars) {
            issues.push(issue(
                Location::Span(span),
                format!("compose file `{}` cannot be interpolated: {e}", loader.display(f)),
                Some("set the variable in the project's `.env` (or the `env-file=` of `--compose`), or give it a default: `${VAR:-value}`".into()),
            ));
            return vec![];
        }
        match &mut merged {
            None => merged = Some(y),
            Some(m) => merge(m, y, ""),
        }
    }
    let Some(root) = merged else { return vec![] };
    let project = req
        .project
        .clone()
        .or_else(|| {
            vars.get("COMPOSE_PROJECT_NAME")
                .map(|p| normalize_project(&p))
        })
        .or_else(|| {
            root.get("name")
                .and_then(Yaml::as_str)
                .map(normalize_project)
        })
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| {
            normalize_project(
                &dir.file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default(),
            )
        });
    let Some(services) = root.get("services").and_then(Yaml::as_map) else {
        return vec![];
    };
    let active: Vec<String> = vars
        .get("COMPOSE_PROFILES")
        .map(|p| p.split(',').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default();
    let volumes_top = root.get("volumes");
    let ctx = ProjectCtx {
        dir: &dir,
        project: &project,
        vars: &vars,
        volumes_top,
        services,
    };
    let mut out = Vec::new();
    for (k, svc) in services {
        let Some(name) = k.as_str() else { continue };
        // why: a service with `profiles:` starts only when one is active.
        if let Some(p) = svc.get("profiles").and_then(Yaml::as_seq)
            && !p
                .iter()
                .any(|x| x.as_str().is_some_and(|x| active.iter().any(|a| a == x)))
        {
            continue;
        }
        if let Some(spec) = service(loader, &ctx, name, k.span, svc, issues) {
            out.push(spec);
        }
    }
    out
}

struct ProjectCtx<'a> {
    dir: &'a Path,
    project: &'a str,
    vars: &'a Vars,
    volumes_top: Option<&'a Yaml>,
    services: &'a [(Yaml, Yaml)],
}

/// The image a service runs: its `build:` Dockerfile, else its `image:`.
fn service_image(loader: &mut Loader, ctx: &ProjectCtx, svc: &Yaml) -> Image {
    if let Some(b) = svc.get("build") {
        let (context, dockerfile) = match b.as_str() {
            Some(c) => (c.to_string(), "Dockerfile".to_string()),
            None => (
                b.get("context")
                    .and_then(Yaml::as_str)
                    .unwrap_or(".")
                    .to_string(),
                b.get("dockerfile")
                    .and_then(Yaml::as_str)
                    .unwrap_or("Dockerfile")
                    .to_string(),
            ),
        };
        let context = resolve_lexical(ctx.dir, Path::new(&context));
        let path = resolve_lexical(&context, Path::new(&dockerfile));
        if std::fs::metadata(&path).is_ok_and(|m| m.is_file() && m.len() < MAX_FILE)
            && let Ok(f) = loader.read(&path, SourceKind::Manifest)
        {
            return image::from_dockerfile(&loader.sources.get(f).text.clone(), &context);
        }
    }
    svc.get("image")
        .and_then(Yaml::as_str)
        .map(image::named)
        .unwrap_or_default()
}

fn service(
    loader: &mut Loader,
    ctx: &ProjectCtx,
    name: &str,
    key_span: Span,
    svc: &Yaml,
    issues: &mut Vec<DiscoveryIssue>,
) -> Option<Spec> {
    let image = service_image(loader, ctx, svc);
    let entrypoint = svc
        .get("entrypoint")
        .filter(|y| !y.is_null())
        .map(|y| words(loader, y));
    let command = svc
        .get("command")
        .filter(|y| !y.is_null())
        .map(|y| words(loader, y));
    let plain = |v: &[String]| {
        v.iter()
            .map(|t| Word {
                text: t.clone(),
                span: None,
            })
            .collect::<Vec<_>>()
    };
    // why: Docker: an `entrypoint` override drops the image's CMD; `command`
    // replaces CMD only.
    let argv: Vec<Word> = match (entrypoint, command) {
        (Some(e), Some(c)) => e.into_iter().chain(c).collect(),
        (Some(e), None) => e,
        (None, Some(c)) => plain(&image.entrypoint).into_iter().chain(c).collect(),
        (None, None) => plain(&image.entrypoint)
            .into_iter()
            .chain(plain(&image.cmd))
            .collect(),
    };
    let workdir = svc
        .get("working_dir")
        .and_then(Yaml::as_str)
        .map(str::to_string)
        .unwrap_or(image.workdir.clone());
    let package_dir = image.openclaw_dir.clone().filter(|d| *d == workdir);
    let (g, used) = classify(loader, &argv, package_dir.as_deref())?;
    let instance = format!("{}-{name}", ctx.project);
    let mut spec = Spec::new(
        &instance,
        InstanceKind::Explicit,
        g.profile_name().map(str::to_string),
    );

    // Environment: image ENV, then env_file in order, then environment.
    let mut env: Vec<(String, String, Origin)> = image
        .env
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.clone(),
                Origin::Default(format!("`ENV {k}` of the image")),
            )
        })
        .collect();
    if let Some(ef) = svc.get("env_file") {
        let items: Vec<&Yaml> = match &ef.value {
            YValue::Seq(s) => s.iter().collect(),
            _ => vec![ef],
        };
        for item in items {
            let (path, required) = match item.as_str() {
                Some(p) => (p.to_string(), true),
                None => (
                    item.get("path")
                        .and_then(Yaml::as_str)
                        .unwrap_or("")
                        .to_string(),
                    item.get("required").and_then(Yaml::as_str) != Some("false"),
                ),
            };
            if path.is_empty() {
                continue;
            }
            let p = resolve_lexical(ctx.dir, Path::new(&path));
            for (k, v, span) in read_env_file(loader, &p, ctx.vars, issues, required) {
                env.push((k, v, Origin::EnvFile(span)));
            }
        }
    }
    if let Some(e) = svc.get("environment") {
        let mut masks = Vec::new();
        for (k, v, span) in pairs(e) {
            // why: a variable without a value takes the shell's, else is unset.
            let Some(v) = v.or_else(|| ctx.vars.get(&k)) else {
                continue;
            };
            if secrets::is_secret_key(&k) {
                // A list item `KEY=value`: only the value (after the `=` in the source).
                let src = &loader.sources.get(span.file).text[span.range()];
                let start = match src.find('=') {
                    Some(eq)
                        if src.starts_with(k.as_str())
                            || src.get(1..).is_some_and(|r| r.starts_with(k.as_str())) =>
                    {
                        span.start as usize + eq + 1
                    }
                    _ => span.start as usize,
                };
                masks.push(start..span.end as usize);
            }
            env.push((k, v, Origin::EnvFile(span)));
        }
        if let Some(f) = masks.first().map(|_| e.span.file) {
            loader.sources.mask(f, &masks);
        }
    }
    for (k, v, i) in &g.env {
        let origin = match used.get(*i).and_then(|w| w.span) {
            Some(span) => Origin::Launcher {
                span,
                what: format!("{k}=…"),
            },
            None => Origin::Flag(format!("{k}=…")),
        };
        env.push((k.clone(), v.clone(), origin));
    }
    mask_secret_words(loader, &g, &used);

    // Mounts: bind mounts and volumes, by container path.
    let virtual_root = PathBuf::from(format!("/.container/{}/{name}", ctx.project));
    let mut mounts = Vec::new();
    for v in svc.get("volumes").and_then(Yaml::as_seq).unwrap_or(&[]) {
        if let Some(t) = v.as_str()
            && t.starts_with(':')
        {
            // why: compose refuses an empty section between colons (what an unset
            // `${OPENCLAW_CONFIG_DIR}` in OpenClaw's own compose file leaves).
            issues.push(issue(
                Location::Span(v.span),
                format!(
                    "volume `{t}` of service `{name}` has an empty host path{}: `docker compose up` refuses it",
                    ctx.vars.unset_note(v.span)
                ),
                Some("set the variable in the project's `.env` (or the `env-file=` of `--compose`) to the host directory to mount".into()),
            ));
            continue;
        }
        if let Some(m) = mount(ctx, v) {
            mounts.push(m);
        }
    }
    let get = |env: &[(String, String, Origin)], k: &str| {
        env.iter().rev().find(|(n, _, _)| n == k).cloned()
    };
    let home_c = get(&env, "HOME")
        .map(|(_, v, _)| v)
        .unwrap_or_else(|| image::home_of(&image));
    let base_c = get(&env, "OPENCLAW_HOME")
        .map(|(_, v, _)| v)
        .unwrap_or(home_c.clone());
    // why: the state dir inside: `OPENCLAW_STATE_DIR`, else `~/.openclaw` or the
    // profile's `~/.openclaw-NAME` under `OPENCLAW_HOME`/`HOME` (`src/config/state-dir.ts`
    // `resolveStateDir`, `src/cli/profile-utils.ts` `resolveProfileStateDir`).
    let state_c = match get(&env, "OPENCLAW_STATE_DIR") {
        Some((_, v, _)) => v,
        None => match g.profile_name() {
            Some(p) if !p.eq_ignore_ascii_case("default") => format!("{base_c}/.openclaw-{p}"),
            _ => format!("{base_c}/.openclaw"),
        },
    };
    // Paths in the container's environment, as the host sees them.
    for (k, v, _) in env.iter_mut() {
        if matches!(
            k.as_str(),
            "HOME"
                | "OPENCLAW_HOME"
                | "OPENCLAW_STATE_DIR"
                | "OPENCLAW_CONFIG_PATH"
                | "OPENCLAW_WORKSPACE_DIR"
        ) && v.starts_with('/')
        {
            *v = map_path(&mounts, &virtual_root, v).0.display().to_string();
        }
    }
    if get(&env, "HOME").is_none() {
        let h = map_path(&mounts, &virtual_root, &home_c).0;
        env.push((
            "HOME".into(),
            h.display().to_string(),
            Origin::Default(format!("`HOME` `{home_c}` of the container")),
        ));
    }
    if get(&env, "OPENCLAW_STATE_DIR").is_none() {
        let (host, origin) = map_path(&mounts, &virtual_root, &state_c);
        let origin = origin.unwrap_or_else(|| {
            Origin::Default(format!("`{state_c}` inside the container, not mounted"))
        });
        env.push((
            "OPENCLAW_STATE_DIR".into(),
            host.display().to_string(),
            origin,
        ));
        // A workspace mounted on its own (OpenClaw's compose mounts one at
        // `/home/node/.openclaw/workspace`).
        if get(&env, "OPENCLAW_WORKSPACE_DIR").is_none() {
            let ws_c = format!("{state_c}/workspace");
            let (ws, o) = map_path(&mounts, &virtual_root, &ws_c);
            if ws != host.join("workspace")
                && let Some(o) = o
            {
                env.push(("OPENCLAW_WORKSPACE_DIR".into(), ws.display().to_string(), o));
            }
        }
    }
    spec.env = env;
    if let Some(p) = &g.port {
        let span = used.get(p.words.start).and_then(|w| w.span);
        let value = p.value.trim().parse::<i64>().ok();
        if let (Some(value), Some(span)) = (value, span) {
            spec.port = Some(Resolved::new(
                value,
                Origin::Launcher {
                    span,
                    what: format!("--port {}", p.value),
                },
            ));
        } else if let Some(value) = value {
            spec.port = Some(Resolved::new(
                value,
                Origin::Flag(format!("--port {value}")),
            ));
        }
    }

    let namespace = namespace(ctx, name, svc, 0);
    let published = match &namespace {
        Some(_)
            if svc
                .get("network_mode")
                .and_then(Yaml::as_str)
                .is_none_or(|m| !m.starts_with("service:") && !m.starts_with("container:")) =>
        {
            published(svc, issues, &|s| ctx.vars.described(loader, s), &|s| {
                ctx.vars.unset_note(s)
            })
        }
        _ => vec![],
    };
    // why: every replica of a service mounts the same volumes and asks for the
    // same host ports (compose-spec `deploy.replicas`, `scale`): one state dir for
    // several gateways, and every replica after the first fails to publish.
    let replicas = svc
        .get("deploy")
        .and_then(|d| d.get("replicas"))
        .or_else(|| svc.get("scale"))
        .and_then(|r| Some((r.span, r.as_str()?.parse::<u64>().ok()?)));
    if let Some((span, n)) = replicas.filter(|(_, n)| *n > 1) {
        issues.push(issue(
            Location::Span(span),
            format!(
                "service `{name}` of compose project `{}` runs `{n}` replicas of one gateway: they share its state dir and its published ports",
                ctx.project
            ),
            Some(format!(
                "run `1` replica of `{name}`; give a second gateway a service of its own, with its own state dir and host port"
            )),
        ));
    }
    spec.container = Some(Container {
        project: ctx.project.to_string(),
        service: name.to_string(),
        namespace,
        published,
        span: key_span,
    });
    Some(spec)
}

/// Masks the values of `--token`/`--password` words and secret `VAR=` prefixes.
fn mask_secret_words(loader: &mut Loader, g: &argv::GatewayArgs, used: &[Word]) {
    let mut spans: Vec<Span> = g
        .secret_words
        .iter()
        .filter_map(|i| used.get(*i)?.span)
        .collect();
    for (k, _, i) in &g.env {
        if secrets::is_secret_key(k)
            && let Some(s) = used.get(*i).and_then(|w| w.span)
        {
            spans.push(Span::new(
                s.file,
                (s.start as usize + k.len() + 1).min(s.end as usize)..s.end as usize,
            ));
        }
    }
    for s in spans {
        loader.sources.mask(s.file, &[s.range()]);
    }
}

/// The network namespace of a service (`None`: the host's).
fn namespace(ctx: &ProjectCtx, name: &str, svc: &Yaml, depth: usize) -> Option<String> {
    let own = Some(format!("{}/{name}", ctx.project));
    match svc.get("network_mode").and_then(Yaml::as_str) {
        Some("host") => None,
        Some(m) if m.starts_with("service:") && depth < 16 => {
            let other = &m["service:".len()..];
            match ctx.services.iter().find(|(k, _)| k.as_str() == Some(other)) {
                Some((_, o)) => namespace(ctx, other, o, depth + 1),
                None => own,
            }
        }
        Some(m) if m.starts_with("container:") => Some(m.to_string()),
        _ => own,
    }
}

/// A `volumes:` entry as a mount: a bind mount (a path), a named volume (the
/// host directory Docker keeps it in), or an anonymous one (nothing shared).
fn mount(ctx: &ProjectCtx, v: &Yaml) -> Option<Mount> {
    let (source, target, ty) = match v.as_str() {
        Some(t) => {
            let parts: Vec<&str> = t.split(':').collect();
            match parts.as_slice() {
                [target] => (String::new(), target.to_string(), "volume"),
                [src, target, ..] => {
                    let bind = src.starts_with('/') || src.starts_with('.') || src.starts_with('~');
                    (
                        src.to_string(),
                        target.to_string(),
                        if bind { "bind" } else { "volume" },
                    )
                }
                [] => return None,
            }
        }
        None => (
            v.get("source")
                .and_then(Yaml::as_str)
                .unwrap_or("")
                .to_string(),
            v.get("target").and_then(Yaml::as_str)?.to_string(),
            match v.get("type").and_then(Yaml::as_str) {
                Some("bind") => "bind",
                Some("volume") | None => "volume",
                Some(_) => return None,
            },
        ),
    };
    let text = v
        .as_str()
        .map(str::to_string)
        .unwrap_or_else(|| format!("{source}:{target}"));
    let origin = Origin::Launcher {
        span: v.span,
        what: text,
    };
    let host = if ty == "bind" {
        let s = match source.strip_prefix('~') {
            Some(rest) => format!("{}{rest}", ctx.vars.get("HOME").unwrap_or_default()),
            None => source,
        };
        resolve_lexical(ctx.dir, Path::new(&s))
    } else if source.is_empty() {
        return None;
    } else {
        // why: compose names a volume `<project>_<key>` unless it is `external`
        // or has a `name:`; Docker keeps it in `/var/lib/docker/volumes/<name>/_data`.
        let decl = ctx.volumes_top.and_then(|t| t.get(&source));
        let real = match decl {
            Some(d) if d.get("name").and_then(Yaml::as_str).is_some() => d
                .get("name")
                .and_then(Yaml::as_str)
                .unwrap_or_default()
                .to_string(),
            Some(d) if d.get("external").and_then(Yaml::as_str) == Some("true") => source.clone(),
            _ => format!("{}_{source}", ctx.project),
        };
        PathBuf::from(format!("/var/lib/docker/volumes/{real}/_data"))
    };
    Some(Mount {
        host,
        target,
        origin,
    })
}

/// `ports:`: short (`[IP:][HOST[-HOST]:]CONTAINER[-CONTAINER][/PROTO]`) and long
/// syntax; only TCP ports with a fixed host port can meet another gateway.
fn published(
    svc: &Yaml,
    issues: &mut Vec<DiscoveryIssue>,
    vars: &dyn Fn(Span) -> Vec<(String, Span)>,
    unset: &dyn Fn(Span) -> String,
) -> Vec<Published> {
    let mut out = Vec::new();
    for p in svc.get("ports").and_then(Yaml::as_seq).unwrap_or(&[]) {
        let parsed = match p.as_str() {
            Some(t) => parse_short(t),
            None => parse_long(p),
        };
        match parsed {
            Ok(list) => out.extend(list.into_iter().map(|(ip, h, c)| Published {
                host_ip: ip,
                host_port: h,
                container_port: c,
                span: p.span,
                text: p.as_str().map(str::to_string).unwrap_or_else(|| format!("{h}:{c}")),
                vars: match &p.value {
                    YValue::Map(m) => m.iter().flat_map(|(_, v)| vars(v.span)).collect(),
                    _ => vars(p.span),
                },
            })),
            Err(e) => issues.push(issue(
                Location::Span(p.span),
                format!("`ports:` entry cannot be published: {e}{}", unset(p.span)),
                Some("write it as `[HOST_IP:]HOST_PORT:CONTAINER_PORT`, e.g. `127.0.0.1:18790:18789`".into()),
            )),
        }
    }
    out
}

fn port_range(s: &str) -> Result<(i64, i64), String> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let p = |x: &str| {
        x.trim()
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=65535).contains(n))
            .ok_or_else(|| format!("`{x}` is not a port in `1..=65535`"))
    };
    let (a, b) = (p(a)?, p(b)?);
    if b < a {
        return Err(format!("`{s}` is an empty range"));
    }
    if b - a >= MAX_RANGE {
        return Err(format!("`{s}` publishes more than `{MAX_RANGE}` ports"));
    }
    Ok((a, b))
}

/// `(host ip, host port, container port)` of a short-syntax entry; none for a
/// UDP port or an ephemeral host port.
fn parse_short(t: &str) -> Result<Vec<(String, i64, i64)>, String> {
    let (spec, proto) = t.split_once('/').unwrap_or((t, "tcp"));
    if proto != "tcp" {
        return Ok(vec![]);
    }
    // An IPv6 host address is written in brackets.
    let (ip, rest) = match spec.strip_prefix('[') {
        Some(r) => {
            let (ip, rest) = r
                .split_once("]:")
                .ok_or_else(|| format!("`{t}` has an unclosed `[`"))?;
            (ip.to_string(), rest.to_string())
        }
        None => (String::new(), spec.to_string()),
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (ip, host, container) = match parts.as_slice() {
        [c] => (ip, "", *c),
        [h, c] if ip.is_empty() && h.contains('.') => (h.to_string(), "", *c),
        [h, c] => (ip, *h, *c),
        [i, h, c] if ip.is_empty() => (i.to_string(), *h, *c),
        _ => return Err(format!("`{t}` has too many `:`")),
    };
    let (c0, c1) = port_range(container)?;
    if host.is_empty() {
        return Ok(vec![]);
    }
    let (h0, h1) = port_range(host)?;
    if h1 - h0 != c1 - c0 {
        // A host range for one container port: Docker picks any free one.
        return Ok(vec![]);
    }
    Ok((0..=c1 - c0)
        .map(|n| (ip.clone(), h0 + n, c0 + n))
        .collect())
}

fn parse_long(p: &Yaml) -> Result<Vec<(String, i64, i64)>, String> {
    if p.get("protocol")
        .and_then(Yaml::as_str)
        .is_some_and(|x| x != "tcp")
    {
        return Ok(vec![]);
    }
    let target = p
        .get("target")
        .and_then(Yaml::as_str)
        .ok_or("the long syntax needs `target`")?;
    let (c0, c1) = port_range(target)?;
    let Some(published) = p.get("published").and_then(Yaml::as_str) else {
        return Ok(vec![]);
    };
    let (h0, h1) = port_range(published)?;
    if h1 - h0 != c1 - c0 {
        return Ok(vec![]);
    }
    let ip = p
        .get("host_ip")
        .and_then(Yaml::as_str)
        .unwrap_or("")
        .to_string();
    Ok((0..=c1 - c0)
        .map(|n| (ip.clone(), h0 + n, c0 + n))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_port_syntax() {
        assert_eq!(parse_short("18789").unwrap(), vec![]);
        assert_eq!(
            parse_short("18790:18789").unwrap(),
            vec![("".into(), 18790, 18789)]
        );
        assert_eq!(
            parse_short("127.0.0.1:18791:18789").unwrap(),
            vec![("127.0.0.1".into(), 18791, 18789)]
        );
        assert_eq!(
            parse_short("[::1]:18791:18789/tcp").unwrap(),
            vec![("::1".into(), 18791, 18789)]
        );
        assert_eq!(parse_short("127.0.0.1::18789").unwrap(), vec![]);
        assert_eq!(parse_short("18790:18789/udp").unwrap(), vec![]);
        assert_eq!(parse_short("19000-19001:18789-18790").unwrap().len(), 2);
        assert!(parse_short("1-65535:1-65535").is_err());
        assert!(parse_short("x:18789").is_err());
    }

    fn tree(text: &str) -> Yaml {
        yaml::parse(text, FileId(0)).unwrap()
    }

    #[test]
    fn files_merge_as_compose_merges_them() {
        let mut base = tree(
            "services:\n  gw:\n    command: [a, b]\n    environment: [A=1, B=2]\n    ports: [\"1:1\"]\n    volumes: [\"./x:/data\", \"./y:/other\"]\n    expose: [\"9\"]\n",
        );
        let over = tree(
            "services:\n  gw:\n    command: [c]\n    environment: {B: 3, C: 4}\n    ports: [\"2:2\"]\n    volumes: [\"./z:/data\"]\n    expose: !reset []\n",
        );
        merge(&mut base, over, "");
        let gw = base.get("services").unwrap().get("gw").unwrap();
        let strs = |y: &Yaml| -> Vec<String> {
            y.as_seq()
                .unwrap()
                .iter()
                .map(|i| i.as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(strs(gw.get("command").unwrap()), ["c"], "replaced");
        assert_eq!(strs(gw.get("ports").unwrap()), ["1:1", "2:2"], "appended");
        assert_eq!(
            strs(gw.get("volumes").unwrap()),
            ["./z:/data", "./y:/other"],
            "by target"
        );
        assert!(gw.get("expose").is_none(), "`!reset` removes it");
        let env: Vec<(String, Option<String>)> = pairs(gw.get("environment").unwrap())
            .into_iter()
            .map(|(k, v, _)| (k, v))
            .collect();
        assert_eq!(
            env,
            [
                ("A".to_string(), Some("1".to_string())),
                ("B".into(), Some("3".into())),
                ("C".into(), Some("4".into()))
            ]
        );
        let mut base = tree("ports: [\"1:1\"]\n");
        merge(&mut base, tree("ports: !override [\"2:2\"]\n"), "");
        assert_eq!(
            strs(base.get("ports").unwrap()),
            ["2:2"],
            "`!override` replaces"
        );
    }

    #[test]
    fn compose_arg() {
        let r = parse_arg(
            "a/compose.yaml,file=b.yaml,env-file=x.env,project=Two",
            Path::new("/r"),
        )
        .unwrap();
        assert_eq!(
            r.files,
            [
                PathBuf::from("/r/a/compose.yaml"),
                PathBuf::from("/r/b.yaml")
            ]
        );
        assert_eq!(r.env_files, [PathBuf::from("/r/x.env")]);
        assert_eq!(r.project.as_deref(), Some("two"));
        assert!(parse_arg("a,colour=red", Path::new("/")).is_err());
    }
}
