//! One plan per host: which instances move, where to, and the edits that do it.
//!
//! Built once per host (see [`Host::plan`]) from one sorted index of every
//! instance's footprint: the gateway block `B ..= B + 110` (gateway, browser
//! control, extension relays, the managed CDP range) and every port it uses that
//! does not follow the gateway (a pinned `cdpPort`, a CDP URL, a fixed port of
//! [`port_uses`]). The plan
//!
//! 1. keeps the largest set of instances whose blocks do not overlap (weighted
//!    interval scheduling, n log n: exact for the blocks, with ties going to the
//!    default instance, to instances whose port is their own rather than an
//!    override, then to the first by name), and moves the rest;
//! 2. moves an instance whose block holds another's fixed port that cannot be
//!    re-pinned (a CDP URL, a fixed port), and re-pins a `cdpPort` that lands on
//!    another instance's port;
//! 3. gives every mover the free base nearest its old one, free of every kept
//!    block, every fixed port and every other move of the plan (an ordered set
//!    of the free stretches: O(log n) a move);
//! 4. turns each move into the edit of the value that wins (the JSON5 literal,
//!    the `.env` line, a unit's `--port`), or into a help line naming the
//!    variable or flag when no file holds it.
//!
//! Rules ask the plan for the steps of the instances a finding is about, so
//! applying every help line (or `clawfence fix`) leaves the host clean.

use crate::load::json5::{self, Node, Value};
use crate::model::{Host, Instance, InstanceKind, Origin};
use crate::ports::{FOOTPRINT, MAX_PORT};
use crate::rules::{PortUse, port_uses};
use crate::source::{FileId, SourceKind, Span};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The lowest base a move proposes: ports below 1024 need root.
const LOWEST_BASE: i64 = 1024;
/// The highest base whose whole block stays a port.
const HIGHEST_BASE: i64 = MAX_PORT - FOOTPRINT + 1;

/// Replace `start..end` of a file with `text` (an insertion when they are equal).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Edit {
    pub file: FileId,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// One change of the plan, for one instance.
#[derive(Debug, Clone)]
pub struct Step {
    pub instance: String,
    /// The help line: what to change, where, with the value.
    pub help: String,
    /// The edits that make the change; empty when a person must do it (a
    /// process environment, a flag, a file that does not exist).
    pub edits: Vec<Edit>,
}

/// The plan of a host.
#[derive(Debug, Default)]
pub struct Plan {
    /// Base moves by instance name; `None` when no free base is left.
    moves: HashMap<String, Option<i64>>,
    steps: HashMap<String, Vec<Step>>,
    /// State dirs and workspaces in use or proposed, canonical.
    paths: Mutex<Option<BTreeSet<PathBuf>>>,
}

impl Host {
    /// The plan of this host, built on first use.
    pub fn plan(&self) -> &Plan {
        self.plan.get_or_init(|| Plan::build(self))
    }
}

/// One instance in the index.
struct Item<'h> {
    inst: &'h Instance,
    /// Base of the gateway block, when the block follows the gateway port.
    base: Option<i64>,
    /// Ports that stay where they are when the base moves.
    fixed: Vec<PortUse>,
    /// Must move whatever the others do (derived ports fell back).
    forced: bool,
    weight: (i64, i64, i64),
}

fn add(a: (i64, i64, i64), b: (i64, i64, i64)) -> (i64, i64, i64) {
    (a.0 + b.0, a.1 + b.1, a.2 + b.2)
}

/// Whether the instance's gateway port is an override of its own setting: the
/// process environment, a flag, or a value that shadows another.
fn deviates(i: &Instance) -> bool {
    matches!(
        i.ports.gateway.origin,
        Origin::ProcessEnv(_) | Origin::Flag(_)
    ) || !i.ports.gateway_shadowed.is_empty()
}

/// A `cdpPort` written in a config can be re-pinned; URLs and fixed ports cannot.
fn repinnable(u: &PortUse) -> bool {
    u.what == "CDP port"
        && !u.from_url
        && matches!(u.origin, Origin::Config(_))
        && u.key.as_deref().is_some_and(|k| k.ends_with(".cdpPort"))
}

