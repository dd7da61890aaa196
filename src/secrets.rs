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

/// Every string value of a tree, and whether it sits below a secret key.
fn strings(node: &Node) -> Vec<(&Node, bool)> {
    let mut out = Vec::new();
    let mut stack = vec![(node, false)];
    while let Some((node, secret)) = stack.pop() {
        match &node.value {
            Value::String(_) => out.push((node, secret)),
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

/// Byte ranges of every secret in a parsed file, for
/// [`crate::source::SourceMap::mask`]: string values below secret keys (the text
/// between the quotes), and in any URL the password of its user info and the
/// values of secret-looking query parameters.
pub fn secret_ranges(node: &Node, text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for (node, secret) in strings(node) {
        let r = node.span.range();
        if r.len() < 2 || r.end > text.len() {
            continue;
        }
        let inner = r.start + 1..r.end - 1;
        if secret {
            out.push(inner);
        } else if let Some(raw) = text.get(inner.clone()) {
            out.extend(
                url_secrets(raw)
                    .into_iter()
                    .map(|s| inner.start + s.start..inner.start + s.end),
            );
        }
    }
    out
}

/// Ranges of `pass` in `scheme://user:pass@host` and of `v` in `?token=v`.
pub fn url_secrets(s: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let Some(scheme_end) = s.find("://") else {
        return out;
    };
    let start = scheme_end + 3;
    let authority_end = s[start..]
        .find(['/', '?', '#'])
        .map(|i| start + i)
        .unwrap_or(s.len());
    if let Some(at) = s[start..authority_end].rfind('@') {
        let userinfo = start..start + at;
        if let Some(colon) = s[userinfo.clone()].find(':') {
            out.push(userinfo.start + colon + 1..userinfo.end);
        }
    }
    if let Some(q) = s[authority_end..].find('?') {
        let mut pos = authority_end + q + 1;
        let end = s[pos..].find('#').map(|i| pos + i).unwrap_or(s.len());
        for pair in s[pos..end].split('&') {
            if let Some(eq) = pair.find('=')
                && is_secret_key(&pair[..eq])
            {
                out.push(pos + eq + 1..pos + pair.len());
            }
            pos += pair.len() + 1;
        }
    }
    out
}

/// The `${VAR}` names used inside secret values (after substitution).
pub fn secret_var_names(node: &Node) -> Vec<String> {
    strings(node)
        .into_iter()
        .filter(|(_, secret)| *secret)
        .flat_map(|(n, _)| n.vars.iter().map(|v| v.name.clone()))
        .collect()
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
        let mut got: Vec<&str> = secret_ranges(&node, text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        got.sort();
        assert_eq!(got, vec!["123:abc", "x"]);
    }

    #[test]
    fn secrets_inside_urls() {
        let text =
            r#"{browser: {cdpUrl: "wss://alice:hunter2@h:9222/x?token=QS&mode=1&apiKey=K#f"}}"#;
        let node = crate::load::json5::parse(text, crate::source::FileId(0)).unwrap();
        let got: Vec<&str> = secret_ranges(&node, text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(got, vec!["hunter2", "QS", "K"]);
        assert!(url_secrets("http://127.0.0.1:9222").is_empty());
    }

    #[test]
    fn hashes_compare_within_a_run() {
        assert_eq!(hash_secret("a"), hash_secret("a"));
        assert_ne!(hash_secret("a"), hash_secret("b"));
    }
}
