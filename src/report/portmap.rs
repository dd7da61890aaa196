//! The port line of a host, as the `ports` renderers (table, map, SVG) draw it:
//! one lane per instance with every port it uses, the CDP range, and the ports
//! two instances meet on. The one place the renderers learn what conflicts.
//!
//! Findings say *that* instances collide, in words; they do not carry the ports
//! as data, so the shared ports are computed here from [`rules::port_uses`]
//! (the same inventory the port rules read) and the summary counts the port
//! rules' findings.

use crate::finding::Finding;
use crate::model::{Host, Instance};
use crate::rules::{self, PortUse};
use std::collections::{BTreeMap, BTreeSet};

/// The rules whose findings are port conflicts (the `ports` summary counts them).
pub const PORT_RULES: &[&str] = &[
    "base-ports-too-close",
    "cdp-range-fallback",
    "cdp-range-overlap",
    "port-collision",
    "shared-cdp-url",
];

/// What a CDP range is called in the users of a conflict.
const RANGE: &str = "CDP range";

/// What a mark on the port line is; every renderer gives each kind one colour
/// and one letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Gateway,
    Control,
    Relay,
    /// A CDP port of a managed browser profile (pinned `cdpPort` or the range start).
    Cdp,
    /// The port of a configured loopback CDP URL (attached to, not launched).
    CdpUrl,
    /// Any other port the instance binds (MCP sandbox, webhooks, …).
    Fixed,
    /// The 100-port range OpenClaw launches managed Chrome profiles in.
    CdpRange,
}

impl Kind {
    /// Every kind, in legend order.
    pub const ALL: [Kind; 7] = [
        Kind::Gateway,
        Kind::Control,
        Kind::Relay,
        Kind::Cdp,
        Kind::CdpUrl,
        Kind::Fixed,
        Kind::CdpRange,
    ];

    /// A port use's kind, from what it is; kinds added to `port_uses` later land
    /// in [`Kind::Fixed`].
    pub(crate) fn of(u: &PortUse) -> Kind {
        match u.what.as_str() {
            "gateway port" => Kind::Gateway,
            "browser control port" => Kind::Control,
            "extension relay" => Kind::Relay,
            "CDP port" if u.from_url => Kind::CdpUrl,
            "CDP port" => Kind::Cdp,
            _ => Kind::Fixed,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Gateway => "gateway",
            Kind::Control => "browser control",
            Kind::Relay => "extension relay",
            Kind::Cdp => "CDP port",
            Kind::CdpUrl => "CDP URL port",
            Kind::Fixed => "other port",
            Kind::CdpRange => "CDP range",
        }
    }

    /// The letter of the text map.
    pub fn letter(self) -> char {
        match self {
            Kind::Gateway => 'G',
            Kind::Control => 'c',
            Kind::Relay => 'r',
            Kind::Cdp => 'p',
            Kind::CdpUrl => 'u',
            Kind::Fixed => 'f',
            Kind::CdpRange => '-',
        }
    }

    /// The SVG colour (Okabe–Ito, distinguishable with colour blindness).
    pub fn colour(self) -> &'static str {
        match self {
            Kind::Gateway => "#0072b2",
            Kind::Control => "#56b4e9",
            Kind::Relay => "#cc79a7",
            Kind::Cdp => "#009e73",
            Kind::CdpUrl => "#009e73",
            Kind::Fixed => "#e69f00",
            Kind::CdpRange => "#009e73",
        }
    }
}

/// One mark in a lane: a port, or the CDP range.
#[derive(Debug, Clone)]
pub struct Mark {
    pub start: i64,
    pub end: i64,
    pub kind: Kind,
    /// "CDP port of `research`", "gateway": what it is, without the port.
    pub what: String,
    /// Where the value came from ([`crate::model::Origin::describe`]).
    pub from: String,
    /// Follows from the gateway port as usual (the legend names only the others:
    /// pinned ports, fixed ports, ports that fell back to the defaults).
    pub from_gateway: bool,
    /// The browser profile it belongs to.
    pub profile: Option<String>,
}

impl Mark {
    pub fn ports(&self) -> String {
        span_text(self.start, self.end)
    }
}

/// `18800` or `18800-18899`.
pub fn span_text(start: i64, end: i64) -> String {
    if start == end {
        start.to_string()
    } else {
        format!("{start}-{end}")
    }
}

/// One instance.
#[derive(Debug, Clone)]
pub struct Lane {
    pub name: String,
    /// The name as the table shows it: a container with what it publishes.
    pub shown: String,
    pub base: i64,
    /// Where the gateway port came from.
    pub base_from: String,
    /// Whether the gateway starts and binds these ports (see
    /// [`Instance::binds_ports`]); a lane that does not has no marks.
    pub binds: bool,
    /// Ports in port order, the CDP range first among equals.
    pub marks: Vec<Mark>,
}

