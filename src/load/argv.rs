//! OpenClaw command lines: whether a list of words runs OpenClaw's gateway, and
//! with which root and gateway options, read the way OpenClaw's own CLI reads them.
//!
//! Launchers (systemd units, launchd plists, Windows task scripts), compose services,
//! manifest `command:` lines and the command after `clawfence preflight --` all end
//! in a list of words; this is the one place that decides what those words run.

use std::ops::Range;

/// A value-taking option as written: its value and the words it spans
/// (`--port 19001` is two words, `--port=19001` one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    pub value: String,
    /// Indices into the argv the invocation was read from.
    pub words: Range<usize>,
}

/// `openclaw … gateway [run] …`: a foreground gateway.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GatewayArgs {
    /// `VAR=value` words before the program (`env A=1 openclaw …`, a shell's
    /// `A=1 openclaw …`), with their word index.
    pub env: Vec<(String, String, usize)>,
    /// Index of the word that names OpenClaw (`openclaw`, or the entry script
    /// after `node …`).
    pub program: usize,
    /// Root `--profile NAME` (anywhere before `--`).
    pub profile: Option<Opt>,
    /// Root `--dev` (before the command word): the same as `--profile dev`.
    pub dev: Option<usize>,
    /// The gateway's own `--port`.
    pub port: Option<Opt>,
    /// The gateway's own `--bind`.
    pub bind: Option<Opt>,
    /// `--allow-unconfigured`.
    pub allow_unconfigured: bool,
    /// Words after `gateway` that are `--token`/`--password` values: secrets.
    pub secret_words: Vec<usize>,
    /// `--auth MODE`.
    pub auth: Option<Opt>,
    /// `--token`/`--token-file` given (a shared secret on the command line).
    pub token: bool,
    /// `--password`/`--password-file` given.
    pub password: bool,
    /// `gateway --dev` (after the command word): creates a dev config if missing.
    pub gateway_dev: bool,
    /// `env -i` before the program: the inherited environment is dropped.
    pub env_cleared: bool,
    /// `env -u NAME` before the program: removed from the inherited environment.
    pub env_unset: Vec<String>,
}

impl GatewayArgs {
    /// The profile the command runs: `--dev` is `dev`, `--profile NAME` is `NAME`.
    pub fn profile_name(&self) -> Option<&str> {
        match (&self.profile, self.dev) {
            (Some(p), _) => Some(p.value.as_str()),
            (None, Some(_)) => Some("dev"),
            (None, None) => None,
        }
    }
}

/// What a list of words runs.
// One per command line read, never stored in bulk: boxing would only cost callers.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// OpenClaw's foreground gateway (`gateway`, `gateway run`).
    Gateway(GatewayArgs),
    /// OpenClaw, but another command (`node run`, `gateway status`, `tui`), named.
    OtherCommand(String),
    /// OpenClaw's CLI, but the command line is one OpenClaw refuses (the message
    /// is OpenClaw's own).
    Refused(String),
    /// Not OpenClaw at all.
    NotOpenclaw,
}

impl Invocation {
    pub fn gateway(&self) -> Option<&GatewayArgs> {
        match self {
            Invocation::Gateway(g) => Some(g),
            _ => None,
        }
    }
}

// why: `src/cli/cli-root-options.ts` `ROOT_BOOLEAN_FLAGS` / `ROOT_VALUE_FLAGS`.
const ROOT_BOOLEAN_FLAGS: &[&str] = &["--dev", "--no-color"];
const ROOT_VALUE_FLAGS: &[&str] = &["--profile", "--log-level", "--container"];

// why: `src/cli/gateway-cli/gateway-run-argv.ts` `GATEWAY_RUN_VALUE_FLAGS`.
const GATEWAY_VALUE_FLAGS: &[&str] = &[
    "--port",
    "--bind",
    "--token",
    "--token-file",
    "--auth",
    "--password",
    "--password-file",
    "--tailscale",
    "--ws-log",
    "--raw-stream-path",
];

