//! The rules: one plain list, one pure function per rule, one file per rule.
//!
//! A rule reads the resolved [`Host`] and pushes [`Finding`]s; it does no I/O and
//! prints nothing. Shared vocabulary (port inventory, help lines, labels) lives here.

mod base_ports_too_close;
mod cdp_range_fallback;
mod cdp_range_overlap;
mod invalid_config;
mod invalid_port;
mod leaked_env_override;
mod port_collision;
mod service_drift;
mod shared_cdp_url;
mod shared_channel_token;
mod shared_config_file;
mod shared_state_dir;
mod shared_workspace;

use crate::finding::{Finding, Label};
use crate::model::Location;
use crate::model::{
    BindWhen, BrowserDriver, Host, Instance, InstanceKind, ListenerKind, Origin, PortKind,
};
use crate::ports;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use crate::finding::RuleMeta;

/// A rule: its metadata and its check.
pub struct Rule {
    pub meta: &'static RuleMeta,
    pub check: fn(&Host, &mut Vec<Finding>),
}

/// Every rule, alphabetical.
pub static RULES: &[Rule] = &[
    base_ports_too_close::RULE,
    cdp_range_fallback::RULE,
    cdp_range_overlap::RULE,
    invalid_config::RULE,
    invalid_port::RULE,
    leaked_env_override::RULE,
    port_collision::RULE,
    service_drift::RULE,
    shared_cdp_url::RULE,
    shared_channel_token::RULE,
    shared_config_file::RULE,
    shared_state_dir::RULE,
    shared_workspace::RULE,
];

/// A rule by id as users write it: `port-collision` or, as doctor's JSON names
/// it, `isolation/port-collision`.
pub fn find(id: &str) -> Option<&'static Rule> {
    let id = id.trim();
    RULES.iter().find(|r| is_id(r.meta, id))
}

/// Whether `id` names `meta`, bare or with its group.
fn is_id(meta: &RuleMeta, id: &str) -> bool {
    meta.id == id
        || id
            .strip_prefix(meta.group)
            .and_then(|s| s.strip_prefix('/'))
            .is_some_and(|s| s == meta.id)
}

/// Every id `clawfence` can report: the rules, then the checks of its own
/// suppressions (which run after the rules, see [`crate::suppress`]).
pub fn all_metas() -> impl Iterator<Item = &'static RuleMeta> {
    RULES
        .iter()
        .map(|r| r.meta)
        .chain(crate::suppress::METAS.iter().copied())
}

/// Any reportable id, bare or with its group.
pub fn find_meta(id: &str) -> Option<&'static RuleMeta> {
    let id = id.trim();
    all_metas().find(|m| is_id(m, id))
}

/// The known id nearest to a misspelt one, when it is near enough to be meant.
pub fn suggest(id: &str) -> Option<&'static str> {
    let bare = id
        .trim()
        .rsplit('/')
        .next()
        .unwrap_or(id)
        .to_ascii_lowercase();
    let ids: Vec<&'static str> = all_metas().map(|m| m.id).collect();
    nearest(&bare, &ids)
}

/// The nearest of `known` to `word`, when near enough to be meant: rule ids
/// here, settings keys and levels in `config`.
pub fn nearest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(word, k), *k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .min()
        .map(|(_, k)| k)
}

/// "no rule `port-colision`; did you mean `port-collision`?": the message for
/// an unknown id, wherever it was written.
pub fn unknown_rule(id: &str) -> String {
    match suggest(id) {
        Some(s) => format!("no rule `{id}`; did you mean `{s}`?"),
        None => format!("no rule `{id}`; `clawfence rules` lists them"),
    }
}

/// Which rules run.
#[derive(Debug, Default, Clone)]
pub struct Selection {
    /// Only these (empty: all).
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

impl Selection {
    pub fn includes(&self, id: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|o| o == id))
            && !self.skip.iter().any(|s| s == id)
    }
}

/// Runs the selected rules, keeps the strongest finding per group of instances and
/// root cause, and sorts the result.
pub fn check(host: &Host, selection: &Selection) -> Vec<Finding> {
    let rules: Vec<&Rule> = RULES
        .iter()
        .filter(|r| selection.includes(r.meta.id))
        .collect();
    let mut findings = run_rules(host, &rules);
    findings = keep_strongest(findings);
    for f in &mut findings {
        note_disabled_launchers(host, f);
    }
    findings.sort_by(|a, b| {
        (a.rule.id, &a.instances, &a.message).cmp(&(b.rule.id, &b.instances, &b.message))
    });
    findings
}

/// Below this many instances the rules run on the calling thread: starting
/// threads costs more than the rules of a small host take.
const PARALLEL_FROM: usize = 256;

