//! `--format json`: the `openclaw doctor --lint --json` document, and
//! `--format jsonl`: one finding per line.
//!
//! why: OpenClaw 2026.9.6 `src/commands/doctor-lint-output.ts` (`formatJsonResult`,
//! `toJsonFinding`): `{schemaVersion: 1, ok, checksRun, checksSkipped, findings}`,
//! keys without a value left out, findings sorted by severity, then `checkId`,
//! then `path` (`compareFindings` in `src/flows/doctor-lint-flow.ts`).

use super::{Place, place};
use crate::finding::Finding;
use crate::model::Host;
use serde::Serialize;

/// The document's `schemaVersion` (`DOCTOR_LINT_JSON_SCHEMA_VERSION`).
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document<'a> {
    schema_version: u32,
    ok: bool,
    checks_run: usize,
    checks_skipped: usize,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFinding<'a> {
    check_id: String,
    severity: &'static str,
    message: &'a str,
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix_hint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
    instances: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<Related<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Related<'a> {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a str>,
    message: &'a str,
}

/// How the run went, for the envelope.
pub struct Run {
    pub ok: bool,
    pub checks_run: usize,
    pub checks_skipped: usize,
}

fn finding<'a>(host: &Host, f: &'a Finding) -> JsonFinding<'a> {
    let at = f.primary.as_ref().map(|l| place(host, &l.location));
    let Place {
        path,
        line,
        column,
        end_line,
        end_column,
    } = at.unwrap_or(Place {
        path: String::new(),
        line: None,
        column: None,
        end_line: None,
        end_column: None,
    });
    JsonFinding {
        check_id: format!("{}/{}", f.rule.group, f.rule.id),
        severity: f.severity.as_str(),
        message: &f.message,
        source: "clawfence",
        path: (!path.is_empty()).then_some(path),
        line,
        column,
        target: f.primary.as_ref().and_then(|l| l.target.as_deref()),
        fix_hint: f.help.as_deref(),
        end_line,
        end_column,
        instances: &f.instances,
        related: f
            .secondary
            .iter()
            .map(|l| {
                let p = place(host, &l.location);
                Related {
                    path: p.path,
                    line: p.line,
                    column: p.column,
                    target: l.target.as_deref(),
                    message: &l.message,
                }
            })
            .collect(),
    }
}

/// Doctor's order: errors first, then by `checkId`, then by `path`.
fn sorted<'a>(host: &Host, findings: &'a [Finding]) -> Vec<JsonFinding<'a>> {
    let mut out: Vec<JsonFinding> = findings.iter().map(|f| finding(host, f)).collect();
    let rank = |s: &str| match s {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    };
    out.sort_by(|a, b| {
        (rank(a.severity), &a.check_id, &a.path).cmp(&(rank(b.severity), &b.check_id, &b.path))
    });
    out
}

/// The whole document, on one line, as doctor writes it.
pub fn render(host: &Host, findings: &[Finding], run: &Run) -> String {
    let doc = Document {
        schema_version: SCHEMA_VERSION,
        ok: run.ok,
        checks_run: run.checks_run,
        checks_skipped: run.checks_skipped,
        findings: sorted(host, findings),
    };
    serde_json::to_string(&doc).expect("serialisable") + "\n"
}

/// One finding object per line.
pub fn render_lines(host: &Host, findings: &[Finding]) -> String {
    sorted(host, findings)
        .iter()
        .map(|f| serde_json::to_string(f).expect("serialisable") + "\n")
        .collect()
}
