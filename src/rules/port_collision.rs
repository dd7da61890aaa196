//! `port-collision`: a concrete port of one instance equals a port of another.

use super::{
    Clusters, MAX_LABELS, PortUse, Rule, RuleMeta, attach, attach_shadowed, binding, by_name,
    free_cdp_slot, free_port_help, join_and, movers_first, names_capped, net_port_uses,
    openclaw_cmd, plan_help, publish_help, published_note, tailnet_uses, to_move, to_move_net,
};
use crate::finding::{Finding, Severity};
use crate::model::{BindWhen, Host, Instance, ListenerKind};
use std::collections::{BTreeMap, HashSet};

/// why: `extensions/browser/src/plugin-service.ts` `EAGER_BROWSER_CONTROL_SERVICE_ENV`.
const EAGER_VAR: &str = "OPENCLAW_EAGER_BROWSER_CONTROL_SERVER";

pub static META: RuleMeta = RuleMeta {
    id: "port-collision",
    group: "isolation",
    default_severity: Severity::Error,
    summary: "a port one instance binds is also a port of another instance",
    docs: include_str!("../../rules/port-collision.md"),
};

pub const RULE: Rule = Rule { meta: &META, check };

/// A port and every (instance, use) on it.
type SharedPort<'h> = (i64, Vec<(&'h Instance, PortUse)>);

/// Sorts every port use of every instance and groups equal ports: n log n plus
/// the findings. One finding per connected cluster of instances that share
/// ports for one reason: the ports that follow the bases together, each kind of
/// fixed listener (Gmail watcher, Telegram webhook, …) on its own, since moving
/// the base does not move it. Ports meet only in one network namespace
/// (containers publish into the host's), and local ports and the host's tailnet
/// node are two spaces.
fn check(host: &Host, out: &mut Vec<Finding>) {
    let index = super::instance_index(host);
    let mut uses: Vec<_> = binding(host)
        .flat_map(|i| {
            net_port_uses(i)
                .into_iter()
                .chain(tailnet_uses(i).into_iter().map(|u| (super::Net::Host, u)))
                .map(move |(n, u)| ((n, u.tailnet, u.port), i, u))
        })
        // Ports that fell back to the defaults are `cdp-range-fallback`'s.
        .filter(|(_, _, u)| !u.fallback)
        .collect();
    uses.sort_by(|a, b| (&a.0, &a.1.name).cmp(&(&b.0, &b.1.name)));

    // One union-find per reason, so a Gmail clash never joins a base clash.
    let mut clusters: BTreeMap<Option<ListenerKind>, Clusters> = BTreeMap::new();
    let mut shared: Vec<(Option<ListenerKind>, Vec<String>, SharedPort)> = Vec::new();
    for run in uses.chunk_by(|a, b| a.0 == b.0) {
        let mut owners: Vec<String> = run.iter().map(|(_, i, _)| i.name.clone()).collect();
        owners.dedup();
        // Two configured CDP URLs naming the same endpoint are `shared-cdp-url`'s.
        if owners.len() < 2 || run.iter().all(|(_, _, u)| u.from_url) {
            continue;
        }
        let listener = run.iter().find_map(|(_, _, u)| u.listener);
        let c = clusters
            .entry(listener)
            .or_insert_with(|| Clusters::new(host.instances.len()));
        for o in &owners[1..] {
            c.union(index[owners[0].as_str()], index[o.as_str()]);
        }
        let entry = run.iter().map(|(_, i, u)| (*i, u.clone())).collect();
        shared.push((listener, owners, (run[0].0.2, entry)));
    }
    type Cluster<'h> = Vec<(Vec<String>, SharedPort<'h>)>;
    let mut by_cluster: BTreeMap<(Option<ListenerKind>, usize), Cluster> = BTreeMap::new();
    for (listener, owners, port) in shared {
        let c = clusters.get_mut(&listener).expect("a cluster per reason");
        let root = c.find(index[owners[0].as_str()]);
        by_cluster
            .entry((listener, root))
            .or_default()
            .push((owners, port));
    }
    for ((listener, _), ports) in by_cluster {
        let mut owners: Vec<String> = ports.iter().flat_map(|(o, _)| o.clone()).collect();
        owners.sort();
        owners.dedup();
        out.push(finding(host, listener, &owners, &ports));
    }
}

