//! `shared-cdp-url`: two instances point their browser at the same CDP endpoint.

use super::{Rule, RuleMeta, attach, by_name, openclaw_cmd, port_uses, to_move};
use crate::finding::{Finding, Severity};
use crate::model::{BrowserDriver, Endpoint, Host, Instance, PortKind, Resolved};
use std::collections::BTreeMap;

pub static META: RuleMeta = RuleMeta {
    id: "shared-cdp-url",
    group: "isolation",
    default_severity: Severity::Error,
    summary: "two instances drive the browser at the same CDP endpoint",
    docs: include_str!("../../rules/shared-cdp-url.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

/// One configured endpoint: the key `browser.cdpUrl` or the profile it is set on.
struct Use<'h> {
    instance: &'h Instance,
    key: String,
    endpoint: &'h Resolved<Endpoint>,
}

/// Loopback names reach the same local port.
fn same_machine_key(e: &Endpoint) -> (String, i64) {
    let host = if e.is_loopback() {
        "loopback".to_string()
    } else {
        e.host.clone()
    };
    (host, e.port)
}

fn configured(i: &Instance) -> Vec<Use<'_>> {
    let mut out: Vec<Use> = Vec::new();
    // A disabled browser plugin attaches to nothing (see `resolve/browser/state.rs`).
    if !i.browser.enabled() {
        return out;
    }
    if let Some(e) = &i.cdp_url {
        out.push(Use {
            instance: i,
            key: "browser.cdpUrl".into(),
            endpoint: e,
        });
    }
    for p in &i.browser_profiles {
        let Some(e) = &p.endpoint else { continue };
        if p.port_kind != PortKind::Url || p.driver == BrowserDriver::Extension {
            continue;
        }
        // `openclaw` inherits `browser.cdpUrl`: the same endpoint, said once.
        if out.iter().any(|u| u.endpoint.value == e.value) {
            continue;
        }
        out.push(Use {
            instance: i,
            key: format!("browser.profiles.{}.cdpUrl", p.name),
            endpoint: e,
        });
    }
    out
}

fn check(host: &Host, out: &mut Vec<Finding>) {
    let mut by_endpoint: BTreeMap<(String, i64), Vec<Use>> = BTreeMap::new();
    for i in &host.instances {
        for u in configured(i) {
            by_endpoint
                .entry(same_machine_key(&u.endpoint.value))
                .or_default()
                .push(u);
        }
    }
    let mut taken = None;
    for ((_, port), uses) in by_endpoint {
        let mut owners: Vec<String> = uses.iter().map(|u| u.instance.name.clone()).collect();
        owners.sort();
        owners.dedup();
        if owners.len() < 2 {
            continue;
        }
        let shown = format!("{}:{port}", uses[0].endpoint.value.host);
        let mut f = Finding::new(
            &META,
            format!(
                "{} drive the same browser at `{shown}`",
                super::names_capped(&owners)
            ),
            owners.clone(),
        );
        let group: Vec<&Instance> = owners.iter().map(|n| by_name(host, n)).collect();
        let mover = to_move(&group);
        let mut ordered: Vec<&Use> = uses
            .iter()
            .filter(|u| u.instance.name == mover.name)
            .collect();
        ordered.extend(uses.iter().filter(|u| u.instance.name != mover.name));
        for u in ordered.iter().take(super::MAX_LABELS) {
            let text = format!("`{}` of `{}`", u.key, u.instance.name);
            attach(host, &mut f, &u.endpoint.origin, text, Some(&u.key));
        }
        f.notes.push(
            "each gateway opens and closes tabs in the other's browser, and a managed launch on that port fails with `PortInUseError`".into(),
        );
        let taken = taken.get_or_insert_with(|| taken_ports(host));
        f.help = help(
            host,
            mover,
            &ordered[0].key,
            &ordered[0].endpoint.value,
            taken,
        );
        out.push(f);
    }
}

/// Every port any instance uses or may launch Chrome on: built once per run.
fn taken_ports(host: &Host) -> std::collections::HashSet<i64> {
    host.instances
        .iter()
        .flat_map(|o| {
            let mut ports: Vec<i64> = port_uses(o).iter().map(|u| u.port).collect();
            let (s, e) = o.ports.cdp_range.value;
            ports.extend(s..=e);
            ports.extend(
                o.browser_profiles
                    .iter()
                    .filter_map(|p| p.endpoint.as_ref().map(|e| e.value.port)),
            );
            ports
        })
        .collect()
}

/// A port next to the shared one that no instance uses, on the same host.
fn help(
    host: &Host,
    i: &Instance,
    key: &str,
    shared: &Endpoint,
    taken: &std::collections::HashSet<i64>,
) -> Option<String> {
    let free = (shared.port + 1..=crate::ports::MAX_PORT).find(|p| !taken.contains(p))?;
    Some(format!(
        "give `{}` its own browser, e.g. one started with `--remote-debugging-port={free}`: `{} config set {key} http://{}:{free}`",
        i.name,
        openclaw_cmd(host, i),
        shared.host
    ))
}
