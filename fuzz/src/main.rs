//! `clawfence-fuzz TARGET SECONDS [SEED]`: a dependency-free mutation fuzzer.
//!
//! Every target is one entry in [`TARGETS`]: a name, its seed inputs and a
//! function that runs the input and returns what clawfence would show. For each
//! execution the harness checks the three properties of issue 18:
//! - no panic (caught; the input is saved under `fuzz/out/TARGET/crash-N`),
//! - no secret marker in anything shown (saved as `leak-N`),
//! - bounded time (an execution over [`SLOW`] is saved as `slow-N`; one over
//!   [`HANG`] aborts the process, leaving the input in `current`).
//!
//! Adding a target (a new parser): write `fn run_x(input: &[u8]) -> Vec<String>`
//! and `fn seeds_x() -> Vec<Vec<u8>>`, add one `Target` line below.
//!
//! Mutations: bit flips, byte insert/delete, dictionary tokens (JSON5 and
//! dotenv syntax, multi-byte characters, BOM, escapes), chunk duplicate/delete,
//! truncation and splicing with another corpus entry. Inputs that show a new
//! behaviour (a new set of rule ids and error kinds) join the corpus.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A credential-shaped marker placed only where secrets go.
const MARK: &str = "ghp_FUZZSECRET0123456789abcdef";
/// CPU time of one execution (this thread's, from `/proc/thread-self/schedstat`
/// where it exists, else wall time): the machine may be busy, the input is slow
/// only if it costs CPU.
const SLOW: Duration = Duration::from_secs(2);
const HANG: Duration = Duration::from_secs(20);

struct Target {
    name: &'static str,
    seeds: fn() -> Vec<Vec<u8>>,
    run: fn(&[u8]) -> Vec<String>,
}

const TARGETS: &[Target] = &[
    Target {
        name: "json5",
        seeds: seeds_json5,
        run: run_json5,
    },
    Target {
        name: "dotenv",
        seeds: seeds_dotenv,
        run: run_dotenv,
    },
    Target {
        name: "check",
        seeds: seeds_check,
        run: run_check,
    },
    Target {
        name: "units",
        seeds: seeds_units,
        run: run_units,
    },
    Target {
        name: "plist",
        seeds: seeds_plist,
        run: run_plist,
    },
    Target {
        name: "compose",
        seeds: seeds_compose,
        run: run_compose,
    },
];

// ------------------------------------------------------------------ targets