impl Plan {
    pub fn build(host: &Host) -> Plan {
        let mut names: Vec<&Instance> = host.instances.iter().filter(|i| i.binds_ports()).collect();
        names.sort_by(|a, b| a.name.cmp(&b.name));
        let n = names.len() as i64;
        let items: Vec<Item> = names
            .iter()
            .enumerate()
            .map(|(rank, i)| {
                // A container in its own network namespace has no block on the
                // host: only the ports it publishes are there, fixed.
                let in_container = crate::rules::net(i) != crate::rules::Net::Host;
                let forced = i.range_fell_back() && !in_container;
                // What stays put when the base moves: on the host, the ports
                // not derived from the gateway port; a container's published
                // ones are never derived.
                let fixed = crate::rules::net_port_uses(i)
                    .into_iter()
                    .filter(|(n, u)| {
                        *n == crate::rules::Net::Host && !u.from_gateway && !u.fallback
                    })
                    .map(|(_, u)| u)
                    .collect();
                let score =
                    2 * i64::from(i.kind == InstanceKind::Default) - 4 * i64::from(deviates(i));
                Item {
                    inst: i,
                    base: (!forced && !in_container).then_some(i.ports.gateway.value),
                    fixed,
                    forced,
                    weight: (1, score, n - rank as i64),
                }
            })
            .collect();

        // 1. The most valuable set of blocks that do not overlap: sorted by base
        // (all blocks are as long), p(j) is the count of blocks ending before j.
        let mut order: Vec<usize> = (0..items.len())
            .filter(|&k| items[k].base.is_some())
            .collect();
        order.sort_by_key(|&k| (items[k].base, k));
        let bases: Vec<i64> = order.iter().map(|&k| items[k].base.unwrap()).collect();
        let mut best = vec![(0, 0, 0); order.len() + 1];
        let mut take = vec![false; order.len()];
        for (j, &k) in order.iter().enumerate() {
            let p = bases.partition_point(|&b| b < bases[j] - (FOOTPRINT - 1));
            let with = add(items[k].weight, best[p]);
            take[j] = with > best[j];
            best[j + 1] = if take[j] { with } else { best[j] };
        }
        let mut kept = vec![false; items.len()];
        let mut j = order.len();
        while j > 0 {
            if take[j - 1] {
                kept[order[j - 1]] = true;
                j = bases.partition_point(|&b| b < bases[j - 1] - (FOOTPRINT - 1));
            } else {
                j -= 1;
            }
        }

        // 2. Fixed ports on another kept instance's ports: the block's owner moves
        // unless the fixed port can be re-pinned (that happens after the moves).
        let kept_blocks = |kept: &[bool]| -> Vec<(i64, usize)> {
            let mut v: Vec<(i64, usize)> = (0..items.len())
                .filter(|&k| kept[k])
                .map(|k| (items[k].base.unwrap(), k))
                .collect();
            v.sort();
            v
        };
        let blocks = kept_blocks(&kept);
        let mut evict = Vec::new();
        for (k, it) in items.iter().enumerate() {
            for u in it.fixed.iter().filter(|u| !repinnable(u)) {
                for o in hits(&items, &blocks, u.port, k) {
                    evict.push(o);
                }
            }
        }
        for o in evict {
            kept[o] = false;
        }

        // 3. Free bases: everything but kept blocks and fixed ports, as bases.
        let mut forbidden: Vec<(i64, i64)> = Vec::new();
        for (k, it) in items.iter().enumerate() {
            // A mover no file edit can move (a flag, the process environment) may
            // stay where it is: no other move lands on its block either.
            let stays = matches!(
                it.inst.ports.gateway.origin,
                Origin::ProcessEnv(_) | Origin::Flag(_)
            );
            if kept[k] || (stays && it.base.is_some()) {
                let b = it.base.unwrap();
                forbidden.push((b - (FOOTPRINT - 1), b + FOOTPRINT - 1));
            }
            for u in &it.fixed {
                forbidden.push((u.port - (FOOTPRINT - 1), u.port));
            }
        }
        let mut free = Free::new(forbidden);
        let mut movers: Vec<usize> = (0..items.len())
            .filter(|&k| !kept[k])
            .filter(|&k| items[k].forced || items[k].base.is_some())
            .collect();
        movers.sort_by_key(|&k| (items[k].inst.ports.gateway.value, k));
        let mut plan = Plan::default();
        let mut final_base: Vec<Option<i64>> = items.iter().map(|it| it.base).collect();
        for &k in &movers {
            let inst = items[k].inst;
            // A launcher that pins `--port` over the config's `gateway.port` moves
            // back to what the config says when that is free: one edit ends
            // both the clash and the drift.
            let near = launcher_config_port(inst).unwrap_or(inst.ports.gateway.value);
            let to = free.take(near.clamp(LOWEST_BASE, HIGHEST_BASE));
            final_base[k] = to;
            plan.moves.insert(inst.name.clone(), to);
            let step = match to {
                Some(to) => base_step(host, inst, to),
                None => Step {
                    instance: inst.name.clone(),
                    help: format!(
                        "no base port with `{FOOTPRINT}` free ports above it is left on this host for `{}`: run it on another machine",
                        inst.name
                    ),
                    edits: vec![],
                },
            };
            plan.steps.entry(inst.name.clone()).or_default().push(step);
        }

        // 4. Re-pin each `cdpPort` that still lands on another instance's ports,
        // to a free port of its own (final) CDP range.
        let mut finals: Vec<(i64, usize)> = final_base
            .iter()
            .enumerate()
            .filter_map(|(k, b)| b.map(|b| (b, k)))
            .collect();
        finals.sort();
        let mut points: HashMap<i64, Vec<usize>> = HashMap::new();
        // (a port re-pinned below leaves its old place, so its twin can stay)
        for (k, it) in items.iter().enumerate() {
            for u in &it.fixed {
                points.entry(u.port).or_default().push(k);
            }
        }
        for (k, it) in items.iter().enumerate() {
            let mut own: HashSet<i64> = it.fixed.iter().map(|u| u.port).collect();
            for u in it.fixed.iter().filter(|u| repinnable(u)) {
                let on_block = !hits(&items, &finals, u.port, k).is_empty();
                let on_point = points
                    .get(&u.port)
                    .is_some_and(|v| v.iter().any(|&o| o != k));
                if !on_block && !on_point {
                    continue;
                }
                let Some(base) = final_base[k] else { continue };
                let start = crate::ports::cdp_range(crate::ports::browser_control_port(base)).0;
                let slot = (start + 1..=base + FOOTPRINT - 1)
                    .find(|p| !own.contains(p) && !points.contains_key(p));
                let Some(slot) = slot else { continue };
                own.insert(slot);
                if let Some(v) = points.get_mut(&u.port) {
                    v.retain(|&o| o != k);
                }
                points.entry(slot).or_default().push(k);
                let step = repin_step(host, it.inst, u, slot);
                plan.steps
                    .entry(it.inst.name.clone())
                    .or_default()
                    .push(step);
            }
        }
        plan
    }

