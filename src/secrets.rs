//! Secrets: which values are secret, how they are compared (a hash that means
//! nothing outside this process), and how they are kept out of every output.

use crate::load::json5::{Node, Value};
use std::hash::{BuildHasher, RandomState};
use std::ops::Range;
use std::sync::LazyLock;

/// Keys whose string values are treated as secrets, in configs and `.env` files.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "token",
        "secret",
        "password",
        "passwd",
        "apikey",
        "api_key",
        "auth",
        "cookie",
        "credential",
        "webhook",
        "private",
    ]
    .iter()
    .any(|w| k.contains(w))
        || k.ends_with("key")
}

static KEYS: LazyLock<RandomState> = LazyLock::new(RandomState::new);

/// A hash of a secret, keyed randomly per run: equal secrets hash equal within one
/// run, and the value is useless anywhere else. It is never printed.
pub fn hash_secret(secret: &str) -> u64 {
    KEYS.hash_one(secret)
}

/// Byte ranges of every secret string value in a parsed file (the text between
/// the quotes), for [`crate::source::SourceMap::mask`].
pub fn secret_ranges(node: &Node) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut stack = vec![(node, false)];
    while let Some((node, secret)) = stack.pop() {
        match &node.value {
            Value::String(_) if secret => {
                let r = node.span.range();
                if r.len() >= 2 {
                    out.push(r.start + 1..r.end - 1);
                }
            }
            Value::Array(items) => stack.extend(items.iter().map(|n| (n, secret))),
            Value::Object(entries) => stack.extend(
                entries
                    .iter()
                    .map(|e| (&e.node, secret || is_secret_key(&e.key))),
            ),
            _ => {}
        }
    }
    out
}

/// The `${VAR}` names used inside secret values (after substitution).
pub fn secret_var_names(node: &Node) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![(node, false)];
    while let Some((node, secret)) = stack.pop() {
        match &node.value {
            Value::String(_) if secret => out.extend(node.vars.iter().map(|v| v.name.clone())),
            Value::Array(items) => stack.extend(items.iter().map(|n| (n, secret))),
            Value::Object(entries) => stack.extend(
                entries
                    .iter()
                    .map(|e| (&e.node, secret || is_secret_key(&e.key))),
            ),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys() {
        for k in [
            "botToken",
            "appToken",
            "apiKey",
            "OPENAI_API_KEY",
            "password",
            "signingSecret",
            "TELEGRAM_BOT_TOKEN",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["port", "cdpUrl", "workspace", "mode", "enabled"] {
            assert!(!is_secret_key(k), "{k}");
        }
    }

    #[test]
    fn ranges_cover_string_values_below_secret_keys() {
        let text =
            r#"{channels: {telegram: {botToken: "123:abc", enabled: true}}, auth: {token: 'x'}}"#;
        let node = crate::load::json5::parse(text, crate::source::FileId(0)).unwrap();
        let mut got: Vec<&str> = secret_ranges(&node).into_iter().map(|r| &text[r]).collect();
        got.sort();
        assert_eq!(got, vec!["123:abc", "x"]);
    }

    #[test]
    fn hashes_compare_within_a_run() {
        assert_eq!(hash_secret("a"), hash_secret("a"));
        assert_ne!(hash_secret("a"), hash_secret("b"));
    }
}
