//! `shared-workspace`: agent workspaces of two instances are equal or nested.

use super::{Rule, RuleMeta, attach, canonical, group_paths, join_and, openclaw_cmd};
use crate::finding::{Finding, Severity};
use crate::model::{Host, Instance, InstanceKind, Origin, Workspace};
use crate::plan::{at, in_own_config, pasteable, string_edit};

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
        let mut who: Vec<String> = group.iter().take(8).map(|(i, w)| describe(i, w)).collect();
        if group.len() > 8 {
            who.push(format!("`{}` more", group.len() - 8));
        }
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
        help(host, &mut f, mover);
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
        help(host, &mut f, inner);
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
    for (i, w) in std::iter::once(&first).chain(rest).take(super::MAX_LABELS) {
        let text = format!("workspace of agent `{}` of `{}`", w.agent, i.name);
        attach(host, f, &w.path.origin, text, w.key.as_deref());
    }
}

fn help(host: &Host, f: &mut Finding, (i, w): Owned) {
    let dir = if w.owner {
        "workspace".to_string()
    } else {
        format!("workspace-{}", w.agent)
    };
    // Inside its own state dir, like OpenClaw's default; never a path in use.
    let mut candidates = vec![i.state_dir.value.join(&dir)];
    candidates.push(host.home.join(format!(".openclaw-{}", i.name)).join(&dir));
    candidates.extend((2..10).map(|k| i.state_dir.value.join(format!("{dir}-{k}"))));
    let Some(fresh) = host
        .plan()
        .fresh_path(host, &candidates, Some(&i.state_dir.value))
    else {
        f.help = Some(format!(
            "give agent `{}` of `{}` a workspace of its own",
            w.agent, i.name
        ));
        return;
    };
    let own = pasteable(host, &fresh);
    let key = w
        .key
        .clone()
        .unwrap_or_else(|| format!("agents.entries.{}.workspace", w.agent));
    let lead = format!("give agent `{}` of `{}` its own workspace", w.agent, i.name);
    f.help = Some(match &w.path.origin {
        Origin::Config(span) if !in_own_config(host, i, *span) => {
            let text = &host.sources.get(span.file).text[span.range()];
            format!(
                "{lead}: change `{}` to `{}` at `{}`",
                text.trim(),
                crate::fix::string_literal(text, &own),
                at(host, *span)
            )
        }
        _ => format!("{lead}: `{} config set {key} {own}`", openclaw_cmd(host, i)),
    });
    let path: Vec<&str> = if key.starts_with("agents.defaults.") {
        key.split('.').collect()
    } else {
        vec![]
    };
    f.edits = string_edit(host, i, &w.path.origin, &path, &own);
}