    /// The new base of `name`, when the plan moves it (`Some(None)`: no room left).
    pub fn base_of(&self, name: &str) -> Option<Option<i64>> {
        self.moves.get(name).copied()
    }

    /// The steps for these instances, in their order.
    pub fn steps_for<'a>(&'a self, names: &'a [String]) -> impl Iterator<Item = &'a Step> + 'a {
        names.iter().filter_map(|n| self.steps.get(n)).flatten()
    }

    /// One help line and the edits for the steps of these instances, or `None`
    /// when the plan changes none of them.
    pub fn help_for(&self, names: &[String]) -> Option<(String, Vec<Edit>)> {
        let steps: Vec<&Step> = self.steps_for(names).collect();
        if steps.is_empty() {
            return None;
        }
        const SHOWN: usize = 4;
        let mut help: Vec<String> = steps.iter().take(SHOWN).map(|s| s.help.clone()).collect();
        if steps.len() > SHOWN {
            help.push(format!(
                "and `{}` more moves of the same plan (`clawfence fix` applies them all)",
                steps.len() - SHOWN
            ));
        }
        let edits = steps.iter().flat_map(|s| s.edits.iter().cloned()).collect();
        Some((help.join("; "), edits))
    }

    /// The first of `candidates` that is neither equal to, inside, nor around a
    /// state dir or workspace of any instance or an earlier proposal; it is then
    /// reserved, so two proposals never meet.
    pub fn fresh_path(
        &self,
        host: &Host,
        candidates: &[PathBuf],
        inside_ok: Option<&Path>,
    ) -> Option<PathBuf> {
        let mut guard = self.paths.lock().unwrap_or_else(|e| e.into_inner());
        let set = guard.get_or_insert_with(|| {
            let mut s = BTreeSet::new();
            for i in &host.instances {
                s.insert(crate::rules::canonical(&i.state_dir.value));
                for w in &i.workspaces {
                    s.insert(crate::rules::canonical(&w.path.value));
                }
            }
            s
        });
        let inside_ok = inside_ok.map(crate::rules::canonical);
        let clash = |set: &BTreeSet<PathBuf>, p: &Path| {
            set.range(p.to_path_buf()..)
                .next()
                .is_some_and(|q| q.starts_with(p))
                || p.ancestors()
                    .any(|a| set.contains(a) && inside_ok.as_deref() != Some(a))
        };
        for c in candidates {
            let canon = crate::rules::canonical(c);
            if !clash(set, &canon) {
                set.insert(canon);
                return Some(c.clone());
            }
        }
        None
    }
}

