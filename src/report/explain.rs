//! `clawfence explain`, `rules --format json`, `--statistics` and the closing
//! "see `clawfence explain <id>`" lines.
//!
//! The rule pages are a small, fixed subset of Markdown (headings, paragraphs,
//! fenced blocks, inline code, `**bold**`), so they are rendered line by line
//! here rather than through a Markdown crate: what a terminal needs is only
//! the fences and the test markers gone, and some colour.

use crate::finding::{Finding, Severity};
use crate::rules;
use serde_json::json;

const BOLD: &str = "\x1b[1m";
const HEADING: &str = "\x1b[1;4m";
const CODE: &str = "\x1b[36m";
const BLOCK: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// A rule page for a terminal: fences and `expect:` markers removed, blocks
/// indented, headings and code coloured when `color`.
pub fn render(page: &str, color: bool) -> String {
    let mut out = String::new();
    let mut in_block = false;
    for line in page.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            // the test's expected output is what the example prints
            if in_block && line.trim() == "```expected" {
                out.push_str(&inline("`clawfence check` prints:", color));
                out.push('\n');
            }
            continue;
        }
        if in_block {
            let code = strip_marker(line);
            if color {
                out.push_str(&format!("    {BLOCK}{code}{RESET}\n"));
            } else {
                out.push_str(format!("    {code}").trim_end());
                out.push('\n');
            }
            continue;
        }
        if let Some(h) = line.strip_prefix("# ") {
            out.push_str(&paint(color, BOLD, &h.to_uppercase()));
        } else if let Some(h) = line.strip_prefix("## ") {
            out.push_str(&paint(color, HEADING, h));
        } else {
            out.push_str(&inline(line, color));
        }
        out.push('\n');
    }
    out
}

fn paint(color: bool, style: &str, text: &str) -> String {
    if color {
        format!("{style}{text}{RESET}")
    } else {
        text.to_string()
    }
}

/// A code line without the `// expect: <id>` or `# expect: <id>` test marker.
fn strip_marker(line: &str) -> &str {
    for marker in ["// expect:", "# expect:", "/* expect:"] {
        if let Some(i) = line.find(marker) {
            return line[..i].trim_end();
        }
    }
    line
}

/// `**bold**` and `` `code` `` of a prose line.
fn inline(line: &str, color: bool) -> String {
    let line = line.replace("**", "");
    if !color {
        return line;
    }
    let mut out = String::new();
    for (n, part) in line.split('`').enumerate() {
        if n % 2 == 1 {
            out.push_str(&format!("{CODE}{part}{RESET}"));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Every id with its metadata, for tools.
pub fn rules_json() -> String {
    let list: Vec<_> = rules::all_metas()
        .map(|m| {
            json!({
                "id": m.id,
                "checkId": format!("{}/{}", m.group, m.id),
                "group": m.group,
                "defaultSeverity": m.default_severity.as_str(),
                "summary": m.summary,
            })
        })
        .collect();
    serde_json::to_string_pretty(&list).expect("serialisable") + "\n"
}

/// `--statistics`: findings per rule, most first.
pub fn statistics(findings: &[Finding]) -> String {
    let mut counts: Vec<(usize, Severity, &str)> = Vec::new();
    for f in findings {
        match counts.iter_mut().find(|(_, _, id)| *id == f.rule.id) {
            Some(c) => {
                c.0 += 1;
                c.1 = c.1.max(f.severity);
            }
            None => counts.push((1, f.severity, f.rule.id)),
        }
    }
    counts.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(b.2)));
    let mut t = comfy_table::Table::new();
    t.load_style(comfy_table::presets::NOTHING);
    for (n, s, id) in &counts {
        let summary = rules::find_meta(id).map_or("", |m| m.summary);
        t.add_row([
            n.to_string(),
            s.to_string(),
            id.to_string(),
            summary.to_string(),
        ]);
    }
    if counts.is_empty() {
        return "no findings\n".into();
    }
    format!("{}\n", t.trim_fmt())
}

/// One "see `clawfence explain <id>`" line per rule that fired.
pub fn see_also(findings: &[Finding]) -> String {
    let mut ids: Vec<&str> = findings.iter().map(|f| f.rule.id).collect();
    ids.sort();
    ids.dedup();
    ids.iter()
        .map(|id| format!("see `clawfence explain {id}`\n"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_lose_fences_and_markers() {
        let page = "# x\n\ntext `a`\n\n```json5\n{ port: 1 } // expect: x\n```\n\n```expected\nerror[x]\n```\n";
        let out = render(page, false);
        assert!(!out.contains("```"), "{out}");
        assert!(!out.contains("expect:"), "{out}");
        assert!(out.contains("    { port: 1 }\n"), "{out}");
        assert!(
            out.contains("`clawfence check` prints:\n    error[x]\n"),
            "{out}"
        );
        assert!(out.starts_with("X\n"), "{out}");
        let coloured = render(page, true);
        assert!(coloured.contains("\x1b[36ma\x1b[0m"), "{coloured}");
    }
}
