//! `clawfence fix`: the plan's edits, applied to the files that author the values.
//!
//! An edit replaces one value's span and nothing else: a JSON5 literal (quotes and
//! hex kept), the value of a `KEY=VALUE` line or unit `Environment=` word (quotes
//! kept), the `N` of a unit's `--port N` / `--port=N`, or an inserted key where no
//! file sets the value. Writes are atomic (a temporary file in the same directory,
//! then a rename), keep the file's mode and owner, go through symlinks to the file
//! they point at, and refuse a file whose content changed since it was read. No
//! I/O but [`write`]; no printing.

use crate::model::Host;
use crate::plan::Edit;
use crate::source::FileId;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `n` written the way `old` (a JSON5 literal) is written: hex stays hex, a
/// quoted string stays quoted with the same quote.
pub fn number_literal(old: &str, n: i64) -> String {
    let t = old.trim();
    let digits = t.trim_start_matches(['+', '-']);
    if let Some(q) = t.chars().next().filter(|c| *c == '"' || *c == '\'') {
        return format!("{q}{n}{q}");
    }
    if digits.starts_with("0x") || digits.starts_with("0X") {
        let upper = digits[2..].chars().any(|c| c.is_ascii_uppercase());
        let prefix = &digits[..2];
        return if upper {
            format!("{prefix}{n:X}")
        } else {
            format!("{prefix}{n:x}")
        };
    }
    n.to_string()
}

/// `value` as a JSON5 string literal, in the quote style of `old`.
pub fn string_literal(old: &str, value: &str) -> String {
    if old.trim_start().starts_with('\'') {
        let escaped = value.replace('\\', "\\\\").replace('\'', "\\'");
        format!("'{escaped}'")
    } else {
        serde_json::to_string(value).unwrap_or_else(|_| format!("\"{value}\""))
    }
}

/// The key of a setting's text: `KEY` of `KEY=VALUE` (`export ` dropped), or
/// `--port` of `--port N` / `--port=N`.
pub fn setting_key(text: &str) -> Option<&str> {
    let t = text.trim_start();
    if t.starts_with("--port") {
        return Some("--port");
    }
    let (k, _) = t.split_once('=')?;
    Some(k.trim().trim_start_matches("export ").trim())
}

/// The text of a setting with its value replaced and everything else kept:
/// `KEY=VALUE` (quotes kept), `--port N`, `--port=N`.
pub fn replace_setting(text: &str, value: &str) -> Option<String> {
    // A quoted unit word, `"KEY=VALUE"`: the value inside, the quotes kept.
    for q in ['"', '\''] {
        if text.len() >= 2 && text.starts_with(q) && text.ends_with(q) && text[1..].contains('=') {
            let inner = replace_setting(&text[1..text.len() - 1], value)?;
            return Some(format!("{q}{inner}{q}"));
        }
    }
    let lead = text.len() - text.trim_start().len();
    let t = &text[lead..];
    if let Some(rest) = t.strip_prefix("--port") {
        let sep = rest.len() - rest.trim_start_matches([' ', '\t', '=']).len();
        if sep == 0 {
            return None;
        }
        let after = &rest[sep..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return None;
        }
        let start = lead + "--port".len() + sep;
        return Some(format!(
            "{}{value}{}",
            &text[..start],
            &text[start + digits..]
        ));
    }
    let eq = text.find('=')?;
    let after = &text[eq + 1..];
    let pad = after.len() - after.trim_start_matches([' ', '\t']).len();
    let body = &after[pad..];
    let start = eq + 1 + pad;
    if let Some(q) = body
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\'' | '`'))
        && let Some(close) = body[1..].rfind(q)
    {
        let inner_start = start + 1;
        let inner_end = start + 1 + close;
        return Some(format!(
            "{}{value}{}",
            &text[..inner_start],
            &text[inner_end..]
        ));
    }
    let needs_quotes = value.contains(|c: char| c.is_whitespace() || c == '#' || c == '"');
    let value = if needs_quotes {
        format!("'{value}'")
    } else {
        value.to_string()
    };
    let end = start + body.trim_end().len();
    Some(format!("{}{value}{}", &text[..start], &text[end..]))
}

