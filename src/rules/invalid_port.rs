//! `invalid-port`: a port value that is not an integer in 1..=65535.

use super::{Rule, RuleMeta, attach, free_base};
use crate::finding::{Finding, Severity};
use crate::model::{Host, Origin};

pub static META: RuleMeta = RuleMeta {
    id: "invalid-port",
    default_severity: Severity::Error,
    summary: "a port value that is not an integer in 1..=65535",
    docs: include_str!("../../rules/invalid-port.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

fn check(host: &Host, out: &mut Vec<Finding>) {
    for i in &host.instances {
        for p in &i.port_problems {
            let mut f = Finding::new(
                &META,
                format!(
                    "`{}` of `{}` is `{}`, not a port in `1..=65535`",
                    p.key, i.name, p.raw
                ),
                vec![i.name.clone()],
            );
            attach(
                host,
                &mut f,
                &p.origin,
                format!("`{}` of `{}`", p.key, i.name),
                Some(&p.key),
            );
            f.notes.push(p.effect.clone());
            if p.key == "OPENCLAW_GATEWAY_PORT" || p.key == "gateway.port" {
                f.notes.push(format!(
                    "`{}` runs on gateway port `{}` instead, from {}",
                    i.name,
                    i.ports.gateway.value,
                    i.ports.gateway.origin.describe(&host.sources)
                ));
            }
            let suggestion = free_base(host, i).unwrap_or(i.ports.gateway.value);
            f.help = Some(match (&p.origin, p.key.as_str()) {
                (Origin::EnvFile(span), _) => format!(
                    "write a plain port, e.g. `{}={suggestion}`, in `{}`",
                    p.key,
                    host.sources.get(span.file).display
                ),
                (_, key) if key.ends_with("cdpPort") => {
                    let (s, _) = i.ports.cdp_range.value;
                    format!(
                        "use a port from its CDP range, e.g. `{} config set {key} {s}`",
                        super::openclaw_cmd(i)
                    )
                }
                (_, key) => format!("`{} config set {key} {suggestion}`", super::openclaw_cmd(i)),
            });
            out.push(f);
        }
    }
}
