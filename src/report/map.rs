//! `clawfence ports --format map`: the port line in text, one line per instance
//! on a shared axis, empty stretches elided (`┆`), shared ports `!`.

use crate::report::portmap::{Kind, Lane, PortLine, wrap, wrap_items};

/// Ports between two occupied stretches that are still drawn rather than elided.
const JOIN: i64 = 20;
/// The marker of a shared port.
const SHARED: char = '!';
const GAP: &str = " ┆ ";

fn ansi(kind: Option<Kind>) -> &'static str {
    match kind {
        None => "\x1b[1;31m",
        Some(Kind::Gateway) => "\x1b[1;34m",
        Some(Kind::Control) => "\x1b[36m",
        Some(Kind::Relay) => "\x1b[35m",
        Some(Kind::Cdp | Kind::CdpUrl) => "\x1b[32m",
        Some(Kind::Fixed) => "\x1b[33m",
        Some(Kind::CdpRange) => "\x1b[2;32m",
    }
}

/// The glyph of ports `lo..=hi` in `lane`, and its kind (`None`: shared).
fn glyph(line: &PortLine, lane: &Lane, lo: i64, hi: i64) -> Option<(char, Option<Kind>)> {
    let here: Vec<_> = lane
        .marks
        .iter()
        .filter(|m| m.start <= hi && lo <= m.end)
        .collect();
    let shared = line.conflicts.iter().any(|c| {
        c.start <= hi
            && lo <= c.end
            && c.users.iter().any(|(i, w)| {
                *i == lane.name
                    && here
                        .iter()
                        .any(|m| m.what == *w && m.start <= c.end && c.start <= m.end)
            })
    });
    if shared {
        return Some((SHARED, None));
    }
    let best = here.iter().map(|m| m.kind).min()?;
    Some((best.letter(), Some(best)))
}

/// The map, at most `width` columns wide (the axis shrinks: one column stands
/// for as many ports as it must).
pub fn render(line: &PortLine, width: usize, color: bool) -> String {
    if line.empty.is_some() {
        return format!("{}\n", line.summary());
    }
    let segments = line.segments(JOIN);
    let name_w = line
        .lanes
        .iter()
        .map(|l| l.name.chars().count())
        .max()
        .unwrap_or(0)
        + 2;
    let gaps = segments.len().saturating_sub(1) * GAP.chars().count();
    let cells = width.saturating_sub(name_w + gaps + 1).max(20) as i64;
    let total: i64 = segments.iter().map(|(s, e)| e - s + 1).sum();
    let per = ((total + cells - 1) / cells.max(1)).max(1);
    let columns: Vec<Vec<(i64, i64)>> = segments
        .iter()
        .map(|&(s, e)| {
            (s..=e)
                .step_by(per as usize)
                .map(|lo| (lo, (lo + per - 1).min(e)))
                .collect()
        })
        .collect();

    let mut out = String::new();
    // The axis: each stretch's first port at its first column, its last at its end.
    let axis_w: usize = columns.iter().map(Vec::len).sum::<usize>() + gaps;
    let mut axis: Vec<char> = vec![' '; axis_w + 8];
    let mut at = 0;
    for (n, (s, e)) in segments.iter().enumerate() {
        let put = |axis: &mut Vec<char>, from: usize, text: &str| {
            let end = from + text.chars().count();
            if end <= axis.len() && axis[from.saturating_sub(1)..end].iter().all(|c| *c == ' ') {
                for (k, ch) in text.chars().enumerate() {
                    axis[from + k] = ch;
                }
            }
        };
        put(&mut axis, at, &s.to_string());
        let last = at + columns[n].len();
        let end_text = e.to_string();
        put(
            &mut axis,
            last.saturating_sub(end_text.chars().count()),
            &end_text,
        );
        at = last + GAP.chars().count();
    }
    let axis: String = axis.into_iter().collect();
    out.push_str(&format!("{:name_w$}{}\n", "", axis.trim_end()));

    let mut seen: Vec<Kind> = Vec::new();
    for lane in &line.lanes {
        let mut row = format!("{:name_w$}", lane.name);
        if !lane.binds {
            // Its config does not load or its port is invalid: `check` says which.
            row.push_str("(does not start)");
            out.push_str(row.trim_end());
            out.push('\n');
            continue;
        }
        for (n, cols) in columns.iter().enumerate() {
            if n > 0 {
                row.push_str(GAP);
            }
            for &(lo, hi) in cols {
                match glyph(line, lane, lo, hi) {
                    Some((ch, kind)) => {
                        if let Some(k) = kind.filter(|k| !seen.contains(k)) {
                            seen.push(k);
                        }
                        if color {
                            row.push_str(&format!("{}{ch}\x1b[0m", ansi(kind)));
                        } else {
                            row.push(ch);
                        }
                    }
                    None => row.push(' '),
                }
            }
        }
        out.push_str(row.trim_end());
        out.push('\n');
    }

    out.push('\n');
    let mut legend: Vec<String> = Kind::ALL
        .iter()
        .filter(|k| seen.contains(k))
        .map(|k| format!("{} {}", k.letter(), k.name()))
        .collect();
    if !line.conflicts.is_empty() {
        legend.push(format!("{SHARED} shared"));
    }
    legend.push(format!(
        "one column = {per} port{}",
        if per == 1 { "" } else { "s" }
    ));
    // The legend wraps between its items only.
    out.push_str(&wrap_items(&legend, " · ", width, 0));
    for c in &line.conflicts {
        out.push_str(&wrap(
            &format!("{SHARED} {}: {}", c.ports(), c.who()),
            width,
            2,
        ));
    }
    out.push_str(&line.summary());
    out.push('\n');
    out
}
