//! `clawfence preflight`: one instance, resolved exactly as `openclaw [--profile
//! NAME] gateway [--port N]` would resolve it, checked against the rest of the
//! host (static findings) and against the machine (bind probes, the state lock).
//! No launching here, no printing: `main.rs` does both.

use crate::finding::{Finding, Severity};
use crate::host::{HostError, HostRequest, build_host};
use crate::load::argv::{GatewayArgs, Invocation};
use crate::load::env::Env;
use crate::model::{Host, Instance, InstanceKind, Origin, Resolved};
use crate::probe::{self, Holder, PortState};
use crate::resolve::Spec;
use crate::rules::{self, RuleMeta, Selection};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;

pub static PORT_IN_USE: RuleMeta = RuleMeta {
    id: "port-in-use",
    group: "preflight",
    default_severity: Severity::Error,
    summary: "a port the gateway will bind is already held by another process",
    docs: "",
};

pub static ALREADY_RUNNING: RuleMeta = RuleMeta {
    id: "already-running",
    group: "preflight",
    default_severity: Severity::Error,
    summary: "the gateway is already running",
    docs: "",
};

pub static STATE_LOCKED: RuleMeta = RuleMeta {
    id: "state-locked",
    group: "preflight",
    default_severity: Severity::Error,
    summary: "another live process holds the state dir's gateway lock",
    docs: "",
};

pub static CANNOT_BIND: RuleMeta = RuleMeta {
    id: "cannot-bind",
    group: "preflight",
    default_severity: Severity::Error,
    summary: "a port the gateway will bind cannot be bound on its address",
    docs: "",
};

/// `gateway.bind` / `--bind` (`src/gateway/net.ts` `resolveGatewayBindHost`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BindMode {
    Auto,
    Lan,
    Loopback,
    Custom,
    Tailnet,
}

pub static MISSING_CONFIG: RuleMeta = RuleMeta {
    id: "missing-config",
    group: "preflight",
    default_severity: Severity::Error,
    summary: "the gateway has no config file and refuses to start",
    docs: "",
};

pub static GATEWAY_MODE: RuleMeta = RuleMeta {
    id: "gateway-mode",
    group: "preflight",
    default_severity: Severity::Error,
    summary: "`gateway.mode` is missing or not `local`, so the gateway refuses to start",
    docs: "",
};

pub static BIND_WITHOUT_AUTH: RuleMeta = RuleMeta {
    id: "bind-without-auth",
    group: "preflight",
    default_severity: Severity::Error,
    summary: "the gateway binds a non-loopback address without a token or password and refuses to start",
    docs: "",
};

pub static MISSING_PASSWORD: RuleMeta = RuleMeta {
    id: "missing-password",
    group: "preflight",
    default_severity: Severity::Error,
    summary: "gateway auth is `password` but no password is set, so the gateway refuses to start",
    docs: "",
};

pub static INVALID_OPTION: RuleMeta = RuleMeta {
    id: "invalid-option",
    group: "preflight",
    default_severity: Severity::Error,
    summary: "the command's `--port` or `--bind` is one the gateway refuses",
    docs: "",
};

pub static UNKNOWN_PROFILE: RuleMeta = RuleMeta {
    id: "unknown-profile",
    group: "preflight",
    default_severity: Severity::Error,
    summary: "the profile has no directory under HOME: a typo, or a profile never set up",
    docs: "",
};

pub static COMMAND_MISMATCH: RuleMeta = RuleMeta {
    id: "command-mismatch",
    group: "preflight",
    default_severity: Severity::Error,
    summary: "preflight's own `--profile`/`--port`/`--bind` disagree with the command it launches",
    docs: "",
};

pub static COMMAND_REFUSED: RuleMeta = RuleMeta {
    id: "command-refused",
    group: "preflight",
    default_severity: Severity::Error,
    summary: "OpenClaw refuses the command line itself",
    docs: "",
};

/// preflight's own checks, besides the rules; `--only`/`--skip` take these ids too.
pub static CHECKS: &[&RuleMeta] = &[
    &ALREADY_RUNNING,
    &BIND_WITHOUT_AUTH,
    &CANNOT_BIND,
    &COMMAND_MISMATCH,
    &COMMAND_REFUSED,
    &GATEWAY_MODE,
    &INVALID_OPTION,
    &MISSING_CONFIG,
    &MISSING_PASSWORD,
    &PORT_IN_USE,
    &STATE_LOCKED,
    &UNKNOWN_PROFILE,
];

/// What to preflight.
pub struct Request {
    /// The host; its other instances are resolved as `check` resolves them.
    pub host: HostRequest,
    /// `--profile NAME` (`dev` for `--dev`); `None` is the default instance.
    pub profile: Option<String>,
    pub port: Option<i64>,
    pub bind: Option<BindMode>,
    /// The environment the gateway would start with.
    pub env: Env,
    /// Run the live checks.
    pub probe: bool,
    /// What the command after `--` runs, read as OpenClaw reads it; when it runs
    /// OpenClaw's gateway, its own argv and environment decide the instance.
    pub command: Option<Invocation>,
    /// `--only`/`--skip`: rule ids and the ids of [`CHECKS`].
    pub selection: Selection,
}

