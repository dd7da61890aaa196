//! `clawfence wrapper`: the small executable OpenClaw's own `gateway install
//! --wrapper PATH` runs in place of the gateway.
//!
//! why: `src/daemon/program-args.ts` `resolveCliProgramArguments`: with a wrapper
//! (`OPENCLAW_WRAPPER`, persisted across reinstalls and updates) every launcher
//! (systemd unit, launchd plist, Windows task) runs `<wrapper> gateway --port N`
//! with the service environment; `resolveOpenClawWrapperPath` requires an
//! executable regular file. The service's PATH may lack node's directory, so the
//! wrapper names clawfence, node and OpenClaw's entry by absolute path.

use std::path::{Path, PathBuf};

/// The second line of every wrapper clawfence writes; it may replace a file
/// that carries it.
pub const MARKER: &str = "# Written by `clawfence wrapper`";

/// What the wrapper runs after `clawfence preflight --`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub clawfence: PathBuf,
    /// `[node, entry]` for a `#!/usr/bin/env node` script, else `[openclaw]`.
    pub program: Vec<PathBuf>,
    /// Options for `clawfence preflight` itself (`--skip ID`, `--no-probe`).
    pub preflight_args: Vec<String>,
}

/// `'…'` for sh, with `'` written as `'\''`.
fn sh_quote(p: &Path) -> String {
    sh_word(&p.display().to_string())
}

fn sh_word(w: &str) -> String {
    format!("'{}'", w.replace('\'', r"'\''"))
}

/// The wrapper's text.
pub fn script(plan: &Plan) -> String {
    let program: Vec<String> = plan.program.iter().map(|p| sh_quote(p)).collect();
    let options: String = plan
        .preflight_args
        .iter()
        .map(|a| format!(" {}", sh_word(a)))
        .collect();
    format!(
        "#!/bin/sh\n\
         {MARKER} for `openclaw gateway install --wrapper`.\n\
         # It checks the instance this service starts (its arguments and environment),\n\
         # then execs the gateway: same pid, arguments untouched. On a refusal it exits\n\
         # 78, which the unit's RestartPreventExitStatus=78 keeps from restarting.\n\
         exec {} preflight{options} -- {} \"$@\"\n",
        sh_quote(&plan.clawfence),
        program.join(" ")
    )
}

/// `name` on a PATH value, as an absolute path to an executable file.
pub fn which(name: &str, path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .filter(|d| d.is_absolute())
        .map(|d| d.join(name))
        .find(|p| is_executable(p))
}

