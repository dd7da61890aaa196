//! The `gateway.cmd` a Windows scheduled task runs: `set "KEY=value"` lines, then
//! the command line (`src/daemon/schtasks-layout.ts` writes it).

use std::ops::Range;

/// What a `gateway.cmd` sets and runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Script {
    /// `(key, value, range of KEY=value)`, in order.
    pub env: Vec<(String, String, Range<usize>)>,
    /// The command's words with their ranges.
    pub argv: Vec<(String, Range<usize>)>,
    /// The `rem` description line, e.g. `OpenClaw Gateway (profile: rescue)`.
    pub description: Option<String>,
}

/// Reads a `gateway.cmd`. The last line that is neither `@echo`, `rem`, `::`,
/// nor `set` is the command; `%VAR%` is expanded from the `set` lines.
pub fn parse(text: &str) -> Script {
    let mut out = Script::default();
    let mut offset = 0;
    let mut command: Option<(usize, &str)> = None;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let t = line.trim_start();
        let lead = line.len() - t.len();
        let lower = t.to_ascii_lowercase();
        if t.is_empty() || lower.starts_with("@echo") || t.starts_with("::") {
            continue;
        }
        if lower == "rem" || lower.starts_with("rem ") {
            out.description
                .get_or_insert_with(|| t[3..].trim().to_string());
            continue;
        }
        if lower.starts_with("set ") {
            let body = t[4..].trim_start();
            let body_start = line_start + lead + (t.len() - body.len());
            let (inner, inner_start) = match body.strip_prefix('"') {
                Some(b) => (b.strip_suffix('"').unwrap_or(b), body_start + 1),
                None => (body, body_start),
            };
            if let Some((k, v)) = inner.split_once('=') {
                out.env.push((
                    k.to_string(),
                    v.to_string(),
                    inner_start..inner_start + inner.len(),
                ));
            }
            continue;
        }
        command = Some((line_start + lead, t));
    }
    if let Some((start, line)) = command {
        out.argv = words(line, start, &out.env);
    }
    out
}

/// cmd.exe words: blanks separate, `"…"` groups (quotes are dropped), a
/// redirection (`< NUL`, `> log`) ends the command.
fn words(
    line: &str,
    base: usize,
    env: &[(String, String, Range<usize>)],
) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = None;
    let mut quoted = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => {
                quoted = !quoted;
                start.get_or_insert(i);
            }
            c if !quoted && (c == ' ' || c == '\t') => {
                if let Some(s) = start.take() {
                    out.push((expand(&cur, env), base + s..base + i));
                    cur.clear();
                }
            }
            '<' | '>' | '|' if !quoted => break,
            c => {
                start.get_or_insert(i);
                cur.push(c);
            }
        }
    }
    if let Some(s) = start {
        let end = line[s..]
            .find(|c: char| !quoted && matches!(c, '<' | '>' | '|'))
            .map_or(line.len(), |e| s + e);
        out.push((
            expand(&cur, env),
            base + s..base + line[..end].trim_end().len(),
        ));
    }
    out
}

/// `%NAME%` from the script's own `set` lines (case-insensitive, as cmd.exe).
fn expand(word: &str, env: &[(String, String, Range<usize>)]) -> String {
    let mut out = String::new();
    let mut rest = word;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('%') {
            Some(j) => {
                let name = &after[..j];
                match env
                    .iter()
                    .rev()
                    .find(|(k, _, _)| k.eq_ignore_ascii_case(name))
                {
                    Some((_, v, _)) => out.push_str(v),
                    None => {
                        out.push('%');
                        out.push_str(name);
                        out.push('%');
                    }
                }
                rest = &after[j + 1..];
            }
            None => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_gateway_install_writes() {
        let text = "@echo off\r\nrem OpenClaw Gateway (profile: rescue)\r\nset \"OPENCLAW_PROFILE=rescue\"\r\nset \"OPENCLAW_GATEWAY_PORT=23532\"\r\nset \"NODE_OPTIONS=\"\r\n\"C:\\Program Files\\nodejs\\node.exe\" C:\\npm\\node_modules\\openclaw\\dist\\index.js gateway --port %OPENCLAW_GATEWAY_PORT% --task-supervisor < NUL\r\n";
        let s = parse(text);
        assert_eq!(
            s.description.as_deref(),
            Some("OpenClaw Gateway (profile: rescue)")
        );
        assert_eq!(s.env[0].0, "OPENCLAW_PROFILE");
        assert_eq!(&text[s.env[1].2.clone()], "OPENCLAW_GATEWAY_PORT=23532");
        assert_eq!(s.env[2].1, "");
        let argv: Vec<&str> = s.argv.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(
            argv,
            [
                "C:\\Program Files\\nodejs\\node.exe",
                "C:\\npm\\node_modules\\openclaw\\dist\\index.js",
                "gateway",
                "--port",
                "23532",
                "--task-supervisor"
            ]
        );
        assert_eq!(&text[s.argv[4].1.clone()], "%OPENCLAW_GATEWAY_PORT%");
        assert_eq!(&text[s.argv[5].1.clone()], "--task-supervisor");
    }
}
