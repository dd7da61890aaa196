//! `port-collision`: a concrete port of one instance equals a port of another.

use super::{
    Clusters, MAX_LABELS, PortUse, Rule, RuleMeta, attach, attach_shadowed, binding, by_name,
    free_cdp_slot, free_port_help, join_and, movers_first, names_capped, plan_help, port_uses,
};
use crate::finding::{Finding, Severity};
use crate::model::{Host, Instance};
use std::collections::{BTreeMap, HashMap, HashSet};

pub static META: RuleMeta = RuleMeta {
    id: "port-collision",
    group: "isolation",
    default_severity: Severity::Error,
    summary: "a port one instance binds is also a port of another instance",
    docs: include_str!("../../rules/port-collision.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

/// A port and every (instance, use) on it.
type SharedPort<'h> = (i64, Vec<(&'h Instance, PortUse)>);

/// Sorts every port use of every instance and groups equal ports: n log n plus
/// the findings. One finding per connected cluster of instances that share ports.
fn check(host: &Host, out: &mut Vec<Finding>) {
    let index: HashMap<&str, usize> = host
        .instances
        .iter()
        .enumerate()
        .map(|(k, i)| (i.name.as_str(), k))
        .collect();
    let mut uses: Vec<(i64, &Instance, PortUse)> = binding(host)
        .flat_map(|i| port_uses(i).into_iter().map(move |u| (u.port, i, u)))
        // Ports that fell back to the defaults are `cdp-range-fallback`'s.
        .filter(|(_, _, u)| !u.fallback)
        .collect();
    uses.sort_by(|a, b| (a.0, &a.1.name).cmp(&(b.0, &b.1.name)));

    let mut clusters = Clusters::new(host.instances.len());
    let mut shared: Vec<(Vec<String>, SharedPort)> = Vec::new();
    for run in uses.chunk_by(|a, b| a.0 == b.0) {
        let mut owners: Vec<String> = run.iter().map(|(_, i, _)| i.name.clone()).collect();
        owners.dedup();
        // Two configured CDP URLs naming the same endpoint are `shared-cdp-url`'s.
        if owners.len() < 2 || run.iter().all(|(_, _, u)| u.from_url) {
            continue;
        }
        for o in &owners[1..] {
            clusters.union(index[owners[0].as_str()], index[o.as_str()]);
        }
        let entry = run.iter().map(|(_, i, u)| (*i, u.clone())).collect();
        shared.push((owners, (run[0].0, entry)));
    }
    let mut by_cluster: BTreeMap<usize, Vec<(Vec<String>, SharedPort)>> = BTreeMap::new();
    for s in shared {
        let root = clusters.find(index[s.0[0].as_str()]);
        by_cluster.entry(root).or_default().push(s);
    }
    for (_, ports) in by_cluster {
        let mut owners: Vec<String> = ports.iter().flat_map(|(o, _)| o.clone()).collect();
        owners.sort();
        owners.dedup();
        let ports: Vec<(Vec<String>, SharedPort)> = ports;
        out.push(finding(host, &owners, &ports));
    }
}

fn finding(host: &Host, owners: &[String], shared: &[(Vec<String>, SharedPort)]) -> Finding {
    let ports: Vec<&SharedPort> = shared.iter().map(|(_, p)| p).collect();
    let group: Vec<&Instance> = owners.iter().map(|n| by_name(host, n)).collect();
    let ordered = movers_first(host, &group);
    let mover = ordered[0];
    // All ports shared by all of them: one sentence; otherwise say who shares what.
    let one_set = shared.iter().all(|(o, _)| o.len() == owners.len());
    let message = if one_set {
        let list: Vec<String> = ports.iter().map(|(p, _)| format!("`{p}`")).collect();
        let verb = if owners.len() == 2 {
            "both use"
        } else {
            "all use"
        };
        let what = if list.len() == 1 { "port" } else { "ports" };
        format!("{} {verb} {what} {}", names_capped(owners), join_and(&list))
    } else {
        const SHOWN: usize = 6;
        let mut list: Vec<String> = shared
            .iter()
            .take(SHOWN)
            .map(|(o, (p, _))| format!("`{p}` ({})", names_capped(o)))
            .collect();
        if shared.len() > SHOWN {
            list.push(format!("`{}` more", shared.len() - SHOWN));
        }
        format!("{} share ports: {}", names_capped(owners), list.join(", "))
    };
    let mut f = Finding::new(&META, message, owners.to_vec());
    // One label per place that authored a colliding port, the movers' first.
    let mut seen = HashSet::new();
    'labels: for inst in &ordered {
        for (port, users) in &ports {
            for (i, u) in users.iter().filter(|(i, _)| i.name == inst.name) {
                if f.secondary.len() + 1 >= MAX_LABELS {
                    break 'labels;
                }
                if !seen.insert((i.name.clone(), u.origin.span())) {
                    continue;
                }
                let text = if u.from_gateway && u.what != "gateway port" {
                    format!(
                        "gateway port of `{}`, which puts its {} on `{port}`",
                        i.name,
                        u.short()
                    )
                } else {
                    u.describe(&i.name)
                };
                attach(host, &mut f, &u.origin, text, u.key.as_deref());
                if u.from_gateway {
                    attach_shadowed(&mut f, i);
                }
            }
        }
    }
    if f.secondary.len() + 1 >= MAX_LABELS {
        f.notes.push(format!(
            "`{}` instances share ports here; the labels show the first ones",
            owners.len()
        ));
    }
    let same_base = group
        .iter()
        .all(|i| i.ports.gateway.value == group[0].ports.gateway.value)
        && ports
            .iter()
            .all(|(_, users)| users.iter().all(|(_, u)| u.from_gateway));
    if same_base && ports.len() > 1 {
        let list: Vec<String> = ports
            .iter()
            .skip(1)
            .map(|(p, users)| format!("`{p}` ({})", users[0].1.short()))
            .collect();
        f.notes.push(format!(
            "with equal gateway ports every derived port is equal too: {}",
            join_and(&list)
        ));
    } else if ports.len() > 1 || ports[0].1.len() > 2 {
        for (port, users) in ports.iter().take(MAX_LABELS) {
            let roles: Vec<String> = users
                .iter()
                .take(MAX_LABELS)
                .map(|(i, u)| format!("{} of `{}`", u.short(), i.name))
                .collect();
            f.notes.push(format!("port `{port}`: {}", roles.join(", ")));
        }
    }
    if !plan_help(host, &mut f, owners) {
        let ports: Vec<SharedPort> = ports.into_iter().cloned().collect();
        f.help = help(host, mover, &ports);
    }
    f
}

/// Move the base when the mover's colliding ports follow from it; otherwise
/// re-pin the colliding `cdpPort` to a free one in its own range.
fn help(
    host: &Host,
    mover: &Instance,
    ports: &[(i64, Vec<(&Instance, PortUse)>)],
) -> Option<String> {
    let mine: Vec<&PortUse> = ports
        .iter()
        .flat_map(|(_, users)| {
            users
                .iter()
                .filter(|(i, _)| i.name == mover.name)
                .map(|(_, u)| u)
        })
        .collect();
    if let Some(pinned) = mine.iter().find(|u| !u.from_gateway && u.profile.is_some()) {
        let free = free_cdp_slot(host, mover)?;
        let profile = pinned.profile.as_deref().unwrap_or("openclaw");
        return Some(format!(
            "give browser profile `{profile}` of `{}` a free port: `{} config set browser.profiles.{profile}.cdpPort {free}`",
            mover.name,
            super::openclaw_cmd(host, mover)
        ));
    }
    free_port_help(host, mover)
}
