//! `browser.cdpUrl`: the browser-level CDP endpoint (`extensions/browser/src/browser/config.ts`
//! `resolveBrowserConfig`).

use super::Errors;
use crate::load::json5::Node;
use crate::model::{Endpoint, Origin, Resolved};
use crate::ports;

/// `browser.cdpUrl` after normalisation.
pub(super) struct BrowserCdpUrl {
    /// The host a profile with only a `cdpPort` is reached on: the URL's, else loopback.
    pub(super) host: String,
    /// The normalised endpoint, for `shared-cdp-url`.
    pub(super) endpoint: Option<Resolved<Endpoint>>,
    /// The parsed URL and where it was written, for the `openclaw` profile's defaults.
    pub(super) parsed: Option<(ports::CdpUrl, Origin)>,
}

/// Without a URL OpenClaw derives a placeholder (`http://127.0.0.1:<control + 1>`)
/// that supplies only host and protocol; it throws "Derived CDP port (N) is too
/// high" when control + 1 passes 65535, which `cdp-range-fallback` reports.
pub(super) fn browser_cdp_url(browser: Option<&Node>, errors: &mut Errors) -> BrowserCdpUrl {
    let mut out = BrowserCdpUrl {
        host: "127.0.0.1".into(),
        endpoint: None,
        parsed: None,
    };
    let Some(node) = browser
        .and_then(|b| b.get("cdpUrl"))
        .filter(|n| n.as_str().is_some_and(|s| !s.trim().is_empty()))
    else {
        return out;
    };
    match ports::parse_cdp_url(node.as_str().unwrap_or_default().trim()) {
        Ok(u) => {
            let origin = Origin::Config(node.span);
            out.host = u.host.clone();
            out.endpoint = Some(Resolved::new(
                Endpoint {
                    host: u.host.clone(),
                    port: u.port,
                },
                origin.clone(),
            ));
            out.parsed = Some((u, origin));
        }
        // An unresolved `${VAR}` is reported once, as such (see `unresolved_vars`).
        Err(e) if node.missing_vars().next().is_none() => {
            errors.push((Some(node.span), Some("browser.cdpUrl".into()), e));
        }
        Err(_) => {}
    }
    out
}
