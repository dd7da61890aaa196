//! The resolved host: every instance, every value with where it came from.

use crate::load::LoadError;
use crate::load::env::Env;
use crate::load::json5::Node;
use crate::source::{SourceMap, Span};
use std::path::PathBuf;

/// Where a resolved value came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A key/value in `openclaw.json` or an `$include`d file.
    Config(Span),
    /// A line in a `.env` file or a service unit.
    EnvFile(Span),
    /// A variable of the process environment, by name.
    ProcessEnv(String),
    /// A command-line flag, as written (`--port 19001`, `--profile rescue`).
    Flag(String),
    /// Computed from another value.
    Derived { from: Box<Origin>, how: String },
    /// A built-in value, described ("built-in default 18789").
    Default(String),
}

impl Origin {
    pub fn derived(from: &Origin, how: impl Into<String>) -> Origin {
        Origin::Derived {
            from: Box::new(from.clone()),
            how: how.into(),
        }
    }

    /// The span that authored the value, following derivations.
    pub fn span(&self) -> Option<Span> {
        match self {
            Origin::Config(s) | Origin::EnvFile(s) => Some(*s),
            Origin::Derived { from, .. } => from.span(),
            _ => None,
        }
    }

    /// One line saying where the value came from, e.g. ``"`0x4E30` at ~/.openclaw/gw.json5:3:11"``.
    pub fn describe(&self, sources: &SourceMap) -> String {
        match self {
            Origin::Config(s) => {
                let f = sources.get(s.file);
                format!(
                    "`{}` at {}",
                    one_line(f.shown_text().get(s.range()).unwrap_or("…")),
                    sources.locate(*s)
                )
            }
            Origin::EnvFile(s) => {
                let f = sources.get(s.file);
                let (line, _) = f.line_col(s.start as usize);
                format!(
                    "`{}` at {}:{line}",
                    one_line(f.shown_text().get(s.range()).unwrap_or("…")),
                    f.display
                )
            }
            Origin::ProcessEnv(name) => format!("`{name}` in the process environment"),
            Origin::Flag(flag) => format!("`{flag}`"),
            Origin::Derived { from, how } => format!("{how}, from {}", from.describe(sources)),
            Origin::Default(what) => what.clone(),
        }
    }
}

fn one_line(s: &str) -> String {
    let s = s.trim();
    match s.find(['\n', '\r']) {
        Some(i) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A value and its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Resolved<T> {
    pub fn new(value: T, origin: Origin) -> Resolved<T> {
        Resolved { value, origin }
    }
}

/// How an instance was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstanceKind {
    /// `~/.openclaw`, run without `--profile`.
    Default,
    /// `~/.openclaw-NAME`, run with `--profile NAME`.
    Profile,
    /// Given on the command line or in a manifest.
    Explicit,
}

/// One managed browser profile of an instance, after OpenClaw's own defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct BrowserProfile {
    pub name: String,
    pub driver: BrowserDriver,
    /// `cdpPort` as written in the config (or `openclaw`'s derived one).
    pub configured_port: Option<Resolved<i64>>,
    /// The endpoint OpenClaw talks CDP to: for extension profiles the relay port.
    pub endpoint: Option<Resolved<Endpoint>>,
    /// How the endpoint's port was chosen.
    pub port_kind: PortKind,
    /// Why the profile cannot be resolved (OpenClaw would throw).
    pub error: Option<String>,
}

/// How a browser profile's CDP port was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortKind {
    /// `cdpPort` written in the config.
    Pinned,
    /// The first port of the managed CDP range (`openclaw` without `browser.cdpUrl`).
    RangeStart,
    /// The port of a configured CDP URL.
    Url,
    /// An extension relay port counted down from browser control + 8.
    Relay,
    /// No port (an existing session without a URL, or an error).
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BrowserDriver {
    Openclaw,
    ExistingSession,
    Extension,
}

/// A normalised CDP endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    /// Lowercased host; IPv6 in brackets.
    pub host: String,
    pub port: i64,
}

impl Endpoint {
    /// Loopback per `src/gateway/net.ts` `isLoopbackHost`.
    pub fn is_loopback(&self) -> bool {
        crate::ports::is_loopback_host(&self.host)
    }
}

/// The ports an instance derives from its gateway port.
#[derive(Debug, Clone, PartialEq)]
pub struct PortMap {
    pub gateway: Resolved<i64>,
    /// Lower-precedence gateway port settings the winner overrode, by key.
    pub gateway_shadowed: Vec<(String, Origin)>,
    pub browser_control: Resolved<i64>,
    pub extension_relay: Resolved<i64>,
    pub cdp_range: Resolved<(i64, i64)>,
    /// MCP Apps sandbox host, only when `mcp.apps.enabled`.
    pub mcp_sandbox: Option<Resolved<i64>>,
}

