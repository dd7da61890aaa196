//! `shared-state-dir`: two instances resolve to the same state dir, or one
//! inside the other.

use super::{Rule, RuleMeta, attach, canonical, group_paths, names, to_move};
use crate::finding::{Finding, Severity};
use crate::model::{Host, Instance, InstanceKind, Origin};

pub static META: RuleMeta = RuleMeta {
    id: "shared-state-dir",
    default_severity: Severity::Error,
    summary: "two instances use the same state dir, or one's lies inside the other's",
    docs: include_str!("../../rules/shared-state-dir.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

fn check(host: &Host, out: &mut Vec<Finding>) {
    let items = host
        .instances
        .iter()
        .map(|i| (canonical(&i.state_dir.value), i.name.clone(), i))
        .collect();
    let groups = group_paths(items);
    for group in groups.equal {
        let owners: Vec<String> = group.iter().map(|i| i.name.clone()).collect();
        let dir = host.shown(&group[0].state_dir.value);
        let mut f = Finding::new(
            &META,
            format!("{} share state dir `{dir}`", names(&owners)),
            owners,
        );
        label_all(host, &mut f, &group);
        f.notes.push(
            "both gateways take the state lock in it: the second one stops at start with `gateway already running`, or they corrupt each other's sessions".into(),
        );
        f.help = Some(help(host, to_move(&group)));
        out.push(f);
    }
    for (outer, inner) in groups.nested {
        let mut f = Finding::new(
            &META,
            format!(
                "state dir of `{}` (`{}`) lies inside the state dir of `{}` (`{}`)",
                inner.name,
                host.shown(&inner.state_dir.value),
                outer.name,
                host.shown(&outer.state_dir.value)
            ),
            vec![outer.name.clone(), inner.name.clone()],
        );
        label_all(host, &mut f, &[inner, outer]);
        f.help = Some(help(host, inner));
        out.push(f);
    }
}

fn label_all(host: &Host, f: &mut Finding, group: &[&Instance]) {
    let mover = to_move(group);
    let rest = group.iter().filter(|i| i.name != mover.name);
    for i in std::iter::once(&mover).chain(rest) {
        let text = format!("state dir of `{}`", i.name);
        attach(host, f, &i.state_dir.origin, text, None);
    }
}

fn help(host: &Host, i: &Instance) -> String {
    let own = host.home.join(format!(".openclaw-{}", i.name));
    let own = host.shown(&own);
    match (&i.state_dir.origin, &i.kind) {
        (Origin::EnvFile(span), _) => format!(
            "give `{}` its own state dir: set `OPENCLAW_STATE_DIR={own}` in `{}`",
            i.name,
            host.sources.get(span.file).display
        ),
        (_, InstanceKind::Explicit) => format!(
            "give `{}` its own state dir, e.g. `state={own}` in its instance definition",
            i.name
        ),
        _ => format!(
            "give `{}` its own state dir: run it as `openclaw --profile {}` (`{own}`)",
            i.name, i.name
        ),
    }
}
