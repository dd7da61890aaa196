//! `shared-config-file`: two instances read the same config file.

use super::{Rule, RuleMeta, attach, borrower, canonical, group_paths, own_state_dir};
use crate::finding::{Finding, Severity};
use crate::model::{Host, Instance, Origin};

pub static META: RuleMeta = RuleMeta {
    id: "shared-config-file",
    group: "isolation",
    default_severity: Severity::Error,
    summary: "two instances read the same config file",
    docs: include_str!("../../rules/shared-config-file.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

fn check(host: &Host, out: &mut Vec<Finding>) {
    let items = host
        .instances
        .iter()
        .map(|i| (canonical(&i.config_path.value), i.name.clone(), i))
        .collect();
    for group in group_paths(items).equal {
        let owners: Vec<String> = group.iter().map(|i| i.name.clone()).collect();
        let file = host.shown(&group[0].config_path.value);
        let mut f = Finding::new(
            &META,
            format!(
                "{} read the same config file `{file}`",
                super::names_capped(&owners)
            ),
            owners,
        );
        let mover = borrower(&group, |i| i.config_path.value != own_config(host, i));
        let rest = group.iter().filter(|i| i.name != mover.name);
        for i in std::iter::once(&mover).chain(rest).take(super::MAX_LABELS) {
            let text = format!("config path of `{}`", i.name);
            attach(
                host,
                &mut f,
                &i.config_path.origin,
                text,
                Some("OPENCLAW_CONFIG_PATH"),
            );
        }
        f.notes.push(
            "they get the same gateway port, channels and tokens: every setting collides at once"
                .into(),
        );
        f.help = Some(help(host, mover, &file));
        out.push(f);
    }
}

/// `<own state dir>/openclaw.json`.
fn own_config(host: &Host, i: &Instance) -> std::path::PathBuf {
    own_state_dir(host, i).join("openclaw.json")
}

fn help(host: &Host, i: &Instance, shared: &str) -> String {
    let own = host.shown(&own_config(host, i));
    match &i.config_path.origin {
        Origin::EnvFile(span) => format!(
            "remove `OPENCLAW_CONFIG_PATH` from `{}`, so `{}` reads its own `{own}`",
            host.sources.get(span.file).display,
            i.name
        ),
        Origin::ProcessEnv(_) => format!(
            "start `{}` without `OPENCLAW_CONFIG_PATH`, so it reads its own `{own}`",
            i.name
        ),
        _ if own != shared => format!(
            "give `{}` its own config: copy `{shared}` to `{own}`, then change its `gateway.port` and channel credentials",
            i.name
        ),
        _ => format!(
            "point `{}` at a config of its own, next to `{shared}`, with its own `gateway.port` and channel credentials",
            i.name
        ),
    }
}
