//! Findings stay grouped on crowded hosts: never more findings of a rule than
//! instances. The time budget runs only in release builds (`cargo test --release
//! --test scale`); `scripts/bench.sh` prints the real figures.

use clawfence::rules::{self, Selection};
use clawfence::{HostRequest, build_host};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The benchmark's dense host: `n` profiles on ports 37 apart modulo 40,000, with
/// `.env` overrides, includes, hashed ports, a shared token and a shared workspace.
fn dense_home(n: usize) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    for k in 0..n {
        let dir = home.path().join(format!(".openclaw-p{k}"));
        std::fs::create_dir_all(&dir).unwrap();
        let port = 20000 + (k as i64 * 37) % 40000;
        let config = match k % 4 {
            0 => format!("{{ gateway: {{ mode: 'local', port: {port} }} }}"),
            1 => {
                std::fs::write(dir.join(".env"), format!("OPENCLAW_GATEWAY_PORT={port}\n"))
                    .unwrap();
                "{ gateway: { mode: 'local' } }".to_string()
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

fn per_rule(home: &std::path::Path) -> (BTreeMap<&'static str, usize>, Duration) {
    let t = Instant::now();
    let host = build_host(&HostRequest::home(home.into(), home.into())).unwrap();
    let findings = rules::check(&host, &Selection::default());
    let _ = clawfence::report::human::render(&host, &findings, false);
    let elapsed = t.elapsed();
    let mut counts = BTreeMap::new();
    for f in &findings {
        *counts.entry(f.rule.id).or_default() += 1;
    }
    (counts, elapsed)
}

#[test]
fn a_dense_host_has_no_more_findings_per_rule_than_instances() {
    let n = 1000;
    let home = dense_home(n);
    let (counts, _) = per_rule(home.path());
    assert!(counts.values().all(|&c| c <= n / 2), "{counts:?}");
    assert!(counts.values().sum::<usize>() <= n, "{counts:?}");
}

#[test]
fn ten_thousand_dense_profiles_in_a_generous_budget() {
    if cfg!(debug_assertions) {
        eprintln!("skipped: time budgets run in release builds only");
        return;
    }
    let n = 10_000;
    let home = dense_home(n);
    let (counts, elapsed) = per_rule(home.path());
    assert!(counts.values().sum::<usize>() <= n, "{counts:?}");
    // The bar is 1 s on a quiet 2-core machine; the budget allows for a busy one.
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}
