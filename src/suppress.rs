//! Deliberate findings: `ignore` entries of the settings and inline comments
//! `// clawfence-ignore <rule>[, <rule>]: <reason>` (`#` in a `.env` file).
//!
//! An inline comment suppresses the findings of its rules that label its own
//! line (a comment after a value) or the line below it (a comment on a line of
//! its own), in any of the finding's files: users annotate their own
//! instance's config whichever side is primary. A suppression without a reason
//! suppresses nothing and is itself reported (`invalid-suppression`); one that
//! matches no finding is reported too (`unused-suppression`, as ruff's RUF100).

use crate::config::Ignore;
use crate::finding::{Finding, Label, Severity};
use crate::load::Location;
use crate::model::Host;
use crate::rules::{self, RuleMeta};
use crate::source::{FileId, SourceKind, Span};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

pub static INVALID: RuleMeta = RuleMeta {
    id: "invalid-suppression",
    group: "clawfence",
    default_severity: Severity::Warning,
    summary: "a `clawfence-ignore` comment without a reason or with an unknown rule id",
    docs: include_str!("suppress/invalid-suppression.md"),
};

pub static UNUSED: RuleMeta = RuleMeta {
    id: "unused-suppression",
    group: "clawfence",
    default_severity: Severity::Warning,
    summary: "a `clawfence-ignore` comment or `ignore` entry that matches no finding",
    docs: include_str!("suppress/unused-suppression.md"),
};

/// The ids of clawfence's checks of its own suppressions.
pub static METAS: &[&RuleMeta] = &[&INVALID, &UNUSED];

/// The comment marker, after `//`, `/*` or `#`.
pub const MARKER: &str = "clawfence-ignore";

/// One inline `clawfence-ignore` comment.
#[derive(Debug, Clone)]
pub struct Inline {
    /// The comment, from its marker to the end of the line.
    pub span: Span,
    /// 1-based lines it covers (its own line, or the one below when alone on its line).
    pub line: usize,
    pub rules: Vec<&'static RuleMeta>,
}

static JSON5_COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?://|/\*)[ \t]*clawfence-ignore\b([^\r\n]*)").unwrap());
static ENV_COMMENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"#[ \t]*clawfence-ignore\b([^\r\n]*)").unwrap());

/// Every `clawfence-ignore` comment in one file, and the problems with them.
pub fn scan(host: &Host, file: FileId, problems: &mut Vec<Finding>) -> Vec<Inline> {
    let src = host.sources.get(file);
    // Most files have no marker: they cost neither a regex run nor its compilation.
    if !src.text.contains(MARKER) {
        return vec![];
    }
    // JSON5 comments in configs and manifests; `#` in `.env` files and in
    // whatever else line-oriented a loader reads (service units).
    let re = match src.kind {
        SourceKind::Config | SourceKind::Manifest => &*JSON5_COMMENT,
        _ => &*ENV_COMMENT,
    };
    let text = &src.text;
    let mut out = Vec::new();
    for m in re.captures_iter(text) {
        let whole = m.get(0).expect("match");
        let span = Span::new(file, whole.range());
        let (line, _) = src.line_col(whole.start());
        let line_start = text[..whole.start()]
            .rfind(['\n', '\r'])
            .map_or(0, |i| i + 1);
        let alone = text[line_start..whole.start()].trim().is_empty();
        let rest = m[1].trim().trim_end_matches("*/").trim();
        let (ids, reason) = match rest.split_once(':') {
            Some((ids, reason)) => (ids, reason.trim()),
            None => (rest, ""),
        };
        let mut metas = Vec::new();
        let mut bad = Vec::new();
        for id in ids.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match rules::find_meta(id) {
                Some(meta) => metas.push(meta),
                None => bad.push(id.to_string()),
            }
        }
        let label = |message: String| Label {
            location: Location::Span(span),
            message,
            target: None,
        };
        let example = format!(
            "`{MARKER} {}: <why this is deliberate>`",
            metas.first().map_or("RULE-ID", |m| m.id)
        );
        let mut problem = |message: String, label_text: &str, help: String| {
            let mut f = Finding::new(&INVALID, message, vec![]);
            f.primary = Some(label(label_text.to_string()));
            f.help = Some(help);
            problems.push(f);
        };
        for id in &bad {
            problem(
                format!(
                    "`{MARKER}` in `{}` names {}",
                    src.display,
                    rules::unknown_rule(id)
                ),
                "this suppression",
                match rules::suggest(id) {
                    Some(s) => format!("write `{s}`"),
                    None => "write a rule id that `clawfence rules` lists".into(),
                },
            );
        }
        if metas.is_empty() && bad.is_empty() {
            problem(
                format!("`{MARKER}` in `{}` names no rule", src.display),
                "this suppression",
                format!("name the rule and say why: {example}"),
            );
            continue;
        }
        if reason.is_empty() {
            let ids: Vec<String> = metas.iter().map(|m| format!("`{}`", m.id)).collect();
            problem(
                format!(
                    "suppression of {} in `{}` gives no reason, so it suppresses nothing",
                    rules::join_and(&ids),
                    src.display
                ),
                "no reason after a `:`",
                format!("say why the finding is deliberate: {example}"),
            );
            continue;
        }
        if metas.is_empty() {
            continue;
        }
        out.push(Inline {
            span,
            line: if alone { line + 1 } else { line },
            rules: metas,
        });
    }
    out
}