/// `isValueToken` (`src/cli/cli-root-options.ts`): a word that can be an option's
/// value: not an option, except a negative number.
fn is_value_token(arg: Option<&str>) -> bool {
    match arg {
        None | Some("") | Some("--") => false,
        Some(a) if !a.starts_with('-') => true,
        Some(a) => {
            let digits = &a[1..];
            let (int, frac) = digits.split_once('.').unwrap_or((digits, "1"));
            !int.is_empty()
                && int.bytes().all(|b| b.is_ascii_digit())
                && !frac.is_empty()
                && frac.bytes().all(|b| b.is_ascii_digit())
        }
    }
}

fn file_name(word: &str) -> &str {
    word.rsplit(['/', '\\']).next().unwrap_or(word)
}

/// Whether `word` is a program name of the OpenClaw CLI.
fn is_openclaw_program(word: &str) -> bool {
    let name = file_name(word).to_ascii_lowercase();
    // Nix's makeWrapper renames the real program `.openclaw-wrapped`.
    let name = name.trim_start_matches('.');
    let name = name.strip_suffix("-wrapped").unwrap_or(name);
    matches!(
        name,
        "openclaw" | "openclaw.mjs" | "openclaw.cmd" | "openclaw.exe" | "openclaw.ps1"
    ) || name.starts_with("openclaw@")
}

/// Whether `word` is Node (or a runtime that runs Node scripts).
fn is_node(word: &str) -> bool {
    let name = file_name(word).to_ascii_lowercase();
    let name = name.strip_suffix(".exe").unwrap_or(&name);
    name == "node"
        || name == "nodejs"
        || name == "bun"
        || (name.starts_with("node") && name[4..].bytes().all(|b| b.is_ascii_digit()))
}

/// Whether a script path is OpenClaw's entry: the bin `openclaw.mjs`, or the
/// package's `dist/index.js` / `dist/entry.js` (what `gateway install` writes).
fn is_openclaw_entry(word: &str) -> bool {
    let norm = word.replace('\\', "/");
    let name = file_name(&norm);
    if name == "openclaw.mjs" {
        return true;
    }
    let mut parts = norm.rsplit('/');
    let (_, dist, package) = (parts.next(), parts.next(), parts.next());
    matches!(name, "index.js" | "entry.js" | "index.mjs" | "entry.mjs")
        && dist == Some("dist")
        && package.is_some_and(|p| p == "openclaw" || p.starts_with("openclaw-"))
}

/// Node options that take the next word as their value.
fn node_option_takes_value(word: &str) -> bool {
    matches!(
        word,
        "-r" | "--require"
            | "--import"
            | "--loader"
            | "--experimental-loader"
            | "--env-file"
            | "--title"
            | "--inspect-port"
            | "--input-type"
            | "-C"
            | "--conditions"
    )
}

/// `NAME=value` with a shell-valid name.
fn assignment(word: &str) -> Option<(&str, &str)> {
    let (k, v) = word.split_once('=')?;
    crate::load::env::is_portable_key(k).then_some((k, v))
}

/// Reads what `argv` runs. `argv[0]` is the program as a launcher names it.
pub fn classify<S: AsRef<str>>(argv: &[S]) -> Invocation {
    let words: Vec<&str> = argv.iter().map(AsRef::as_ref).collect();
    classify_words(&words, 0, None)
}

/// [`classify`] for a process whose working directory is OpenClaw's package
/// directory `package_dir` (a container image's `WORKDIR`, `/app` in the official
/// image): a relative entry script there (`node dist/index.js`, `node
/// openclaw.mjs`) is OpenClaw's.
pub fn classify_in<S: AsRef<str>>(argv: &[S], package_dir: &str) -> Invocation {
    let words: Vec<&str> = argv.iter().map(AsRef::as_ref).collect();
    classify_words(&words, 0, Some(package_dir))
}