/// The kept/final instances other than `me` on whose ports `port` lands: a
/// concrete port, or a port of the CDP range (bases within `port - 110 ..= port`).
fn hits(items: &[Item], blocks: &[(i64, usize)], port: i64, me: usize) -> Vec<usize> {
    let first = blocks.partition_point(|(b, _)| *b < port - (FOOTPRINT - 1));
    let mut out = Vec::new();
    for &(b, o) in blocks[first..].iter().take_while(|(b, _)| *b <= port) {
        if o == me {
            continue;
        }
        let in_range = port >= b + 11;
        // Concrete ports follow the base: compare offsets, not the old ports.
        let shift = b - items[o].inst.ports.gateway.value;
        let concrete = port_uses(items[o].inst)
            .iter()
            .any(|u| u.from_gateway && !u.fallback && u.port + shift == port);
        if in_range || concrete {
            out.push(o);
            // One owner is enough to say the port is taken; a dense host would
            // otherwise list every neighbour.
            break;
        }
    }
    out
}

/// The free bases, as disjoint stretches `start ..= end`, ordered.
struct Free {
    stretches: BTreeMap<i64, i64>,
}

impl Free {
    fn new(mut forbidden: Vec<(i64, i64)>) -> Free {
        forbidden.sort();
        let mut stretches = BTreeMap::new();
        let mut next = LOWEST_BASE;
        for (a, b) in forbidden {
            if a > next {
                stretches.insert(next, (a - 1).min(HIGHEST_BASE));
            }
            next = next.max(b + 1);
        }
        if next <= HIGHEST_BASE {
            stretches.insert(next, HIGHEST_BASE);
        }
        stretches.retain(|a, b| a <= b);
        Free { stretches }
    }

    /// The free base nearest `near` (ties go up), taken with its whole block.
    fn take(&mut self, near: i64) -> Option<i64> {
        let below = self
            .stretches
            .range(..=near)
            .next_back()
            .map(|(&a, &b)| (a, b));
        let above = self
            .stretches
            .range(near + 1..)
            .next()
            .map(|(&a, &b)| (a, b));
        let pick = match (below, above) {
            (Some((a, b)), _) if b >= near => Some((a, b, near)),
            (Some((a, b)), Some((c, d))) => {
                if near - b < c - near {
                    Some((a, b, b))
                } else {
                    Some((c, d, c))
                }
            }
            (Some((a, b)), None) => Some((a, b, b)),
            (None, Some((c, d))) => Some((c, d, c)),
            (None, None) => None,
        };
        let (a, b, at) = pick?;
        self.stretches.remove(&a);
        if a <= at - FOOTPRINT {
            self.stretches.insert(a, at - FOOTPRINT);
        }
        if at + FOOTPRINT <= b {
            self.stretches.insert(at + FOOTPRINT, b);
        }
        Some(at)
    }
}

// ---------------------------------------------------------------------------
// Steps: the help line and the edit, at the place the winning value is written.

