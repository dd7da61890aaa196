//! `clawfence preflight`: one instance, resolved exactly as `openclaw [--profile
//! NAME] gateway [--port N]` would resolve it, checked against the rest of the
//! host (static findings) and against the machine (bind probes, the state lock).
//! No launching here, no printing: `main.rs` does both.

use crate::finding::{Finding, Severity};
use crate::host::{HostError, HostRequest, build_host};
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
}

pub struct Outcome {
    pub host: Host,
    /// The name of the target instance.
    pub target: String,
    /// Static findings involving the target, then live ones.
    pub findings: Vec<Finding>,
}

/// Resolves and checks the target; the caller decides what blocks a launch.
pub fn run(req: Request, severity_min: Severity) -> Result<Outcome, HostError> {
    let mut spec = match &req.profile {
        Some(p) => Spec::profile(p),
        None => Spec::default_instance(),
    };
    spec.port = req
        .port
        .map(|p| Resolved::new(p, Origin::Flag(format!("--port {p}"))));
    // The gateway starts in this directory and reads its `.env`.
    spec.cwd_env = true;
    let target = spec.name.clone();
    let mut host_req = req.host;
    host_req.target = Some((spec, req.env));
    let host = build_host(&host_req)?;
    let mut findings: Vec<Finding> = rules::check(&host, &Selection::default())
        .into_iter()
        .filter(|f| f.instances.contains(&target) && f.severity >= severity_min)
        .collect();
    if req.probe {
        let inst = host.instance(&target).expect("the target was resolved");
        findings.extend(live(&host, inst, req.bind));
    }
    Ok(Outcome {
        host,
        target,
        findings,
    })
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

/// `pid 4242 (`node openclaw.mjs gateway`)`.
fn who(h: &Holder) -> String {
    let cmd: String = h.command.split_whitespace().collect::<Vec<_>>().join(" ");
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