/// Whether `word` is an entry script of the OpenClaw package at `dir`.
fn is_entry_in(word: &str, dir: &str) -> bool {
    let rel = word.strip_prefix("./").unwrap_or(word);
    let rel = match word.strip_prefix(dir.trim_end_matches('/')) {
        Some(rest) if rest.starts_with('/') => rest.trim_start_matches('/'),
        _ if word.starts_with('/') => return false,
        _ => rel,
    };
    matches!(
        rel,
        "openclaw.mjs" | "dist/index.js" | "dist/entry.js" | "dist/index.mjs" | "dist/entry.mjs"
    )
}

fn classify_words(words: &[&str], depth: usize, package_dir: Option<&str>) -> Invocation {
    let mut env = Vec::new();
    let mut cleared = false;
    let mut unset = Vec::new();
    let mut i = 0;
    // `VAR=value … prog` (a shell's prefix assignments), `env [-i] [-u X] VAR=v … prog`,
    // `exec prog`, `nohup prog`.
    loop {
        let Some(w) = words.get(i) else {
            return Invocation::NotOpenclaw;
        };
        if let Some((k, v)) = assignment(w) {
            env.push((k.to_string(), v.to_string(), i));
            i += 1;
            continue;
        }
        match file_name(w) {
            "env" => {
                i += 1;
                while let Some(w) = words.get(i) {
                    match *w {
                        "-u" | "--unset" => {
                            unset.extend(words.get(i + 1).map(|s| s.to_string()));
                            i += 2
                        }
                        "-C" | "--chdir" => i += 2,
                        "-i" | "--ignore-environment" | "-" => {
                            cleared = true;
                            i += 1
                        }
                        w if w.starts_with('-') => i += 1,
                        _ => break,
                    }
                }
            }
            "exec" | "nohup" | "setsid" => i += 1,
            // Container init processes that exec their arguments: `tini [-s] -- prog`,
            // `dumb-init prog`, the node image's `docker-entrypoint.sh prog`.
            "tini" | "tini-static" | "docker-init" | "dumb-init" => {
                i += 1;
                while let Some(w) = words.get(i) {
                    if *w == "--" {
                        i += 1;
                        break;
                    }
                    if !w.starts_with('-') {
                        break;
                    }
                    i += 1;
                }
            }
            "docker-entrypoint.sh" => i += 1,
            _ => break,
        }
    }
    let program = i;
    let w = words[i];
    let start = if is_openclaw_program(w) {
        i + 1
    } else if is_node(w) {
        let mut j = i + 1;
        while let Some(w) = words.get(j) {
            if !w.starts_with('-') {
                break;
            }
            j += if node_option_takes_value(w) { 2 } else { 1 };
        }
        match words.get(j) {
            Some(script) if is_openclaw_entry(script) => j + 1,
            Some(script) if package_dir.is_some_and(|d| is_entry_in(script, d)) => j + 1,
            _ => return Invocation::NotOpenclaw,
        }
    } else if matches!(file_name(w), "npx" | "pnpx" | "bunx" | "pnpm" | "yarn") {
        // `npx [-y] openclaw …`, `pnpm exec openclaw …`, `pnpm dlx openclaw …`.
        let mut j = i + 1;
        while let Some(w) = words.get(j) {
            if w.starts_with('-') || matches!(*w, "exec" | "dlx") {
                j += 1;
            } else {
                break;
            }
        }
        match words.get(j) {
            Some(p) if is_openclaw_program(p) => j + 1,
            _ => return Invocation::NotOpenclaw,
        }
    } else if file_name(w) == "clawfence" && depth == 0 {
        // clawfence's own recommended guard: `clawfence preflight … -- openclaw … gateway`.
        let is_preflight = words[i + 1..]
            .iter()
            .take_while(|w| **w != "--")
            .any(|w| *w == "preflight");
        return match words.iter().position(|w| *w == "--") {
            Some(dash) if is_preflight => {
                let inner = classify_words(&words[dash + 1..], depth + 1, package_dir);
                shift(inner, dash + 1, env)
            }
            _ => Invocation::NotOpenclaw,
        };
    } else {
        return Invocation::NotOpenclaw;
    };
    let mut g = parse_openclaw_args(words, start);
    if let Invocation::Gateway(args) = &mut g {
        args.env = env;
        args.env_cleared = cleared;
        args.env_unset = unset;
        args.program = if is_node(words[program]) {
            start - 1
        } else {
            program
        };
    }
    g
}

