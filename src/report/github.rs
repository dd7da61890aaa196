//! `--format github`: GitHub Actions workflow commands, one annotation per place
//! of a finding, each naming the other places.

use super::{Place, place};
use crate::finding::{Finding, Severity};
use crate::model::Host;

/// Escaping of a command's message (`@actions/core` `escapeData`), after other
/// control characters are made visible (the log is shown in a terminal view).
fn escape_data(s: &str) -> String {
    super::escape_controls(s)
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escaping of a property value (`escapeProperty`): also `:` and `,`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

fn at(p: &Place) -> String {
    match (p.line, p.column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", p.path),
        _ => p.path.clone(),
    }
}

/// Every annotation line.
pub fn render(host: &Host, findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let title = escape_property(&format!("clawfence {}", f.rule.id));
        let places: Vec<(Place, &str)> = f
            .labels()
            .map(|l| (place(host, &l.location), l.message.as_str()))
            .collect();
        if places.is_empty() {
            let mut text = f.message.clone();
            if let Some(h) = &f.help {
                text.push_str(&format!("\nhelp: {h}"));
            }
            out.push_str(&format!(
                "::{} title={title}::{}\n",
                command(f.severity),
                escape_data(&text)
            ));
            continue;
        }
        for (n, (p, label)) in places.iter().enumerate() {
            let mut props = vec![format!("file={}", escape_property(&p.path))];
            if let (Some(l), Some(el)) = (p.line, p.end_line) {
                props.push(format!("line={l}"));
                props.push(format!("endLine={el}"));
                if let (Some(c), Some(ec), true) = (p.column, p.end_column, l == el) {
                    props.push(format!("col={c}"));
                    props.push(format!("endColumn={ec}"));
                }
            }
            props.push(format!("title={title}"));
            let mut text = format!("{} ({label})", f.message);
            let others: Vec<String> = places
                .iter()
                .enumerate()
                .filter(|(m, _)| *m != n)
                .map(|(_, (o, l))| format!("{} at {}", l, at(o)))
                .collect();
            if !others.is_empty() {
                text.push_str(&format!("\nalso: {}", others.join("; ")));
            }
            if let Some(h) = &f.help {
                text.push_str(&format!("\nhelp: {h}"));
            }
            out.push_str(&format!(
                "::{} {}::{}\n",
                command(f.severity),
                props.join(","),
                escape_data(&text)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_actions_core() {
        assert_eq!(escape_data("a%b\r\nc"), "a%25b%0D%0Ac");
        assert_eq!(escape_property("x:y,z%\n"), "x%3Ay%2Cz%25%0A");
        assert_eq!(escape_data("a\u{1b}[31mb"), "a\\u{1b}[31mb");
    }
}