/// One file's change: the text read and the text to write.
#[derive(Debug, Clone)]
pub struct FileChange {
    pub file: FileId,
    pub path: PathBuf,
    pub display: String,
    pub old: String,
    pub new: String,
    /// The same change over the masked text, for the diff (secrets never shown);
    /// `None` when masking moved bytes and the diff cannot be shown.
    pub shown: Option<(String, String)>,
}

/// Edits that could not be applied together (two different edits of one span).
#[derive(Debug, Clone)]
pub struct Conflict {
    pub display: String,
    pub line: usize,
}

/// Groups the edits by file and applies them to the text that was read. Equal
/// edits are applied once; overlapping different ones are left out and returned.
pub fn changes(host: &Host, edits: &[Edit]) -> (Vec<FileChange>, Vec<Conflict>) {
    let mut by_file: BTreeMap<FileId, Vec<&Edit>> = BTreeMap::new();
    for e in edits {
        by_file.entry(e.file).or_default().push(e);
    }
    let mut out = Vec::new();
    let mut conflicts = Vec::new();
    for (file, mut list) in by_file {
        let src = host.sources.get(file);
        list.sort();
        list.dedup();
        // Drop every edit that overlaps another (an insertion at the same place counts).
        let mut keep = vec![true; list.len()];
        for k in 1..list.len() {
            let (a, b) = (list[k - 1], list[k]);
            if b.start < a.end || (b.start == a.start) {
                keep[k - 1] = false;
                keep[k] = false;
            }
        }
        let apply = |text: &str| -> Option<String> {
            let mut new = text.to_string();
            for (e, _) in list.iter().zip(&keep).rev().filter(|(_, k)| **k) {
                if e.end > new.len()
                    || !new.is_char_boundary(e.start)
                    || !new.is_char_boundary(e.end)
                {
                    return None;
                }
                new.replace_range(e.start..e.end, &e.text);
            }
            Some(new)
        };
        let Some(new) = apply(&src.text) else {
            continue;
        };
        let shown_old = src.shown_text();
        let shown = (shown_old.len() == src.text.len())
            .then(|| apply(shown_old).map(|n| (shown_old.to_string(), n)))
            .flatten();
        for (e, _) in list.iter().zip(&keep).filter(|(_, k)| !**k) {
            conflicts.push(Conflict {
                display: src.display.clone(),
                line: src.line_col(e.start).0,
            });
        }
        if new != src.text {
            out.push(FileChange {
                file,
                path: src.path.clone(),
                display: src.display.clone(),
                old: src.text.clone(),
                new,
                shown,
            });
        }
    }
    (out, conflicts)
}

/// A unified diff of the change, `a/…` and `b/…` named as the file is shown.
pub fn diff(change: &FileChange) -> String {
    let Some((old, new)) = &change.shown else {
        return format!(
            "--- a/{0}\n+++ b/{0}\n(the diff is not shown: the file holds secrets)\n",
            change.display
        );
    };
    let (old, new) = (redact_settings(old), redact_settings(new));
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("a/{}", change.display),
            &format!("b/{}", change.display),
        )
        .to_string()
}

/// Every `KEY=VALUE` line (a `.env` line, a unit's `Environment=` word) whose key
/// names a secret, with its value starred: the diff shows lines around the edit,
/// and no file's masking is trusted alone for what is printed.
fn redact_settings(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            let body = line.trim_start().trim_start_matches("Environment=");
            let body = body
                .trim_start_matches(['"', '\''])
                .trim_start_matches("export ");
            match body.split_once('=') {
                Some((key, value))
                    if crate::secrets::is_secret_key(key.trim()) && !value.trim().is_empty() =>
                {
                    let keep = line.len() - value.len();
                    let end = if line.ends_with('\n') { "\n" } else { "" };
                    format!("{}********{end}", &line[..keep])
                }
                _ => line.to_string(),
            }
        })
        .collect()
}