pub struct Outcome {
    pub host: Host,
    /// The name of the target instance.
    pub target: String,
    /// Static findings involving the target, then live ones.
    pub findings: Vec<Finding>,
}

/// The name the target is resolved under until it is matched to a discovered
/// instance (not a valid profile name, so it never clashes).
const PROVISIONAL: &str = "(preflight target)";

/// What the target is started with: from the command when it runs OpenClaw's
/// gateway, else from preflight's own flags.
struct Target<'a> {
    spec: Spec,
    env: Env,
    bind: Option<BindMode>,
    gateway: Option<&'a GatewayArgs>,
    /// `--port`/`--bind` values the gateway refuses: (option, value, OpenClaw's words).
    invalid: Vec<(&'static str, String, String)>,
}

/// `parseTcpPort` (`src/infra/tcp-port.ts`, via `src/cli/shared/parse-port.ts`):
/// a strict positive integer no greater than 65535.
fn parse_port_option(raw: &str) -> Option<i64> {
    let t = raw.trim();
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.trim_start_matches('0').parse().unwrap_or(0);
    (digits.trim_start_matches('0').len() <= 5 && (1..=crate::ports::MAX_PORT).contains(&n))
        .then_some(n)
}

fn parse_bind(raw: &str) -> Option<BindMode> {
    // why: `src/cli/gateway-cli/run.ts` `VALID_BIND_MODES`, compared after a trim.
    match raw.trim() {
        "auto" => Some(BindMode::Auto),
        "lan" => Some(BindMode::Lan),
        "loopback" => Some(BindMode::Loopback),
        "custom" => Some(BindMode::Custom),
        "tailnet" => Some(BindMode::Tailnet),
        _ => None,
    }
}

fn target<'a>(req: &'a Request) -> Target<'a> {
    let Some(Invocation::Gateway(g)) = &req.command else {
        let mut spec = match &req.profile {
            Some(p) => Spec::profile(p),
            None => Spec::default_instance(),
        };
        spec.port = req
            .port
            .map(|p| Resolved::new(p, Origin::Flag(format!("--port {p}"))));
        return Target {
            spec,
            env: req.env.clone(),
            bind: req.bind,
            gateway: None,
            invalid: vec![],
        };
    };
    // The environment the command runs with: this one, as `env -i`/`-u` and the
    // leading `VAR=value` words change it.
    let mut env = if g.env_cleared {
        let mut e = Env::new();
        if let Some(home) = req.env.get("HOME") {
            e.set("HOME", home.value.clone(), home.origin.clone());
        }
        e
    } else {
        req.env.clone()
    };
    for k in &g.env_unset {
        env.remove(k);
    }
    for (k, v, _) in &g.env {
        env.set(k, v.clone(), Origin::ProcessEnv(k.clone()));
    }
    // why: `src/cli/profile.ts` `parseCliProfileArgs`: `--dev` is `--profile dev`.
    let mut spec = match g.profile_name() {
        Some(p) => Spec::profile(p),
        None => Spec::default_instance(),
    };
    let mut invalid = Vec::new();
    // why: `src/cli/gateway-cli/run.ts` `runGatewayCommandOnce`: `parsePort(--port)`
    // wins over `resolveGatewayPort(cfg)` (and so over `OPENCLAW_GATEWAY_PORT`).
    if let Some(opt) = &g.port {
        match parse_port_option(&opt.value) {
            Some(p) => spec.port = Some(Resolved::new(p, Origin::Flag(format!("--port {p}")))),
            None => invalid.push((
                "--port",
                opt.value.clone(),
                "Invalid --port. Use a port number from 1 to 65535, for example 18789.".into(),
            )),
        }
    }
    let bind = match &g.bind {
        Some(opt) => match parse_bind(&opt.value) {
            Some(b) => Some(b),
            None => {
                invalid.push((
                    "--bind",
                    opt.value.clone(),
                    "Invalid --bind. Use \"loopback\", \"lan\", \"tailnet\", \"auto\", or \"custom\"."
                        .into(),
                ));
                None
            }
        },
        None => None,
    };
    Target {
        spec,
        env,
        bind,
        gateway: Some(g),
        invalid,
    }
}