fn tmp() -> PathBuf {
    static N: AtomicU64 = AtomicU64::new(0);
    let d = std::env::temp_dir().join(format!(
        "clawfence-fuzz-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed) % 4
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, bytes).unwrap();
}

/// Input is split into files at this line.
const SEP: &[u8] = b"\n=====\n";

fn split(input: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = input;
    while let Some(i) = rest.windows(SEP.len()).position(|w| w == SEP) {
        out.push(&rest[..i]);
        rest = &rest[i + SEP.len()..];
    }
    out.push(rest);
    out
}

/// The JSON5 + `$include` loader: the input is the config, then up to two
/// included files (`a.json5`, `b.json5`).
fn run_json5(input: &[u8]) -> Vec<String> {
    use clawfence::load::{Loader, include};
    let dir = tmp();
    let parts = split(input);
    let names = ["c/openclaw.json", "c/a.json5", "c/b.json5"];
    for (name, part) in names.iter().zip(&parts) {
        write(&dir, name, part);
    }
    let mut sources = clawfence::source::SourceMap::new();
    let mut loader = Loader {
        sources: &mut sources,
        display_base: dir.clone(),
        display_prefix: "~",
        prefetched: Default::default(),
    };
    let loaded = include::load_config(&mut loader, &dir.join(names[0]), &[]);
    let mut shown: Vec<String> = loaded
        .errors
        .iter()
        .map(|e| format!("{} {:?} {:?}", e.message, e.help, e.related))
        .collect();
    for f in &loaded.files {
        let file = sources.get(*f);
        // What every code frame shows is cut from this text, at these spans.
        shown.push(file.shown_text().to_string());
        assert_eq!(
            file.shown_text().len(),
            file.text.len(),
            "masking keeps lengths"
        );
    }
    for e in &loaded.errors {
        if let clawfence::load::Location::Span(s) = e.location {
            let _ = sources.locate(s);
            let _ = sources.get(s.file).shown_char_offset(s.end as usize);
        }
    }
    shown
}

/// The `.env` parser and its masking, as the resolver applies it.
fn run_dotenv(input: &[u8]) -> Vec<String> {
    use clawfence::source::{SourceKind, SourceMap};
    let text = String::from_utf8_lossy(input).into_owned();
    let mut map = SourceMap::new();
    let id = map.add(
        "/x/.env".into(),
        "~/.env".into(),
        SourceKind::Env,
        text.clone(),
    );
    let entries = clawfence::load::env::parse_dotenv(&text, id);
    let mut ranges: Vec<_> = entries
        .iter()
        .filter(|e| clawfence::secrets::is_secret_key(&e.key))
        .map(|e| e.value_span.range())
        .collect();
    for e in &entries {
        assert!(
            text.get(e.span.range()).is_some(),
            "span on a char boundary"
        );
        assert!(
            text.get(e.value_span.range()).is_some(),
            "value span on a char boundary"
        );
    }
    ranges.extend(clawfence::secrets::env_line_secret_ranges(&text));
    map.mask(id, &ranges);
    let file = map.get(id);
    assert_eq!(file.shown_text().len(), text.len());
    for e in &entries {
        let _ = file.line_col(e.span.end as usize);
        let _ = file.shown_char_offset(e.span.start as usize);
    }
    vec![file.shown_text().to_string()]
}

/// The whole `check`, every format: the input is the files of a two-instance
/// HOME (default config, its `.env`, rescue config, its `.env`, an include).
fn run_check(input: &[u8]) -> Vec<String> {
    use clawfence::report;
    use clawfence::rules::{self, RULES, Selection};
    let dir = tmp();
    let names = [
        ".openclaw/openclaw.json",
        ".openclaw/.env",
        ".openclaw-rescue/openclaw.json",
        ".openclaw-rescue/.env",
        ".openclaw/inc.json5",
    ];
    for (name, part) in names.iter().zip(split(input)) {
        write(&dir, name, part);
    }
    let req = clawfence::HostRequest::home(dir.clone(), dir.clone());
    let Ok(host) = clawfence::build_host(&req) else {
        return vec![];
    };
    let findings = rules::check(&host, &Selection::default());
    let ran: Vec<&str> = RULES.iter().map(|r| r.meta.id).collect();
    let run = report::json::Run {
        ok: findings.is_empty(),
        checks_run: ran.len(),
        checks_skipped: 0,
    };
    vec![
        report::human::render(&host, &findings, false),
        report::human::render(&host, &findings, true),
        report::json::render(&host, &findings, &run),
        report::sarif::render(&host, &findings),
        report::github::render(&host, &findings),
        report::junit::render(&host, &findings, &ran),
        report::ports::to_json(&host),
        report::table::render(&report::portmap::build(&host, &findings), 80, false),
    ]
}

/// A whole check of a host whose files are `names` (below a fake root whose
/// HOME is `home/alice`), every format.
fn check_root(dir: &Path, compose: bool) -> Vec<String> {
    use clawfence::report;
    use clawfence::rules::{self, Selection};
    let home = dir.join("home/alice");
    let mut req = clawfence::HostRequest::home(home.clone(), home.clone());
    req.root = Some(dir.to_path_buf());
    if compose {
        req.compose.extend(clawfence::load::compose::discover(&home));
    }
    let Ok(host) = clawfence::build_host(&req) else {
        return vec![];
    };
    let findings = rules::check(&host, &Selection::default());
    vec![
        report::human::render(&host, &findings, false),
        report::sarif::render(&host, &findings),
        report::github::render(&host, &findings),
        report::ports::to_json(&host),
        report::table::render(&report::portmap::build(&host, &findings), 80, false),
    ]
}

/// systemd units: a unit, a drop-in, an `EnvironmentFile=` and a wrapper script.
fn run_units(input: &[u8]) -> Vec<String> {
    let dir = tmp();
    let names = [
        "home/alice/.config/systemd/user/bot.service",
        "home/alice/.config/systemd/user/bot.service.d/x.conf",
        "home/alice/bot.env",
        "etc/systemd/system/openclaw-gateway@.service",
        "opt/bot/wrapper",
    ];
    for (name, part) in names.iter().zip(split(input)) {
        write(&dir, name, part);
    }
    write(&dir, "home/alice/.openclaw/openclaw.json", b"{ gateway: { mode: 'local' } }");
    check_root(&dir, false)
}

/// launchd: a plist (XML or binary) and OpenClaw's env file beside it.
fn run_plist(input: &[u8]) -> Vec<String> {
    let dir = tmp();
    let names = [
        "home/alice/Library/LaunchAgents/ai.openclaw.x.plist",
        "home/alice/.openclaw-x/service-env/ai.openclaw.x.env",
    ];
    for (name, part) in names.iter().zip(split(input)) {
        write(&dir, name, part);
    }
    check_root(&dir, false)
}

/// docker compose: a compose file, its override and the project `.env`.
fn run_compose(input: &[u8]) -> Vec<String> {
    let dir = tmp();
    let names = [
        "home/alice/compose.yaml",
        "home/alice/compose.override.yaml",
        "home/alice/.env",
    ];
    for (name, part) in names.iter().zip(split(input)) {
        write(&dir, name, part);
    }
    check_root(&dir, true)
}

fn seeds_units() -> Vec<Vec<u8>> {
    let mut out = fixture_files(&["service"]);
    out.push(format!(
        "[Service]\nEnvironment=\"TELEGRAM_BOT_TOKEN={MARK}\" OPENCLAW_PROFILE=x\nEnvironmentFile=-%h/bot.env\nExecStart=/opt/bot/wrapper gateway --port 19001 --token {MARK}\n=====\n[Service]\nEnvironment=OPENCLAW_GATEWAY_PORT=19001 \\\n  API_KEY={MARK}\n=====\nOPENCLAW_STATE_DIR=/home/alice/.openclaw-x\nSLACK_BOT_TOKEN=\"{MARK}\"\n=====\n[Service]\nExecStart=@/usr/bin/openclaw oc --profile %i gateway\n=====\n#!/bin/sh\nexport OPENCLAW_GATEWAY_TOKEN='{MARK}'\nexec /usr/bin/openclaw \"$@\"\n"
    ).into_bytes());
    out
}

fn seeds_plist() -> Vec<Vec<u8>> {
    let xml = format!(
        "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>Label</key><string>ai.openclaw.x</string><key>ProgramArguments</key><array><string>/bin/sh</string><string>/home/alice/.openclaw-x/service-env/ai.openclaw.x-env-wrapper.sh</string><string>/home/alice/.openclaw-x/service-env/ai.openclaw.x.env</string><string>/usr/bin/openclaw</string><string>gateway</string><string>--port</string><string>19001</string><string>--token</string><string>{MARK}</string></array><key>EnvironmentVariables</key><dict><key>TELEGRAM_BOT_TOKEN</key><string>{MARK}</string></dict></dict></plist>\n=====\n# Generated by OpenClaw. Do not edit while the gateway service is installed.\nexport OPENCLAW_GATEWAY_TOKEN='{MARK}'\nexport OPENCLAW_STATE_DIR='/home/alice/.openclaw-x'\n"
    );
    let mut out = fixture_files(&["plist"]);
    out.push(xml.into_bytes());
    out
}

fn seeds_compose() -> Vec<Vec<u8>> {
    let mut out = fixture_files(&["yaml", "yml"]);
    out.push(format!(
        "x-gw: &gw\n  image: ghcr.io/openclaw/openclaw:latest\n  environment:\n    OPENCLAW_GATEWAY_TOKEN: {MARK}\nservices:\n  a:\n    <<: *gw\n    ports: [\"${{PORT:-18789}}:18789\"]\n    volumes: [\"./a:/home/node/.openclaw\"]\n  b:\n    <<: *gw\n    command: [\"node\", \"openclaw.mjs\", \"gateway\", \"--token\", \"{MARK}\"]\n    ports: [\"127.0.0.1:18791:18789\"]\n=====\nservices:\n  a:\n    ports: !override [\"19001:18789\"]\n=====\nPORT=19000\nTG={MARK}\n"
    ).into_bytes());
    out
}

fn seeds_json5() -> Vec<Vec<u8>> {
    let mut out = fixture_files(&["json", "json5"]);
    out.push(format!(
        "{{\n  gateway: {{ mode: \"local\", port: 18789, auth: {{ token: \"{MARK}\" }} }},\n  channels: {{ telegram: {{ botToken: \"{MARK}\" }} }},\n  browser: {{ cdpUrl: \"wss://u:{MARK}@h:9222/x?token={MARK}\" }},\n  cmd: {{ args: [\"--token\", \"{MARK}\"] }},\n  $include: [\"./a.json5\", \"./b.json5\"],\n}}\n=====\n{{ a: 1, list: [1, 2], apiKey: '{MARK}', $include: './b.json5' }}\n=====\n{{ \\u0061: \"\\uD800\", list: [3], b: {{ password: \"{MARK}\" }} }}"
    ).into_bytes());
    out
}

fn seeds_dotenv() -> Vec<Vec<u8>> {
    let mut out = fixture_files(&["env"]);
    out.push(format!(
        "\u{feff}OPENCLAW_GATEWAY_PORT=\"19001\nTELEGRAM_BOT_TOKEN={MARK}\nexport API_KEY='{MARK}' # c\nURL=https://u:{MARK}@h/x?pwd={MARK}\r\nA: b\nB=\"x\\ny\"\n"
    ).into_bytes());
    out
}

fn seeds_check() -> Vec<Vec<u8>> {
    vec![format!(
        "{{ gateway: {{ mode: \"local\", port: 18789 }}, channels: {{ telegram: {{ botToken: \"${{TG}}\" }} }}, $include: \"./inc.json5\" }}\n=====\n\u{feff}TG={MARK}\nOPENCLAW_GATEWAY_PORT='18789\n=====\n{{ gateway: {{ mode: \"local\", port: 18789 }}, env: {{ vars: {{ TG: \"{MARK}\" }} }}, channels: {{ telegram: {{ botToken: \"${{TG}}\" }} }}, browser: {{ cdpUrl: \"http://u:{MARK}@127.0.0.1:18800\" }} }}\n=====\nOPENCLAW_GATEWAY_PORT=18789x\nSLACK_APP_TOKEN={MARK}\n=====\n{{ agents: {{ defaults: {{ workspace: \"~/w\" }} }}, \\u0061: 1, x: \"\u{a0}\" }}"
    )
    .into_bytes()]
}

/// Every fixture file with one of these extensions, as seeds.
fn fixture_files(exts: &[&str]) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut out = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                let ext = if name == ".env" {
                    "env"
                } else {
                    p.extension().and_then(|x| x.to_str()).unwrap_or("")
                };
                if exts.contains(&ext)
                    && let Ok(b) = std::fs::read(&p)
                {
                    out.push(b);
                }
            }
        }
    }
    out.truncate(200);
    out
}

