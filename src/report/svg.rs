//! `clawfence ports --format svg|html`: the port line as a picture. One lane per
//! instance on a shared axis zoomed to the occupied stretches (gaps elided),
//! each kind of port in its own colour, shared ports in red and labelled, and a
//! legend that says where every value came from.
//!
//! Deterministic (same host, same bytes): no clock, no randomness, coordinates
//! printed with one decimal. Self-contained: system monospace fonts, no scripts,
//! hover details as SVG `<title>`s.

use crate::report::portmap::{Conflict, Kind, Lane, Mark, PortLine, wrap};
use std::fmt::Write as _;

const FONT: &str = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";
/// Width of one character of the monospace font at 12px and 11px (0.6 em).
const CH12: f64 = 7.2;
const CH11: f64 = 6.6;
const PAD: f64 = 16.0;
const LANE_H: f64 = 34.0;
const GAP_W: f64 = 28.0;
const JOIN: i64 = 20;
const RED: &str = "#d62728";
/// Target width of the drawn port line, in pixels.
const PLOT_W: f64 = 760.0;

/// XML-escapes text and drops the backticks of the message style.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '`' => {}
            c => out.push(c),
        }
    }
    out
}

fn n(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// Maps ports to x: each occupied stretch linear, elided gaps a fixed width.
struct Axis {
    segments: Vec<(i64, i64, f64)>,
    scale: f64,
    end: f64,
}

impl Axis {
    fn new(segments: &[(i64, i64)], x0: f64) -> Axis {
        let total: i64 = segments.iter().map(|(s, e)| e - s + 1).sum();
        let scale = (PLOT_W / total.max(1) as f64).clamp(1.5, 8.0);
        let mut x = x0;
        let mut out = Vec::new();
        for (k, &(s, e)) in segments.iter().enumerate() {
            if k > 0 {
                x += GAP_W;
            }
            out.push((s, e, x));
            x += (e - s + 1) as f64 * scale;
        }
        Axis {
            segments: out,
            scale,
            end: x,
        }
    }

    /// Left edge of `port`'s slot.
    fn x(&self, port: i64) -> f64 {
        let (s, _, x) = self
            .segments
            .iter()
            .rev()
            .find(|(s, _, _)| *s <= port)
            .copied()
            .unwrap_or(self.segments[0]);
        x + (port - s) as f64 * self.scale
    }

    /// Left edge and width of `start..=end`.
    fn span(&self, start: i64, end: i64) -> (f64, f64) {
        let x = self.x(start);
        (x, (self.x(end) + self.scale - x).max(3.0))
    }
}

fn text(out: &mut String, x: f64, y: f64, attrs: &str, body: &str) {
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}"{attrs}>{}</text>"#,
        n(x),
        n(y),
        esc(body)
    );
}

/// The picture as a standalone SVG document.
pub fn render(line: &PortLine) -> String {
    let mut body = String::new();
    let (w, h) = draw(line, &mut body);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" font-family="{FONT}" font-size="12">"#,
        n(w),
        n(h),
        n(w),
        n(h)
    );
    out.push_str("<title>clawfence port map</title>\n");
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

/// The SVG in a page of its own, with a highlight on hover.
pub fn render_html(line: &PortLine) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>clawfence port map</title>\n<style>\nbody {{ margin: 24px; background: #fff; }}\n.m:hover {{ stroke: #000; stroke-width: 1.5; }}\n</style>\n</head>\n<body>\n{}</body>\n</html>\n",
        render(line)
    )
}

