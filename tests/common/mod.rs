//! Shared by the fixture and rules-doc runners: run `check` on a fake HOME
//! in-process and render it as people see it (no colour).
#![allow(dead_code)]

use clawfence::finding::{Finding, Severity};
use clawfence::model::Host;
use clawfence::rules::{self, Selection};
use clawfence::{HostRequest, build_host};
use std::path::Path;

/// Every finding on `home` (all rules, every severity) and the host.
///
/// `home` is a fake HOME, or a fake filesystem root holding `home/<user>/` and
/// system-wide launchers (`etc/systemd/system`, `Library/LaunchDaemons`). A
/// scenario may hold a docker compose project: `home/compose.yaml` (and
/// `compose.override.yaml`) are read as `docker compose up` in HOME reads them.
pub fn check(home: &Path) -> (Host, Vec<Finding>) {
    let mut req = request(home);
    req.compose.extend(clawfence::load::compose::discover(home));
    let host = build_host(&req).expect("host");
    let findings = rules::check(&host, &Selection::default())
        .into_iter()
        .filter(|f| f.severity >= Severity::Info)
        .collect();
    (host, findings)
}

/// The request for a scenario: its `home/`, or its `root/` and the one HOME in it.
pub fn request(dir: &Path) -> HostRequest {
    let is_root = dir.file_name().is_some_and(|n| n == "root");
    if !is_root {
        return HostRequest::home(dir.to_path_buf(), dir.to_path_buf());
    }
    let home = std::fs::read_dir(dir.join("home"))
        .ok()
        .and_then(|mut d| d.next())
        .and_then(Result::ok)
        .map(|e| e.path())
        .unwrap_or_else(|| dir.join("home/alice"));
    let mut req = HostRequest::home(home.clone(), home);
    req.root = Some(dir.to_path_buf());
    req
}

/// What `clawfence check --color never` prints for `home`.
pub fn human(home: &Path) -> (String, Vec<Finding>, Host) {
    let (host, findings) = check(home);
    let text = clawfence::report::human::render(&host, &findings, false);
    (text, findings, host)
}

/// Whether expectations are being rewritten (`BLESS=1`).
pub fn blessing() -> bool {
    std::env::var_os("BLESS").is_some_and(|v| v != "0")
}

/// Checks the message style every finding must follow.
pub fn style_problems(findings: &[Finding]) -> Vec<String> {
    let mut out = Vec::new();
    for f in findings {
        let m = &f.message;
        let first = m.chars().next().unwrap_or(' ');
        if !(first.is_lowercase() || first == '`') {
            out.push(format!("[{}] not lowercase: {m}", f.rule.id));
        }
        if m.ends_with('.') {
            out.push(format!("[{}] trailing period: {m}", f.rule.id));
        }
        if !m.contains('`') {
            out.push(format!("[{}] no value in backticks: {m}", f.rule.id));
        }
        for name in &f.instances {
            if !m.contains(&format!("`{name}`")) {
                out.push(format!("[{}] does not name `{name}`: {m}", f.rule.id));
            }
        }
        match &f.help {
            None => out.push(format!("[{}] no help line: {m}", f.rule.id)),
            Some(h) if !h.chars().any(|c| c.is_ascii_digit()) && !h.contains('`') => {
                out.push(format!("[{}] help has no concrete value: {h}", f.rule.id))
            }
            _ => {}
        }
    }
    out
}
