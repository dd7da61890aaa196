//! `invalid-config`: a config OpenClaw cannot load as written: unreadable or
//! unparsable, a broken `$include`, a `${VAR}` left unresolved where it matters,
//! or a directory that looks like a profile but is not one.

use super::{Rule, RuleMeta};
use crate::finding::{Finding, Label, Severity};
use crate::load::{LoadErrorKind, Location};
use crate::model::Host;

pub static META: RuleMeta = RuleMeta {
    id: "invalid-config",
    default_severity: Severity::Error,
    summary: "a config, include or profile directory that OpenClaw cannot use as written",
    docs: include_str!("../../rules/invalid-config.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

fn check(host: &Host, out: &mut Vec<Finding>) {
    for i in &host.instances {
        for e in &i.load_errors {
            let detail = e.message.trim_end_matches('.');
            let message = match e.kind {
                LoadErrorKind::Syntax => {
                    format!("config of `{}` does not parse: {}", i.name, strip(detail))
                }
                LoadErrorKind::Include => {
                    format!("config of `{}` has a broken `$include`: {detail}", i.name)
                }
                LoadErrorKind::Read => format!("config of `{}`: {detail}", i.name),
                LoadErrorKind::Unresolved | LoadErrorKind::Value => {
                    format!("{detail} in `{}`", i.name)
                }
            };
            let mut f = Finding::new(&META, message, vec![i.name.clone()]);
            f.primary = Some(Label {
                location: e.location.clone(),
                message: match e.kind {
                    LoadErrorKind::Syntax => "OpenClaw's JSON5 parser stops here".into(),
                    LoadErrorKind::Include => "this `$include`".into(),
                    _ => "here".into(),
                },
                target: None,
            });
            for (span, text) in &e.related {
                f.secondary.push(Label {
                    location: Location::Span(*span),
                    message: text.clone(),
                    target: None,
                });
            }
            let fallback = format!(
                "OpenClaw then runs `{}` as if its config were empty: gateway port `{}` ({})",
                i.name,
                i.ports.gateway.value,
                i.ports.gateway.origin.describe(&host.sources)
            );
            f.help = Some(match e.kind {
                LoadErrorKind::Syntax | LoadErrorKind::Include | LoadErrorKind::Read => {
                    f.notes.push(fallback);
                    format!(
                        "fix it, then check with `{} config validate`",
                        super::openclaw_cmd(i)
                    )
                }
                LoadErrorKind::Unresolved => {
                    let env = host.shown(&i.state_dir.value.join(".env"));
                    let var = detail
                        .split("`${")
                        .nth(1)
                        .and_then(|s| s.split('}').next())
                        .unwrap_or("VAR");
                    format!(
                        "set `{var}` in `{env}`, which OpenClaw loads for `{}`",
                        i.name
                    )
                }
                LoadErrorKind::Value => format!(
                    "fix the value, then check with `{} config validate`",
                    super::openclaw_cmd(i)
                ),
            });
            out.push(f);
        }
    }
    for issue in &host.issues {
        let mut f = Finding::new(&META, issue.message.clone(), vec![]);
        f.primary = Some(Label {
            location: issue.location.clone(),
            message: "here".into(),
            target: None,
        });
        f.help = issue.help.clone();
        out.push(f);
    }
}

/// `OpenClaw cannot parse this file: x` → `x`.
fn strip(detail: &str) -> &str {
    detail
        .strip_prefix("OpenClaw cannot parse this file: ")
        .unwrap_or(detail)
}
