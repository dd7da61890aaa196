//! Every output format on one two-instance conflict (`tests/formats/home`): the
//! exact output is pinned in `tests/formats/expected.*` (`BLESS=1` rewrites),
//! SARIF is validated against the official 2.1.0 schema, and GitHub annotations
//! are parsed back to the file and line they point at.

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/formats")
}

fn home() -> PathBuf {
    dir().join("home")
}

/// `check` on the fixture with extra args; the HOME's absolute path becomes `[HOME]`.
fn run(args: &[&str]) -> (i32, String) {
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--color", "never", "--home"])
        .arg(home())
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let home = home().display().to_string();
    (out.status.code().unwrap(), text.replace(&home, "[HOME]"))
}

#[test]
fn each_format_prints_exactly_its_expectation() {
    let mut failures = Vec::new();
    for (format, ext) in [
        ("human", "txt"),
        ("json", "json"),
        ("jsonl", "jsonl"),
        ("sarif", "sarif"),
        ("github", "github"),
        ("junit", "junit.xml"),
    ] {
        let (code, got) = run(&["--format", format]);
        assert_eq!(code, 1, "{format}: a conflict exits 1");
        let expected = dir().join(format!("expected.{ext}"));
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&expected, &got).unwrap();
        } else if std::fs::read_to_string(&expected).ok().as_deref() != Some(got.as_str()) {
            failures.push(format!(
                "--format {format} differs (BLESS=1 to accept):\n{got}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    // Unnormalised: the HOME's `file://` URI is part of what is validated.
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--format", "sarif", "--home"])
        .arg(home())
        .output()
        .unwrap();
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir().join("../sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("file:///sarif-schema-2.1.0.json", schema)
        .unwrap();
    let index = compiler
        .compile("file:///sarif-schema-2.1.0.json", &mut schemas)
        .unwrap();
    if let Err(e) = schemas.validate(&log, index) {
        panic!("SARIF output violates the 2.1.0 schema:\n{e:#}");
    }
    // And the parts code scanning relies on.
    let run = &log["runs"][0];
    let result = &run["results"][0];
    assert_eq!(result["ruleId"], "port-collision");
    assert_eq!(
        run["tool"]["driver"]["rules"][result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "port-collision"
    );
    assert!(
        run["tool"]["driver"]["rules"][0]["helpUri"]
            .as_str()
            .unwrap()
            .ends_with("/rules/base-ports-too-close.md")
    );
    assert_eq!(result["relatedLocations"].as_array().unwrap().len(), 2);
    assert!(
        result["partialFingerprints"]["clawfence/v1"]
            .as_str()
            .unwrap()
            .len()
            == 16
    );
}

#[test]
fn fingerprints_survive_line_shifts() {
    let tmp = tempfile::tempdir().unwrap();
    let copy = |shift: &str| {
        for rel in [
            ".openclaw/openclaw.json",
            ".openclaw-rescue/openclaw.json",
            ".openclaw-rescue/.env",
        ] {
            let to = tmp.path().join(rel);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            let text = std::fs::read_to_string(home().join(rel)).unwrap();
            std::fs::write(to, format!("{shift}{text}")).unwrap();
        }
        let out = cargo_bin_cmd!("clawfence")
            .args(["check", "--format", "sarif", "--home"])
            .arg(tmp.path())
            .output()
            .unwrap();
        let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let r = &log["runs"][0]["results"][0];
        (
            r["partialFingerprints"].clone(),
            r["locations"][0]["physicalLocation"]["region"]["startLine"].clone(),
        )
    };
    let (before, line_before) = copy("");
    let (after, line_after) = copy("\n\n\n");
    assert_ne!(line_before, line_after, "the edit moved the finding");
    assert_eq!(before, after, "the fingerprint did not move with it");
}

#[test]
fn github_annotations_point_at_the_right_lines() {
    let (_, text) = run(&["--format", "github"]);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "one annotation per place of the finding:\n{text}"
    );
    for line in lines {
        let rest = line.strip_prefix("::error ").expect("an error command");
        let (props, message) = rest.split_once("::").unwrap();
        let get = |k: &str| {
            props
                .split(',')
                .find_map(|p| p.strip_prefix(&format!("{k}=")))
                .unwrap()
        };
        let file = get("file").replace("%3A", ":").replace("%2C", ",");
        let n: usize = get("line").parse().unwrap();
        let path = home().join(file.strip_prefix("~/").unwrap());
        let source = std::fs::read_to_string(&path).unwrap();
        let at = source.lines().nth(n - 1).unwrap();
        assert!(
            at.contains("18789") || at.contains("19001"),
            "{file}:{n} is `{at}`"
        );
        assert!(!message.contains('\n'), "newlines are escaped");
        assert!(
            message.contains("%0Aalso: "),
            "each annotation names the other places"
        );
    }
}

#[test]
fn several_formats_in_one_run() {
    let tmp = tempfile::tempdir().unwrap();
    let sarif = tmp.path().join("out.sarif");
    let (code, stdout) = run(&[
        "--format",
        "human",
        "--format",
        "sarif",
        "--output",
        sarif.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(stdout.starts_with("error[port-collision]"), "{stdout}");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(written["version"], "2.1.0");
}

#[test]
fn github_actions_gets_human_output_and_annotations() {
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--color", "never", "--home"])
        .arg(home())
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("error[port-collision]"));
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("::error file="))
            .count(),
        3
    );
}

#[test]
fn output_before_any_format_is_refused() {
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--home"])
        .arg(home())
        .args(["--output", "x.json", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("must follow the `--format`"));
}

#[test]
fn the_json_schema_is_doctors() {
    let (_, text) = run(&["--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&doc),
        [
            "schemaVersion",
            "ok",
            "checksRun",
            "checksSkipped",
            "findings"
        ]
    );
    assert_eq!(doc["schemaVersion"], 1);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["checksRun"], clawfence::rules::RULES.len());
    let f = &doc["findings"][0];
    assert_eq!(
        keys(f),
        [
            "checkId",
            "severity",
            "message",
            "source",
            "path",
            "line",
            "column",
            "target",
            "fixHint",
            "endLine",
            "endColumn",
            "instances",
            "related"
        ]
    );
    assert_eq!(f["checkId"], "isolation/port-collision");
    assert_eq!(f["path"], "~/.openclaw-rescue/.env");
    assert_eq!(f["target"], "OPENCLAW_GATEWAY_PORT");
    assert_eq!(
        keys(&f["related"][0]),
        ["path", "line", "column", "target", "message"]
    );
    let (code, clean) = run(&["--format", "json", "--only", "shared-state-dir"]);
    assert_eq!(code, 0);
    let clean: serde_json::Value = serde_json::from_str(&clean).unwrap();
    assert_eq!(
        (
            clean["ok"].clone(),
            clean["checksRun"].clone(),
            clean["checksSkipped"].clone()
        ),
        (
            true.into(),
            1.into(),
            (clawfence::rules::RULES.len() - 1).into()
        )
    );
    assert_eq!(clean["findings"], serde_json::json!([]));
}