// ---------------------------------------------------------------- mutation

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const DICT: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "'",
    "`",
    "\\",
    "\\u",
    "\\uD800",
    "\\uDC00",
    "\\u0061",
    "\n",
    "\r",
    "\r\n",
    "\u{2028}",
    "\u{feff}",
    "\u{a0}",
    "é",
    "😀",
    "\u{1b}[31m",
    "\0",
    "//",
    "/*",
    "*/",
    "$include",
    "\"./a.json5\"",
    "\"./b.json5\"",
    "\"../x\"",
    "${TG}",
    "$${TG}",
    "${",
    "=",
    "export ",
    "#",
    "=\"",
    "='",
    "0x",
    "1e400",
    "-",
    "+",
    "Infinity",
    "NaN",
    "null",
    "true",
    "botToken",
    "token",
    "password",
    "apiKey",
    "OPENCLAW_GATEWAY_PORT",
    "OPENCLAW_STATE_DIR",
    "OPENCLAW_CONFIG_PATH",
    "OPENCLAW_PROFILE",
    "gateway",
    "port",
    "mode",
    "bind",
    "browser",
    "cdpUrl",
    "profiles",
    "cdpPort",
    "agents",
    "workspace",
    "channels",
    "telegram",
    "env",
    "vars",
    "://",
    "@",
    "?token=",
    "&pass=",
    "/bot",
    "--token",
    "__proto__",
    "18789",
    "19001",
    "65535",
    "99999",
    "=====",
];

