//! How long resolving and checking a large host takes. Prints figures; asserts
//! nothing. `cargo bench --bench host` (add `-- 5000` for another size), or
//! `scripts/bench.sh`, which also reports the machine's load.
//!
//! The "whole process" figures run the release binary as a user would
//! (`clawfence check --home DIR --format json`), wall time and peak RSS (from
//! `/usr/bin/time` when it exists), on the three hosts of the scale bars: a dense
//! 10,000-profile host, 500 clean instances with 10 agents each, and 2 instances.

use clawfence::finding::Severity;
use clawfence::load::env::Env;
use clawfence::model::Origin;
use clawfence::rules::{self, Selection};
use clawfence::{HostRequest, build_host, preflight};
use std::time::{Duration, Instant};

/// A HOME with `n` profiles of every shape the resolver handles: plain ports,
/// `.env` overrides, `$include`s, hashed ports, `${VAR}` in `browser.cdpUrl`.
fn make_home(n: usize) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    for k in 0..n {
        let dir = home.path().join(format!(".openclaw-p{k}"));
        std::fs::create_dir_all(&dir).unwrap();
        let port = 20000 + (k as i64 * 37) % 40000;
        let config = match k % 4 {
            0 => format!("{{ gateway: {{ mode: 'local', port: {port} }} }}"),
            1 => {
                std::fs::write(
                    dir.join(".env"),
                    format!("OPENCLAW_GATEWAY_PORT={port}\nCDP_PORT={}\n", 9000 + k),
                )
                .unwrap();
                "{ gateway: { mode: 'local' }, browser: { cdpUrl: 'http://127.0.0.1:${CDP_PORT}' } }".to_string()
            }
            2 => {
                std::fs::write(
                    dir.join("gw.json5"),
                    format!("{{ port: {port}, mode: 'local' }}"),
                )
                .unwrap();
                "{ gateway: { $include: './gw.json5' }, agents: { defaults: { workspace: '~/ws' } } }".to_string()
            }
            _ => "{ gateway: { mode: 'local' }, channels: { telegram: { botToken: 'tok' } } }"
                .to_string(),
        };
        std::fs::write(dir.join("openclaw.json"), config).unwrap();
    }
    home
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed());
    }
    times.sort();
    (times[0], times[times.len() / 2], last.unwrap())
}

/// `n` clean profiles, 10 agents each, bases 120 apart.
fn make_clean_home(n: usize) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    for k in 0..n {
        let dir = home.path().join(format!(".openclaw-c{k}"));
        std::fs::create_dir_all(&dir).unwrap();
        let agents: Vec<String> = (0..10).map(|a| format!("a{a}: {{}}")).collect();
        std::fs::write(
            dir.join("openclaw.json"),
            format!(
                "{{ gateway: {{ mode: 'local', port: {} }}, agents: {{ ownership: 'explicit', entries: {{ {} }} }} }}",
                1024 + k * 120,
                agents.join(", ")
            ),
        )
        .unwrap();
    }
    home
}

/// The release binary copied out of `target/`, as `cargo install` and the
/// release archives place it. A binary fresh from the linker sits in the page
/// cache in small pieces and takes about 0.5 ms longer to start (measured on
/// identical bytes), which is no user's binary.
fn installed_binary() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("clawfence");
    std::fs::copy(env!("CARGO_BIN_EXE_clawfence"), &exe).unwrap();
    (dir, exe)
}

/// One whole `clawfence check` process: (wall time, findings). No
/// `/usr/bin/time` in between: its own start is about a millisecond.
fn whole_process(exe: &std::path::Path, home: &std::path::Path) -> (Duration, usize) {
    let t = Instant::now();
    let out = std::process::Command::new(exe)
        .args(["check", "--format", "json", "--home"])
        .arg(home)
        .output()
        .unwrap();
    let wall = t.elapsed();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let findings = doc["findings"].as_array().map_or(0, |a| a.len());
    (wall, findings)
}

/// The peak RSS in KiB of one `clawfence check` process, from `/usr/bin/time`
/// when there is one (the bench's own `wait4` would count this process: the
/// child shares its memory until `exec`).
fn peak_rss(exe: &std::path::Path, home: &std::path::Path) -> Option<u64> {
    let out = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M"])
        .arg(exe)
        .args(["check", "--format", "json", "--home"])
        .arg(home)
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
}

