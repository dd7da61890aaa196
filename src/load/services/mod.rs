//! Launchers: the systemd units, launchd jobs and Windows task scripts that start
//! programs, read with their own syntax into one shape (a command line and an
//! environment, every word and variable with its span). Which of them run a
//! gateway, and which instance that is, is decided by discovery.

pub mod launchd;
pub mod systemd;
pub mod windows;

use super::Loader;
use crate::load::argv::{self, Invocation};
use crate::source::{FileId, SourceKind, Span};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Where a launcher is installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LauncherKind {
    SystemdUser,
    SystemdSystem,
    LaunchAgent,
    LaunchDaemon,
    WindowsTask,
}

impl LauncherKind {
    pub fn noun(self) -> &'static str {
        match self {
            LauncherKind::SystemdUser => "systemd user unit",
            LauncherKind::SystemdSystem => "systemd system unit",
            LauncherKind::LaunchAgent => "LaunchAgent",
            LauncherKind::LaunchDaemon => "LaunchDaemon",
            LauncherKind::WindowsTask => "Windows task script",
        }
    }
}

/// A word of a command line or a variable's value, and where it is written
/// (`None` in a binary plist).
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub text: String,
    pub span: Option<Span>,
}

/// One variable a launcher starts its program with.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvEntry {
    pub key: String,
    pub value: String,
    /// `KEY=value` as written.
    pub span: Option<Span>,
    /// The file that set it (the unit, a drop-in, an `EnvironmentFile=`, the plist).
    pub file: FileId,
}

/// A program a launcher starts.
#[derive(Debug, Clone)]
pub struct Launcher {
    pub kind: LauncherKind,
    /// The unit (`openclaw-gateway-rescue.service`), label or task name.
    pub name: String,
    /// The unit file, plist or script.
    pub file: FileId,
    pub path: PathBuf,
    /// Whether the service manager starts it (a `*.wants/` link; launchd's
    /// `Disabled`); `None` when that cannot be known from files.
    pub enabled: Option<bool>,
    /// The command line, after a wrapper script's `exec` where there is one.
    pub argv: Vec<Text>,
    /// The environment it sets, in order (a later entry wins).
    pub env: Vec<EnvEntry>,
    /// `name@.service` when this is an instance of a template.
    pub template: Option<String>,
    /// Drop-ins applied, in order.
    pub drop_ins: Vec<FileId>,
    /// A wrapper script followed to find the real command.
    pub wrapper: Option<FileId>,
    /// `User=` / `UserName`.
    pub user: Option<String>,
    /// `WorkingDirectory=` / `WorkingDirectory` as written (specifiers expanded,
    /// systemd's `-` dropped); `None` when the launcher leaves the manager's
    /// default.
    pub working_dir: Option<String>,
    /// What could not be read, with the place that asked for it.
    pub problems: Vec<Problem>,
}

/// Something a launcher refers to that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub span: Option<Span>,
    pub path: PathBuf,
    pub message: String,
}

impl Launcher {
    /// What the command line runs.
    pub fn invocation(&self) -> Invocation {
        let words: Vec<&str> = self.argv.iter().map(|w| w.text.as_str()).collect();
        argv::classify(&words)
    }
}

/// Where to look, and as whom.
pub struct Places<'a> {
    pub home: &'a Path,
    /// The filesystem root for system-wide places (`/`, or a fixture's root).
    pub root: &'a Path,
    /// Whether the system-wide places under `root` are read too.
    pub system: bool,
}

/// The largest unit, plist, script or environment file read (4 MiB): anything
/// larger is reported, not read.
pub const MAX_FILE: u64 = 4 * 1024 * 1024;

impl Places<'_> {
    /// An absolute path as a launcher writes it, under `--root`.
    pub fn rooted(&self, p: &str) -> PathBuf {
        rooted(self.root, p)
    }
}

/// `ROOT/etc/passwd`, read once for every system-wide launcher; empty when it
/// cannot be read.
pub fn passwd(root: &Path) -> String {
    crate::load::read_bounded(&rooted(root, "/etc/passwd"), MAX_FILE).unwrap_or_default()
}

