//! `clawfence preflight`: static findings and live probes for one instance, then
//! `exec` of the real command, or exit 78 (1 without a command) and no launch.

use assert_cmd::cargo::cargo_bin_cmd;
use std::net::TcpListener;
use std::path::Path;

fn home_with(files: &[(&str, String)]) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    for (rel, text) in files {
        let p = home.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    home
}

/// `clawfence preflight --home HOME` with none of OpenClaw's variables inherited.
fn preflight_cmd(home: &Path) -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("clawfence");
    cmd.args(["preflight", "--color", "never", "--home"])
        .arg(home);
    for var in [
        "OPENCLAW_GATEWAY_PORT",
        "OPENCLAW_STATE_DIR",
        "OPENCLAW_CONFIG_PATH",
        "OPENCLAW_PROFILE",
        "OPENCLAW_HOME",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn preflight(home: &Path, args: &[&str]) -> std::process::Output {
    preflight_cmd(home).args(args).output().unwrap()
}

/// A free port on loopback, and a base whose derived ports are free too.
fn free_base() -> u16 {
    loop {
        let l = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let p = l.local_addr().unwrap().port();
        if p < 60000 && (1..=10).all(|d| TcpListener::bind(("127.0.0.1", p + d)).is_ok()) {
            return p;
        }
    }
}

fn rescue_on(port: u16) -> tempfile::TempDir {
    home_with(&[(
        ".openclaw-rescue/openclaw.json",
        format!("{{ gateway: {{ mode: 'local', bind: 'loopback', port: {port} }} }}"),
    )])
}

#[test]
fn a_held_port_blocks_and_names_the_holder() {
    let held = TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = held.local_addr().unwrap().port();
    let home = rescue_on(port);
    let out = preflight(home.path(), &["--profile", "rescue"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "gateway port `{port}` of `rescue` is in use on `127.0.0.1`"
        )),
        "{stdout}"
    );
    if Path::new("/proc/net/tcp").exists() {
        assert!(
            stdout.contains(&format!("pid `{}`", std::process::id())),
            "the holder is this test: {stdout}"
        );
    }
    drop(held);
}

#[test]
fn a_clean_instance_execs_the_command_unchanged() {
    let home = rescue_on(free_base());
    let out = preflight(
        home.path(),
        &[
            "--profile",
            "rescue",
            "--",
            "sh",
            "-c",
            "echo launched \"$@\"; exit 7",
            "x",
            "a",
            "b",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "launched a b\n");
    assert_eq!(
        out.status.code(),
        Some(7),
        "the command's exit code comes back"
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn without_a_command_it_only_reports() {
    let home = rescue_on(free_base());
    let out = preflight(home.path(), &["--profile", "rescue"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "preflight of `rescue` passed\n"
    );
}

#[test]
fn a_static_collision_blocks_the_launch() {
    let base = free_base();
    let home = home_with(&[
        (
            ".openclaw/openclaw.json",
            format!("{{ gateway: {{ mode: 'local', port: {base} }} }}"),
        ),
        (
            ".openclaw-rescue/openclaw.json",
            format!("{{ gateway: {{ mode: 'local', bind: 'loopback', port: {base} }} }}"),
        ),
    ]);
    let out = preflight(
        home.path(),
        &[
            "--profile",
            "rescue",
            "--no-probe",
            "--",
            "sh",
            "-c",
            "echo launched",
        ],
    );
    assert_eq!(out.status.code(), Some(78), "a refused command exits 78");
    assert!(out.stdout.is_empty(), "the command did not run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error[port-collision]"), "{stderr}");
}

#[test]
fn the_process_environment_applies_to_the_target_only() {
    // `OPENCLAW_GATEWAY_PORT` in the environment moves the target, as it moves
    // `openclaw gateway`, onto the default instance's port.
    let home = home_with(&[
        (
            ".openclaw/openclaw.json",
            "{ gateway: { port: 18789 } }".into(),
        ),
        (
            ".openclaw-rescue/openclaw.json",
            "{ gateway: { port: 19001 } }".into(),
        ),
    ]);
    let out = preflight_cmd(home.path())
        .args(["--no-probe", "--profile", "rescue"])
        .env("OPENCLAW_GATEWAY_PORT", "18789")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("`default` and `rescue` both use ports `18789`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`OPENCLAW_GATEWAY_PORT` in the process environment"),
        "{stdout}"
    );
}

#[test]
fn a_command_that_cannot_run_exits_127() {
    let home = rescue_on(free_base());
    let out = preflight(
        home.path(),
        &["--profile", "rescue", "--", "/nonexistent/gateway"],
    );
    assert_eq!(out.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot execute `/nonexistent/gateway`"));
}

#[test]
fn the_running_gateway_itself_is_already_running_not_a_conflict() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
        || !Path::new("/proc").exists()
    {
        eprintln!("skipped: needs python3 and /proc to stand in for a running gateway");
        return;
    }
    let port = free_base();
    let home = rescue_on(port);
    // A listener whose command line says it is `openclaw --profile rescue gateway`.
    let script = format!(
        "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',{port}))\ns.listen()\nprint('up',flush=True)\ntime.sleep(20)"
    );
    let mut child = std::process::Command::new("python3")
        .args(["-c", &script, "openclaw", "--profile", "rescue", "gateway"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    let out = preflight(home.path(), &["--profile", "rescue"]);
    child.kill().ok();
    child.wait().ok();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("error[already-running]: `rescue` is already running"),
        "{stdout}"
    );
    assert!(!stdout.contains("port-in-use"), "{stdout}");
}

#[test]
fn an_invalid_profile_is_refused_like_openclaw_does() {
    let home = rescue_on(free_base());
    let out = preflight(home.path(), &["--profile", "bad.name"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_working_directorys_env_applies_without_its_openclaw_keys() {
    // why: `loadWorkspaceDotEnvFile` loads `<cwd>/.env` for the process started
    // there, dropping every `OPENCLAW_*` key.
    let home = home_with(&[
        (".openclaw/openclaw.json", "{ gateway: { port: 18789 }, channels: { telegram: { botToken: \"555:sameTokenQq9\" } } }".into()),
        (".openclaw-rescue/openclaw.json", "{ gateway: { port: 19001 }, channels: { telegram: { botToken: \"${TG}\" } } }".into()),
    ]);
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(
        cwd.path().join(".env"),
        "TG=555:sameTokenQq9\nOPENCLAW_GATEWAY_PORT=18789\n",
    )
    .unwrap();
    let out = preflight_cmd(home.path())
        .current_dir(cwd.path())
        .args(["--no-probe", "--profile", "rescue"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("error[shared-channel-token]"),
        "`${{TG}}` came from the cwd `.env`: {stdout}"
    );
    assert!(
        !stdout.contains("port-collision"),
        "its `OPENCLAW_GATEWAY_PORT` was dropped: {stdout}"
    );
}