/// Draws into `out`; returns the width and height used.
fn draw(line: &PortLine, out: &mut String) -> (f64, f64) {
    let mut lines_w: f64 = 0.0;
    let mut y = PAD + 14.0;
    let title = format!(
        "clawfence ports: {} instance{} · {}",
        line.lanes.len(),
        if line.lanes.len() == 1 { "" } else { "s" },
        line.summary()
    );
    let mut head = String::new();
    text(
        &mut head,
        PAD,
        y,
        r##" font-size="14" font-weight="bold" fill="#24292f""##,
        &title,
    );
    lines_w = lines_w.max(PAD + title.chars().count() as f64 * 8.4);
    if line.empty.is_some() || line.lanes.iter().all(|l| !l.binds) {
        // Nothing on the port line: the title says why.
        for lane in &line.lanes {
            y += 18.0;
            let t = format!("{}: does not start ({})", lane.name, lane.base_from);
            text(&mut head, PAD, y, r#" class="lane-name""#, &t);
            lines_w = lines_w.max(PAD + t.chars().count() as f64 * CH12);
        }
        let w = lines_w + PAD;
        let h = y + PAD;
        background(out, w, h);
        out.push_str(&head);
        return (w, h);
    }

    let label_w = line
        .lanes
        .iter()
        .map(|l| l.name.chars().count().max(10) as f64 * 7.8)
        .fold(0.0, f64::max)
        + 20.0;
    let x0 = PAD + label_w;
    let segments = line.segments(JOIN);
    let axis = Axis::new(&segments, x0);

    // Labels of the shared stretches, packed into rows above the lanes.
    let mut rows_end: Vec<f64> = Vec::new();
    let mut labels: Vec<(usize, f64, &Conflict)> = Vec::new();
    let mut by_x: Vec<&Conflict> = line.conflicts.iter().collect();
    by_x.sort_by(|a, b| {
        let (xa, wa) = axis.span(a.start, a.end);
        let (xb, wb) = axis.span(b.start, b.end);
        (xa + wa / 2.0)
            .total_cmp(&(xb + wb / 2.0))
            .then(a.start.cmp(&b.start))
    });
    for c in by_x {
        let (sx, sw) = axis.span(c.start, c.end);
        let tw = c.ports().chars().count() as f64 * CH11;
        let left = (sx + sw / 2.0 - tw / 2.0).max(x0);
        let row = match rows_end.iter().position(|e| *e + 6.0 <= left) {
            Some(r) => r,
            None => {
                rows_end.push(f64::MIN);
                rows_end.len() - 1
            }
        };
        rows_end[row] = left + tw;
        labels.push((row, left, c));
    }
    let label_top = y + 10.0;
    let lanes_top = label_top + rows_end.len() as f64 * 14.0 + 10.0;
    let lane_y = |k: usize| lanes_top + k as f64 * LANE_H;
    let lanes_bottom = lane_y(line.lanes.len());

    // Drawn in this order: lane backgrounds and names, leader lines, marks,
    // red frames, labels.
    let mut pic = String::new();
    let mut leaders = String::new();
    let mut marks = String::new();
    // Lanes: background, name and base port, marks.
    for (k, lane) in line.lanes.iter().enumerate() {
        let ly = lane_y(k);
        let fill = if k % 2 == 0 { "#f6f8fa" } else { "#ffffff" };
        let _ = writeln!(
            pic,
            r#"<rect x="{}" y="{}" width="{}" height="{LANE_H}" fill="{fill}"/>"#,
            n(PAD),
            n(ly),
            n(axis.end - PAD + 4.0)
        );
        text(
            &mut pic,
            PAD + 4.0,
            ly + 15.0,
            r##" class="lane-name" font-size="13" font-weight="bold" fill="#24292f""##,
            &lane.name,
        );
        text(
            &mut pic,
            PAD + 4.0,
            ly + 28.0,
            r##" font-size="11" fill="#57606a""##,
            &format!("base {}", lane.base),
        );
        if !lane.binds {
            text(
                &mut pic,
                x0,
                ly + 21.0,
                r##" font-size="11" font-style="italic" fill="#57606a""##,
                "does not start: its config does not load or its port is invalid",
            );
            continue;
        }
        for m in &lane.marks {
            mark(&mut marks, &axis, lane, m, ly);
        }
    }
    // Shared stretches: red over every lane involved, a label above (labels
    // last, so no line crosses one).
    let mut tags = String::new();
    for (row, left, c) in &labels {
        let (sx, sw) = axis.span(c.start, c.end);
        let ly = label_top + *row as f64 * 14.0 + 10.0;
        let involved: Vec<usize> = line
            .lanes
            .iter()
            .enumerate()
            .filter(|(_, l)| c.involves(&l.name))
            .map(|(k, _)| k)
            .collect();
        let last = involved.last().copied().unwrap_or(0);
        let tip = format!("shared {}: {}", c.ports(), c.who());
        if c.start == c.end {
            let cx = sx + sw / 2.0;
            let _ = writeln!(
                leaders,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{RED}" stroke-width="1" stroke-dasharray="2 2"/>"#,
                n(cx),
                n(ly + 2.0),
                n(cx),
                n(lane_y(last) + 6.0)
            );
        } else {
            let _ = writeln!(
                pic,
                r#"<path d="M{} {}v-4h{}v4" fill="none" stroke="{RED}" stroke-width="1.5"/>"#,
                n(sx),
                n(lanes_top - 2.0),
                n(sw)
            );
        }
        for &k in &involved {
            let lane = &line.lanes[k];
            let ly = lane_y(k);
            // The lane's own marks on the shared stretch keep their colour: a
            // port gets a red frame, a range a red band over the shared part.
            for m in lane.marks.iter().filter(|m| {
                m.start <= c.end
                    && c.start <= m.end
                    && c.users.iter().any(|(i, w)| *i == lane.name && *w == m.what)
            }) {
                let (ms, me) = (m.start.max(c.start), m.end.min(c.end));
                let (mx, mw) = axis.span(ms, me);
                let rect = if m.kind == Kind::CdpRange {
                    // One port of a range is drawn taller so it can be seen.
                    let hh = if ms == me { 16.0 } else { 10.0 };
                    format!(
                        r#"x="{}" y="{}" width="{}" height="{hh}" fill="{RED}" fill-opacity="0.6""#,
                        n(mx),
                        n(ly + (LANE_H - hh) / 2.0),
                        n(mw)
                    )
                } else {
                    format!(
                        r#"x="{}" y="{}" width="{}" height="{}" fill="none" stroke="{RED}" stroke-width="2""#,
                        n(mx - 1.5),
                        n(ly + 3.5),
                        n(mw + 3.0),
                        n(LANE_H - 7.0)
                    )
                };
                let _ = writeln!(
                    marks,
                    r#"<rect class="m conflict" {rect}><title>{}</title></rect>"#,
                    esc(&tip)
                );
            }
        }
        let _ = writeln!(
            tags,
            r##"<text class="conflict-label" x="{}" y="{}" font-size="11" font-weight="bold" fill="{RED}" stroke="#ffffff" stroke-width="3" paint-order="stroke"><title>{}</title>{}</text>"##,
            n(*left),
            n(ly),
            esc(&tip),
            esc(&c.ports())
        );
    }
    pic.push_str(&leaders);
    pic.push_str(&marks);
    pic.push_str(&tags);
    // The axis: each stretch's first and last port, elided gaps as a break.
    let ay = lanes_bottom + 6.0;
    let mut axis_right = axis.end;
    for (k, &(s, e, sx)) in axis.segments.iter().enumerate() {
        let ex = axis.x(e) + axis.scale;
        let _ = writeln!(
            pic,
            r##"<path d="M{} {}v-4M{} {}H{}v-4" fill="none" stroke="#57606a"/>"##,
            n(sx),
            n(ay + 4.0),
            n(sx),
            n(ay + 4.0),
            n(ex)
        );
        text(
            &mut pic,
            sx,
            ay + 17.0,
            r##" font-size="11" fill="#57606a""##,
            &s.to_string(),
        );
        axis_right = axis_right.max(sx + s.to_string().len() as f64 * CH11);
        let et = e.to_string();
        if e != s && ex - sx > (et.len() + s.to_string().len()) as f64 * CH11 + 8.0 {
            text(
                &mut pic,
                ex,
                ay + 17.0,
                r##" font-size="11" fill="#57606a" text-anchor="end""##,
                &et,
            );
        }
        if k > 0 {
            let gx = sx - GAP_W / 2.0;
            let _ = writeln!(
                pic,
                r##"<path d="M{} {}l4 -8M{} {}l4 -8" stroke="#57606a"/>"##,
                n(gx - 4.0),
                n(ay + 8.0),
                n(gx),
                n(ay + 8.0)
            );
        }
    }
    let mut y = ay + 40.0;
    let mut right = axis_right + PAD;

    // Legend: the kinds present, then each instance and where its values came from.
    let present: Vec<Kind> = Kind::ALL
        .iter()
        .copied()
        .filter(|k| {
            line.lanes
                .iter()
                .any(|l| l.marks.iter().any(|m| m.kind == *k))
        })
        .collect();
    let mut x = PAD;
    let mut swatches: Vec<(Option<Kind>, &str)> =
        present.iter().map(|k| (Some(*k), k.name())).collect();
    if !line.conflicts.is_empty() {
        swatches.push((None, "shared with another instance"));
    }
    for (kind, name) in swatches {
        let w = 18.0 + name.chars().count() as f64 * CH12 + 16.0;
        if x + w > right.max(PLOT_W) && x > PAD {
            x = PAD;
            y += 18.0;
        }
        swatch(&mut pic, x, y - 9.0, kind);
        text(&mut pic, x + 18.0, y, r##" fill="#24292f""##, name);
        x += w;
        right = right.max(x);
    }
    y += 26.0;
    // Legend text wraps at the picture's width (at least 110 characters).
    let chars = (((right - 2.0 * PAD) / CH12) as usize).max(110);
    let mut para = |pic: &mut String, y: &mut f64, indent: f64, attrs: &str, t: &str| {
        // Continuation lines are indented by four characters.
        for (k, l) in wrap(t, chars - (indent / CH12) as usize - 4, 0)
            .lines()
            .enumerate()
        {
            let x = PAD + indent + if k > 0 { 4.0 * CH12 } else { 0.0 };
            text(pic, x, *y, attrs, l);
            right = right.max(PAD + x + l.chars().count() as f64 * CH12);
            *y += 16.0;
        }
    };
    for lane in &line.lanes {
        let state = if lane.binds { "" } else { " · does not start" };
        let head = format!(
            "{} · base {} · from {}{state}",
            lane.name, lane.base, lane.base_from
        );
        para(&mut pic, &mut y, 0.0, r##" fill="#24292f""##, &head);
        for m in lane.marks.iter().filter(|m| !m.from_gateway) {
            let t = format!("{} {} · from {}", m.what, m.ports(), m.from);
            para(&mut pic, &mut y, 24.0, r##" fill="#57606a""##, &t);
        }
        y += 4.0;
    }
    if !line.conflicts.is_empty() {
        y += 4.0;
        for c in &line.conflicts {
            let t = format!("shared {}: {}", c.ports(), c.who());
            para(&mut pic, &mut y, 0.0, &format!(r#" fill="{RED}""#), &t);
        }
    }
    let w = right.max(lines_w + PAD).ceil();
    let h = (y + PAD - 6.0).ceil();
    background(out, w, h);
    out.push_str(&head);
    out.push_str(&pic);
    (w, h)
}

fn background(out: &mut String, w: f64, h: f64) {
    let _ = writeln!(
        out,
        r##"<rect width="{}" height="{}" fill="#ffffff"/>"##,
        n(w),
        n(h)
    );
}

fn swatch(out: &mut String, x: f64, y: f64, kind: Option<Kind>) {
    let (fill, extra) = match kind {
        None => (RED, String::new()),
        Some(Kind::CdpRange) => (Kind::CdpRange.colour(), r#" fill-opacity="0.25""#.into()),
        Some(Kind::CdpUrl) => (
            "#ffffff",
            format!(r#" stroke="{}" stroke-width="2""#, Kind::CdpUrl.colour()),
        ),
        Some(k) => (k.colour(), String::new()),
    };
    let _ = writeln!(
        out,
        r#"<rect x="{}" y="{}" width="12" height="12" fill="{fill}"{extra}/>"#,
        n(x),
        n(y)
    );
}

fn mark(out: &mut String, axis: &Axis, lane: &Lane, m: &Mark, ly: f64) {
    let (x, w) = axis.span(m.start, m.end);
    let tip = format!("{}: {} {} · from {}", lane.name, m.what, m.ports(), m.from);
    let (y, h, style) = match m.kind {
        Kind::CdpRange => (
            ly + LANE_H / 2.0 - 5.0,
            10.0,
            format!(r#" fill="{}" fill-opacity="0.25""#, m.kind.colour()),
        ),
        Kind::CdpUrl => (
            ly + 7.0,
            LANE_H - 14.0,
            format!(
                r##" fill="#ffffff" stroke="{}" stroke-width="1.5""##,
                m.kind.colour()
            ),
        ),
        k => (
            ly + 6.0,
            LANE_H - 12.0,
            format!(r#" fill="{}""#, k.colour()),
        ),
    };
    let _ = writeln!(
        out,
        r#"<rect class="m" x="{}" y="{}" width="{}" height="{}"{style}><title>{}</title></rect>"#,
        n(x),
        n(y),
        n(w),
        n(h),
        esc(&tip)
    );
}
