//! `clawfence ports`: every instance's port map, as a table or as JSON.

use crate::model::{Host, Instance, Origin};
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PortsJson {
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
    /// A compose service: where its ports live and what reaches the host.
    #[serde(skip_serializing_if = "Option::is_none")]
    container: Option<ContainerJson>,
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
fn shown_name(i: &Instance) -> String {
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
                container: container_json(i),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&doc).expect("serialisable") + "\n"
}

/// `ports --live`: one row per port with what holds it now; `state` does the
/// probing (I/O stays with the caller).
pub fn to_live_table(host: &Host, state: &dyn Fn(i64) -> String) -> String {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
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

/// The `--format table` text.
pub fn to_table(host: &Host) -> String {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header([
            "instance",
            "gateway",
            "control",
            "relay",
            "cdp range",
            "cdp ports",
            "gateway port from",
        ]);
    for i in &host.instances {
        let (start, end) = i.ports.cdp_range.value;
        let cdp = cdp_ports(i)
            .iter()
            .map(|(n, p)| format!("{n} {p}"))
            .collect::<Vec<_>>()
            .join(", ");
        t.add_row([
            shown_name(i),
            i.ports.gateway.value.to_string(),
            i.ports.browser_control.value.to_string(),
            i.ports.extension_relay.value.to_string(),
            format!("{start}-{end}"),
            cdp,
            gateway_source(host, i),
        ]);
    }
    format!("{t}\n")
}
