//! `shared-state-dir`: two instances resolve to the same state dir, or one
//! inside the other.

use super::{Rule, RuleMeta, attach, borrower, canonical, group_paths, own_state_dir};
use crate::finding::{Finding, Severity};
use crate::model::{Host, Instance, Origin};
use crate::plan::{at, pasteable, string_edit};
use crate::source::SourceKind;
use std::path::PathBuf;

pub static META: RuleMeta = RuleMeta {
    id: "shared-state-dir",
    group: "isolation",
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
            format!("{} share state dir `{dir}`", super::names_capped(&owners)),
            owners,
        );
        let mover = borrower(&group, |i| deviates(host, i));
        label_all(host, &mut f, mover, &group);
        f.notes.push(
            "both gateways take the state lock in it: the second one stops at start with `gateway already running`, or they corrupt each other's sessions".into(),
        );
        help(host, &mut f, mover);
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
        let mover = borrower(&[outer, inner], |i| deviates(host, i));
        label_all(host, &mut f, mover, &[inner, outer]);
        f.notes.push(format!(
            "`{}` treats everything below `{}` as its own: backups, migrations and `doctor --fix` of `{}` reach into `{}`'s sessions and locks",
            outer.name,
            host.shown(&outer.state_dir.value),
            outer.name,
            inner.name
        ));
        help(host, &mut f, mover);
        out.push(f);
    }
}

/// Whether the instance's state dir is not the one OpenClaw would give it.
fn deviates(host: &Host, i: &Instance) -> bool {
    i.state_dir.value != own_state_dir(host, i)
        || std::fs::symlink_metadata(&i.state_dir.value).is_ok_and(|m| m.file_type().is_symlink())
}

fn label_all(host: &Host, f: &mut Finding, first: &Instance, group: &[&Instance]) {
    let rest = group.iter().filter(|i| i.name != first.name);
    for i in std::iter::once(&first).chain(rest).take(super::MAX_LABELS) {
        let text = format!("state dir of `{}`", i.name);
        if i.state_dir.origin.span().is_none()
            && let Some(cmd) = i.launcher.as_ref().and_then(|l| l.command)
        {
            let label = crate::finding::Label {
                location: crate::model::Location::Span(cmd),
                message: format!(
                    "starts `{}` on `{}`: no `--profile` and no `OPENCLAW_STATE_DIR`",
                    i.name,
                    host.shown(&i.state_dir.value)
                ),
                target: None,
            };
            match f.primary {
                None => f.primary = Some(label),
                Some(_) => f.secondary.push(label),
            }
            continue;
        }
        attach(
            host,
            f,
            &i.state_dir.origin,
            text,
            Some("OPENCLAW_STATE_DIR"),
        );
    }
}

/// Where `i` is started from, for a help line that cannot name a file.
fn how_started(host: &Host, i: &Instance) -> &'static str {
    match &i.config_path.origin {
        Origin::Config(s) if host.sources.get(s.file).kind == SourceKind::Manifest => "manifest",
        Origin::Flag(_) => "flag",
        _ => "env",
    }
}

/// A state dir for `i` that no instance uses: its own when that is free, else
/// `~/.openclaw-<name>`, never the shared one.
fn fresh_state_dir(host: &Host, i: &Instance) -> Option<PathBuf> {
    let mut candidates = vec![own_state_dir(host, i)];
    candidates.push(host.home.join(format!(".openclaw-{}", i.name)));
    candidates.extend((2..10).map(|k| host.home.join(format!(".openclaw-{}-{k}", i.name))));
    host.plan().fresh_path(host, &candidates, None)
}

fn help(host: &Host, f: &mut Finding, i: &Instance) {
    if let Some(l) = &i.launcher
        && i.kind == crate::model::InstanceKind::Launcher
    {
        let profile = super::launcher_profile_suggestion(host, l);
        f.help = Some(format!(
            "give `{}` a state dir of its own: add `--profile {profile}` before `gateway` in `{}` (state dir `~/.openclaw-{profile}`)",
            i.name,
            host.sources.get(l.file).display
        ));
        return;
    }
    // A container's mount at its state dir: mount a directory of its own.
    if let (Origin::Launcher { span, what }, Some(c)) = (&i.state_dir.origin, &i.container) {
        let service = c.service.as_str();
        let new = match what.split_once(':') {
            Some((src, rest)) => format!("{}-{service}:{rest}", src.trim_end_matches('/')),
            None => format!("./{service}-state:{what}"),
        };
        f.help = Some(format!(
            "mount a directory of its own at the state dir of `{}`: `{new}` in place of `{what}` in `{}`",
            i.name,
            host.sources.get(span.file).display
        ));
        return;
    }
    if std::fs::symlink_metadata(&i.state_dir.value).is_ok_and(|m| m.file_type().is_symlink()) {
        let parent = i.state_dir.value.parent().unwrap_or(&host.home);
        let target = std::fs::read_link(&i.state_dir.value)
            .map(|t| host.shown(&crate::paths::resolve_lexical(parent, &t)))
            .unwrap_or_default();
        f.help = Some(format!(
            "replace the symlink `{}` (to `{target}`) with a directory of its own for `{}`",
            host.shown(&i.state_dir.value),
            i.name
        ));
        return;
    }
    let Some(fresh) = fresh_state_dir(host, i) else {
        f.help = Some(format!(
            "give `{}` a state dir of its own with `OPENCLAW_STATE_DIR`",
            i.name
        ));
        return;
    };
    let dir = pasteable(host, &fresh);
    let lead = format!("give `{}` a state dir of its own", i.name);
    let origin = &i.state_dir.origin;
    f.help = Some(match origin {
        Origin::EnvFile(span) => format!(
            "{lead}: set `OPENCLAW_STATE_DIR={dir}` in `{}`",
            host.sources.get(span.file).display
        ),
        Origin::Config(span) => {
            let text = &host.sources.get(span.file).text[span.range()];
            format!(
                "{lead}: change `{}` to `{}` at `{}`",
                text.trim(),
                crate::fix::string_literal(text, &dir),
                at(host, *span)
            )
        }
        Origin::ProcessEnv(_) => {
            format!("{lead}: start it with `OPENCLAW_STATE_DIR={dir}`")
        }
        _ => match how_started(host, i) {
            "manifest" => format!(
                "{lead}: add `env: {{ OPENCLAW_STATE_DIR: \"{dir}\" }}` to instance `{}` of the manifest",
                i.name
            ),
            "flag" => format!("{lead}: add `,state={dir}` to its `--instance`"),
            _ => format!("{lead}: start it with `OPENCLAW_STATE_DIR={dir}`"),
        },
    });
    f.edits = string_edit(host, i, origin, &[], &dir);
}
