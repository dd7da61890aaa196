//! The resolved host: every instance, every value with where it came from.

use crate::load::env::Env;
use crate::load::json5::Node;
use crate::source::{SourceMap, Span};

// What rules read comes from here: provenance, the load problems an instance
// carries, and the places findings point at.
pub use crate::load::services::LauncherKind;
pub use crate::load::{LoadError, LoadErrorKind};
pub use crate::provenance::{Location, Origin, Resolved};
use std::path::PathBuf;

/// How an instance was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstanceKind {
    /// `~/.openclaw`, run without `--profile`.
    Default,
    /// `~/.openclaw-NAME`, run with `--profile NAME`.
    Profile,
    /// Given on the command line or in a manifest.
    Explicit,
    /// Started by a launcher whose state dir is no profile directory.
    Launcher,
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

/// When OpenClaw binds a port (`research/footprint.md`): a clash on a port bound
/// late lets both gateways start and fails only when the feature is first used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindWhen {
    /// At gateway start, always (the gateway port).
    Always,
    /// At gateway start, because a feature is on; says which (`mcp.apps.enabled`).
    AtStart(String),
    /// At gateway start, only because `OPENCLAW_EAGER_BROWSER_CONTROL_SERVER` is set.
    Eager,
    /// On the first browser request (extension relays).
    FirstBrowserUse,
    /// When that browser profile's Chrome is launched.
    ChromeLaunch,
}

impl BindWhen {
    /// Bound when the gateway starts, so a clash keeps it (or the feature) from starting.
    pub fn at_start(&self) -> bool {
        matches!(
            self,
            BindWhen::Always | BindWhen::AtStart(_) | BindWhen::Eager
        )
    }

    /// "at start", "at start, because `mcp.apps.enabled` is true", "on first browser use", …
    pub fn describe(&self) -> String {
        match self {
            BindWhen::Always => "at start".into(),
            BindWhen::AtStart(why) => format!("at start, {why}"),
            BindWhen::Eager => {
                "at start, only because `OPENCLAW_EAGER_BROWSER_CONTROL_SERVER` is set".into()
            }
            BindWhen::FirstBrowserUse => "on first browser use".into(),
            BindWhen::ChromeLaunch => "when its Chrome is launched".into(),
        }
    }

    /// A short tag for tables and JSON: `always`, `feature`, `eager`,
    /// `first-browser-use`, `chrome-launch`.
    pub fn tag(&self) -> &'static str {
        match self {
            BindWhen::Always => "always",
            BindWhen::AtStart(_) => "feature",
            BindWhen::Eager => "eager",
            BindWhen::FirstBrowserUse => "first-browser-use",
            BindWhen::ChromeLaunch => "chrome-launch",
        }
    }
}

/// A listener whose port does not follow from the gateway port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ListenerKind {
    /// `gog gmail watch serve`, the child of the Gmail watcher (default 8788).
    GmailWatch,
    /// A Telegram account's webhook listener (default 8787).
    TelegramWebhook,
    /// `gateway.portals.ingress.port`.
    PortalIngress,
    /// Tailscale Serve/Funnel: port 443 of the host's tailnet node.
    TailscaleServe,
}

impl ListenerKind {
    /// "Gmail watcher port", as port-collision names it.
    pub fn what(self) -> &'static str {
        match self {
            ListenerKind::GmailWatch => "Gmail watcher port",
            ListenerKind::TelegramWebhook => "Telegram webhook port",
            ListenerKind::PortalIngress => "portal ingress port",
            ListenerKind::TailscaleServe => "Tailscale Serve port",
        }
    }
}

/// A fixed listener of an instance (`research/footprint.md`), only when bound.
#[derive(Debug, Clone, PartialEq)]
pub struct Listener {
    pub kind: ListenerKind,
    pub port: Resolved<i64>,
    /// The key that moves it: `hooks.gmail.serve.port`,
    /// `channels.telegram.accounts.ops.webhookPort`.
    pub key: String,
    /// OpenClaw's default when the key is unset (8788, 8787); `None` when the key
    /// is required or the port cannot be moved (tailnet 443).
    pub default: Option<i64>,
    /// The Telegram account it belongs to.
    pub account: Option<String>,
    pub when: BindWhen,
    /// On the host's tailnet node rather than a local address: it meets only
    /// other tailnet listeners, and all gateways of one host share that node.
    pub tailnet: bool,
}