/// Moves every word index of an invocation read from a sub-slice by `by`, and
/// puts the prefix assignments in front.
fn shift(inv: Invocation, by: usize, mut env: Vec<(String, String, usize)>) -> Invocation {
    let Invocation::Gateway(mut g) = inv else {
        return inv;
    };
    let move_opt = |o: &mut Option<Opt>| {
        if let Some(o) = o {
            o.words = o.words.start + by..o.words.end + by;
        }
    };
    move_opt(&mut g.profile);
    move_opt(&mut g.port);
    move_opt(&mut g.bind);
    move_opt(&mut g.auth);
    g.dev = g.dev.map(|d| d + by);
    g.program += by;
    g.secret_words.iter_mut().for_each(|w| *w += by);
    env.extend(g.env.drain(..).map(|(k, v, i)| (k, v, i + by)));
    g.env = env;
    Invocation::Gateway(g)
}

/// An option word split at `=`: `--port=1` → (`--port`, Some(`1`)).
fn split_inline(word: &str) -> (&str, Option<&str>) {
    match word.split_once('=') {
        Some((k, v)) if k.starts_with("--") => (k, Some(v)),
        _ => (word, None),
    }
}

/// OpenClaw's own arguments from `start`: root options (`parseCliProfileArgs`,
/// `src/cli/profile.ts`), the command path, then the gateway's options.
fn parse_openclaw_args(words: &[&str], start: usize) -> Invocation {
    let mut g = GatewayArgs::default();
    let mut path: Vec<&str> = Vec::new();
    let mut i = start;
    while i < words.len() {
        let w = words[i];
        // why: `scanCliRootOptions` stops at `--`; what follows is positional.
        if w == "--" {
            break;
        }
        let (flag, inline) = split_inline(w);
        if w == "--dev" {
            // why: `parseCliProfileArgs`: `--dev` after the `gateway` command word
            // belongs to the gateway command (a dev config under the current state
            // dir), not to the profile.
            if path.first() == Some(&"gateway") {
                g.gateway_dev = true;
                i += 1;
                continue;
            }
            if g.profile.as_ref().is_some_and(|p| p.value != "dev") {
                return Invocation::Refused("Cannot combine --dev with --profile".into());
            }
            g.dev = Some(i);
            i += 1;
            continue;
        }
        if flag == "--profile" {
            let (value, used) = match inline {
                Some(v) => (v.trim().to_string(), 1),
                None if is_value_token(words.get(i + 1).copied()) => {
                    (words[i + 1].trim().to_string(), 2)
                }
                None => (String::new(), 1),
            };
            if g.dev.is_some() {
                return Invocation::Refused("Cannot combine --dev with --profile".into());
            }
            if value.is_empty() {
                return Invocation::Refused("--profile requires a value".into());
            }
            if !crate::ports::is_valid_profile_name(&value) {
                return Invocation::Refused(
                    "Invalid --profile (use letters, numbers, \"_\", \"-\" only)".into(),
                );
            }
            g.profile = Some(Opt {
                value,
                words: i..i + used,
            });
            i += used;
            continue;
        }
        if ROOT_BOOLEAN_FLAGS.contains(&w) {
            i += 1;
            continue;
        }
        if ROOT_VALUE_FLAGS.contains(&flag) {
            i += if inline.is_none() && is_value_token(words.get(i + 1).copied()) {
                2
            } else {
                1
            };
            continue;
        }
        if w.starts_with('-') {
            if path.first() == Some(&"gateway") {
                let used = if inline.is_none() && GATEWAY_VALUE_FLAGS.contains(&flag) {
                    2
                } else {
                    1
                };
                let value = inline
                    .map(str::to_string)
                    .or_else(|| (used == 2).then(|| words.get(i + 1).map(|s| s.to_string()))?);
                let opt = value.map(|value| Opt {
                    value,
                    words: i..(i + used).min(words.len()),
                });
                match flag {
                    "--allow-unconfigured" => g.allow_unconfigured = true,
                    "--token" | "--token-file" => g.token = true,
                    "--password" | "--password-file" => g.password = true,
                    _ => {}
                }
                if matches!(flag, "--token" | "--password" | "--auth") {
                    g.secret_words.push(i + used - 1);
                }
                match flag {
                    "--port" => g.port = opt,
                    "--bind" => g.bind = opt,
                    "--auth" => g.auth = opt,
                    _ => {}
                }
                i += used;
                continue;
            }
            i += 1;
            continue;
        }
        path.push(w);
        i += 1;
    }
    match path.as_slice() {
        ["gateway"] | ["gateway", "run", ..] => Invocation::Gateway(g),
        [] => Invocation::OtherCommand(String::new()),
        [cmd, sub, ..] => Invocation::OtherCommand(format!("{cmd} {sub}")),
        [cmd] => Invocation::OtherCommand(cmd.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gw(line: &str) -> GatewayArgs {
        let words: Vec<&str> = line.split_whitespace().collect();
        match classify(&words) {
            Invocation::Gateway(g) => g,
            other => panic!("`{line}` is {other:?}"),
        }
    }

    fn not_gateway(line: &str) -> Invocation {
        let words: Vec<&str> = line.split_whitespace().collect();
        let inv = classify(&words);
        assert!(inv.gateway().is_none(), "`{line}` runs a gateway");
        inv
    }

    #[test]
    fn what_gateway_install_writes_is_a_gateway() {
        let g = gw(
            "/usr/bin/node --max-old-space-size=8192 /usr/lib/node_modules/openclaw/dist/index.js gateway --port 19789",
        );
        assert_eq!(g.port.as_ref().unwrap().value, "19789");
        assert_eq!(g.port.unwrap().words, 4..6);
        assert_eq!(g.program, 2);
        assert!(g.profile.is_none());
        let g = gw(
            "C:/node/node.exe C:/npm/node_modules/openclaw/dist/index.js gateway --port 1 --task-supervisor",
        );
        assert_eq!(g.port.unwrap().value, "1");
    }

    #[test]
    fn root_options_and_profiles_as_openclaw_reads_them() {
        let g = gw("openclaw --profile rescue gateway run --port=19001 --bind lan");
        assert_eq!(g.profile_name(), Some("rescue"));
        assert_eq!(g.port.as_ref().unwrap().words, 5..6);
        assert_eq!(g.bind.unwrap().value, "lan");
        // `--profile` is read anywhere before `--`.
        assert_eq!(
            gw("openclaw gateway --profile=late").profile_name(),
            Some("late")
        );
        // Root `--dev` is the dev profile; after `gateway` it is the gateway's own.
        assert_eq!(gw("openclaw --dev gateway").profile_name(), Some("dev"));
        assert_eq!(gw("openclaw gateway --dev").profile_name(), None);
        assert_eq!(
            gw("/opt/openclaw/openclaw.mjs --log-level debug gateway").profile_name(),
            None
        );
        assert!(matches!(
            classify(&["openclaw", "--dev", "--profile", "x", "gateway"]),
            Invocation::Refused(_)
        ));
        assert!(matches!(
            classify(&["openclaw", "--profile", "bad.name", "gateway"]),
            Invocation::Refused(_)
        ));
        // `--token X` values are remembered as secret words.
        assert_eq!(gw("openclaw gateway --token abc").secret_words, [3]);
    }

    #[test]
    fn prefixes_and_wrappers() {
        let g =
            gw("env OPENCLAW_GATEWAY_PORT=18790 openclaw --profile seller gateway --port 18791");
        assert_eq!(g.env, [("OPENCLAW_GATEWAY_PORT".into(), "18790".into(), 1)]);
        assert_eq!(g.port.unwrap().value, "18791");
        let g = gw("A=1 exec npx -y openclaw gateway");
        assert_eq!(g.env.len(), 1);
        let g = gw(
            "/usr/local/bin/clawfence preflight --profile x -- /usr/bin/openclaw --profile rescue gateway --port 19001",
        );
        assert_eq!(g.profile_name(), Some("rescue"));
        assert_eq!(g.port.unwrap().words, 9..11);
        assert_eq!(g.program, 5);
    }

    #[test]
    fn auth_options_dev_and_env_clearing() {
        let g = gw("openclaw gateway --bind lan --auth=password --password-file /run/pw --dev");
        assert_eq!(g.auth.unwrap().value, "password");
        assert!(g.password && !g.token);
        assert!(g.gateway_dev);
        let g = gw("openclaw gateway --token abc");
        assert!(g.token && !g.password && !g.gateway_dev);
        let g = gw("env -i -u HOME A=1 openclaw gateway");
        assert!(g.env_cleared);
        assert_eq!(g.env_unset, ["HOME"]);
        assert!(!gw("env A=1 openclaw gateway").env_cleared);
    }

    #[test]
    fn other_programs_and_commands_are_not_gateways() {
        assert_eq!(
            not_gateway("openclaw node run --port 18790"),
            Invocation::OtherCommand("node run".into())
        );
        assert_eq!(
            not_gateway("openclaw gateway status --json"),
            Invocation::OtherCommand("gateway status".into())
        );
        not_gateway("/usr/bin/chromium --remote-debugging-port=18800");
        not_gateway("/usr/bin/node /srv/app/dist/index.js gateway");
        not_gateway("clawfence check");
        assert_eq!(not_gateway(""), Invocation::NotOpenclaw);
    }

    #[test]
    fn value_tokens() {
        assert!(is_value_token(Some("x")));
        assert!(is_value_token(Some("-1")));
        assert!(is_value_token(Some("-1.5")));
        assert!(!is_value_token(Some("--port")));
        assert!(!is_value_token(Some("--")));
        assert!(!is_value_token(None));
    }

    #[test]
    fn container_init_processes_and_the_image_workdir() {
        // The official image: `tini --` as entrypoint, `node openclaw.mjs gateway` as CMD.
        let g = gw("tini -s -- node openclaw.mjs gateway --allow-unconfigured");
        assert!(g.allow_unconfigured);
        assert_eq!(g.program, 4);
        let g = gw("docker-entrypoint.sh openclaw --profile x gateway");
        assert_eq!(g.profile_name(), Some("x"));
        // `node dist/index.js` is OpenClaw's only where the package is the workdir.
        let words = ["node", "dist/index.js", "gateway", "--port", "18789"];
        assert!(classify(&words).gateway().is_none());
        let inv = classify_in(&words, "/app");
        assert_eq!(inv.gateway().unwrap().port.as_ref().unwrap().value, "18789");
        assert!(
            classify_in(&["node", "/app/dist/index.js", "gateway"], "/app")
                .gateway()
                .is_some()
        );
        assert!(
            classify_in(&["node", "/srv/dist/index.js", "gateway"], "/app")
                .gateway()
                .is_none()
        );
        assert_eq!(
            classify_in(&["node", "dist/index.js"], "/app").gateway(),
            None
        );
    }
}
