//! The gateway port and the ports derived from it (`src/config/paths.ts`
//! `resolveGatewayPort`, `extensions/browser/src/config/port-defaults.ts`).

use super::Spec;
use crate::load::env::Env;
use crate::load::json5::{Node, Value};
use crate::model::{Origin, PortEffect, PortMap, PortProblem, Resolved};
use crate::ports;

/// The gateway port: `--port` > `OPENCLAW_GATEWAY_PORT` > `gateway.port` > profile
/// hash > 18789 (`src/config/paths.ts` `resolveGatewayPort`).
pub(super) fn gateway_port(
    spec: &Spec,
    env: &Env,
    root: Option<&Node>,
    problems: &mut Vec<PortProblem>,
) -> (Resolved<i64>, Vec<(String, Origin)>) {
    let env_port = env.get("OPENCLAW_GATEWAY_PORT").and_then(|v| {
        let parsed = ports::parse_gateway_port_env(&v.value);
        if parsed.is_none() && !v.value.trim().is_empty() {
            problems.push(PortProblem {
                key: "OPENCLAW_GATEWAY_PORT".into(),
                // why: never verbatim: a pasted token, or the lines an
                // unterminated quote swallowed, would reach every output.
                raw: crate::secrets::quotable(v.value.trim()),
                origin: v.origin.clone(),
                effect: PortEffect::Ignored,
            });
        }
        parsed.map(|p| Resolved::new(p, v.origin.clone()))
    });
    let config_port = root
        .and_then(|r| r.path(&["gateway", "port"]))
        .and_then(|e| {
            let origin = Origin::Config(e.node.span);
            let valid = schema_port(&e.node).is_some();
            if !valid {
                problems.push(PortProblem {
                    key: "gateway.port".into(),
                    raw: raw_value(&e.node),
                    origin: origin.clone(),
                    effect: PortEffect::Rejected,
                });
            }
            // why: `resolveGatewayPort` takes any finite number above 0, even one the
            // schema then rejects; anything else falls through to the profile hash.
            match e.node.value {
                Value::Number(n) if n.is_finite() && n > 0.0 => {
                    // Clamped: any value past 65535 is as invalid as `1e91`,
                    // and port arithmetic on it must not overflow.
                    Some(Resolved::new(n.trunc().min(1e12) as i64, origin))
                }
                _ => None,
            }
        });
    let mut shadowed = Vec::new();
    let winner = if let Some(p) = &spec.port {
        shadowed.extend(env_port.map(|e| ("OPENCLAW_GATEWAY_PORT".to_string(), e.origin)));
        shadowed.extend(config_port.map(|c| ("gateway.port".to_string(), c.origin)));
        Some(p.clone())
    } else if let Some(p) = env_port {
        shadowed.extend(config_port.map(|c| ("gateway.port".to_string(), c.origin)));
        Some(p)
    } else {
        config_port
    };
    if let Some(p) = winner {
        return (p, shadowed);
    }
    if let Some(name) = env
        .get("OPENCLAW_PROFILE")
        .and_then(|v| ports::normalize_profile_name(&v.value))
    {
        return (
            Resolved::new(
                ports::hashed_profile_port(name),
                Origin::Default(format!("hash of profile name `{name}`")),
            ),
            shadowed,
        );
    }
    (
        Resolved::new(
            ports::DEFAULT_GATEWAY_PORT,
            Origin::Default(format!(
                "built-in default `{}`",
                ports::DEFAULT_GATEWAY_PORT
            )),
        ),
        shadowed,
    )
}

/// The port a config value means to the schema (`z.number().int().min(1).max(65535)`).
pub(super) fn schema_port(node: &Node) -> Option<i64> {
    let n = node.as_f64()?;
    (n.fract() == 0.0 && (1.0..=ports::MAX_PORT as f64).contains(&n)).then_some(n as i64)
}

/// A config value as written, for messages: numbers as JavaScript prints them,
/// strings quoted, anything else by type.
pub(super) fn raw_value(node: &Node) -> String {
    match &node.value {
        Value::Number(n) => js_number(*n),
        Value::String(s) => format!("\"{}\"", crate::secrets::quotable(s)),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        _ => node.type_name().into(),
    }
}

/// A JavaScript number as JavaScript prints it (enough for ports).
pub fn js_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else if n.fract() == 0.0 && n.abs() < 1e21 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

pub(super) fn derive_ports(
    gateway: &Resolved<i64>,
    root: Option<&Node>,
    problems: &mut Vec<PortProblem>,
) -> PortMap {
    let gw = gateway.value;
    let control = ports::browser_control_port(gw);
    let control_how = if control == gw + 2 {
        "gateway port + 2".to_string()
    } else {
        format!(
            "gateway port + 2 exceeds 65535: fallback {}",
            ports::DEFAULT_BROWSER_CONTROL_PORT
        )
    };
    let control = Resolved::new(control, Origin::derived(&gateway.origin, control_how));
    let range = ports::cdp_range(control.value);
    let range_how = if range.0 == control.value + 9 {
        "browser control + 9 ..= + 108".to_string()
    } else {
        format!(
            "browser control + 108 exceeds 65535: fallback {}..={}",
            ports::DEFAULT_CDP_RANGE_START,
            ports::DEFAULT_CDP_RANGE_END
        )
    };
    let relay = Resolved::new(
        ports::extension_relay_port(control.value),
        Origin::derived(&control.origin, "browser control + 8"),
    );
    let cdp_range = Resolved::new(range, Origin::derived(&control.origin, range_how));
    // why: `src/agents/sandbox-host.ts` `resolveSandboxHostPort`: `mcp.apps.sandboxPort`
    // or gateway + 1, bound only when `mcp.apps.enabled === true`.
    let mcp_sandbox = root
        .and_then(|r| r.path(&["mcp", "apps", "enabled"]))
        .filter(|e| e.node.value == Value::Bool(true))
        .map(|_| {
            match root
                .and_then(|r| r.path(&["mcp", "apps", "sandboxPort"]))
                .and_then(|e| e.node.as_f64().map(|n| (n, e.node.span)))
            {
                Some((n, span)) => {
                    if n.fract() != 0.0 || !ports::is_valid_port(n as i64) {
                        problems.push(PortProblem {
                            key: "mcp.apps.sandboxPort".into(),
                            raw: js_number(n),
                            origin: Origin::Config(span),
                            effect: PortEffect::Rejected,
                        });
                    }
                    Resolved::new(n as i64, Origin::Config(span))
                }
                None => Resolved::new(
                    gw + 1,
                    Origin::derived(&gateway.origin, "gateway port + 1 (`mcp.apps.enabled`)"),
                ),
            }
        });
    PortMap {
        gateway: gateway.clone(),
        gateway_shadowed: vec![],
        browser_control: control,
        extension_relay: relay,
        cdp_range,
        mcp_sandbox,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_numbers_print_like_javascript() {
        assert_eq!(js_number(65534.0), "65534");
        assert_eq!(js_number(19000.5), "19000.5");
        assert_eq!(js_number(f64::INFINITY), "Infinity");
    }
}