fn mutate(rng: &mut Rng, input: &mut Vec<u8>, corpus: &[Vec<u8>]) {
    for _ in 0..1 + rng.below(6) {
        let len = input.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                input[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(len + 1);
                input.insert(i, rng.next() as u8);
            }
            2 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below(8.min(len - i));
                input.drain(i..i + n);
            }
            3 | 4 | 5 => {
                let i = rng.below(len + 1);
                let t = DICT[rng.below(DICT.len())].as_bytes();
                input.splice(i..i, t.iter().copied());
            }
            6 if len > 1 => {
                let a = rng.below(len);
                let n = 1 + rng.below((len - a).min(64));
                let chunk: Vec<u8> = input[a..a + n].to_vec();
                let at = rng.below(len + 1);
                input.splice(at..at, chunk);
            }
            7 if len > 0 => {
                input.truncate(rng.below(len));
            }
            8 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                if !other.is_empty() {
                    let a = rng.below(other.len());
                    let n = 1 + rng.below((other.len() - a).min(256));
                    let at = rng.below(len + 1);
                    input.splice(at..at, other[a..a + n].iter().copied());
                }
            }
            _ => {}
        }
    }
    input.truncate(64 * 1024);
}

/// Whether the marker sits where it is not a secret any more (a key, a bare
/// name on a line, glued to other word characters), so showing it is correct.
fn marker_displaced(input: &[u8]) -> bool {
    let text = String::from_utf8_lossy(input);
    text.match_indices(MARK).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + MARK.len()..].chars().next();
        let glued = |c: Option<char>| {
            c.is_some_and(|c| {
                c.is_alphanumeric()
                    || matches!(c, '_' | '-' | '.' | '/' | '$' | '\\' | '~' | '+' | '%')
            })
        };
        let rest = text[i + MARK.len()..].trim_start_matches(['"', '\'', '`', ' ', '\t']);
        glued(before) || glued(after) || rest.starts_with(':') || rest.starts_with('=')
    })
}