/// Gives the resolved target the name of the discovered instance with the same
/// state dir (that is which instance it is, whatever selected it), replacing that
/// one; else the profile it runs, else its state dir. Every other instance with
/// the same state dir and config file is the same gateway seen from another
/// place (a profile dir and a service unit) and goes too; one with the same state
/// dir and another config stays, and shares the state dir.
fn adopt_name(host: &mut Host, wanted: &str) -> String {
    let Some(at) = host.instances.iter().position(|i| i.name == PROVISIONAL) else {
        return wanted.to_string();
    };
    let dir = rules::canonical(&host.instances[at].state_dir.value);
    let config = rules::canonical(&host.instances[at].config_path.value);
    let same_dir =
        |i: &Instance| i.name != PROVISIONAL && rules::canonical(&i.state_dir.value) == dir;
    let same = |i: &Instance| same_dir(i) && rules::canonical(&i.config_path.value) == config;
    // Prefer a profile dir or `~/.openclaw` over other places it was seen.
    let pick = |f: &dyn Fn(&Instance) -> bool| {
        host.instances
            .iter()
            .filter(|i| f(i))
            .min_by_key(|i| i.kind == InstanceKind::Explicit)
            .map(|i| i.name.clone())
    };
    let matched = pick(&same).or_else(|| pick(&same_dir));
    let name = match matched {
        Some(m) => {
            let other = host
                .instances
                .iter()
                .find(|i| i.name == m)
                .map(|i| (i.kind.clone(), i.profile.clone()))
                .expect("just found");
            let drop: Vec<String> = host
                .instances
                .iter()
                .filter(|i| i.name == m || same(i))
                .map(|i| i.name.clone())
                .collect();
            host.instances.retain(|i| !drop.contains(&i.name));
            let t = host
                .instances
                .iter_mut()
                .find(|i| i.name == PROVISIONAL)
                .expect("still there");
            t.kind = other.0;
            if t.profile.is_none() {
                t.profile = other.1;
            }
            m
        }
        None if !host.instances.iter().any(|i| i.name == wanted) => wanted.to_string(),
        None => host.shown(&host.instances[at].state_dir.value),
    };
    let t = host
        .instances
        .iter_mut()
        .find(|i| i.name == PROVISIONAL)
        .expect("still there");
    t.name = name.clone();
    host.instances.sort_by(|a, b| a.name.cmp(&b.name));
    name
}

/// Resolves and checks the target; the caller decides what blocks a launch.
pub fn run(req: Request, severity_min: Severity) -> Result<Outcome, HostError> {
    let t = target(&req);
    let mut spec = t.spec.clone();
    // The gateway starts in this directory and reads its `.env`.
    spec.cwd_env = true;
    // The profile it runs, by `--profile` or, as a service runs it, `OPENCLAW_PROFILE`.
    let wanted = spec
        .profile
        .clone()
        .or_else(|| {
            t.env
                .non_blank("OPENCLAW_PROFILE")
                .and_then(crate::ports::normalize_profile_name)
                .map(str::to_string)
        })
        .unwrap_or_else(|| "default".into());
    spec.name = PROVISIONAL.into();
    let mut host_req = req.host.clone();
    host_req.target = Some((spec, t.env.clone()));
    let mut host = build_host(&host_req)?;
    let target = adopt_name(&mut host, &wanted);
    let selected = |f: &Finding| req.selection.includes(f.rule.id) && f.severity >= severity_min;
    let inst = host.instance(&target).expect("the target was resolved");
    let mut findings: Vec<Finding> = Vec::new();
    if let Some(Invocation::Refused(why)) = &req.command {
        let mut f = Finding::new(
            &COMMAND_REFUSED,
            format!("openclaw refuses the command for `{target}`: `{why}`"),
            vec![target.clone()],
        );
        f.help = Some("fix the command after `--`; `openclaw --help` shows its options".into());
        findings.push(f);
    }
    findings.extend(start_guard(&host, inst, &t, &req));
    findings.extend(mismatch(inst, &t, &req));
    findings.extend(
        rules::check(&host, &req.selection)
            .into_iter()
            .filter(|f| f.instances.contains(&target)),
    );
    if req.probe {
        findings.extend(live(&host, inst, t.bind));
    }
    findings.retain(|f| selected(f));
    Ok(Outcome {
        host,
        target,
        findings,
    })
}

/// A string of a config, with its span.
fn config_str<'c>(i: &'c Instance, path: &[&str]) -> Option<(&'c str, crate::source::Span)> {
    let e = i.config.as_ref()?.path(path)?;
    Some((e.node.as_str()?, e.node.span))
}

/// Whether a config secret input is set: a non-blank string or a SecretRef object
/// (`hasConfiguredSecretInput`, `src/config/types.secrets.ts`).
fn secret_configured(i: &Instance, path: &[&str]) -> bool {
    let Some(e) = i.config.as_ref().and_then(|c| c.path(path)) else {
        return false;
    };
    match e.node.as_str() {
        Some(s) => !s.trim().is_empty(),
        None => e.node.as_object().is_some(),
    }
}

/// `formatCliCommand` (`src/cli/command-format.ts`): OpenClaw's messages name
/// commands with the running profile added (`openclaw --profile rescue setup`).
fn format_cli_command(i: &Instance, command: &str) -> String {
    match i
        .env
        .non_blank("OPENCLAW_PROFILE")
        .and_then(crate::ports::normalize_profile_name)
    {
        Some(p) => command.replacen("openclaw", &format!("openclaw --profile {p}"), 1),
        None => command.to_string(),
    }
}

/// OpenClaw's words for a missing config (`getGatewayStartGuardErrors`).
fn missing_config_words(i: &Instance) -> String {
    format!(
        "Missing config. Run `{}` or set gateway.mode=local (or pass --allow-unconfigured).",
        format_cli_command(i, "openclaw setup")
    )
}