/// Why a change was not written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("`{0}` changed since it was read; not written (run `clawfence fix` again)")]
    Changed(String),
    #[error("cannot write `{0}`: {1}")]
    Io(String, std::io::Error),
}

/// Writes a change atomically: through a symlink to its target, a temporary file
/// created next to it (mode and owner of the original), then a rename over it.
/// Refuses when the file no longer holds the text that was read.
pub fn write(change: &FileChange) -> Result<(), WriteError> {
    let io = |e: std::io::Error| WriteError::Io(change.display.clone(), e);
    let target = std::fs::canonicalize(&change.path).map_err(io)?;
    let now = std::fs::read(&target).map_err(io)?;
    if now != change.old.as_bytes() {
        return Err(WriteError::Changed(change.display.clone()));
    }
    let meta = std::fs::metadata(&target).map_err(io)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (tmp, mut file) = (0..100)
        .find_map(|k| {
            let tmp = dir.join(format!(".{name}.clawfence-{}-{k}.tmp", std::process::id()));
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .ok()
                .map(|f| (tmp, f))
        })
        .ok_or_else(|| {
            io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "no temporary file name is free",
            ))
        })?;
    let result = (|| {
        use std::io::Write;
        file.write_all(change.new.as_bytes())?;
        file.sync_all()?;
        std::fs::set_permissions(&tmp, meta.permissions())?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // Keeping the owner needs the right to; a user's own file already has it.
            let _ = std::os::unix::fs::chown(&tmp, Some(meta.uid()), Some(meta.gid()));
        }
        // The file could have changed while the new one was written.
        if std::fs::read(&target)? != change.old.as_bytes() {
            return Err(std::io::Error::other("changed"));
        }
        std::fs::rename(&tmp, &target)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        if e.to_string() == "changed" {
            return Err(WriteError::Changed(change.display.clone()));
        }
        return Err(io(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_keep_their_style() {
        assert_eq!(number_literal("19001", 19112), "19112");
        assert_eq!(number_literal("0x4A39", 19112), "0x4AA8");
        assert_eq!(number_literal("0x4a39", 19112), "0x4aa8");
        assert_eq!(number_literal("\"19001\"", 19112), "\"19112\"");
        assert_eq!(number_literal("'19001'", 19112), "'19112'");
        assert_eq!(string_literal("'a'", "~/x"), "'~/x'");
        assert_eq!(string_literal("\"a\"", "~/x"), "\"~/x\"");
    }

    #[test]
    fn secret_settings_are_starred_in_diffs() {
        assert_eq!(
            redact_settings("A=1\nTG_TOKEN=123:abc\nexport API_KEY='x'\n"),
            "A=1\nTG_TOKEN=********\nexport API_KEY=********\n"
        );
    }

    #[test]
    fn settings_replace_only_the_value() {
        let r = |t: &str, v: &str| replace_setting(t, v).unwrap();
        assert_eq!(
            r("OPENCLAW_GATEWAY_PORT=18789", "18900"),
            "OPENCLAW_GATEWAY_PORT=18900"
        );
        assert_eq!(r("export P = \"18789\"", "1"), "export P = \"1\"");
        assert_eq!(r("P='18789'", "1"), "P='1'");
        assert_eq!(r("--port 18789", "18900"), "--port 18900");
        assert_eq!(r("--port=18789", "18900"), "--port=18900");
        assert_eq!(r("S=/a", "/b c"), "S='/b c'");
        assert_eq!(
            r("\"OPENCLAW_GATEWAY_PORT=1\"", "2"),
            "\"OPENCLAW_GATEWAY_PORT=2\""
        );
        assert_eq!(setting_key("export A=1"), Some("A"));
        assert_eq!(setting_key("--port=1"), Some("--port"));
        assert_eq!(replace_setting("--portable", "1"), None);
    }
}