fn cpu_now() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn signature(outputs: &[String]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for o in outputs {
        for line in o.lines() {
            // rule ids and message heads, not values
            let head: String = line
                .chars()
                .take(40)
                .filter(|c| !c.is_ascii_digit())
                .collect();
            if line.starts_with("error")
                || line.starts_with("warning")
                || line.contains("does not parse")
            {
                for b in head.bytes() {
                    h = (h ^ b as u64).wrapping_mul(0x100000001b3);
                }
            }
        }
        h = (h ^ (o.len().max(1).ilog2() as u64)).wrapping_mul(0x100000001b3);
    }
    h
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[2] == "show" {
        // `clawfence-fuzz TARGET show FILE`: the shown lines that hold the marker.
        let target = TARGETS.iter().find(|t| t.name == args[1]).expect("target");
        let input = std::fs::read(&args[3]).expect("input");
        for o in (target.run)(&input) {
            for l in o.lines().filter(|l| l.contains(MARK)) {
                println!("{l}");
            }
        }
        return;
    }
    let (Some(name), Some(secs)) = (args.get(1), args.get(2).and_then(|s| s.parse::<u64>().ok()))
    else {
        eprintln!(
            "usage: clawfence-fuzz TARGET SECONDS [SEED]   targets: {}",
            TARGETS
                .iter()
                .map(|t| t.name)
                .collect::<Vec<_>>()
                .join(", ")
        );
        std::process::exit(2);
    };
    let Some(target) = TARGETS.iter().find(|t| t.name == name) else {
        eprintln!("no target `{name}`");
        std::process::exit(2);
    };
    let seed = args.get(3).and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1
    });
    let out_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("out").join(name);
    std::fs::create_dir_all(&out_dir).unwrap();
    let current = out_dir.join("current");

    // Panics are caught and counted; their message is kept, not printed.
    let last_panic = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    {
        let last = last_panic.clone();
        std::panic::set_hook(Box::new(move |info| {
            *last.lock().unwrap() = info.to_string();
        }));
    }
    // A watchdog aborts on a hang; `current` holds the input.
    let started_exec = std::sync::Arc::new(AtomicU64::new(0));
    {
        let started = started_exec.clone();
        let t0 = Instant::now();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(1));
                let s = started.load(Ordering::Relaxed);
                if s != 0 && t0.elapsed().as_millis() as u64 - s > HANG.as_millis() as u64 {
                    eprintln!(
                        "HANG: an execution ran over {HANG:?}; input in fuzz/out/<target>/current"
                    );
                    std::process::abort();
                }
            }
        });
    }
    let t0 = Instant::now();
    let mut rng = Rng(seed);
    let mut corpus: Vec<Vec<u8>> = (target.seeds)();
    let mut seen: HashSet<u64> = HashSet::new();
    let (mut execs, mut crashes, mut leaks, mut slow) = (0u64, 0u64, 0u64, 0u64);
    let mut crash_msgs: HashSet<String> = HashSet::new();
    let mut last_report = Instant::now();
    let deadline = Duration::from_secs(secs);
    let mut queue: Vec<Vec<u8>> = corpus.clone();
    while t0.elapsed() < deadline {
        let input = queue.pop().unwrap_or_else(|| {
            let mut i = corpus[rng.below(corpus.len())].clone();
            mutate(&mut rng, &mut i, &corpus);
            i
        });
        std::fs::write(&current, &input).ok();
        started_exec.store(t0.elapsed().as_millis().max(1) as u64, Ordering::Relaxed);
        let start = Instant::now();
        let cpu_start = cpu_now();
        let result = std::panic::catch_unwind(|| (target.run)(&input));
        let took = match (cpu_start, cpu_now()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => start.elapsed(),
        };
        started_exec.store(0, Ordering::Relaxed);
        execs += 1;
        match result {
            Err(_) => {
                let msg = last_panic.lock().unwrap().clone();
                let key: String = msg.lines().next().unwrap_or("").chars().take(160).collect();
                if crash_msgs.insert(key.clone()) {
                    crashes += 1;
                    std::fs::write(out_dir.join(format!("crash-{crashes}")), &input).ok();
                    eprintln!("CRASH {crashes}: {key}");
                }
            }
            Ok(outputs) => {
                if outputs.iter().any(|o| o.contains(MARK)) && !marker_displaced(&input) {
                    leaks += 1;
                    if leaks <= 20 {
                        std::fs::write(out_dir.join(format!("leak-{leaks}")), &input).ok();
                        eprintln!("LEAK {leaks}: marker shown (input saved)");
                    }
                }
                if took > SLOW {
                    slow += 1;
                    std::fs::write(out_dir.join(format!("slow-{slow}")), &input).ok();
                    eprintln!("SLOW {slow}: {took:?}");
                }
                if seen.insert(signature(&outputs)) && corpus.len() < 4000 {
                    corpus.push(input);
                }
            }
        }
        if last_report.elapsed() > Duration::from_secs(60) {
            last_report = Instant::now();
            eprintln!(
                "[{name}] {:>5}s  execs {execs}  corpus {}  crashes {crashes}  leaks {leaks}  slow {slow}",
                t0.elapsed().as_secs(),
                corpus.len()
            );
        }
    }
    let _ = std::fs::remove_file(&current);
    let summary = format!(
        "target {name}: {:.1} min, {execs} executions, corpus {}, crashes {crashes}, leaks {leaks}, slow {slow}, seed {seed}",
        t0.elapsed().as_secs_f64() / 60.0,
        corpus.len()
    );
    println!("{summary}");
    let _ = std::io::stdout().flush();
    std::process::exit(if crashes + leaks + slow > 0 { 1 } else { 0 });
}
