//! Findings for people: rustc-style code frames (ariadne, byte offsets) with a
//! label in every file involved, then notes, a `help:` line and a summary.

use crate::finding::{Finding, Label, Severity};
use crate::load::Location;
use crate::model::Host;
use crate::source::{FileId, SourceMap};
use ariadne::{Color, Config, IndexType, Report, ReportKind, Source};
use std::collections::HashMap;

/// Serves the shown (secret-masked) text of every file to ariadne, with control
/// characters replaced one for one so that character offsets stay valid.
struct Cache<'a> {
    map: &'a SourceMap,
    sources: HashMap<FileId, Source<String>>,
}

impl ariadne::Cache<FileId> for Cache<'_> {
    type Storage = String;

    fn fetch(&mut self, id: &FileId) -> Result<&Source<String>, impl std::fmt::Debug> {
        let map = self.map;
        Ok::<_, ()>(self.sources.entry(*id).or_insert_with(|| {
            Source::from(super::picture_controls(map.get(*id).shown_text()).into_owned())
        }))
    }

    fn display<'b>(&self, id: &'b FileId) -> Option<impl std::fmt::Display + 'b> {
        Some(super::escape_controls(&self.map.get(*id).display).into_owned())
    }
}

fn severity_color(s: Severity) -> Color {
    match s {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
        Severity::Info => Color::Blue,
    }
}

/// A span ariadne can point at: at least one character wide, inside the text,
/// in characters of the shown text.
///
/// why: ariadne 0.6 in byte mode mixes character and byte offsets (the location
/// of a label in another file, the end of a label before a multi-byte
/// character) and panics on a char boundary; its character mode does not.
fn visible(
    map: &SourceMap,
    id: FileId,
    range: std::ops::Range<usize>,
) -> (FileId, std::ops::Range<usize>) {
    let file = map.get(id);
    let text = file.shown_text();
    let start = crate::source::floor_char_boundary(text, range.start);
    let end = if range.end > start {
        crate::source::ceil_char_boundary(text, range.end)
    } else {
        text[start..]
            .chars()
            .next()
            .filter(|c| *c != '\n' && *c != '\r')
            .map(|c| start + c.len_utf8())
            .unwrap_or(start)
    };
    let start_char = file.shown_char_offset(start);
    let end_char = start_char + text[start..end].chars().count();
    (id, start_char..end_char)
}

/// Renders every finding and the summary line.
pub fn render(host: &Host, findings: &[Finding], color: bool) -> String {
    render_findings(host, findings, color) + &summary(host, findings)
}

/// Renders every finding, each followed by a blank line.
pub fn render_findings(host: &Host, findings: &[Finding], color: bool) -> String {
    findings
        .iter()
        .map(|f| render_one(host, f, color) + "\n")
        .collect()
}

fn render_one(host: &Host, f: &Finding, color: bool) -> String {
    let title = format!("{}[{}]", f.severity, f.rule.id);
    let spans: Vec<(&Label, (FileId, std::ops::Range<usize>))> = f
        .labels()
        .filter_map(|l| match &l.location {
            Location::Span(s) => Some((l, visible(&host.sources, s.file, s.range()))),
            Location::Path(_) => None,
        })
        .collect();
    let mut text = if let Some((_, first)) = spans.first() {
        let config = Config::default()
            .with_index_type(IndexType::Char)
            .with_color(color);
        let mut report = Report::build(
            ReportKind::Custom(&title, severity_color(f.severity)),
            first.clone(),
        )
        .with_config(config)
        .with_message(super::escape_controls(&f.message));
        for (n, (l, span)) in spans.iter().enumerate() {
            let c = if n == 0 {
                severity_color(f.severity)
            } else {
                Color::Blue
            };
            report = report.with_label(
                ariadne::Label::new(span.clone())
                    .with_message(super::escape_controls(&l.message))
                    .with_color(c)
                    .with_order(n as i32),
            );
        }
        let mut buf = Vec::new();
        let cache = Cache {
            map: &host.sources,
            sources: HashMap::new(),
        };
        report
            .finish()
            .write(cache, &mut buf)
            .expect("writing to memory");
        String::from_utf8_lossy(&buf).into_owned()
    } else {
        if color {
            let c = match f.severity {
                Severity::Error => "\x1b[31m",
                Severity::Warning => "\x1b[33m",
                Severity::Info => "\x1b[34m",
            };
            format!(
                "{c}{title}:\x1b[0m {}\n",
                super::escape_controls(&f.message)
            )
        } else {
            format!("{title}: {}\n", super::escape_controls(&f.message))
        }
    };
    for l in f.labels() {
        if let Location::Path(p) = &l.location {
            text.push_str(&format!("   --> {}\n", super::escape_controls(p)));
        }
    }
    for n in &f.notes {
        text.push_str(&format!("   = note: {}\n", super::escape_controls(n)));
    }
    if let Some(h) = &f.help {
        text.push_str(&format!("   = help: {}\n", super::escape_controls(h)));
    }
    if color {
        text
    } else {
        // ariadne 0.6 colours a custom report kind even with colour off.
        strip_ansi(&text)
            .lines()
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join("\n")
            + "\n"
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `found 2 errors and 1 warning in 3 instances`.
pub fn summary(host: &Host, findings: &[Finding]) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let instances = plural(host.instances.len(), "instance");
    let parts: Vec<String> = [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Info, "note"),
    ]
    .iter()
    .filter(|(s, _)| count(*s) > 0)
    .map(|(s, w)| plural(count(*s), w))
    .collect();
    let skipped: String = host
        .skipped
        .iter()
        .map(|s| format!("note: {}\n", super::escape_controls(s)))
        .collect();
    skipped
        + &match parts.len() {
            0 if host.instances.is_empty() => format!(
                "no OpenClaw instances under `{}` (looked for `.openclaw`, `.openclaw-NAME` and the launchers that start a gateway)\n",
                super::escape_controls(&host.home.display().to_string())
            ),
            0 => format!("no isolation problems in {instances}\n"),
            1 => format!("found {} in {instances}\n", parts[0]),
            n => format!(
                "found {} and {} in {instances}\n",
                parts[..n - 1].join(", "),
                parts[n - 1]
            ),
        }
}