fn finding(
    host: &Host,
    listener: Option<ListenerKind>,
    owners: &[String],
    shared: &[(Vec<String>, SharedPort)],
) -> Finding {
    let ports: Vec<SharedPort> = shared.iter().map(|(_, p)| p.clone()).collect();
    let group: Vec<&Instance> = owners.iter().map(|n| by_name(host, n)).collect();
    let shared_ports: Vec<i64> = ports.iter().map(|(p, _)| *p).collect();
    let ordered = match listener_mover(&group, &ports) {
        Some(m) => {
            let mut o = vec![m];
            o.extend(group.iter().copied().filter(|i| i.name != m.name));
            o
        }
        None if group.iter().any(|i| i.container.is_some()) => {
            let m = to_move_net(&group, &shared_ports);
            let mut o = vec![m];
            o.extend(group.iter().copied().filter(|i| i.name != m.name));
            o
        }
        None => movers_first(host, &group),
    };
    let mover = ordered[0];
    // All ports shared by all of them: one sentence; otherwise say who shares what.
    let one_set = shared.iter().all(|(o, _)| o.len() == owners.len());
    let message = if one_set {
        let list: Vec<String> = ports.iter().map(|(p, _)| format!("`{p}`")).collect();
        let verb = if owners.len() == 2 {
            "both use"
        } else {
            "all use"
        };
        let whats: Vec<&str> = ports
            .iter()
            .flat_map(|(_, users)| users.iter().map(|(_, u)| u.what.as_str()))
            .collect();
        let what = match listener {
            // "both use Gmail watcher port `8788`": one kind of listener on one port.
            Some(_) if whats.iter().all(|w| *w == whats[0]) && list.len() == 1 => {
                whats[0].to_string()
            }
            _ if list.len() == 1 => "port".into(),
            _ => "ports".into(),
        };
        format!("{} {verb} {what} {}", names_capped(owners), join_and(&list))
    } else {
        const SHOWN: usize = 6;
        let mut list: Vec<String> = shared
            .iter()
            .take(SHOWN)
            .map(|(o, (p, _))| format!("`{p}` ({})", names_capped(o)))
            .collect();
        if shared.len() > SHOWN {
            list.push(format!("`{}` more", shared.len() - SHOWN));
        }
        format!("{} share ports: {}", names_capped(owners), list.join(", "))
    };
    let mut f = Finding::new(&META, message, owners.to_vec());
    // One label per place that authored a colliding port, the movers' first.
    let mut seen = HashSet::new();
    'labels: for inst in &ordered {
        for (port, users) in &ports {
            for (i, u) in users.iter().filter(|(i, _)| i.name == inst.name) {
                if f.secondary.len() + 1 >= MAX_LABELS {
                    break 'labels;
                }
                if !seen.insert((i.name.clone(), u.origin.span())) {
                    continue;
                }
                let text = if u.from_gateway && u.what != "gateway port" {
                    format!(
                        "gateway port of `{}`, which puts its {} on `{port}`",
                        i.name,
                        u.short()
                    )
                } else if is_listener_default(u) {
                    format!(
                        "{}, the default with no `{}`",
                        u.describe(&i.name),
                        u.key.as_deref().unwrap_or_default()
                    )
                } else {
                    u.describe(&i.name)
                };
                attach(host, &mut f, &u.origin, text, u.key.as_deref());
                if let (BindWhen::Eager, Some(eager)) = (&u.when, &i.browser.eager_control) {
                    let text = format!(
                        "`{EAGER_VAR}` makes `{}` bind browser control `{port}` at start",
                        i.name
                    );
                    attach(host, &mut f, eager, text, Some(EAGER_VAR));
                }
                if u.from_gateway {
                    attach_shadowed(&mut f, i);
                }
            }
        }
    }
    if f.secondary.len() + 1 >= MAX_LABELS {
        f.notes.push(format!(
            "`{}` instances share ports here; the labels show the first ones",
            owners.len()
        ));
    }
    let same_base = group
        .iter()
        .all(|i| i.ports.gateway.value == group[0].ports.gateway.value)
        && ports
            .iter()
            .all(|(_, users)| users.iter().all(|(_, u)| u.from_gateway));
    if same_base && ports.len() > 1 {
        let list: Vec<String> = ports
            .iter()
            .skip(1)
            .map(|(p, users)| {
                let u = &users[0].1;
                format!("`{p}` ({}, bound {})", u.short(), u.when.describe())
            })
            .collect();
        f.notes.push(format!(
            "with equal gateway ports every derived port is equal too: {}",
            join_and(&list)
        ));
    } else if ports.len() > 1 || ports[0].1.len() > 2 {
        for (port, users) in ports.iter().take(MAX_LABELS) {
            let roles: Vec<String> = users
                .iter()
                .take(MAX_LABELS)
                .map(|(i, u)| format!("{} of `{}`", u.short(), i.name))
                .collect();
            f.notes.push(format!("port `{port}`: {}", roles.join(", ")));
        }
    }
    f.notes.extend(
        group
            .iter()
            .flat_map(|i| shared_ports.iter().filter_map(|p| published_note(i, *p))),
    );
    for i in &group {
        for p in &shared_ports {
            f.secondary.extend(super::published_labels(i, *p));
        }
    }
    f.notes.extend(listener_note(listener, &ports));
    if !(same_base && ports.len() > 1) {
        f.notes.extend(lazy_note(&ports));
    }
    // A fixed listener or a published port moves by its own key; the rest by
    // the host's plan.
    let own_key = listener.is_some() || group.iter().any(|i| i.container.is_some());
    if own_key || !plan_help(host, &mut f, owners) {
        f.help = help(host, mover, &ports);
    }
    f
}

