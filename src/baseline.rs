//! A baseline: today's findings recorded by fingerprint (the SARIF
//! `partialFingerprints` one), so that CI fails only on new ones.

use crate::finding::Finding;
use crate::model::Host;
use crate::report::fingerprint;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The version of the file format.
pub const VERSION: u32 = 1;

/// One recorded finding. Only the fingerprint matters; the rest is for people.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub instances: Vec<String>,
    pub message: String,
}

/// The file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// The findings as a baseline file.
pub fn render(host: &Host, findings: &[Finding]) -> String {
    let mut entries: Vec<Entry> = findings
        .iter()
        .map(|f| Entry {
            fingerprint: fingerprint(host, f),
            rule: f.rule.id.to_string(),
            instances: f.instances.clone(),
            message: f.message.clone(),
        })
        .collect();
    entries.sort_by(|a, b| (&a.rule, &a.fingerprint).cmp(&(&b.rule, &b.fingerprint)));
    let b = Baseline {
        version: VERSION,
        findings: entries,
    };
    serde_json::to_string_pretty(&b).expect("serialisable") + "\n"
}

/// Reads a baseline file.
pub fn parse(text: &str) -> Result<Baseline, String> {
    let b: Baseline = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if b.version != VERSION {
        return Err(format!(
            "version `{}` is not `{VERSION}`; rewrite it with `--write-baseline`",
            b.version
        ));
    }
    Ok(b)
}

/// What a baseline left.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings not in the baseline.
    pub new: Vec<Finding>,
    /// How many findings the baseline holds that are still there.
    pub baselined: usize,
    /// Baselined findings that are gone: the file can shrink.
    pub gone: Vec<Entry>,
}

/// Splits findings into new and baselined; each entry matches one finding, so
/// a second finding with the same fingerprint is new.
pub fn apply(host: &Host, baseline: &Baseline, findings: Vec<Finding>) -> Outcome {
    let mut left: HashMap<&str, Vec<&Entry>> = HashMap::new();
    for e in &baseline.findings {
        left.entry(e.fingerprint.as_str()).or_default().push(e);
    }
    let mut out = Outcome::default();
    for f in findings {
        let fp = fingerprint(host, &f);
        match left.get_mut(fp.as_str()).and_then(|v| v.pop()) {
            Some(_) => out.baselined += 1,
            None => out.new.push(f),
        }
    }
    let mut gone: Vec<Entry> = left.into_values().flatten().cloned().collect();
    gone.sort_by(|a, b| (&a.rule, &a.fingerprint).cmp(&(&b.rule, &b.fingerprint)));
    out.gone = gone;
    out
}