/// Every finding of `rules`, on every core of a large host. Rules are pure
/// functions of the host, so their order does not matter (findings are sorted
/// afterwards); the plan is built once, by the first rule that asks for it.
fn run_rules(host: &Host, rules: &[&Rule]) -> Vec<Finding> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(rules.len());
    let cache = CanonicalCache::default();
    if threads <= 1 || host.instances.len() < PARALLEL_FROM {
        return with_canonical_cache(&cache, || {
            let mut out = Vec::new();
            for rule in rules {
                (rule.check)(host, &mut out);
            }
            out
        });
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        with_canonical_cache(&cache, || {
            let mut out = Vec::new();
            loop {
                match rules.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                    Some(rule) => (rule.check)(host, &mut out),
                    None => return out,
                }
            }
        })
    };
    std::thread::scope(|s| {
        let workers: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut out = work();
        for w in workers {
            match w.join() {
                Ok(found) => out.extend(found),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

/// Runs `f` with `cache` as this thread's cache of canonical paths: one run
/// sees one filesystem, and each path is canonicalised once.
fn with_canonical_cache<T>(cache: &CanonicalCache, f: impl FnOnce() -> T) -> T {
    let outer = CANONICAL.with(|c| c.borrow_mut().replace(cache.clone()));
    let out = f();
    CANONICAL.with(|c| *c.borrow_mut() = outer);
    out
}

/// An installed but disabled launcher is still a launcher (anyone can start it,
/// the next `enable` will): its findings say so.
fn note_disabled_launchers(host: &Host, f: &mut Finding) {
    for name in &f.instances {
        let Some(l) = host.instance(name).and_then(|i| i.launcher.as_ref()) else {
            continue;
        };
        if l.enabled == Some(false) {
            f.notes.push(format!(
                "`{name}` is started by {} (`{}`), which is installed but not enabled: it applies once the service is started",
                l.describe(),
                host.sources.get(l.file).display
            ));
        }
    }
}

/// `(stronger, weaker)`: when both fire for the same instances (or the weaker for
/// a subset of the stronger's), the weaker one is a consequence of the same root
/// cause and is not reported. Read transitively.
const DOMINATES: &[(&str, &str)] = &[
    ("port-collision", "base-ports-too-close"),
    ("base-ports-too-close", "cdp-range-overlap"),
    ("port-collision", "cdp-range-overlap"),
    ("shared-state-dir", "shared-config-file"),
    ("shared-state-dir", "shared-workspace"),
    ("shared-config-file", "shared-workspace"),
    // One config file read twice collides on every port and credential at once.
    ("shared-config-file", "port-collision"),
    ("shared-config-file", "shared-cdp-url"),
    ("shared-config-file", "shared-channel-token"),
    // A state dir or config shared through one inherited variable is that share.
    ("shared-state-dir", "leaked-env-override"),
    ("shared-config-file", "leaked-env-override"),
];

fn dominates(a: &str, b: &str) -> bool {
    let mut seen = vec![a];
    let mut i = 0;
    while i < seen.len() {
        for (x, y) in DOMINATES {
            if *x == seen[i] && !seen.contains(y) {
                if *y == b {
                    return true;
                }
                seen.push(y);
            }
        }
        i += 1;
    }
    false
}

/// Drops every finding that a stronger one covers (see [`DOMINATES`]).
fn keep_strongest(findings: Vec<Finding>) -> Vec<Finding> {
    let mut by_instance: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (n, f) in findings.iter().enumerate() {
        for i in &f.instances {
            by_instance.entry(i.as_str()).or_default().push(n);
        }
    }
    let covered: Vec<bool> = findings
        .iter()
        .map(|b| {
            let Some(first) = b.instances.first() else {
                return false;
            };
            by_instance[first.as_str()].iter().any(|&a| {
                let a = &findings[a];
                dominates(a.rule.id, b.rule.id)
                    && b.instances.len() <= a.instances.len()
                    && b.instances
                        .iter()
                        .all(|i| a.instances.binary_search(i).is_ok())
            })
        })
        .collect();
    findings
        .into_iter()
        .zip(covered)
        .filter(|(_, c)| !c)
        .map(|(f, _)| f)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::dominates;

    #[test]
    fn dominance_is_transitive_and_one_way() {
        assert!(dominates("shared-state-dir", "port-collision"));
        assert!(dominates("port-collision", "cdp-range-overlap"));
        assert!(!dominates("cdp-range-overlap", "port-collision"));
        assert!(!dominates("invalid-config", "port-collision"));
    }
}

// ---------------------------------------------------------------------------
// Shared vocabulary for rules.

/// A label at the place that authored `origin`, if it has one.
pub(crate) fn label(
    origin: &Origin,
    message: impl Into<String>,
    target: Option<&str>,
) -> Option<Label> {
    origin.span().map(|span| Label {
        location: Location::Span(span),
        message: message.into(),
        target: target.map(str::to_string),
    })
}

/// "`what` is the hash of profile name `rescue`": a note for a value without a place.
pub(crate) fn origin_note(host: &Host, what: &str, origin: &Origin) -> String {
    format!("{what} comes from {}", origin.describe(&host.sources))
}

/// Adds `origin` as the primary label, or as a secondary one when a primary is
/// set; an origin without a place becomes a note.
pub(crate) fn attach(
    host: &Host,
    f: &mut Finding,
    origin: &Origin,
    message: String,
    target: Option<&str>,
) {
    match label(origin, message.clone(), target) {
        Some(l) if f.primary.is_none() => f.primary = Some(l),
        Some(l) => f.secondary.push(l),
        None => f.notes.push(origin_note(host, &message, origin)),
    }
}

/// Labels an instance's gateway port where it was set, and every lower-precedence
/// setting it overrode ("`gateway.port` … is overridden by `OPENCLAW_GATEWAY_PORT`").
pub(crate) fn attach_gateway(host: &Host, f: &mut Finding, i: &Instance) {
    let gw = &i.ports.gateway;
    let text = format!("gateway port `{}` of `{}`", gw.value, i.name);
    attach(host, f, &gw.origin, text, gateway_key(&gw.origin));
    attach_shadowed(f, i);
}

/// Labels the gateway port settings of `i` that a higher-precedence one overrode.
pub(crate) fn attach_shadowed(f: &mut Finding, i: &Instance) {
    let gw = &i.ports.gateway;
    let winner = match &gw.origin {
        Origin::EnvFile(_) | Origin::ProcessEnv(_) => "`OPENCLAW_GATEWAY_PORT`".to_string(),
        Origin::Flag(flag) => format!("`{flag}`"),
        Origin::Launcher { what, .. } => match &i.launcher {
            Some(l) => format!("`--port` of {}", l.describe()),
            None => format!("`{what}`"),
        },
        _ => return,
    };
    for (key, origin) in &i.ports.gateway_shadowed {
        let text = format!("`{key}` of `{}` is overridden by {winner}", i.name);
        if let Some(l) = label(origin, text, Some(key)) {
            f.secondary.push(l);
        }
    }
}

/// The key that set a gateway port: `gateway.port` in a config, the variable in
/// an env file.
pub(crate) fn gateway_key(origin: &Origin) -> Option<&'static str> {
    match origin {
        Origin::Config(_) => Some("gateway.port"),
        Origin::EnvFile(_) | Origin::ProcessEnv(_) => Some("OPENCLAW_GATEWAY_PORT"),
        Origin::Launcher { what, .. } if what.starts_with("--port") => Some("--port"),
        Origin::Derived { from, .. } => gateway_key(from),
        _ => None,
    }
}

/// `` `a` and `b` ``, `` `a`, `b` and `c` ``.
pub(crate) fn names(list: &[String]) -> String {
    let quoted: Vec<String> = list.iter().map(|n| format!("`{n}`")).collect();
    join_and(&quoted)
}

/// `a`, `a and b`, `a, b and c`.
pub(crate) fn join_and(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

/// Which instance of a group should move: not the default one, else the last by name.
pub(crate) fn to_move<'h>(group: &[&'h Instance]) -> &'h Instance {
    group
        .iter()
        .rev()
        .find(|i| i.kind != InstanceKind::Default)
        .or_else(|| group.last())
        .copied()
        .expect("a group has instances")
}

/// The `openclaw` command prefix that addresses an instance.
pub(crate) fn openclaw_cmd(host: &Host, i: &Instance) -> String {
    if let Some(c) = &i.container {
        return format!(
            "docker compose -p {} exec {} openclaw{}",
            c.project,
            c.service,
            match &i.profile {
                Some(p) if p == "dev" => " --dev".to_string(),
                Some(p) => format!(" --profile {p}"),
                None => String::new(),
            }
        );
    }
    // why: `--profile` points `config set` at `~/.openclaw-<profile>/openclaw.json`
    // (`src/cli/profile.ts`) of whoever runs it: not at the committed file an
    // explicit instance reads, nor at the config of a service that runs as
    // another user or with a state dir of its own.
    let by_profile = host.home.join(match &i.profile {
        Some(p) => format!(".openclaw-{p}/openclaw.json"),
        None => ".openclaw/openclaw.json".into(),
    });
    if i.kind == InstanceKind::Explicit || i.config_path.value != by_profile {
        return format!(
            "OPENCLAW_CONFIG_PATH={} openclaw",
            host.shown(&i.config_path.value)
        );
    }
    match (&i.kind, &i.profile) {
        (_, Some(p)) if p == "dev" => "openclaw --dev".into(),
        (_, Some(p)) => format!("openclaw --profile {p}"),
        _ => "openclaw".into(),
    }
}

/// A help line that moves `i` to gateway port `port`, written where its port is set.
pub(crate) fn move_port_help(host: &Host, i: &Instance, port: i64) -> String {
    let lead = format!("move `{}` to base port `{port}`", i.name);
    match &i.ports.gateway.origin {
        Origin::EnvFile(span) if i.container.is_some() => format!(
            "{lead}: set `OPENCLAW_GATEWAY_PORT` to `{port}` at `{}` (the `environment:` of service `{}`)",
            host.sources.locate(*span),
            i.container
                .as_ref()
                .map(|c| c.service.as_str())
                .unwrap_or_default()
        ),
        Origin::Launcher { span, what } => format!(
            "{lead}: start it with `--port {port}` in place of `{what}` in `{}`",
            host.sources.get(span.file).display
        ),
        _ => crate::plan::base_step(host, i, port).help,
    }
}

/// A profile name for a launcher's own instance that no profile directory uses:
/// from its name (`openclaw-gateway-work.service` → `work`), else `gateway2`….
pub(crate) fn launcher_profile_suggestion(host: &Host, l: &crate::model::LauncherInfo) -> String {
    let stem = l
        .name
        .trim_end_matches(".service")
        .trim_start_matches("openclaw-gateway")
        .trim_start_matches("ai.openclaw.")
        .trim_start_matches(['-', '@', '.']);
    let base: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect::<String>()
        .trim_matches('-')
        .to_string();
    let taken = |p: &str| {
        host.home.join(format!(".openclaw-{p}")).exists()
            || host
                .instances
                .iter()
                .any(|i| i.profile.as_deref() == Some(p))
    };
    let base = if base.is_empty() || !ports::is_valid_profile_name(&base) {
        "gateway".to_string()
    } else {
        base
    };
    if !taken(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base}{n}"))
        .find(|p| !taken(p))
        .unwrap_or(base)
}

/// The gateway ports of every instance but `i`.
pub(crate) fn other_bases(host: &Host, i: &Instance) -> Vec<i64> {
    host.instances
        .iter()
        .filter(|o| o.name != i.name)
        .map(|o| o.ports.gateway.value)
        .collect()
}

/// The nearest base port for `i` that keeps its whole footprint clear of every
/// other instance's base by at least [`ports::FOOTPRINT`].
pub(crate) fn free_base(host: &Host, i: &Instance) -> Option<i64> {
    let near = i
        .ports
        .gateway
        .value
        .clamp(1, ports::MAX_PORT - ports::FOOTPRINT + 1);
    ports::nearest_free_base(near, &other_bases(host, i), ports::FOOTPRINT)
}

/// The first port of `i`'s own CDP range that no instance uses and no other
/// instance's range holds: where a pinned `cdpPort` can go.
pub(crate) fn free_cdp_slot(host: &Host, i: &Instance) -> Option<i64> {
    let taken: std::collections::HashSet<i64> = host
        .instances
        .iter()
        .flat_map(port_uses)
        .map(|u| u.port)
        .collect();
    let others: Vec<(i64, i64)> = binding(host)
        .filter(|o| o.name != i.name && !o.range_fell_back() && o.browser.enabled())
        .map(|o| o.ports.cdp_range.value)
        .collect();
    let (start, end) = i.ports.cdp_range.value;
    (start..=end).find(|p| !taken.contains(p) && !others.iter().any(|(s, e)| (s..=e).contains(&p)))
}

/// The first port above `from` for a fixed listener: not used by any instance,
/// outside every gateway's footprint (`B..=B+110`), and not another listener's
/// built-in port (another instance may turn that feature on).
pub(crate) fn free_listener_port(host: &Host, from: i64) -> Option<i64> {
    let mut taken: std::collections::HashSet<i64> = host
        .instances
        .iter()
        .flat_map(|o| {
            let gw = o.ports.gateway.value;
            port_uses(o)
                .into_iter()
                .map(|u| u.port)
                .chain(gw..=gw + ports::FOOTPRINT - 1)
        })
        .collect();
    taken.extend([
        crate::resolve::DEFAULT_GMAIL_SERVE_PORT,
        crate::resolve::DEFAULT_TELEGRAM_WEBHOOK_PORT,
    ]);
    (from + 1..=ports::MAX_PORT).find(|p| !taken.contains(p))
}

/// The help line for moving `i` off its port, with a computed free base.
pub(crate) fn free_port_help(host: &Host, i: &Instance) -> Option<String> {
    free_base(host, i).map(|p| move_port_help(host, i, p))
}

/// A port an instance binds (or attaches to), with what it is and where it came from.
#[derive(Debug, Clone)]
pub(crate) struct PortUse {
    pub port: i64,
    /// `gateway port`, `browser control port`, `extension relay`, `CDP port`, …
    pub what: String,
    pub origin: Origin,
    /// Derived by OpenClaw's fallback to the default ports (cdp-range-fallback's).
    pub fallback: bool,
    /// Taken from a configured CDP URL rather than bound by this instance's Chrome.
    pub from_url: bool,
    /// Follows from the gateway port (moving the base moves it).
    pub from_gateway: bool,
    /// The browser profile it belongs to.
    pub profile: Option<String>,
    /// The key that set it (`gateway.port`, `browser.profiles.x.cdpPort`, …).
    pub key: Option<String>,
    /// When OpenClaw binds it.
    pub when: BindWhen,
    /// A fixed listener (not derived from the gateway port), if it is one.
    pub listener: Option<ListenerKind>,
    /// The Telegram account it belongs to.
    pub account: Option<String>,
    /// On the host's tailnet node, not a local address.
    pub tailnet: bool,
}

impl PortUse {
    /// "CDP port `18850` of browser profile `research`".
    pub fn noun(&self) -> String {
        match (&self.profile, &self.account) {
            (Some(p), _) => format!("{} `{}` of browser profile `{p}`", self.what, self.port),
            (None, Some(a)) => format!("{} `{}` of account `{a}`", self.what, self.port),
            (None, None) => format!("{} `{}`", self.what, self.port),
        }
    }

    /// "CDP port `18850` of browser profile `research` of `rescue`".
    pub fn describe(&self, instance: &str) -> String {
        format!("{} of `{instance}`", self.noun())
    }

    /// "CDP port of `openclaw`", "browser control": a use without its port.
    pub fn short(&self) -> String {
        match (&self.profile, &self.account) {
            (Some(p), _) => format!("{} of `{p}`", self.what),
            (None, Some(a)) => format!("{} of account `{a}`", self.what.trim_end_matches(" port")),
            (None, None) if self.key.as_deref() == Some("ports") => self.what.clone(),
            (None, None) => self.what.trim_end_matches(" port").to_string(),
        }
    }

    /// Bound when the gateway starts (not lazily, on first use).
    pub fn at_start(&self) -> bool {
        self.when.at_start()
    }
}

/// Every concrete local port an instance binds: the gateway, the MCP sandbox, the
/// fixed listeners (Gmail watcher, Telegram webhooks, portal ingress), and, when
/// the browser plugin runs, browser control (only with the eager variable), each
/// extension relay and each loopback CDP port of its browser profiles. Ports that
/// are never bound (a disabled browser, a disabled channel) are not here; the
/// tailnet's :443 is [`tailnet_uses`]'.
pub(crate) fn port_uses(i: &Instance) -> Vec<PortUse> {
    let p = &i.ports;
    let control_fell_back = i.control_fell_back();
    let range_fell_back = i.range_fell_back();
    let base = |port: i64, what: &str, origin: &Origin, when: BindWhen| PortUse {
        port,
        what: what.into(),
        origin: origin.clone(),
        fallback: false,
        from_url: false,
        from_gateway: true,
        profile: None,
        key: gateway_key(&p.gateway.origin).map(str::to_string),
        when,
        listener: None,
        account: None,
        tailnet: false,
    };
    let mut out = vec![base(
        p.gateway.value,
        "gateway port",
        &p.gateway.origin,
        BindWhen::Always,
    )];
    // why: `extensions/browser/src/plugin-service.ts`: B+2 listens only with
    // `OPENCLAW_EAGER_BROWSER_CONTROL_SERVER` (see `resolve/browser/state.rs`).
    if i.browser.enabled() && i.browser.eager_control.is_some() {
        out.push(PortUse {
            fallback: control_fell_back,
            ..base(
                p.browser_control.value,
                "browser control port",
                &p.browser_control.origin,
                BindWhen::Eager,
            )
        });
    }
    if let Some(m) = &p.mcp_sandbox {
        let derived = matches!(m.origin, Origin::Derived { .. });
        out.push(PortUse {
            from_gateway: derived,
            key: Some(if derived {
                "gateway.port".into()
            } else {
                "mcp.apps.sandboxPort".into()
            }),
            ..base(
                m.value,
                "MCP Apps sandbox port",
                &m.origin,
                BindWhen::AtStart("because `mcp.apps.enabled` is true".into()),
            )
        });
    }
    out.extend(i.listeners.iter().filter(|l| !l.tailnet).map(listener_use));
    if !i.browser.enabled() {
        return out;
    }
    for b in &i.browser_profiles {
        let Some(ep) = &b.endpoint else { continue };
        let (what, when) = match b.driver {
            BrowserDriver::Extension => ("extension relay", BindWhen::FirstBrowserUse),
            BrowserDriver::Openclaw if ep.value.is_loopback() => {
                ("CDP port", BindWhen::ChromeLaunch)
            }
            // A remote browser or an existing session is an endpoint, not a local port.
            _ => continue,
        };
        let from_url = b.port_kind == PortKind::Url;
        let fallback = (b.port_kind == PortKind::Relay && control_fell_back)
            || (b.port_kind == PortKind::RangeStart && range_fell_back);
        out.push(PortUse {
            port: ep.value.port,
            what: what.into(),
            origin: ep.origin.clone(),
            fallback,
            from_url,
            from_gateway: matches!(b.port_kind, PortKind::Relay | PortKind::RangeStart),
            profile: Some(b.name.clone()),
            key: match b.port_kind {
                PortKind::Relay | PortKind::RangeStart => {
                    gateway_key(&p.gateway.origin).map(str::to_string)
                }
                PortKind::Url if b.name == "openclaw" && i.cdp_url.is_some() => {
                    Some("browser.cdpUrl".into())
                }
                PortKind::Url => Some(format!("browser.profiles.{}.cdpUrl", b.name)),
                _ => Some(format!("browser.profiles.{}.cdpPort", b.name)),
            },
            when,
            listener: None,
            account: None,
            tailnet: false,
        });
    }
    out
}

/// The ports an instance claims on the host's tailnet node (Tailscale Serve or
/// Funnel on :443): every gateway of one host shares that node.
pub(crate) fn tailnet_uses(i: &Instance) -> Vec<PortUse> {
    i.listeners
        .iter()
        .filter(|l| l.tailnet)
        .map(listener_use)
        .collect()
}

fn listener_use(l: &crate::model::Listener) -> PortUse {
    PortUse {
        port: l.port.value,
        what: l.kind.what().into(),
        origin: l.port.origin.clone(),
        fallback: false,
        from_url: false,
        from_gateway: false,
        profile: None,
        key: Some(l.key.clone()),
        when: l.when.clone(),
        listener: Some(l.kind),
        account: l.account.clone(),
        tailnet: l.tailnet,
    }
}

/// The state dir OpenClaw gives an instance when nothing overrides it:
/// `~/.openclaw` for the default instance, `~/.openclaw-NAME` for a profile.
pub(crate) fn own_state_dir(host: &Host, i: &Instance) -> PathBuf {
    match &i.profile {
        Some(p) if !p.eq_ignore_ascii_case("default") => host.home.join(format!(".openclaw-{p}")),
        _ => host.home.join(".openclaw"),
    }
}

/// The instance of a group that deviates from its own default (`origin` of the
/// value is an override rather than OpenClaw's default for it), else [`to_move`].
pub(crate) fn borrower<'h>(
    group: &[&'h Instance],
    deviates: impl Fn(&Instance) -> bool,
) -> &'h Instance {
    group
        .iter()
        .rev()
        .find(|i| deviates(i))
        .copied()
        .unwrap_or_else(|| to_move(group))
}