/// OpenClaw's own start guard (`src/cli/gateway-cli/run.ts` `runGatewayCommandOnce`
/// and `src/cli/gateway-cli/pre-bootstrap.ts` `getGatewayStartGuardErrors`), said
/// before anything else: every case makes `gateway run` exit without starting.
fn start_guard(host: &Host, i: &Instance, t: &Target, req: &Request) -> Vec<Finding> {
    let mut out = Vec::new();
    let name = &i.name;
    let cmd = rules::openclaw_cmd(host, i);
    let allow_unconfigured = t.gateway.is_some_and(|g| g.allow_unconfigured);
    // A profile asked for by name (not through a service's environment) whose
    // directory does not exist: a typo, or a profile never set up.
    let asked = t.spec.profile.as_deref().or(req.profile.as_deref());
    let unknown = asked.filter(|_| !i.state_dir.value.exists() && !i.config_path.value.exists());
    if let Some(p) = unknown {
        let profiles: Vec<&str> = host
            .instances
            .iter()
            .filter(|o| o.name != *name)
            .map(|o| o.profile.as_deref().unwrap_or(o.name.as_str()))
            .collect();
        let best = profiles
            .iter()
            .map(|o| {
                (
                    strsim::levenshtein(&p.to_lowercase(), &o.to_lowercase()),
                    *o,
                )
            })
            .filter(|(d, o)| *d <= 2.max(o.chars().count() / 3))
            .min();
        let mut f = Finding::new(
            &UNKNOWN_PROFILE,
            format!(
                "profile `{p}` does not exist: there is no `{}`",
                host.shown(&i.state_dir.value)
            ),
            vec![name.clone()],
        );
        f.notes.push(format!(
            "`openclaw gateway` would stop with exit code 78: \"{}\"",
            missing_config_words(i)
        ));
        f.help = Some(match best {
            Some((_, "default")) => {
                "did you mean the default instance? drop `--profile`".to_string()
            }
            Some((_, o)) => format!("did you mean `{o}`? use `--profile {o}`"),
            None if profiles.is_empty() => {
                format!("set it up first: `openclaw --profile {p} setup`")
            }
            None => format!(
                "profiles here are {}; or set it up first: `openclaw --profile {p} setup`",
                rules::names(&profiles.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            ),
        });
        out.push(f);
    }
    for (opt, value, words) in &t.invalid {
        let mut f = Finding::new(
            &INVALID_OPTION,
            format!(
                "`{opt} {}` of `{name}` is refused by the gateway",
                crate::secrets::quotable(value)
            ),
            vec![name.clone()],
        );
        // why: `runGatewayCommandOnce` exits 1, not 78, for a bad option.
        f.notes.push(format!(
            "`openclaw gateway` stops with exit code 1: \"{words}\""
        ));
        f.help = Some(match *opt {
            "--port" => format!(
                "pass a port in `1..=65535`, e.g. `--port {}`",
                i.ports.gateway.value.clamp(1, 65535)
            ),
            _ => "pass one of `--bind loopback`, `lan`, `tailnet`, `auto` or `custom`".into(),
        });
        out.push(f);
    }
    let exists = i.config_path.value.exists();
    let gateway_dev = t.gateway.is_some_and(|g| g.gateway_dev);
    // why: `getGatewayStartGuardErrors`: `--allow-unconfigured`, or `gateway --dev`
    // with no config (it writes one), pass; a missing config is refused first.
    if !exists && !allow_unconfigured && !gateway_dev && unknown.is_none() {
        let mut f = Finding::new(
            &MISSING_CONFIG,
            format!(
                "`{name}` has no config: `{}` does not exist, so the gateway refuses to start",
                host.shown(&i.config_path.value)
            ),
            vec![name.clone()],
        );
        f.notes.push(format!(
            "`openclaw gateway` stops with exit code 78: \"{}\"",
            missing_config_words(i)
        ));
        f.notes.push(rules::origin_note(
            host,
            "the config path",
            &i.config_path.origin,
        ));
        f.help = Some(format!(
            "run `{cmd} setup`, or start it with `--allow-unconfigured`"
        ));
        out.push(f);
    }
    // The mode of a config that loaded (a broken one is `invalid-config`'s).
    if exists
        && !allow_unconfigured
        && let Some(root) = &i.config
    {
        let mode = root.path(&["gateway", "mode"]);
        let current = mode.map(|e| match e.node.as_str() {
            Some(s) => s.to_string(),
            None => format!("a {}", e.node.type_name()),
        });
        if current.as_deref() != Some("local") {
            let (message, words) = match &current {
                None => (
                    format!(
                        "`gateway.mode` of `{name}` is not set, so the gateway refuses to start"
                    ),
                    format!(
                        "Gateway start blocked: existing config is missing gateway.mode. Treat this as suspicious or clobbered config. Re-run `{}` or `{}`, set gateway.mode=local manually, or pass --allow-unconfigured.",
                        format_cli_command(i, "openclaw onboard --mode local"),
                        format_cli_command(i, "openclaw setup")
                    ),
                ),
                Some(m) => (
                    format!(
                        "`gateway.mode` of `{name}` is `{m}`, not `local`, so the gateway refuses to start"
                    ),
                    format!(
                        "Gateway start blocked: set gateway.mode=local (current: {m}) or pass --allow-unconfigured."
                    ),
                ),
            };
            let mut f = Finding::new(&GATEWAY_MODE, message, vec![name.clone()]);
            let place = mode
                .map(|e| e.node.span)
                .or_else(|| root.entry("gateway").map(|e| e.key_span));
            f.primary = match place {
                Some(span) => Some(crate::finding::Label {
                    location: crate::load::Location::Span(span),
                    message: format!("gateway settings of `{name}`"),
                    target: Some("gateway.mode".into()),
                }),
                None => Some(crate::finding::Label {
                    location: crate::load::Location::Path(host.shown(&i.config_path.value)),
                    message: format!("config of `{name}`"),
                    target: Some("gateway.mode".into()),
                }),
            };
            f.notes.push(format!(
                "`openclaw gateway` stops with exit code 78: \"{words}\""
            ));
            f.help = Some(format!("`{cmd} config set gateway.mode local`"));
            out.push(f);
        }
    }
    // why: `runGatewayCommandOnce` refuses a non-loopback bind without a shared
    // secret (`shouldBlockGatewayBindWithoutExplicitAuth`); the auth mode defaults
    // to `password` when one is set, else `token` (`finalizeResolvedGatewayAuth`,
    // `src/gateway/auth-resolve.ts`), and before that it refuses mode `password`
    // without a password; tokens and passwords come from the config,
    // `OPENCLAW_GATEWAY_TOKEN`/`OPENCLAW_GATEWAY_PASSWORD` or `--token`/`--password`.
    let (hosts, _) = bind_hosts(i, t.bind);
    let tailnet = matches!(t.bind.or_else(|| config_bind(i)), Some(BindMode::Tailnet));
    let exposed = !tailnet && hosts.first().is_some_and(|h| !h.is_loopback());
    if i.config.is_some() {
        let g = t.gateway;
        let token = g.is_some_and(|g| g.token)
            || secret_configured(i, &["gateway", "auth", "token"])
            || i.env.non_blank("OPENCLAW_GATEWAY_TOKEN").is_some();
        let password = g.is_some_and(|g| g.password)
            || secret_configured(i, &["gateway", "auth", "password"])
            || i.env.non_blank("OPENCLAW_GATEWAY_PASSWORD").is_some();
        let mode = g
            .and_then(|g| g.auth.as_ref().map(|o| o.value.clone()))
            .or_else(|| config_str(i, &["gateway", "auth", "mode"]).map(|(s, _)| s.to_string()))
            .unwrap_or_else(|| if password { "password" } else { "token" }.into());
        let secret = (mode == "token" && token) || (mode == "password" && password);
        if mode == "password" && !password {
            let mut f = Finding::new(
                &MISSING_PASSWORD,
                format!(
                    "gateway auth of `{name}` is `password` but no password is set, so the gateway refuses to start"
                ),
                vec![name.clone()],
            );
            if let Some((_, span)) = config_str(i, &["gateway", "auth", "mode"]) {
                f.primary = Some(crate::finding::Label {
                    location: crate::load::Location::Span(span),
                    message: format!("auth mode of `{name}`"),
                    target: Some("gateway.auth.mode".into()),
                });
            }
            f.notes.push("`openclaw gateway` stops with exit code 78: \"Gateway auth is set to password, but no password is configured. Set gateway.auth.password (or OPENCLAW_GATEWAY_PASSWORD), or pass --password.\"".into());
            f.help = Some(format!(
                "`{cmd} config set gateway.auth.password <PASSWORD>`, or start it with `OPENCLAW_GATEWAY_PASSWORD`"
            ));
            out.push(f);
        } else if exposed && !secret && mode != "trusted-proxy" {
            let bind = t
                .bind
                .or_else(|| config_bind(i))
                .map(|b| format!("{b:?}").to_lowercase())
                .unwrap_or_else(|| "auto".into());
            let mut f = Finding::new(
                &BIND_WITHOUT_AUTH,
                format!(
                    "`{name}` binds `{bind}` (`{}`) without a token or password, so the gateway refuses to start",
                    hosts[0]
                ),
                vec![name.clone()],
            );
            if let Some((_, span)) = config_str(i, &["gateway", "bind"]) {
                f.primary = Some(crate::finding::Label {
                    location: crate::load::Location::Span(span),
                    message: format!("bind mode of `{name}`"),
                    target: Some("gateway.bind".into()),
                });
            }
            f.notes.push(format!(
                "`openclaw gateway` stops with exit code 78: \"Refusing to bind gateway to {bind} without auth.\""
            ));
            f.help = Some(format!(
                "set a token: `{cmd} config set gateway.auth.token <TOKEN>` (or `OPENCLAW_GATEWAY_TOKEN`), or bind `loopback`"
            ));
            out.push(f);
        }
    }
    out
}

/// preflight's own `--profile`/`--port`/`--bind` against what the command runs.
fn mismatch(i: &Instance, t: &Target, req: &Request) -> Vec<Finding> {
    if t.gateway.is_none() {
        return vec![];
    }
    let mut said = Vec::new();
    let norm = |p: Option<&str>| {
        p.and_then(crate::ports::normalize_profile_name)
            .map(str::to_string)
    };
    if let Some(p) = &req.profile {
        let runs = norm(i.env.non_blank("OPENCLAW_PROFILE"));
        if norm(Some(p)) != runs {
            said.push(format!(
                "`--profile {p}` (the command runs {})",
                match &runs {
                    Some(r) => format!("profile `{r}`"),
                    None => "no profile".into(),
                }
            ));
        }
    }
    if let Some(p) = req.port
        && p != i.ports.gateway.value
    {
        said.push(format!(
            "`--port {p}` (the command's gateway port is `{}`)",
            i.ports.gateway.value
        ));
    }
    if let Some(b) = req.bind {
        let runs = t.bind.or_else(|| config_bind(i));
        if runs != Some(b) {
            said.push(format!(
                "`--bind {}` (the command binds `{}`)",
                format!("{b:?}").to_lowercase(),
                runs.map(|r| format!("{r:?}").to_lowercase())
                    .unwrap_or_else(|| "the default".into())
            ));
        }
    }
    if said.is_empty() {
        return vec![];
    }
    let mut f = Finding::new(
        &COMMAND_MISMATCH,
        format!(
            "preflight's own {} disagree with the command after `--`, which runs `{}`; `{}` was checked",
            rules::join_and(&said),
            i.name,
            i.name
        ),
        vec![i.name.clone()],
    );
    f.help = Some("drop preflight's own `--profile`/`--port`/`--bind` when a command follows `--`; the command decides".into());
    vec![f]
}

fn config_bind(i: &Instance) -> Option<BindMode> {
    config_str(i, &["gateway", "bind"]).and_then(|(s, _)| parse_bind(s))
}

/// The addresses the gateway listens on for a bind mode.
fn bind_hosts(i: &Instance, flag: Option<BindMode>) -> (Vec<IpAddr>, Option<String>) {
    let config = i
        .config
        .as_ref()
        .and_then(|c| c.path(&["gateway", "bind"]))
        .and_then(|e| e.node.as_str())
        .and_then(|s| match s {
            "auto" => Some(BindMode::Auto),
            "lan" => Some(BindMode::Lan),
            "loopback" => Some(BindMode::Loopback),
            "custom" => Some(BindMode::Custom),
            "tailnet" => Some(BindMode::Tailnet),
            _ => None,
        });
    let local = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let any = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    let container = probe::in_container();
    let default = if container {
        BindMode::Auto
    } else {
        BindMode::Loopback
    };
    match flag.or(config).unwrap_or(default) {
        BindMode::Loopback => (vec![local, IpAddr::V6(Ipv6Addr::LOCALHOST)], None),
        BindMode::Lan => (vec![any], None),
        BindMode::Auto if container => (vec![any], None),
        BindMode::Auto => (vec![local], None),
        BindMode::Custom => {
            let host = i
                .config
                .as_ref()
                .and_then(|c| c.path(&["gateway", "customBindHost"]))
                .and_then(|e| e.node.as_str()?.parse::<Ipv4Addr>().ok());
            match host {
                Some(h) => (vec![IpAddr::V4(h), local], None),
                None => (vec![any], None),
            }
        }
        BindMode::Tailnet => (
            vec![local],
            Some("the tailnet address itself is not probed; 127.0.0.1 is".into()),
        ),
    }
}

/// Which instance a listening process is, by what it was started with.
fn instance_of<'h>(host: &'h Host, h: &Holder) -> Option<&'h Instance> {
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    if let Some(dir) = h.env("OPENCLAW_STATE_DIR") {
        let dir = canonical(Path::new(dir));
        if let Some(i) = host
            .instances
            .iter()
            .find(|i| canonical(&i.state_dir.value) == dir)
        {
            return Some(i);
        }
    }
    let args: Vec<&str> = h.command.split(' ').collect();
    let profile = args
        .iter()
        .position(|a| *a == "--profile")
        .and_then(|n| args.get(n + 1).copied())
        .or_else(|| args.iter().find_map(|a| a.strip_prefix("--profile=")))
        .or_else(|| args.contains(&"--dev").then_some("dev"))
        .or_else(|| h.env("OPENCLAW_PROFILE"));
    if let Some(p) = profile {
        return host
            .instances
            .iter()
            .find(|i| i.profile.as_deref() == Some(p));
    }
    let is_gateway = h.command.contains("openclaw") && h.command.contains("gateway");
    is_gateway
        .then(|| {
            host.instances
                .iter()
                .find(|i| i.kind == InstanceKind::Default)
        })
        .flatten()
}

