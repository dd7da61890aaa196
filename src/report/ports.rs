//! `clawfence ports`: every instance's port map, as a table or as JSON.

use crate::model::{Host, Instance, Origin};
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;
use std::collections::BTreeMap;

/// The `ports --format json` schema version: bump it when a key changes meaning
/// or disappears (adding keys does not).
pub const PORTS_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PortsJson {
    schema_version: u32,
    instances: Vec<InstanceJson>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InstanceJson {
    name: String,
    config_path: String,
    state_dir: String,
    workspace: String,
    ports: PortsOf,
    sources: Sources,
    browser: BrowserJson,
    /// Every port the instance binds, with when and where it was set.
    uses: Vec<UseJson>,
    /// A compose service: where its ports live and what reaches the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<ContainerJson>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct BrowserJson {
    enabled: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    disabled_by: Option<String>,
    eager_control: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContainerJson {
    project: String,
    service: String,
    /// `host` (`network_mode: host`), else the namespace's id.
    network: String,
    published: Vec<PublishedJson>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UseJson {
    port: i64,
    /// `gateway port`, `Gmail watcher port`, `CDP port`, …
    what: String,
    /// `gateway`, `mcp-sandbox`, `browser-control`, `extension-relay`, `cdp`,
    /// `gmail-watch`, `telegram-webhook`, `portal-ingress`, `tailscale-serve`.
    kind: &'static str,
    /// `local`, or `tailnet` for the host's tailnet node.
    network: &'static str,
    /// When it is bound: `always`, `feature`, `eager`, `first-browser-use`, `chrome-launch`.
    when: &'static str,
    when_text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    origin: OriginJson,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account: Option<String>,
}

#[derive(Serialize)]
struct OriginJson {
    /// Where the value came from, in words (secrets masked).
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
}

fn origin_json(host: &Host, o: &Origin) -> OriginJson {
    let place = o
        .span()
        .map(|s| super::place(host, &crate::load::Location::Span(s)));
    OriginJson {
        text: o.describe(&host.sources),
        line: place.as_ref().and_then(|p| p.line),
        column: place.as_ref().and_then(|p| p.column),
        path: place.map(|p| p.path),
    }
}

fn use_kind(u: &crate::rules::PortUse) -> &'static str {
    use crate::model::ListenerKind as K;
    match u.listener {
        Some(K::GmailWatch) => "gmail-watch",
        Some(K::TelegramWebhook) => "telegram-webhook",
        Some(K::PortalIngress) => "portal-ingress",
        Some(K::TailscaleServe) => "tailscale-serve",
        None => match u.what.as_str() {
            "gateway port" => "gateway",
            "browser control port" => "browser-control",
            "MCP Apps sandbox port" => "mcp-sandbox",
            "extension relay" => "extension-relay",
            _ => "cdp",
        },
    }
}

fn uses_json(host: &Host, i: &Instance) -> Vec<UseJson> {
    let mut uses = crate::rules::port_uses(i);
    uses.extend(crate::rules::tailnet_uses(i));
    uses.sort_by_key(|u| (u.tailnet, u.port));
    uses.into_iter()
        .map(|u| UseJson {
            port: u.port,
            kind: use_kind(&u),
            network: if u.tailnet { "tailnet" } else { "local" },
            when: u.when.tag(),
            when_text: u.when.describe(),
            key: u.key.clone(),
            origin: origin_json(host, &u.origin),
            profile: u.profile.clone(),
            account: u.account.clone(),
            what: u.what,
        })
        .collect()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PublishedJson {
    #[serde(skip_serializing_if = "String::is_empty")]
    host_ip: String,
    host_port: i64,
    container_port: i64,
}

fn container_json(i: &Instance) -> Option<ContainerJson> {
    let c = i.container.as_ref()?;
    Some(ContainerJson {
        project: c.project.clone(),
        service: c.service.clone(),
        network: c.namespace.clone().unwrap_or_else(|| "host".into()),
        published: c
            .published
            .iter()
            .map(|p| PublishedJson {
                host_ip: p.host_ip.clone(),
                host_port: p.host_port,
                container_port: p.container_port,
            })
            .collect(),
    })
}

/// The instance column: a container's name with what it publishes
/// (`oc-gateway (18791→18789)`).
pub(crate) fn shown_name(i: &Instance) -> String {
    match &i.container {
        Some(c) if c.namespace.is_none() => format!("{} (host network)", i.name),
        Some(c) => {
            let list: Vec<String> = c
                .published
                .iter()
                .map(|p| format!("{}→{}", p.host_port, p.container_port))
                .collect();
            if list.is_empty() {
                format!("{} (publishes nothing)", i.name)
            } else {
                format!("{} ({})", i.name, list.join(", "))
            }
        }
        None => i.name.clone(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PortsOf {
    gateway: i64,
    browser_control: i64,
    extension_relay: i64,
    cdp_range: Range,
    cdp_ports: BTreeMap<String, i64>,
}

#[derive(Serialize)]
struct Range {
    start: i64,
    end: i64,
}

#[derive(Serialize)]
struct Sources {
    gateway: String,
}

/// The CDP port of every browser profile that has a numeric `cdpPort` after
/// OpenClaw's defaults (the `openclaw` profile's is derived).
pub fn cdp_ports(i: &Instance) -> BTreeMap<String, i64> {
    i.browser_profiles
        .iter()
        .filter_map(|p| Some((p.name.clone(), p.configured_port.as_ref()?.value)))
        .collect()
}

/// Where the gateway port came from, in words.
pub fn gateway_source(host: &Host, i: &Instance) -> String {
    match &i.ports.gateway.origin {
        Origin::Config(_) => format!(
            "`gateway.port` {}",
            i.ports.gateway.origin.describe(&host.sources)
        ),
        other => other.describe(&host.sources),
    }
}

/// The `--format json` document.
pub fn to_json(host: &Host) -> String {
    let doc = PortsJson {
        schema_version: PORTS_SCHEMA_VERSION,
        instances: host
            .instances
            .iter()
            .map(|i| InstanceJson {
                name: i.name.clone(),
                config_path: host.shown(&i.config_path.value),
                state_dir: host.shown(&i.state_dir.value),
                workspace: host.shown(&i.workspace.value),
                ports: PortsOf {
                    gateway: i.ports.gateway.value,
                    browser_control: i.ports.browser_control.value,
                    extension_relay: i.ports.extension_relay.value,
                    cdp_range: Range {
                        start: i.ports.cdp_range.value.0,
                        end: i.ports.cdp_range.value.1,
                    },
                    cdp_ports: cdp_ports(i),
                },
                sources: Sources {
                    gateway: gateway_source(host, i),
                },
                browser: BrowserJson {
                    enabled: i.browser.enabled(),
                    disabled_by: i.browser.disabled_by.as_ref().map(|(k, _)| k.clone()),
                    eager_control: i.browser.eager_control.is_some(),
                },
                uses: uses_json(host, i),
                container: container_json(i),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&doc).expect("serialisable") + "\n"
}

/// `ports --live`: one row per port with what holds it now; `state` does the
/// probing (I/O stays with the caller). Cells wrap to keep it within `width`.
pub fn to_live_table(host: &Host, state: &dyn Fn(i64) -> String, width: usize) -> String {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width.min(u16::MAX as usize) as u16)
        .set_header(["instance", "port", "what", "now"]);
    for i in &host.instances {
        let mut rows: Vec<(i64, String)> = vec![
            (i.ports.gateway.value, "gateway".into()),
            (i.ports.browser_control.value, "browser control".into()),
            (i.ports.extension_relay.value, "extension relay".into()),
        ];
        rows.extend(
            cdp_ports(i)
                .into_iter()
                .map(|(n, p)| (p, format!("CDP of `{n}`"))),
        );
        // A container's own ports are not on the host: only what it publishes is.
        if let Some(c) = i.container.as_ref().filter(|c| c.namespace.is_some()) {
            rows = c
                .published
                .iter()
                .map(|p| {
                    (
                        p.host_port,
                        format!("published → container {}", p.container_port),
                    )
                })
                .collect();
        }
        for (port, what) in rows {
            t.add_row([i.name.clone(), port.to_string(), what, state(port)]);
        }
    }
    format!("{t}\n")
}