/// The instances whose ports are real: the port rules look only at these.
pub(crate) fn binding(host: &Host) -> impl Iterator<Item = &Instance> {
    host.instances.iter().filter(|i| i.binds_ports())
}

/// A path compared the way the filesystem sees it: symlinks resolved where the
/// path exists (deepest existing ancestor), `..` folded everywhere.
pub(crate) fn canonical(p: &Path) -> PathBuf {
    let mut existing = p.to_path_buf();
    let mut rest: Vec<std::ffi::OsString> = Vec::new();
    loop {
        if let Some(real) = canonicalize_cached(&existing) {
            let mut out = real;
            for part in rest.iter().rev() {
                out.push(part);
            }
            return out;
        }
        match (
            existing.file_name().map(|n| n.to_os_string()),
            existing.parent(),
        ) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return p.to_path_buf(),
        }
    }
}

/// `fs::canonicalize` results of one [`check`], shared by its threads.
type CanonicalCache =
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<PathBuf, Option<PathBuf>>>>;

thread_local! {
    /// The cache of the [`check`] this thread works for (a dense host asks for
    /// the same directories from several rules and the plan).
    static CANONICAL: std::cell::RefCell<Option<CanonicalCache>> =
        const { std::cell::RefCell::new(None) };
}

fn canonicalize_cached(p: &Path) -> Option<PathBuf> {
    let Some(cache) = CANONICAL.with(|c| c.borrow().clone()) else {
        return std::fs::canonicalize(p).ok();
    };
    let known = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(p)
        .cloned();
    if let Some(known) = known {
        return known;
    }
    // Not under the lock: this recurses into the parent.
    let real = canonicalize_stepwise(p);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(p.to_path_buf(), real.clone());
    real
}