/// An agent's workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    pub agent: String,
    pub path: Resolved<PathBuf>,
    /// The config key that set it (`agents.defaults.workspace`,
    /// `agents.entries.<id>.workspace`), if any.
    pub key: Option<String>,
    /// The agent owns the instance's default data (its workspace is the
    /// instance's workspace).
    pub owner: bool,
}

/// A channel credential, kept only as a hash.
#[derive(Debug, Clone, PartialEq)]
pub struct Credential {
    /// `channels.telegram.botToken`.
    pub key: String,
    /// `telegram`.
    pub channel: String,
    /// In-process hash (random keys per run): equal only if the secrets are equal.
    pub hash: u64,
    pub origin: Origin,
}

/// One gateway instance, resolved as OpenClaw resolves it.
#[derive(Debug, Clone)]
pub struct Instance {
    /// `default`, the profile name, or the explicit/manifest name.
    pub name: String,
    pub kind: InstanceKind,
    /// The `--profile` OpenClaw is run with, if any.
    pub profile: Option<String>,
    pub state_dir: Resolved<PathBuf>,
    pub config_path: Resolved<PathBuf>,
    /// The environment after flags, `.env` files and the config `env` block.
    pub env: Env,
    /// The merged, substituted config (`None` when missing or broken).
    pub config: Option<Node>,
    /// Every file this instance read.
    pub files: Vec<crate::source::FileId>,
    pub load_errors: Vec<LoadError>,
    /// Raw port values that OpenClaw rejects or ignores (for `invalid-port`).
    pub port_problems: Vec<PortProblem>,
    pub ports: PortMap,
    pub browser_profiles: Vec<BrowserProfile>,
    /// `browser.cdpUrl` after normalisation.
    pub cdp_url: Option<Resolved<Endpoint>>,
    /// The workspace of the agent that owns the instance's default data.
    pub workspace: Resolved<PathBuf>,
    pub workspaces: Vec<Workspace>,
    pub credentials: Vec<Credential>,
}

impl Instance {
    /// Whether the gateway binds the ports clawfence computed: its config loads
    /// and its gateway port is one OpenClaw can listen on. A config that does not
    /// load, or a port past 65535, keeps `gateway run` from starting at all.
    pub fn binds_ports(&self) -> bool {
        !self.load_errors.iter().any(|e| e.kind.is_fatal())
            && crate::ports::is_valid_port(self.ports.gateway.value)
            // A `gateway.port` the schema rejects (`1.5`) keeps the gateway down too.
            && !self
                .port_problems
                .iter()
                .any(|p| p.effect == PortEffect::Rejected && p.origin == self.ports.gateway.origin)
    }

    /// Whether browser control (and so the relays and the CDP range) fell back
    /// to the defaults because gateway + 2 passes 65535.
    pub fn control_fell_back(&self) -> bool {
        self.ports.browser_control.value != self.ports.gateway.value + 2
    }

    /// Whether the CDP range is the default 18800..=18899 by fallback.
    pub fn range_fell_back(&self) -> bool {
        self.control_fell_back()
            || self.ports.cdp_range.value.0 != self.ports.browser_control.value + 9
    }
}

/// A port value OpenClaw will not use as written.
#[derive(Debug, Clone, PartialEq)]
pub struct PortProblem {
    /// `gateway.port`, `OPENCLAW_GATEWAY_PORT`, `browser.profiles.x.cdpPort`.
    pub key: String,
    pub raw: String,
    pub origin: Origin,
    /// What OpenClaw does about it.
    pub effect: PortEffect,
}

/// What OpenClaw does with a port value it does not accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortEffect {
    /// Silently ignored (an environment variable is never schema-checked).
    Ignored,
    /// Rejected by the config schema: the gateway refuses to start.
    Rejected,
}

/// Something found while discovering instances that is not an instance.
#[derive(Debug, Clone, PartialEq)]
pub struct DiscoveryIssue {
    pub location: crate::load::Location,
    pub message: String,
    pub help: Option<String>,
}

/// Every instance on a host.
#[derive(Debug)]
pub struct Host {
    /// The HOME the instances run with.
    pub home: PathBuf,
    /// Paths below this directory are shown relative to it: the HOME (as `~/…`)
    /// or a manifest's directory (as `deploy/…`).
    pub display_base: PathBuf,
    /// `~` for a HOME, empty for a manifest directory.
    pub display_prefix: &'static str,
    pub instances: Vec<Instance>,
    pub issues: Vec<DiscoveryIssue>,
    pub sources: SourceMap,
}

impl Host {
    /// How a path is shown in every output.
    pub fn shown(&self, p: &std::path::Path) -> String {
        crate::load::display_path(p, &self.display_base, self.display_prefix)
    }

    pub fn instance(&self, name: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.name == name)
    }
}
