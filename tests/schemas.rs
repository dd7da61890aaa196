//! The JSON Schemas under `schemas/` stay current: the rule ids and settings
//! keys in `clawfence.schema.json` are the registry's (`BLESS=1` rewrites
//! them), the manifests validate, and what `check --format json`/`jsonl` and
//! `--write-baseline` print validates against its schema, which allows no
//! field the schema does not name.

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema_path(name: &str) -> PathBuf {
    repo().join("schemas").join(name)
}

fn load(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(schema_path(name)).unwrap()).unwrap()
}

/// Validates `doc` against `schemas/NAME` (at `pointer`, e.g. `#/$defs/finding`).
fn validate(name: &str, pointer: &str, doc: &Value) -> Result<(), String> {
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    let url = format!("file:///{name}");
    compiler.add_resource(&url, load(name)).unwrap();
    let index = compiler
        .compile(&format!("{url}{pointer}"), &mut schemas)
        .unwrap();
    schemas.validate(doc, index).map_err(|e| format!("{e:#}"))
}

#[test]
fn the_settings_schema_names_the_registry_and_the_known_keys() {
    let mut schema = load("clawfence.schema.json");
    let mut ids: Vec<String> = Vec::new();
    for m in clawfence::rules::all_metas() {
        ids.push(m.id.to_string());
        ids.push(format!("{}/{}", m.group, m.id));
    }
    schema["$defs"]["ruleId"] = json!({ "enum": ids });
    let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    let path = schema_path("clawfence.schema.json");
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
    } else {
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            text,
            "schemas/clawfence.schema.json is stale (BLESS=1 cargo test --test schemas)"
        );
    }
    let keys: Vec<&str> = schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut known = vec!["$schema"];
    known.extend(clawfence::config::MANIFEST_KEYS);
    known.extend(clawfence::config::KEYS);
    assert_eq!(keys, known, "top-level keys");
    let instance: Vec<&str> = schema["$defs"]["instance"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(instance, clawfence::manifest::INSTANCE_KEYS);
}

#[test]
fn manifests_validate_and_a_misspelt_key_does_not() {
    let read = |name: &str| -> Value {
        let text = std::fs::read_to_string(
            repo()
                .join("tests/manifest")
                .join(name)
                .join("clawfence.json5"),
        )
        .unwrap();
        json5::from_str(&text).unwrap()
    };
    for ok in ["fixed", "conflict"] {
        validate("clawfence.schema.json", "", &read(ok)).unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
    assert!(validate("clawfence.schema.json", "", &read("broken")).is_err());
    let fixed = read("fixed");
    assert_eq!(fixed["$schema"], "../../../schemas/clawfence.schema.json");
    let settings = json!({
        "rules": { "isolation/port-collision": "warning", "unused-suppression": "off" },
        "exclude": ["backup*"],
        "ignore": [{ "rule": "shared-workspace", "instances": ["main", "rescue"], "reason": "shared notes" }],
    });
    validate("clawfence.schema.json", "", &settings).unwrap();
    let no_reason = json!({ "ignore": [{ "rule": "shared-workspace" }] });
    assert!(validate("clawfence.schema.json", "", &no_reason).is_err());
    let bad_id = json!({ "rules": { "port-colision": "off" } });
    assert!(validate("clawfence.schema.json", "", &bad_id).is_err());
}

fn check(args: &[&str]) -> String {
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--home"])
        .arg(repo().join("tests/formats/home"))
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn json_outputs_and_the_baseline_validate() {
    let doc: Value = serde_json::from_str(&check(&["--format", "json"])).unwrap();
    assert!(!doc["findings"].as_array().unwrap().is_empty());
    validate("check.schema.json", "", &doc).unwrap();
    for line in check(&["--format", "jsonl"]).lines() {
        let f: Value = serde_json::from_str(line).unwrap();
        validate("check.schema.json", "#/$defs/finding", &f).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b.json");
    check(&["--write-baseline", b.to_str().unwrap()]);
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&b).unwrap()).unwrap();
    validate("baseline.schema.json", "", &doc).unwrap();
}

#[test]
fn a_merged_doctor_finding_validates() {
    let f = json!({
        "checkId": "core/doctor/gateway-auth", "severity": "warning",
        "message": "Gateway auth is off or missing a token.", "path": "gateway.auth.token",
        "requirement": "x", "source": "openclaw doctor", "instances": ["rescue"],
    });
    validate("check.schema.json", "#/$defs/finding", &f).unwrap();
    let mut wrong = f.clone();
    wrong["source"] = json!("clawfence");
    assert!(validate("check.schema.json", "#/$defs/finding", &wrong).is_err());
}

#[test]
fn the_ports_document_validates() {
    let out = cargo_bin_cmd!("clawfence")
        .args(["ports", "--format", "json", "--home"])
        .arg(repo().join("tests/formats/home"))
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["instances"].as_array().unwrap().len(), 2);
    validate("ports.schema.json", "", &doc).unwrap();
}
