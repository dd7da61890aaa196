//! `clawfence fix` and the help lines it applies: every fixture fixed on a copy,
//! then checked again; the help-line cases of the plan; atomic, span-only writes.

mod common;

use assert_cmd::cargo::cargo_bin_cmd;
use clawfence::finding::{Finding, Severity};
use clawfence::load::env::Env;
use clawfence::model::Origin;
use clawfence::rules::{self, Selection};
use clawfence::{HostRequest, build_host};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Copies a tree, symlinks as symlinks.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let ty = e.file_type().unwrap();
        if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if ty.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// Every regular file below `dir` (not through symlinks), by relative path.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let ty = e.file_type().unwrap();
            if ty.is_dir() {
                stack.push(e.path());
            } else if ty.is_file() {
                let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
                out.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

fn findings(home: &Path) -> Vec<Finding> {
    findings_of(HostRequest::home(home.into(), home.into()))
}

fn findings_of(req: HostRequest) -> Vec<Finding> {
    let host = build_host(&req).unwrap();
    rules::check(&host, &Selection::default())
        .into_iter()
        .filter(|f| f.severity >= Severity::Warning)
        .collect()
}

fn fix(home: &Path, extra: &[&str]) -> (i32, String) {
    let out = cargo_bin_cmd!("clawfence")
        .args(["fix", "--color", "never", "--home"])
        .arg(home)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap(),
    )
}

/// A changed line differs from the old one only in a value: what lies between
/// the common prefix and suffix holds no structure (braces, commas, comments), or
/// the line is a whole inserted `key: value,`.
fn only_values_changed(old: &str, new: &str) -> Result<(), String> {
    let diff = similar::TextDiff::from_lines(old, new);
    for op in diff.ops() {
        let changes: Vec<_> = diff.iter_changes(op).collect();
        let removed: Vec<&str> = changes
            .iter()
            .filter(|c| c.tag() == similar::ChangeTag::Delete)
            .map(|c| c.value())
            .collect();
        let added: Vec<&str> = changes
            .iter()
            .filter(|c| c.tag() == similar::ChangeTag::Insert)
            .map(|c| c.value())
            .collect();
        match (removed.len(), added.len()) {
            (0, 0) => {}
            (1, 1) => {
                let (a, b) = (removed[0], added[0]);
                let pre = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
                let suf = a[pre..]
                    .bytes()
                    .rev()
                    .zip(b[pre..].bytes().rev())
                    .take_while(|(x, y)| x == y)
                    .count();
                let (ma, mb) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
                let structural =
                    |s: &str| s.contains(['{', '}', ',', '#', '\n']) || s.contains("//");
                let inserted_pair =
                    ma.is_empty() && mb.trim_end().ends_with(',') && mb.contains(": ");
                if (structural(ma) || structural(mb)) && !inserted_pair {
                    return Err(format!("more than a value changed: {a:?} -> {b:?}"));
                }
            }
            (0, 1) if added[0].trim_end().ends_with(',') && added[0].contains(": ") => {}
            _ => return Err(format!("lines changed: {removed:?} -> {added:?}")),
        }
    }
    Ok(())
}

