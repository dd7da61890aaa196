//! `cdp-range-overlap`: CDP ranges overlap, or a port of one instance lies in
//! another's CDP range.

use super::{
    Clusters, MAX_LABELS, PortUse, Rule, RuleMeta, attach, attach_gateway, binding, by_name,
    free_cdp_slot, free_port_help, join_and, movers_first, names_capped, net_port_uses,
    openclaw_cmd, plan_help,
};
use crate::finding::{Finding, Severity};
use crate::model::{Host, Instance};
use crate::ports::FOOTPRINT;
use std::collections::{BTreeMap, HashMap, HashSet};

pub static META: RuleMeta = RuleMeta {
    id: "cdp-range-overlap",
    group: "isolation",
    default_severity: Severity::Warning,
    summary: "one instance's managed Chrome range overlaps another instance's ports",
    docs: include_str!("../../rules/cdp-range-overlap.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

/// A concrete port of `owner` inside the CDP range of `range_owner`.
struct Inside<'h> {
    owner: &'h str,
    range_owner: &'h str,
    port: PortUse,
}

fn own_range(i: &Instance) -> Option<(i64, i64)> {
    // A range that fell back to 18800..=18899 is `cdp-range-fallback`'s, and an
    // instance whose browser is off launches no Chrome at all.
    (!i.range_fell_back() && i.browser.enabled()).then_some(i.ports.cdp_range.value)
}

fn check(host: &Host, out: &mut Vec<Finding>) {
    let index = super::instance_index(host);
    // Ranges sorted by start; all are 100 ports long, so bases less than 111
    // apart follow each other in this order: a run of them is one cluster. Only
    // the host's: a container's range lives in its own network namespace, and
    // only what it publishes meets the host's ranges.
    let mut ranges: Vec<(i64, i64, &Instance)> = binding(host)
        .filter(|i| super::net(i) == super::Net::Host)
        .filter_map(|i| own_range(i).map(|(s, e)| (s, e, i)))
        .collect();
    ranges.sort_by(|a, b| (a.0, &a.2.name).cmp(&(b.0, &b.2.name)));
    let mut clusters = Clusters::new(host.instances.len());
    let mut overlapping = HashSet::new();
    for w in ranges.windows(2) {
        let gap = w[1].0 - w[0].0;
        if gap < FOOTPRINT {
            let (a, b) = (index[w[0].2.name.as_str()], index[w[1].2.name.as_str()]);
            clusters.union(a, b);
            if gap > 0 {
                overlapping.insert(a);
            }
        }
    }
    // Every concrete port that lies in another instance's range (binary search;
    // the ranges holding it are one run, so the first other owner is enough).
    let mut inside: Vec<Inside> = Vec::new();
    for i in binding(host) {
        let host_uses = net_port_uses(i)
            .into_iter()
            .filter(|(n, u)| *n == super::Net::Host && !u.fallback)
            .map(|(_, u)| u);
        for u in host_uses {
            let first = ranges.partition_point(|(_, e, _)| *e < u.port);
            let owner = ranges[first..]
                .iter()
                .take_while(|(s, _, _)| *s <= u.port)
                .find(|(_, _, o)| o.name != i.name);
            if let Some((_, _, owner)) = owner {
                let (a, b) = (index[i.name.as_str()], index[owner.name.as_str()]);
                clusters.union(a, b);
                if !u.from_gateway {
                    overlapping.insert(a);
                }
                inside.push(Inside {
                    owner: &i.name,
                    range_owner: &owner.name,
                    port: u,
                });
            }
        }
    }
    let overlapping: HashSet<usize> = overlapping.into_iter().map(|k| clusters.find(k)).collect();
    let mut members: BTreeMap<usize, Vec<&Instance>> = BTreeMap::new();
    for (k, i) in host.instances.iter().enumerate() {
        let root = clusters.find(k);
        if overlapping.contains(&root) {
            members.entry(root).or_default().push(i);
        }
    }
    let mut inside_of: HashMap<usize, Vec<Inside>> = HashMap::new();
    for p in inside {
        let root = clusters.find(index[p.owner]);
        inside_of.entry(root).or_default().push(p);
    }
    for (root, group) in members {
        let mut inside = inside_of.remove(&root).unwrap_or_default();
        inside.sort_by(|a, b| (a.owner, a.port.port).cmp(&(b.owner, b.port.port)));
        let f = if group.len() == 2 {
            let (a, b) = (group[0], group[1]);
            let gap = (a.ports.gateway.value - b.ports.gateway.value).abs();
            if gap > 0 && gap < FOOTPRINT {
                near_bases(host, a, b, &inside)
            } else if let Some(pinned) = inside.iter().find(|p| !p.port.from_gateway) {
                pinned_port(host, pinned)
            } else {
                continue;
            }
        } else {
            cluster(host, &group, &inside)
        };
        out.push(f);
    }
}

/// Three or more instances whose ports and ranges overlap in a chain.
fn cluster(host: &Host, group: &[&Instance], inside: &[Inside]) -> Finding {
    let owners: Vec<String> = group.iter().map(|i| i.name.clone()).collect();
    let mut by_base = group.to_vec();
    by_base.sort_by(|a, b| (a.ports.gateway.value, &a.name).cmp(&(b.ports.gateway.value, &b.name)));
    let list: Vec<String> = by_base
        .iter()
        .take(8)
        .map(|i| format!("`{}`", i.ports.gateway.value))
        .collect();
    let more = if by_base.len() > 8 {
        format!(" and `{}` more", by_base.len() - 8)
    } else {
        String::new()
    };
    let mut f = Finding::new(
        &META,
        format!(
            "{} have overlapping CDP ranges: their gateway ports {}{more} follow each other less than `{FOOTPRINT}` apart",
            names_capped(&owners),
            join_and(&list)
        ),
        owners.clone(),
    );
    for i in movers_first(host, group).iter().take(MAX_LABELS / 2) {
        attach_gateway(host, &mut f, i);
    }
    for p in inside
        .iter()
        .filter(|p| !p.port.from_gateway)
        .take(MAX_LABELS / 2)
    {
        attach(
            host,
            &mut f,
            &p.port.origin,
            format!(
                "{}, inside the CDP range of `{}`",
                p.port.describe(p.owner),
                p.range_owner
            ),
            p.port.key.as_deref(),
        );
    }
    f.notes.push(format!(
        "each gateway launches Chrome profiles on its port `+11..=+110`; gateway ports must be at least `{FOOTPRINT}` apart for no range to meet another instance's ports"
    ));
    if !plan_help(host, &mut f, &owners) {
        f.help = free_port_help(host, movers_first(host, group)[0]);
    }
    f
}

/// Two gateway ports closer than 111: their footprints overlap.
fn near_bases(host: &Host, a: &Instance, b: &Instance, inside: &[Inside]) -> Finding {
    let (lo, hi) = if (a.ports.gateway.value, &a.name) <= (b.ports.gateway.value, &b.name) {
        (a, b)
    } else {
        (b, a)
    };
    let gap = hi.ports.gateway.value - lo.ports.gateway.value;
    let mut f = Finding::new(
        &META,
        format!(
            "`{}` and `{}` have overlapping CDP ranges: their gateway ports `{}` and `{}` are only `{gap}` apart",
            lo.name, hi.name, lo.ports.gateway.value, hi.ports.gateway.value
        ),
        vec![lo.name.clone(), hi.name.clone()],
    );
    let ordered = movers_first(host, &[lo, hi]);
    let mover = ordered[0];
    attach_gateway(host, &mut f, mover);
    attach_gateway(host, &mut f, ordered[1]);
    let (ls, le) = lo.ports.cdp_range.value;
    let (hs, he) = hi.ports.cdp_range.value;
    f.notes.push(format!(
        "`{}` launches Chrome profiles on `{ls}..={le}`, `{}` on `{hs}..={he}`",
        lo.name, hi.name
    ));
    let safe = (gap - 11).clamp(0, 100);
    f.notes.push(format!(
        "only the first `{safe}` of the `100` CDP slots of `{}` are clear of `{}`'s ports; gateway ports must be at least `{FOOTPRINT}` apart for none to meet",
        lo.name, hi.name
    ));
    // One note per instance whose ports lie in the other's range.
    let mut by_owner: BTreeMap<(&str, &str), Vec<String>> = BTreeMap::new();
    for p in inside {
        by_owner
            .entry((p.owner, p.range_owner))
            .or_default()
            .push(format!("{} `{}`", p.port.short(), p.port.port));
    }
    for ((owner, range_owner), list) in by_owner {
        let verb = if list.len() == 1 { "lies" } else { "lie" };
        f.notes.push(format!(
            "{} of `{owner}` {verb} in the CDP range of `{range_owner}`",
            list.join(", ")
        ));
    }
    let names = [lo.name.clone(), hi.name.clone()];
    if !plan_help(host, &mut f, &names) {
        f.help = free_port_help(host, mover);
    }
    f
}

/// A pinned port (a profile's `cdpPort`, a sandbox port) inside another
/// instance's range: that instance may launch Chrome on it.
fn pinned_port(host: &Host, p: &Inside) -> Finding {
    let owner = by_name(host, p.owner);
    let range_owner = by_name(host, p.range_owner);
    let (s, e) = range_owner.ports.cdp_range.value;
    let mut f = Finding::new(
        &META,
        format!(
            "`{}` puts {} inside the CDP range `{s}..={e}` of `{}`",
            owner.name,
            p.port.noun(),
            range_owner.name
        ),
        vec![owner.name.clone(), range_owner.name.clone()],
    );
    attach(
        host,
        &mut f,
        &p.port.origin,
        p.port.describe(&owner.name),
        p.port.key.as_deref(),
    );
    attach_gateway(host, &mut f, range_owner);
    f.notes.push(format!(
        "`{}` launches a new Chrome profile on the first free port of its range, and this one is free as far as it knows",
        range_owner.name
    ));
    let names = [owner.name.clone(), range_owner.name.clone()];
    // A published port moves by its own `ports:` entry, not by the plan.
    if owner.container.is_none() && plan_help(host, &mut f, &names) {
        return f;
    }
    f.help = match (&p.port.key, free_cdp_slot(host, owner)) {
        (Some(key), _) if key == "ports" => super::publish_help(host, owner, &p.port),
        // A fixed listener belongs outside every CDP range, not in its own.
        (Some(key), _) if p.port.listener.is_some() => super::free_listener_port(host, p.port.port)
            .map(|free| {
                format!(
                    "move the {} of `{}` out of every CDP range: `{} config set {key} {free}`",
                    p.port.what.trim_end_matches(" port"),
                    owner.name,
                    openclaw_cmd(host, owner)
                )
            }),
        (Some(key), Some(free)) => Some(format!(
            "pin a port of its own CDP range: `{} config set {key} {free}`",
            openclaw_cmd(host, owner)
        )),
        _ => free_port_help(host, owner),
    };
    f
}
