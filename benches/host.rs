//! How long resolving and checking a large host takes. Prints figures; asserts
//! nothing. `cargo bench --bench host` (add `-- 5000` for another size).

use clawfence::rules::{self, Selection};
use clawfence::{HostRequest, build_host};
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

fn main() {
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
}