/// The lines (1-based, inclusive) each label of a finding covers, by file.
fn labelled_lines(host: &Host, f: &Finding) -> Vec<(FileId, usize, usize)> {
    f.labels()
        .filter_map(|l| match &l.location {
            Location::Span(s) => {
                let file = host.sources.get(s.file);
                let (a, _) = file.line_col(s.start as usize);
                let (b, _) = file.line_col((s.end as usize).max(s.start as usize));
                Some((s.file, a, b))
            }
            Location::Path(_) => None,
        })
        .collect()
}

/// What suppression left.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings still reported, with the suppressions' own problems.
    pub findings: Vec<Finding>,
    /// How many findings a reasoned suppression took out.
    pub suppressed: usize,
}

/// Takes out the findings that an `ignore` entry or (with `inline`) a comment
/// suppresses. `ran` says whether a rule ran, so that a suppression of a rule
/// that was not run is not called unused.
pub fn apply(
    host: &Host,
    findings: Vec<Finding>,
    ignores: &[Ignore],
    inline: bool,
    ran: &dyn Fn(&str) -> bool,
) -> Outcome {
    let mut problems = Vec::new();
    let mut comments = Vec::new();
    if inline {
        let files: BTreeSet<FileId> = host
            .instances
            .iter()
            .flat_map(|i| i.files.iter().copied())
            .chain(manifest_files(host))
            .collect();
        for file in files {
            comments.extend(scan(host, file, &mut problems));
        }
    }
    // (comment or entry, rule) pairs that suppressed something
    let mut used_inline: BTreeSet<(usize, &'static str)> = BTreeSet::new();
    let mut used_ignore: BTreeSet<usize> = BTreeSet::new();
    let mut out = Outcome::default();
    for f in findings {
        let lines = labelled_lines(host, &f);
        let mut hit = false;
        for (n, c) in comments.iter().enumerate() {
            if c.rules.iter().any(|m| m.id == f.rule.id)
                && lines
                    .iter()
                    .any(|(file, a, b)| *file == c.span.file && (*a..=*b).contains(&c.line))
            {
                used_inline.insert((n, f.rule.id));
                hit = true;
            }
        }
        for (n, ig) in ignores.iter().enumerate() {
            if ig.rule.id == f.rule.id
                && (ig.instances.is_empty() || f.instances.iter().all(|i| ig.instances.contains(i)))
            {
                used_ignore.insert(n);
                hit = true;
            }
        }
        if hit {
            out.suppressed += 1;
        } else {
            out.findings.push(f);
        }
    }
    for (n, c) in comments.iter().enumerate() {
        for m in &c.rules {
            if ran(m.id) && !used_inline.contains(&(n, m.id)) {
                let display = &host.sources.get(c.span.file).display;
                let mut f = Finding::new(
                    &UNUSED,
                    format!(
                        "suppression of `{}` in `{display}` matches no finding",
                        m.id
                    ),
                    vec![],
                );
                f.primary = Some(Label {
                    location: Location::Span(c.span),
                    message: format!("no `{}` finding labels this line or the next", m.id),
                    target: None,
                });
                f.help = Some(format!(
                    "remove `{}` from this comment, or move the comment onto a line the finding labels",
                    m.id
                ));
                problems.push(f);
            }
        }
    }
    for (n, ig) in ignores.iter().enumerate() {
        if ran(ig.rule.id) && !used_ignore.contains(&n) {
            let on = if ig.instances.is_empty() {
                String::new()
            } else {
                format!(" for {}", rules::names(&ig.instances))
            };
            let mut f = Finding::new(
                &UNUSED,
                format!(
                    "the `ignore` entry for `{}`{on} matches no finding",
                    ig.rule.id
                ),
                vec![],
            );
            f.primary = Some(Label {
                location: Location::Span(ig.span),
                message: "this entry".into(),
                target: None,
            });
            f.help = Some(format!(
                "remove this `ignore` entry: no `{}` finding is left to ignore",
                ig.rule.id
            ));
            problems.push(f);
        }
    }
    problems.retain(|f| ran(f.rule.id));
    out.findings.extend(problems);
    out
}

/// The manifest (a finding may label a `port` or `env` set there).
fn manifest_files(host: &Host) -> Vec<FileId> {
    host.instances
        .iter()
        .flat_map(|i| {
            [
                &i.config_path.origin,
                &i.state_dir.origin,
                &i.ports.gateway.origin,
            ]
            .into_iter()
            .chain(i.env.iter().map(|(_, v)| &v.origin))
            .filter_map(|o| o.span())
            .map(|s| s.file)
            .collect::<Vec<_>>()
        })
        .filter(|f| host.sources.get(*f).kind == SourceKind::Manifest)
        .collect()
}
