//! The resolver against the real OpenClaw: `../shared/fidelity/host-*/oracle.json`
//! holds what `openclaw@2026.9.6` resolved for every instance of a randomized HOME.
//! Read in place; skipped (saying why) where `../shared` is absent.
//! `CLAWFENCE_FIDELITY=DIR` compares against another directory of such hosts.

use clawfence::load::display_path;
use clawfence::report::ports::cdp_ports;
use clawfence::{HostRequest, build_host};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn shared(dir: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared")
        .join(dir);
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!(
            "skipped: {} is absent (it lives beside the repo, not in it)",
            p.display()
        );
        None
    }
}

#[test]
fn resolver_matches_openclaw_value_for_value() {
    let root = match std::env::var_os("CLAWFENCE_FIDELITY") {
        Some(dir) => PathBuf::from(dir),
        None => match shared("fidelity") {
            Some(root) => root,
            None => return,
        },
    };
    let mut hosts: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("oracle.json").is_file())
        .collect();
    hosts.sort();
    assert!(!hosts.is_empty(), "no hosts under {}", root.display());
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for dir in &hosts {
        let home = dir.join("home");
        let oracle: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("oracle.json")).unwrap())
                .unwrap();
        let host = build_host(&HostRequest::home(home.clone(), home.clone())).unwrap();
        let host_name = dir.file_name().unwrap().to_string_lossy().to_string();
        let mut names: Vec<&str> = host.instances.iter().map(|i| i.name.as_str()).collect();
        let mut want_names: Vec<&str> = oracle
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        names.sort();
        want_names.sort();
        if names != want_names {
            mismatches.push(format!(
                "{host_name}: instances {names:?} != {want_names:?}"
            ));
            continue;
        }
        for (name, want) in oracle.as_object().unwrap() {
            let i = host.instance(name).unwrap();
            let mut check = |what: &str, got: Value, want: &Value| {
                compared += 1;
                if &got != want {
                    mismatches.push(format!(
                        "{host_name}/{name} {what}: got {got}, OpenClaw {want}"
                    ));
                }
            };
            let shown = |p: &Path| display_path(p, &host.home, "~");
            check(
                "configPath",
                Value::from(shown(&i.config_path.value)),
                &Value::from(format!("~/{}", want["configPath"].as_str().unwrap())),
            );
            check(
                "gatewayPort",
                i.ports.gateway.value.into(),
                &want["gatewayPort"],
            );
            check(
                "browserControl",
                i.ports.browser_control.value.into(),
                &want["browserControl"],
            );
            check(
                "extensionRelay",
                i.ports.extension_relay.value.into(),
                &want["extensionRelay"],
            );
            let (s, e) = i.ports.cdp_range.value;
            check(
                "cdpRange",
                serde_json::json!({"start": s, "end": e}),
                &want["cdpRange"],
            );
            check(
                "cdpPorts",
                serde_json::to_value(cdp_ports(i)).unwrap(),
                &want["cdpPorts"],
            );
            let host_of_cdp = i
                .cdp_url
                .as_ref()
                .map(|u| u.value.host.clone())
                .unwrap_or("127.0.0.1".into());
            check("cdpHost", host_of_cdp.into(), &want["cdpHost"]);
            let ws: serde_json::Map<String, Value> = i
                .workspaces
                .iter()
                .map(|w| (w.agent.clone(), Value::from(shown(&w.path.value))))
                .collect();
            check("workspaces", Value::Object(ws), &want["workspaces"]);
            if let Some(only) = want["workspaces"].as_object().filter(|w| w.len() == 1) {
                let only = only.values().next().unwrap().clone();
                check("workspace", Value::from(shown(&i.workspace.value)), &only);
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {compared} values differ from OpenClaw:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    eprintln!(
        "{compared} values over {} hosts match OpenClaw",
        hosts.len()
    );
}
