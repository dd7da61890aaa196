//! `invalid-config`: a config OpenClaw cannot load as written: unreadable or
//! unparsable, a broken `$include`, a `${VAR}` left unresolved where it matters,
//! a value OpenClaw throws on, or a directory that looks like a profile but is
//! not one.

use super::{Rule, RuleMeta, openclaw_cmd};
use crate::finding::{Finding, Label, Severity};
use crate::model::{Host, Instance};
use crate::model::{LoadError, LoadErrorKind, Location};

pub static META: RuleMeta = RuleMeta {
    id: "invalid-config",
    group: "isolation",
    default_severity: Severity::Error,
    summary: "a config, include or profile directory that OpenClaw cannot use as written",
    docs: include_str!("../../rules/invalid-config.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

fn check(host: &Host, out: &mut Vec<Finding>) {
    for i in &host.instances {
        for e in &i.load_errors {
            out.push(finding(host, i, e));
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

fn finding(host: &Host, i: &Instance, e: &LoadError) -> Finding {
    let detail = e.message.trim_end_matches('.');
    let key = e.key.as_deref().unwrap_or("config");
    let (message, label) = match e.kind {
        LoadErrorKind::Syntax => (
            format!("config of `{}` does not parse: {detail}", i.name),
            "OpenClaw's JSON5 parser stops here".to_string(),
        ),
        LoadErrorKind::Include => (
            format!("config of `{}` has a broken `$include`: {detail}", i.name),
            "this `$include`".to_string(),
        ),
        LoadErrorKind::Read => (
            format!("config of `{}`: {detail}", i.name),
            "here".to_string(),
        ),
        LoadErrorKind::Unresolved => {
            let vars: Vec<&str> = detail.split('`').filter(|s| s.starts_with("${")).collect();
            let vars: Vec<String> = vars.iter().map(|v| format!("`{v}`")).collect();
            let verb = if vars.len() == 1 { "is" } else { "are" };
            (
                format!("`{key}` of `{}` {detail}", i.name),
                format!("{} {verb} not set", vars.join(", ")),
            )
        }
        LoadErrorKind::Value => (
            format!("`{key}` of `{}` {}", i.name, lower_first(detail)),
            "OpenClaw refuses this value".to_string(),
        ),
    };
    let mut f = Finding::new(&META, message, vec![i.name.clone()]);
    // An error inside an included file points there; the `$include` is related.
    let label = if e.related.is_empty() {
        label
    } else {
        "the file does not parse here".into()
    };
    f.primary = Some(Label {
        location: e.location.clone(),
        message: label,
        target: e.key.clone(),
    });
    for (span, text) in &e.related {
        f.secondary.push(Label {
            location: Location::Span(*span),
            message: text.clone(),
            target: None,
        });
    }
    if e.kind.is_fatal() {
        f.notes.push(format!(
            "`gateway run` refuses to start `{}` until it loads; `gateway status` shows it as if its config were empty (gateway port `{}`, {})",
            i.name,
            i.ports.gateway.value,
            i.ports.gateway.origin.describe(&host.sources)
        ));
        f.notes.push(format!(
            "the ports of `{}` are not compared with the other instances until then",
            i.name
        ));
    }
    f.help = Some(match (&e.help, e.kind) {
        (Some(h), _) => format!(
            "{h}, then check with `{} config validate`",
            openclaw_cmd(host, i)
        ),
        (None, LoadErrorKind::Unresolved) => {
            let var = detail
                .split("`${")
                .nth(1)
                .and_then(|s| s.split('}').next())
                .unwrap_or("VAR");
            let env = host.shown(&i.state_dir.value.join(".env"));
            format!(
                "set `{var}` in `{env}`, which OpenClaw loads for `{}`",
                i.name
            )
        }
        (None, LoadErrorKind::Value) if key.ends_with("cdpUrl") => format!(
            "write an `http://`, `https://`, `ws://` or `wss://` URL with a port, e.g. `{} config set {key} http://127.0.0.1:{}`",
            openclaw_cmd(host, i),
            i.ports.cdp_range.value.0
        ),
        (None, _) => format!(
            "fix it, then check with `{} config validate`",
            openclaw_cmd(host, i)
        ),
    });
    f
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first)
            if first.is_uppercase() && c.clone().next().is_some_and(|n| n.is_lowercase()) =>
        {
            first.to_lowercase().chain(c).collect()
        }
        _ => s.to_string(),
    }
}
