//! Launchers as instance sources: joining by state dir, what a disabled unit
//! says, secrets in units, and hostile launchers that must give findings in
//! bounded time (a huge unit, a FIFO or a device as `EnvironmentFile=`, symlink
//! loops, a wrapper that execs itself).

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::Path;
use std::time::{Duration, Instant};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// `clawfence check` on a fake root whose HOME is `home/alice`.
fn check(root: &Path, args: &[&str]) -> (i32, String, Duration) {
    let home = root.join("home/alice");
    std::fs::create_dir_all(&home).unwrap();
    let start = Instant::now();
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--color", "never", "--home"])
        .arg(&home)
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    let took = start.elapsed();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text, took)
}

const USER: &str = "home/alice/.config/systemd/user";

#[test]
fn a_unit_joins_the_profile_dir_it_runs_by_state_dir_not_by_name() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(
        r,
        "home/alice/.openclaw/openclaw.json",
        "{ gateway: { mode: \"local\" } }\n",
    );
    write(
        r,
        "home/alice/.openclaw-rescue/openclaw.json",
        "{ gateway: { mode: \"local\", port: 19789 } }\n",
    );
    // A unit named like nothing OpenClaw writes, running profile `rescue` on the
    // default gateway's port: it is `rescue`, and it collides with `default`.
    write(
        r,
        &format!("{USER}/my-second-bot.service"),
        "[Service]\nExecStart=/usr/bin/openclaw --profile rescue gateway --port 18789\n",
    );
    let (code, out, _) = check(r, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("error[port-collision]: `default` and `rescue` both use ports `18789`"),
        "{out}"
    );
    assert!(
        out.contains("~/.config/systemd/user/my-second-bot.service:2:"),
        "{out}"
    );
    // The unit is installed but not enabled, and the finding says so.
    assert!(out.contains("which is installed but not enabled"), "{out}");
    // The drift between the unit and the config is reported too.
    assert!(out.contains("warning[service-drift]"), "{out}");
    // Its help edits the unit, where the winning `--port` is written.
    assert!(
        out.contains("change `--port 18789` to `--port")
            && out.contains("then `systemctl --user daemon-reload`"),
        "{out}"
    );
}

#[test]
fn an_empty_profile_dir_without_launcher_is_skipped_and_said_so() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    write(
        r,
        "home/alice/.openclaw/openclaw.json",
        "{ gateway: { mode: \"local\" } }\n",
    );
    write(r, "home/alice/.openclaw-backup/notes.txt", "old stuff\n");
    let (code, out, _) = check(r, &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("note: `~/.openclaw-backup` is not an instance: it has no config, no `.env` and no launcher"),
        "{out}"
    );
    assert!(out.contains("no isolation problems in 1 instance"), "{out}");
}

#[test]
fn tokens_in_units_are_compared_and_never_printed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/shared-channel-token/token-in-two-units/root");
    let secret = "AAFakeTokenForTestsOnly";
    for format in ["human", "json", "sarif", "github", "junit"] {
        let (code, out, _) = check(&dir, &["--format", format]);
        assert_eq!(code, 1, "{format}: {out}");
        assert!(!out.contains(secret), "{format} prints the token:\n{out}");
    }
    let out = cargo_bin_cmd!("clawfence")
        .args(["ports", "--format", "json", "--home"])
        .arg(dir.join("home/alice"))
        .arg("--root")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains(secret));
}

#[test]
fn a_credential_in_a_launchers_name_is_masked_wherever_the_name_is_shown() {
    // Found by the plist fuzz target: an instance takes the name of a launcher
    // that joins no profile directory, and a `Label` is whatever its author wrote.
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let secret = "AAFakeLabelSecret0123456789";
    write(
        r,
        "home/alice/Library/LaunchAgents/bot.plist",
        &format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>\n\
             <key>Label</key><string>bot TELEGRAM_BOT_TOKEN='123456:{secret}'</string>\n\
             <key>ProgramArguments</key><array><string>/usr/bin/openclaw</string>\
             <string>gateway</string><string>--port</string><string>18789</string></array>\n\
             </dict></plist>\n"
        ),
    );
    write(
        r,
        "home/alice/.openclaw-rescue/openclaw.json",
        "{ gateway: { mode: \"local\", port: 18789 } }\n",
    );
    for format in ["human", "json", "sarif", "github", "junit"] {
        let (code, out, _) = check(r, &["--format", format]);
        assert_eq!(code, 1, "{format}: {out}");
        assert!(out.contains("bot TELEGRAM_BOT_TOKEN="), "{format}: {out}");
        assert!(!out.contains(secret), "{format} prints the secret:\n{out}");
    }
}

