//! clawfence's own settings: which rules run at which severity, which instances
//! are left out, and which findings are deliberate.
//!
//! They sit beside `instances` in a manifest, or, for a HOME scan, in
//! `$XDG_CONFIG_HOME/clawfence/clawfence.json5` (else `~/.config/clawfence/clawfence.json5`),
//! or in the file given with `--config`:
//!
//! ```json5
//! {
//!   rules: { "base-ports-too-close": "off", "shared-workspace": "warning" },
//!   exclude: ["backup", "old-*"],
//!   ignore: [
//!     { rule: "shared-workspace", instances: ["main", "rescue"], reason: "rescue reads main's notes on purpose" },
//!   ],
//! }
//! ```
//!
//! Problems in the file are findings with spans, like the manifest's own.

use crate::finding::Severity;
use crate::load::Location;
use crate::load::json5::{self, Node};
use crate::model::{DiscoveryIssue, Host};
use crate::rules::{self, RuleMeta, nearest};
use crate::source::{SourceKind, Span};
use std::path::{Path, PathBuf};

/// The keys of the settings, in a manifest or a file of their own.
pub const KEYS: &[&str] = &["rules", "exclude", "ignore"];
/// The keys only a manifest has.
pub const MANIFEST_KEYS: &[&str] = &["home", "instances"];
/// The directory and file name under the XDG config home.
pub const USER_FILE: &str = "clawfence/clawfence.json5";

/// What `rules: { id: … }` sets a rule to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    Severity(Severity),
}

/// One `ignore` entry: a deliberate finding, with the reason it is deliberate.
#[derive(Debug, Clone)]
pub struct Ignore {
    pub rule: &'static RuleMeta,
    /// The finding's instances must all be among these; empty: any instances.
    pub instances: Vec<String>,
    pub reason: String,
    /// The whole entry, for the unused-suppression finding.
    pub span: Span,
}

/// The settings, as read.
#[derive(Debug, Default)]
pub struct Config {
    /// Where they were read from, as shown.
    pub shown: Option<String>,
    pub rules: Vec<(&'static RuleMeta, Level)>,
    pub exclude: Vec<String>,
    exclude_set: Option<globset::GlobSet>,
    pub ignore: Vec<Ignore>,
    /// Problems in the file itself.
    pub issues: Vec<DiscoveryIssue>,
}

fn issue(span: Span, message: String, help: Option<String>) -> DiscoveryIssue {
    DiscoveryIssue {
        location: Location::Span(span),
        message,
        help,
    }
}

/// The user settings file for a HOME scan: `$XDG_CONFIG_HOME` applies only when
/// the HOME scanned is the user's own (`--home` names another account's).
pub fn user_file(home: &Path, own_home: bool) -> PathBuf {
    match std::env::var_os("XDG_CONFIG_HOME").filter(|x| own_home && !x.is_empty()) {
        Some(x) => PathBuf::from(x).join(USER_FILE),
        None => home.join(".config").join(USER_FILE),
    }
}

impl Config {
    /// Whether an instance is left out by `exclude` (its name, or a glob of names).
    pub fn excludes(&self, name: &str) -> bool {
        self.exclude_set
            .as_ref()
            .is_some_and(|set| set.is_match(name))
    }

    /// The level `rules:` sets for a rule, if any.
    pub fn level(&self, id: &str) -> Option<Level> {
        self.rules
            .iter()
            .rev()
            .find(|(m, _)| m.id == id)
            .map(|(_, l)| *l)
    }

    /// Leaves the excluded instances out of the host, and the discovery issues
    /// about their directories; returns their names.
    pub fn exclude_from(&self, host: &mut Host) -> Vec<String> {
        let mut out = Vec::new();
        host.instances.retain(|i| {
            let keep = !self.excludes(&i.name);
            if !keep {
                out.push(i.name.clone());
            }
            keep
        });
        host.issues.retain(|issue| match &issue.location {
            Location::Path(p) => {
                let dir = p.rsplit('/').next().unwrap_or(p);
                let name = dir.strip_prefix(".openclaw-").unwrap_or(dir);
                !(self.excludes(name) || self.excludes(dir))
            }
            Location::Span(_) => true,
        });
        out
    }
}

/// Reads the settings at `path` into the host's sources (so that problems get
/// code frames). In a manifest, only the settings keys are read: the manifest
/// reports its own.
pub fn load(host: &mut Host, path: &Path, in_manifest: bool) -> std::io::Result<Config> {
    let text = std::fs::read_to_string(path)?;
    let shown = host.shown(path);
    let file = host.sources.add(
        path.to_path_buf(),
        shown.clone(),
        SourceKind::Manifest,
        text,
    );
    let mut out = Config {
        shown: Some(shown.clone()),
        ..Config::default()
    };
    let root = match json5::parse(&host.sources.get(file).text, file) {
        Ok(root) => root,
        Err(_) if in_manifest => return Ok(out),
        Err(e) => {
            out.issues.push(issue(
                Span::new(file, e.offset..e.offset),
                format!("settings `{shown}` do not parse: {}", e.message),
                Some("the settings are JSON5: `{ rules: { \"RULE\": \"off\" } }`".into()),
            ));
            return Ok(out);
        }
    };
    let Some(top) = root.as_object() else {
        if !in_manifest {
            out.issues.push(issue(
                root.span,
                "settings are an object with `rules`, `exclude` and `ignore`".into(),
                None,
            ));
        }
        return Ok(out);
    };
    for e in top {
        match e.key.as_str() {
            "rules" => read_rules(&mut out, &e.node),
            "exclude" => read_exclude(&mut out, &e.node),
            "ignore" => read_ignore(&mut out, &e.node),
            "$schema" => {}
            _ if in_manifest => {}
            other => out
                .issues
                .push(unknown_key(e.key_span, other, KEYS, "settings")),
        }
    }
    Ok(out)
}

/// "unknown settings key `rule`; did you mean `rules`?"
pub fn unknown_key(span: Span, key: &str, known: &[&str], what: &str) -> DiscoveryIssue {
    let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
    let message = match nearest(key, known) {
        Some(k) => format!("unknown {what} key `{key}`; did you mean `{k}`?"),
        None => format!("unknown {what} key `{key}`"),
    };
    issue(
        span,
        message,
        Some(format!("the keys are {}", rules::join_and(&list))),
    )
}

fn rule_meta(out: &mut Config, span: Span, id: &str) -> Option<&'static RuleMeta> {
    let found = rules::find_meta(id);
    if found.is_none() {
        out.issues.push(issue(
            span,
            rules::unknown_rule(id),
            Some("`clawfence rules` lists the rule ids".into()),
        ));
    }
    found
}

