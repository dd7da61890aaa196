//! `clawfence preflight`: static findings and live probes for one instance, then
//! `exec` of the real command, or exit 78 (1 without a command) and no launch.

mod common;

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

// ---------------------------------------------------------------------------
// In front of a real service: units rendered by `render-service-units.mjs`
// (OpenClaw's own install builders) into `tests/preflight/units/`, for HOME
// `/home/alice` and `--wrapper /usr/local/bin/openclaw-preflight`; the tests put
// their temporary HOME and wrapper in place of those two paths.

const UNITS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/preflight/units");
const RENDER_HOME: &str = "/home/alice";
const RENDER_WRAPPER: &str = "/usr/local/bin/openclaw-preflight";

/// A unit's `ExecStart=` words and `Environment=` pairs, with the render's HOME
/// and wrapper replaced.
struct Unit {
    argv: Vec<String>,
    env: Vec<(String, String)>,
}

fn fix_paths(s: &str, home: &Path, wrapper: &Path) -> String {
    s.replace(RENDER_WRAPPER, &wrapper.display().to_string())
        .replace(RENDER_HOME, &home.display().to_string())
}

fn systemd_unit(case: &str, home: &Path, wrapper: &Path) -> Unit {
    let dir = Path::new(UNITS).join(case);
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "service"))
        .expect("a rendered unit");
    let text = std::fs::read_to_string(file).unwrap();
    let mut unit = Unit {
        argv: vec![],
        env: vec![],
    };
    for line in text.lines() {
        // The rendered lines are plain: no continuation, no quoting inside words.
        if let Some(rest) = line.strip_prefix("ExecStart=") {
            unit.argv = rest
                .split_whitespace()
                .map(|w| fix_paths(w, home, wrapper))
                .collect();
        } else if let Some(rest) = line.strip_prefix("Environment=") {
            let (k, v) = rest.trim_matches('"').split_once('=').unwrap();
            unit.env.push((k.to_string(), fix_paths(v, home, wrapper)));
        }
    }
    assert!(!unit.argv.is_empty(), "{case} has an ExecStart");
    unit
}

/// What the service manager does with a unit: run `ExecStart` with exactly the
/// unit's environment, from `/`.
fn start(argv: &[String], env: &[(String, String)]) -> (std::process::Output, u32) {
    let child = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir("/")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    (child.wait_with_output().unwrap(), pid)
}

/// A stand-in for OpenClaw at `<dir>/bin/<name>`: says its pid and arguments and
/// exits 7, so "it ran, unchanged, as the same process" can be checked.
fn fake(dir: &Path, name: &str) -> std::path::PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let p = bin.join(name);
    std::fs::write(&p, "#!/bin/sh\necho \"ran pid $$: $*\"\nexit 7\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    p
}

/// `clawfence wrapper --openclaw FAKE --output DIR/openclaw-preflight`.
fn wrapper_for(dir: &Path) -> std::path::PathBuf {
    let openclaw = fake(dir, "openclaw");
    let out = dir.join("openclaw-preflight");
    let run = cargo_bin_cmd!("clawfence")
        .args(["wrapper", "--profile", "rescue", "--openclaw"])
        .arg(&openclaw)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "openclaw --profile rescue gateway install --wrapper {} --force",
            out.display()
        )),
        "{stdout}"
    );
    out
}

