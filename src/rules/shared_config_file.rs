//! `shared-config-file`: two instances read the same config file.

use super::{Rule, RuleMeta, attach, canonical, group_paths, names, to_move};
use crate::finding::{Finding, Severity};
use crate::model::Host;

pub static META: RuleMeta = RuleMeta {
    id: "shared-config-file",
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
            format!("{} read the same config file `{file}`", names(&owners)),
            owners,
        );
        let mover = to_move(&group);
        let rest = group.iter().filter(|i| i.name != mover.name);
        for i in std::iter::once(&mover).chain(rest) {
            let text = format!("config path of `{}`", i.name);
            attach(host, &mut f, &i.config_path.origin, text, None);
        }
        f.notes.push(
            "they get the same gateway port, channels and tokens: every setting collides at once"
                .into(),
        );
        let own = host.shown(&mover.state_dir.value.join("openclaw.json"));
        f.help = Some(format!(
            "give `{}` its own config: copy `{file}` to `{own}` and change its `gateway.port` and channel credentials",
            mover.name
        ));
        out.push(f);
    }
}
