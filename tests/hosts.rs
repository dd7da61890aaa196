//! `tests/hosts/<scenario>/home/` is a fake HOME for the resolver; `expected.json`
//! beside it is what `clawfence ports --format json` prints for it
//! (`BLESS=1 cargo test --test hosts` rewrites them).

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::{Path, PathBuf};

fn scenarios() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hosts");
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    out.sort();
    out
}

#[test]
fn port_maps_match_their_expectations() {
    let mut failures = Vec::new();
    for dir in scenarios() {
        let out = cargo_bin_cmd!("clawfence")
            .args(["ports", "--format", "json", "--home"])
            .arg(dir.join("home"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {out:?}", dir.display());
        let got = String::from_utf8(out.stdout).unwrap();
        let expected = dir.join("expected.json");
        if std::env::var_os("BLESS").is_some() {
            std::fs::write(&expected, &got).unwrap();
        } else if std::fs::read_to_string(&expected).ok().as_deref() != Some(got.as_str()) {
            failures.push(format!(
                "{}: `ports --format json` differs (BLESS=1 to accept):\n{got}",
                dir.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn port_map(scenario: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/hosts")
            .join(scenario)
            .join("expected.json"),
    )
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn instance<'a>(map: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    map["instances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == name)
        .unwrap()
}

#[test]
fn the_values_openclaw_would_resolve() {
    // The docs' rescue bot: 19001 → control 19003, relay 19011, CDP 19012..=19111.
    let m = port_map("default-and-rescue");
    let r = instance(&m, "rescue");
    assert_eq!(r["ports"]["gateway"], 19001);
    assert_eq!(r["ports"]["browserControl"], 19003);
    assert_eq!(r["ports"]["extensionRelay"], 19011);
    assert_eq!(
        r["ports"]["cdpRange"],
        serde_json::json!({"start": 19012, "end": 19111})
    );
    assert_eq!(r["workspace"], "~/.openclaw-rescue/workspace");
    assert_eq!(instance(&m, "default")["ports"]["gateway"], 18789);
    // `.env` beats `gateway.port`.
    let w = &port_map("port-from-env")["instances"][0];
    assert_eq!(w["ports"]["gateway"], 19500);
    assert!(
        w["sources"]["gateway"]
            .as_str()
            .unwrap()
            .contains("~/.openclaw-work/.env:2")
    );
    // `$include`, hex: 0x4E30 = 20016.
    let o = &port_map("port-through-include-hex")["instances"][0];
    assert_eq!(o["ports"]["gateway"], 20016);
    assert!(
        o["sources"]["gateway"]
            .as_str()
            .unwrap()
            .contains("conf.d/gateway.json5")
    );
    // No port: 20000 + fnv1a32("main") % 40000.
    assert_eq!(
        port_map("hashed-profile")["instances"][0]["ports"]["gateway"],
        23592
    );
    // `${CDP_PORT}` from the profile's `.env`.
    assert_eq!(
        port_map("var-from-env")["instances"][0]["ports"]["cdpPorts"]["openclaw"],
        9333
    );
}

#[test]
fn a_broken_config_is_reported_and_the_others_still_resolve() {
    let home = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hosts/broken-config/home");
    let out = cargo_bin_cmd!("clawfence")
        .args(["ports", "--format", "json", "--home"])
        .arg(&home)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("~/.openclaw-broken/openclaw.json:5:5: config of `broken` does not parse"),
        "{stderr}"
    );
    let m = port_map("broken-config");
    assert_eq!(instance(&m, "rescue")["ports"]["gateway"], 19001);
    assert_eq!(instance(&m, "default")["ports"]["gateway"], 18789);
    // OpenClaw runs the broken one as if its config were empty: the hashed port.
    assert_eq!(instance(&m, "broken")["ports"]["gateway"], 44800);
}