#[test]
fn a_state_dir_that_is_no_profiles_is_never_named_as_one() {
    // Found by the units fuzz target: `service-drift` named the directory's
    // "profile" from its name, which can hold anything, a credential included.
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let secret = "AAFakeDirSecret0123456789";
    write(
        r,
        "home/alice/.openclaw-sales/openclaw.json",
        "{ gateway: { mode: \"local\", port: 19001 } }\n",
    );
    write(
        r,
        &format!("{USER}/bot.service"),
        &format!(
            "[Service]\nEnvironment=\"OPENCLAW_STATE_DIR=/home/alice/.openclaw-x SLACK_BOT_TOKEN={secret}\"\n\
             ExecStart=/usr/bin/openclaw --profile sales gateway --port 19001\n"
        ),
    );
    for format in ["human", "json", "sarif", "github", "junit"] {
        let (code, out, _) = check(r, &["--format", format]);
        assert_eq!(code, 1, "{format}: {out}");
        assert!(!out.contains(secret), "{format} prints the secret:\n{out}");
        assert!(!out.contains("in the directory of"), "{format}: {out}");
    }
}

#[test]
fn a_huge_unit_is_read_in_bounded_time() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let mut unit = String::from("[Service]\n");
    for n in 0..100_000 {
        unit.push_str(&format!("Environment=FILLER_{n}=value-{n}\n"));
    }
    unit.push_str("ExecStart=/usr/bin/openclaw --profile big gateway --port 19500\n");
    write(r, &format!("{USER}/big.service"), &unit);
    write(
        r,
        "home/alice/.openclaw-big/openclaw.json",
        "{ gateway: { mode: \"local\", port: 19500 } }\n",
    );
    let (code, out, took) = check(r, &["--format", "json"]);
    assert_eq!(code, 0, "{out}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
    // Larger than the cap: reported, not read.
    let mut huge = unit.clone();
    while huge.len() <= 4 * 1024 * 1024 {
        huge.push_str(&unit);
    }
    write(r, &format!("{USER}/huge.service"), &huge);
    let (_, _, took) = check(r, &[]);
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

#[test]
fn a_fifo_or_a_device_as_environment_file_is_a_finding_not_a_hang() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let fifo = r.join("etc/openclaw/fifo.env");
    std::fs::create_dir_all(fifo.parent().unwrap()).unwrap();
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available here");
        return;
    }
    std::fs::create_dir_all(r.join("dev")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", r.join("dev/zero")).unwrap();
    write(
        r,
        "home/alice/.openclaw-a/openclaw.json",
        "{ gateway: { mode: \"local\" } }\n",
    );
    write(
        r,
        "home/alice/.openclaw-b/openclaw.json",
        "{ gateway: { mode: \"local\" } }\n",
    );
    write(
        r,
        "etc/systemd/system/bot-a.service",
        "[Service]\nEnvironment=HOME=/home/alice\nEnvironmentFile=/etc/openclaw/fifo.env\nExecStart=/usr/bin/openclaw --profile a gateway\n",
    );
    write(
        r,
        "etc/systemd/system/bot-b.service",
        "[Service]\nEnvironment=HOME=/home/alice\nEnvironmentFile=/dev/zero\nExecStart=/usr/bin/openclaw --profile b gateway\n",
    );
    let (code, out, took) = check(r, &[]);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "refers to `/etc/openclaw/fifo.env`, which cannot be read: not a regular file"
        ),
        "{out}"
    );
    assert!(
        out.contains("refers to `/dev/zero`, which cannot be read: not a regular file"),
        "{out}"
    );
    assert!(
        !out.contains(&r.display().to_string()),
        "paths are shown below the root: {out}"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_named_like_a_unit_is_skipped_and_a_linked_unit_still_read() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let system = r.join("etc/systemd/system");
    std::fs::create_dir_all(&system).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(system.join("fifo.service"))
        .status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo is not available here");
        return;
    }
    std::os::unix::fs::symlink("/dev/zero", system.join("zero.service")).unwrap();
    write(
        r,
        "home/alice/.openclaw-a/openclaw.json",
        "{ gateway: { mode: \"local\", port: 18789 } }\n",
    );
    write(
        r,
        "home/alice/.openclaw-b/openclaw.json",
        "{ gateway: { mode: \"local\", port: 19789 } }\n",
    );
    // A unit kept elsewhere and linked in (as `systemctl link` does) is read
    // through its link: it runs `b` on `a`'s port.
    write(
        r,
        "opt/bots/bot-b.service",
        "[Service]\nEnvironment=HOME=/home/alice\nExecStart=/usr/bin/openclaw --profile b gateway --port 18789\n",
    );
    std::os::unix::fs::symlink(
        r.join("opt/bots/bot-b.service"),
        system.join("bot-b.service"),
    )
    .unwrap();
    let (code, out, took) = check(r, &[]);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("port-collision"), "{out}");
    assert!(out.contains("bot-b.service"), "{out}");
    assert!(
        !out.contains("fifo.service") && !out.contains("zero.service"),
        "{out}"
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_a_wrapper_that_execs_itself_end() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let user = r.join(USER);
    std::fs::create_dir_all(&user).unwrap();
    std::os::unix::fs::symlink(user.join("b.service"), user.join("a.service")).unwrap();
    std::os::unix::fs::symlink(user.join("a.service"), user.join("b.service")).unwrap();
    std::os::unix::fs::symlink(&user, user.join("loop.service.d")).unwrap();
    std::os::unix::fs::symlink(&user, user.join("default.target.wants")).unwrap();
    let wrapper = r.join("usr/local/bin/bot");
    write(
        r,
        "usr/local/bin/bot",
        "#!/bin/sh\nexec /usr/local/bin/bot \"$@\"\n",
    );
    write(
        r,
        &format!("{USER}/loop.service"),
        &format!(
            "[Service]\nExecStart={} gateway --port 19001\n",
            "/usr/local/bin/bot"
        ),
    );
    assert!(wrapper.exists());
    write(
        r,
        "home/alice/.openclaw/openclaw.json",
        "{ gateway: { mode: \"local\" } }\n",
    );
    let (code, out, took) = check(r, &[]);
    assert!(took < Duration::from_secs(10), "took {took:?}");
    // The self-exec wrapper runs no OpenClaw: not an instance.
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no isolation problems in 1 instance"), "{out}");
}