/// `realpath` one component at a time over the cached parent: one `lstat` per
/// new path instead of a `readlink` per component (a dense host has thousands of
/// paths below one HOME). Symlinks and `.`/`..` go to `fs::canonicalize`.
fn canonicalize_stepwise(p: &Path) -> Option<PathBuf> {
    use std::path::Component;
    let simple = p.is_absolute()
        && p.components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)));
    let (Some(parent), Some(name), true) = (p.parent(), p.file_name(), simple) else {
        return std::fs::canonicalize(p).ok();
    };
    let here = canonicalize_cached(parent)?.join(name);
    match std::fs::symlink_metadata(&here) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(&here).ok(),
        Ok(_) => Some(here),
        Err(_) => None,
    }
}

/// Groups of items sharing a key, and pairs where one key is a path inside
/// another, in n log n: `items` are `(canonical path, payload)`.
pub(crate) struct PathGroups<T> {
    /// Items with the same path and at least two distinct owners.
    pub equal: Vec<Vec<T>>,
    /// `(outer, inner)` where inner's path lies inside outer's.
    pub nested: Vec<(T, T)>,
}

pub(crate) fn group_paths<T: Clone>(mut items: Vec<(PathBuf, String, T)>) -> PathGroups<T> {
    items.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut equal = Vec::new();
    let mut nested = Vec::new();
    let mut i = 0;
    // Distinct paths in sorted order, with the first owner's item for each.
    let mut stack: Vec<(PathBuf, String, T)> = Vec::new();
    while i < items.len() {
        let mut j = i;
        while j < items.len() && items[j].0 == items[i].0 {
            j += 1;
        }
        let owners: BTreeSet<&String> = items[i..j].iter().map(|x| &x.1).collect();
        if owners.len() > 1 {
            equal.push(items[i..j].iter().map(|x| x.2.clone()).collect());
        }
        let (path, owner, payload) = items[i].clone();
        while stack.last().is_some_and(|(p, _, _)| !path.starts_with(p)) {
            stack.pop();
        }
        if let Some((_, _, outer)) = stack.iter().rev().find(|(_, o, _)| *o != owner) {
            nested.push((outer.clone(), payload.clone()));
        }
        stack.push((path, owner, payload));
        i = j;
    }
    PathGroups { equal, nested }
}