/// Whether the browser plugin runs at all, and whether browser control is bound
/// at start (`extensions/browser/src/plugin-service.ts`).
#[derive(Debug, Clone, PartialEq)]
pub struct BrowserState {
    /// Where it was turned off (`browser.enabled: false`,
    /// `plugins.entries.browser.enabled: false`); `None` when it is on.
    pub disabled_by: Option<(String, Origin)>,
    /// `OPENCLAW_EAGER_BROWSER_CONTROL_SERVER` truthy and
    /// `OPENCLAW_SKIP_BROWSER_CONTROL_SERVER` not: browser control listens on B+2.
    pub eager_control: Option<Origin>,
}

impl BrowserState {
    pub fn enabled(&self) -> bool {
        self.disabled_by.is_none()
    }
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
    /// Fixed listeners (Gmail watcher, Telegram webhooks, portal ingress, Tailscale).
    pub listeners: Vec<Listener>,
    pub browser: BrowserState,
    /// The launcher that starts this instance, when one does.
    pub launcher: Option<LauncherInfo>,
    /// The compose service it runs as, when it runs in a container.
    pub container: Option<Container>,
}

/// A gateway run as a docker compose service.
#[derive(Debug, Clone, PartialEq)]
pub struct Container {
    pub project: String,
    pub service: String,
    /// The network namespace its ports live in: `None` for `network_mode: host`
    /// (its ports are host ports), else an id shared by the services that share
    /// it (`network_mode: service:X`).
    pub namespace: Option<String>,
    /// Ports published on the host (TCP), host → container.
    pub published: Vec<Published>,
    /// The service's key in the compose file.
    pub span: Span,
}

/// One published port: `127.0.0.1:18791:18789` is host `18791` → container `18789`.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    /// Empty for every address.
    pub host_ip: String,
    pub host_port: i64,
    pub container_port: i64,
    /// The `ports:` entry.
    pub span: Span,
    /// The entry as written.
    pub text: String,
    /// Variables interpolated into it, described (`` `GW_PORT=18789` at ~/.env:2 ``),
    /// with the line that set each.
    pub vars: Vec<(String, Span)>,
}

/// What starts an instance: a systemd unit, a launchd job, a Windows task script.
#[derive(Debug, Clone, PartialEq)]
pub struct LauncherInfo {
    pub kind: LauncherKind,
    /// `openclaw-gateway-rescue.service`, `ai.openclaw.rescue`, the task name.
    pub name: String,
    /// The unit, plist or script.
    pub file: crate::source::FileId,
    /// Whether the service manager starts it; `None` when files cannot tell.
    pub enabled: Option<bool>,
    /// `--port N` on its command line, as written.
    pub argv_port: Option<Resolved<String>>,
    /// Its command line as written (`ExecStart=`'s value, `ProgramArguments`).
    pub command: Option<Span>,
    /// The variables it sets (the last setting of each), with their places.
    pub env: Vec<(String, Resolved<String>)>,
    /// Every file it was read from: the unit or plist, drop-ins, environment
    /// files, a wrapper script.
    pub files: Vec<crate::source::FileId>,
}

impl LauncherInfo {
    pub fn env(&self, key: &str) -> Option<&Resolved<String>> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// "systemd user unit `openclaw-gateway-rescue.service`".
    pub fn describe(&self) -> String {
        format!("{} `{}`", self.kind.noun(), self.name)
    }
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
    /// The filesystem root launchers were read under (`--root`), when not `/`:
    /// a path below it is shown as the host sees it.
    pub root: Option<PathBuf>,
    pub instances: Vec<Instance>,
    pub issues: Vec<DiscoveryIssue>,
    /// What looked like an instance and is not one, and why (shown as notes).
    pub skipped: Vec<String>,
    pub sources: SourceMap,
    /// Which instances move where (`Host::plan`), built on first use.
    pub plan: std::sync::OnceLock<crate::plan::Plan>,
}

impl Host {
    /// How a path is shown in every output, a credential in it masked.
    pub fn shown(&self, p: &std::path::Path) -> String {
        let shown = crate::paths::shown(p, &self.display_base, self.display_prefix);
        match &self.root {
            Some(root) if shown.starts_with('/') => {
                crate::paths::below_root(p, root).unwrap_or(shown)
            }
            _ => shown,
        }
    }

    pub fn instance(&self, name: &str) -> Option<&Instance> {
        // Instances are sorted by name (`build_host`): O(log n), which findings
        // about thousands of instances need.
        match self
            .instances
            .binary_search_by(|i| i.name.as_str().cmp(name))
        {
            Ok(k) => Some(&self.instances[k]),
            Err(_) => self.instances.iter().find(|i| i.name == name),
        }
    }
}