/// For every fixture: `fix` on a copy, then `check`: no finding of a rule that
/// was fixed is left, only files that authored a fixed value changed, and only in
/// their values; the exit code says whether anything is left.
#[test]
fn fix_then_check_leaves_only_what_needs_a_person() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut problems = Vec::new();
    let mut fixed_any = 0;
    let mut scenarios: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flat_map(|r| std::fs::read_dir(r.unwrap().path()).unwrap())
        .map(|s| s.unwrap().path())
        .collect();
    scenarios.sort();
    for dir in scenarios {
        let tmp = tempfile::tempdir().unwrap();
        // A scenario is a fake HOME, or a fake root with launchers and one HOME.
        let (home, extra) = if dir.join("root").is_dir() {
            let root = tmp.path().join("root");
            copy_tree(&dir.join("root"), &root);
            (
                root.join("home/alice"),
                vec!["--root".to_string(), root.display().to_string()],
            )
        } else {
            let home = tmp.path().join("home");
            copy_tree(&dir.join("home"), &home);
            (home, vec![])
        };
        let request = || match extra.get(1) {
            Some(root) => common::request(Path::new(root)),
            None => HostRequest::home(home.clone(), home.clone()),
        };
        let findings = |_: &Path| findings_of(request());
        let scan = if extra.is_empty() {
            home.clone()
        } else {
            tmp.path().join("root")
        };
        let before = findings(&home);
        let fixable: Vec<&Finding> = before.iter().filter(|f| !f.edits.is_empty()).collect();
        let manual: Vec<&str> = before
            .iter()
            .filter(|f| f.edits.is_empty())
            .map(|f| f.rule.id)
            .collect();
        let old_files = files(&scan);
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        let (code, out) = fix(&home, &extra);
        let after = findings(&home);
        let name = dir.strip_prefix(&root).unwrap().display().to_string();
        for f in &after {
            if fixable.iter().any(|b| b.rule.id == f.rule.id) && !manual.contains(&f.rule.id) {
                problems.push(format!(
                    "{name}: `{}` is still there after fix: {}",
                    f.rule.id, f.message
                ));
            }
            if !f.edits.is_empty() {
                problems.push(format!("{name}: fixable after fix: {}", f.message));
            }
        }
        let want = if after.is_empty() { 0 } else { 1 };
        if code != want {
            problems.push(format!("{name}: exit {code}, want {want}: {out}"));
        }
        let new_files = files(&scan);
        if old_files.keys().ne(new_files.keys()) {
            problems.push(format!(
                "{name}: files were added or removed: {:?}",
                new_files.keys()
            ));
        }
        for (path, old) in &old_files {
            let Some(new) = new_files.get(path) else {
                continue;
            };
            if old == new {
                continue;
            }
            fixed_any += 1;
            let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
            if let Err(e) = only_values_changed(&old, &new) {
                problems.push(format!("{name}: {}: {e}", path.display()));
            }
        }
        if fixable.is_empty() && old_files != new_files {
            problems.push(format!("{name}: nothing was fixable, yet files changed"));
        }
    }
    assert!(
        fixed_any >= 15,
        "only {fixed_any} files were fixed over all fixtures"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Writes `files` (relative path, text) below a new HOME.
fn home_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = home.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    home
}

fn helps(fs: &[Finding]) -> Vec<String> {
    fs.iter().filter_map(|f| f.help.clone()).collect()
}

#[test]
fn three_on_one_port_is_a_two_move_plan_that_leaves_the_host_clean() {
    let cfg = "{\n  gateway: { mode: \"local\", port: 19001 },\n}\n";
    let home = home_with(&[
        (".openclaw/openclaw.json", cfg),
        (".openclaw-rescue/openclaw.json", cfg),
        (".openclaw-work/openclaw.json", cfg),
    ]);
    let before = findings(home.path());
    assert_eq!(before.len(), 1, "one finding for one cluster: {before:?}");
    let help = before[0].help.clone().unwrap();
    assert_eq!(help.matches("move `").count(), 2, "{help}");
    assert!(
        !help.contains("move `default`"),
        "the default instance stays: {help}"
    );
    assert_eq!(fix(home.path(), &[]).0, 0);
    assert!(findings(home.path()).is_empty());
}

#[test]
fn two_conflicts_through_one_instance_are_one_move() {
    // `mid` overlaps both neighbours; moving it alone clears both.
    let home = home_with(&[
        (".openclaw/openclaw.json", "{ gateway: { port: 20000 } }"),
        (
            ".openclaw-mid/openclaw.json",
            "{ gateway: { port: 20060 } }",
        ),
        (
            ".openclaw-top/openclaw.json",
            "{ gateway: { port: 20120 } }",
        ),
    ]);
    let before = findings(home.path());
    let all: String = helps(&before).join("\n");
    assert_eq!(all.matches("move `mid`").count(), before.len(), "{all}");
    assert!(
        !all.contains("move `top`") && !all.contains("move `default`"),
        "{all}"
    );
    assert_eq!(fix(home.path(), &[]).0, 0);
    assert!(findings(home.path()).is_empty());
}

