//! The rules: one plain list, one pure function per rule, one file per rule.
//!
//! A rule reads the resolved [`Host`] and pushes [`Finding`]s; it does no I/O and
//! prints nothing. Shared vocabulary (port inventory, help lines, labels) lives here.

mod base_ports_too_close;
mod cdp_range_fallback;
mod cdp_range_overlap;
mod invalid_config;
mod invalid_port;
mod port_collision;
mod shared_cdp_url;
mod shared_channel_token;
mod shared_config_file;
mod shared_state_dir;
mod shared_workspace;

use crate::finding::{Finding, Label, Severity};
use crate::load::Location;
use crate::model::{BrowserDriver, Host, Instance, InstanceKind, Origin, PortKind};
use crate::ports;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// What a rule is, for the registry, `clawfence rules` and the docs.
#[derive(Debug)]
pub struct RuleMeta {
    /// Kebab-case, names the problem; the same string in the module, the docs page,
    /// the fixtures directory and the JSON `checkId`.
    pub id: &'static str,
    /// The `checkId` namespace: `isolation` for the static rules, `preflight` for
    /// the live checks of `clawfence preflight`.
    pub group: &'static str,
    pub default_severity: Severity,
    /// One lowercase line: the first paragraph of `rules/<id>.md`.
    pub summary: &'static str,
    /// `rules/<id>.md`, printed by `clawfence explain <id>`.
    pub docs: &'static str,
}

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
    port_collision::RULE,
    shared_cdp_url::RULE,
    shared_channel_token::RULE,
    shared_config_file::RULE,
    shared_state_dir::RULE,
    shared_workspace::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.meta.id == id)
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
    // One run sees one filesystem: each path is canonicalised once.
    let outer = CANONICAL.with(|c| c.borrow_mut().replace(Default::default()));
    let findings = check_all(host, selection);
    CANONICAL.with(|c| *c.borrow_mut() = outer);
    findings
}

fn check_all(host: &Host, selection: &Selection) -> Vec<Finding> {
    let mut findings = Vec::new();
    for rule in RULES.iter().filter(|r| selection.includes(r.meta.id)) {
        (rule.check)(host, &mut findings);
    }
    let mut findings = keep_strongest(findings);
    findings.sort_by(|a, b| {
        (a.rule.id, &a.instances, &a.message).cmp(&(b.rule.id, &b.instances, &b.message))
    });
    findings
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
    match (&i.kind, &i.profile) {
        // why: `--profile` points `config set` at `~/.openclaw-<profile>/openclaw.json`
        // (`src/cli/profile.ts`), not at the committed file an explicit instance reads.
        (InstanceKind::Explicit, _) => format!(
            "OPENCLAW_CONFIG_PATH={} openclaw",
            host.shown(&i.config_path.value)
        ),
        (_, Some(p)) if p == "dev" => "openclaw --dev".into(),
        (_, Some(p)) => format!("openclaw --profile {p}"),
        _ => "openclaw".into(),
    }
}

/// A help line that moves `i` to gateway port `port`, written where its port is set.
pub(crate) fn move_port_help(host: &Host, i: &Instance, port: i64) -> String {
    crate::plan::base_step(host, i, port).help
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
        .filter(|o| o.name != i.name && !o.range_fell_back())
        .map(|o| o.ports.cdp_range.value)
        .collect();
    let (start, end) = i.ports.cdp_range.value;
    (start..=end).find(|p| !taken.contains(p) && !others.iter().any(|(s, e)| (s..=e).contains(&p)))
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
}

impl PortUse {
    /// "CDP port `18850` of browser profile `research`".
    pub fn noun(&self) -> String {
        match &self.profile {
            Some(p) => format!("{} `{}` of browser profile `{p}`", self.what, self.port),
            None => format!("{} `{}`", self.what, self.port),
        }
    }

    /// "CDP port `18850` of browser profile `research` of `rescue`".
    pub fn describe(&self, instance: &str) -> String {
        format!("{} of `{instance}`", self.noun())
    }

    /// "CDP port of `openclaw`", "browser control": a use without its port.
    pub fn short(&self) -> String {
        match &self.profile {
            Some(p) => format!("{} of `{p}`", self.what),
            None => self.what.trim_end_matches(" port").to_string(),
        }
    }
}

/// Every concrete local port of an instance: gateway, browser control, the MCP
/// sandbox, each extension relay, and each loopback CDP port of its browser profiles.
pub(crate) fn port_uses(i: &Instance) -> Vec<PortUse> {
    let p = &i.ports;
    let control_fell_back = i.control_fell_back();
    let range_fell_back = i.range_fell_back();
    let mut out = vec![
        PortUse {
            port: p.gateway.value,
            what: "gateway port".into(),
            origin: p.gateway.origin.clone(),
            fallback: false,
            from_url: false,
            from_gateway: true,
            profile: None,
            key: gateway_key(&p.gateway.origin).map(str::to_string),
        },
        PortUse {
            port: p.browser_control.value,
            what: "browser control port".into(),
            origin: p.browser_control.origin.clone(),
            fallback: control_fell_back,
            from_url: false,
            from_gateway: true,
            profile: None,
            key: gateway_key(&p.gateway.origin).map(str::to_string),
        },
    ];
    if let Some(m) = &p.mcp_sandbox {
        out.push(PortUse {
            port: m.value,
            what: "MCP Apps sandbox port".into(),
            origin: m.origin.clone(),
            fallback: false,
            from_url: false,
            from_gateway: matches!(m.origin, Origin::Derived { .. }),
            profile: None,
            key: Some(match m.origin {
                Origin::Derived { .. } => "gateway.port".into(),
                _ => "mcp.apps.sandboxPort".into(),
            }),
        });
    }
    for b in &i.browser_profiles {
        let Some(ep) = &b.endpoint else { continue };
        let what = match b.driver {
            BrowserDriver::Extension => "extension relay",
            BrowserDriver::Openclaw if ep.value.is_loopback() => "CDP port",
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
        });
    }
    out
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

thread_local! {
    /// `fs::canonicalize` results during one [`check`] (a dense host asks for the
    /// same directories from several rules and the plan).
    static CANONICAL: std::cell::RefCell<Option<std::collections::HashMap<PathBuf, Option<PathBuf>>>> =
        const { std::cell::RefCell::new(None) };
}

fn canonicalize_cached(p: &Path) -> Option<PathBuf> {
    let active = CANONICAL.with(|c| c.borrow().as_ref().map(|map| map.get(p).cloned()));
    match active {
        None => std::fs::canonicalize(p).ok(),
        Some(Some(known)) => known,
        Some(None) => {
            let real = canonicalize_stepwise(p);
            CANONICAL.with(|c| {
                if let Some(map) = c.borrow_mut().as_mut() {
                    map.insert(p.to_path_buf(), real.clone());
                }
            });
            real
        }
    }
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