/// The instances of a host by name.
pub(crate) fn by_name<'h>(host: &'h Host, name: &str) -> &'h Instance {
    host.instance(name).expect("finding names a known instance")
}

// ---------------------------------------------------------------------------
// Network namespaces: a container's ports live in its own namespace; only its
// published ports meet the host's. The port rules see ports through this layer.

/// The network a port is bound in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Net {
    /// The host's: native instances and `network_mode: host` containers.
    Host,
    /// A container's own namespace (shared by `network_mode: service:X`).
    Container(String),
}

/// Where `i`'s own ports are bound.
pub(crate) fn net(i: &Instance) -> Net {
    match i.container.as_ref().and_then(|c| c.namespace.as_ref()) {
        Some(ns) => Net::Container(ns.clone()),
        None => Net::Host,
    }
}

/// Every port `i` occupies, with the namespace it occupies it in: a native
/// instance's [`port_uses`] on the host; a container's inside its namespace, plus
/// each published port on the host (named after the container port behind it).
pub(crate) fn net_port_uses(i: &Instance) -> Vec<(Net, PortUse)> {
    let uses = port_uses(i);
    let own = net(i);
    let mut out: Vec<(Net, PortUse)> = Vec::new();
    if let (Some(c), Net::Container(_)) = (&i.container, &own) {
        for p in &c.published {
            let Some(mut u) = uses
                .iter()
                .find(|u| u.port == p.container_port)
                .or(uses.first())
                .cloned()
            else {
                continue;
            };
            u.port = p.host_port;
            u.what = "published port".into();
            u.origin = Origin::Launcher {
                span: p.span,
                what: p.text.clone(),
            };
            u.fallback = false;
            u.from_url = false;
            u.from_gateway = false;
            u.profile = None;
            u.key = Some("ports".into());
            out.push((Net::Host, u));
        }
    }
    out.extend(uses.into_iter().map(|u| (own.clone(), u)));
    out
}