/// The home directory of `user` (a name or a UID) as the service manager sets
/// `HOME` for it, under `root`: its entry in `passwd` (the text of
/// `ROOT/etc/passwd`), else the platform's
/// convention (`/home/NAME`; `/Users/NAME` for launchd); `None` for no user is
/// root's (`/root`; `/var/root` for launchd).
///
/// why: systemd.exec(5) `$HOME`: "the home directory of the user specified with
/// `User=`", from the user database; a system user's is often `/var/lib/NAME`.
pub fn user_home(passwd: &str, root: &Path, user: Option<&str>, launchd: bool) -> PathBuf {
    let user = user.filter(|u| !u.is_empty());
    let wanted = user.unwrap_or("root");
    // `name:password:uid:gid:gecos:home:shell`
    let entry = passwd.lines().find_map(|line| {
        let f: Vec<&str> = line.split(':').collect();
        (f.len() >= 7 && (f[0] == wanted || f[2] == wanted) && f[5].starts_with('/'))
            .then(|| f[5].to_string())
    });
    let home = entry.unwrap_or_else(|| match (user, launchd) {
        (None | Some("root") | Some("0"), false) => "/root".into(),
        (None | Some("root") | Some("0"), true) => "/var/root".into(),
        (Some(u), false) => format!("/home/{u}"),
        (Some(u), true) => format!("/Users/{u}"),
    });
    rooted(root, &home)
}

/// `p` under `root` when `p` is absolute and not already there.
pub fn rooted(root: &Path, p: &str) -> PathBuf {
    let path = Path::new(p);
    if root == Path::new("/") || !path.is_absolute() || path.starts_with(root) {
        return path.to_path_buf();
    }
    root.join(path.strip_prefix("/").unwrap_or(path))
}

/// A regular file of at most [`MAX_FILE`] bytes, read into the source map.
fn read(loader: &mut Loader, path: &Path, kind: SourceKind) -> Result<FileId, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_FILE {
        return Err(format!("larger than {} MiB", MAX_FILE / 1024 / 1024));
    }
    let file = loader.read(path, kind).map_err(|e| e.to_string())?;
    mask_whole_file(loader, file);
    Ok(file)
}

/// Masks every secret a launcher's file shows, whatever of it parsed.
fn mask_whole_file(loader: &mut Loader, file: FileId) {
    let ranges = crate::secrets::launcher_secret_ranges(&loader.sources.get(file).text);
    if !ranges.is_empty() {
        loader.sources.mask(file, &ranges);
    }
}

/// Sorted entries of a directory; an unreadable one is empty.
fn entries(dir: &Path) -> Vec<(String, PathBuf)> {
    typed_entries(dir)
        .into_iter()
        .map(|(name, path, _)| (name, path))
        .collect()
}

/// Sorted entries of a directory with the type the directory records for each
/// (no `stat`; a link is a link, `None` where the filesystem does not say).
fn typed_entries(dir: &Path) -> Vec<(String, PathBuf, Option<std::fs::FileType>)> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return vec![];
    };
    let mut out: Vec<_> = rd
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            Some((name, e.path(), e.file_type().ok()))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The system manager's unit search path under `root`, highest first.
///
/// why: systemd.unit(5) unit search path (`/lib` is often a link to `/usr/lib`:
/// the first unit of a name wins).
fn system_unit_dirs(root: &Path) -> Vec<PathBuf> {
    [
        "etc/systemd/system",
        "usr/lib/systemd/system",
        "lib/systemd/system",
    ]
    .iter()
    .map(|d| root.join(d))
    .collect()
}

