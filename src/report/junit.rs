//! `--format junit`: one test case per rule that ran; a rule with findings fails
//! and lists them.

use super::one_line;
use crate::finding::Finding;
use crate::model::Host;

/// Text for XML 1.0: control characters (not allowed even as references) made
/// visible first, then the five entities.
fn xml(s: &str) -> String {
    super::escape_controls(s)
        .replace(['\u{fffe}', '\u{ffff}'], "\u{fffd}")
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// The report; `ran` are the ids of the rules that ran.
pub fn render(host: &Host, findings: &[Finding], ran: &[&str]) -> String {
    let failures = ran
        .iter()
        .filter(|id| findings.iter().any(|f| f.rule.id == **id))
        .count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"clawfence\" tests=\"{}\" failures=\"{failures}\">\n",
        ran.len()
    ));
    out.push_str(&format!(
        "  <testsuite name=\"isolation\" tests=\"{}\" failures=\"{failures}\">\n",
        ran.len()
    ));
    for meta in crate::rules::all_metas().filter(|m| ran.contains(&m.id)) {
        let id = meta.id;
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.rule.id == id).collect();
        out.push_str(&format!(
            "    <testcase classname=\"clawfence\" name=\"{id}\""
        ));
        if mine.is_empty() {
            out.push_str("/>\n");
            continue;
        }
        let body: Vec<String> = mine.iter().map(|f| xml(&one_line(host, f))).collect();
        out.push_str(&format!(
            ">\n      <failure type=\"{}\" message=\"{} finding{}\">{}</failure>\n    </testcase>\n",
            mine[0].severity,
            mine.len(),
            if mine.len() == 1 { "" } else { "s" },
            body.join("\n")
        ));
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_xml() {
        assert_eq!(xml("a\u{1b}<b\u{0}"), "a\\u{1b}&lt;b\\u{0}");
        assert_eq!(xml("tab\tok"), "tab\tok");
    }
}
