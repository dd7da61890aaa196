//! `clawfence.json5`: committed configs checked without a live HOME, found in the
//! current directory or given with `--manifest`; its own errors have spans.

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::{Path, PathBuf};

fn repo(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/manifest")
        .join(name)
}

fn check_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = cargo_bin_cmd!("clawfence")
        .current_dir(dir)
        .args(["check", "--color", "never"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn a_conflict_between_committed_configs_fails() {
    let (code, out) = check_in(&repo("conflict"), &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("error[port-collision]: `main` and `rescue` both use ports `19001`"),
        "{out}"
    );
    // Paths are relative to the manifest's directory; the `.env` line is labelled.
    assert!(out.contains("├─[ deploy/rescue.json5:3:35 ]"), "{out}");
    assert!(out.contains("╭─[ deploy/main.env:2:1 ]"), "{out}");
    // `main` is the one whose port deviates from its own config: its `.env` moves it.
    assert!(
        out.contains(
            "move `main` to base port `19112`: set `OPENCLAW_GATEWAY_PORT=19112` in `deploy/main.env`"
        ),
        "{out}"
    );
    assert!(
        !out.contains(env!("CARGO_MANIFEST_DIR")),
        "no absolute paths: {out}"
    );
}

#[test]
fn the_fixed_repository_passes() {
    assert_eq!(
        check_in(&repo("fixed"), &[]),
        (0, "no isolation problems in 2 instances\n".into())
    );
}

#[test]
fn manifest_flag_and_discovery_agree() {
    let manifest = repo("conflict").join("clawfence.json5");
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, by_flag) = check_in(
        elsewhere.path(),
        &["--manifest", manifest.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert_eq!(by_flag, check_in(&repo("conflict"), &[]).1);
}

#[test]
fn errors_in_the_manifest_have_spans_and_the_rest_is_checked() {
    let (code, out) = check_in(&repo("broken"), &["--format", "json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let f = &doc["findings"][0];
    assert_eq!(f["checkId"], "isolation/invalid-config");
    assert_eq!(
        f["message"],
        "unknown key `prot` in instance `main`; did you mean `port`?"
    );
    assert_eq!(
        (f["path"].as_str(), f["line"].as_u64(), f["column"].as_u64()),
        (Some("clawfence.json5"), Some(3), Some(42))
    );
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    let (_, human) = check_in(&repo("broken"), &[]);
    assert!(
        human.contains("found 1 error in 1 instance\n"),
        "`rescue` is still checked: {human}"
    );
}