/// Every launcher under HOME and ROOT that is not obviously something else.
pub fn discover(loader: &mut Loader, places: &Places) -> Vec<Launcher> {
    let mut out = Vec::new();
    let user = places
        .home
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let home = places.home.display().to_string();
    // why: systemd.unit(5) unit search path of the user manager.
    let user_dirs = vec![places.home.join(".config/systemd/user")];
    let user_spec = systemd::Specifiers {
        home: home.clone(),
        user: user.clone(),
        ..Default::default()
    };
    // why: systemd.unit(5): for the system manager `%h` is `/root` and `%u` `root`,
    // whatever `User=` says.
    let system_spec = systemd::Specifiers {
        home: "/root".into(),
        user: "root".into(),
        ..Default::default()
    };
    let user_units = scan_units(&user_dirs);
    out.extend(systemd_scope(
        loader,
        places,
        &user_dirs,
        user_units,
        LauncherKind::SystemdUser,
        &user_spec,
    ));
    if places.system {
        let system_dirs = system_unit_dirs(places.root);
        let units = scan_units(&system_dirs);
        out.extend(systemd_scope(
            loader,
            places,
            &system_dirs,
            units,
            LauncherKind::SystemdSystem,
            &system_spec,
        ));
    }
    let mut launchd_dirs = vec![(
        places.home.join("Library/LaunchAgents"),
        LauncherKind::LaunchAgent,
    )];
    if places.system {
        launchd_dirs.push((
            places.root.join("Library/LaunchAgents"),
            LauncherKind::LaunchAgent,
        ));
        launchd_dirs.push((
            places.root.join("Library/LaunchDaemons"),
            LauncherKind::LaunchDaemon,
        ));
    }
    for (dir, kind) in launchd_dirs {
        for (name, path) in entries(&dir) {
            if name.ends_with(".plist")
                && let Some(l) = launchd_job(loader, places, &path, kind)
            {
                out.push(l);
            }
        }
    }
    for l in &mut out {
        follow_wrapper(loader, places, l);
        mask_secrets(loader, l);
    }
    out
}

/// The units of one unit search path that could run OpenClaw, with their text.
#[derive(Debug, Default)]
struct UnitScan {
    /// Every `*.service` name (the first of a name wins), OpenClaw's or not.
    names: BTreeSet<String>,
    /// The units [`could_run_openclaw`] lets through: name, path, text.
    candidates: Vec<(String, PathBuf, String)>,
    /// The `*.wants` and `*.requires` directories, listed only when needed.
    wants: Vec<PathBuf>,
}

/// Lists `dirs` and reads each unit once for [`could_run_openclaw`], in as few
/// syscalls as its directory entry allows: a system has hundreds of units and
/// none of them OpenClaw's.
fn scan_units(dirs: &[PathBuf]) -> UnitScan {
    let mut units: BTreeMap<String, (PathBuf, bool)> = BTreeMap::new();
    let mut wants: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        for (name, path, ty) in typed_entries(dir) {
            let regular = ty.is_some_and(|t| t.is_file());
            if name.ends_with(".service") {
                units.entry(name).or_insert((path, regular));
            } else if (name.ends_with(".wants") || name.ends_with(".requires"))
                && ty.is_some_and(|t| t.is_dir() || t.is_symlink())
            {
                wants.push(path);
            }
        }
    }
    let mut candidates = Vec::new();
    for (name, (path, regular)) in &units {
        // Most units of a system run a distribution's programs, and are
        // neither parsed nor kept.
        if let Some(raw) = unit_text(path, *regular)
            && could_run_openclaw(&raw)
        {
            candidates.push((name.clone(), path.clone(), raw));
        }
    }
    UnitScan {
        names: units.into_keys().collect(),
        candidates,
        wants,
    }
}