/// `~/…` below HOME, else absolute: a path a user can paste anywhere.
pub fn pasteable(host: &Host, p: &Path) -> String {
    crate::paths::display_path(p, &host.home, "~")
}

/// The `openclaw` command that edits the config file `i` reads.
fn config_cmd(host: &Host, i: &Instance) -> String {
    crate::rules::openclaw_cmd(host, i)
}

/// Whether a span lies in the config file the instance reads itself (not an
/// include, not a manifest), so `openclaw config set` changes it.
pub fn in_own_config(host: &Host, i: &Instance, span: Span) -> bool {
    let f = host.sources.get(span.file);
    f.kind == SourceKind::Config && f.path == i.config_path.value
}

/// Where a span is, for a help line: `file:line:column`.
pub fn at(host: &Host, span: Span) -> String {
    host.sources.locate(span)
}

/// "change `0x4A39` to `0x4AA8` (`19112`) at `file:line:col`".
fn change(host: &Host, old: &str, to: i64, span: Span) -> String {
    let new = crate::fix::number_literal(old, to);
    let decimal = if new == to.to_string() {
        String::new()
    } else {
        format!(" (`{to}`)")
    };
    format!(
        "change `{}` to `{new}`{decimal} at `{}`",
        old.trim(),
        at(host, span)
    )
}

/// The step that moves `i`'s base to `to`, edited where the port is written.
pub fn base_step(host: &Host, i: &Instance, to: i64) -> Step {
    let lead = format!("move `{}` to base port `{to}`", i.name);
    let mut edits = Vec::new();
    let how = match &i.ports.gateway.origin {
        Origin::Config(span) => {
            let text = &host.sources.get(span.file).text[span.range()];
            edits.push(Edit {
                file: span.file,
                start: span.start as usize,
                end: span.end as usize,
                text: crate::fix::number_literal(text, to),
            });
            if in_own_config(host, i, *span) {
                format!("`{} config set gateway.port {to}`", config_cmd(host, i))
            } else {
                change(host, text, to, *span)
            }
        }
        Origin::EnvFile(span) if shares_origin(host, i, *span) => {
            let file = host.sources.get(span.file);
            format!(
                "give it a port of its own: `{}` at `{}` is read by other instances too; pass `--port {to}` on its own command line",
                crate::provenance::without_markup(&file.text[span.range()]),
                host.sources.locate(*span)
            )
        }
        Origin::EnvFile(span) => {
            let file = host.sources.get(span.file);
            let text = &file.text[span.range()];
            let new = crate::fix::replace_setting(text, &to.to_string());
            if let Some(new) = &new {
                edits.push(Edit {
                    file: span.file,
                    start: span.start as usize,
                    end: span.end as usize,
                    text: new.clone(),
                });
            }
            match crate::fix::setting_key(text) {
                Some(key) if key.starts_with("--") => format!(
                    "change `{}` to `{}` in `{}` (line {})",
                    text.trim(),
                    new.unwrap_or_default().trim(),
                    file.display,
                    file.line_col(span.start as usize).0
                ),
                _ => format!(
                    "set `OPENCLAW_GATEWAY_PORT={to}` in `{}` (it overrides `gateway.port`)",
                    file.display
                ),
            }
        }
        // `--port N` on a launcher's command line (a unit's `ExecStart=`, a
        // plist, a manifest's `command:`): edit those words; a launcher that
        // also pins `OPENCLAW_GATEWAY_PORT` gets that line edited too.
        Origin::Launcher { span, .. } => {
            let file = host.sources.get(span.file);
            let text = &file.text[span.range()];
            // A plist's `--port</string><string>N`: the number is the last one.
            let new = crate::fix::replace_setting(text, &to.to_string())
                .or_else(|| replace_last_number(text, to));
            let shared = shares_origin(host, i, *span);
            if shared {
                // Editing a line several instances read moves them all.
            } else if let Some(new) = &new {
                edits.push(Edit {
                    file: span.file,
                    start: span.start as usize,
                    end: span.end as usize,
                    text: new.clone(),
                });
            }
            if let Some(env) = i
                .launcher
                .as_ref()
                .and_then(|l| l.env("OPENCLAW_GATEWAY_PORT"))
                && !shared
                && let Some(es) = env.origin.span()
                && let Some(new) = crate::fix::replace_setting(
                    &host.sources.get(es.file).text[es.range()],
                    &to.to_string(),
                )
            {
                edits.push(Edit {
                    file: es.file,
                    start: es.start as usize,
                    end: es.end as usize,
                    text: new,
                });
            }
            let reload = match i.launcher.as_ref().map(|l| l.kind) {
                Some(crate::model::LauncherKind::SystemdUser) => {
                    ", then `systemctl --user daemon-reload`"
                }
                Some(crate::model::LauncherKind::SystemdSystem) => {
                    ", then `systemctl daemon-reload`"
                }
                _ => "",
            };
            let written = crate::provenance::without_markup(text);
            match new {
                _ if shared => format!(
                    "give it a port of its own: `{written}` in `{}` (line {}) is read by other instances too; pass `--port {to}` on its own command line",
                    file.display,
                    file.line_col(span.start as usize).0
                ),
                Some(new) => format!(
                    "change `{written}` to `{}` in `{}` (line {}){reload}",
                    crate::provenance::without_markup(&new),
                    file.display,
                    file.line_col(span.start as usize).0
                ),
                None => format!(
                    "pass `--port {to}` in place of `{written}` in `{}`{reload}",
                    file.display
                ),
            }
        }
        Origin::ProcessEnv(name) => format!(
            "change `{name}` in the environment it is started with to `{name}={to}` (it overrides every file)"
        ),
        Origin::Flag(f) if f == "--dev" => {
            format!("start it with `openclaw --dev gateway --port {to}`")
        }
        Origin::Flag(f) => format!("start it with `--port {to}` instead of `{f}`"),
        _ => {
            edits.extend(insert_config_value(
                host,
                i,
                &["gateway", "port"],
                &to.to_string(),
            ));
            format!("`{} config set gateway.port {to}`", config_cmd(host, i))
        }
    };
    Step {
        instance: i.name.clone(),
        help: format!("{lead}: {how}"),
        edits,
    }
}