fn report_whole(exe: &std::path::Path, what: &str, home: &std::path::Path, runs: usize) {
    let mut walls = Vec::new();
    let mut findings = 0;
    for _ in 0..runs {
        let (w, f) = whole_process(exe, home);
        walls.push(w);
        findings = f;
    }
    walls.sort();
    let rss = peak_rss(exe, home).map_or("?".into(), |k| format!("{:.0} MB", k as f64 / 1024.0));
    println!(
        "whole process, {what}: min {:.1?}, median {:.1?}, peak RSS {rss}, {findings} findings",
        walls[0],
        walls[walls.len() / 2]
    );
}

fn main() {
    if let Ok(load) = std::fs::read_to_string("/proc/loadavg") {
        println!("load average: {}", load.trim());
    }
    let phases = std::env::var_os("CLAWFENCE_BENCH_PHASES").is_some();
    if !phases {
        // The floor every whole-process figure stands on: starting any process
        // here (a VM's figures move with its neighbours).
        if std::path::Path::new("/bin/true").exists() {
            let mut walls: Vec<Duration> = (0..51)
                .map(|_| {
                    let t = Instant::now();
                    std::process::Command::new("/bin/true").status().ok();
                    t.elapsed()
                })
                .collect();
            walls.sort();
            println!(
                "process start (/bin/true): min {:.1?}, median {:.1?}",
                walls[0], walls[25]
            );
        }
        let (_dir, exe) = installed_binary();
        let dense = make_home(10_000);
        report_whole(&exe, "dense host of 10,000 profiles", dense.path(), 5);
        drop(dense);
        let clean = make_clean_home(500);
        report_whole(&exe, "500 clean instances with 10 agents", clean.path(), 11);
        drop(clean);
        let two = make_clean_home(2);
        report_whole(&exe, "2 instances", two.path(), 51);
        drop(two);
    } else {
        // Where the time of a dense host goes, phase by phase and rule by rule.
        let dense = make_home(10_000);
        let req = HostRequest::home(dense.path().to_path_buf(), dense.path().to_path_buf());
        let (_, t, host) = time(1, || build_host(&req).unwrap());
        println!("resolve 10,000: {t:.1?}");
        let (_, t, _) = time(1, || clawfence::plan::Plan::build(&host));
        println!("plan 10,000: {t:.1?}");
        for r in rules::RULES {
            let sel = Selection {
                only: vec![r.meta.id.to_string()],
                skip: vec![],
            };
            let (_, t, f) = time(1, || rules::check(&host, &sel));
            println!("rule {}: {t:.1?} ({} findings)", r.meta.id, f.len());
        }
        let (_, t, f) = time(1, || rules::check(&host, &Selection::default()));
        println!("check 10,000: {t:.1?} ({} findings)", f.len());
        let (_, t, _) = time(1, || {
            clawfence::report::json::render(
                &host,
                &f,
                &clawfence::report::json::Run {
                    ok: false,
                    checks_run: 11,
                    checks_skipped: 0,
                },
            )
        });
        println!("json 10,000: {t:.1?}");
        let (_, t, _) = time(1, || clawfence::report::human::render(&host, &f, false));
        println!("human 10,000: {t:.1?}");
        return;
    }

    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1000);
    let home = make_home(n);
    let req = HostRequest::home(home.path().to_path_buf(), home.path().to_path_buf());
    let (min, median, host) = time(7, || build_host(&req).unwrap());
    println!("resolve {n} profiles: min {min:.1?}, median {median:.1?}");
    let (min, median, findings) = time(7, || rules::check(&host, &Selection::default()));
    println!(
        "check {n} profiles ({} findings): min {min:.1?}, median {median:.1?}",
        findings.len()
    );

    // Preflight of one clean instance on a small host, live probes included.
    let small = tempfile::tempdir().unwrap();
    for (dir, port) in [(".openclaw", 18789), (".openclaw-rescue", 19001)] {
        std::fs::create_dir_all(small.path().join(dir)).unwrap();
        std::fs::write(
            small.path().join(dir).join("openclaw.json"),
            format!("{{ gateway: {{ mode: 'local', bind: 'loopback', port: {port} }} }}"),
        )
        .unwrap();
    }
    let (min, median, outcome) = time(21, || {
        let mut env = Env::new();
        env.set(
            "HOME",
            small.path().display().to_string(),
            Origin::Flag("--home".into()),
        );
        let request = preflight::Request {
            host: HostRequest::home(small.path().to_path_buf(), small.path().to_path_buf()),
            profile: Some("rescue".into()),
            port: None,
            bind: None,
            env,
            probe: true,
            command: None,
            selection: Default::default(),
        };
        preflight::run(request, Severity::Error).unwrap()
    });
    println!(
        "preflight of a clean instance with probes ({} findings): min {min:.2?}, median {median:.2?}",
        outcome.findings.len()
    );
}
