//! Browser profiles and CDP endpoints (`extensions/browser/src/browser/config.ts`
//! `resolveBrowserConfig`, `resolveProfile`, `resolveExtensionRelayPorts`).

use super::gateway::{raw_value, schema_port};
use crate::load::json5::{Node, Value};
use crate::model::{
    BrowserDriver, BrowserProfile, Endpoint, Origin, PortEffect, PortKind, PortMap, PortProblem,
    Resolved,
};
use crate::ports;

pub(super) struct Browser {
    pub(super) profiles: Vec<BrowserProfile>,
    pub(super) cdp_url: Option<Resolved<Endpoint>>,
    /// Errors OpenClaw would throw while resolving the browser config.
    /// `(place, config key, message)`.
    pub(super) errors: Vec<(Option<crate::source::Span>, Option<String>, String)>,
}

/// `resolveBrowserConfig` + `resolveProfile` (`extensions/browser/src/browser/config.ts`).
pub(super) fn resolve_browser(
    root: Option<&Node>,
    ports: &PortMap,
    problems: &mut Vec<PortProblem>,
) -> Browser {
    let mut out = Browser {
        profiles: vec![],
        cdp_url: None,
        errors: vec![],
    };
    let browser = root.and_then(|r| r.get("browser"));
    let (range_start, _) = ports.cdp_range.value;

    // The browser-level CDP endpoint: `browser.cdpUrl`, else a derived placeholder.
    let raw = browser.and_then(|b| b.entry("cdpUrl")).and_then(|e| {
        let s = e.node.as_str()?.trim();
        (!s.is_empty()).then(|| (s.to_string(), e.node.clone()))
    });
    let mut cdp_host = "127.0.0.1".to_string();
    let mut raw_info: Option<(ports::CdpUrl, Origin)> = None;
    // Without a URL, OpenClaw throws "Derived CDP port (N) is too high" when browser
    // control + 1 passes 65535: `cdp-range-fallback` says so.
    if let Some((s, node)) = &raw {
        match ports::parse_cdp_url(s) {
            Ok(u) => {
                cdp_host = u.host.clone();
                let origin = Origin::Config(node.span);
                out.cdp_url = Some(Resolved::new(
                    Endpoint {
                        host: u.host.clone(),
                        port: u.port,
                    },
                    origin.clone(),
                ));
                raw_info = Some((u, origin));
            }
            // An unresolved `${VAR}` is reported once, as such (see `unresolved_vars`).
            Err(e) if node.missing_vars().next().is_none() => {
                out.errors
                    .push((Some(node.span), Some("browser.cdpUrl".into()), e));
            }
            Err(_) => {}
        }
    }

    // Profiles as configured, then OpenClaw's `||=` defaults.
    struct Raw<'n> {
        name: String,
        node: Option<&'n Node>,
        cdp_port: Option<Resolved<i64>>,
        /// How `cdp_port` was chosen when OpenClaw filled it in.
        port_kind: PortKind,
        driver: BrowserDriver,
        implicit_url: Option<(ports::CdpUrl, Origin)>,
    }
    let mut raws: Vec<Raw> = Vec::new();
    if let Some(entries) = browser
        .and_then(|b| b.get("profiles"))
        .and_then(Node::as_object)
    {
        for e in entries {
            let node = &e.node;
            if !is_truthy(node) {
                continue;
            }
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
                p.node
                    .as_f64()
                    .map(|n| Resolved::new(n.clamp(-1e12, 1e12) as i64, origin))
            });
            raws.push(Raw {
                name: e.key.clone(),
                node: Some(node),
                cdp_port,
                port_kind: PortKind::Pinned,
                driver,
                implicit_url: None,
            });
        }
    }
    if !raws.iter().any(|r| r.name == "openclaw") {
        let (port, port_kind, implicit_url) = match &raw_info {
            Some((u, origin)) => (
                Resolved::new(u.port, Origin::derived(origin, "port of `browser.cdpUrl`")),
                PortKind::Url,
                u.is_ws().then(|| (u.clone(), origin.clone())),
            ),
            None => (
                Resolved::new(
                    range_start,
                    Origin::derived(&ports.cdp_range.origin, "first port of the CDP range"),
                ),
                PortKind::RangeStart,
                None,
            ),
        };
        raws.push(Raw {
            name: "openclaw".into(),
            node: None,
            cdp_port: Some(port),
            port_kind,
            driver: BrowserDriver::Openclaw,
            implicit_url,
        });
    }
    if !raws.iter().any(|r| r.name == "user") {
        raws.push(Raw {
            name: "user".into(),
            node: None,
            cdp_port: None,
            port_kind: PortKind::None,
            driver: BrowserDriver::ExistingSession,
            implicit_url: None,
        });
    }
    if !raws.iter().any(|r| r.name == "chrome") {
        raws.push(Raw {
            name: "chrome".into(),
            node: None,
            cdp_port: None,
            port_kind: PortKind::None,
            driver: BrowserDriver::Extension,
            implicit_url: None,
        });
    }

    let relay_default = ports.extension_relay.value;
    let needing: Vec<&str> = raws
        .iter()
        .filter(|r| r.driver == BrowserDriver::Extension && r.cdp_port.is_none())
        .map(|r| r.name.as_str())
        .collect();
    let reserved: Vec<i64> = raws
        .iter()
        .filter_map(|r| r.cdp_port.as_ref().map(|p| p.value))
        .collect();
    let relays = match ports::assign_extension_relays(&needing, &reserved, relay_default) {
        Ok(r) => r,
        Err(e) => {
            out.errors.push((None, Some("browser.profiles".into()), e));
            vec![]
        }
    };

    for r in raws {
        let mut profile = BrowserProfile {
            name: r.name.clone(),
            driver: r.driver,
            configured_port: r.cdp_port.clone(),
            endpoint: None,
            port_kind: r.port_kind,
            error: None,
        };
        let url_entry = r.node.and_then(|n| n.entry("cdpUrl"));
        let raw_url = url_entry
            .and_then(|e| e.node.as_str().map(|s| (s.trim().to_string(), e.node.span)))
            .filter(|(s, _)| !s.is_empty())
            .map(|(s, span)| (s, Origin::Config(span)))
            .or_else(|| {
                r.implicit_url
                    .as_ref()
                    .map(|(u, o)| (format!("{}://{}", u.scheme, u.host), o.clone()))
            });
        match r.driver {
            BrowserDriver::Extension => {
                let port = r.cdp_port.clone().or_else(|| {
                    relays.iter().find(|(n, _)| *n == r.name).map(|(_, p)| {
                        Resolved::new(
                            *p,
                            Origin::derived(
                                &ports.extension_relay.origin,
                                format!("extension relay of profile `{}`", r.name),
                            ),
                        )
                    })
                });
                if r.cdp_port.is_none() {
                    profile.port_kind = PortKind::Relay;
                }
                profile.endpoint = port.map(|p| {
                    Resolved::new(
                        Endpoint {
                            host: "127.0.0.1".into(),
                            port: p.value,
                        },
                        p.origin,
                    )
                });
            }
            BrowserDriver::ExistingSession => {
                let attach = r.node.and_then(|n| {
                    ["browserUrl", "cdpUrl"].iter().find_map(|k| {
                        n.entry(k)
                            .filter(|e| e.node.as_str().is_some_and(|s| !s.trim().is_empty()))
                    })
                });
                if let Some(e) = attach {
                    match ports::parse_cdp_url(e.node.as_str().unwrap_or_default()) {
                        Ok(u) => {
                            profile.endpoint = Some(Resolved::new(
                                Endpoint {
                                    host: u.host,
                                    port: u.port,
                                },
                                Origin::Config(e.node.span),
                            ))
                        }
                        Err(err) => {
                            profile.error =
                                Some(format!("`browser.profiles.{}.{}` {err}", r.name, e.key))
                        }
                    }
                }
            }
            BrowserDriver::Openclaw => {
                let port = r.cdp_port.clone().filter(|p| p.value > 0);
                let devtools_ws = raw_url.as_ref().is_some_and(|(s, _)| {
                    let l = s.to_ascii_lowercase();
                    (l.starts_with("ws://") || l.starts_with("wss://"))
                        && l.contains("/devtools/browser/")
                });
                let endpoint = match (&raw_url, &port) {
                    (Some((s, origin)), Some(p)) if devtools_ws => {
                        ports::parse_cdp_url(s).map(|u| {
                            Resolved::new(
                                Endpoint {
                                    host: u.host,
                                    port: p.value,
                                },
                                p.origin.clone(),
                            )
                        })
                    }
                    (Some((s, origin)), _) => ports::parse_cdp_url(s).map(|u| {
                        if u.explicit_port {
                            Resolved::new(
                                Endpoint {
                                    host: u.host,
                                    port: u.port,
                                },
                                origin.clone(),
                            )
                        } else if let Some(p) = &port {
                            Resolved::new(
                                Endpoint {
                                    host: u.host,
                                    port: p.value,
                                },
                                p.origin.clone(),
                            )
                        } else {
                            Resolved::new(
                                Endpoint {
                                    host: u.host,
                                    port: u.port,
                                },
                                Origin::derived(origin, "default port of the URL scheme"),
                            )
                        }
                    }),
                    (None, Some(p)) => Ok(Resolved::new(
                        Endpoint {
                            host: cdp_host.clone(),
                            port: p.value,
                        },
                        p.origin.clone(),
                    )),
                    (None, None) => Err(format!(
                        "has neither `cdpPort` nor `cdpUrl` (OpenClaw: Profile \"{}\" must define cdpPort or cdpUrl)",
                        r.name
                    )),
                };
                match endpoint {
                    Ok(e) => {
                        // The port is the cdpPort's unless it came from the URL.
                        if r.cdp_port.as_ref().map(|p| &p.origin) != Some(&e.origin) {
                            profile.port_kind = PortKind::Url;
                        }
                        profile.endpoint = Some(e);
                    }
                    Err(e) if raw_url.is_some() => {
                        if url_entry.is_some_and(|u| u.node.missing_vars().next().is_none()) {
                            out.errors.push((
                                url_entry.map(|u| u.node.span),
                                Some(format!("browser.profiles.{}.cdpUrl", r.name)),
                                e.clone(),
                            ));
                        }
                        profile.error = Some(e);
                    }
                    Err(e) => {
                        // A `cdpPort` that is not a number is `invalid-port`'s.
                        if r.node.and_then(|n| n.get("cdpPort")).is_none() {
                            out.errors.push((
                                r.node.map(|n| n.span),
                                Some(format!("browser.profiles.{}", r.name)),
                                e.clone(),
                            ));
                        }
                        profile.error = Some(e);
                    }
                }
            }
        }
        out.profiles.push(profile);
    }
    out
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
