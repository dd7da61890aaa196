//! `cdp-range-overlap`: CDP ranges overlap, or a port of one instance lies in
//! another's CDP range.

use super::{
    PortUse, Rule, RuleMeta, attach, attach_gateway, binding, by_name, free_cdp_slot,
    free_port_help, net_port_uses, openclaw_cmd, to_move,
};
use crate::finding::{Finding, Severity};
use crate::model::{Host, Instance};
use crate::ports::FOOTPRINT;
use std::collections::BTreeMap;

pub static META: RuleMeta = RuleMeta {
    id: "cdp-range-overlap",
    group: "isolation",
    default_severity: Severity::Warning,
    summary: "one instance's managed Chrome range overlaps another instance's ports",
    docs: include_str!("../../rules/cdp-range-overlap.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

/// A concrete port of `owner` inside the CDP range of `range_owner`.
struct Inside {
    owner: String,
    range_owner: String,
    port: PortUse,
}

fn own_range(i: &Instance) -> Option<(i64, i64)> {
    // A range that fell back to 18800..=18899 is `cdp-range-fallback`'s, and an
    // instance whose browser is off launches no Chrome at all.
    (!i.range_fell_back() && i.browser.enabled()).then_some(i.ports.cdp_range.value)
}

fn pair(a: &str, b: &str) -> (String, String) {
    if a < b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

fn check(host: &Host, out: &mut Vec<Finding>) {
    // Ranges by network namespace (ports in two namespaces never meet), each list
    // sorted by start; all are 100 ports long, so a range can only meet the
    // ranges that start within it.
    let mut by_net: BTreeMap<super::Net, Vec<(i64, i64, &Instance)>> = BTreeMap::new();
    for i in binding(host) {
        if let Some((s, e)) = own_range(i) {
            by_net.entry(super::net(i)).or_default().push((s, e, i));
        }
    }
    let mut pairs: BTreeMap<(String, String), Vec<Inside>> = BTreeMap::new();
    for ranges in by_net.values_mut() {
        ranges.sort_by_key(|(s, _, i)| (*s, i.name.clone()));
        for (n, (s, e, a)) in ranges.iter().enumerate() {
            // Equal starts are equal bases: `port-collision`'s, skipped at once.
            let rest = &ranges[n + 1..];
            let from = rest.partition_point(|(s2, _, _)| s2 == s);
            for (_, _, b) in rest[from..].iter().take_while(|(s2, _, _)| s2 <= e) {
                pairs.entry(pair(&a.name, &b.name)).or_default();
            }
        }
    }
    // Every concrete port that lies in another instance's range (binary search).
    for i in binding(host) {
        for (n, u) in net_port_uses(i).into_iter().filter(|(_, u)| !u.fallback) {
            let Some(ranges) = by_net.get(&n) else {
                continue;
            };
            let first = ranges.partition_point(|(_, e, _)| *e < u.port);
            for (s, _, owner) in ranges[first..].iter().take_while(|(s, _, _)| *s <= u.port) {
                if owner.name != i.name && *s <= u.port {
                    pairs
                        .entry(pair(&i.name, &owner.name))
                        .or_default()
                        .push(Inside {
                            owner: i.name.clone(),
                            range_owner: owner.name.clone(),
                            port: u.clone(),
                        });
                }
            }
        }
    }
    for ((x, y), mut inside) in pairs {
        inside.sort_by_key(|p| (p.owner.clone(), p.port.port));
        let (a, b) = (by_name(host, &x), by_name(host, &y));
        let gap = (a.ports.gateway.value - b.ports.gateway.value).abs();
        let f = if gap > 0 && gap < FOOTPRINT && super::same_net(a, b) {
            near_bases(host, a, b, &inside)
        } else if let Some(pinned) = inside.iter().find(|p| !p.port.from_gateway) {
            pinned_port(host, pinned)
        } else {
            continue;
        };
        out.push(f);
    }
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
    let mover = to_move(&[lo, hi]);
    let other = if mover.name == lo.name { hi } else { lo };
    attach_gateway(host, &mut f, mover);
    attach_gateway(host, &mut f, other);
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
            .entry((&p.owner, &p.range_owner))
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
    f.help = free_port_help(host, mover);
    f
}

/// A pinned port (a profile's `cdpPort`, a sandbox port) inside another
/// instance's range: that instance may launch Chrome on it.
fn pinned_port(host: &Host, p: &Inside) -> Finding {
    let owner = by_name(host, &p.owner);
    let range_owner = by_name(host, &p.range_owner);
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
