//! Provenance: where every value came from, and where a problem is. Loaders
//! produce it, the model carries it, rules and reports read it; it depends only
//! on the source map.

use crate::source::{SourceMap, Span};

/// Where a problem is: a span in a file that was read, or just a path.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    Span(Span),
    Path(String),
}

/// Where a resolved value came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A key/value in `openclaw.json` or an `$include`d file.
    Config(Span),
    /// A line in a `.env` file or a service unit.
    EnvFile(Span),
    /// A variable of the process environment, by name.
    ProcessEnv(String),
    /// A command-line flag, as written (`--port 19001`, `--profile rescue`).
    Flag(String),
    /// Computed from another value.
    Derived { from: Box<Origin>, how: String },
    /// A built-in value, described ("built-in default 18789").
    Default(String),
    /// Written in a launcher: a word of a command line (`--port 18791`), a compose
    /// `ports:` or `volumes:` entry; `what` is the text as written.
    Launcher { span: Span, what: String },
}

impl Origin {
    pub fn derived(from: &Origin, how: impl Into<String>) -> Origin {
        Origin::Derived {
            from: Box::new(from.clone()),
            how: how.into(),
        }
    }

    /// The span that authored the value, following derivations.
    pub fn span(&self) -> Option<Span> {
        match self {
            Origin::Config(s) | Origin::EnvFile(s) => Some(*s),
            Origin::Launcher { span, .. } => Some(*span),
            Origin::Derived { from, .. } => from.span(),
            _ => None,
        }
    }

    /// One line saying where the value came from, e.g. ``"`0x4E30` at ~/.openclaw/gw.json5:3:11"``.
    pub fn describe(&self, sources: &SourceMap) -> String {
        match self {
            Origin::Config(s) => {
                let f = sources.get(s.file);
                format!(
                    "`{}` at {}",
                    one_line(f.shown_text().get(s.range()).unwrap_or("…")),
                    sources.locate(*s)
                )
            }
            Origin::EnvFile(s) => {
                let f = sources.get(s.file);
                let (line, _) = f.line_col(s.start as usize);
                format!(
                    "`{}` at {}:{line}",
                    one_line(f.shown_text().get(s.range()).unwrap_or("…")),
                    f.display
                )
            }
            Origin::ProcessEnv(name) => format!("`{name}` in the process environment"),
            Origin::Flag(flag) => format!("`{flag}`"),
            Origin::Derived { from, how } => format!("{how}, from {}", from.describe(sources)),
            Origin::Default(what) => what.clone(),
            Origin::Launcher { span, what } => {
                format!("`{}` at {}", one_line(what), sources.locate(*span))
            }
        }
    }
}

/// Text without markup: a plist's words sit in it (`--port</string><string>19001`
/// is `--port 19001`); every run of blanks, line breaks included, is one space.
pub(crate) fn without_markup(text: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if in_tag => {}
            c => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn one_line(s: &str) -> String {
    let stripped;
    let s = if s.contains("</") {
        stripped = without_markup(s);
        stripped.as_str()
    } else {
        s
    };
    let s = s.trim();
    match s.find(['\n', '\r']) {
        Some(i) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

/// A value and its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved<T> {
    pub value: T,
    pub origin: Origin,
}

impl<T> Resolved<T> {
    pub fn new(value: T, origin: Origin) -> Resolved<T> {
        Resolved { value, origin }
    }
}
