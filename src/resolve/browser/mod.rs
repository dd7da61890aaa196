//! The browser plugin of an instance: whether it runs, its CDP endpoints and its
//! profiles (`extensions/browser/src/browser/config.ts` `resolveBrowserConfig`,
//! `resolveProfile`, `resolveExtensionRelayPorts`), one concern per file:
//! `cdp_url` (`browser.cdpUrl`), `profiles` (configured profiles, defaults,
//! relays), `endpoint` (each profile's endpoint by driver), `state` (enabled, eager).

mod cdp_url;
mod endpoint;
mod profiles;
mod state;

use crate::load::json5::Node;
use crate::model::{BrowserProfile, Endpoint, PortMap, PortProblem, Resolved};

pub(super) use state::{browser_state, is_truthy_env};

/// Errors OpenClaw would throw while resolving the browser config:
/// `(place, config key, message)`.
pub(super) type Errors = Vec<(Option<crate::source::Span>, Option<String>, String)>;

pub(super) struct Browser {
    pub(super) profiles: Vec<BrowserProfile>,
    pub(super) cdp_url: Option<Resolved<Endpoint>>,
    pub(super) errors: Errors,
}

/// `resolveBrowserConfig` + `resolveProfile` (`extensions/browser/src/browser/config.ts`).
pub(super) fn resolve_browser(
    root: Option<&Node>,
    ports: &PortMap,
    problems: &mut Vec<PortProblem>,
) -> Browser {
    let mut errors = Errors::new();
    let browser = root.and_then(|r| r.get("browser"));
    let url = cdp_url::browser_cdp_url(browser, &mut errors);
    let mut raws = profiles::configured(browser, problems);
    profiles::add_defaults(&mut raws, ports, url.parsed.as_ref());
    let relays = profiles::relay_ports(&raws, ports, &mut errors);
    let profiles = raws
        .into_iter()
        .map(|r| endpoint::resolve_profile(r, ports, &relays, &url.host, &mut errors))
        .collect();
    Browser {
        profiles,
        cdp_url: url.endpoint,
        errors,
    }
}