/// What a published port of `i` forwards to, for notes: "`oc-gw` publishes host
/// port `18791` from its gateway port `18789` inside its own network namespace".
pub(crate) fn published_note(i: &Instance, host_port: i64) -> Option<String> {
    let c = i.container.as_ref()?;
    let p = c.published.iter().find(|p| p.host_port == host_port)?;
    let inner = port_uses(i)
        .into_iter()
        .find(|u| u.port == p.container_port)
        .map(|u| format!("its {}", u.noun()))
        .unwrap_or_else(|| format!("container port `{}`", p.container_port));
    let via = if p.vars.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = p.vars.iter().map(|(d, _)| d.clone()).collect();
        format!(" (interpolated from {})", join_and(&list))
    };
    Some(format!(
        "`{}` publishes host port `{host_port}`{via} from {inner} inside its own network namespace",
        i.name
    ))
}

/// Labels at the `.env` lines a published host port of `i` was interpolated from.
pub(crate) fn published_labels(i: &Instance, host_port: i64) -> Vec<Label> {
    let Some(c) = &i.container else {
        return vec![];
    };
    c.published
        .iter()
        .filter(|p| p.host_port == host_port)
        .flat_map(|p| &p.vars)
        .map(|(d, span)| Label {
            location: Location::Span(*span),
            message: format!(
                "`{}` of `{}` comes from here",
                d.split('=').next().unwrap_or(d).trim_matches('`'),
                i.name
            ),
            target: d.split('=').next().map(|k| k.trim_matches('`').to_string()),
        })
        .collect()
}

