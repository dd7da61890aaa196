//! `base-ports-too-close`: distinct gateway ports less than 20 apart.

use super::{
    MAX_LABELS, Rule, RuleMeta, attach_gateway, binding, free_port_help, join_and, movers_first,
    plan_help,
};
use crate::finding::{Finding, Severity};
use crate::model::Host;
use crate::ports::DOCUMENTED_SPACING;

pub static META: RuleMeta = RuleMeta {
    id: "base-ports-too-close",
    group: "isolation",
    default_severity: Severity::Error,
    summary: "two gateway ports are less than 20 apart, the spacing OpenClaw's docs require",
    docs: include_str!("../../rules/base-ports-too-close.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

/// Gateway ports sorted; a run of ports each less than 20 from the next is one
/// finding (equal ports alone are a `port-collision`).
fn check(host: &Host, out: &mut Vec<Finding>) {
    // A container's own gateway port lives in its network namespace; what it
    // publishes is `port-collision`'s.
    let mut by_port: Vec<_> = binding(host)
        .filter(|i| super::net(i) == super::Net::Host)
        .collect();
    by_port.sort_by(|a, b| (a.ports.gateway.value, &a.name).cmp(&(b.ports.gateway.value, &b.name)));
    let runs =
        by_port.chunk_by(|a, b| b.ports.gateway.value - a.ports.gateway.value < DOCUMENTED_SPACING);
    for run in runs {
        let first = run[0].ports.gateway.value;
        if run.iter().all(|i| i.ports.gateway.value == first) {
            continue; // a single instance, or equal bases: `port-collision`'s
        }
        let mut owners: Vec<String> = run.iter().map(|i| i.name.clone()).collect();
        owners.sort();
        let message = if run.len() == 2 {
            let (a, b) = (run[0], run[1]);
            let (pa, pb) = (a.ports.gateway.value, b.ports.gateway.value);
            format!(
                "gateway ports of `{}` (`{pa}`) and `{}` (`{pb}`) are only `{}` apart",
                a.name,
                b.name,
                pb - pa
            )
        } else {
            let list: Vec<String> = run
                .iter()
                .take(8)
                .map(|i| format!("`{}` (`{}`)", i.name, i.ports.gateway.value))
                .collect();
            let more = if run.len() > 8 {
                format!(" and `{}` more", run.len() - 8)
            } else {
                String::new()
            };
            format!(
                "gateway ports of {}{more} follow each other less than `{DOCUMENTED_SPACING}` apart",
                join_and(&list)
            )
        };
        let mut f = Finding::new(&META, message, owners.clone());
        let ordered = movers_first(host, run);
        for i in ordered.iter().take(MAX_LABELS / 2) {
            attach_gateway(host, &mut f, i);
        }
        f.notes.push(format!(
            "each gateway uses its port `+2` (browser control), up to `+10` (extension relays) and `+11..=+110` (CDP); OpenClaw's docs ask for at least `{DOCUMENTED_SPACING}` apart"
        ));
        if !plan_help(host, &mut f, &owners) {
            f.help = free_port_help(host, ordered[0]);
        }
        out.push(f);
    }
}