/// `pid 4242 (`node openclaw.mjs gateway`)`, with `--token`/`--password` values
/// masked.
fn who(h: &Holder) -> String {
    let mut words: Vec<String> = h.command.split_whitespace().map(str::to_string).collect();
    if let Invocation::Gateway(g) = crate::load::argv::classify(&words) {
        for &k in &g.secret_words {
            if let Some(w) = words.get_mut(k) {
                *w = match w.split_once('=') {
                    Some((flag, _)) if flag.starts_with("--") => format!("{flag}=***"),
                    _ => "***".to_string(),
                };
            }
        }
    }
    let cmd: String = words.join(" ");
    let cmd: String = cmd.chars().take(80).collect();
    if cmd.is_empty() {
        format!("pid `{}`", h.pid)
    } else {
        format!("pid `{}` (`{cmd}`)", h.pid)
    }
}

/// The ports the gateway binds at start (and the relay the browser binds on use),
/// probed on the addresses it binds them on.
fn live(host: &Host, i: &Instance, bind: Option<BindMode>) -> Vec<Finding> {
    let (hosts, note) = bind_hosts(i, bind);
    let local = [IpAddr::V4(Ipv4Addr::LOCALHOST)];
    let p = &i.ports;
    let mut checks: Vec<(&str, &Resolved<i64>, &[IpAddr])> = vec![
        ("gateway port", &p.gateway, &hosts),
        ("browser control port", &p.browser_control, &local),
        ("extension relay", &p.extension_relay, &local),
    ];
    if let Some(m) = &p.mcp_sandbox {
        checks.push(("MCP Apps sandbox port", m, &hosts));
    }
    let mut out = Vec::new();
    let mut running: Option<Holder> = None;
    for (what, port, addrs) in checks {
        let Ok(n) = u16::try_from(port.value) else {
            continue;
        };
        if n == 0 {
            continue;
        }
        // One finding per port: the first address that fails says it.
        for addr in addrs {
            let finding = match probe::probe(*addr, n) {
                PortState::Free | PortState::Unavailable => None,
                PortState::Denied(why) => {
                    let mut f = Finding::new(
                        &CANNOT_BIND,
                        format!(
                            "{what} `{n}` of `{}` cannot be bound on `{addr}`: {why}",
                            i.name
                        ),
                        vec![i.name.clone()],
                    );
                    f.primary =
                        rules::label(&port.origin, format!("{what} `{n}` of `{}`", i.name), None);
                    f.help = rules::free_port_help(host, i);
                    Some(f)
                }
                PortState::InUse => {
                    let holders = probe::holders(n);
                    match holders
                        .iter()
                        .find(|h| instance_of(host, h).is_some_and(|o| o.name == i.name))
                    {
                        Some(h) => {
                            running.get_or_insert_with(|| h.clone());
                            None
                        }
                        None => Some(in_use(host, i, what, n, *addr, port, &holders)),
                    }
                }
            };
            if let Some(f) = finding {
                out.push(f);
                break;
            }
        }
    }
    let lock = state_lock(i);
    match (&running, &lock) {
        (Some(h), _) => {
            let mut f = Finding::new(
                &ALREADY_RUNNING,
                format!(
                    "`{}` is already running: {} listens on its gateway port `{}`",
                    i.name,
                    who(h),
                    p.gateway.value
                ),
                vec![i.name.clone()],
            );
            f.primary = rules::label(
                &p.gateway.origin,
                format!("gateway port `{}` of `{}`", p.gateway.value, i.name),
                None,
            );
            f.help = Some(format!(
                "stop it first (`{} gateway stop`, or `kill {}`), or leave it running",
                rules::openclaw_cmd(host, i),
                h.pid
            ));
            out.push(f);
        }
        (None, Some((pid, command))) => {
            let mut f = Finding::new(
                &STATE_LOCKED,
                format!(
                    "state dir `{}` of `{}` is locked by live pid `{pid}`{}",
                    host.shown(&i.state_dir.value),
                    i.name,
                    command
                        .as_ref()
                        .map(|c| format!(" (`{c}`)"))
                        .unwrap_or_default()
                ),
                vec![i.name.clone()],
            );
            f.primary = rules::label(
                &i.state_dir.origin,
                format!("state dir of `{}`", i.name),
                None,
            );
            f.notes.push(
                "a second gateway on this state dir stops at start: `gateway already running (pid N); lock timeout after 5000ms`".into(),
            );
            f.help = Some(format!(
                "stop pid `{pid}` first, or give `{}` its own state dir",
                i.name
            ));
            out.push(f);
        }
        (None, None) => {}
    }
    if let (Some(n), false) = (note, out.is_empty()) {
        for f in &mut out {
            f.notes.push(n.clone());
        }
    }
    out
}

