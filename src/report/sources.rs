//! `check --show-sources`: for each instance, every file and environment
//! variable it was read from, where each value came from, and what was skipped
//! and why. Values of secret variables are never shown.

use crate::model::{Host, Instance, Origin, PortEffect};
use crate::secrets;

/// Variables whose values are shown (paths and ports, never credentials).
fn shows_value(key: &str) -> bool {
    (key.starts_with("OPENCLAW_") || key == "HOME") && !secrets::is_secret_key(key)
}

fn value(key: &str, raw: &str) -> String {
    if !shows_value(key) {
        return String::new();
    }
    let mut v = raw.to_string();
    for r in secrets::url_secrets(raw).into_iter().rev() {
        v.replace_range(r, "***");
    }
    format!(" = `{v}`")
}

fn instance(host: &Host, i: &Instance, out: &mut String) {
    let from = |o: &Origin| o.describe(&host.sources);
    out.push_str(&format!("sources of `{}`:\n", i.name));
    out.push_str(&format!(
        "  state dir     `{}` from {}\n",
        host.shown(&i.state_dir.value),
        from(&i.state_dir.origin)
    ));
    out.push_str(&format!(
        "  config        `{}` from {}\n",
        host.shown(&i.config_path.value),
        from(&i.config_path.origin)
    ));
    out.push_str(&format!(
        "  gateway port  `{}` from {}\n",
        i.ports.gateway.value,
        from(&i.ports.gateway.origin)
    ));
    out.push_str("  files read:\n");
    if i.files.is_empty() {
        out.push_str("    (none)\n");
    }
    for f in &i.files {
        out.push_str(&format!("    {}\n", host.sources.get(*f).display));
    }
    out.push_str("  environment:\n");
    for (k, v) in i.env.iter() {
        out.push_str(&format!(
            "    {k}{} from {}\n",
            value(k, &v.value),
            match &v.origin {
                Origin::EnvFile(s) => host.sources.locate(*s),
                o => from(o),
            }
        ));
    }
    let mut skipped = Vec::new();
    for (key, origin) in &i.ports.gateway_shadowed {
        skipped.push(format!(
            "`{key}` ({}) is overridden by the gateway port above",
            from(origin)
        ));
    }
    for p in &i.port_problems {
        let effect = match p.effect {
            PortEffect::Ignored => "ignored by OpenClaw",
            PortEffect::Rejected => "rejected by OpenClaw's schema",
        };
        skipped.push(format!("`{}` ({}) is {effect}", p.key, from(&p.origin)));
    }
    for e in &i.load_errors {
        let what = if e.kind.is_fatal() {
            "the config does not load, so its ports are not compared"
        } else {
            "not used as written"
        };
        skipped.push(format!("{what}: {}", e.message.trim_end_matches('.')));
    }
    if !skipped.is_empty() {
        out.push_str("  skipped:\n");
        for s in skipped {
            out.push_str(&format!("    {s}\n"));
        }
    }
}

/// The whole section, before the findings.
pub fn render(host: &Host, excluded: &[String], settings: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(s) = settings {
        out.push_str(&format!("settings read from `{s}`\n"));
    }
    for i in &host.instances {
        instance(host, i, &mut out);
    }
    for name in excluded {
        out.push_str(&format!(
            "skipped `{name}`: left out by `exclude` in the settings\n"
        ));
    }
    for issue in &host.issues {
        let at = super::location(host, &issue.location);
        out.push_str(&format!("skipped {at}: {}\n", issue.message));
    }
    out.push('\n');
    out
}