/// The units of one manager that could run OpenClaw: `name.service` files,
/// and the enabled instances of `name@.service` templates.
fn systemd_scope(
    loader: &mut Loader,
    places: &Places,
    dirs: &[PathBuf],
    scan: UnitScan,
    kind: LauncherKind,
    spec: &systemd::Specifiers,
) -> Vec<Launcher> {
    let UnitScan {
        names,
        candidates,
        wants,
    } = scan;
    // Every enabled unit, listed once a template needs its instances.
    let enabled: std::cell::OnceCell<BTreeSet<String>> = std::cell::OnceCell::new();
    let enabled = || {
        enabled.get_or_init(|| {
            wants
                .iter()
                .flat_map(|w| entries(w).into_iter().map(|(n, _)| n))
                .collect()
        })
    };
    let mut out = Vec::new();
    for (name, path, raw) in &candidates {
        if let Some(prefix) = name.strip_suffix("@.service") {
            // A template runs once per enabled instance.
            for inst in enabled().iter().filter(|e| {
                e.strip_prefix(prefix)
                    .and_then(|r| r.strip_prefix('@'))
                    .and_then(|r| r.strip_suffix(".service"))
                    .is_some_and(|i| !i.is_empty())
            }) {
                if names.contains(inst) {
                    continue;
                }
                let i = &inst[prefix.len() + 1..inst.len() - ".service".len()];
                let spec = systemd::Specifiers {
                    unit: inst.clone(),
                    instance: i.to_string(),
                    ..spec.clone()
                };
                out.extend(systemd_unit(
                    loader,
                    places,
                    dirs,
                    kind,
                    path,
                    raw,
                    inst,
                    Some(name),
                    &spec,
                    true,
                ));
            }
            continue;
        }
        let spec = systemd::Specifiers {
            unit: name.clone(),
            instance: name
                .split_once('@')
                .map(|(_, i)| i.trim_end_matches(".service").to_string())
                .unwrap_or_default(),
            ..spec.clone()
        };
        // One entry looked up per `.wants` directory, not every one listed.
        let on = wants
            .iter()
            .any(|w| std::fs::symlink_metadata(w.join(name)).is_ok());
        out.extend(systemd_unit(
            loader, places, dirs, kind, path, raw, name, None, &spec, on,
        ));
    }
    out
}

/// A unit's text for its first look. A directory entry that says "regular file"
/// is opened without a `stat` first (non-blocking, so a FIFO swapped in
/// meanwhile cannot hang the scan); anything else (a link) is `stat`ed and read
/// only when it is a regular file, as every other input is.
fn unit_text(path: &Path, regular: bool) -> Option<String> {
    use std::io::Read;
    if !regular {
        return crate::load::read_bounded(path, MAX_FILE).ok();
    }
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.custom_flags(libc::O_NONBLOCK);
    }
    let mut bytes = Vec::with_capacity(16 * 1024);
    open.open(path)
        .ok()?
        .take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .ok()?;
    if bytes.len() as u64 > MAX_FILE {
        return None;
    }
    String::from_utf8(bytes).ok()
}

/// The drop-in directories that apply to `unit`, most specific last:
/// `service.d`, `a-.service.d` for every dash prefix, `p@.service.d`, `unit.d`.
///
/// why: systemd.unit(5) "drop-in" search, including the dash-truncated prefixes.
fn drop_in_dirs(unit: &str) -> Vec<String> {
    let stem = unit.trim_end_matches(".service");
    let mut out = vec!["service.d".to_string()];
    let base = stem.split('@').next().unwrap_or(stem);
    for (i, _) in base.match_indices('-') {
        out.push(format!("{}-.service.d", &base[..i]));
    }
    if let Some((p, _)) = stem.split_once('@') {
        out.push(format!("{p}@.service.d"));
    }
    out.push(format!("{unit}.d"));
    out
}