#[test]
fn a_wrapper_script_is_followed_one_level() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    // The shape of a Nix or `--wrapper` install: the unit runs a script that
    // exports the state dir and execs OpenClaw with the unit's arguments.
    write(
        r,
        "opt/bots/work-gateway",
        "#!/bin/sh\nexport OPENCLAW_STATE_DIR=/home/alice/.openclaw-work\nexec /opt/openclaw/bin/openclaw \"$@\"\n",
    );
    write(
        r,
        &format!("{USER}/work.service"),
        "[Service]\nExecStart=/opt/bots/work-gateway gateway --port 18789\n",
    );
    write(
        r,
        "home/alice/.openclaw/openclaw.json",
        "{ gateway: { mode: \"local\", port: 18789 } }\n",
    );
    write(
        r,
        "home/alice/.openclaw-work/openclaw.json",
        "{ gateway: { mode: \"local\", port: 19900 } }\n",
    );
    let (code, out, _) = check(r, &[]);
    assert_eq!(code, 1, "{out}");
    // The script's state dir is `work`'s, and the unit's `--port` puts it on
    // `default`'s port.
    assert!(
        out.starts_with("error[port-collision]: `default` and `work` both use ports `18789`"),
        "{out}"
    );
    assert!(
        out.contains("~/.config/systemd/user/work.service:2:"),
        "{out}"
    );
    let json = cargo_bin_cmd!("clawfence")
        .args(["ports", "--format", "json", "--home"])
        .arg(r.join("home/alice"))
        .arg("--root")
        .arg(r)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&json.stdout);
    assert!(text.contains("--port 18789"), "{text}");
}