fn read_rules(out: &mut Config, node: &Node) {
    let Some(entries) = node.as_object() else {
        out.issues.push(issue(
            node.span,
            "`rules` must be an object: `{ \"RULE\": \"off\" | \"warning\" | \"error\" }`".into(),
            None,
        ));
        return;
    };
    for e in entries {
        let Some(meta) = rule_meta(out, e.key_span, &e.key) else {
            continue;
        };
        let level = match e.node.as_str() {
            Some("off") => Level::Off,
            Some("warning") => Level::Severity(Severity::Warning),
            Some("error") => Level::Severity(Severity::Error),
            other => {
                let hint = other
                    .and_then(|o| nearest(o, &["off", "warning", "error"]))
                    .map(|n| format!("; did you mean `{n}`?"))
                    .unwrap_or_default();
                out.issues.push(issue(
                    e.node.span,
                    format!(
                        "`rules.{}` must be `off`, `warning` or `error`{hint}",
                        e.key
                    ),
                    None,
                ));
                continue;
            }
        };
        out.rules.push((meta, level));
    }
}

fn read_exclude(out: &mut Config, node: &Node) {
    let items: Vec<&Node> = match &node.value {
        json5::Value::Array(items) => items.iter().collect(),
        json5::Value::String(_) => vec![node],
        _ => {
            out.issues.push(issue(
                node.span,
                "`exclude` must be a list of instance names or globs".into(),
                Some("e.g. `exclude: [\"backup\", \"old-*\"]`".into()),
            ));
            return;
        }
    };
    let mut builder = globset::GlobSetBuilder::new();
    for item in items {
        let Some(pattern) = item.as_str() else {
            out.issues.push(issue(
                item.span,
                "an `exclude` entry must be a string".into(),
                None,
            ));
            continue;
        };
        match globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
        {
            Ok(g) => {
                builder.add(g);
                out.exclude.push(pattern.to_string());
            }
            Err(e) => out.issues.push(issue(
                item.span,
                format!("`exclude` pattern `{pattern}` is not a glob: {}", e.kind()),
                None,
            )),
        }
    }
    out.exclude_set = builder.build().ok();
}

fn read_ignore(out: &mut Config, node: &Node) {
    let json5::Value::Array(items) = &node.value else {
        out.issues.push(issue(
            node.span,
            "`ignore` must be a list of `{ rule, instances, reason }`".into(),
            None,
        ));
        return;
    };
    for item in items {
        let Some(fields) = item.as_object() else {
            out.issues.push(issue(
                item.span,
                "an `ignore` entry is `{ rule, instances, reason }`".into(),
                None,
            ));
            continue;
        };
        let mut rule = None;
        let mut instances = Vec::new();
        let mut reason = None;
        let mut ok = true;
        for f in fields {
            match f.key.as_str() {
                "rule" => match f.node.as_str() {
                    Some(id) => {
                        rule = rule_meta(out, f.node.span, id);
                        ok &= rule.is_some();
                    }
                    None => {
                        out.issues.push(issue(
                            f.node.span,
                            "`rule` must be a rule id".into(),
                            None,
                        ));
                        ok = false;
                    }
                },
                "instances" => {
                    let list: Vec<&Node> = match &f.node.value {
                        json5::Value::Array(v) => v.iter().collect(),
                        json5::Value::String(_) => vec![&f.node],
                        _ => vec![],
                    };
                    for n in &list {
                        match n.as_str() {
                            Some(s) => instances.push(s.to_string()),
                            None => ok = false,
                        }
                    }
                    if list.is_empty() || !ok {
                        out.issues.push(issue(
                            f.node.span,
                            "`instances` must be a list of instance names".into(),
                            None,
                        ));
                        ok = false;
                    }
                }
                "reason" => reason = f.node.as_str().map(str::trim).map(str::to_string),
                other => {
                    out.issues.push(unknown_key(
                        f.key_span,
                        other,
                        &["rule", "instances", "reason"],
                        "`ignore` entry",
                    ));
                    ok = false;
                }
            }
        }
        let Some(rule) = rule else {
            if ok {
                out.issues.push(issue(
                    item.span,
                    "this `ignore` entry names no `rule`".into(),
                    Some("add `rule: \"RULE-ID\"`".into()),
                ));
            }
            continue;
        };
        match reason.filter(|r| !r.is_empty()) {
            Some(reason) if ok => out.ignore.push(Ignore {
                rule,
                instances,
                reason,
                span: item.span,
            }),
            Some(_) => {}
            // as cargo-deny's `ignore = [{ id, reason }]`: a deliberate finding says why
            None => out.issues.push(issue(
                item.span,
                format!(
                    "the `ignore` entry for `{}` gives no `reason`, so it ignores nothing",
                    rule.id
                ),
                Some("add `reason: \"why this is deliberate\"`".into()),
            )),
        }
    }
}
