//! The command line: `rules`, `explain`, explicit instances, selection, colour,
//! and exit code 2 only when the tool itself cannot run.

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::Path;

fn fixture(path: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
        .join("home")
}

#[test]
fn rules_lists_every_rule_and_explain_prints_its_page() {
    let out = cargo_bin_cmd!("clawfence").arg("rules").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for r in clawfence::rules::RULES {
        assert!(
            text.contains(r.meta.id) && text.contains(r.meta.summary),
            "{}",
            r.meta.id
        );
    }
    let out = cargo_bin_cmd!("clawfence")
        .args(["explain", "cdp-range-overlap"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let page = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/cdp-range-overlap.md"),
    )
    .unwrap();
    let shown = String::from_utf8(out.stdout).unwrap();
    assert_eq!(shown, clawfence::report::explain::render(&page, false));
    assert!(
        !shown.contains("expect:") && !shown.contains("```"),
        "{shown}"
    );
    let out = cargo_bin_cmd!("clawfence")
        .args(["explain", "no-such-rule"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_tool_exits_2_only_when_it_cannot_run() {
    let missing = cargo_bin_cmd!("clawfence")
        .args(["check", "--home", "/nonexistent/home"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8(missing.stderr).unwrap();
    assert_eq!(
        stderr.matches("No such file").count(),
        1,
        "the cause is said once: {stderr}"
    );
    let unknown = cargo_bin_cmd!("clawfence")
        .args(["check", "--only", "no-such-rule", "--home"])
        .arg(fixture("port-collision/equal-gateway-ports"))
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    // A broken config is a finding, not a failure of the tool.
    let broken = cargo_bin_cmd!("clawfence")
        .args(["check", "--home"])
        .arg(fixture("invalid-config/syntax-error-others-still-checked"))
        .output()
        .unwrap();
    assert_eq!(broken.status.code(), Some(1));
}

#[test]
fn only_skip_and_the_threshold_select_findings() {
    let home = fixture("cdp-range-overlap/hashed-main-and-rescue-60-apart");
    let run = |args: &[&str]| {
        cargo_bin_cmd!("clawfence")
            .args(["check", "--home"])
            .arg(&home)
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(
        run(&[]).status.code(),
        Some(0),
        "a warning is shown but does not fail at the default `--fail-on error`"
    );
    assert_eq!(run(&["--fail-on", "warning"]).status.code(), Some(1));
    assert_eq!(
        run(&["--fail-on", "warning", "--severity-min", "error"])
            .status
            .code(),
        Some(0),
        "only a shown finding fails"
    );
    assert_eq!(
        run(&["--fail-on", "warning", "--skip", "cdp-range-overlap"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        run(&["--fail-on", "warning", "--only", "port-collision"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn an_explicit_instance_joins_the_host() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".openclaw")).unwrap();
    std::fs::write(
        home.path().join(".openclaw/openclaw.json"),
        "{ gateway: { port: 18789 } }",
    )
    .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let config = elsewhere.path().join("work.json5");
    std::fs::write(&config, "{ gateway: { port: 18789 } }").unwrap();
    let spec = format!(
        "work={},state={}",
        config.display(),
        elsewhere.path().join("state").display()
    );
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--color", "never", "--home"])
        .arg(home.path())
        .args(["--instance", &spec])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.starts_with("error[port-collision]: `default` and `work` both use"),
        "{text}"
    );
    let bad = cargo_bin_cmd!("clawfence")
        .args(["check", "--home"])
        .arg(home.path())
        .args(["--instance", "work=x.json5,port=70000"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let home = fixture("port-collision/equal-gateway-ports");
    let piped = cargo_bin_cmd!("clawfence")
        .args(["check", "--home"])
        .arg(&home)
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&piped.stdout).contains('\x1b'),
        "no colour into a pipe"
    );
    let forced = cargo_bin_cmd!("clawfence")
        .args(["check", "--color", "always", "--home"])
        .arg(&home)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&forced.stdout).contains('\x1b'));
    let no_color = cargo_bin_cmd!("clawfence")
        .args(["check", "--home"])
        .arg(&home)
        .env("NO_COLOR", "1")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&no_color.stdout).contains('\x1b'),
        "NO_COLOR wins"
    );
}