/// Which instance of a group should move: a container that publishes one of the
/// ports (re-publishing is the smallest change), else [`to_move`].
pub(crate) fn to_move_net<'h>(group: &[&'h Instance], ports: &[i64]) -> &'h Instance {
    group
        .iter()
        .rev()
        .find(|i| {
            i.container.as_ref().is_some_and(|c| {
                c.namespace.is_some() && c.published.iter().any(|p| ports.contains(&p.host_port))
            })
        })
        .copied()
        .unwrap_or_else(|| to_move(group))
}

/// A help line that publishes `i`'s port `u` (a `ports:` entry) on a host port
/// that nothing on the host uses and no host instance's range holds.
pub(crate) fn publish_help(host: &Host, i: &Instance, u: &PortUse) -> Option<String> {
    let c = i.container.as_ref()?;
    let p = c
        .published
        .iter()
        .find(|p| Some(p.span) == u.origin.span() && p.host_port == u.port)?;
    let mut taken: Vec<(i64, i64)> = Vec::new();
    for o in binding(host) {
        for (n, x) in net_port_uses(o) {
            if n == Net::Host {
                taken.push((x.port, x.port));
            }
        }
        if net(o) == Net::Host {
            // The whole footprint of a host gateway, relays and CDP range included.
            let base = o.ports.gateway.value;
            taken.push((base, base + ports::FOOTPRINT - 1));
            taken.push(o.ports.cdp_range.value);
        }
    }
    let free = (p.host_port + 1..=ports::MAX_PORT)
        .chain((1024..p.host_port).rev())
        .find(|n| !taken.iter().any(|(s, e)| (s..=e).contains(&n)))?;
    // A host port that came from a variable is changed where the variable is set.
    let suffix = format!("={}`", p.host_port);
    if let Some((d, span)) = p.vars.iter().find(|(d, _)| d.contains(&suffix)) {
        let name = d.split('=').next().unwrap_or(d).trim_matches('`');
        return Some(format!(
            "publish `{}` on a free host port: set `{name}={free}` in `{}`",
            i.name,
            host.sources.get(span.file).display
        ));
    }
    let old = format!("{}:{}", p.host_port, p.container_port);
    let new_text = if p.text.contains(&old) {
        p.text
            .replacen(&old, &format!("{free}:{}", p.container_port), 1)
    } else {
        format!("{free}:{}", p.container_port)
    };
    Some(format!(
        "publish `{}` on a free host port: `{new_text}` in place of `{}` in `{}`",
        i.name,
        p.text,
        host.sources.get(p.span.file).display
    ))
}

