//! Which instances exist on a host: profile directories under HOME, and instances
//! named on the command line.

use crate::load::argv::Invocation;
use crate::load::services::{self, Launcher, Places};
use crate::load::{Loader, Location};
use crate::model::{DiscoveryIssue, InstanceKind, LauncherInfo, Origin, Resolved};
use crate::ports;
use crate::resolve::Spec;
use std::path::{Path, PathBuf};

/// What a HOME scan found.
#[derive(Debug, Default)]
pub struct Discovered {
    pub specs: Vec<Spec>,
    pub issues: Vec<DiscoveryIssue>,
    /// Profile directories with no config and no `.env`: an instance only if a
    /// launcher starts it.
    pub empty: Vec<String>,
}

/// Scans HOME for `~/.openclaw` (the default instance; `~/.clawdbot` when only the
/// legacy dir exists) and `~/.openclaw-NAME` (profile `NAME`).
///
/// why: `src/cli/profile-utils.ts` `resolveProfileStateDir` maps `--profile NAME` to
/// `<home>/.openclaw-NAME` for a name matching `PROFILE_NAME_RE`; `default` in any
/// case maps to `~/.openclaw`, so `~/.openclaw-default` is never used.
pub fn scan_home(home: &Path) -> std::io::Result<Discovered> {
    let mut out = Discovered::default();
    // One listing; only a link costs a `stat` (to see whether it is a directory).
    let mut names: Vec<(String, PathBuf)> = Vec::new();
    let mut not_dirs: Vec<String> = Vec::new();
    for e in std::fs::read_dir(home)?.filter_map(Result::ok) {
        let Ok(name) = e.file_name().into_string() else {
            continue;
        };
        let path = e.path();
        let is_dir = match e.file_type() {
            Ok(t) if t.is_symlink() => path.is_dir(),
            Ok(t) => t.is_dir(),
            Err(_) => path.is_dir(),
        };
        if is_dir {
            names.push((name, path));
        } else if name == ".openclaw" {
            // A regular file (or a FIFO, a socket) where a state dir belongs:
            // OpenClaw can neither read a config below it nor create its state
            // there. (`~/.openclaw-x.tar.gz` is a backup, not a profile: only the
            // default state dir is certain to be meant.)
            not_dirs.push(name);
        }
    }
    names.sort();
    for name in not_dirs {
        out.issues.push(DiscoveryIssue {
            location: Location::Path(format!("~/{name}")),
            message: format!(
                "`~/{name}` is a file, not a directory: `default` cannot start (OpenClaw cannot create its state dir there)"
            ),
            help: Some(format!(
                "move the file away (`mv ~/{name} ~/{name}.bak`) so that OpenClaw can create the directory"
            )),
        });
    }
    let has = |n: &str| names.iter().any(|(x, _)| x == n);
    if has(".openclaw") || has(".clawdbot") {
        out.specs.push(Spec::default_instance());
    }
    for (name, _) in &names {
        let Some(profile) = name.strip_prefix(".openclaw-") else {
            continue;
        };
        let shown = format!("~/{name}");
        if profile.eq_ignore_ascii_case("default") {
            out.issues.push(DiscoveryIssue {
                location: Location::Path(shown),
                message: format!(
                    "profile directory `~/{name}` is never used: `--profile {profile}` selects `~/.openclaw`"
                ),
                help: Some(
                    "merge it into `~/.openclaw`, or rename it to `~/.openclaw-NAME` and run that with `--profile NAME`"
                        .into(),
                ),
            });
        } else if ports::is_valid_profile_name(profile) {
            out.specs.push(Spec::profile(profile));
            let dir = home.join(name);
            if !["openclaw.json", "clawdbot.json", ".env"]
                .iter()
                .any(|f| dir.join(f).exists())
            {
                out.empty.push(profile.to_string());
            }
        } else {
            out.issues.push(DiscoveryIssue {
                location: Location::Path(shown),
                message: format!(
                    "`~/{name}` is not a profile directory: `{profile}` is not a valid profile name"
                ),
                help: Some(format!(
                    "profile names are letters, digits, `_` and `-` (at most 64, not starting with `_` or `-`); rename it to `~/.openclaw-{}`",
                    sanitize(profile)
                )),
            });
        }
    }
    Ok(out)
}