/// The instance that should move a fixed listener: one that has the listener
/// on the shared port (its key moves just that), the non-default one first.
/// Tailscale's :443 cannot move, so nobody "moves" it.
fn listener_mover<'h>(group: &[&'h Instance], ports: &[SharedPort<'h>]) -> Option<&'h Instance> {
    let owners: Vec<&'h Instance> = group
        .iter()
        .copied()
        .filter(|i| {
            ports.iter().any(|(_, users)| {
                users.iter().any(|(o, u)| {
                    o.name == i.name
                        && u.listener
                            .is_some_and(|k| k != ListenerKind::TailscaleServe)
                })
            })
        })
        .collect();
    (!owners.is_empty()).then(|| to_move(&owners))
}

/// A fixed listener on its built-in port (its key unset; the label lands on what
/// turned the feature on).
fn is_listener_default(u: &PortUse) -> bool {
    u.listener
        .is_some_and(|k| k != ListenerKind::TailscaleServe)
        && matches!(u.origin, crate::model::Origin::Derived { .. })
}

/// What a clash on a fixed listener does (observed with real gateways,
/// `research/footprint.md`).
fn listener_note(listener: Option<ListenerKind>, ports: &[SharedPort]) -> Option<String> {
    let (port, users) = ports.first()?;
    let listener = listener?;
    if users.iter().any(|(_, u)| u.listener != Some(listener)) {
        let roles: Vec<String> = users
            .iter()
            .map(|(i, u)| format!("the {} of `{}`", u.short(), i.name))
            .collect();
        return Some(format!(
            "{} both bind `{port}` at start: whichever starts second fails to bind it",
            join_and(&roles)
        ));
    }
    let port = *port;
    Some(match listener {
        // why: `src/hooks/gmail-watcher.ts`: "gog serve failed to bind (address already
        // in use); stopping restarts".
        ListenerKind::GmailWatch => format!(
            "the Gmail watcher's `gog serve` binds `{port}` at start; the second one fails with `address already in use` and stops restarting, so that instance silently gets no Gmail push"
        ),
        // why: `extensions/telegram/src/webhook.ts` listens; `src/gateway/server-channels.ts`
        // restarts the exited channel (`MAX_RESTARTS` 10). Observed: "channel exited:
        // listen EADDRINUSE … 127.0.0.1:8787", "auto-restart attempt 1/10 in 5s".
        ListenerKind::TelegramWebhook => format!(
            "each Telegram account in webhook mode listens on its `webhookPort` at start; the second exits with `listen EADDRINUSE 127.0.0.1:{port}` and is restarted, up to 10 times"
        ),
        // why: `src/gateway/portals/portal-ingress.ts`: no retry, the gateway fails.
        ListenerKind::PortalIngress => format!(
            "the portal ingress listens on `{port}` at start, and a clash stops the whole gateway: `another portal ingress instance is already listening`"
        ),
        // why: `src/infra/tailscale.ts`: "Tailscale HTTPS port 443 is already owned…".
        ListenerKind::TailscaleServe => "all gateways of a host share one tailnet node, which serves `:443` for only one of them: the second claim fails and that gateway exits".into(),
    })
}

/// Says which ports of the finding bind only later, so the clash shows only
/// when the browser is used.
fn lazy_note(ports: &[SharedPort]) -> Option<String> {
    let lazy: Vec<String> = ports
        .iter()
        .filter(|(_, users)| users.iter().all(|(_, u)| !u.at_start()))
        .map(|(p, users)| {
            let mut by: Vec<String> = users
                .iter()
                .map(|(i, u)| format!("by `{}` {}", i.name, u.when.describe()))
                .collect();
            by.dedup();
            format!("`{p}` ({})", by.join(", "))
        })
        .collect();
    if lazy.is_empty() {
        return None;
    }
    let list = lazy.join(", ");
    Some(if lazy.len() == ports.len() {
        format!(
            "not bound at start: {list}; both gateways start, and the clash shows only when the browser is used"
        )
    } else {
        format!("not bound at start: {list}")
    })
}

/// Move the base when the mover's colliding ports follow from it; otherwise
/// re-pin the colliding `cdpPort` to a free one in its own range.
fn help(
    host: &Host,
    mover: &Instance,
    ports: &[(i64, Vec<(&Instance, PortUse)>)],
) -> Option<String> {
    let mine: Vec<&PortUse> = ports
        .iter()
        .flat_map(|(_, users)| {
            users
                .iter()
                .filter(|(i, _)| i.name == mover.name)
                .map(|(_, u)| u)
        })
        .collect();
    if let Some(u) = mine.iter().find(|u| u.key.as_deref() == Some("ports")) {
        return publish_help(host, mover, u);
    }
    if let Some(l) = mine.iter().find(|u| u.listener.is_some()) {
        return listener_help(host, mover, l);
    }
    if let Some(pinned) = mine.iter().find(|u| !u.from_gateway && u.profile.is_some()) {
        let free = free_cdp_slot(host, mover)?;
        let profile = pinned.profile.as_deref().unwrap_or("openclaw");
        return Some(format!(
            "give browser profile `{profile}` of `{}` a free port: `{} config set browser.profiles.{profile}.cdpPort {free}`",
            mover.name,
            super::openclaw_cmd(host, mover)
        ));
    }
    free_port_help(host, mover)
}

/// Moves a fixed listener to the first port above it that no instance uses and
/// no gateway's footprint (`B..=B+110`) covers; Tailscale Serve is turned off.
fn listener_help(host: &Host, mover: &Instance, u: &PortUse) -> Option<String> {
    let cmd = openclaw_cmd(host, mover);
    let key = u.key.as_deref()?;
    let whose = match &u.account {
        Some(a) => format!("of account `{a}` of `{}`", mover.name),
        None => format!("of `{}`", mover.name),
    };
    if u.listener == Some(ListenerKind::TailscaleServe) {
        return Some(format!(
            "serve only one gateway of this host on the tailnet: `{cmd} config set {key} off`"
        ));
    }
    let free = super::free_listener_port(host, u.port)?;
    let what = u.what.trim_end_matches(" port");
    let proxy = if u.listener == Some(ListenerKind::TelegramWebhook) {
        " and point the proxy behind `webhookUrl` at it"
    } else {
        ""
    };
    Some(format!(
        "move the {what} {whose} to a free port: `{cmd} config set {key} {free}`{proxy}"
    ))
}