/// Deterministic crowded hosts: whatever the layout, applying the plan leaves no
/// port finding, and no rule has more findings than instances.
#[test]
fn crowded_hosts_are_clean_after_the_plan() {
    let mut seed: u64 = 0x2545F4914F6CDD1D;
    for round in 0..6 {
        let n = 6 + round * 5;
        let mut files = Vec::new();
        for k in 0..n {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let port = 18789 + (seed % 600) as i64;
            let body = if k % 3 == 0 {
                format!("{{\n  // instance {k}\n  gateway: {{ port: {port} }},\n}}\n")
            } else if k % 3 == 1 {
                format!(
                    "{{ gateway: {{ port: 0x{port:X} }}, browser: {{ profiles: {{ r: {{ cdpPort: {} }} }} }} }}",
                    18789 + (seed % 700) as i64
                )
            } else {
                "{ gateway: { mode: \"local\" } }".to_string()
            };
            files.push((format!(".openclaw-p{k}/openclaw.json"), body));
            if k % 3 == 2 {
                files.push((
                    format!(".openclaw-p{k}/.env"),
                    format!("# moved\nOPENCLAW_GATEWAY_PORT={port}\n"),
                ));
            }
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let home = home_with(&refs);
        let before = findings(home.path());
        let mut per_rule: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &before {
            *per_rule.entry(f.rule.id).or_default() += 1;
        }
        assert!(per_rule.values().all(|&c| c <= n), "{per_rule:?}");
        let (code, out) = fix(home.path(), &[]);
        let after = findings(home.path());
        assert!(
            after.is_empty(),
            "round {round}: {out}\n{:?}",
            helps(&after)
        );
        assert_eq!(code, 0, "{out}");
    }
}

#[test]
fn dry_run_prints_a_diff_and_writes_nothing() {
    let home = home_with(&[
        (".openclaw/openclaw.json", "{ gateway: { port: 19001 } }\n"),
        (
            ".openclaw-rescue/openclaw.json",
            "// rescue\n{ gateway: { port: 19001 } }\n",
        ),
    ]);
    let old = files(home.path());
    let (code, out) = fix(home.path(), &["--dry-run"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "--- a/~/.openclaw-rescue/openclaw.json\n+++ b/~/.openclaw-rescue/openclaw.json\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("-{ gateway: { port: 19001 } }\n+{ gateway: { port: 19112 } }\n"),
        "{out}"
    );
    assert_eq!(files(home.path()), old);
}

#[test]
fn writes_keep_the_mode_go_through_symlinks_and_refuse_changed_files() {
    use std::os::unix::fs::PermissionsExt;
    let home = home_with(&[
        (".openclaw/openclaw.json", "{ gateway: { port: 19001 } }\n"),
        ("real/rescue.json", "{ gateway: { port: 19001 } }\n"),
    ]);
    let h = home.path();
    std::fs::create_dir_all(h.join(".openclaw-rescue")).unwrap();
    std::os::unix::fs::symlink(
        h.join("real/rescue.json"),
        h.join(".openclaw-rescue/openclaw.json"),
    )
    .unwrap();
    std::fs::set_permissions(
        h.join("real/rescue.json"),
        std::fs::Permissions::from_mode(0o640),
    )
    .unwrap();

    // Read, then changed behind its back: refused.
    let host = build_host(&HostRequest::home(h.into(), h.into())).unwrap();
    let fs = rules::check(&host, &Selection::default());
    let edits: Vec<_> = fs.iter().flat_map(|f| f.edits.clone()).collect();
    let (changes, conflicts) = clawfence::fix::changes(&host, &edits);
    assert!(conflicts.is_empty());
    assert_eq!(changes.len(), 1);
    std::fs::write(
        h.join("real/rescue.json"),
        "{ gateway: { port: 19001 } } // edited\n",
    )
    .unwrap();
    let err = clawfence::fix::write(&changes[0]).unwrap_err();
    assert!(
        err.to_string().contains("changed since it was read"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(h.join("real/rescue.json")).unwrap(),
        "{ gateway: { port: 19001 } } // edited\n"
    );

    // Through the binary: the link stays a link, the file keeps its mode.
    assert_eq!(fix(h, &[]).0, 0);
    assert!(
        std::fs::symlink_metadata(h.join(".openclaw-rescue/openclaw.json"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let meta = std::fs::metadata(h.join("real/rescue.json")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o640);
    assert_eq!(
        std::fs::read_to_string(h.join("real/rescue.json")).unwrap(),
        "{ gateway: { port: 19112 } } // edited\n"
    );
    // No temporary file is left behind.
    assert_eq!(std::fs::read_dir(h.join("real")).unwrap().count(), 1);
}

#[test]
fn the_overriding_source_is_the_one_edited() {
    // `.env` beats `gateway.port`: the `.env` line changes, the config stays.
    let home = home_with(&[
        (".openclaw/openclaw.json", "{ gateway: { port: 18789 } }"),
        (
            ".openclaw-rescue/openclaw.json",
            "{ gateway: { port: 19500 } }",
        ),
        (
            ".openclaw-rescue/.env",
            "OPENCLAW_GATEWAY_PORT=\"18789\" # why not\n",
        ),
    ]);
    let fs = findings(home.path());
    let help = fs[0].help.clone().unwrap();
    assert!(
        help.contains("set `OPENCLAW_GATEWAY_PORT=18900` in `~/.openclaw-rescue/.env`"),
        "{help}"
    );
    assert!(!help.contains("config set"), "{help}");
    assert_eq!(fix(home.path(), &[]).0, 0);
    let h = home.path();
    assert_eq!(
        std::fs::read_to_string(h.join(".openclaw-rescue/.env")).unwrap(),
        "OPENCLAW_GATEWAY_PORT=\"18900\" # why not\n"
    );
    assert_eq!(
        std::fs::read_to_string(h.join(".openclaw-rescue/openclaw.json")).unwrap(),
        "{ gateway: { port: 19500 } }"
    );

    // `--port` of an explicit instance: the flag, not the file.
    let home = home_with(&[
        (".openclaw/openclaw.json", "{ gateway: { port: 18789 } }"),
        ("elsewhere/w.json5", "{ gateway: { port: 19500 } }"),
    ]);
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--color", "never", "--home"])
        .arg(home.path())
        .arg("--instance")
        .arg(format!(
            "w={},port=18789,state={}",
            home.path().join("elsewhere/w.json5").display(),
            home.path().join("elsewhere/state").display()
        ))
        .output()
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.contains("move `w` to base port `18900`: start it with `--port 18900`"),
        "{out}"
    );

    // The process environment: named, since no file holds it.
    let home = home_with(&[
        (".openclaw/openclaw.json", "{ gateway: { port: 18789 } }"),
        (
            ".openclaw-rescue/openclaw.json",
            "{ gateway: { port: 19500 } }",
        ),
    ]);
    let mut env = Env::new();
    env.set(
        "HOME",
        home.path().display().to_string(),
        Origin::Flag("--home".into()),
    );
    env.set(
        "OPENCLAW_GATEWAY_PORT",
        "18789",
        Origin::ProcessEnv("OPENCLAW_GATEWAY_PORT".into()),
    );
    let mut req = HostRequest::home(home.path().into(), home.path().into());
    req.base_env = Some(env);
    let host = build_host(&req).unwrap();
    let fs = rules::check(&host, &Selection::default());
    let all = helps(&fs).join("\n");
    assert!(
        all.contains("change `OPENCLAW_GATEWAY_PORT` in the environment it is started with"),
        "{all}"
    );
    assert!(
        fs.iter().all(|f| f.edits.is_empty()),
        "nothing a file edit could fix"
    );
}

#[test]
fn preflight_moves_the_instance_the_environment_moved() {
    let home = home_with(&[
        (".openclaw/openclaw.json", "{ gateway: { port: 18789 } }"),
        (
            ".openclaw-rescue/openclaw.json",
            "{ gateway: { port: 19001 } }",
        ),
    ]);
    let mut env = Env::new();
    env.set(
        "HOME",
        home.path().display().to_string(),
        Origin::Flag("--home".into()),
    );
    env.set(
        "OPENCLAW_GATEWAY_PORT",
        "19001",
        Origin::ProcessEnv("OPENCLAW_GATEWAY_PORT".into()),
    );
    let outcome = clawfence::preflight::run(
        clawfence::preflight::Request {
            host: HostRequest::home(home.path().into(), home.path().into()),
            profile: None,
            port: None,
            bind: None,
            env,
            probe: false,
            command: None,
            selection: Default::default(),
        },
        Severity::Error,
    )
    .unwrap();
    let all = helps(&outcome.findings).join("\n");
    assert!(all.contains("move `default` to base port"), "{all}");
    assert!(!all.contains("move `rescue`"), "{all}");
}

#[test]
fn manifest_instances_edit_their_committed_config_and_propose_home_paths() {
    let repo = home_with(&[
        (
            "clawfence.json5",
            r#"{
  home: "/home/oc",
  instances: {
    main: { config: "deploy/main.json5", env: { OPENCLAW_STATE_DIR: "/home/oc/.openclaw-rescue" } },
    rescue: { config: "deploy/rescue.json5", profile: "rescue" },
  },
}"#,
        ),
        (
            "deploy/main.json5",
            "{ gateway: { port: 18789 }, agents: { defaults: { workspace: \"/srv/ws\" } } }",
        ),
        (
            "deploy/rescue.json5",
            "{\n  // the rescue bot\n  gateway: { port: 18789 },\n  agents: { defaults: { workspace: \"/srv/ws\" } },\n}\n",
        ),
    ]);
    let out = cargo_bin_cmd!("clawfence")
        .current_dir(repo.path())
        .args(["check", "--color", "never", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hints: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fixHint"].as_str().unwrap_or("").to_string())
        .collect();
    let all = hints.join("\n");
    assert!(!all.contains("--profile rescue config set"), "{all}");
    // The shared dir is never what is proposed.
    assert!(
        all.contains("give `main` a state dir of its own: change `\"/home/oc/.openclaw-rescue\"` to `\"~/.openclaw\"` at `clawfence.json5:4:"),
        "{all}"
    );

    // With the state dirs apart, the workspace and the port: committed config, home paths.
    std::fs::write(
        repo.path().join("clawfence.json5"),
        r#"{
  home: "/home/oc",
  instances: {
    main: { config: "deploy/main.json5" },
    rescue: { config: "deploy/rescue.json5", profile: "rescue" },
  },
}"#,
    )
    .unwrap();
    let out = cargo_bin_cmd!("clawfence")
        .current_dir(repo.path())
        .args(["check", "--color", "never"])
        .output()
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.contains("`OPENCLAW_CONFIG_PATH=deploy/rescue.json5 openclaw config set gateway.port"),
        "{out}"
    );
    assert!(
        out.contains("config set agents.defaults.workspace ~/.openclaw-rescue/workspace`"),
        "{out}"
    );
    assert!(!out.contains("--profile rescue config set"), "{out}");
    let (code, fixed) = {
        let o = cargo_bin_cmd!("clawfence")
            .current_dir(repo.path())
            .args(["fix", "--color", "never"])
            .output()
            .unwrap();
        (
            o.status.code().unwrap(),
            String::from_utf8(o.stdout).unwrap(),
        )
    };
    assert_eq!(code, 0, "{fixed}");
    let rescue = std::fs::read_to_string(repo.path().join("deploy/rescue.json5")).unwrap();
    assert_eq!(
        rescue,
        "{\n  // the rescue bot\n  gateway: { port: 18900 },\n  agents: { defaults: { workspace: \"~/.openclaw-rescue/workspace\" } },\n}\n"
    );
}

#[test]
fn explicit_instances_never_get_the_shared_state_dir_proposed() {
    let home = home_with(&[
        (".openclaw/openclaw.json", "{ gateway: { port: 18789 } }"),
        ("a/a.json5", "{ gateway: { port: 20000 } }"),
    ]);
    let h = home.path();
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--color", "never", "--home"])
        .arg(h)
        .arg("--instance")
        .arg(format!(
            "a={},state={}",
            h.join("a/a.json5").display(),
            h.join(".openclaw").display()
        ))
        .output()
        .unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    let help = out
        .lines()
        .find(|l| l.contains("help:") && l.contains("state dir"))
        .unwrap_or("");
    assert!(help.contains("`,state=~/.openclaw-a`"), "{out}");
    assert!(!help.contains("`~/.openclaw`"), "{out}");
}

#[test]
fn the_diff_never_shows_a_secret() {
    let home = home_with(&[
        (".openclaw/openclaw.json", "{ gateway: { port: 19001 } }\n"),
        (
            ".openclaw-rescue/openclaw.json",
            "{\n  gateway: { port: 19001 },\n  channels: { telegram: { botToken: \"${TG_TOKEN}\" } },\n}\n",
        ),
        (
            ".openclaw-rescue/.env",
            "TG_TOKEN=123456:SECRETSECRETSECRET\nOPENCLAW_GATEWAY_PORT=19001\n",
        ),
        (
            ".openclaw/.env",
            "OPENCLAW_GATEWAY_PORT=19001\nGH_TOKEN=ghp_SECRETSECRETSECRET1234\n",
        ),
    ]);
    let (code, out) = fix(home.path(), &["--dry-run"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("+OPENCLAW_GATEWAY_PORT=19112"), "{out}");
    assert!(!out.contains("SECRETSECRET"), "{out}");
}

#[test]
fn fix_leaves_alone_what_check_does_not_report() {
    // A deliberate port share, suppressed where it is written: `fix` must not
    // move it, exactly as `check` does not report it.
    let home = home_with(&[
        (".openclaw/openclaw.json", "{ gateway: { port: 19001 } }\n"),
        (
            ".openclaw-rescue/openclaw.json",
            "{\n  // clawfence-ignore port-collision: rescue only runs while main is stopped\n  gateway: { port: 19001 },\n}\n",
        ),
    ]);
    let old = files(home.path());
    let (code, out) = fix(home.path(), &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(files(home.path()), old, "{out}");
    // Without inline ignores, the same host is fixed.
    let (code, out) = fix(home.path(), &["--no-inline-ignores", "--dry-run"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("+++ b/~/.openclaw"), "{out}");

    // An instance the settings exclude is never edited, and what it alone
    // caused is not fixed elsewhere either.
    let home = home_with(&[
        (".openclaw/openclaw.json", "{ gateway: { port: 19001 } }\n"),
        (
            ".openclaw-old/openclaw.json",
            "{ gateway: { port: 19001 } }\n",
        ),
        ("settings.json5", "{ exclude: [\"old\"] }\n"),
    ]);
    let old = files(home.path());
    let settings = home.path().join("settings.json5");
    let (code, out) = fix(home.path(), &["--config", settings.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(files(home.path()), old, "{out}");
    let (code, out) = fix(home.path(), &["--dry-run"]);
    assert_eq!(code, 1, "without the settings it is a collision: {out}");
}