/// At most this many labels in one finding: a cluster of a dense host would
/// otherwise print thousands of frames (every instance is still in `instances`).
pub(crate) const MAX_LABELS: usize = 12;
/// At most this many names in a message.
const MAX_NAMES: usize = 8;

/// [`names`], capped: `` `a`, `b`, … `h` and `12` more ``.
pub(crate) fn names_capped(list: &[String]) -> String {
    if list.len() <= MAX_NAMES {
        return names(list);
    }
    let shown: Vec<String> = list[..MAX_NAMES].iter().map(|n| format!("`{n}`")).collect();
    format!("{} and `{}` more", shown.join(", "), list.len() - MAX_NAMES)
}

/// Sets the help line and edits of `f` from the host's plan for these
/// instances; false when the plan changes none of them.
pub(crate) fn plan_help(host: &Host, f: &mut Finding, names: &[String]) -> bool {
    match host.plan().help_for(names) {
        Some((help, edits)) => {
            f.help = Some(help);
            f.edits = edits;
            true
        }
        None => false,
    }
}

/// The instances the plan moves or changes among `group`, then the others: the
/// first [`MAX_LABELS`] of that order (labels and the mover are all it is for).
pub(crate) fn movers_first<'h>(host: &Host, group: &[&'h Instance]) -> Vec<&'h Instance> {
    let plan = host.plan();
    let changed = |i: &Instance| {
        plan.steps_for(std::slice::from_ref(&i.name))
            .next()
            .is_some()
    };
    let mut out: Vec<&Instance> = group
        .iter()
        .copied()
        .filter(|i| changed(i))
        .take(MAX_LABELS)
        .collect();
    if out.is_empty() {
        out.push(to_move(group));
    }
    let room = MAX_LABELS.saturating_sub(out.len()).max(1);
    let rest: Vec<&Instance> = group
        .iter()
        .copied()
        .filter(|i| !out.iter().any(|o| o.name == i.name))
        .take(room)
        .collect();
    out.extend(rest);
    out
}

/// Each instance's position in `host.instances`, by name: the nodes of [`Clusters`].
pub(crate) fn instance_index(host: &Host) -> std::collections::HashMap<&str, usize> {
    host.instances
        .iter()
        .enumerate()
        .map(|(k, i)| (i.name.as_str(), k))
        .collect()
}

/// Union-find over instance indices: the connected clusters of a conflict graph.
pub(crate) struct Clusters {
    parent: Vec<usize>,
}

impl Clusters {
    pub fn new(n: usize) -> Clusters {
        Clusters {
            parent: (0..n).collect(),
        }
    }

    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    pub fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            self.parent[a.max(b)] = a.min(b);
        }
    }
}
