//! Shell words with their byte ranges: `shell-words` splits (POSIX quoting and
//! escapes), a small scanner finds where each word was written so labels can
//! point at one word of a command line.

use std::ops::Range;

/// A word of a command line and the bytes it was written in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub range: Range<usize>,
}

/// Splits `s` as a POSIX shell splits words (no expansion). When the scanner and
/// `shell-words` disagree on the number of words, every word spans the whole string.
pub fn split(s: &str) -> Result<Vec<Word>, String> {
    let words = shell_words::split(s).map_err(|e| format!("{e}"))?;
    let ranges = ranges(s);
    Ok(if ranges.len() == words.len() {
        words
            .into_iter()
            .zip(ranges)
            .map(|(text, range)| Word { text, range })
            .collect()
    } else {
        words
            .into_iter()
            .map(|text| Word {
                text,
                range: 0..s.len(),
            })
            .collect()
    })
}

/// Where each unquoted-whitespace-separated word lies; `#` at a word start begins
/// a comment, as `shell-words` treats it.
fn ranges(s: &str) -> Vec<Range<usize>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= b.len() || b[i] == b'#' {
            break;
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() {
            match b[i] {
                b'\\' => i += 2,
                q @ (b'\'' | b'"') => {
                    i += 1;
                    while i < b.len() && b[i] != q {
                        if q == b'"' && b[i] == b'\\' {
                            i += 1;
                        }
                        i += 1;
                    }
                    i += 1;
                }
                _ => i += 1,
            }
        }
        out.push(start..i.min(b.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_their_place() {
        let s = r#"OPENCLAW_GATEWAY_PORT=18790 openclaw --profile "my x" gateway --port 18791"#;
        let w = split(s).unwrap();
        assert_eq!(w.len(), 7);
        assert_eq!(w[3].text, "my x");
        assert_eq!(&s[w[3].range.clone()], "\"my x\"");
        assert_eq!(&s[w[6].range.clone()], "18791");
        assert!(split("openclaw 'open").is_err());
    }
}