/// Every launcher under HOME and `root` that runs OpenClaw's gateway, as the spec
/// of the instance it starts; launchers that run something else are left out.
/// `state_dirs` are the profile directories found, whose `gateway.cmd` is read.
pub fn scan_launchers(
    loader: &mut Loader,
    home: &Path,
    root: Option<&Path>,
    state_dirs: &[PathBuf],
) -> (Vec<Spec>, Vec<DiscoveryIssue>) {
    // Without a root only the user's own places are read.
    let system = root.is_some();
    let root = root.unwrap_or(Path::new("/"));
    let places = Places { home, root, system };
    let mut launchers = services::discover(loader, &places);
    launchers.extend(
        state_dirs
            .iter()
            .filter_map(|d| services::windows_task(loader, d)),
    );
    // A launcher's name is whatever its author wrote (a plist `Label`, a task
    // name, a file name): it names an instance in every output, so a credential
    // in it is masked once, here.
    for l in &mut launchers {
        l.name = masked(&l.name);
    }
    let system_wide = |l: &Launcher| {
        matches!(
            l.kind,
            services::LauncherKind::SystemdSystem | services::LauncherKind::LaunchDaemon
        )
    };
    let passwd = if launchers.iter().any(system_wide) {
        services::passwd(root)
    } else {
        String::new()
    };
    let mut specs = Vec::new();
    let mut issues = Vec::new();
    for l in launchers {
        for p in &l.problems {
            // A path under `--root` is shown as the host sees it.
            let shown = match p.path.strip_prefix(root) {
                Ok(rest) if root != Path::new("/") => format!("/{}", rest.display()),
                _ => loader.display(&p.path),
            };
            // A path is written by whoever wrote the launcher: never quote a
            // credential in it.
            let shown = masked(&shown);
            let exists = p.path.exists();
            issues.push(DiscoveryIssue {
                location: match p.span {
                    Some(s) => Location::Span(s),
                    None => Location::Path(shown.clone()),
                },
                message: format!(
                    "{} `{}` refers to `{shown}`, which cannot be read: {}",
                    l.kind.noun(),
                    l.name,
                    p.message
                ),
                help: Some(if exists {
                    format!(
                        "point it at a regular file of `KEY=value` lines, not at `{shown}`"
                    )
                } else {
                    format!(
                        "create `{shown}`, or remove the line that names it (`-` in front of an `EnvironmentFile=` path makes it optional)"
                    )
                }),
            });
        }
        match launcher_spec(&l, home, root, &passwd) {
            Ok(Some(spec)) => specs.push(spec),
            Ok(None) => {}
            Err(issue) => issues.push(issue),
        }
    }
    (specs, issues)
}

/// `text` with every credential-shaped part masked.
fn masked(text: &str) -> String {
    // `launcher_secret_ranges` includes every `inline_secrets` part.
    crate::secrets::mask_ranges(text, &crate::secrets::launcher_secret_ranges(text))
}

/// Variables that hold paths: an absolute one is read under `--root`.
const PATH_VARS: &[&str] = &[
    "HOME",
    "OPENCLAW_HOME",
    "OPENCLAW_STATE_DIR",
    "OPENCLAW_CONFIG_PATH",
    "OPENCLAW_WORKSPACE_DIR",
];

