//! Hostile input (issue 18): nothing panics, hangs, floods memory or leaks a
//! secret. Each test writes the input it is about and asserts the fixed result.

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// A marker that must never appear in any output.
const SECRET: &str = "S3CR3Tmark7Qx9";

/// A fake HOME built from `(relative path, bytes)` pairs.
fn home(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, bytes) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, bytes).unwrap();
    }
    dir
}

struct Run {
    code: Option<i32>,
    out: String,
    err: String,
}

fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = cargo_bin_cmd!("clawfence")
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .args(args)
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `check` on `home` in every format at once; asserts it did not crash.
fn check_all(home: &Path) -> Run {
    let h = home.to_str().unwrap();
    let mut args = vec!["check", "--home", h, "--severity-min", "info"];
    for f in ["human", "json", "sarif", "github", "junit"] {
        args.extend(["--format", f]);
    }
    let r = run_in(home, &args);
    assert!(
        matches!(r.code, Some(0..=2)),
        "exit {:?}\n{}\n{}",
        r.code,
        r.out,
        r.err
    );
    assert!(!r.err.contains("panicked"), "{}", r.err);
    r
}

fn assert_no_secret(r: &Run) {
    for (what, text) in [("stdout", &r.out), ("stderr", &r.err)] {
        assert!(!text.contains(SECRET), "secret in {what}:\n{text}");
    }
}

fn release_only() -> bool {
    if cfg!(debug_assertions) {
        eprintln!("skipped: time budgets are measured in release builds (`cargo test --release`)");
        return false;
    }
    true
}

// ---------------------------------------------------------------- 2. crashes

#[test]
fn a_bom_env_file_whose_first_line_is_in_a_finding_renders() {
    let config = br#"{gateway:{mode:"local"},channels:{telegram:{botToken:"${TG}"}}}"#;
    let env = format!("\u{feff}TG=123:{SECRET}\n");
    let h = home(&[
        (".openclaw/openclaw.json", config),
        (".openclaw-rescue/openclaw.json", config),
        (".openclaw/.env", env.as_bytes()),
        (".openclaw-rescue/.env", env.as_bytes()),
    ]);
    let r = check_all(h.path());
    assert_eq!(r.code, Some(1), "{}", r.out);
    assert!(r.out.contains("error[shared-channel-token]"), "{}", r.out);
    assert!(r.out.contains("~/.openclaw-rescue/.env:1:2"), "{}", r.out);
    assert_no_secret(&r);
}

#[test]
fn masking_never_cuts_a_multibyte_character() {
    // An escaped key makes the whole file one span; the file ends in U+00A0.
    let config = format!(
        "{{\\u0061: 1, channels: {{telegram: {{botToken: \"{SECRET}é\"}}}}, gateway: {{port: \"x\"}}}}\u{a0}"
    );
    let h = home(&[(".openclaw/openclaw.json", config.as_bytes())]);
    let r = check_all(h.path());
    assert_eq!(r.code, Some(1));
    assert!(r.out.contains("error[invalid-port]"), "{}", r.out);
    assert_no_secret(&r);
}
