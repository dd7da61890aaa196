//! `cdp-range-overlap`: CDP ranges overlap, or a port of one instance lies in
//! another's CDP range.

use super::{Rule, RuleMeta, attach_gateway, by_name, free_port_help, port_uses, to_move};
use crate::finding::{Finding, Severity};
use crate::model::{Host, Instance};
use crate::ports::FOOTPRINT;
use std::collections::BTreeMap;

pub static META: RuleMeta = RuleMeta {
    id: "cdp-range-overlap",
    default_severity: Severity::Warning,
    summary: "one instance's managed Chrome range overlaps another instance's ports",
    docs: include_str!("../../rules/cdp-range-overlap.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

/// Why two instances' CDP ranges conflict.
#[derive(Default)]
struct Overlap {
    /// Ports of the two ranges in common.
    shared_slots: i64,
    /// `(port, what, owner)` of concrete ports inside the other's range.
    inside: Vec<(i64, String, String, String)>,
}

fn own_range(i: &Instance) -> Option<(i64, i64)> {
    let (s, e) = i.ports.cdp_range.value;
    // A range that fell back to 18800..=18899 is `cdp-range-fallback`'s.
    (s == i.ports.browser_control.value + 9).then_some((s, e))
}

fn check(host: &Host, out: &mut Vec<Finding>) {
    // Ranges sorted by start; all are 100 ports long.
    let mut ranges: Vec<(i64, i64, &Instance)> = host
        .instances
        .iter()
        .filter_map(|i| own_range(i).map(|(s, e)| (s, e, i)))
        .collect();
    ranges.sort_by_key(|(s, _, i)| (*s, i.name.clone()));
    let mut pairs: BTreeMap<(String, String), Overlap> = BTreeMap::new();
    let key = |a: &str, b: &str| {
        if a < b {
            (a.to_string(), b.to_string())
        } else {
            (b.to_string(), a.to_string())
        }
    };
    for (n, (s, e, a)) in ranges.iter().enumerate() {
        for (s2, _, b) in ranges[n + 1..].iter().take_while(|(s2, _, _)| s2 <= e) {
            if a.name != b.name && *s2 != *s {
                pairs.entry(key(&a.name, &b.name)).or_default().shared_slots = e - s2 + 1;
            }
        }
    }
    // Every concrete port that lies in another instance's range.
    for i in &host.instances {
        for u in port_uses(i).into_iter().filter(|u| !u.fallback) {
            let first = ranges.partition_point(|(_, e, _)| *e < u.port);
            for (s, e, owner) in ranges[first..].iter().take_while(|(s, _, _)| *s <= u.port) {
                if owner.name != i.name && (*s..=*e).contains(&u.port) {
                    pairs
                        .entry(key(&i.name, &owner.name))
                        .or_default()
                        .inside
                        .push((u.port, u.what.clone(), i.name.clone(), owner.name.clone()));
                }
            }
        }
    }

    for ((x, y), overlap) in pairs {
        let (a, b) = (by_name(host, &x), by_name(host, &y));
        let (lo, hi) = if (a.ports.gateway.value, &a.name) <= (b.ports.gateway.value, &b.name) {
            (a, b)
        } else {
            (b, a)
        };
        let gap = hi.ports.gateway.value - lo.ports.gateway.value;
        let (ls, le) = lo.ports.cdp_range.value;
        let (hs, he) = hi.ports.cdp_range.value;
        let message = if gap < FOOTPRINT && gap > 0 {
            format!(
                "CDP ranges of `{}` and `{}` overlap: their gateway ports `{}` and `{}` are only `{gap}` apart",
                lo.name, hi.name, lo.ports.gateway.value, hi.ports.gateway.value
            )
        } else {
            let (port, what, owner, range_owner) = &overlap.inside[0];
            let r = by_name(host, range_owner).ports.cdp_range.value;
            format!(
                "{what} `{port}` of `{owner}` lies in the CDP range `{}..={}` of `{range_owner}`",
                r.0, r.1
            )
        };
        let mut f = Finding::new(&META, message, vec![x.clone(), y.clone()]);
        let mover = to_move(&[lo, hi]);
        let other = if mover.name == lo.name { hi } else { lo };
        for i in [mover, other] {
            attach_gateway(host, &mut f, i);
        }
        f.notes.push(format!(
            "`{}` allocates Chrome profiles from `{ls}..={le}`, `{}` from `{hs}..={he}`",
            lo.name, hi.name
        ));
        if gap < FOOTPRINT && gap > 0 {
            let safe = (gap - 11).clamp(0, 100);
            f.notes.push(format!(
                "only the first `{safe}` of the `100` CDP slots of `{}` are clear of `{}`'s ports; gateway ports must be at least `{FOOTPRINT}` apart for none to meet",
                lo.name, hi.name
            ));
        }
        // One note per (owner, range owner): which of the owner's ports are slots.
        let mut inside: BTreeMap<(&String, &String), Vec<String>> = BTreeMap::new();
        for (port, what, owner, range_owner) in &overlap.inside {
            inside
                .entry((owner, range_owner))
                .or_default()
                .push(format!("{} `{port}`", what.trim_end_matches(" port")));
        }
        for ((owner, range_owner), list) in inside {
            f.notes.push(format!(
                "{} of `{owner}` lie in the CDP range of `{range_owner}`",
                list.join(", ")
            ));
        }
        f.help = free_port_help(host, mover);
        out.push(f);
    }
}