/// The spec of the instance a launcher starts, or `None` when it runs something
/// other than OpenClaw's gateway.
fn launcher_spec(
    l: &Launcher,
    home: &Path,
    root: &Path,
    passwd: &str,
) -> Result<Option<Spec>, DiscoveryIssue> {
    let g = match l.invocation() {
        Invocation::Gateway(g) => g,
        Invocation::Refused(why) => {
            return Err(DiscoveryIssue {
                location: match l.argv.first().and_then(|w| w.span) {
                    Some(s) => Location::Span(s),
                    None => Location::Path(l.path.display().to_string()),
                },
                message: format!(
                    "{} `{}` runs OpenClaw with arguments it refuses: {why}",
                    l.kind.noun(),
                    l.name
                ),
                help: Some(
                    "fix the command line, e.g. `openclaw --profile NAME gateway --port N`".into(),
                ),
            });
        }
        _ => return Ok(None),
    };
    let place = |span: Option<crate::source::Span>, what: String| match span {
        Some(s) => Origin::EnvFile(s),
        None => Origin::Flag(what),
    };
    let mut spec = Spec {
        kind: InstanceKind::Launcher,
        ..Spec::default_instance()
    };
    spec.name = l.name.clone();
    // The manager's own HOME: a user unit runs with the user's; a system unit
    // without `HOME=` runs with the home of `User=` (else root's).
    let manager_home = match l.kind {
        services::LauncherKind::SystemdSystem => {
            services::user_home(passwd, root, l.user.as_deref(), false)
        }
        services::LauncherKind::LaunchDaemon => {
            services::user_home(passwd, root, l.user.as_deref(), true)
        }
        _ => home.to_path_buf(),
    };
    // The directory the gateway starts in: relative paths resolve against it and
    // its `.env` is read (OpenClaw drops that file's `OPENCLAW_*` keys).
    // why: systemd.exec(5) `WorkingDirectory=`: unset, the system manager starts
    // a service in `/` and a user manager in the user's home; `~` is the home of
    // `User=`. launchd starts a job in `/` unless its `WorkingDirectory` says.
    spec.cwd = match (l.kind, l.working_dir.as_deref()) {
        (services::LauncherKind::WindowsTask, _) => None,
        (_, Some("~")) => Some(manager_home.clone()),
        (_, Some(dir)) => Some(services::rooted(root, dir)),
        (services::LauncherKind::SystemdUser, None) => Some(home.to_path_buf()),
        (_, None) => Some(services::rooted(root, "/")),
    };
    spec.cwd_env = spec.cwd.is_some();
    spec.env.push((
        "HOME".into(),
        manager_home.display().to_string(),
        Origin::Default(format!("HOME of {} `{}`", l.kind.noun(), l.name)),
    ));
    let mut env = Vec::new();
    for e in &l.env {
        let value = if PATH_VARS.contains(&e.key.as_str()) {
            services::rooted(root, &e.value).display().to_string()
        } else {
            e.value.clone()
        };
        let origin = place(
            e.span,
            format!("`{}` in {} `{}`", e.key, l.kind.noun(), l.name),
        );
        env.push((
            e.key.clone(),
            Resolved::new(e.value.clone(), origin.clone()),
        ));
        spec.env.push((e.key.clone(), value, origin));
    }
    for (k, v, i) in &g.env {
        let origin = place(l.argv[*i].span, format!("`{k}` on the command line"));
        env.push((k.clone(), Resolved::new(v.clone(), origin.clone())));
        spec.env.push((k.clone(), v.clone(), origin));
    }
    let words_span = |r: &std::ops::Range<usize>| {
        let first = l.argv.get(r.start).and_then(|w| w.span)?;
        let last = l.argv.get(r.end.saturating_sub(1)).and_then(|w| w.span)?;
        (first.file == last.file && last.end >= first.start).then_some(crate::source::Span {
            end: last.end,
            ..first
        })
    };
    let argv_port = g.port.as_ref().map(|p| {
        let origin = match words_span(&p.words) {
            Some(s) => Origin::Launcher {
                span: s,
                what: format!("--port {}", p.value),
            },
            None => Origin::Flag(format!("--port {}", p.value)),
        };
        Resolved::new(p.value.clone(), origin)
    });
    if let Some(p) = &argv_port {
        match p
            .value
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|n| ports::is_valid_port(*n))
        {
            Some(n) => spec.port = Some(Resolved::new(n, p.origin.clone())),
            None => {
                return Err(DiscoveryIssue {
                    location: match p.origin.span() {
                        Some(s) => Location::Span(s),
                        None => Location::Path(l.path.display().to_string()),
                    },
                    message: format!(
                        "{} `{}` passes `--port {}`, which OpenClaw refuses: the gateway does not start",
                        l.kind.noun(),
                        l.name,
                        // why: never verbatim (a pasted token, or what a broken
                        // quote swallowed, would reach every output).
                        crate::secrets::quotable(p.value.trim())
                    ),
                    help: Some("pass a port in `1..=65535`, e.g. `--port 18789`".into()),
                });
            }
        }
    }
    spec.profile = g.profile_name().map(str::to_string);
    spec.launcher = Some(LauncherInfo {
        kind: l.kind,
        name: l.name.clone(),
        file: l.file,
        enabled: l.enabled,
        argv_port,
        command: words_span(&(g.program..l.argv.len())),
        env,
        files: {
            let mut files = vec![l.file];
            files.extend(&l.drop_ins);
            files.extend(l.wrapper);
            for e in &l.env {
                if !files.contains(&e.file) {
                    files.push(e.file);
                }
            }
            files
        },
    });
    Ok(Some(spec))
}

