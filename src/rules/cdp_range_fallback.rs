//! `cdp-range-fallback`: derived ports pass 65535 and fall back onto the
//! default gateway's ports.

use super::{Rule, RuleMeta, attach_gateway, binding, free_port_help, names, plan_help};
use crate::finding::{Finding, Severity};
use crate::model::Host;
use crate::ports::{self, MAX_PORT};

pub static META: RuleMeta = RuleMeta {
    id: "cdp-range-fallback",
    group: "isolation",
    default_severity: Severity::Error,
    summary: "derived ports pass 65535 and silently fall back onto the default gateway's ports",
    docs: include_str!("../../rules/cdp-range-fallback.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

fn check(host: &Host, out: &mut Vec<Finding>) {
    // Once, not per finding: a host of many high ports would scan n times n.
    let on_default: Vec<&str> = host
        .instances
        .iter()
        .filter(|o| {
            o.ports.gateway.value == ports::DEFAULT_GATEWAY_PORT
                && super::net(o) == super::Net::Host
        })
        .map(|o| o.name.as_str())
        .collect();
    for i in binding(host).filter(|i| super::net(i) == super::Net::Host) {
        let p = &i.ports;
        let control = p.browser_control.value;
        let (start, end) = p.cdp_range.value;
        let mut fell = Vec::new();
        if i.control_fell_back() {
            // Everything derived from browser control lands on the default's.
            fell.push(format!("browser control `{control}`"));
            fell.push(format!("extension relay `{}`", p.extension_relay.value));
        }
        if i.range_fell_back() {
            fell.push(format!("CDP range `{start}..={end}`"));
        }
        let relay = p.extension_relay.value;
        let bad_relay = relay > MAX_PORT;
        if fell.is_empty() && !bad_relay {
            continue;
        }
        let default_users: Vec<String> = on_default
            .iter()
            .filter(|o| **o != i.name)
            .map(|o| o.to_string())
            .collect();
        let message = if fell.is_empty() {
            format!(
                "extension relay port of `{}` is `{relay}`, past 65535",
                i.name
            )
        } else if default_users.is_empty() {
            format!(
                "derived ports of `{}` pass 65535 and fall back onto the default gateway's: {}",
                i.name,
                fell.join(", ")
            )
        } else {
            format!(
                "derived ports of `{}` pass 65535 and fall back onto those of {}: {}",
                i.name,
                names(&default_users),
                fell.join(", ")
            )
        };
        let mut involved = vec![i.name.clone()];
        involved.extend(default_users);
        let mut f = Finding::new(&META, message, involved);
        attach_gateway(host, &mut f, i);
        f.notes.push(format!(
            "OpenClaw derives browser control `+2`, relays up to `+10` and CDP `+11..=+110`, and replaces any port past 65535 with the default (`{}`, `{}..={}`) without a word",
            ports::DEFAULT_BROWSER_CONTROL_PORT,
            ports::DEFAULT_CDP_RANGE_START,
            ports::DEFAULT_CDP_RANGE_END
        ));
        if bad_relay {
            f.notes.push(format!(
                "extension relays count down from `{relay}`, which is not a port"
            ));
        }
        if control + 1 > MAX_PORT && i.cdp_url.is_none() {
            f.notes.push(format!(
                "with no `browser.cdpUrl`, OpenClaw's browser config throws: Derived CDP port ({}) is too high",
                control + 1
            ));
        }
        if !plan_help(host, &mut f, std::slice::from_ref(&i.name)) {
            f.help = free_port_help(host, i);
        }
        out.push(f);
    }
}
