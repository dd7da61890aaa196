//! What a new user needs to adopt the tool: settings (`rules`, `exclude`,
//! `ignore`), reasoned inline suppressions, a baseline, separate show/fail
//! thresholds, forgiving rule ids, and the discoverability helpers.

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::Path;

/// Writes `files` (path, content) under a fresh directory.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    dir
}

/// `clawfence check --home HOME ARGS` with no colour: (exit code, stdout, stderr).
fn check(home: &Path, args: &[&str]) -> (i32, String, String) {
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--color", "never", "--home"])
        .arg(home)
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = cargo_bin_cmd!("clawfence")
        .args(args)
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const MAIN: (&str, &str) = (
    ".openclaw/openclaw.json",
    "{\n  gateway: { mode: \"local\", port: 18789 },\n}\n",
);

/// `default` and `rescue` on the same port, `rescue`'s config as given.
fn colliding(rescue: &str) -> tempfile::TempDir {
    tree(&[MAIN, (".openclaw-rescue/openclaw.json", rescue)])
}

fn rules_in_json(out: &str) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_str(out).unwrap();
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["checkId"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_reasoned_inline_suppression_suppresses() {
    // on the line above
    let home = colliding(
        "{\n  // clawfence-ignore port-collision: rescue runs only while main is stopped\n  gateway: { mode: \"local\", port: 18789 },\n}\n",
    );
    let (code, out, _) = check(home.path(), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("port-collision]"), "{out}");
    assert!(out.contains("1 finding suppressed with a reason"), "{out}");
    // on the labelled line itself, in the *other* instance's file, with the group prefix
    let home = tree(&[
        (
            ".openclaw/openclaw.json",
            "{\n  gateway: { mode: \"local\", port: 18789 }, /* clawfence-ignore isolation/port-collision: rescue is a cold spare */\n}\n",
        ),
        (
            ".openclaw-rescue/openclaw.json",
            "{ gateway: { mode: \"local\", port: 18789 } }\n",
        ),
    ]);
    let (code, out, _) = check(home.path(), &[]);
    assert_eq!(code, 0, "{out}");
    // `#` in a `.env` file
    let home = tree(&[
        MAIN,
        (
            ".openclaw-rescue/openclaw.json",
            "{ gateway: { mode: \"local\" } }\n",
        ),
        (
            ".openclaw-rescue/.env",
            "OPENCLAW_GATEWAY_PORT=18789 # clawfence-ignore port-collision: cold spare\n",
        ),
    ]);
    let (code, out, _) = check(home.path(), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 finding suppressed"), "{out}");
}

#[test]
fn a_suppression_without_a_reason_is_reported_and_suppresses_nothing() {
    let home = colliding(
        "{\n  gateway: { mode: \"local\", port: 18789 }, // clawfence-ignore port-collision\n}\n",
    );
    let (code, out, _) = check(home.path(), &["--format", "json"]);
    assert_eq!(code, 1);
    let ids = rules_in_json(&out);
    assert!(ids.contains(&"isolation/port-collision".into()), "{ids:?}");
    assert!(
        ids.contains(&"clawfence/invalid-suppression".into()),
        "{ids:?}"
    );
    let (_, human, _) = check(home.path(), &[]);
    assert!(
        human.contains("suppression of `port-collision` in `~/.openclaw-rescue/openclaw.json` gives no reason, so it suppresses nothing"),
        "{human}"
    );
    // an unknown id: did you mean
    let home = colliding(
        "{\n  gateway: { mode: \"local\", port: 18789 }, // clawfence-ignore port-colision: spare\n}\n",
    );
    let (code, human, _) = check(home.path(), &[]);
    assert_eq!(code, 1);
    assert!(human.contains("did you mean `port-collision`?"), "{human}");
}

#[test]
fn an_unused_suppression_is_reported_unless_its_rule_did_not_run() {
    let home = colliding(
        "{\n  // clawfence-ignore port-collision: rescue runs only while main is stopped\n  gateway: { mode: \"local\", port: 19900 },\n}\n",
    );
    let (code, out, _) = check(home.path(), &[]);
    assert_eq!(code, 0, "a warning does not fail: {out}");
    assert!(
        out.contains("warning[unused-suppression]: suppression of `port-collision` in `~/.openclaw-rescue/openclaw.json` matches no finding"),
        "{out}"
    );
    let (code, _, _) = check(home.path(), &["--fail-on", "warning"]);
    assert_eq!(code, 1);
    let (_, out, _) = check(home.path(), &["--skip", "port-collision"]);
    assert!(!out.contains("unused-suppression"), "{out}");
}

#[test]
fn no_inline_ignores_honours_no_comment() {
    let home = colliding(
        "{\n  // clawfence-ignore port-collision: rescue runs only while main is stopped\n  gateway: { mode: \"local\", port: 18789 },\n}\n",
    );
    let (code, out, _) = check(home.path(), &["--no-inline-ignores"]);
    assert_eq!(code, 1);
    assert!(out.contains("error[port-collision]"), "{out}");
    assert!(!out.contains("suppress"), "{out}");
}

#[test]
fn exclude_leaves_a_backup_profile_out_of_every_finding() {
    // a copy of `~/.openclaw` kept as `~/.openclaw-backup` collides on every port
    let files = [
        MAIN,
        (".openclaw-backup/openclaw.json", MAIN.1),
        (
            ".config/clawfence/clawfence.json5",
            "{ exclude: [\"back*\"] }\n",
        ),
    ];
    let home = tree(&files);
    let (code, out, _) = check(home.path(), &["--format", "json"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("backup"), "{out}");
    let (_, human, _) = check(home.path(), &["--show-sources"]);
    assert!(
        human.contains("skipped `backup`: left out by `exclude`"),
        "{human}"
    );
    // without the settings it is reported
    std::fs::remove_file(home.path().join(".config/clawfence/clawfence.json5")).unwrap();
    let (code, out, _) = check(home.path(), &[]);
    assert_eq!(code, 1);
    assert!(out.contains("`backup`"), "{out}");
    // the same settings beside `instances` in a manifest
    let repo = tree(&[
        ("main.json5", "{ gateway: { port: 18789 } }"),
        (
            "clawfence.json5",
            "{ instances: { main: { config: \"main.json5\" }, backup: { config: \"main.json5\" } }, exclude: [\"backup\"] }",
        ),
    ]);
    let (code, out, _) = run(&[
        "check",
        "--manifest",
        repo.path().join("clawfence.json5").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn settings_set_rules_ignore_with_a_reason_and_report_mistakes_with_spans() {
    let home = colliding("{ gateway: { mode: \"local\", port: 18789 } }\n");
    let settings = home.path().join("settings.json5");
    let write = |text: &str| std::fs::write(&settings, text).unwrap();
    let with = |extra: &[&str]| {
        let mut args = vec!["--config", settings.to_str().unwrap()];
        args.extend_from_slice(extra);
        check(home.path(), &args)
    };
    write("{ rules: { \"port-collision\": \"off\" } }");
    let (code, out, _) = with(&[]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = with(&["--only", "port-collision"]);
    assert_eq!(code, 1, "an explicit `--only` wins over `off`: {out}");
    write("{ rules: { \"isolation/port-collision\": \"warning\" } }");
    let (code, out, _) = with(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("warning[port-collision]"), "{out}");
    write(
        "{ ignore: [{ rule: \"port-collision\", instances: [\"default\", \"rescue\"], reason: \"cold spare\" }] }",
    );
    let (code, out, _) = with(&[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 finding suppressed"), "{out}");
    // an entry for other instances does not match
    write("{ ignore: [{ rule: \"port-collision\", instances: [\"rescue\"], reason: \"x\" }] }");
    let (code, out, _) = with(&[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("unused-suppression"), "{out}");
    // no reason: reported at the entry, and nothing is ignored
    write("{\n  ignore: [{ rule: \"port-collision\", instances: [\"default\", \"rescue\"] }],\n}");
    let (code, out, _) = with(&["--format", "json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let msgs: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        msgs.contains(
            &"the `ignore` entry for `port-collision` gives no `reason`, so it ignores nothing"
        ),
        "{msgs:?}"
    );
    assert!(rules_in_json(&out).contains(&"isolation/port-collision".into()));
    // unknown keys and ids, with the nearest known one and a place
    write("{\n  rule: {},\n  rules: { \"port-colision\": \"of\" },\n}");
    let (_, out, _) = with(&["--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(String, u64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("settings.json5"))
        })
        .map(|f| {
            (
                f["message"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "no rule `port-colision`; did you mean `port-collision`?".to_string(),
                3
            ),
            (
                "unknown settings key `rule`; did you mean `rules`?".to_string(),
                2
            ),
        ]
    );
}

#[test]
fn the_baseline_passes_old_findings_and_fails_a_new_one() {
    let home = colliding("{ gateway: { mode: \"local\", port: 18789 } }\n");
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let b = baseline.to_str().unwrap();
    let (code, out, err) = check(home.path(), &["--write-baseline", b]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(err.contains("wrote 1 finding to baseline"), "{err}");
    let (code, out, _) = check(home.path(), &["--baseline", b]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 finding in baseline"), "{out}");
    assert!(!out.contains("error["), "{out}");
    // a new conflict fails; the old one stays baselined
    let third = home.path().join(".openclaw-third/openclaw.json");
    std::fs::create_dir_all(third.parent().unwrap()).unwrap();
    std::fs::write(&third, "{ gateway: { mode: \"local\", port: 30000 } }").unwrap();
    std::fs::write(
        home.path().join(".openclaw-third/.env"),
        "OPENCLAW_GATEWAY_PORT=30000\n",
    )
    .unwrap();
    let fourth = home.path().join(".openclaw-fourth/openclaw.json");
    std::fs::create_dir_all(fourth.parent().unwrap()).unwrap();
    std::fs::write(&fourth, "{ gateway: { mode: \"local\", port: 30000 } }").unwrap();
    let (code, out, _) = check(home.path(), &["--baseline", b]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("`fourth` and `third`"), "{out}");
    assert!(!out.contains("`default` and `rescue`"), "{out}");
    // the old conflict fixed: the baseline can shrink
    std::fs::write(
        home.path().join(".openclaw-rescue/openclaw.json"),
        "{ gateway: { mode: \"local\", port: 19900 } }",
    )
    .unwrap();
    std::fs::remove_dir_all(home.path().join(".openclaw-fourth")).unwrap();
    let (code, out, _) = check(home.path(), &["--baseline", b]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("1 finding in the baseline is gone; shrink it with `--write-baseline"),
        "{out}"
    );
    // a broken baseline is the tool's problem: exit 2
    std::fs::write(&baseline, "{").unwrap();
    assert_eq!(check(home.path(), &["--baseline", b]).0, 2);
}

#[test]
fn misspelt_ids_get_did_you_mean_everywhere_and_group_prefixes_are_accepted() {
    let home = colliding("{ gateway: { mode: \"local\", port: 18789 } }\n");
    for args in [
        &["--only", "port-colision"][..],
        &["--skip", "port-colision"],
        &["--only", "shared-state-dir,port-colision"],
    ] {
        let (code, _, err) = check(home.path(), args);
        assert_eq!(code, 2, "{args:?}");
        assert!(
            err.contains("no rule `port-colision`; did you mean `port-collision`?"),
            "{args:?}: {err}"
        );
    }
    let (code, _, err) = run(&["explain", "port-colision"]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `port-collision`?"), "{err}");
    let (code, out, _) = run(&["explain", "isolation/port-collision"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("PORT-COLLISION\n"), "{out}");
    let (code, out, _) = check(
        home.path(),
        &["--only", "isolation/port-collision,shared-state-dir"],
    );
    assert_eq!(code, 1, "{out}");
    let (code, out, _) = check(home.path(), &["--skip", "isolation/port-collision"]);
    assert_eq!(code, 0, "{out}");
    let (code, _, err) = check(
        home.path(),
        &[
            "--only",
            "port-collision",
            "--skip",
            "isolation/port-collision",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("`port-collision` is given to both `--only` and `--skip`"),
        "{err}"
    );
}

#[test]
fn explain_is_free_of_test_markers_for_every_rule() {
    for meta in clawfence::rules::all_metas() {
        let (code, out, _) = run(&["explain", meta.id]);
        assert_eq!(code, 0);
        for marker in ["```", "expect:", "**Default"] {
            assert!(
                !out.contains(marker),
                "explain {}: {marker}\n{out}",
                meta.id
            );
        }
        let (_, coloured, _) = run(&["--color", "always", "explain", meta.id]);
        assert!(coloured.contains("\x1b["), "colour on request");
    }
}

#[test]
fn human_output_points_at_explain_and_statistics_count_per_rule() {
    let home = colliding("{ gateway: { mode: \"local\", port: 18789 } }\n");
    let (_, out, _) = check(home.path(), &[]);
    assert!(
        out.ends_with("see `clawfence explain port-collision`\n"),
        "{out}"
    );
    let (code, out, _) = check(home.path(), &["--statistics"]);
    assert_eq!(code, 1);
    assert!(
        out.trim_start().starts_with("1  error  port-collision"),
        "{out}"
    );
}

#[test]
fn show_sources_names_every_file_and_variable_but_no_secret() {
    let home = tree(&[
        MAIN,
        (
            ".openclaw-rescue/openclaw.json",
            "{ gateway: { mode: \"local\" } }\n",
        ),
        (
            ".openclaw-rescue/.env",
            "OPENCLAW_GATEWAY_PORT=19900\nTELEGRAM_BOT_TOKEN=123456:sekrit-token-value\n",
        ),
    ]);
    let (_, out, _) = check(home.path(), &["--show-sources"]);
    assert!(out.contains("sources of `rescue`:"), "{out}");
    assert!(out.contains("    ~/.openclaw-rescue/.env\n"), "{out}");
    assert!(
        out.contains("OPENCLAW_GATEWAY_PORT = `19900` from ~/.openclaw-rescue/.env:1:"),
        "{out}"
    );
    assert!(out.contains("TELEGRAM_BOT_TOKEN from"), "{out}");
    assert!(!out.contains("sekrit"), "{out}");
}

#[test]
fn the_manifest_is_found_up_to_the_repository_root_and_no_instances_says_where_it_looked() {
    let repo = tree(&[
        (".git/HEAD", "ref: refs/heads/main\n"),
        ("deploy/main.json5", "{ gateway: { port: 18789 } }"),
        ("deploy/rescue.json5", "{ gateway: { port: 18789 } }"),
        (
            "clawfence.json5",
            "{ instances: { main: { config: \"deploy/main.json5\" }, rescue: { config: \"deploy/rescue.json5\" } } }",
        ),
        ("sub/dir/.keep", ""),
    ]);
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--color", "never"])
        .current_dir(repo.path().join("sub/dir"))
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("`main` and `rescue`"), "{text}");
    // no manifest, no instances: both places searched are named
    let empty = tree(&[(".git/HEAD", ""), ("a/b/.keep", "")]);
    let home = tempfile::tempdir().unwrap();
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--color", "never"])
        .current_dir(empty.path().join("a/b"))
        .env("HOME", home.path())
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("no OpenClaw instances under"), "{text}");
    let root = std::fs::canonicalize(empty.path()).unwrap();
    assert!(
        text.contains(&format!("or its parents up to `{}` either", root.display()))
            || text.contains(&format!("up to `{}` either", empty.path().display())),
        "{text}"
    );
}

#[test]
fn rules_json_completions_and_man_page_come_from_the_definitions() {
    let (code, out, _) = run(&["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert!(
        list.iter()
            .any(|r| r["checkId"] == "isolation/port-collision")
    );
    assert_eq!(list.len(), clawfence::rules::all_metas().count());
    let (code, out, _) = run(&["completions", "bash"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("--write-baseline"),
        "completions know the flags"
    );
    let (code, out, _) = run(&["man"]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with(".ie") || out.contains(".TH clawfence"),
        "{out}"
    );
}

/// A stub `openclaw` that logs its arguments and answers for profile `rescue`.
fn stub_openclaw(dir: &Path, log: &Path) {
    let script = format!(
        r#"#!/bin/sh
echo "$* HOME=$HOME" >> '{}'
echo "[postinstall] a notice before the document"
case "$*" in
  *"--profile rescue doctor --lint --json"*)
    echo '{{"schemaVersion":1,"ok":false,"checksRun":1,"checksSkipped":0,"findings":[{{"checkId":"core/doctor/gateway-auth","severity":"error","message":"Gateway auth is off or missing a token.","path":"gateway.auth.token","requirement":"x"}}]}}'
    exit 1;;
esac
echo '{{"schemaVersion":1,"ok":true,"checksRun":1,"checksSkipped":0,"findings":[]}}'
"#,
        log.display()
    );
    let p = dir.join("openclaw");
    std::fs::write(&p, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn with_doctor_merges_doctors_findings_into_one_document_and_exit_code() {
    let home = tree(&[
        MAIN,
        (
            ".openclaw-rescue/openclaw.json",
            "{ gateway: { mode: \"local\", port: 19900 } }\n",
        ),
    ]);
    let bin = tempfile::tempdir().unwrap();
    let log = bin.path().join("log");
    stub_openclaw(bin.path(), &log);
    let with_path = |path: &Path, args: &[&str]| {
        let out = cargo_bin_cmd!("clawfence")
            .args(["check", "--color", "never", "--with-doctor", "--home"])
            .arg(home.path())
            .args(args)
            .env("PATH", path)
            .env_remove("XDG_CONFIG_HOME")
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (code, out, _) = with_path(bin.path(), &["--format", "json"]);
    assert_eq!(code, 1, "doctor's error fails the run: {out}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["ok"], false);
    let f = &doc["findings"][0];
    assert_eq!(f["checkId"], "core/doctor/gateway-auth");
    assert_eq!(f["instances"], serde_json::json!(["rescue"]));
    assert_eq!(f["source"], "openclaw doctor");
    assert_eq!(f["requirement"], "x", "doctor's fields are kept");
    let calls = std::fs::read_to_string(&log).unwrap();
    let home_dir = home.path().display().to_string();
    assert!(
        calls.contains(&format!("doctor --lint --json HOME={home_dir}\n")),
        "{calls}"
    );
    assert!(
        calls.contains(&format!(
            "--profile rescue doctor --lint --json HOME={home_dir}\n"
        )),
        "{calls}"
    );
    let (_, human, _) = with_path(bin.path(), &[]);
    assert!(
        human.contains("error[core/doctor/gateway-auth]: Gateway auth is off or missing a token. (`rescue`, from `openclaw doctor`)"),
        "{human}"
    );
    // without openclaw: said, and the check goes on
    let empty = tempfile::tempdir().unwrap();
    let (code, out, err) = with_path(empty.path(), &[]);
    assert_eq!(code, 0, "{out}");
    assert!(err.contains("`openclaw` is not on PATH"), "{err}");
    assert!(
        out.contains("no isolation problems in 2 instances"),
        "{out}"
    );
}

#[test]
fn the_user_settings_follow_xdg_and_a_missing_config_flag_is_an_error() {
    let home = colliding("{ gateway: { mode: \"local\", port: 18789 } }\n");
    let xdg = tree(&[(
        "clawfence/clawfence.json5",
        "{ ignore: [{ rule: \"port-collision\", reason: \"rescue is a cold spare\" }] }",
    )]);
    let cwd = tempfile::tempdir().unwrap();
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--color", "never"])
        .current_dir(cwd.path())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", xdg.path())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("1 finding suppressed"), "{text}");
    // `--home` names another account: its own ~/.config, not this user's XDG dir
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--color", "never", "--home"])
        .arg(home.path())
        .env("XDG_CONFIG_HOME", xdg.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (code, _, err) = check(home.path(), &["--config", "/nonexistent/settings.json5"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("cannot read settings `/nonexistent/settings.json5`"),
        "{err}"
    );
}

/// The "`path`:" + fenced-block files of one `## ` section of a page.
fn page_files(page: &str, heading: &str) -> Vec<(String, String)> {
    let start = page.find(&format!("\n## {heading}\n")).expect(heading);
    let body = &page[start + heading.len() + 5..];
    let body = &body[..body.find("\n## ").unwrap_or(body.len())];
    let lines: Vec<&str> = body.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if let Some(path) = lines[i]
            .strip_prefix('`')
            .and_then(|l| l.strip_suffix("`:"))
        {
            let mut j = i + 2;
            let mut content = String::new();
            while !lines[j].starts_with("```") {
                content.push_str(lines[j]);
                content.push('\n');
                j += 1;
            }
            out.push((path.to_string(), content));
            i = j;
        }
        i += 1;
    }
    out
}

#[test]
fn the_suppression_pages_examples_fire_and_their_fixes_are_clean() {
    for meta in clawfence::suppress::METAS {
        let example = page_files(meta.docs, "Example");
        let instead = page_files(meta.docs, "Use instead");
        assert!(!example.is_empty() && !instead.is_empty(), "{}", meta.id);
        let as_refs = |files: &[(String, String)]| -> tempfile::TempDir {
            let v: Vec<(&str, &str)> = files
                .iter()
                .map(|(p, c)| (p.as_str(), c.as_str()))
                .collect();
            tree(&v)
        };
        let home = as_refs(&example);
        let (_, out, _) = check(home.path(), &[]);
        assert!(
            out.contains(&format!("[{}]", meta.id)),
            "{}: {out}",
            meta.id
        );
        let mut fixed = example.clone();
        for (p, c) in &instead {
            fixed.retain(|(q, _)| q != p);
            fixed.push((p.clone(), c.clone()));
        }
        let home = as_refs(&fixed);
        let (_, out, _) = check(home.path(), &[]);
        assert!(
            !out.contains(&format!("[{}]", meta.id)),
            "{}: {out}",
            meta.id
        );
    }
}

#[test]
fn a_suppression_in_the_manifest_covers_a_value_set_there() {
    let repo = tree(&[
        ("main.json5", "{ gateway: { port: 18789 } }"),
        ("rescue.json5", "{}"),
        (
            "clawfence.json5",
            "{\n  instances: {\n    main: { config: \"main.json5\", env: { OPENCLAW_STATE_DIR: \"/srv/m\" } },\n    rescue: {\n      config: \"rescue.json5\",\n      env: { OPENCLAW_STATE_DIR: \"/srv/r\" },\n      port: 18789, // clawfence-ignore port-collision: rescue is a cold spare\n    },\n  },\n}\n",
        ),
    ]);
    let manifest = repo.path().join("clawfence.json5");
    let (code, out, _) = run(&["check", "--manifest", manifest.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 finding suppressed"), "{out}");
    let (code, _, _) = run(&[
        "check",
        "--no-inline-ignores",
        "--manifest",
        manifest.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
}
