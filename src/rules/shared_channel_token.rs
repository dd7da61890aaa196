//! `shared-channel-token`: the same channel credential in two instances.
//! Compared by an in-process hash; the credential is never printed.

use super::{Rule, RuleMeta, attach, by_name, openclaw_cmd, to_move};
use crate::finding::{Finding, Severity};
use crate::model::{Credential, Host, Instance};
use std::collections::BTreeMap;

pub static META: RuleMeta = RuleMeta {
    id: "shared-channel-token",
    group: "isolation",
    default_severity: Severity::Error,
    summary: "two instances use the same channel credential, so both answer as one bot",
    docs: include_str!("../../rules/shared-channel-token.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

fn check(host: &Host, out: &mut Vec<Finding>) {
    let mut by_hash: BTreeMap<u64, Vec<(&Instance, &Credential)>> = BTreeMap::new();
    for i in &host.instances {
        for c in &i.credentials {
            by_hash.entry(c.hash).or_default().push((i, c));
        }
    }
    // Hash order is random per run: order findings by what they say instead.
    let mut groups: Vec<Vec<(&Instance, &Credential)>> = by_hash
        .into_values()
        .filter(|g| {
            let first = &g[0].0.name;
            g.iter().any(|(i, _)| &i.name != first)
        })
        .collect();
    for g in &mut groups {
        g.sort_by(|a, b| (&a.0.name, &a.1.key).cmp(&(&b.0.name, &b.1.key)));
    }
    groups.sort_by(|a, b| (&a[0].0.name, &a[0].1.key).cmp(&(&b[0].0.name, &b[0].1.key)));

    for group in groups {
        let mut owners: Vec<String> = group.iter().map(|(i, _)| i.name.clone()).collect();
        owners.dedup();
        let channel = &group[0].1.channel;
        let mut f = Finding::new(
            &META,
            format!(
                "{} use the same `{channel}` credential",
                super::names_capped(&owners)
            ),
            owners.clone(),
        );
        let instances: Vec<&Instance> = owners.iter().map(|n| by_name(host, n)).collect();
        let mover = to_move(&instances);
        let mut ordered: Vec<&(&Instance, &Credential)> =
            group.iter().filter(|(i, _)| i.name == mover.name).collect();
        ordered.extend(group.iter().filter(|(i, _)| i.name != mover.name));
        for (i, c) in ordered.iter().take(super::MAX_LABELS) {
            let text = format!("`{}` of `{}`", c.key, i.name);
            attach(host, &mut f, &c.origin, text, Some(&c.key));
        }
        f.notes.push(
            "only one process can poll a bot: the other fails (`409: Conflict` on Telegram) or the wrong instance answers; the credential is compared by hash and never shown".into(),
        );
        let key = &ordered[0].1.key;
        let how = if channel == "telegram" {
            "create a second bot with @BotFather"
        } else {
            "create a separate app or bot"
        };
        f.help = Some(format!(
            "give `{}` its own `{channel}` credential: {how}, then `{} config set {key} <new credential>`",
            mover.name,
            openclaw_cmd(host, mover)
        ));
        out.push(f);
    }
}