/// `~/.openclaw` and `~/.openclaw-rescue`, both `mode: local` on loopback.
fn two_instances(default_port: u16, rescue_port: u16) -> tempfile::TempDir {
    home_with(&[
        (
            ".openclaw/openclaw.json",
            format!("{{ gateway: {{ mode: 'local', bind: 'loopback', port: {default_port} }} }}"),
        ),
        (
            ".openclaw-rescue/openclaw.json",
            format!("{{ gateway: {{ mode: 'local', bind: 'loopback', port: {rescue_port} }} }}"),
        ),
    ])
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn a_rendered_wrapper_unit_starts_its_own_instance_unchanged() {
    // The unit has no `--profile`: `OPENCLAW_PROFILE`, `OPENCLAW_STATE_DIR` and
    // `OPENCLAW_CONFIG_PATH` in its environment make it `rescue`, not `default`.
    let home = two_instances(18789, 19789);
    let tools = tempfile::tempdir().unwrap();
    let wrapper = wrapper_for(tools.path());
    let unit = systemd_unit("rescue-wrapper", home.path(), &wrapper);
    assert_eq!(unit.argv[1..], ["gateway", "--port", "19789"]);
    let (out, pid) = start(&unit.argv, &unit.env);
    assert_eq!(
        text(&out.stdout),
        format!("ran pid {pid}: gateway --port 19789\n"),
        "same pid, arguments untouched; stderr: {}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(7), "the gateway's own exit code");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn a_rendered_wrapper_unit_on_a_taken_port_exits_78_and_never_starts() {
    let home = two_instances(19789, 19789);
    let tools = tempfile::tempdir().unwrap();
    let wrapper = wrapper_for(tools.path());
    let unit = systemd_unit("rescue-wrapper", home.path(), &wrapper);
    let (out, _) = start(&unit.argv, &unit.env);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(out.stdout.is_empty(), "the gateway never ran");
    assert!(
        stderr.contains("error[port-collision]: `default` and `rescue` both use ports `19789`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("preflight of `rescue` failed: 1 problem; not starting it (exit 78)"),
        "{stderr}"
    );
}

#[test]
fn the_units_argv_port_wins_over_its_environment() {
    // A drop-in moving `OPENCLAW_GATEWAY_PORT` onto the default instance's port
    // changes nothing while `--port 19789` is in argv, as in OpenClaw.
    let home = two_instances(18789, 19789);
    let tools = tempfile::tempdir().unwrap();
    let wrapper = wrapper_for(tools.path());
    let mut unit = systemd_unit("rescue-wrapper", home.path(), &wrapper);
    unit.env
        .push(("OPENCLAW_GATEWAY_PORT".into(), "18789".into()));
    let (out, _) = start(&unit.argv, &unit.env);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    // Without the argv port, the environment's decides: `default`'s.
    let (out, _) = start(&unit.argv[..2], &unit.env);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(
        stderr.contains("`default` and `rescue` both use ports `18789`"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn the_default_units_instance_is_default() {
    let home = two_instances(18789, 19789);
    let tools = tempfile::tempdir().unwrap();
    let wrapper = wrapper_for(tools.path());
    let unit = systemd_unit("default-wrapper", home.path(), &wrapper);
    let (out, pid) = start(&unit.argv, &unit.env);
    assert_eq!(
        text(&out.stdout),
        format!("ran pid {pid}: gateway --port 18789\n"),
        "{}",
        text(&out.stderr)
    );
    // The same argv and environment, only reported.
    let mut argv = vec![
        env!("CARGO_BIN_EXE_clawfence").to_string(),
        "preflight".into(),
        "--preflight-only".into(),
        "--".into(),
        tools.path().join("bin/openclaw").display().to_string(),
    ];
    argv.extend(unit.argv[1..].iter().cloned());
    let (out, _) = start(&argv, &unit.env);
    assert_eq!(text(&out.stdout), "preflight of `default` passed\n");
    assert_eq!(out.status.code(), Some(0));
}

/// `ProgramArguments` of a rendered plist.
fn plist_arguments(case: &str, home: &Path, wrapper: &Path) -> Vec<String> {
    let dir = Path::new(UNITS).join(case);
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "plist"))
        .unwrap();
    let text = std::fs::read_to_string(file).unwrap();
    let array = text
        .split("<key>ProgramArguments</key>")
        .nth(1)
        .and_then(|r| r.split("</array>").next())
        .unwrap();
    array
        .split("<string>")
        .skip(1)
        .map(|s| fix_paths(s.split("</string>").next().unwrap(), home, wrapper))
        .collect()
}

#[test]
fn a_rendered_launch_agent_runs_the_wrapper_through_its_env_file() {
    // launchd runs `/bin/sh <state>/service-env/<label>-env-wrapper.sh <label>.env
    // <wrapper> gateway --port N`; both files are what `gateway install` writes.
    for (default_port, code) in [(18789, 7), (19789, 78)] {
        let home = two_instances(default_port, 19789);
        let tools = tempfile::tempdir().unwrap();
        let wrapper = wrapper_for(tools.path());
        let env_dir = home.path().join(".openclaw-rescue/service-env");
        std::fs::create_dir_all(&env_dir).unwrap();
        for name in [
            "ai.openclaw.rescue.env",
            "ai.openclaw.rescue-env-wrapper.sh",
        ] {
            let rendered =
                std::fs::read_to_string(Path::new(UNITS).join("rescue-wrapper").join(name))
                    .unwrap();
            std::fs::write(
                env_dir.join(name),
                fix_paths(&rendered, home.path(), &wrapper),
            )
            .unwrap();
        }
        let argv = plist_arguments("rescue-wrapper", home.path(), &wrapper);
        assert_eq!(argv[0], "/bin/sh");
        let (out, pid) = start(&argv, &[]);
        assert_eq!(out.status.code(), Some(code), "{}", text(&out.stderr));
        if code == 7 {
            assert_eq!(
                text(&out.stdout),
                format!("ran pid {pid}: gateway --port 19789\n")
            );
        } else {
            assert!(out.stdout.is_empty());
            assert!(text(&out.stderr).contains("both use ports `19789`"));
        }
    }
}

#[test]
fn a_node_unit_without_a_wrapper_is_read_the_same_way() {
    // `ExecStart=<node> --max-old-space-size=8192 <pkg>/dist/index.js gateway --port N`,
    // behind `clawfence preflight --`; a stand-in `node` takes the real one's place.
    for (default_port, code) in [(18789, 7), (19789, 78)] {
        let home = two_instances(default_port, 19789);
        let tools = tempfile::tempdir().unwrap();
        let mut unit = systemd_unit("rescue-node", home.path(), Path::new(RENDER_WRAPPER));
        unit.argv[0] = fake(tools.path(), "node").display().to_string();
        let mut argv = vec![
            env!("CARGO_BIN_EXE_clawfence").to_string(),
            "preflight".into(),
            "--".into(),
        ];
        argv.extend(unit.argv.iter().cloned());
        let (out, pid) = start(&argv, &unit.env);
        assert_eq!(out.status.code(), Some(code), "{}", text(&out.stderr));
        if code == 7 {
            let words = unit.argv[1..].join(" ");
            assert_eq!(text(&out.stdout), format!("ran pid {pid}: {words}\n"));
        } else {
            assert!(out.stdout.is_empty());
        }
    }
}

#[test]
fn the_state_dir_decides_which_instance_it_is_without_a_command_too() {
    // The service environment alone (no `--profile`): it is `rescue`, and a
    // clean `rescue` passes instead of `default` sharing `rescue`'s state dir.
    let home = two_instances(18789, 19789);
    let state = home.path().join(".openclaw-rescue");
    let out = preflight_cmd(home.path())
        .args(["--no-probe"])
        .env("OPENCLAW_STATE_DIR", &state)
        .env("OPENCLAW_CONFIG_PATH", state.join("openclaw.json"))
        .env("OPENCLAW_PROFILE", "rescue")
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "preflight of `rescue` passed\n");
    assert_eq!(out.status.code(), Some(0));
}

// ---------------------------------------------------------------------------
// OpenClaw's start guard, said first and in its own words (each message as the
// real `openclaw gateway run` 2026.9.6 prints it on the same config).

/// `preflight [args] -- <fake openclaw> <words>`, on a HOME with `default` on
/// 18789 and `rescue`'s config as given.
fn guarded(rescue_config: Option<&str>, args: &[&str], words: &[&str]) -> std::process::Output {
    let mut files = vec![(
        ".openclaw/openclaw.json",
        "{ gateway: { mode: 'local', bind: 'loopback', port: 18789 } }".to_string(),
    )];
    if let Some(c) = rescue_config {
        files.push((".openclaw-rescue/openclaw.json", c.to_string()));
    }
    let home = home_with(&files);
    std::fs::create_dir_all(home.path().join(".openclaw-rescue")).unwrap();
    let tools = tempfile::tempdir().unwrap();
    let openclaw = fake(tools.path(), "openclaw");
    preflight_cmd(home.path())
        .arg("--no-probe")
        .args(args)
        .arg("--")
        .arg(&openclaw)
        .args(words)
        .output()
        .unwrap()
}

const RESCUE: &[&str] = &["--profile", "rescue", "gateway", "--port", "19789"];

#[test]
fn a_config_without_gateway_mode_is_refused_in_openclaws_words() {
    let out = guarded(
        Some("{ gateway: { bind: 'loopback', port: 19789 } }"),
        &[],
        RESCUE,
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(out.stdout.is_empty(), "the gateway never ran");
    assert!(
        stderr.contains(
            "error[gateway-mode]: `gateway.mode` of `rescue` is not set, so the gateway refuses to start"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("\"Gateway start blocked: existing config is missing gateway.mode. Treat this as suspicious or clobbered config. Re-run `openclaw --profile rescue onboard --mode local` or `openclaw --profile rescue setup`, set gateway.mode=local manually, or pass --allow-unconfigured.\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("help: `openclaw --profile rescue config set gateway.mode local`"),
        "{stderr}"
    );
    // `--allow-unconfigured` lets OpenClaw start it, and so does preflight.
    let mut words = RESCUE.to_vec();
    words.push("--allow-unconfigured");
    let out = guarded(
        Some("{ gateway: { bind: 'loopback', port: 19789 } }"),
        &[],
        &words,
    );
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
}

#[test]
fn a_remote_mode_and_a_missing_config_are_refused() {
    let out = guarded(
        Some("{ gateway: { mode: 'remote', port: 19789 } }"),
        &[],
        RESCUE,
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(
        stderr.contains("\"Gateway start blocked: set gateway.mode=local (current: remote) or pass --allow-unconfigured.\""),
        "{stderr}"
    );
    let out = guarded(None, &[], RESCUE);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(stderr.contains("error[missing-config]: `rescue` has no config: `~/.openclaw-rescue/openclaw.json` does not exist"), "{stderr}");
    assert!(
        stderr.contains("\"Missing config. Run `openclaw --profile rescue setup` or set gateway.mode=local (or pass --allow-unconfigured).\""),
        "{stderr}"
    );
}

#[test]
fn a_lan_bind_needs_a_token_or_a_password() {
    let lan = "{ gateway: { mode: 'local', bind: 'lan', port: 19789 } }";
    let out = guarded(Some(lan), &[], RESCUE);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(
        stderr.contains(
            "error[bind-without-auth]: `rescue` binds `lan` (`0.0.0.0`) without a token or password"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("\"Refusing to bind gateway to lan without auth.\""),
        "{stderr}"
    );
    // A token on the command line (never printed) or in the config is enough.
    let mut words = RESCUE.to_vec();
    words.extend(["--token", "s3cretTokenValue"]);
    let out = guarded(Some(lan), &[], &words);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    let out = guarded(
        Some("{ gateway: { mode: 'local', bind: 'lan', port: 19789, auth: { token: 'x' } } }"),
        &[],
        RESCUE,
    );
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    // `--auth password` with only a token is refused, on any bind, before the bind.
    let mut words = RESCUE.to_vec();
    words.extend(["--auth", "password", "--token", "s3cretTokenValue"]);
    let out = guarded(Some(lan), &[], &words);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(!stderr.contains("s3cretTokenValue"), "{stderr}");
    assert!(
        stderr.contains(
            "error[missing-password]: gateway auth of `rescue` is `password` but no password is set"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("\"Gateway auth is set to password, but no password is configured. Set gateway.auth.password (or OPENCLAW_GATEWAY_PASSWORD), or pass --password.\""),
        "{stderr}"
    );
    assert!(!stderr.contains("bind-without-auth"), "{stderr}");
}

#[test]
fn an_invalid_port_option_is_refused() {
    let ok = "{ gateway: { mode: 'local', bind: 'loopback', port: 19789 } }";
    let out = guarded(
        Some(ok),
        &[],
        &["--profile", "rescue", "gateway", "--port", "abc"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(
        stderr
            .contains("error[invalid-option]: `--port abc` of `rescue` is refused by the gateway"),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("\"Invalid --port. Use a port number from 1 to 65535, for example 18789.\""),
        "{stderr}"
    );
}

#[test]
fn a_typod_profile_gets_the_profile_that_exists() {
    let home = two_instances(18789, 19789);
    let out = preflight(home.path(), &["--no-probe", "--profile", "rescu"]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("error[unknown-profile]: profile `rescu` does not exist: there is no `~/.openclaw-rescu`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("help: did you mean `rescue`? use `--profile rescue`"),
        "{stdout}"
    );
    // The same typo in the command: refused, never started.
    let out = guarded(
        Some("{ gateway: { mode: 'local', bind: 'loopback', port: 19789 } }"),
        &[],
        &["--profile", "rescu", "gateway"],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(stderr.contains("did you mean `rescue`?"), "{stderr}");
    assert!(out.stdout.is_empty());
}

#[test]
fn only_and_skip_select_checks_and_preflight_only_never_launches() {
    let no_mode = Some("{ gateway: { bind: 'loopback', port: 19789 } }");
    let out = guarded(no_mode, &["--skip", "gateway-mode"], RESCUE);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    let out = guarded(no_mode, &["--only", "port-collision"], RESCUE);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    let out = guarded(no_mode, &["--only", "gateway-mod"], RESCUE);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no check `gateway-mod`"));
    // With `--preflight-only` the command is only read, never run: exit 1 on findings.
    let out = guarded(no_mode, &["--preflight-only"], RESCUE);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("error[gateway-mode]"));
    assert!(!text(&out.stdout).contains("ran pid"));
    let ok = Some("{ gateway: { mode: 'local', bind: 'loopback', port: 19789 } }");
    let out = guarded(ok, &["--preflight-only"], RESCUE);
    assert_eq!(text(&out.stdout), "preflight of `rescue` passed\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn preflights_own_flags_disagreeing_with_the_command_are_said() {
    let ok = Some("{ gateway: { mode: 'local', bind: 'loopback', port: 19789 } }");
    let out = guarded(ok, &["--profile", "main", "--port", "19500"], RESCUE);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(
        stderr.contains("error[command-mismatch]: preflight's own `--profile main` (the command runs profile `rescue`) and `--port 19500` (the command's gateway port is `19789`) disagree with the command after `--`, which runs `rescue`; `rescue` was checked"),
        "{stderr}"
    );
    let out = guarded(ok, &["--profile", "rescue", "--port", "19789"], RESCUE);
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
}

#[test]
fn the_commands_leading_assignments_are_its_environment() {
    // `env OPENCLAW_GATEWAY_PORT=18789 openclaw …` runs on the default instance's port.
    let home = two_instances(18789, 19789);
    let tools = tempfile::tempdir().unwrap();
    let openclaw = fake(tools.path(), "openclaw");
    let out = preflight_cmd(home.path())
        .args(["--no-probe", "--", "env", "OPENCLAW_GATEWAY_PORT=18789"])
        .arg(&openclaw)
        .args(["--profile", "rescue", "gateway"])
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(stderr.contains("both use ports `18789`"), "{stderr}");
    // A shell's `VAR=value prog`, exec'd without a shell, gets them too.
    let out = preflight_cmd(home.path())
        .args([
            "--no-probe",
            "--profile",
            "rescue",
            "--",
            "FOO=bar",
            "sh",
            "-c",
            "echo $FOO",
        ])
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), "bar\n", "{}", text(&out.stderr));
}

#[test]
fn the_wrapper_names_node_and_openclaw_by_absolute_path() {
    // A global npm install: `bin/openclaw` links to `…/openclaw/openclaw.mjs`,
    // a `#!/usr/bin/env node` script; the service PATH may lack node's directory.
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("lib/node_modules/openclaw");
    std::fs::create_dir_all(&pkg).unwrap();
    std::fs::write(pkg.join("openclaw.mjs"), "#!/usr/bin/env node\n").unwrap();
    let node = fake(&dir.path().join("node"), "node");
    std::fs::create_dir_all(dir.path().join("bin")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(pkg.join("openclaw.mjs"), dir.path().join("bin/openclaw")).unwrap();
    let out = cargo_bin_cmd!("clawfence")
        .args(["wrapper", "--openclaw"])
        .arg(dir.path().join("bin/openclaw"))
        .env("PATH", node.parent().unwrap())
        .output()
        .unwrap();
    let script = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let real = |p: &Path| std::fs::canonicalize(p).unwrap().display().to_string();
    assert!(
        script.contains(&format!(
            "preflight -- '{}' '{}' \"$@\"",
            real(&node),
            real(&pkg.join("openclaw.mjs"))
        )),
        "{script}"
    );
    assert!(text(&out.stderr).contains("gateway install --wrapper PATH --force"));
    // Options for preflight itself go into the wrapper, checked first.
    let with = |extra: &[&str]| {
        cargo_bin_cmd!("clawfence")
            .args(["wrapper", "--node"])
            .arg(&node)
            .arg("--openclaw")
            .arg(pkg.join("openclaw.mjs"))
            .arg("--")
            .args(extra)
            .output()
            .unwrap()
    };
    let out = with(&["--skip", "shared-workspace", "--no-probe"]);
    assert!(
        text(&out.stdout).contains("preflight '--skip' 'shared-workspace' '--no-probe' -- "),
        "{}",
        text(&out.stdout)
    );
    let out = with(&["--skip", "shared-worksp"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no check `shared-worksp`"));
    let out = with(&["--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr)
            .contains("are not `clawfence preflight`'s: unexpected argument '--bogus'")
    );
    // Something that is not OpenClaw, or a file clawfence did not write, is refused.
    let out = cargo_bin_cmd!("clawfence")
        .args(["wrapper", "--openclaw", "/bin/sh"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("does not look like OpenClaw's CLI"));
    let mine = dir.path().join("mine");
    std::fs::write(&mine, "#!/bin/sh\necho mine\n").unwrap();
    let out = cargo_bin_cmd!("clawfence")
        .args(["wrapper", "--node"])
        .arg(&node)
        .arg("--openclaw")
        .arg(pkg.join("openclaw.mjs"))
        .arg("--output")
        .arg(&mine)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("pass `--force` to replace it"));
    assert_eq!(
        std::fs::read_to_string(&mine).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
}

#[test]
fn preflights_own_findings_follow_the_message_style() {
    use clawfence::load::argv::classify;
    use clawfence::load::env::Env;
    use clawfence::model::Origin;
    let cases: &[(&str, &[&str])] = &[
        (
            "{ gateway: { bind: 'loopback', port: 19789 } }",
            &["openclaw", "--profile", "rescue", "gateway"],
        ),
        (
            "{ gateway: { mode: 'remote', bind: 'loopback' } }",
            &["openclaw", "--profile", "rescue", "gateway"],
        ),
        (
            "{ gateway: { mode: 'local', bind: 'lan' } }",
            &[
                "openclaw",
                "--profile",
                "rescue",
                "gateway",
                "--port",
                "x",
                "--bind",
                "wan",
            ],
        ),
        (
            "{ gateway: { mode: 'local', bind: 'loopback' } }",
            &["openclaw", "--profile", "rescu", "gateway"],
        ),
        (
            "{ gateway: { mode: 'local', bind: 'loopback' } }",
            &["openclaw", "--dev", "--profile", "x", "gateway"],
        ),
        ("-", &["openclaw", "--profile", "rescue", "gateway"]),
        (
            "{ gateway: { mode: 'local', bind: 'loopback', auth: { mode: 'password' } } }",
            &["openclaw", "--profile", "rescue", "gateway"],
        ),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for (config, words) in cases {
        let home = two_instances(18789, 19789);
        let file = home.path().join(".openclaw-rescue/openclaw.json");
        match *config {
            "-" => std::fs::remove_file(file).unwrap(),
            c => std::fs::write(file, c).unwrap(),
        }
        std::fs::remove_dir_all(home.path().join(".openclaw")).unwrap();
        let mut env = Env::new();
        env.set(
            "HOME",
            home.path().display().to_string(),
            Origin::Flag("--home".into()),
        );
        let out = clawfence::preflight::run(
            clawfence::preflight::Request {
                host: clawfence::HostRequest::home(home.path().into(), home.path().into()),
                profile: Some("main".into()),
                port: None,
                bind: None,
                env,
                probe: false,
                command: Some(classify(words)),
                selection: Default::default(),
            },
            clawfence::finding::Severity::Info,
        )
        .unwrap();
        assert!(!out.findings.is_empty(), "{words:?}");
        seen.extend(out.findings.iter().map(|f| f.rule.id));
        assert_eq!(common::style_problems(&out.findings), Vec::<String>::new());
    }
    for id in [
        "missing-config",
        "missing-password",
        "gateway-mode",
        "bind-without-auth",
        "invalid-option",
        "unknown-profile",
        "command-mismatch",
        "command-refused",
    ] {
        assert!(seen.contains(id), "{id} was not produced: {seen:?}");
    }
}
