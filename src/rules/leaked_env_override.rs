//! `leaked-env-override`: a variable that selects an instance is set in one place
//! that several instances inherit.

use super::{Rule, RuleMeta, label, names};
use crate::finding::{Finding, Severity};
use crate::model::Host;
use std::collections::BTreeMap;

pub static META: RuleMeta = RuleMeta {
    id: "leaked-env-override",
    group: "isolation",
    default_severity: Severity::Warning,
    summary: "`OPENCLAW_STATE_DIR`, `_CONFIG_PATH`, `_GATEWAY_PORT` or `_PROFILE` set in one place that several instances inherit",
    docs: include_str!("../../rules/leaked-env-override.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

/// The variables that decide which instance a process is.
const KEYS: &[&str] = &[
    "OPENCLAW_STATE_DIR",
    "OPENCLAW_CONFIG_PATH",
    "OPENCLAW_GATEWAY_PORT",
    "OPENCLAW_PROFILE",
];

/// Groups every instance's selecting variables by the exact place that set them:
/// one line that several instances' values come from is a shared
/// `EnvironmentFile=`, a template's or a drop-in's `Environment=`, or a user-wide
/// file such as `~/.config/openclaw/gateway.env` (`src/infra/dotenv-global.ts`).
fn check(host: &Host, out: &mut Vec<Finding>) {
    let mut by_place: BTreeMap<(crate::source::Span, &str), Vec<String>> = BTreeMap::new();
    // A container's variables live in its own filesystem and namespace: the
    // same line in a compose file is each container's own.
    for i in host.instances.iter().filter(|i| i.container.is_none()) {
        for key in KEYS {
            let Some(v) = i.env.get(key) else { continue };
            let Some(span) = v.origin.span() else {
                continue;
            };
            by_place
                .entry((span, key))
                .or_default()
                .push(i.name.clone());
        }
    }
    for ((span, key), mut owners) in by_place {
        owners.sort();
        owners.dedup();
        if owners.len() < 2 {
            continue;
        }
        let file = host.sources.get(span.file).display.clone();
        let mut f = Finding::new(
            &META,
            format!("{} all inherit `{key}` from `{file}`", names(&owners)),
            owners.clone(),
        );
        if owners.len() == 2 {
            f.message = format!("{} both inherit `{key}` from `{file}`", names(&owners));
        }
        f.primary = label(
            &crate::model::Origin::EnvFile(span),
            format!("set once for {}", names(&owners)),
            Some(key),
        );
        f.notes.push(format!(
            "`{key}` chooses which instance a gateway is: set where every one of them reads it, it makes them one"
        ));
        f.help = Some(format!(
            "move `{key}` out of `{file}` into each instance's own unit (`Environment=` in its own file) or state-dir `.env`"
        ));
        out.push(f);
    }
}