#[allow(clippy::too_many_arguments)]
fn systemd_unit(
    loader: &mut Loader,
    places: &Places,
    dirs: &[PathBuf],
    kind: LauncherKind,
    path: &Path,
    raw: &str,
    name: &str,
    template: Option<&String>,
    spec: &systemd::Specifiers,
    enabled: bool,
) -> Option<Launcher> {
    let mut problems = Vec::new();
    // The text of the first look is the unit's: it is kept, not read a second time.
    let file = match loader.sources.find(path) {
        Some(f) => f,
        None => {
            let display = loader.display(path);
            let f = loader.sources.add(
                path.to_path_buf(),
                display,
                SourceKind::Launcher,
                raw.to_string(),
            );
            mask_whole_file(loader, f);
            f
        }
    };
    let mut assignments = systemd::parse(&loader.sources.get(file).text, file);
    // Drop-ins: by file name across every directory, the first directory of a name
    // winning, applied in file-name order.
    let mut drop_ins: BTreeMap<String, PathBuf> = BTreeMap::new();
    for dir in dirs {
        for d in drop_in_dirs(name) {
            for (conf, p) in entries(&dir.join(&d)) {
                if conf.ends_with(".conf") {
                    drop_ins.entry(conf).or_insert(p);
                }
            }
        }
    }
    let mut drop_in_files = Vec::new();
    for p in drop_ins.values() {
        match read(loader, p, SourceKind::Launcher) {
            Ok(f) => {
                assignments.extend(systemd::parse(&loader.sources.get(f).text, f));
                drop_in_files.push(f);
            }
            Err(e) => problems.push(Problem {
                span: None,
                path: p.clone(),
                message: e,
            }),
        }
    }
    let mut exec: Option<&systemd::Assignment> = None;
    let mut environment: Vec<&systemd::Assignment> = Vec::new();
    let mut env_files: Vec<&systemd::Assignment> = Vec::new();
    let mut user = None;
    let mut working_dir = None;
    for a in assignments.iter().filter(|a| a.section == "Service") {
        // why: systemd.service(5)/systemd.exec(5): an empty assignment resets the list.
        match a.key.as_str() {
            "ExecStart" if a.value.is_empty() => exec = None,
            "ExecStart" => exec = Some(a),
            "Environment" if a.value.is_empty() => environment.clear(),
            "Environment" => environment.push(a),
            "EnvironmentFile" if a.value.is_empty() => env_files.clear(),
            "EnvironmentFile" => env_files.push(a),
            "User" => user = Some(spec.expand(&a.value)),
            // why: systemd.exec(5): an empty value resets it; a leading `-` only
            // makes a missing directory no error.
            "WorkingDirectory" if a.value.is_empty() => working_dir = None,
            "WorkingDirectory" => {
                working_dir = Some(spec.expand(a.value.strip_prefix('-').unwrap_or(&a.value)))
            }
            _ => {}
        }
    }
    let mut env = Vec::new();
    for a in &environment {
        for (k, v, range) in systemd::environment(&a.value, spec) {
            env.push(EnvEntry {
                key: k,
                value: v,
                span: Some(a.span_of(range)),
                file: a.file,
            });
        }
    }
    // why: systemd.exec(5): variables from `EnvironmentFile=` override `Environment=`;
    // a later file wins; a leading `-` makes a missing file no error.
    for a in &env_files {
        let raw = spec.expand(&a.value);
        let (optional, p) = match raw.strip_prefix('-') {
            Some(p) => (true, p.to_string()),
            None => (false, raw),
        };
        let p = places.rooted(p.trim());
        match read(loader, &p, SourceKind::Env) {
            Ok(f) => {
                let text = &loader.sources.get(f).text;
                for line in systemd::env_file(text) {
                    env.push(EnvEntry {
                        key: line.key,
                        value: line.value,
                        span: Some(Span::new(f, line.range)),
                        file: f,
                    });
                }
            }
            Err(_) if optional && !p.exists() => {}
            Err(e) => problems.push(Problem {
                span: Some(a.span()),
                path: p,
                message: e,
            }),
        }
    }
    let lookup = |k: &str| {
        env.iter()
            .rev()
            .find(|e| e.key == k)
            .map(|e| e.value.clone())
    };
    let argv = match exec {
        Some(a) => match systemd::exec_words(&a.value, spec) {
            Some(ws) => systemd::expand_env(ws, &lookup)
                .into_iter()
                .map(|w| Text {
                    text: w.text,
                    span: Some(a.span_of(w.range)),
                })
                .collect(),
            None => {
                problems.push(Problem {
                    span: Some(a.span()),
                    path: path.to_path_buf(),
                    message: "`ExecStart=` has an unterminated quote".into(),
                });
                vec![]
            }
        },
        None => vec![],
    };
    Some(Launcher {
        kind,
        name: name.to_string(),
        file,
        path: path.to_path_buf(),
        enabled: Some(enabled),
        argv,
        env,
        template: template.cloned(),
        drop_ins: drop_in_files,
        wrapper: None,
        user,
        working_dir,
        problems,
    })
}

