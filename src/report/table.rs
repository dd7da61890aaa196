//! `clawfence ports` (`--format table`): one row per instance, sized to the
//! terminal, every port another instance also uses marked with `!`.

use crate::report::portmap::{Kind, Lane, PortLine, wrap, wrap_items};
use comfy_table::{ContentArrangement, Table, presets};

/// The marker after a port that another instance also uses.
pub const MARK: &str = "!";

/// `port` with the conflict marker when it is shared.
fn cell(line: &PortLine, lane: &Lane, kinds: &[Kind], named: bool) -> String {
    let marks: Vec<String> = lane
        .marks
        .iter()
        .filter(|m| kinds.contains(&m.kind))
        .map(|m| {
            let mark = if line.conflicted(&lane.name, m) {
                MARK
            } else {
                ""
            };
            match (&m.profile, named) {
                (Some(p), true) => format!("{p} {}{mark}", m.ports()),
                (None, true) if m.kind == Kind::Fixed => {
                    format!("{} {}{mark}", m.what, m.ports())
                }
                _ => format!("{}{mark}", m.ports()),
            }
        })
        .collect();
    if marks.is_empty() {
        "-".into()
    } else {
        marks.join("\n")
    }
}

fn width_of(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// The header and the rows, one per instance.
fn rows(line: &PortLine, with_from: bool, fixed: bool) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let mut header = vec![
        "instance",
        "gateway",
        "control",
        "relays",
        "cdp range",
        "cdp ports",
    ];
    if fixed {
        header.push("other ports");
    }
    if with_from {
        header.push("gateway port from");
    }
    let mut rows = Vec::new();
    for lane in &line.lanes {
        let mut row = if lane.binds {
            vec![
                lane.shown.clone(),
                cell(line, lane, &[Kind::Gateway], false),
                cell(line, lane, &[Kind::Control], false),
                cell(line, lane, &[Kind::Relay], true),
                cell(line, lane, &[Kind::CdpRange], false),
                cell(line, lane, &[Kind::Cdp, Kind::CdpUrl], true),
            ]
        } else {
            let mut r = vec![lane.shown.clone(), lane.base.to_string()];
            r.extend(["-", "-", "-", "-"].map(String::from));
            r
        };
        if fixed {
            row.push(if lane.binds {
                cell(line, lane, &[Kind::Fixed], true)
            } else {
                "-".into()
            });
        }
        if with_from {
            row.push(from_text(lane));
        }
        rows.push(row);
    }
    (header, rows)
}

fn table(header: &[&str], rows: &[Vec<String>]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header.to_vec());
    for row in rows {
        t.add_row(row.clone());
    }
    t
}

/// The narrowest the table gets with every cell wrapped at its spaces only:
/// each column as wide as its longest word, plus padding and borders.
fn min_width(header: &[&str], rows: &[Vec<String>]) -> usize {
    let longest_word = |text: &str| {
        text.split_whitespace()
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0)
    };
    (0..header.len())
        .map(|c| {
            rows.iter()
                .map(|r| longest_word(&r[c]))
                .chain([longest_word(header[c])])
                .max()
                .unwrap_or(0)
                + 3
        })
        .sum::<usize>()
        + 1
}

fn from_text(lane: &Lane) -> String {
    if lane.binds {
        lane.base_from.clone()
    } else {
        format!("{} (does not start: run `clawfence check`)", lane.base_from)
    }
}

/// The table, at most `width` columns wide: the "gateway port from" column
/// moves under the table first, then cells wrap at their spaces; narrower
/// than that, each instance is a paragraph instead (never a word cut in two).
pub fn render(line: &PortLine, width: usize, color: bool) -> String {
    if line.empty.is_some() {
        return format!("{}\n", line.summary());
    }
    let fixed = line
        .lanes
        .iter()
        .any(|l| l.marks.iter().any(|m| m.kind == Kind::Fixed));
    let (header, full) = rows(line, true, fixed);
    let mut out = table(&header, &full).to_string();
    let mut notes = String::new();
    if width_of(&out) > width {
        let (header, rows) = rows(line, false, fixed);
        let mut t = table(&header, &rows);
        out = t.to_string();
        if width_of(&out) > width && min_width(&header, &rows) <= width {
            t.set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(width.min(u16::MAX as usize) as u16);
            out = t.to_string();
        } else if width_of(&out) > width {
            // Too narrow for a table that keeps its words whole: a list.
            out = list(&header, &rows, width);
        }
        for lane in &line.lanes {
            notes.push_str(&wrap(
                &format!("gateway port of `{}`: {}", lane.name, from_text(lane)),
                width,
                2,
            ));
        }
    }
    out.push('\n');
    if color {
        out = paint(&out);
    }
    out.push_str(&notes);
    if !line.conflicts.is_empty() {
        out.push_str(&wrap(
            &format!("`{MARK}` marks a port another instance also uses"),
            width,
            2,
        ));
    }
    out.push_str(&line.summary());
    out.push('\n');
    out
}

/// `default: gateway 18789 · control 18791 · …`, one wrapped paragraph per instance.
fn list(header: &[&str], rows: &[Vec<String>], width: usize) -> String {
    let mut out = String::new();
    for row in rows {
        let fields: Vec<String> = header[1..]
            .iter()
            .zip(&row[1..])
            .map(|(h, v)| format!("{h} {}", v.replace('\n', ", ")))
            .collect();
        let mut items = fields;
        items[0] = format!("{}: {}", row[0], items[0]);
        out.push_str(&wrap_items(&items, " · ", width, 2));
    }
    out.trim_end().to_string()
}

/// Shared ports (`18789!`) in bold red.
fn paint(text: &str) -> String {
    let re = regex::Regex::new(r"\d+(?:-\d+)?!").expect("valid regex");
    re.replace_all(text, "\x1b[1;31m$0\x1b[0m").into_owned()
}