/// A regular file someone may execute (any `x` bit; on Windows, any file).
pub(crate) fn is_executable(p: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// The interpreter a `#!` line names through `env` (`#!/usr/bin/env node` →
/// `node`), if any.
fn env_interpreter(first_line: &str) -> Option<String> {
    let rest = first_line.strip_prefix("#!")?.trim();
    let mut words = rest.split_whitespace();
    let prog = words.next()?;
    if !prog.ends_with("/env") {
        return None;
    }
    words.find(|w| !w.starts_with('-')).map(str::to_string)
}

/// Resolves what the wrapper launches. `openclaw` is made absolute and its
/// symlinks followed (`/usr/bin/openclaw` → `…/openclaw/openclaw.mjs`, which is
/// what `clawfence preflight` recognises as OpenClaw); a script run through
/// `env node` gets node's absolute path in front.
pub fn plan(
    clawfence: &Path,
    openclaw: &Path,
    node: Option<&Path>,
    path_env: Option<&std::ffi::OsStr>,
) -> Result<Plan, String> {
    let cwd =
        std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let given = crate::load::resolve_lexical(&cwd, openclaw);
    let entry = std::fs::canonicalize(&given)
        .map_err(|e| format!("cannot use `{}`: {e}", openclaw.display()))?;
    // Only the first 256 bytes matter (a `#!` line); the entry may be a large binary.
    let head = std::fs::File::open(&entry).and_then(|f| {
        use std::io::Read;
        let mut b = Vec::new();
        f.take(256).read_to_end(&mut b).map(|_| b)
    });
    let first_line = head
        .ok()
        .map(|b| {
            let end = b
                .iter()
                .position(|c| *c == b'\n')
                .unwrap_or(b.len())
                .min(256);
            String::from_utf8_lossy(&b[..end]).into_owned()
        })
        .unwrap_or_default();
    let program = match (node, env_interpreter(&first_line)) {
        (Some(n), _) => vec![
            std::fs::canonicalize(n).map_err(|e| format!("cannot use `{}`: {e}", n.display()))?,
            entry,
        ],
        (None, Some(interp)) => {
            let n = which(&interp, path_env).ok_or_else(|| {
                format!(
                    "`{}` runs `{interp}` from PATH, and there is none on this PATH; pass `--node /abs/path/to/{interp}`",
                    openclaw.display()
                )
            })?;
            vec![n, entry]
        }
        // A program of its own: exec'd as given (absolute), not by its target.
        (None, None) if is_executable(&entry) => vec![given],
        (None, None) => {
            return Err(format!(
                "`{}` is not an executable file",
                openclaw.display()
            ));
        }
    };
    // The wrapper is only useful if preflight can tell which instance it starts.
    let mut words: Vec<String> = program.iter().map(|p| p.display().to_string()).collect();
    words.push("gateway".into());
    if crate::load::argv::classify(&words).gateway().is_none() {
        return Err(format!(
            "`{}` does not look like OpenClaw's CLI (`openclaw`, `openclaw.mjs` or `…/openclaw/dist/index.js`); pass the real one with `--openclaw`",
            words[..words.len() - 1].join(" ")
        ));
    }
    let clawfence = std::fs::canonicalize(clawfence)
        .map_err(|e| format!("cannot use `{}`: {e}", clawfence.display()))?;
    Ok(Plan {
        clawfence,
        program,
        preflight_args: vec![],
    })
}

/// Writes the wrapper atomically with mode 0755. A file that is not a wrapper
/// clawfence wrote is replaced only with `force`.
pub fn write(path: &Path, text: &str, force: bool) -> Result<(), String> {
    if let Ok(old) = std::fs::read_to_string(path)
        && !old.lines().nth(1).is_some_and(|l| l.starts_with(MARKER))
        && !force
    {
        return Err(format!(
            "`{}` exists and is not a wrapper clawfence wrote; pass `--force` to replace it",
            path.display()
        ));
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let tmp = match dir {
        Some(d) => d.join(format!(".clawfence-wrapper.{}", std::process::id())),
        None => PathBuf::from(format!(".clawfence-wrapper.{}", std::process::id())),
    };
    let result = (|| {
        std::fs::write(&tmp, text)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
        }
        std::fs::rename(&tmp, path)
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write `{}`: {e}", path.display())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_shebangs_name_their_interpreter() {
        assert_eq!(env_interpreter("#!/usr/bin/env node"), Some("node".into()));
        assert_eq!(
            env_interpreter("#!/usr/bin/env -S node --no-warnings"),
            Some("node".into())
        );
        assert_eq!(env_interpreter("#!/usr/bin/node"), None);
        assert_eq!(env_interpreter("\u{7f}ELF"), None);
    }

    #[test]
    fn the_script_quotes_paths_and_passes_arguments_through() {
        let plan = Plan {
            clawfence: "/opt/it's/clawfence".into(),
            program: vec!["/n/node".into(), "/p/openclaw.mjs".into()],
            preflight_args: vec!["--skip".into(), "shared-workspace".into()],
        };
        let s = script(&plan);
        assert!(s.starts_with("#!/bin/sh\n"));
        assert_eq!(s.lines().nth(1).map(|l| l.starts_with(MARKER)), Some(true));
        assert!(
            s.contains(
                r#"exec '/opt/it'\''s/clawfence' preflight '--skip' 'shared-workspace' -- '/n/node' '/p/openclaw.mjs' "$@""#
            ),
            "{s}"
        );
    }
}
