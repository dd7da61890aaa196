//! `shared-workspace`: agent workspaces of two instances are equal or nested.

use super::{Rule, RuleMeta, attach, canonical, group_paths, join_and, openclaw_cmd};
use crate::finding::{Finding, Severity};
use crate::model::{Host, Instance, InstanceKind, Workspace};

pub static META: RuleMeta = RuleMeta {
    id: "shared-workspace",
    group: "isolation",
    default_severity: Severity::Error,
    summary: "agent workspaces of two instances are the same directory, or one is inside the other",
    docs: include_str!("../../rules/shared-workspace.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

type Owned<'h> = (&'h Instance, &'h Workspace);

fn check(host: &Host, out: &mut Vec<Finding>) {
    let items = host
        .instances
        .iter()
        .flat_map(|i| {
            i.workspaces
                .iter()
                .map(move |w| (canonical(&w.path.value), i.name.clone(), (i, w)))
        })
        .collect();
    let groups = group_paths::<Owned>(items);
    for group in groups.equal {
        let mut owners: Vec<String> = group.iter().map(|(i, _)| i.name.clone()).collect();
        owners.dedup();
        let who: Vec<String> = group.iter().map(|(i, w)| describe(i, w)).collect();
        let dir = host.shown(&group[0].1.path.value);
        let mut f = Finding::new(
            &META,
            format!("{} share workspace `{dir}`", join_and(&who)),
            owners,
        );
        let mover = mover(&group);
        label_all(host, &mut f, mover, &group);
        f.notes.push(
            "agents of both gateways read and rewrite the same `AGENTS.md`, memory and session files, and each one's git commits land in the other's history".into(),
        );
        f.help = Some(help(host, mover));
        out.push(f);
    }
    for (outer, inner) in groups.nested {
        let mut f = Finding::new(
            &META,
            format!(
                "workspace of {} (`{}`) lies inside the workspace of {} (`{}`)",
                describe(inner.0, inner.1),
                host.shown(&inner.1.path.value),
                describe(outer.0, outer.1),
                host.shown(&outer.1.path.value)
            ),
            vec![outer.0.name.clone(), inner.0.name.clone()],
        );
        label_all(host, &mut f, inner, &[inner, outer]);
        f.notes.push(format!(
            "the agent of `{}` sees the other workspace as a subdirectory of its own: it can read, edit and commit files of `{}`",
            outer.0.name, inner.0.name
        ));
        f.help = Some(help(host, inner));
        out.push(f);
    }
}

fn describe(i: &Instance, w: &Workspace) -> String {
    format!("agent `{}` of `{}`", w.agent, i.name)
}

/// The workspace to change: one of a named instance, the last by name.
fn mover<'h>(group: &[Owned<'h>]) -> Owned<'h> {
    *group
        .iter()
        .rev()
        .find(|(i, _)| i.kind != InstanceKind::Default)
        .unwrap_or(&group[group.len() - 1])
}

fn label_all(host: &Host, f: &mut Finding, first: Owned, group: &[Owned]) {
    let rest = group
        .iter()
        .filter(|g| !(g.0.name == first.0.name && g.1.agent == first.1.agent));
    for (i, w) in std::iter::once(&first).chain(rest) {
        let text = format!("workspace of agent `{}` of `{}`", w.agent, i.name);
        attach(host, f, &w.path.origin, text, w.key.as_deref());
    }
}

fn help(host: &Host, (i, w): Owned) -> String {
    let dir = if w.owner {
        "workspace".to_string()
    } else {
        format!("workspace-{}", w.agent)
    };
    let own = host.shown(&i.state_dir.value.join(dir));
    let key = w
        .key
        .clone()
        .unwrap_or_else(|| format!("agents.entries.{}.workspace", w.agent));
    format!(
        "give agent `{}` of `{}` its own workspace: `{} config set {key} {own}`",
        w.agent,
        i.name,
        openclaw_cmd(host, i)
    )
}
