//! `--format sarif`: SARIF 2.1.0 written with serde_json, one result per
//! finding, the other instance's places as `relatedLocations`.

use super::{fingerprint, place};
use crate::finding::{Finding, Severity};
use crate::load::Location;
use crate::model::Host;
use crate::rules::RuleMeta;
use serde_json::{Value, json};

/// Where the rule pages live: `helpUri` is `<this>/rules/<id>.md`.
pub const DOCS_BASE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main");

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule(meta: &RuleMeta) -> Value {
    json!({
        "id": meta.id,
        "name": meta.id,
        "shortDescription": { "text": meta.summary },
        "fullDescription": { "text": meta.summary },
        "help": { "text": meta.summary, "markdown": meta.docs },
        "helpUri": format!("{DOCS_BASE}/rules/{}.md", meta.id),
        "defaultConfiguration": { "level": level(meta.default_severity) },
        "properties": { "tags": ["isolation", "openclaw"], "precision": "very-high" },
    })
}

/// Percent-encodes what a URI path may not hold, keeping `/`.
fn uri_path(p: &str) -> String {
    let mut out = String::new();
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `~/x` → `x` under `%HOME%`; `x` (manifest-relative) → `x`; `/x` → `file:///x`.
fn artifact(path: &str) -> Value {
    if let Some(rest) = path.strip_prefix("~/") {
        json!({ "uri": uri_path(rest), "uriBaseId": "HOME" })
    } else if path.starts_with('/') {
        json!({ "uri": format!("file://{}", uri_path(path)) })
    } else {
        json!({ "uri": uri_path(path) })
    }
}

fn physical(host: &Host, loc: &Location) -> Value {
    let p = place(host, loc);
    let mut v = json!({ "artifactLocation": artifact(&p.path) });
    if let (Some(l), Some(c), Some(el), Some(ec)) = (p.line, p.column, p.end_line, p.end_column) {
        v["region"] = json!({ "startLine": l, "startColumn": c, "endLine": el, "endColumn": ec.max(c + if el == l { 1 } else { 0 }) });
    }
    v
}

fn result(host: &Host, f: &Finding) -> Value {
    let mut text = f.message.clone();
    if let Some(h) = &f.help {
        text.push_str("\nhelp: ");
        text.push_str(h);
    }
    let index = crate::rules::all_metas()
        .position(|m| m.id == f.rule.id)
        .unwrap_or(0);
    let mut r = json!({
        "ruleId": f.rule.id,
        "ruleIndex": index,
        "level": level(f.severity),
        "message": { "text": text },
        "partialFingerprints": { "clawfence/v1": fingerprint(host, f) },
        "properties": { "instances": f.instances },
    });
    if let Some(l) = &f.primary {
        r["locations"] = json!([{
            "physicalLocation": physical(host, &l.location),
            "message": { "text": l.message },
        }]);
    }
    if !f.secondary.is_empty() {
        r["relatedLocations"] = f
            .secondary
            .iter()
            .enumerate()
            .map(|(n, l)| {
                json!({
                    "id": n,
                    "physicalLocation": physical(host, &l.location),
                    "message": { "text": l.message },
                })
            })
            .collect();
    }
    r
}

/// The SARIF log.
pub fn render(host: &Host, findings: &[Finding]) -> String {
    let mut run = json!({
        "tool": { "driver": {
            "name": "clawfence",
            "version": env!("CARGO_PKG_VERSION"),
            "informationUri": env!("CARGO_PKG_REPOSITORY"),
            "rules": crate::rules::all_metas().map(rule).collect::<Vec<_>>(),
        }},
        "columnKind": "unicodeCodePoints",
        "results": findings.iter().map(|f| result(host, f)).collect::<Vec<_>>(),
    });
    if host.display_prefix == "~" {
        let home = format!(
            "file://{}/",
            uri_path(&host.home.display().to_string()).trim_end_matches('/')
        );
        run["originalUriBaseIds"] = json!({ "HOME": { "uri": home } });
    }
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [run],
    });
    serde_json::to_string_pretty(&log).expect("serialisable") + "\n"
}
