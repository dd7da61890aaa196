//! `base-ports-too-close`: distinct gateway ports less than 20 apart.

use super::{Rule, RuleMeta, attach_gateway, binding, free_port_help, to_move};
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

fn check(host: &Host, out: &mut Vec<Finding>) {
    let mut by_port: Vec<_> = binding(host).collect();
    by_port.sort_by_key(|i| (i.ports.gateway.value, i.name.clone()));
    for (n, a) in by_port.iter().enumerate() {
        for b in by_port[n + 1..]
            .iter()
            .take_while(|b| b.ports.gateway.value - a.ports.gateway.value < DOCUMENTED_SPACING)
        {
            let (pa, pb) = (a.ports.gateway.value, b.ports.gateway.value);
            if pa == pb || !super::same_net(a, b) {
                continue; // equal bases are a `port-collision`; namespaces never meet
            }
            let mut f = Finding::new(
                &META,
                format!(
                    "gateway ports of `{}` (`{pa}`) and `{}` (`{pb}`) are only `{}` apart",
                    a.name,
                    b.name,
                    pb - pa
                ),
                vec![a.name.clone(), b.name.clone()],
            );
            let mover = to_move(&[a, b]);
            let other = if mover.name == a.name { b } else { a };
            for i in [mover, other] {
                attach_gateway(host, &mut f, i);
            }
            f.notes.push(format!(
                "each gateway uses its port `+2` (browser control), up to `+10` (extension relays) and `+11..=+110` (CDP); OpenClaw's docs ask for at least `{DOCUMENTED_SPACING}` apart"
            ));
            f.help = free_port_help(host, mover);
            out.push(f);
        }
    }
}
