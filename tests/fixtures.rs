//! `fixtures/<rule-id>/<scenario>/home/` is a fake HOME; `expected.txt` beside it
//! is what `clawfence check --color never` prints for it. A missing expectation
//! fails; `BLESS=1 cargo test --test fixtures` rewrites them. `FIXTURE=<rule-id>`
//! runs one rule's scenarios. A scenario may also hold a docker compose project:
//! `home/compose.yaml` (with `compose.override.yaml`) is read as `docker compose
//! up` run in HOME reads it.

mod common;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn scenarios() -> Vec<(String, PathBuf)> {
    let filter = std::env::var("FIXTURE").ok();
    let mut out = Vec::new();
    for rule in std::fs::read_dir(root()).unwrap() {
        let rule = rule.unwrap().path();
        let id = rule.file_name().unwrap().to_string_lossy().to_string();
        if filter.as_ref().is_some_and(|f| f != &id) {
            continue;
        }
        for s in std::fs::read_dir(&rule).unwrap() {
            out.push((id.clone(), s.unwrap().path()));
        }
    }
    out.sort();
    out
}

/// A scenario's fake HOME (`home/`), or its fake filesystem root (`root/`).
fn scenario_home(dir: &Path) -> PathBuf {
    match dir.join("root") {
        root if root.is_dir() => root,
        _ => dir.join("home"),
    }
}

#[test]
fn every_scenario_prints_its_expected_output() {
    let mut failures = Vec::new();
    for (_, dir) in scenarios() {
        let home = scenario_home(&dir);
        assert!(home.is_dir(), "{} has no home/ or root/", dir.display());
        let (text, findings, _) = common::human(&home);
        failures.extend(
            common::style_problems(&findings)
                .into_iter()
                .map(|p| format!("{}: {p}", dir.display())),
        );
        let expected = dir.join("expected.txt");
        if common::blessing() {
            std::fs::write(&expected, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&expected) {
            Ok(want) if want == text => {}
            Ok(want) => failures.push(format!(
                "{}: output differs (BLESS=1 to accept)\n--- expected\n{want}--- got\n{text}",
                dir.display()
            )),
            Err(_) => failures.push(format!(
                "{}: no expected.txt (BLESS=1 to write it)",
                dir.display()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_a_firing_and_a_silent_scenario() {
    let mut problems = Vec::new();
    for rule in clawfence::rules::RULES {
        let id = rule.meta.id;
        let dirs: Vec<PathBuf> = scenarios()
            .into_iter()
            .filter(|(r, _)| r == id)
            .map(|(_, d)| d)
            .collect();
        if dirs.is_empty() && std::env::var("FIXTURE").is_err() {
            problems.push(format!("`{id}` has no scenarios under fixtures/{id}/"));
            continue;
        }
        let fires = |d: &PathBuf| {
            common::check(&scenario_home(d))
                .1
                .iter()
                .any(|f| f.rule.id == id)
        };
        if !dirs.is_empty() && !dirs.iter().any(fires) {
            problems.push(format!("no scenario of `{id}` makes it fire"));
        }
        if !dirs.is_empty() && dirs.iter().all(fires) {
            problems.push(format!(
                "`{id}` has no near-miss scenario that stays silent"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Message style over every expected output: a finding's first line is
/// `severity[rule-id]: message` with a lowercase message, no trailing period and
/// values in backticks; every finding has a `help:` line.
#[test]
fn every_expected_output_follows_the_message_style() {
    let mut problems = Vec::new();
    for (_, dir) in scenarios() {
        let Ok(text) = std::fs::read_to_string(dir.join("expected.txt")) else {
            continue;
        };
        let blocks: Vec<&str> = text.split("\n\n").collect();
        for block in &blocks[..blocks.len().saturating_sub(1)] {
            let head = block.lines().next().unwrap_or("");
            let Some((_, message)) = head.split_once("]: ") else {
                problems.push(format!(
                    "{}: not `severity[id]: message`: {head}",
                    dir.display()
                ));
                continue;
            };
            let first = message.chars().next().unwrap_or(' ');
            if !(first.is_lowercase() || first == '`')
                || message.ends_with('.')
                || !message.contains('`')
            {
                problems.push(format!("{}: style of `{message}`", dir.display()));
            }
            if !block.contains("\n   = help: ") {
                problems.push(format!("{}: no help line for `{message}`", dir.display()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
