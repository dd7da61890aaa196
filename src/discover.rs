//! Which instances exist on a host: profile directories under HOME, and instances
//! named on the command line.

use crate::load::Location;
use crate::model::{DiscoveryIssue, Origin, Resolved};
use crate::ports;
use crate::resolve::Spec;
use std::path::{Path, PathBuf};

/// What a HOME scan found.
#[derive(Debug, Default)]
pub struct Discovered {
    pub specs: Vec<Spec>,
    pub issues: Vec<DiscoveryIssue>,
}

/// Scans HOME for `~/.openclaw` (the default instance; `~/.clawdbot` when only the
/// legacy dir exists) and `~/.openclaw-NAME` (profile `NAME`).
///
/// why: `src/cli/profile-utils.ts` `resolveProfileStateDir` maps `--profile NAME` to
/// `<home>/.openclaw-NAME` for a name matching `PROFILE_NAME_RE`; `default` in any
/// case maps to `~/.openclaw`, so `~/.openclaw-default` is never used.
pub fn scan_home(home: &Path) -> std::io::Result<Discovered> {
    let mut out = Discovered::default();
    let mut names: Vec<(String, PathBuf)> = std::fs::read_dir(home)?
        .filter_map(Result::ok)
        .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false) || e.path().is_dir())
        .filter_map(|e| Some((e.file_name().into_string().ok()?, e.path())))
        .collect();
    names.sort();
    // A regular file (or a FIFO, a socket) where a state dir belongs: OpenClaw
    // can neither read a config below it nor create its state there.
    let mut not_dirs: Vec<String> = std::fs::read_dir(home)?
        .filter_map(Result::ok)
        .filter(|e| !e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        // `~/.openclaw-x.tar.gz` is a backup, not a profile: only the default
        // state dir is certain to be meant.
        .filter(|n| n == ".openclaw")
        .collect();
    not_dirs.sort();
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