/// A cheap first look at a unit: it can run OpenClaw's gateway only when it
/// names OpenClaw (or clawfence) or runs a program outside the distribution's
/// own directories (a wrapper script, a Nix store path, `/usr/local/bin`).
fn could_run_openclaw(text: &str) -> bool {
    const OURS: &[&str] = &["openclaw", "clawdbot", "clawfence", "OpenClaw", "OPENCLAW"];
    if OURS.iter().any(|w| text.contains(w)) {
        return true;
    }
    const DISTRO: &[&str] = &[
        "/usr/bin/",
        "/usr/sbin/",
        "/bin/",
        "/sbin/",
        "/usr/lib/",
        "/lib/",
        "/usr/libexec/",
    ];
    text.lines().any(|l| {
        // `ExecStart=` itself, not `ExecStartPre=`.
        let Some(v) = l.trim_start().strip_prefix("ExecStart") else {
            return false;
        };
        let Some(v) = v.trim_start().strip_prefix('=') else {
            return false;
        };
        let program = v
            .trim_start()
            .trim_start_matches(['@', '-', ':', '+', '!'])
            .split_whitespace()
            .next()
            .unwrap_or("");
        // A bare name is looked up in systemd's own `PATH` of system directories.
        program.contains('/') && !DISTRO.iter().any(|d| program.starts_with(d))
    })
}

fn launchd_job(
    loader: &mut Loader,
    places: &Places,
    path: &Path,
    kind: LauncherKind,
) -> Option<Launcher> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    let job = launchd::parse(&bytes).ok()?;
    let text = String::from_utf8(bytes).unwrap_or_default();
    let display = loader.display(path);
    let file = loader
        .sources
        .add(path.to_path_buf(), display, SourceKind::Launcher, text);
    mask_whole_file(loader, file);
    let span = |r: &Option<std::ops::Range<usize>>| r.clone().map(|r| Span::new(file, r));
    let words: Vec<String> = job.argv.iter().map(|(a, _)| a.clone()).collect();
    let mut env: Vec<EnvEntry> = job
        .env
        .iter()
        .map(|(k, v, r)| EnvEntry {
            key: k.clone(),
            value: v.clone(),
            span: span(r),
            file,
        })
        .collect();
    let mut problems = Vec::new();
    let mut argv: Vec<Text> = job
        .argv
        .iter()
        .map(|(a, r)| Text {
            text: a.clone(),
            span: span(r),
        })
        .collect();
    if let Some((env_word, first)) = launchd::env_wrapper(&words) {
        let p = places.rooted(&words[env_word]);
        match read(loader, &p, SourceKind::Env) {
            Ok(f) => {
                let text = loader.sources.get(f).text.clone();
                for (k, v, r) in launchd::export_lines(&text) {
                    env.push(EnvEntry {
                        key: k,
                        value: v,
                        span: Some(Span::new(f, r)),
                        file: f,
                    });
                }
            }
            Err(e) => problems.push(Problem {
                span: argv[env_word].span,
                path: p,
                message: e,
            }),
        }
        argv.drain(..first);
    }
    let name = job.label.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    Some(Launcher {
        kind,
        name,
        file,
        path: path.to_path_buf(),
        enabled: Some(!job.disabled),
        argv,
        env,
        template: None,
        drop_ins: vec![],
        wrapper: None,
        user: job.user,
        working_dir: job.working_dir,
        problems,
    })
}

/// The `gateway.cmd` a Windows task runs from a state dir, if there is one.
pub fn windows_task(loader: &mut Loader, state_dir: &Path) -> Option<Launcher> {
    let path = state_dir.join("gateway.cmd");
    let file = read(loader, &path, SourceKind::Launcher).ok()?;
    let script = windows::parse(&loader.sources.get(file).text);
    let name = script
        .env
        .iter()
        .rev()
        .find(|(k, _, _)| k == "OPENCLAW_WINDOWS_TASK_NAME")
        .map(|(_, v, _)| v.clone())
        .unwrap_or_else(|| loader.display(&path));
    let l = Launcher {
        kind: LauncherKind::WindowsTask,
        name,
        file,
        path: path.clone(),
        enabled: None,
        argv: script
            .argv
            .into_iter()
            .map(|(w, r)| Text {
                text: w,
                span: Some(Span::new(file, r)),
            })
            .collect(),
        env: script
            .env
            .into_iter()
            .map(|(k, v, r)| EnvEntry {
                key: k,
                value: v,
                span: Some(Span::new(file, r)),
                file,
            })
            .collect(),
        template: None,
        drop_ins: vec![],
        wrapper: None,
        user: None,
        // The task's start directory is in the Task Scheduler, not in a file.
        working_dir: None,
        problems: vec![],
    };
    mask_secrets(loader, &l);
    Some(l)
}