fn in_use(
    host: &Host,
    i: &Instance,
    what: &str,
    n: u16,
    addr: IpAddr,
    port: &Resolved<i64>,
    holders: &[Holder],
) -> Finding {
    let holder = holders.first();
    let other = holder.and_then(|h| instance_of(host, h)).or_else(|| {
        // A port another instance is configured to use names that instance.
        host.instances
            .iter()
            .find(|o| o.name != i.name && rules::port_uses(o).iter().any(|u| u.port == n as i64))
    });
    let by = match (holder, other) {
        (Some(h), Some(o)) => format!("held by {}, which is `{}`", who(h), o.name),
        (Some(h), None) => format!("held by {}", who(h)),
        (None, Some(o)) => format!(
            "held by a process clawfence cannot see (another user's?); it is a port of `{}`",
            o.name
        ),
        (None, None) => "held by a process clawfence cannot see (another user's?)".to_string(),
    };
    let mut names = vec![i.name.clone()];
    names.extend(other.map(|o| o.name.clone()));
    let mut f = Finding::new(
        &PORT_IN_USE,
        format!("{what} `{n}` of `{}` is in use on `{addr}`: {by}", i.name),
        names,
    );
    f.primary = rules::label(&port.origin, format!("{what} `{n}` of `{}`", i.name), None);
    // A base whose footprint leaves the held port behind, as well as every other
    // instance: the held port counts as one more base to keep clear of.
    let gateway = i.ports.gateway.value;
    let mut taken = rules::other_bases(host, i);
    taken.push(n as i64 - (port.value - gateway));
    let base = crate::ports::nearest_free_base(gateway, &taken, crate::ports::FOOTPRINT);
    f.help = match (holder, base) {
        (Some(h), Some(base)) => Some(format!(
            "stop pid `{}`, or {}",
            h.pid,
            rules::move_port_help(host, i, base)
        )),
        _ => rules::free_port_help(host, i),
    };
    f
}

