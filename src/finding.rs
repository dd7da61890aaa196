//! What rules produce: findings with labels in every file involved. Data only.

use crate::provenance::Location;
use serde::Serialize;

/// What a rule is, for the registry, `clawfence rules` and the docs.
#[derive(Debug)]
pub struct RuleMeta {
    /// Kebab-case, names the problem; the same string in the module, the docs page,
    /// the fixtures directory and the JSON `checkId`.
    pub id: &'static str,
    /// The `checkId` namespace: `isolation` for the static rules, `preflight` for
    /// the live checks of `clawfence preflight`.
    pub group: &'static str,
    pub default_severity: Severity,
    /// One lowercase line: the first paragraph of `rules/<id>.md`.
    pub summary: &'static str,
    /// `rules/<id>.md`, printed by `clawfence explain <id>`.
    pub docs: &'static str,
}

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in a file and what it has to do with the finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub location: Location,
    /// A short noun phrase: "gateway port of `rescue`", "also used by `main`".
    pub message: String,
    /// The config key at this place, when there is one (`gateway.port`).
    pub target: Option<String>,
}

/// One problem, about one or more instances.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    /// Lowercase, no trailing period, values in backticks, every instance named.
    pub message: String,
    /// The instances involved, sorted.
    pub instances: Vec<String>,
    /// Where the fix goes; `None` when nothing involved has a place in a file.
    pub primary: Option<Label>,
    /// The other places involved (the other instance's file, provenance hops).
    pub secondary: Vec<Label>,
    /// Facts without a place: defaults, derivations, what overrode what.
    pub notes: Vec<String>,
    /// One concrete action with a computed value.
    pub help: Option<String>,
    /// The edits that apply the help (`clawfence fix`); empty when a person must.
    pub edits: Vec<crate::plan::Edit>,
}

impl Finding {
    pub fn new(rule: &'static RuleMeta, message: String, mut instances: Vec<String>) -> Finding {
        instances.sort();
        instances.dedup();
        Finding {
            rule,
            severity: rule.default_severity,
            message,
            instances,
            primary: None,
            secondary: vec![],
            notes: vec![],
            help: None,
            edits: vec![],
        }
    }

    /// Every label, primary first.
    pub fn labels(&self) -> impl Iterator<Item = &Label> {
        self.primary.iter().chain(self.secondary.iter())
    }
}