/// The config's `gateway.port` of an instance whose launcher's `--port` wins over it.
fn launcher_config_port(i: &Instance) -> Option<i64> {
    let l = i.launcher.as_ref()?;
    let argv = l.argv_port.as_ref()?;
    if argv.origin != i.ports.gateway.origin {
        return None;
    }
    let n = i
        .config
        .as_ref()?
        .path(&["gateway", "port"])?
        .node
        .as_f64()?;
    (n.fract() == 0.0 && crate::ports::is_valid_port(n as i64)).then_some(n as i64)
}

/// Whether another instance's gateway port comes from the same place: one
/// shared `EnvironmentFile=` line, a template's `Environment=`.
fn shares_origin(host: &Host, i: &Instance, span: crate::source::Span) -> bool {
    host.instances
        .iter()
        .any(|o| o.name != i.name && o.ports.gateway.origin.span() == Some(span))
}

/// `text` with its last run of digits replaced by `to`.
fn replace_last_number(text: &str, to: i64) -> Option<String> {
    let end = text.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = text[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    Some(format!("{}{to}{}", &text[..start], &text[end..]))
}

/// The step that re-pins a `cdpPort` of `i` to `to`.
fn repin_step(host: &Host, i: &Instance, u: &PortUse, to: i64) -> Step {
    let key = u.key.clone().unwrap_or_default();
    let profile = u.profile.clone().unwrap_or_default();
    let mut edits = Vec::new();
    let mut how = format!("`{} config set {key} {to}`", config_cmd(host, i));
    if let Origin::Config(span) = &u.origin {
        let text = &host.sources.get(span.file).text[span.range()];
        edits.push(Edit {
            file: span.file,
            start: span.start as usize,
            end: span.end as usize,
            text: crate::fix::number_literal(text, to),
        });
        if !in_own_config(host, i, *span) {
            how = change(host, text, to, *span);
        }
    }
    Step {
        instance: i.name.clone(),
        help: format!(
            "give browser profile `{profile}` of `{}` a port of its own CDP range: {how}",
            i.name
        ),
        edits,
    }
}

/// A string value of `i` written at `origin` replaced by `value` (a path), or
/// inserted at `key_path` of its config when nothing sets it.
pub fn string_edit(
    host: &Host,
    i: &Instance,
    origin: &Origin,
    key_path: &[&str],
    value: &str,
) -> Vec<Edit> {
    match origin {
        Origin::Config(span) => {
            let text = &host.sources.get(span.file).text[span.range()];
            vec![Edit {
                file: span.file,
                start: span.start as usize,
                end: span.end as usize,
                text: crate::fix::string_literal(text, value),
            }]
        }
        Origin::EnvFile(span) => {
            let text = &host.sources.get(span.file).text[span.range()];
            crate::fix::replace_setting(text, value)
                .map(|text| Edit {
                    file: span.file,
                    start: span.start as usize,
                    end: span.end as usize,
                    text,
                })
                .into_iter()
                .collect()
        }
        Origin::Default(_) | Origin::Derived { .. } if !key_path.is_empty() => {
            let literal = crate::fix::string_literal("\"\"", value);
            insert_config_value(host, i, key_path, &literal)
                .into_iter()
                .collect()
        }
        _ => vec![],
    }
}

/// Inserts `key_path = literal` into the config file `i` reads, keeping its
/// layout: into the deepest object of the path that exists, on a line of its own
/// when that object spans lines. `None` when the file is missing or not an object.
fn insert_config_value(
    host: &Host,
    i: &Instance,
    key_path: &[&str],
    literal: &str,
) -> Option<Edit> {
    let file = host.sources.find(&i.config_path.value)?;
    let text = &host.sources.get(file).text;
    let root = json5::parse(text, file).ok()?;
    let mut node: &Node = &root;
    let mut depth = 0;
    while depth < key_path.len() {
        match node.get(key_path[depth]) {
            Some(child) if matches!(child.value, Value::Object(_)) => {
                node = child;
                depth += 1;
            }
            Some(_) => return None,
            None => break,
        }
    }
    if depth == key_path.len() {
        return None;
    }
    let entries = node.as_object()?;
    // An object that `$include`s others: the value could come from there.
    if entries.iter().any(|e| e.key == "$include") {
        return None;
    }
    let quoted = entries
        .first()
        .is_some_and(|e| text[e.key_span.range()].starts_with('"'));
    let key = |k: &str| {
        if quoted
            || !k
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        {
            format!("\"{k}\"")
        } else {
            k.to_string()
        }
    };
    let rest = &key_path[depth..];
    let mut value = literal.to_string();
    for k in rest[1..].iter().rev() {
        value = format!("{{ {}: {value} }}", key(k));
    }
    let pair = format!("{}: {value}", key(rest[0]));
    let open = node.span.start as usize;
    if !text[open..].starts_with('{') {
        return None;
    }
    match entries.first() {
        None => Some(Edit {
            file,
            start: open + 1,
            end: open + 1,
            text: format!(" {pair} "),
        }),
        Some(first) => {
            let at = first.key_span.start as usize;
            let line_start = text[..at].rfind('\n').map(|p| p + 1).unwrap_or(0);
            let indent = &text[line_start..at];
            if line_start > open && indent.chars().all(|c| c == ' ' || c == '\t') {
                // Its own line, indented like the first entry.
                Some(Edit {
                    file,
                    start: line_start,
                    end: line_start,
                    text: format!("{indent}{pair},\n"),
                })
            } else {
                Some(Edit {
                    file,
                    start: at,
                    end: at,
                    text: format!("{pair}, "),
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_bases_are_nearest_ties_up_and_never_given_twice() {
        // One block at 19001 (bases 18891..=19111 are taken).
        let mut free = Free::new(vec![(19001 - 110, 19001 + 110)]);
        assert_eq!(free.take(19001), Some(19112), "tie: the higher one");
        assert_eq!(free.take(19001), Some(18890));
        assert_eq!(free.take(19001), Some(19223));
        // The stretch near the top ends where a whole block still fits.
        assert_eq!(free.take(65535), Some(HIGHEST_BASE));
        assert_eq!(free.take(65535), Some(HIGHEST_BASE - FOOTPRINT));
    }

    #[test]
    fn a_full_range_has_no_free_base() {
        let mut free = Free::new(vec![(0, MAX_PORT)]);
        assert_eq!(free.take(20000), None);
    }
}
