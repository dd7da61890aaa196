//! Renderers. Each takes data and returns text; `main.rs` writes it.

pub mod explain;
pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod map;
pub mod portmap;
pub mod ports;
pub mod sarif;
pub mod sources;
pub mod svg;
pub mod table;

use crate::finding::Finding;
use crate::load::Location;
use crate::model::Host;

/// `path:line:column` of a label's place (`path` alone for a place without a span).
pub fn location(host: &Host, loc: &Location) -> String {
    match loc {
        Location::Span(s) => host.sources.locate(*s),
        Location::Path(p) => p.clone(),
    }
}

/// `~/.openclaw-x/openclaw.json:3:5: message [rule-id]`: a finding on one line.
pub fn one_line(host: &Host, f: &Finding) -> String {
    match &f.primary {
        Some(l) => format!(
            "{}: {} [{}]",
            location(host, &l.location),
            f.message,
            f.rule.id
        ),
        None => format!("{} [{}]", f.message, f.rule.id),
    }
}

/// A label's place, 1-based, columns in characters, end exclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// As shown: `~/…`, relative to a manifest, or absolute.
    pub path: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub end_line: Option<usize>,
    pub end_column: Option<usize>,
}

pub fn place(host: &Host, loc: &Location) -> Place {
    match loc {
        Location::Span(s) => {
            let file = host.sources.get(s.file);
            let (line, column) = file.line_col(s.start as usize);
            let (end_line, end_column) = file.line_col(s.end as usize);
            Place {
                path: file.display.clone(),
                line: Some(line),
                column: Some(column),
                end_line: Some(end_line),
                end_column: Some(end_column),
            }
        }
        Location::Path(p) => Place {
            path: p.clone(),
            line: None,
            column: None,
            end_line: None,
            end_column: None,
        },
    }
}

/// A fingerprint that survives reruns and edits that move lines: the rule, the
/// instances, and the file and key of the primary label (64-bit FNV-1a, hex).
pub fn fingerprint(host: &Host, f: &Finding) -> String {
    let mut key = format!("{}|{}", f.rule.id, f.instances.join(","));
    if let Some(l) = &f.primary {
        key.push('|');
        key.push_str(&place(host, &l.location).path);
        key.push('|');
        key.push_str(l.target.as_deref().unwrap_or(""));
    }
    let mut hash: u64 = 0xcbf29ce484222325;
    for b in key.bytes() {
        hash = (hash ^ b as u64).wrapping_mul(0x100000001b3);
    }
    format!("{hash:016x}")
}

/// Characters that must never reach a terminal, a log or an XML file as they
/// are: C0 and C1 controls (but tab and line breaks), DEL, and the Unicode bidi
/// overrides that reorder what a reader sees.
pub fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character written as a visible escape (`\u{1b}`).
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `s` with every unsafe character replaced by exactly one visible character
/// (`␛` for ESC, `�` beyond C0), so character offsets into it stay valid.
pub fn picture_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| match c {
                c if !is_unsafe_char(c) => c,
                '\u{0}'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
                '\u{7f}' => '\u{2421}',
                _ => '\u{fffd}',
            })
            .collect(),
    )
}
