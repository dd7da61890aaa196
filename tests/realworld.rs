//! The loader against real public configs: `../shared/realworld/<case>/` holds a
//! state dir's files and what OpenClaw 2026.9.6 said about them (`oracle.json`).
//! Each case is installed as profile `rw` in a temporary HOME. Read in place;
//! skipped (saying why) where `../shared` is absent.

use clawfence::load::Location;
use clawfence::{HostRequest, build_host};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else if e.file_name() != "oracle.json" {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// `… at LINE:COL` in a JSON5 parse failure message.
fn oracle_position(messages: &[Value]) -> Option<(usize, usize)> {
    let m = messages
        .iter()
        .find_map(|m| m.as_str().filter(|s| s.contains("JSON5 parse failed")))?;
    let tail = &m[m.rfind(" at ")? + 4..];
    let (l, c) = tail.split_once(':')?;
    Some((l.trim().parse().ok()?, c.trim().parse().ok()?))
}

#[test]
fn loader_agrees_with_openclaw_on_every_real_config() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld");
    if !root.is_dir() {
        eprintln!(
            "skipped: {} is absent (it lives beside the repo, not in it)",
            root.display()
        );
        return;
    }
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("oracle.json").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let oracle: Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("oracle.json")).unwrap())
                .unwrap();
        let rw = &oracle["rw"];
        let home = tempfile::tempdir().unwrap();
        copy_dir(case, &home.path().join(".openclaw-rw"));
        let host = build_host(&HostRequest::home(
            home.path().to_path_buf(),
            home.path().to_path_buf(),
        ))
        .unwrap();
        let i = host.instance("rw").expect("profile rw");
        let load_failures: Vec<_> = i.load_errors.iter().filter(|e| e.kind.is_fatal()).collect();
        if rw["parses"] == Value::Bool(true) {
            if !load_failures.is_empty() {
                failures.push(format!(
                    "{name}: OpenClaw loads it, clawfence says {:?}",
                    load_failures[0].message
                ));
            }
            if let Some(port) = rw["gatewayPort"].as_i64()
                && port != i.ports.gateway.value
            {
                failures.push(format!(
                    "{name}: gateway port {} != OpenClaw {port}",
                    i.ports.gateway.value
                ));
            }
        } else {
            let Some(err) = load_failures.first() else {
                failures.push(format!(
                    "{name}: OpenClaw cannot load it, clawfence loads it"
                ));
                continue;
            };
            let Location::Span(at) = err.location else {
                failures.push(format!("{name}: no span for {:?}", err.message));
                continue;
            };
            let file = host.sources.get(at.file);
            if let Some((line, col)) = oracle_position(rw["messages"].as_array().unwrap()) {
                let got = file.line_col(at.start as usize);
                if file.display != "~/.openclaw-rw/openclaw.json" || got != (line, col) {
                    failures.push(format!(
                        "{name}: error at {}:{got:?}, OpenClaw {line}:{col}",
                        file.display
                    ));
                }
            }
            // The port falls back as if the config were empty (hash of `rw`).
            if let Some(port) = rw["gatewayPort"].as_i64()
                && port != i.ports.gateway.value
            {
                failures.push(format!(
                    "{name}: gateway port {} != OpenClaw {port}",
                    i.ports.gateway.value
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
