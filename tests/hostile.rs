//! Hostile input (issue 18): nothing panics, hangs, floods memory or leaks a
//! secret. Each test writes the input it is about and asserts the fixed result.

use assert_cmd::cargo::cargo_bin_cmd;
use std::path::Path;
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

/// `clawfence ARGS` under `ulimit -v KB` (virtual memory), via `sh`.
fn run_limited(dir: &Path, kb: u64, args: &[&str]) -> Run {
    let bin = assert_cmd::cargo::cargo_bin!("clawfence");
    let mut script = format!("ulimit -v {kb}; exec '{}'", bin.display());
    for a in args {
        script.push_str(&format!(" '{a}'"));
    }
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    Run {
        code: out.status.code(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `check --home` and returns how long it took.
fn timed_check(home: &Path) -> (Run, Duration) {
    let t = Instant::now();
    let r = run_in(home, &["check", "--home", home.to_str().unwrap()]);
    (r, t.elapsed())
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

// ------------------------------------------------------------------- 3. leaks

#[test]
fn code_frames_of_syntax_errors_are_masked() {
    // config, include and manifest: each breaks on the line that holds a secret
    let h = home(&[
        (
            ".openclaw/openclaw.json",
            format!("{{\n  channels: {{ telegram: {{ botToken: \"{SECRET}\", x: }} }},\n}}")
                .as_bytes(),
        ),
        (
            ".openclaw-rescue/openclaw.json",
            b"{ gateway: { $include: './gw.json5' } }",
        ),
        (
            ".openclaw-rescue/gw.json5",
            format!("{{ auth: {{ token: '{SECRET}' }} port: 1 }}").as_bytes(),
        ),
    ]);
    let r = check_all(h.path());
    assert_eq!(r.code, Some(1));
    assert!(r.out.contains("does not parse"), "{}", r.out);
    assert_no_secret(&r);

    let m = home(&[
        (
            "clawfence.json5",
            format!("{{ instances: {{ a: {{ config: 'a.json5', env: {{ API_TOKEN: '{SECRET}' }} oops }} }} }}")
                .as_bytes(),
        ),
        ("a.json5", b"{}"),
    ]);
    let r = run_in(
        m.path(),
        &["check", "--format", "human", "--format", "json"],
    );
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(r.out.contains("does not parse"), "{}", r.out);
    assert_no_secret(&r);
}

#[cfg(target_os = "linux")]
#[test]
fn a_config_symlinked_to_proc_environ_is_never_read() {
    let h = home(&[]);
    std::fs::create_dir_all(h.path().join(".openclaw")).unwrap();
    std::os::unix::fs::symlink(
        "/proc/self/environ",
        h.path().join(".openclaw/openclaw.json"),
    )
    .unwrap();
    let out = cargo_bin_cmd!("clawfence")
        .args(["check", "--home"])
        .arg(h.path())
        .env("LEAKED_BY_ENVIRON", SECRET)
        .output()
        .unwrap();
    let r = Run {
        code: out.status.code(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(r.out.contains("not a regular file"), "{}", r.out);
    assert_no_secret(&r);
}

#[test]
fn a_non_config_file_is_never_echoed() {
    // a regular file that is not JSON5 at all (an env dump, /etc/passwd)
    let h = home(&[(
        ".openclaw/openclaw.json",
        format!("HOME=/root\nSOME_SETTING={SECRET}\n").as_bytes(),
    )]);
    let r = check_all(h.path());
    assert_eq!(r.code, Some(1));
    assert!(r.out.contains("not JSON5"), "{}", r.out);
    assert!(!r.out.contains("SOME_SETTING"), "{}", r.out);
    assert_no_secret(&r);
}

#[test]
fn manifest_paths_stay_inside_its_directory() {
    let outer = home(&[("secret.json5", format!("{{ broken {SECRET} }}").as_bytes())]);
    let m = home(&[
        (
            "repo/clawfence.json5",
            format!(
                "{{ instances: {{ a: {{ config: '{}/secret.json5' }}, b: {{ config: 'b.json5', envFile: '../x.env' }} }} }}",
                outer.path().display()
            )
            .as_bytes(),
        ),
        ("repo/b.json5", b"{}"),
        ("x.env", format!("OPENCLAW_GATEWAY_PORT={SECRET}\n").as_bytes()),
    ]);
    let r = run_in(
        &m.path().join("repo"),
        &["check", "--format", "human", "--format", "json"],
    );
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(r.out.contains("`config` path"), "{}", r.out);
    assert!(
        r.out
            .contains("`envFile` path `../x.env` leaves the manifest's directory"),
        "{}",
        r.out
    );
    assert_no_secret(&r);
}

#[test]
fn an_invalid_env_port_is_not_quoted_verbatim() {
    // the unterminated quote pulls the next line, a token, into the value
    let h = home(&[
        (".openclaw/openclaw.json", b"{ gateway: { mode: 'local' } }"),
        (
            ".openclaw/.env",
            format!("OPENCLAW_GATEWAY_PORT=\"18789\nTELEGRAM_BOT_TOKEN={SECRET}\"\n").as_bytes(),
        ),
    ]);
    let r = check_all(h.path());
    assert_eq!(r.code, Some(1));
    assert!(r.out.contains("error[invalid-port]"), "{}", r.out);
    assert!(r.out.contains("characters>"), "{}", r.out);
    assert_no_secret(&r);
}

#[test]
fn manifest_env_values_are_masked() {
    let m = home(&[
        (
            "clawfence.json5",
            format!(
                "{{ instances: {{\n  a: {{ config: 'a.json5', env: {{ OPENCLAW_STATE_DIR: '/srv/a', OPENCLAW_GATEWAY_PORT: '18789', API_TOKEN: '{SECRET}' }} }},\n  b: {{ config: 'b.json5', env: {{ OPENCLAW_STATE_DIR: '/srv/b', OPENCLAW_GATEWAY_PORT: '18789', DB_URL: 'postgres://u:{SECRET}@h/db' }} }},\n}} }}"
            )
            .as_bytes(),
        ),
        ("a.json5", b"{ gateway: { mode: 'local' } }"),
        ("b.json5", b"{ gateway: { mode: 'local' } }"),
    ]);
    let r = run_in(
        m.path(),
        &["check", "--format", "human", "--format", "sarif"],
    );
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(r.out.contains("error[port-collision]"), "{}", r.out);
    assert!(
        r.out.contains("OPENCLAW_GATEWAY_PORT: '18789'"),
        "{}",
        r.out
    );
    assert_no_secret(&r);
}

#[test]
fn a_config_env_block_substituted_into_a_secret_is_masked() {
    let config = format!(
        "{{\n  gateway: {{ mode: 'local', port: 18789 }}, env: {{ vars: {{ TG: '{SECRET}' }} }},\n  channels: {{ telegram: {{ botToken: '${{TG}}' }} }},\n}}"
    );
    let h = home(&[
        (".openclaw/openclaw.json", config.as_bytes()),
        (".openclaw-rescue/openclaw.json", config.as_bytes()),
    ]);
    let r = check_all(h.path());
    assert_eq!(r.code, Some(1));
    assert!(r.out.contains("error[port-collision]"), "{}", r.out);
    assert_no_secret(&r);
}

#[test]
fn every_url_password_of_a_whole_file_span_is_masked() {
    // `\u0061` makes the span parser give up: every value spans the whole file
    let config = format!(
        "{{\\u0061: 1, gateway: {{ port: 'x' }}, a: 'http://u:p@h/', b: 'wss://v:{SECRET}@h/?token={SECRET}'}}"
    );
    let h = home(&[(".openclaw/openclaw.json", config.as_bytes())]);
    let r = check_all(h.path());
    assert_eq!(r.code, Some(1));
    assert_no_secret(&r);
}

#[test]
fn more_secret_shapes_are_masked() {
    let config = format!(
        "{{ gateway: {{ port: 'x' }}, pat: '{SECRET}', jwt: '{SECRET}', bearer: '{SECRET}', dsn: '{SECRET}', GITHUB_PAT: '{SECRET}', tool: {{ args: ['--token', '{SECRET}'] }}, a: 'https://{SECRET}@github.com/x', b: 'https://h/?pass={SECRET}&pwd={SECRET}&session={SECRET}&jwt={SECRET}', c: 'https://api.telegram.org/bot123456789:{SECRET}AAAAAAAAAAAA/getMe' }}"
    );
    let h = home(&[(".openclaw/openclaw.json", config.as_bytes())]);
    let r = check_all(h.path());
    assert_eq!(r.code, Some(1));
    assert!(r.out.contains("error[invalid-port]"), "{}", r.out);
    assert_no_secret(&r);
}

/// A process listening on `port` whose command line carries `--token SECRET`.
fn token_holder(dir: &Path, port: u16) -> Option<std::process::Child> {
    let code = format!(
        "import socket,time\ns=socket.socket()\ns.bind(('127.0.0.1',{port}))\ns.listen()\nprint('up',flush=True)\ntime.sleep(30)\n"
    );
    std::fs::write(dir.join("h.py"), code).ok()?;
    let mut child = std::process::Command::new("python3")
        .args(["h.py", "--token", SECRET])
        .current_dir(dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    let mut line = String::new();
    use std::io::BufRead;
    std::io::BufReader::new(child.stdout.take()?)
        .read_line(&mut line)
        .ok()?;
    (line.trim() == "up").then_some(child)
}

#[cfg(target_os = "linux")]
#[test]
fn other_processes_command_lines_are_masked() {
    let port = {
        let l = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        l.local_addr().unwrap().port()
    };
    let h = home(&[(
        ".openclaw/openclaw.json",
        format!("{{ gateway: {{ mode: 'local', port: {port} }} }}").as_bytes(),
    )]);
    let Some(mut holder) = token_holder(h.path(), port) else {
        eprintln!("skipped: python3 is needed to hold a port");
        return;
    };
    let live = run_in(
        h.path(),
        &["ports", "--live", "--home", h.path().to_str().unwrap()],
    );
    let pre = cargo_bin_cmd!("clawfence")
        .args(["preflight", "--color", "never", "--home"])
        .arg(h.path())
        .env_remove("OPENCLAW_GATEWAY_PORT")
        .output()
        .unwrap();
    holder.kill().ok();
    holder.wait().ok();
    // The table may wrap the command line: read it without borders and breaks.
    let flat = live
        .out
        .replace(['│', '┆'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains("--token ***"), "{}{}", live.out, live.err);
    assert_no_secret(&live);
    let pre = Run {
        code: pre.status.code(),
        out: String::from_utf8_lossy(&pre.stdout).into_owned(),
        err: String::from_utf8_lossy(&pre.stderr).into_owned(),
    };
    assert!(pre.out.contains("--token ***"), "{}{}", pre.out, pre.err);
    assert_no_secret(&pre);
}

#[test]
fn a_port_option_that_is_no_port_is_never_quoted_verbatim() {
    // Found by the plist fuzz target: a launcher's `--port` value that OpenClaw
    // refuses was quoted whole, whatever it held; preflight did the same.
    let token = format!("ghp_{SECRET}0123456789abcdef");
    let unit =
        format!("[Service]\nExecStart=/usr/bin/openclaw --profile x gateway --port \"{token}\"\n");
    let h = home(&[
        (
            ".openclaw-x/openclaw.json",
            b"{ gateway: { mode: 'local' } }",
        ),
        (".config/systemd/user/bot.service", unit.as_bytes()),
    ]);
    let home = h.path().to_str().unwrap();
    let check = run_in(h.path(), &["check", "--color", "never", "--home", home]);
    assert!(
        check.out.contains("passes `--port <"),
        "{}{}",
        check.out,
        check.err
    );
    assert_no_secret(&check);
    let pre = run_in(
        h.path(),
        &[
            "preflight",
            "--color",
            "never",
            "--home",
            home,
            "--profile",
            "x",
            "--no-probe",
            "--",
            "openclaw",
            "--profile",
            "x",
            "gateway",
            "--port",
            &token,
        ],
    );
    // preflight reports on stderr: stdout stays the wrapped command's.
    assert!(pre.err.contains("`--port <"), "{}{}", pre.out, pre.err);
    assert_no_secret(&pre);
}

// ------------------------------------------------------------------ 4. bounds

#[test]
fn duplicate_keys_are_merged_in_linear_time() {
    if !release_only() {
        return;
    }
    let mut config = String::from("{ gateway: { mode: 'local' }, a: {");
    for i in 0..100_000 {
        config.push_str(&format!("k{}: {i}, ", i % 50_000));
    }
    config.push_str("} }");
    let h = home(&[(".openclaw/openclaw.json", config.as_bytes())]);
    let (r, took) = timed_check(h.path());
    eprintln!("took {took:?}");
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn env_files_are_parsed_in_linear_time() {
    if !release_only() {
        return;
    }
    let mut env = String::new();
    // distinct keys, with lines the grammar does not match in between
    for i in 0..50_000 {
        env.push_str(&format!("K{i}=1\nno {i}\n"));
    }
    let h = home(&[
        (".openclaw/openclaw.json", b"{ gateway: { mode: 'local' } }"),
        (".openclaw/.env", env.as_bytes()),
    ]);
    let (r, took) = timed_check(h.path());
    eprintln!("took {took:?}");
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn include_fan_out_reads_and_merges_each_file_once() {
    if !release_only() {
        return;
    }
    // f1 includes f2 twice, f2 includes f3 twice, …: 2^9 paths to f10, and
    // with the top config 11 files, as deep as OpenClaw allows
    let mut files: Vec<(String, String)> = Vec::new();
    for i in 1..=9 {
        let mut body = format!(
            "{{ $include: ['./f{n}.json5', './f{n}.json5'], o{i}: {{",
            n = i + 1
        );
        for k in 0..2000 {
            body.push_str(&format!("k{k}: {k}, "));
        }
        body.push_str("} }");
        files.push((format!(".openclaw/f{i}.json5"), body));
    }
    files.push((
        ".openclaw/f10.json5".into(),
        "{ gateway: { mode: 'local' } }".into(),
    ));
    files.push((
        ".openclaw/openclaw.json".into(),
        "{ $include: './f1.json5' }".into(),
    ));
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, b)| (p.as_str(), b.as_bytes()))
        .collect();
    let h = home(&refs);
    let (r, took) = timed_check(h.path());
    eprintln!("took {took:?}");
    assert_eq!(r.code, Some(0), "{}{}", r.out, r.err);
    assert!(took < Duration::from_secs(3), "{took:?}");
}

#[test]
fn substitution_output_is_capped() {
    // a 1 MB value used 10,000 times would be 10 GB; the process gets 1 GB
    let big = "x".repeat(1_000_000);
    let refs = vec!["\"${BIG}\""; 10_000].join(",");
    let h = home(&[
        (
            ".openclaw/openclaw.json",
            format!("{{ gateway: {{ mode: 'local' }}, list: [{refs}] }}").as_bytes(),
        ),
        (".openclaw/.env", format!("BIG={big}\n").as_bytes()),
    ]);
    let r = run_limited(
        h.path(),
        1_000_000,
        &["check", "--home", h.path().to_str().unwrap()],
    );
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(r.out.contains("substitutes more than 16 MiB"), "{}", r.out);
}

#[test]
fn a_huge_config_is_refused_unread() {
    let h = home(&[]);
    std::fs::create_dir_all(h.path().join(".openclaw")).unwrap();
    let f = std::fs::File::create(h.path().join(".openclaw/openclaw.json")).unwrap();
    f.set_len(200 * 1024 * 1024).unwrap(); // sparse: 200 MB of zeros
    let r = run_limited(
        h.path(),
        500_000,
        &["check", "--home", h.path().to_str().unwrap()],
    );
    assert_eq!(r.code, Some(1), "{}{}", r.out, r.err);
    assert!(r.out.contains("larger than 8388608 bytes"), "{}", r.out);
}

#[cfg(unix)]
#[test]
fn a_fifo_a_device_or_a_huge_lock_file_never_blocks_preflight() {
    for kind in ["fifo", "dev-zero", "huge"] {
        let h = home(&[(".openclaw/openclaw.json", b"{ gateway: { mode: 'local' } }")]);
        let dir = h.path().join(".openclaw/tmp/openclaw-0");
        std::fs::create_dir_all(&dir).unwrap();
        let lock = dir.join("gateway.state.lock");
        if kind == "fifo" {
            let ok = std::process::Command::new("mkfifo").arg(&lock).status();
            if !ok.is_ok_and(|s| s.success()) {
                eprintln!("skipped: no mkfifo");
                continue;
            }
        } else if kind == "huge" {
            // 4 GB of zeros (sparse): never read into memory
            let f = std::fs::File::create(&lock).unwrap();
            f.set_len(4 << 30).unwrap();
        } else {
            std::os::unix::fs::symlink("/dev/zero", &lock).unwrap();
        }
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("clawfence"))
            .args(["preflight", "--home"])
            .arg(h.path())
            .env_remove("OPENCLAW_GATEWAY_PORT")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let t = Instant::now();
        let budget = if cfg!(debug_assertions) { 10 } else { 1 };
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break Some(s);
            }
            if t.elapsed() > Duration::from_secs(budget) {
                child.kill().ok();
                break None;
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        assert!(
            status.is_some(),
            "{kind}: preflight still running after {budget} s"
        );
    }
}

// ------------------------------------------------------- 5. writes, terminals

#[test]
fn output_onto_an_input_file_is_refused() {
    let config = "{ gateway: { mode: 'local' } }";
    let h = home(&[(".openclaw/openclaw.json", config.as_bytes())]);
    let target = h.path().join(".openclaw/openclaw.json");
    let r = run_in(
        h.path(),
        &[
            "check",
            "--home",
            h.path().to_str().unwrap(),
            "--format",
            "json",
            "--output",
            target.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, Some(2), "{}{}", r.out, r.err);
    assert!(r.err.contains("it is an input of this check"), "{}", r.err);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), config);
}

#[test]
fn control_characters_are_escaped_in_every_output() {
    let h = home(&[
        (".openclaw-bad\u{1b}[31mname/openclaw.json", b"{}"),
        (
            ".openclaw/openclaw.json",
            "{ gateway: { port: 'a\u{1b}]0;x\u{7}b' } }".as_bytes(),
        ),
    ]);
    let r = check_all(h.path());
    assert_eq!(r.code, Some(1));
    assert!(
        !r.out.contains('\u{1b}') && !r.out.contains('\u{7}'),
        "{:?}",
        r.out
    );
    assert!(r.out.contains("\\u{1b}"), "{}", r.out);
    // the JUnit document holds no character XML 1.0 forbids
    let junit = r.out.split("<?xml").nth(1).unwrap();
    assert!(
        !junit
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    );
}

// ------------------------------------------------------------- 6. correctness

#[test]
fn a_lone_surrogate_escape_is_valid_json5() {
    let h = home(&[(
        ".openclaw/openclaw.json",
        br#"{ gateway: { mode: 'local' }, ui: { name: "\uD800" } }"#,
    )]);
    let r = check_all(h.path());
    assert_eq!(r.code, Some(0), "{}", r.out);
}

#[test]
fn a_truncated_config_is_reported_at_its_end() {
    let h = home(&[(
        ".openclaw/openclaw.json",
        b"{\n  gateway: {\n    port: 18789,\n",
    )]);
    let r = check_all(h.path());
    assert_eq!(r.code, Some(1));
    assert!(
        r.out.contains("~/.openclaw/openclaw.json:3:17"),
        "{}",
        r.out
    );
}

#[test]
fn a_regular_file_at_the_default_state_dir_is_a_finding() {
    let h = home(&[(".openclaw", b"{}")]);
    let r = check_all(h.path());
    assert_eq!(r.code, Some(1), "{}", r.out);
    assert!(
        r.out.contains("`~/.openclaw` is a file, not a directory"),
        "{}",
        r.out
    );
}

#[test]
fn the_shadowed_value_of_a_duplicate_key_is_masked() {
    // found by the json5 fuzz target: the last `channels` wins, the first is
    // not in the tree but still in the code frame
    let config = format!(
        "{{ gateway: {{ port: 'x' }}, channels: {{ telegram: {{ botToken: \"{SECRET}\" }} }}, channels: {{}} }}"
    );
    let h = home(&[(".openclaw/openclaw.json", config.as_bytes())]);
    let r = check_all(h.path());
    assert_eq!(r.code, Some(1));
    assert!(r.out.contains("error[invalid-port]"), "{}", r.out);
    assert_no_secret(&r);
}

#[test]
fn a_port_of_1e91_does_not_overflow() {
    // found by the check fuzz target: `187e89` truncated to i64::MAX, then `+ 2`
    let h = home(&[
        (".openclaw/openclaw.json", b"{ gateway: { mode: 'local', port: 187e89 } }"),
        (
            ".openclaw-rescue/openclaw.json",
            b"{ gateway: { mode: 'local' }, browser: { profiles: { p: { cdpPort: -1e300, color: '#FF4500' } } } }",
        ),
    ]);
    let r = check_all(h.path());
    assert_eq!(r.code, Some(1), "{}", r.out);
    assert!(r.out.contains("error[invalid-port]"), "{}", r.out);
}
