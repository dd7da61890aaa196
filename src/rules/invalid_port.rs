//! `invalid-port`: a port value that is not an integer in 1..=65535.

use super::{Rule, RuleMeta, attach, free_cdp_slot, openclaw_cmd, other_bases};
use crate::finding::{Finding, Severity};
use crate::model::{Host, Instance, Origin, PortEffect, PortProblem};
use crate::ports;

pub static META: RuleMeta = RuleMeta {
    id: "invalid-port",
    group: "isolation",
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
            f.notes.push(match p.effect {
                PortEffect::Ignored => format!(
                    "OpenClaw ignores it without a word (it takes `N`, `host:N` or `[v6]:N`) and runs `{}` on gateway port `{}`, from {}",
                    i.name,
                    i.ports.gateway.value,
                    i.ports.gateway.origin.describe(&host.sources)
                ),
                PortEffect::Rejected => format!(
                    "OpenClaw's config schema rejects it, so `{}` refuses to start; `{} config validate` reports it",
                    i.name,
                    openclaw_cmd(host, i)
                ),
            });
            f.help = Some(help(host, i, p));
            out.push(f);
        }
    }
}

/// The port the value seems to mean: `"19100"`, `+19100`, `ws://h:19100` → 19100.
fn meant(raw: &str) -> Option<i64> {
    let t = raw.trim_matches('"').trim_start_matches('+');
    let digits = match t.rfind(':') {
        Some(i) => &t[i + 1..],
        None => t,
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|p| ports::is_valid_port(*p))
}

fn help(host: &Host, i: &Instance, p: &PortProblem) -> String {
    if p.key.ends_with("cdpPort") {
        let (start, _) = i.ports.cdp_range.value;
        let free = free_cdp_slot(host, i).unwrap_or(start);
        return format!(
            "pin a free port of its own CDP range: `{} config set {} {free}`",
            openclaw_cmd(host, i),
            p.key
        );
    }
    let value = meant(&p.raw)
        .filter(|v| *v != i.ports.gateway.value || p.key != "OPENCLAW_GATEWAY_PORT")
        .or_else(|| {
            // Nothing meant: the port OpenClaw would pick by itself, kept clear of the others.
            let own = match i.profile.as_deref().and_then(ports::normalize_profile_name) {
                Some("dev") => ports::DEV_GATEWAY_PORT,
                Some(p) => ports::hashed_profile_port(p),
                None => ports::DEFAULT_GATEWAY_PORT,
            };
            ports::nearest_free_base(own, &other_bases(host, i), ports::FOOTPRINT)
        })
        .unwrap_or(ports::DEFAULT_GATEWAY_PORT);
    match &p.origin {
        Origin::EnvFile(span) => format!(
            "write a plain port: `{}={value}` in `{}`",
            p.key,
            host.sources.get(span.file).display
        ),
        _ => format!(
            "set a port OpenClaw accepts: `{} config set {} {value}`",
            openclaw_cmd(host, i),
            p.key
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::meant;

    #[test]
    fn the_port_a_bad_value_means() {
        assert_eq!(meant("ws://127.0.0.1:19001"), Some(19001));
        assert_eq!(meant("\"19100\""), Some(19100));
        assert_eq!(meant("+20000"), Some(20000));
        assert_eq!(meant("70000"), None);
        assert_eq!(meant("abc"), None);
        assert_eq!(meant("1e4"), None);
        assert_eq!(meant("19000.5"), None);
    }
}
