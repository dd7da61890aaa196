//! `port-collision`: a concrete port of one instance equals a port of another.

use super::{
    PortUse, Rule, RuleMeta, attach, attach_shadowed, binding, by_name, free_cdp_slot,
    free_port_help, join_and, names, net_port_uses, publish_help, published_note, to_move_net,
};
use crate::finding::{Finding, Severity};
use crate::model::{Host, Instance};
use std::collections::BTreeMap;

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
/// the findings. All ports shared by the same instances are one finding.
fn check(host: &Host, out: &mut Vec<Finding>) {
    // Ports meet only in one network namespace (containers publish into the host's).
    let mut uses: Vec<_> = binding(host)
        .flat_map(|i| {
            net_port_uses(i)
                .into_iter()
                .map(move |(n, u)| (n, u.port, i, u))
        })
        // Ports that fell back to the defaults are `cdp-range-fallback`'s.
        .filter(|(_, _, _, u)| !u.fallback)
        .collect();
    uses.sort_by(|a, b| (&a.0, a.1, &a.2.name).cmp(&(&b.0, b.1, &b.2.name)));

    let mut by_group: BTreeMap<Vec<String>, Vec<SharedPort>> = BTreeMap::new();
    for run in uses.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1) {
        let mut owners: Vec<String> = run.iter().map(|(_, _, i, _)| i.name.clone()).collect();
        owners.dedup();
        // Two configured CDP URLs naming the same endpoint are `shared-cdp-url`'s.
        if owners.len() < 2 || run.iter().all(|(_, _, _, u)| u.from_url) {
            continue;
        }
        let entry = run.iter().map(|(_, _, i, u)| (*i, u.clone())).collect();
        by_group.entry(owners).or_default().push((run[0].1, entry));
    }

    for (owners, ports) in by_group {
        let group: Vec<&Instance> = owners.iter().map(|n| by_name(host, n)).collect();
        let shared: Vec<i64> = ports.iter().map(|(p, _)| *p).collect();
        let mover = to_move_net(&group, &shared);
        let list: Vec<String> = ports.iter().map(|(p, _)| format!("`{p}`")).collect();
        let verb = if owners.len() == 2 {
            "both use"
        } else {
            "all use"
        };
        let what = if list.len() == 1 { "port" } else { "ports" };
        let message = format!("{} {verb} {what} {}", names(&owners), join_and(&list));
        let mut f = Finding::new(&META, message, owners.clone());
        // One label per place that authored a colliding port, the mover's first.
        let mut seen = Vec::new();
        let mut ordered: Vec<&Instance> = vec![mover];
        ordered.extend(group.iter().copied().filter(|i| i.name != mover.name));
        for inst in &ordered {
            for (port, users) in &ports {
                for (i, u) in users.iter().filter(|(i, _)| i.name == inst.name) {
                    let key = (i.name.clone(), u.origin.span());
                    if seen.contains(&key) {
                        continue;
                    }
                    seen.push(key);
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
            for (port, users) in &ports {
                let roles: Vec<String> = users
                    .iter()
                    .map(|(i, u)| format!("{} of `{}`", u.short(), i.name))
                    .collect();
                f.notes.push(format!("port `{port}`: {}", roles.join(", ")));
            }
        }
        f.notes.extend(
            group
                .iter()
                .flat_map(|i| shared.iter().filter_map(|p| published_note(i, *p))),
        );
        for i in &group {
            for p in &shared {
                f.secondary.extend(super::published_labels(i, *p));
            }
        }
        f.help = help(host, mover, &ports);
        out.push(f);
    }
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
    if let Some(u) = mine.iter().find(|u| u.key.as_deref() == Some("ports")) {
        return publish_help(host, mover, u);
    }
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
