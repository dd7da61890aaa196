//! The profile list OpenClaw works with: the configured `browser.profiles`, its
//! `||=` defaults (`openclaw`, `user`, `chrome`) and the extension relay ports
//! (`extensions/browser/src/browser/config.ts` `resolveBrowserConfig`,
//! `resolveExtensionRelayPorts`).

use super::Errors;
use crate::load::json5::{Node, Value};
use crate::model::{BrowserDriver, Origin, PortEffect, PortKind, PortMap, PortProblem, Resolved};
use crate::ports;
use crate::resolve::gateway::{raw_value, schema_port};

/// A profile before its endpoint is resolved.
pub(super) struct RawProfile<'n> {
    pub(super) name: String,
    /// Its config entry (`None` for a default OpenClaw filled in).
    pub(super) node: Option<&'n Node>,
    pub(super) cdp_port: Option<Resolved<i64>>,
    /// How `cdp_port` was chosen when OpenClaw filled it in.
    pub(super) port_kind: PortKind,
    pub(super) driver: BrowserDriver,
    /// `browser.cdpUrl`, inherited by `openclaw` when it is a ws(s) URL.
    pub(super) implicit_url: Option<(ports::CdpUrl, Origin)>,
}

/// `browser.profiles`, skipping falsy entries; a `cdpPort` the schema rejects is
/// an `invalid-port` problem.
pub(super) fn configured<'n>(
    browser: Option<&'n Node>,
    problems: &mut Vec<PortProblem>,
) -> Vec<RawProfile<'n>> {
    let Some(entries) = browser
        .and_then(|b| b.get("profiles"))
        .and_then(Node::as_object)
    else {
        return vec![];
    };
    let mut out = Vec::new();
    for e in entries.iter().filter(|e| is_truthy(&e.node)) {
        let node = &e.node;
        let driver = match node.get("driver").and_then(Node::as_str) {
            Some("extension") => BrowserDriver::Extension,
            Some("existing-session") => BrowserDriver::ExistingSession,
            _ => BrowserDriver::Openclaw,
        };
        let cdp_port = node.entry("cdpPort").and_then(|p| {
            let origin = Origin::Config(p.node.span);
            if p.node.value != Value::Null && schema_port(&p.node).is_none() {
                problems.push(PortProblem {
                    key: format!("browser.profiles.{}.cdpPort", e.key),
                    raw: raw_value(&p.node),
                    origin: origin.clone(),
                    effect: PortEffect::Rejected,
                });
            }
            p.node.as_f64().map(|n| Resolved::new(n as i64, origin))
        });
        out.push(RawProfile {
            name: e.key.clone(),
            node: Some(node),
            cdp_port,
            port_kind: PortKind::Pinned,
            driver,
            implicit_url: None,
        });
    }
    out
}

/// OpenClaw's `||=` defaults: `openclaw` on the range start (or `browser.cdpUrl`'s
/// port), `user` an existing session, `chrome` an extension.
pub(super) fn add_defaults(
    raws: &mut Vec<RawProfile>,
    ports: &PortMap,
    cdp_url: Option<&(ports::CdpUrl, Origin)>,
) {
    let has = |raws: &[RawProfile], n: &str| raws.iter().any(|r| r.name == n);
    if !has(raws, "openclaw") {
        let (port, port_kind, implicit_url) = match cdp_url {
            Some((u, origin)) => (
                Resolved::new(u.port, Origin::derived(origin, "port of `browser.cdpUrl`")),
                PortKind::Url,
                u.is_ws().then(|| (u.clone(), origin.clone())),
            ),
            None => (
                Resolved::new(
                    ports.cdp_range.value.0,
                    Origin::derived(&ports.cdp_range.origin, "first port of the CDP range"),
                ),
                PortKind::RangeStart,
                None,
            ),
        };
        raws.push(RawProfile {
            name: "openclaw".into(),
            node: None,
            cdp_port: Some(port),
            port_kind,
            driver: BrowserDriver::Openclaw,
            implicit_url,
        });
    }
    for (name, driver) in [
        ("user", BrowserDriver::ExistingSession),
        ("chrome", BrowserDriver::Extension),
    ] {
        if !has(raws, name) {
            raws.push(RawProfile {
                name: name.into(),
                node: None,
                cdp_port: None,
                port_kind: PortKind::None,
                driver,
                implicit_url: None,
            });
        }
    }
}

/// `resolveExtensionRelayPorts`: each extension profile without a `cdpPort`, in
/// name order, gets the next free port counting down from control + 8.
pub(super) fn relay_ports(
    raws: &[RawProfile],
    ports: &PortMap,
    errors: &mut Errors,
) -> Vec<(String, i64)> {
    let needing: Vec<&str> = raws
        .iter()
        .filter(|r| r.driver == BrowserDriver::Extension && r.cdp_port.is_none())
        .map(|r| r.name.as_str())
        .collect();
    let reserved: Vec<i64> = raws
        .iter()
        .filter_map(|r| r.cdp_port.as_ref().map(|p| p.value))
        .collect();
    match ports::assign_extension_relays(&needing, &reserved, ports.extension_relay.value) {
        Ok(r) => r,
        Err(e) => {
            errors.push((None, Some("browser.profiles".into()), e));
            vec![]
        }
    }
}

/// JavaScript truthiness, for `profiles.openclaw ||= …` and profile filtering.
fn is_truthy(node: &Node) -> bool {
    match &node.value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0 && !n.is_nan(),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}
