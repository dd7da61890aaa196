//! `service-drift`: a launcher pins what the config alone no longer says.

use super::{Rule, RuleMeta, label, openclaw_cmd};
use crate::finding::{Finding, Severity};
use crate::model::{Host, Instance, LauncherInfo, Origin};

pub static META: RuleMeta = RuleMeta {
    id: "service-drift",
    group: "isolation",
    default_severity: Severity::Warning,
    summary: "a launcher pins a port, profile or path that the config or its own name no longer says",
    docs: include_str!("../../rules/service-drift.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

fn check(host: &Host, out: &mut Vec<Finding>) {
    for i in &host.instances {
        let Some(l) = &i.launcher else { continue };
        port_drift(host, i, l, out);
        name_drift(host, i, l, out);
        path_drift(host, i, l, out);
    }
}

/// "systemd user unit `x.service` of `rescue`", or just the launcher when the
/// instance is named after it.
fn subject(i: &Instance, l: &LauncherInfo) -> String {
    if i.name == l.name {
        l.describe()
    } else {
        format!("{} of `{}`", l.describe(), i.name)
    }
}

/// The help that rewrites a launcher from the config: OpenClaw's own install.
fn reinstall(host: &Host, i: &Instance) -> String {
    format!(
        "`{} gateway install --force` rewrites it from the config",
        openclaw_cmd(host, i)
    )
}

/// argv `--port` against `gateway.port`, and against the unit's own
/// `OPENCLAW_GATEWAY_PORT` (argv wins: `src/cli/gateway-cli/run.ts`
/// `runGatewayCommandOnce` takes `--port` before `resolveGatewayPort`).
fn port_drift(host: &Host, i: &Instance, l: &LauncherInfo, out: &mut Vec<Finding>) {
    let Some(argv) = &l.argv_port else { return };
    let config = i.config.as_ref().and_then(|c| c.path(&["gateway", "port"]));
    if let Some(e) = config
        && let Some(n) = e.node.as_f64()
        && n.to_string() != argv.value.trim()
    {
        let mut f = Finding::new(
            &META,
            format!(
                "{} pins `--port {}` for `{}`, but its config says `gateway.port` `{n}`",
                l.describe(),
                argv.value,
                i.name
            ),
            vec![i.name.clone()],
        );
        f.primary = label(
            &argv.origin,
            format!("`{}` listens here", i.name),
            Some("--port"),
        );
        f.secondary.extend(label(
            &Origin::Config(e.node.span),
            "ignored while the launcher passes `--port`".to_string(),
            Some("gateway.port"),
        ));
        f.notes.push(
            "`gateway install` writes the port into the command line; a later `config set gateway.port` changes nothing until the service is installed again".into(),
        );
        f.help = Some(format!("to listen on `{n}`: {}", reinstall(host, i)));
        out.push(f);
    }
    if let Some(env) = l.env("OPENCLAW_GATEWAY_PORT")
        && env.value.trim() != argv.value.trim()
    {
        let mut f = Finding::new(
            &META,
            format!(
                "{} sets `OPENCLAW_GATEWAY_PORT={}` but passes `--port {}`",
                subject(i, l),
                env.value.trim(),
                argv.value
            ),
            vec![i.name.clone()],
        );
        f.primary = label(
            &env.origin,
            "ignored: `--port` wins".to_string(),
            Some("OPENCLAW_GATEWAY_PORT"),
        );
        f.secondary.extend(label(
            &argv.origin,
            format!("`{}` listens here", i.name),
            Some("--port"),
        ));
        f.notes.push("every derived port (browser, relays, CDP) follows `--port`; tools that read `OPENCLAW_GATEWAY_PORT` from the service see the other one".into());
        f.help = Some(format!(
            "make them agree: set `OPENCLAW_GATEWAY_PORT={}` where it is written, or {}",
            argv.value,
            reinstall(host, i)
        ));
        out.push(f);
    }
}

/// The profile OpenClaw's naming scheme encodes in a service name, if it is one
/// of its names (`src/daemon/constants.ts`): `openclaw-gateway[-P].service`,
/// `ai.openclaw.<P>` (`ai.openclaw.gateway` is the default), `OpenClaw Gateway (P)`.
fn profile_of_name(name: &str) -> Option<String> {
    let n = name.trim();
    let named = if let Some(rest) = n.strip_prefix("openclaw-gateway") {
        let rest = rest.trim_end_matches(".service");
        match rest.strip_prefix('-') {
            Some(p) => p.to_string(),
            None if rest.is_empty() => "default".into(),
            None => return None,
        }
    } else if let Some(rest) = n.strip_prefix("ai.openclaw.") {
        match rest {
            "gateway" => "default".into(),
            "node" => return None,
            p => p.to_string(),
        }
    } else if let Some(rest) = n.strip_prefix("OpenClaw Gateway") {
        match rest
            .trim()
            .strip_prefix('(')
            .and_then(|r| r.strip_suffix(')'))
        {
            Some(p) => p.to_string(),
            None if rest.trim().is_empty() => "default".into(),
            None => return None,
        }
    } else {
        return None;
    };
    (!named.contains('@')).then_some(named)
}

/// The profile the instance runs as: `OPENCLAW_PROFILE` after flags, else `default`.
fn running_profile(i: &Instance) -> String {
    match i.env.non_blank("OPENCLAW_PROFILE") {
        Some(p) if !p.eq_ignore_ascii_case("default") => p.to_string(),
        _ => "default".into(),
    }
}

/// A copied unit: its name, or the selectors in its environment, name another
/// profile than the one it runs.
fn name_drift(host: &Host, i: &Instance, l: &LauncherInfo, out: &mut Vec<Finding>) {
    let running = running_profile(i);
    let mut names: Vec<(String, Option<&Origin>, &str)> = vec![(l.name.clone(), None, "its name")];
    for key in [
        "OPENCLAW_SYSTEMD_UNIT",
        "OPENCLAW_LAUNCHD_LABEL",
        "OPENCLAW_WINDOWS_TASK_NAME",
    ] {
        if let Some(v) = l.env(key) {
            names.push((v.value.clone(), Some(&v.origin), key));
        }
    }
    for (name, origin, what) in names {
        let Some(named) = profile_of_name(&name) else {
            continue;
        };
        if named == running {
            continue;
        }
        let mut f = Finding::new(
            &META,
            format!(
                "{} names profile `{named}` in `{name}`, but runs profile `{running}`",
                subject(i, l)
            ),
            vec![i.name.clone()],
        );
        let at = origin.cloned().or_else(|| {
            l.command.map(|span| Origin::Launcher {
                span,
                what: "its command line".into(),
            })
        });
        if let Some(at) = at {
            f.primary = label(
                &at,
                format!("{what} says `{named}`"),
                (what != "its name").then_some(what),
            );
        }
        if let Some(p) = i.env.get("OPENCLAW_PROFILE") {
            f.secondary.extend(label(
                &p.origin,
                format!("runs `{running}`"),
                Some("OPENCLAW_PROFILE"),
            ));
        }
        f.notes.push(
            "a copied unit: `openclaw gateway status`, `restart` and `doctor` of one profile act on the other one's service".into(),
        );
        f.help = Some(format!(
            "remove `{}` and install the service of `{running}` with `{} gateway install --force`",
            host.sources.get(l.file).display,
            if running == "default" {
                "openclaw".to_string()
            } else {
                format!("openclaw --profile {running}")
            }
        ));
        out.push(f);
        return;
    }
}

/// `OPENCLAW_STATE_DIR` / `OPENCLAW_CONFIG_PATH` pointing into another profile's dir.
fn path_drift(host: &Host, i: &Instance, l: &LauncherInfo, out: &mut Vec<Finding>) {
    let running = running_profile(i);
    let own = if running == "default" {
        host.home.join(".openclaw")
    } else {
        host.home.join(format!(".openclaw-{running}"))
    };
    for key in ["OPENCLAW_STATE_DIR", "OPENCLAW_CONFIG_PATH"] {
        let Some(v) = l.env(key) else { continue };
        let Some(set) = i.env.non_blank(key) else {
            continue;
        };
        let path = std::path::Path::new(set);
        let Ok(rest) = path.strip_prefix(&host.home) else {
            continue;
        };
        let Some(first) = rest.components().next() else {
            continue;
        };
        let dir = first.as_os_str().to_string_lossy();
        let other = match dir.as_ref() {
            ".openclaw" => "default".to_string(),
            // Only a profile's directory belongs to another instance (and a name
            // that is no profile name is not shown: it can be anything).
            d => match d.strip_prefix(".openclaw-") {
                Some(p) if crate::ports::is_valid_profile_name(p) => p.to_string(),
                _ => continue,
            },
        };
        if other == running || path.starts_with(&own) {
            continue;
        }
        let mut f = Finding::new(
            &META,
            format!(
                "{} runs profile `{running}` with `{key}` in the directory of `{other}` (`{}`)",
                subject(i, l),
                host.shown(path)
            ),
            vec![i.name.clone()],
        );
        f.primary = label(
            &v.origin,
            format!("points into `{}`", host.shown(&host.home.join(&*dir))),
            Some(key),
        );
        f.notes.push(format!(
            "`{running}` then reads and writes `{other}`'s sessions and locks (openclaw#28236)"
        ));
        f.help = Some(format!(
            "point `{key}` into `{}`, or install the service again with `{} gateway install --force`",
            host.shown(&own),
            if running == "default" {
                "openclaw".to_string()
            } else {
                format!("openclaw --profile {running}")
            }
        ));
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::profile_of_name;

    #[test]
    fn openclaw_service_names() {
        assert_eq!(
            profile_of_name("openclaw-gateway.service").as_deref(),
            Some("default")
        );
        assert_eq!(
            profile_of_name("openclaw-gateway-rescue.service").as_deref(),
            Some("rescue")
        );
        assert_eq!(
            profile_of_name("ai.openclaw.gateway").as_deref(),
            Some("default")
        );
        assert_eq!(profile_of_name("ai.openclaw.work").as_deref(), Some("work"));
        assert_eq!(
            profile_of_name("OpenClaw Gateway (rescue)").as_deref(),
            Some("rescue")
        );
        assert_eq!(profile_of_name("openclaw-gateway@x.service"), None);
        assert_eq!(profile_of_name("my-bot.service"), None);
        assert_eq!(profile_of_name("ai.openclaw.node"), None);
    }
}