/// A valid profile name close to `raw`, for help lines.
fn sanitize(raw: &str) -> String {
    let s: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let s = s
        .trim_start_matches(['-', '_'])
        .chars()
        .take(64)
        .collect::<String>();
    if s.is_empty() || s.eq_ignore_ascii_case("default") {
        "profile".into()
    } else {
        s
    }
}

/// Parses `NAME=CONFIG_PATH[,state=DIR][,port=N][,env=FILE][,profile=P]`.
pub fn parse_instance_arg(arg: &str, cwd: &Path) -> Result<Spec, String> {
    let flag = format!("--instance {arg}");
    let (name, rest) = arg.split_once('=').ok_or_else(|| {
        format!("`--instance {arg}`: expected `NAME=CONFIG_PATH[,state=DIR][,port=N][,env=FILE]`")
    })?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("`--instance {arg}`: the instance needs a name"));
    }
    let mut parts = rest.split(',');
    let config = parts.next().unwrap_or("").trim();
    if config.is_empty() {
        return Err(format!(
            "`--instance {arg}`: the instance needs a config path"
        ));
    }
    let abs = |p: &str| crate::load::resolve_lexical(cwd, Path::new(p));
    let origin = Origin::Flag(flag.clone());
    let mut spec = Spec::explicit(name, &abs(config), origin.clone());
    for part in parts {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("`{flag}`: `{part}` is not `key=value`"))?;
        match k.trim() {
            "state" => spec.env.push((
                "OPENCLAW_STATE_DIR".into(),
                abs(v.trim()).display().to_string(),
                origin.clone(),
            )),
            "port" => {
                let port = v
                    .trim()
                    .parse::<i64>()
                    .ok()
                    .filter(|p| ports::is_valid_port(*p))
                    .ok_or_else(|| format!("`{flag}`: port `{v}` is not in 1..=65535"))?;
                spec.port = Some(Resolved::new(port, Origin::Flag(format!("--port {port}"))));
            }
            "env" => spec
                .env_files
                .push(crate::load::resolve_lexical(cwd, Path::new(v.trim()))),
            "profile" => {
                let p = v.trim();
                if !ports::is_valid_profile_name(p) {
                    return Err(format!("`{flag}`: `{p}` is not a valid profile name"));
                }
                spec.profile = Some(p.to_string());
            }
            other => {
                return Err(format!(
                    "`{flag}`: unknown key `{other}` (expected `state`, `port`, `env` or `profile`)"
                ));
            }
        }
    }
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_finds_profiles_and_reports_bad_names() {
        let h = tempfile::tempdir().unwrap();
        for d in [
            ".openclaw",
            ".openclaw-rescue",
            ".openclaw-bad.name",
            ".openclaw-Default",
            ".other",
        ] {
            std::fs::create_dir(h.path().join(d)).unwrap();
        }
        std::fs::write(h.path().join(".openclaw-file"), "").unwrap();
        let d = scan_home(h.path()).unwrap();
        let g = tempfile::tempdir().unwrap();
        std::fs::write(g.path().join(".openclaw"), "{}").unwrap();
        let e = scan_home(g.path()).unwrap();
        assert!(
            e.issues[0].message.contains("`~/.openclaw` is a file"),
            "{:?}",
            e.issues
        );
        let names: Vec<&str> = d.specs.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["default", "rescue"]);
        assert_eq!(d.issues.len(), 2);
        assert!(
            d.issues
                .iter()
                .any(|i| i.message.contains("`bad.name` is not a valid profile name"))
        );
        assert!(d.issues.iter().any(|i| i.message.contains("is never used")));
    }

    #[test]
    fn instance_args() {
        let spec = parse_instance_arg(
            "work=cfg/w.json5,state=/srv/w,port=19500,env=w.env",
            Path::new("/repo"),
        )
        .unwrap();
        assert_eq!(spec.name, "work");
        assert_eq!(spec.env[0].1, "/repo/cfg/w.json5");
        assert_eq!(spec.env[1].1, "/srv/w");
        assert_eq!(spec.env_files, [PathBuf::from("/repo/w.env")]);
        assert_eq!(spec.port.unwrap().value, 19500);
        assert!(parse_instance_arg("w", Path::new("/")).is_err());
        assert!(parse_instance_arg("w=x,port=70000", Path::new("/")).is_err());
        assert!(parse_instance_arg("w=x,colour=red", Path::new("/")).is_err());
    }
}
