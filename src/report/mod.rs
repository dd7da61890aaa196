//! Renderers. Each takes data and returns text; `main.rs` writes it.

pub mod human;
pub mod ports;

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
