//! Findings for people: rustc-style code frames (ariadne, byte offsets) with a
//! label in every file involved, then notes, a `help:` line and a summary.

use crate::finding::{Finding, Label, Severity};
use crate::load::Location;
use crate::model::Host;
use crate::source::{FileId, SourceMap};
use ariadne::{Color, Config, IndexType, Report, ReportKind, Source};
use std::collections::HashMap;

/// Serves the shown (secret-masked) text of every file to ariadne.
struct Cache<'a> {
    map: &'a SourceMap,
    sources: HashMap<FileId, Source<&'a str>>,
}

impl<'a> ariadne::Cache<FileId> for Cache<'a> {
    type Storage = &'a str;

    fn fetch(&mut self, id: &FileId) -> Result<&Source<&'a str>, impl std::fmt::Debug> {
        let map = self.map;
        Ok::<_, ()>(
            self.sources
                .entry(*id)
                .or_insert_with(|| Source::from(map.get(*id).shown_text())),
        )
    }

    fn display<'b>(&self, id: &'b FileId) -> Option<impl std::fmt::Display + 'b> {
        Some(self.map.get(*id).display.clone())
    }
}

fn severity_color(s: Severity) -> Color {
    match s {
        Severity::Error => Color::Red,
        Severity::Warning => Color::Yellow,
        Severity::Info => Color::Blue,
    }
}

/// A span ariadne can point at: at least one character wide, inside the text.
fn visible(
    map: &SourceMap,
    id: FileId,
    range: std::ops::Range<usize>,
) -> (FileId, std::ops::Range<usize>) {
    let text = map.get(id).shown_text();
    let start = range.start.min(text.len());
    let end = if range.end > start {
        range.end.min(text.len())
    } else {
        text[start..]
            .chars()
            .next()
            .filter(|c| *c != '\n' && *c != '\r')
            .map(|c| start + c.len_utf8())
            .unwrap_or(start)
    };
    (id, start..end)
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
            .with_index_type(IndexType::Byte)
            .with_color(color);
        let mut report = Report::build(
            ReportKind::Custom(&title, severity_color(f.severity)),
            first.clone(),
        )
        .with_config(config)
        .with_message(&f.message);
        for (n, (l, span)) in spans.iter().enumerate() {
            let c = if n == 0 {
                severity_color(f.severity)
            } else {
                Color::Blue
            };
            report = report.with_label(
                ariadne::Label::new(span.clone())
                    .with_message(&l.message)
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
            format!("{c}{title}:\x1b[0m {}\n", f.message)
        } else {
            format!("{title}: {}\n", f.message)
        }
    };
    for l in f.labels() {
        if let Location::Path(p) = &l.location {
            text.push_str(&format!("   --> {p}\n"));
        }
    }
    for n in &f.notes {
        text.push_str(&format!("   = note: {n}\n"));
    }
    if let Some(h) = &f.help {
        text.push_str(&format!("   = help: {h}\n"));
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
        .map(|s| format!("note: {s}\n"))
        .collect();
    skipped
        + &match parts.len() {
            0 if host.instances.is_empty() => format!(
                "no OpenClaw instances under `{}` (looked for `.openclaw`, `.openclaw-NAME` and the launchers that start a gateway)\n",
                host.home.display()
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