/// A stretch of ports that two or more instances both use.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub start: i64,
    pub end: i64,
    /// `(instance, what)`, sorted, every user of the stretch.
    pub users: Vec<(String, String)>,
}

impl Conflict {
    pub fn ports(&self) -> String {
        span_text(self.start, self.end)
    }

    pub fn involves(&self, instance: &str) -> bool {
        self.users.iter().any(|(i, _)| i == instance)
    }

    /// "gateway of `default` and `rescue`", "CDP range of `a`, CDP port of `x` of `p`":
    /// the users, those with the same role together.
    pub fn who(&self) -> String {
        let mut roles: Vec<(&str, Vec<String>)> = Vec::new();
        for (i, w) in &self.users {
            match roles.iter_mut().find(|(r, _)| r == w) {
                Some((_, names)) => names.push(i.clone()),
                None => roles.push((w, vec![i.clone()])),
            }
        }
        roles
            .iter()
            .map(|(w, names)| format!("{w} of {}", rules::names(names)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A host's port line.
#[derive(Debug, Clone)]
pub struct PortLine {
    pub lanes: Vec<Lane>,
    /// Sorted by start, then end; ranges and single ports both.
    pub conflicts: Vec<Conflict>,
    /// How many findings of [`PORT_RULES`] `check` reports.
    pub problems: usize,
    /// Said instead of a picture when the host has no instances.
    pub empty: Option<String>,
}

impl PortLine {
    /// Whether another instance also uses a port of `mark` of `instance`.
    pub fn conflicted(&self, instance: &str, mark: &Mark) -> bool {
        self.conflicts.iter().any(|c| {
            c.start <= mark.end
                && mark.start <= c.end
                && c.users
                    .iter()
                    .any(|(i, w)| i == instance && *w == mark.what)
        })
    }

    /// The stretches of the port line that hold a mark, gaps of at most
    /// `join` ports folded in; what lies between them is elided.
    pub fn segments(&self, join: i64) -> Vec<(i64, i64)> {
        let mut spans: Vec<(i64, i64)> = self
            .lanes
            .iter()
            .flat_map(|l| l.marks.iter().map(|m| (m.start, m.end)))
            .collect();
        spans.sort();
        let mut out: Vec<(i64, i64)> = Vec::new();
        for (s, e) in spans {
            match out.last_mut() {
                Some(last) if s <= last.1 + join + 1 => last.1 = last.1.max(e),
                _ => out.push((s, e)),
            }
        }
        out
    }

    /// `2 conflicts: run `clawfence check``, or that there are none.
    pub fn summary(&self) -> String {
        if let Some(empty) = &self.empty {
            return empty.trim_end().to_string();
        }
        let n = if self.problems > 0 {
            self.problems
        } else {
            // Shared ports no port rule reports (should not happen): still say so.
            self.conflicts.len()
        };
        match n {
            0 => format!(
                "no port conflicts in {} instance{}",
                self.lanes.len(),
                if self.lanes.len() == 1 { "" } else { "s" }
            ),
            1 => "1 conflict: run `clawfence check`".into(),
            n => format!("{n} conflicts: run `clawfence check`"),
        }
    }
}

/// What `u` is, without its port: "gateway", "CDP port of `research`".
fn what(u: &PortUse) -> String {
    u.short()
}

/// `items` joined by `sep`, broken between items to stay within `width` (an
/// item longer than a line is wrapped at its spaces); lines after the first
/// indented by `indent` spaces.
pub fn wrap_items(items: &[String], sep: &str, width: usize, indent: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for item in items {
        let len = line.chars().count();
        let fits = len + sep.chars().count() + item.chars().count() <= width;
        if !line.trim().is_empty() && !fits {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(indent);
        } else if !line.trim().is_empty() {
            line.push_str(sep);
        }
        line.push_str(item);
    }
    let mut wrapped = String::new();
    for l in (out + &line).lines() {
        if l.chars().count() <= width {
            wrapped.push_str(l);
            wrapped.push('\n');
        } else {
            let lead = l.len() - l.trim_start().len();
            for part in wrap(l.trim_start(), width.saturating_sub(lead), indent).lines() {
                wrapped.push_str(&" ".repeat(lead));
                wrapped.push_str(part);
                wrapped.push('\n');
            }
        }
    }
    wrapped
}

/// `text` in lines of at most `width` characters where spaces allow, every
/// line after the first indented by `indent` spaces.
pub fn wrap(text: &str, width: usize, indent: usize) -> String {
    let mut out = String::new();
    let mut line = String::new();
    // Characters of `line` before its first word.
    let mut lead = 0;
    for word in text.split(' ') {
        let len = line.chars().count();
        if len > lead && len + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(indent);
            lead = indent;
        } else if len > lead {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

fn lane(host: &Host, i: &Instance) -> Lane {
    let binds = i.binds_ports();
    let mut marks = Vec::new();
    // A container's own ports live in its network namespace: only what it
    // publishes is on the host's port line.
    let in_container = i.container.as_ref().is_some_and(|c| c.namespace.is_some());
    // A disabled browser binds no CDP range.
    if binds && i.browser.enabled() && !in_container {
        let (s, e) = i.ports.cdp_range.value;
        marks.push(Mark {
            start: s,
            end: e,
            kind: Kind::CdpRange,
            what: RANGE.into(),
            from: i.ports.cdp_range.origin.describe(&host.sources),
            from_gateway: !i.range_fell_back(),
            profile: None,
        });
    }
    if binds {
        let uses = rules::net_port_uses(i)
            .into_iter()
            .filter(|(n, _)| *n == rules::Net::Host)
            .map(|(_, u)| u)
            .chain(rules::tailnet_uses(i));
        for u in uses {
            marks.push(Mark {
                start: u.port,
                end: u.port,
                kind: Kind::of(&u),
                what: what(&u),
                from: u.origin.describe(&host.sources),
                from_gateway: u.from_gateway && !u.fallback,
                profile: u.profile.clone(),
            });
        }
        marks.sort_by(|a, b| (a.start, a.kind, &a.what).cmp(&(b.start, b.kind, &b.what)));
        marks.dedup_by(|a, b| {
            (a.start, a.end, a.kind, &a.what) == (b.start, b.end, b.kind, &b.what)
        });
    }
    Lane {
        name: i.name.clone(),
        shown: crate::report::ports::shown_name(i),
        base: i.ports.gateway.value,
        base_from: crate::report::ports::gateway_source(host, i),
        binds,
        marks,
    }
}

/// A stretch, its users `(instance, what)` and the instances among them.
type Group<'a> = ((i64, i64), Vec<(&'a str, &'a str)>, BTreeSet<&'a str>);

/// Every stretch two instances share: equal ports, a port inside another
/// instance's CDP range, and overlapping CDP ranges. Marks on the same stretch
/// are grouped first and the groups swept in order, so a host of many
/// instances costs the distinct stretches that meet, not all pairs of marks.
fn conflicts(lanes: &[Lane]) -> Vec<Conflict> {
    // (start, end) -> every (instance, what) on exactly that stretch.
    let mut groups: BTreeMap<(i64, i64), BTreeSet<(&str, &str)>> = BTreeMap::new();
    for l in lanes {
        for m in &l.marks {
            groups
                .entry((m.start, m.end))
                .or_default()
                .insert((l.name.as_str(), m.what.as_str()));
        }
    }
    let groups: Vec<Group> = groups
        .into_iter()
        .map(|(span, users)| {
            let owners = users.iter().map(|(i, _)| *i).collect();
            (span, users.into_iter().collect(), owners)
        })
        .collect();
    // Whether a group holds an instance other than `i`.
    let other = |owners: &BTreeSet<&str>, i: &str| owners.len() > 1 || !owners.contains(i);
    let mut found: BTreeMap<(i64, i64), BTreeSet<(&str, &str)>> = BTreeMap::new();
    for (n, ((s, e), users, owners)) in groups.iter().enumerate() {
        if owners.len() > 1 {
            found
                .entry((*s, *e))
                .or_default()
                .extend(users.iter().copied());
        }
        for ((s2, e2), users2, owners2) in groups[n + 1..].iter().take_while(|g| g.0.0 <= *e) {
            let span = (*s.max(s2), *e.min(e2));
            if span.0 > span.1 {
                continue;
            }
            let mut met: Vec<(&str, &str)> = Vec::new();
            met.extend(users.iter().filter(|(i, _)| other(owners2, i)));
            met.extend(users2.iter().filter(|(i, _)| other(owners, i)));
            if !met.is_empty() {
                found.entry(span).or_default().extend(met);
            }
        }
    }
    let mut found: Vec<Conflict> = found
        .into_iter()
        .map(|((start, end), users)| Conflict {
            start,
            end,
            users: users
                .into_iter()
                .map(|(i, w)| (i.to_string(), w.to_string()))
                .collect(),
        })
        .collect();
    for c in &mut found {
        // On a single port, an instance's own port there says more than its
        // range (the overlap of the ranges is a conflict of its own).
        let pointed: Vec<String> = c
            .users
            .iter()
            .filter(|(_, w)| w != RANGE)
            .map(|(i, _)| i.clone())
            .collect();
        if c.start == c.end {
            c.users.retain(|(i, w)| w != RANGE || !pointed.contains(i));
        }
    }
    found
}

/// The port line of `host`; `findings` are what `rules::check` reports for it.
pub fn build(host: &Host, findings: &[Finding]) -> PortLine {
    let lanes: Vec<Lane> = host.instances.iter().map(|i| lane(host, i)).collect();
    let conflicts = conflicts(&lanes);
    let problems = findings
        .iter()
        .filter(|f| PORT_RULES.contains(&f.rule.id))
        .count();
    let empty = host
        .instances
        .is_empty()
        .then(|| crate::report::human::summary(host, &[]));
    PortLine {
        lanes,
        conflicts,
        problems,
        empty,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(start: i64, end: i64, kind: Kind, what: &str) -> Mark {
        Mark {
            start,
            end,
            kind,
            what: what.into(),
            from: String::new(),
            from_gateway: true,
            profile: None,
        }
    }

    /// A lane as OpenClaw derives it from `base` (gateway, control, one relay,
    /// the range and its first CDP port).
    fn lane(name: &str, base: i64) -> Lane {
        Lane {
            name: name.into(),
            shown: name.into(),
            base,
            base_from: String::new(),
            binds: true,
            marks: vec![
                mark(base, base, Kind::Gateway, "gateway"),
                mark(base + 2, base + 2, Kind::Control, "browser control"),
                mark(base + 10, base + 10, Kind::Relay, "extension relay"),
                mark(base + 11, base + 110, Kind::CdpRange, RANGE),
                mark(base + 11, base + 11, Kind::Cdp, "CDP port"),
            ],
        }
    }

    fn spans(lanes: &[Lane]) -> Vec<String> {
        conflicts(lanes).iter().map(Conflict::ports).collect()
    }

    #[test]
    fn shared_stretches_by_distance_of_the_bases() {
        // (second base, shared stretches) with the first base at 1000.
        let cases: &[(i64, &[&str])] = &[
            (1000, &["1000", "1002", "1010", "1011", "1011-1110"]),
            (1060, &["1060", "1062", "1070", "1071", "1071-1110"]),
            (1110, &["1110"]),
            (1111, &[]),
            (5000, &[]),
        ];
        for (second, want) in cases {
            let got = spans(&[lane("a", 1000), lane("b", *second)]);
            assert_eq!(&got, want, "bases 1000 and {second}");
        }
    }

    #[test]
    fn a_port_on_a_range_names_the_port_not_its_own_range() {
        let c = conflicts(&[lane("a", 1000), lane("b", 1000)]);
        let at = c.iter().find(|c| c.ports() == "1011").unwrap();
        assert_eq!(
            at.who(),
            "CDP port of `a` and `b`",
            "the ranges' overlap is its own stretch"
        );
        let pinned = Lane {
            marks: vec![mark(1050, 1050, Kind::Cdp, "CDP port of `x`")],
            ..lane("p", 9000)
        };
        let c = conflicts(&[lane("a", 1000), pinned]);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].who(), "CDP range of `a`, CDP port of `x` of `p`");
    }

    #[test]
    fn one_instance_never_conflicts_with_itself() {
        assert!(conflicts(&[lane("a", 1000)]).is_empty());
    }

    #[test]
    fn segments_fold_short_gaps_and_elide_long_ones() {
        let line = PortLine {
            lanes: vec![lane("a", 1000), lane("b", 1125), lane("c", 5000)],
            conflicts: vec![],
            problems: 0,
            empty: None,
        };
        assert_eq!(line.segments(20), vec![(1000, 1235), (5000, 5110)]);
        assert_eq!(
            line.segments(10),
            vec![(1000, 1110), (1125, 1235), (5000, 5110)]
        );
    }

    #[test]
    fn wrap_breaks_at_spaces_and_indents_what_follows() {
        assert_eq!(wrap("aaa bbb ccc", 7, 2), "aaa bbb\n  ccc\n");
        assert_eq!(wrap("short", 80, 2), "short\n");
        // A word longer than the width stays whole.
        assert_eq!(
            wrap("x ~/.openclaw/openclaw.json", 10, 2),
            "x\n  ~/.openclaw/openclaw.json\n"
        );
    }

    #[test]
    fn wrap_items_breaks_between_items_first() {
        let items: Vec<String> = ["a: gateway 1", "control 3", "cdp range 12-111"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            wrap_items(&items, " · ", 30, 2),
            "a: gateway 1 · control 3\n  cdp range 12-111\n"
        );
        assert_eq!(
            wrap_items(&items, " · ", 12, 2),
            "a: gateway 1\n  control 3\n  cdp range\n    12-111\n",
            "an item longer than a line wraps at its spaces"
        );
    }
}