/// What holds a port right now on `127.0.0.1`: `free`, `held by `rescue` (pid 42)`,
/// `held by pid 42 (`cmd`)`, or `in use` when the holder cannot be seen.
pub fn live_state(host: &Host, port: i64) -> String {
    let Ok(n) = u16::try_from(port) else {
        return "not a port".into();
    };
    match probe::probe(IpAddr::V4(Ipv4Addr::LOCALHOST), n) {
        PortState::Free => "free".into(),
        PortState::Unavailable => "unavailable".into(),
        PortState::Denied(why) => format!("cannot bind: {why}"),
        PortState::InUse => match probe::holders(n).first() {
            Some(h) => match instance_of(host, h) {
                Some(i) => format!("held by `{}` (pid {})", i.name, h.pid),
                None => format!("held by {}", who(h)),
            },
            None => "in use (holder not visible)".into(),
        },
    }
}

/// The live owner of `<realpath(state)>/tmp/openclaw-*/gateway.state.lock`
/// (`src/infra/gateway-lock.ts` `resolveGatewayLockPaths`), if any.
fn state_lock(i: &Instance) -> Option<(u32, Option<String>)> {
    let state = std::fs::canonicalize(&i.state_dir.value).ok()?;
    let dirs = std::fs::read_dir(state.join("tmp")).ok()?;
    for d in dirs.filter_map(Result::ok) {
        if !d.file_name().to_string_lossy().starts_with("openclaw") {
            continue;
        }
        // A FIFO, a device or a huge file here must neither block nor flood:
        // only a regular file of at most 64 KiB is read.
        // why: the lock is one small JSON object OpenClaw writes itself (`pid`,
        // `createdAt`, `configPath`, `startTime`: `src/infra/gateway-lock.ts`).
        let Ok(text) = crate::load::read_bounded(&d.path().join("gateway.state.lock"), 64 * 1024)
        else {
            continue;
        };
        let Some(pid) = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v["pid"].as_u64())
            .and_then(|p| u32::try_from(p).ok())
        else {
            continue;
        };
        if probe::alive(pid) == Some(true) {
            return Some((pid, probe::command_of(pid)));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holders_command_line_never_shows_its_token() {
        let h = Holder {
            pid: 42,
            command: "node /x/openclaw.mjs gateway --token s3cret --password=pw1 --port 1".into(),
            environ: vec![],
        };
        let shown = who(&h);
        assert!(
            !shown.contains("s3cret") && !shown.contains("pw1"),
            "{shown}"
        );
        assert!(
            shown.contains("--token *** --password=*** --port 1"),
            "{shown}"
        );
    }

    #[test]
    fn one_gateway_seen_from_two_places_is_one_target() {
        // A service unit (explicit instance) with rescue's state dir and config is
        // `rescue` itself; one with rescue's state dir and its own config is not.
        let home = tempfile::tempdir().unwrap();
        let state = home.path().join(".openclaw-rescue");
        std::fs::create_dir_all(&state).unwrap();
        let config = state.join("openclaw.json");
        std::fs::write(&config, "{ gateway: { mode: 'local', port: 19789 } }").unwrap();
        std::fs::write(
            home.path().join("other.json"),
            "{ gateway: { mode: 'local', port: 19900 } }",
        )
        .unwrap();
        let svc = |name: &str, config: &Path| {
            let mut s = Spec::explicit(name, config, Origin::Flag("unit".into()));
            s.env.push((
                "OPENCLAW_STATE_DIR".into(),
                state.display().to_string(),
                Origin::Flag("unit".into()),
            ));
            s
        };
        let mut host = HostRequest::home(home.path().into(), home.path().into());
        host.explicit = vec![
            svc("same", &config),
            svc("other", &home.path().join("other.json")),
        ];
        let mut env = Env::new();
        env.set(
            "HOME",
            home.path().display().to_string(),
            Origin::Flag("--home".into()),
        );
        let out = run(
            Request {
                host,
                profile: Some("rescue".into()),
                port: None,
                bind: None,
                env,
                probe: false,
                command: None,
                selection: Selection::default(),
            },
            Severity::Error,
        )
        .unwrap();
        let names: Vec<&str> = out.host.instances.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(out.target, "rescue");
        assert_eq!(names, ["other", "rescue"]);
        assert!(
            out.findings
                .iter()
                .any(|f| f.rule.id == "shared-state-dir" && f.instances == ["other", "rescue"]),
            "{:?}",
            out.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
        );
    }

    #[test]
    fn port_options_are_read_as_openclaw_reads_them() {
        assert_eq!(parse_port_option("19001"), Some(19001));
        assert_eq!(parse_port_option("+019001"), Some(19001));
        for bad in ["0", "65536", "abc", "1e4", "-1", "", "19001x"] {
            assert_eq!(parse_port_option(bad), None, "{bad}");
        }
    }
}