/// When the command is a script of its own (a `--wrapper`, a Nix wrapper), the
/// command its last `exec` runs, with `"$@"` standing for the launcher's
/// arguments; one level only. Variables the script exports join the environment.
fn follow_wrapper(loader: &mut Loader, places: &Places, l: &mut Launcher) {
    if !matches!(l.invocation(), Invocation::NotOpenclaw) {
        return;
    }
    let Some(program) = l.argv.first() else {
        return;
    };
    let path = places.rooted(&program.text);
    if !path.is_absolute() || !is_script(&path) {
        return;
    }
    let Ok(file) = read(loader, &path, SourceKind::Launcher) else {
        return;
    };
    let text = loader.sources.get(file).text.clone();
    if !text.starts_with("#!") {
        return;
    }
    let mut exported = Vec::new();
    let mut command: Option<Vec<String>> = None;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let start = offset;
        offset += raw.len();
        let line = raw.trim();
        let body = line.strip_prefix("export ").unwrap_or(line);
        if let Some((k, v)) = body.split_once('=')
            && !k.is_empty()
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !v.contains('$')
            && let Ok(v) = shell_words::split(v)
        {
            let lead = raw.len() - raw.trim_start().len() + (line.len() - body.len());
            exported.push(EnvEntry {
                key: k.to_string(),
                value: v.join(" "),
                span: Some(Span::new(file, start + lead..start + raw.trim_end().len())),
                file,
            });
            continue;
        }
        if let Some(rest) = line.strip_prefix("exec ")
            && let Ok(mut words) = shell_words::split(rest)
        {
            // `exec -a NAME prog …` (makeWrapper) names argv[0] only.
            if words.first().is_some_and(|w| w == "-a") && words.len() > 2 {
                words.drain(..2);
            }
            command = Some(words);
        }
    }
    let Some(words) = command else { return };
    let mut argv = Vec::new();
    for w in words {
        match w.as_str() {
            "$@" | "$*" => argv.extend(l.argv[1..].iter().cloned()),
            _ => argv.push(Text {
                text: w,
                span: None,
            }),
        }
    }
    let words: Vec<&str> = argv.iter().map(|w| w.text.as_str()).collect();
    if matches!(argv::classify(&words), Invocation::NotOpenclaw) {
        return;
    }
    // The script's own variables come before the launcher's, which the script inherits.
    let mut env = exported;
    env.append(&mut l.env);
    l.env = env;
    l.argv = argv;
    l.wrapper = Some(file);
}

/// Whether a regular file starts with `#!` (a program is not read whole to learn
/// that it is a binary).
fn is_script(path: &Path) -> bool {
    use std::io::Read;
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() <= MAX_FILE) {
        return false;
    }
    let mut head = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok()
        && &head == b"#!"
}

/// Masks every secret a launcher carries: token-like variables and `--token` values.
fn mask_secrets(loader: &mut Loader, l: &Launcher) {
    let mut masks: BTreeMap<FileId, Vec<std::ops::Range<usize>>> = BTreeMap::new();
    for e in &l.env {
        if !crate::secrets::is_secret_key(&e.key) || e.value.is_empty() {
            continue;
        }
        let Some(span) = e.span else { continue };
        let text = &loader.sources.get(span.file).text;
        let Some(written) = text.get(span.range()) else {
            continue;
        };
        if let Some(eq) = written.find('=') {
            masks
                .entry(span.file)
                .or_default()
                .push(span.start as usize + eq + 1..span.end as usize);
        } else {
            masks.entry(span.file).or_default().push(span.range());
        }
    }
    if let Invocation::Gateway(g) = l.invocation() {
        for &i in &g.secret_words {
            if let Some(span) = l.argv.get(i).and_then(|w| w.span) {
                masks.entry(span.file).or_default().push(span.range());
            }
        }
    }
    for (file, ranges) in masks {
        loader.sources.mask(file, &ranges);
    }
}
