//! The CDP endpoint of one profile, by driver (`extensions/browser/src/browser/config.ts`
//! `resolveProfile`).

use super::Errors;
use super::profiles::RawProfile;
use crate::model::{BrowserDriver, BrowserProfile, Endpoint, Origin, PortKind, PortMap, Resolved};
use crate::ports;

/// Resolves `r` to the profile OpenClaw drives; errors OpenClaw would throw go to
/// `errors` (once) and onto the profile.
pub(super) fn resolve_profile(
    r: RawProfile,
    ports: &PortMap,
    relays: &[(String, i64)],
    cdp_host: &str,
    errors: &mut Errors,
) -> BrowserProfile {
    let mut profile = BrowserProfile {
        name: r.name.clone(),
        driver: r.driver,
        configured_port: r.cdp_port.clone(),
        endpoint: None,
        port_kind: r.port_kind,
        error: None,
    };
    match r.driver {
        BrowserDriver::Extension => extension(&r, &mut profile, ports, relays),
        BrowserDriver::ExistingSession => existing_session(&r, &mut profile),
        BrowserDriver::Openclaw => managed(&r, &mut profile, cdp_host, errors),
    }
    profile
}

/// Always loopback: its `cdpPort`, else its relay port.
fn extension(
    r: &RawProfile,
    profile: &mut BrowserProfile,
    ports: &PortMap,
    relays: &[(String, i64)],
) {
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

/// cdpPort 0; the endpoint is its `browserUrl` or `cdpUrl`, if any.
fn existing_session(r: &RawProfile, profile: &mut BrowserProfile) {
    let attach = r.node.and_then(|n| {
        ["browserUrl", "cdpUrl"].iter().find_map(|k| {
            n.entry(k)
                .filter(|e| e.node.as_str().is_some_and(|s| !s.trim().is_empty()))
        })
    });
    let Some(e) = attach else { return };
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
        Err(err) => profile.error = Some(format!("`browser.profiles.{}.{}` {err}", r.name, e.key)),
    }
}

/// A managed Chrome: from its `cdpUrl` and `cdpPort` as `resolveProfile` combines them.
fn managed(r: &RawProfile, profile: &mut BrowserProfile, cdp_host: &str, errors: &mut Errors) {
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
    let port = r.cdp_port.clone().filter(|p| p.value > 0);
    let at = |host: String, port: i64, origin: &Origin| {
        Resolved::new(Endpoint { host, port }, origin.clone())
    };
    let devtools_ws = raw_url.as_ref().is_some_and(|(s, _)| {
        let l = s.to_ascii_lowercase();
        (l.starts_with("ws://") || l.starts_with("wss://")) && l.contains("/devtools/browser/")
    });
    let endpoint = match (&raw_url, &port) {
        (Some((s, _)), Some(p)) if devtools_ws => {
            ports::parse_cdp_url(s).map(|u| at(u.host, p.value, &p.origin))
        }
        (Some((s, origin)), _) => ports::parse_cdp_url(s).map(|u| match &port {
            _ if u.explicit_port => at(u.host, u.port, origin),
            Some(p) => at(u.host, p.value, &p.origin),
            None => at(
                u.host,
                u.port,
                &Origin::derived(origin, "default port of the URL scheme"),
            ),
        }),
        (None, Some(p)) => Ok(at(cdp_host.to_string(), p.value, &p.origin)),
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
                errors.push((
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
                errors.push((
                    r.node.map(|n| n.span),
                    Some(format!("browser.profiles.{}", r.name)),
                    e.clone(),
                ));
            }
            profile.error = Some(e);
        }
    }
}
