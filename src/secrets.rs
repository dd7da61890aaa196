//! Secrets: which values are secret, how they are compared (a hash that means
//! nothing outside this process), and how they are kept out of every output.

use crate::load::json5::{Node, Value};
use std::hash::{BuildHasher, RandomState};
use std::ops::Range;
use std::sync::LazyLock;

/// Keys whose string values are treated as secrets, in configs and `.env` files.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    // A port is never a secret, even beside one (`webhookPort`, `authPort`).
    if k.ends_with("port") {
        return false;
    }
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
        "jwt",
        "bearer",
        "dsn",
    ]
    .iter()
    .any(|w| k.contains(w))
        || k.ends_with("key")
        // a personal access token: `pat`, `GITHUB_PAT`, `gitlab-pat`, `githubPat`
        || k == "pat"
        || k.ends_with("_pat")
        || k.ends_with("-pat")
        || key.ends_with("Pat")
}

/// Query parameters whose values are secrets (beyond [`is_secret_key`]).
fn is_secret_param(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    is_secret_key(name)
        || matches!(
            n.as_str(),
            "pass" | "pwd" | "sig" | "signature" | "code" | "sid"
        )
        || n.contains("session")
}

/// A value that looks like a credential whatever key it sits under: a Telegram
/// bot token, a well-known token prefix, or a long run of letters and digits.
pub fn looks_like_token(s: &str) -> bool {
    let s = s.trim_matches(|c: char| c == '"' || c == '\'' || c == '`');
    if s.len() < 12 || s.chars().any(char::is_whitespace) {
        return false;
    }
    const PREFIXES: &[&str] = &[
        "sk-",
        "sk_",
        "pk_",
        "rk_",
        "ghp_",
        "gho_",
        "ghu_",
        "ghs_",
        "ghr_",
        "github_pat_",
        "glpat-",
        "xoxb-",
        "xoxp-",
        "xoxa-",
        "xapp-",
        "AKIA",
        "ASIA",
        "AIza",
        "eyJ",
        "hf_",
    ];
    if PREFIXES.iter().any(|p| s.starts_with(p)) {
        return true;
    }
    if is_telegram_token(s) {
        return true;
    }
    let tokenish = s
        .trim_end_matches('=')
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '~'));
    tokenish
        && s.len() >= 20
        && s.chars().any(|c| c.is_ascii_digit())
        && s.chars().any(|c| c.is_ascii_uppercase())
        && s.chars().any(|c| c.is_ascii_lowercase())
}

/// Ranges of credential-shaped runs inside `s`, wherever they sit (glued to a
/// URL, after a `:` or `=`): a run is a maximal stretch of token characters,
/// checked whole (a Telegram token) and piece by piece between `:` and `=`.
fn token_runs(s: &str) -> Vec<Range<usize>> {
    let is_run =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+' | '~' | '=' | ':');
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !is_run(c) {
            continue;
        }
        let mut end = start + c.len_utf8();
        while let Some(&(i, c)) = chars.peek() {
            if !is_run(c) {
                break;
            }
            end = i + c.len_utf8();
            chars.next();
        }
        let run = &s[start..end];
        if is_telegram_token(run) {
            out.push(start..end);
            continue;
        }
        let mut at = start;
        for piece in run.split([':', '=']) {
            if looks_like_token(piece) {
                out.push(at..at + piece.len());
            }
            at += piece.len() + 1;
        }
    }
    out
}

/// `123456789:AAH…`: a Telegram bot token.
fn is_telegram_token(s: &str) -> bool {
    let Some((id, rest)) = s.split_once(':') else {
        return false;
    };
    id.len() >= 5
        && id.bytes().all(|b| b.is_ascii_digit())
        && rest.len() >= 20
        && rest
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A value as it may be quoted in a message: itself when it is short, on one
/// line and holds nothing secret-looking; otherwise only its length
/// (`<52 characters>`), since an invalid value may be a pasted token or, after
/// an unterminated quote in a `.env` file, the next lines too.
pub fn quotable(value: &str) -> String {
    let n = value.chars().count();
    if n <= 24 && !value.contains(['\n', '\r']) && inline_secrets(value).is_empty() {
        value.to_string()
    } else {
        format!("<{n} characters>")
    }
}

static KEYS: LazyLock<RandomState> = LazyLock::new(RandomState::new);

/// A hash of a secret, keyed randomly per run: equal secrets hash equal within one
/// run, and the value is useless anywhere else. It is never printed.
pub fn hash_secret(secret: &str) -> u64 {
    KEYS.hash_one(secret)
}

/// Every string value of a tree, and whether it is a secret: below a secret
/// key, or the argument after a secret flag (`args: ["--token", X]`).
fn strings(node: &Node) -> Vec<(&Node, bool)> {
    let mut out = Vec::new();
    let mut stack = vec![(node, false)];
    while let Some((node, secret)) = stack.pop() {
        match &node.value {
            Value::String(_) => out.push((node, secret)),
            Value::Array(items) => {
                let mut after_flag = false;
                for n in items {
                    stack.push((n, secret || after_flag));
                    after_flag = n.as_str().is_some_and(is_secret_flag);
                }
            }
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

/// `--token`, `-p`-less long flags only: a flag whose next argument is a secret.
pub fn is_secret_flag(arg: &str) -> bool {
    let Some(name) = arg.strip_prefix('-') else {
        return false;
    };
    let name = name.trim_start_matches('-');
    !name.is_empty() && !name.contains('=') && (is_secret_key(name) || name == "pass")
}

/// Byte ranges of every secret in a parsed file, for
/// [`crate::source::SourceMap::mask`]: string values below secret keys or after
/// a secret flag (the text between the quotes), and in any other string the
/// secrets [`inline_secrets`] finds.
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
                inline_secrets(raw)
                    .into_iter()
                    .map(|s| inner.start + s.start..inner.start + s.end),
            );
        }
    }
    out
}

/// Secrets inside one free-form value: credentials in every URL it holds,
/// `--token=X`, `Bearer X`, and anything [`looks_like_token`].
pub fn inline_secrets(s: &str) -> Vec<Range<usize>> {
    let mut out = url_secrets(s);
    out.extend(token_runs(s));
    let mut pos = 0;
    for word in s.split_inclusive(|c: char| c.is_whitespace() || c == ',') {
        let w = word.trim_end_matches(|c: char| c.is_whitespace() || c == ',');
        let sep = if w.contains("://") {
            None
        } else {
            w.find('=').or_else(|| w.find(':'))
        };
        match sep {
            Some(eq) if eq + 1 < w.len() => {
                let name = w[..eq].trim_start_matches('-');
                if is_secret_key(name) || looks_like_token(&w[eq + 1..]) {
                    out.push(pos + eq + 1..pos + w.len());
                }
            }
            _ => {
                if looks_like_token(w) && !w.contains("://") {
                    out.push(pos..pos + w.len());
                }
            }
        }
        pos += word.len();
    }
    let lower = s.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("bearer ") {
        let start = from + i + "bearer ".len();
        let end = s[start..]
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .map_or(s.len(), |e| start + e);
        if end > start {
            out.push(start..end);
        }
        from = start;
    }
    out
}

/// In every URL of `s`: the password of `user:pass@`, a bare `user@` (a token
/// used as the user name), the values of secret query parameters, and the token
/// of a Telegram `/bot<token>/` path.
pub fn url_secrets(s: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut search = 0;
    while let Some(found) = s[search..].find("://") {
        let start = search + found + 3;
        let url_end = s[start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>'))
            .map_or(s.len(), |i| start + i);
        url_parts(s, start, url_end, &mut out);
        search = start.max(url_end);
    }
    out
}

fn url_parts(s: &str, start: usize, end: usize, out: &mut Vec<Range<usize>>) {
    let authority_end = s[start..end]
        .find(['/', '?', '#'])
        .map(|i| start + i)
        .unwrap_or(end);
    if let Some(at) = s[start..authority_end].rfind('@') {
        let userinfo = start..start + at;
        match s[userinfo.clone()].find(':') {
            Some(colon) => out.push(userinfo.start + colon + 1..userinfo.end),
            None => out.push(userinfo),
        }
    }
    let path_end = s[authority_end..end]
        .find(['?', '#'])
        .map_or(end, |i| authority_end + i);
    let mut seg_start = authority_end;
    for seg in s[authority_end..path_end].split('/') {
        if let Some(token) = seg.strip_prefix("bot")
            && is_telegram_token(token)
        {
            out.push(seg_start + 3..seg_start + seg.len());
        }
        seg_start += seg.len() + 1;
    }
    if s[path_end..end].starts_with('?') {
        let mut pos = path_end + 1;
        let q_end = s[pos..end].find('#').map(|i| pos + i).unwrap_or(end);
        for pair in s[pos..q_end].split('&') {
            if let Some(eq) = pair.find('=')
                && is_secret_param(&pair[..eq])
            {
                out.push(pos + eq + 1..pos + pair.len());
            }
            pos += pair.len() + 1;
        }
    }
}

/// A command line for showing: values after secret flags, `--flag=secret`,
/// `KEY=secret`, URL credentials and token-shaped arguments become `***`.
pub fn mask_command(args: &[String]) -> String {
    let mut out = Vec::with_capacity(args.len());
    let mut after_flag = false;
    for a in args {
        if after_flag {
            out.push("***".to_string());
            after_flag = false;
            continue;
        }
        after_flag = is_secret_flag(a);
        out.push(mask_ranges(a, &inline_secrets(a)));
    }
    out.join(" ")
}

/// `s` with every [`inline_secrets`] part masked (a credential pasted into a
/// path, a name or a message).
pub fn mask_inline(s: &str) -> String {
    let ranges = inline_secrets(s);
    if ranges.is_empty() {
        s.to_string()
    } else {
        mask_ranges(s, &ranges)
    }
}

/// `s` with the given byte ranges replaced by `***` (overlaps merged; ranges
/// snapped to character boundaries).
pub fn mask_ranges(s: &str, ranges: &[Range<usize>]) -> String {
    let mut rs: Vec<Range<usize>> = ranges
        .iter()
        .map(|r| {
            crate::source::floor_char_boundary(s, r.start)
                ..crate::source::ceil_char_boundary(s, r.end)
        })
        .filter(|r| r.start < r.end)
        .collect();
    rs.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(s.len());
    let mut at = 0;
    for r in rs {
        if r.end <= at {
            continue;
        }
        out.push_str(&s[at..r.start.max(at)]);
        out.push_str("***");
        at = r.end;
    }
    out.push_str(&s[at..]);
    out
}

/// Secrets in a file that does not parse (or whose values have no spans): a
/// tolerant JSON5 token scan that masks values after secret keys and secret
/// flags, values inside secret objects, and every [`inline_secrets`] of any
/// string or bare word. Keys and punctuation stay visible.
pub fn lexical_secret_ranges(text: &str) -> Vec<Range<usize>> {
    lexical(text, true)
}

/// Secrets inside the comments of a file (a commented-out `botToken: "…"` is
/// still a credential): each comment's text is scanned like a broken file.
pub fn comment_secret_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for t in tokenize(text).iter().filter(|t| t.kind == Tok::Comment) {
        let inner = comment_body(text, t.inner.clone());
        out.extend(
            lexical(&text[inner.clone()], false)
                .into_iter()
                .map(|r| inner.start + r.start..inner.start + r.end),
        );
    }
    out
}

/// A comment without its `//`, `/*` and `*/`.
fn comment_body(text: &str, r: Range<usize>) -> Range<usize> {
    let c = &text[r.clone()];
    let start = r.start + 2.min(c.len());
    let end = if c.starts_with("/*") && c.ends_with("*/") && c.len() >= 4 {
        r.end - 2
    } else {
        r.end
    };
    start..end.max(start)
}

fn lexical(text: &str, into_comments: bool) -> Vec<Range<usize>> {
    let tokens = tokenize(text);
    let mut out = Vec::new();
    // Whether each open `{`/`[` is below a secret key.
    let mut stack: Vec<bool> = Vec::new();
    let mut pending_key: Option<bool> = None;
    let mut after_flag = false;
    for (i, t) in tokens.iter().enumerate() {
        let inside = stack.last().copied().unwrap_or(false);
        match t.kind {
            Tok::Open => {
                stack.push(inside || pending_key.take().unwrap_or(false));
                after_flag = false;
            }
            Tok::Close => {
                stack.pop();
                pending_key = None;
            }
            Tok::Colon | Tok::Comma => {}
            Tok::Comment => {
                // One level only: a comment inside a comment is scanned flat.
                let inner = comment_body(text, t.inner.clone());
                let raw = &text[inner.clone()];
                let found = if into_comments {
                    lexical(raw, false)
                } else {
                    inline_secrets(raw)
                };
                out.extend(
                    found
                        .into_iter()
                        .map(|r| inner.start + r.start..inner.start + r.end),
                );
            }
            Tok::Str | Tok::Word => {
                let is_key = matches!(tokens.get(i + 1).map(|n| n.kind), Some(Tok::Colon));
                let inner = t.inner.clone();
                let raw = &text[inner.clone()];
                if is_key {
                    pending_key = Some(is_secret_key(&unescape_key(raw)));
                    // a "key" in a broken file may be a value glued to a colon
                    out.extend(
                        inline_secrets(raw)
                            .into_iter()
                            .map(|r| inner.start + r.start..inner.start + r.end),
                    );
                    continue;
                }
                let secret = inside || pending_key.take().unwrap_or(false) || after_flag;
                after_flag = is_secret_flag(raw);
                if secret {
                    out.push(inner);
                } else {
                    out.extend(
                        inline_secrets(raw)
                            .into_iter()
                            .map(|r| inner.start + r.start..inner.start + r.end),
                    );
                }
            }
        }
    }
    out
}

/// Secrets in a `.env`-style text read line by line, whatever a parser made of
/// it: the value of every `KEY=value` or `KEY: value` line with a secret key,
/// and every [`inline_secrets`] of any line.
pub fn env_line_secret_ranges(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut pos = 0;
    for line in text.split_inclusive(['\n', '\r']) {
        let body = line.trim_end_matches(['\n', '\r']);
        let lead = body.len() - body.trim_start().len();
        let rest = body.trim_start();
        let rest_at = pos + lead;
        let rest2 = rest.strip_prefix("export ").unwrap_or(rest);
        let skip = rest.len() - rest2.len();
        if let Some(sep) = rest2.find(['=', ':']) {
            let key = rest2[..sep].trim();
            if !key.is_empty() && is_secret_key(key) {
                let v = sep + 1;
                let value = &rest2[v..];
                let value_start = v + (value.len() - value.trim_start().len());
                let value = &rest2[value_start..];
                // The value ends at its closing quote, or before a ` # comment`;
                // an unterminated quote runs to the end of the line.
                let len = match value.chars().next() {
                    Some(q @ ('"' | '\'' | '`')) => {
                        value[1..].find(q).map_or(value.len(), |i| i + 2)
                    }
                    _ => value
                        .find(" #")
                        .or_else(|| value.find("\t#"))
                        .map_or(value.len(), |i| value[..i].trim_end().len()),
                };
                if len > 0 {
                    out.push(rest_at + skip + value_start..rest_at + skip + value_start + len);
                }
            }
        }
        out.extend(
            inline_secrets(body)
                .into_iter()
                .map(|r| pos + r.start..pos + r.end),
        );
        pos += line.len();
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Open,
    Close,
    Colon,
    Comma,
    Str,
    Word,
    Comment,
}

struct Token {
    kind: Tok,
    /// For strings: between the quotes (to the end of the line when unterminated).
    inner: Range<usize>,
}

fn is_word_byte(c: u8) -> bool {
    !c.is_ascii_whitespace()
        && !matches!(
            c,
            b'{' | b'}' | b'[' | b']' | b':' | b',' | b'"' | b'\'' | b'`'
        )
}

/// A tolerant JSON5 tokenizer: never fails, linear, skips comments.
fn tokenize(text: &str) -> Vec<Token> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'{' | b'[' => {
                out.push(Token {
                    kind: Tok::Open,
                    inner: i..i + 1,
                });
                i += 1;
            }
            b'}' | b']' => {
                out.push(Token {
                    kind: Tok::Close,
                    inner: i..i + 1,
                });
                i += 1;
            }
            b':' => {
                out.push(Token {
                    kind: Tok::Colon,
                    inner: i..i + 1,
                });
                i += 1;
            }
            b',' => {
                out.push(Token {
                    kind: Tok::Comma,
                    inner: i..i + 1,
                });
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                let start = i;
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                out.push(Token {
                    kind: Tok::Comment,
                    inner: start..i,
                });
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = i;
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i = (i + 2).min(b.len());
                out.push(Token {
                    kind: Tok::Comment,
                    inner: start..i,
                });
            }
            b'"' | b'\'' | b'`' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != c && b[j] != b'\n' && b[j] != b'\r' {
                    if b[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
                let end = j.min(b.len());
                out.push(Token {
                    kind: Tok::Str,
                    inner: start..end,
                });
                i = if end < b.len() && b[end] == c {
                    end + 1
                } else {
                    end
                };
            }
            c if c.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                let comment = |i: usize| b[i] == b'/' && matches!(b.get(i + 1), Some(b'/' | b'*'));
                while i < b.len() && is_word_byte(b[i]) && !comment(i) {
                    i += 1;
                }
                // a `:` inside a word such as `https://x` or `123:abc` is part of it
                // when the word is not followed by a key separator
                while i < b.len()
                    && b[i] == b':'
                    && b.get(i + 1).is_some_and(|n| {
                        !n.is_ascii_whitespace()
                            && *n != b'"'
                            && *n != b'\''
                            && *n != b'{'
                            && *n != b'['
                    })
                {
                    i += 1;
                    while i < b.len() && is_word_byte(b[i]) {
                        i += 1;
                    }
                }
                let end = crate::source::ceil_char_boundary(text, i.max(start + 1));
                out.push(Token {
                    kind: Tok::Word,
                    inner: start..end,
                });
                i = end;
            }
        }
    }
    out
}

/// `\u0061pikey` → `apikey`: JSON5 identifier escapes, for deciding about keys.
fn unescape_key(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find("\\u") {
        out.push_str(&rest[..i]);
        let hex = rest.get(i + 2..i + 6);
        match hex
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .and_then(char::from_u32)
        {
            Some(c) => {
                out.push(c);
                rest = &rest[i + 6..];
            }
            None => {
                out.push_str("\\u");
                rest = &rest[i + 2..];
            }
        }
    }
    out.push_str(rest);
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

/// Secrets anywhere in a launcher's file (a unit, a plist, an env file, a
/// script), whatever parsed of it: the value of every `KEY=value` and of every
/// plist `<key>KEY</key><string>value</string>` whose key is a secret, the word
/// after `--token`, `--password` and the like (in a plist, the next `<string>`),
/// and every [`inline_secrets`] (URL credentials, token-shaped runs).
pub fn launcher_secret_ranges(text: &str) -> Vec<Range<usize>> {
    // Scanned by hand, not with `regex`: compiling the three patterns (kept in
    // the tests as the oracle this is checked against) took longer than the
    // whole check of a small host.
    let mut out = Vec::new();
    for (key, value) in plist_strings(text) {
        if is_secret_key(&text[key]) {
            out.push(value);
        }
    }
    for (key, value_start) in assignments(text) {
        if !is_secret_key(&text[key]) {
            continue;
        }
        let len = assigned_len(&text[value_start..]);
        if len > 0 {
            out.push(value_start..value_start + len);
        }
    }
    out.extend(flag_values(text));
    out.extend(inline_secrets(text));
    out
}

/// How much of `rest` (what follows `KEY=`) is the value: a quoted one up to its
/// closing quote or the line's end, else up to a blank, a quote or `<`.
fn assigned_len(rest: &str) -> usize {
    match rest.chars().next() {
        Some(q @ ('"' | '\'')) => rest[1..].find([q, '\n']).map_or(rest.len(), |e| e + 2),
        _ => rest
            .find(|ch: char| ch.is_whitespace() || matches!(ch, '"' | '\'' | '<'))
            .unwrap_or(rest.len()),
    }
}

/// `<key>K</key>` `<string>V</string>` pairs (blanks between them): the ranges
/// of `K` and `V`, neither holding a `<`.
fn plist_strings(text: &str) -> Vec<(Range<usize>, Range<usize>)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = text[at..].find("<key>") {
        let key_start = at + found + "<key>".len();
        at = at + found + 1;
        let Some(key_len) = text[key_start..].find('<') else {
            break;
        };
        let key = key_start..key_start + key_len;
        let Some(after) = text[key.end..].strip_prefix("</key>") else {
            continue;
        };
        let blank = after.len() - after.trim_start().len();
        let Some(value) = after[blank..].strip_prefix("<string>") else {
            continue;
        };
        let value_start = text.len() - value.len();
        let Some(value_len) = value.find('<') else {
            continue;
        };
        if value[value_len..].starts_with("</string>") {
            let value = value_start..value_start + value_len;
            at = value.end + "</string>".len();
            out.push((key, value));
        }
    }
    out
}

/// `KEY=` and `KEY:` (blanks around the sign): the key's range and where the
/// value starts, after the blanks. A key is a run of ASCII letters, digits and
/// `_` not starting with a digit; scanning goes on after each match, so
/// `Environment=TOKEN=v` finds `Environment` and then `TOKEN`.
fn assignments(text: &str) -> Vec<(Range<usize>, usize)> {
    let bytes = text.as_bytes();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let blank = |b: &u8| *b == b' ' || *b == b'\t';
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if !word(bytes[at]) {
            at += 1;
            continue;
        }
        let run_end = at + bytes[at..].iter().take_while(|b| word(**b)).count();
        // A key starts at the run's first non-digit.
        let Some(start) = (at..run_end).find(|&i| !bytes[i].is_ascii_digit()) else {
            at = run_end;
            continue;
        };
        let sign = run_end + bytes[run_end..].iter().take_while(|b| blank(b)).count();
        if matches!(bytes.get(sign), Some(b'=' | b':')) {
            let value = sign + 1 + bytes[sign + 1..].iter().take_while(|b| blank(b)).count();
            out.push((start..run_end, value));
            at = value;
        } else {
            at = run_end;
        }
    }
    out
}

/// The value after `--token`, `--password`, `--auth`, `--secret`, `--api-key`
/// or `--apikey`, joined by `=`, by blanks, or in a plist by `</string>` and the
/// next `<string>`: quoted, or up to a blank, `<` or quote.
fn flag_values(text: &str) -> Vec<Range<usize>> {
    const FLAGS: &[&str] = &["token", "password", "auth", "secret", "api-key", "apikey"];
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(found) = text[at..].find("--") {
        let dashes = at + found;
        at = dashes + 1;
        let after = &text[dashes + 2..];
        let Some(rest) = FLAGS.iter().find_map(|f| after.strip_prefix(f)) else {
            continue;
        };
        let rest = if let Some(r) = rest.strip_prefix('=') {
            r
        } else if rest.starts_with(char::is_whitespace) {
            rest.trim_start()
        } else if let Some(r) = rest.strip_prefix("</string>") {
            match r.trim_start().strip_prefix("<string>") {
                Some(r) => r,
                None => continue,
            }
        } else {
            continue;
        };
        let start = text.len() - rest.len();
        let value = match rest.chars().next() {
            Some(q @ ('"' | '\'')) => match rest[1..].find(q) {
                Some(len) => start + 1..start + 1 + len,
                None => continue,
            },
            Some(_) => {
                let len = rest
                    .find(|c: char| c.is_whitespace() || matches!(c, '<' | '"' | '\''))
                    .unwrap_or(rest.len());
                if len == 0 {
                    continue;
                }
                start..start + len
            }
            None => continue,
        };
        // A quoted value ends after its closing quote.
        at = match rest.chars().next() {
            Some('"' | '\'') => value.end + 1,
            _ => value.end,
        };
        out.push(value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The patterns `launcher_secret_ranges` used to run, as the oracle of the
    /// hand-written scanners.
    fn by_regex(text: &str) -> Vec<Range<usize>> {
        static PLIST: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(r"<key>([^<]*)</key>\s*<string>([^<]*)</string>").unwrap()
        });
        static ASSIGN: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(r"([A-Za-z_][A-Za-z0-9_]*)[ \t]*[=:][ \t]*").unwrap()
        });
        static FLAG: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(r#"--(?:token|password|auth|secret|api-key|apikey)(?:=|\s+|</string>\s*<string>)(?:"([^"]*)"|'([^']*)'|([^\s<"']+))"#).unwrap()
        });
        let (plist, assign, flag) = (&*PLIST, &*ASSIGN, &*FLAG);
        let mut out = Vec::new();
        for c in plist.captures_iter(text) {
            if is_secret_key(&c[1]) {
                out.push(c.get(2).unwrap().range());
            }
        }
        for c in assign.captures_iter(text) {
            if !is_secret_key(&c[1]) {
                continue;
            }
            let start = c.get(0).unwrap().end();
            let len = assigned_len(&text[start..]);
            if len > 0 {
                out.push(start..start + len);
            }
        }
        for c in flag.captures_iter(text) {
            out.push(c.get(1).or(c.get(2)).or(c.get(3)).unwrap().range());
        }
        out.extend(inline_secrets(text));
        out
    }

    #[test]
    fn launcher_scanners_agree_with_the_regexes_they_replace() {
        const PARTS: &[&str] = &[
            "<key>",
            "</key>",
            "<string>",
            "</string>",
            "<",
            "TOKEN",
            "OPENCLAW_GATEWAY_TOKEN",
            "PASSWORD",
            "port",
            "Environment",
            "=",
            ":",
            " ",
            "\t",
            "\n",
            "--",
            "--token",
            "--password",
            "--auth",
            "--secret",
            "--api-key",
            "--apikey",
            "-",
            "\"",
            "'",
            "abc",
            "9",
            "_",
            "é",
            "\u{a0}",
            "s3cr3t",
            "ExecStart=/usr/bin/openclaw",
            "https://u:p@h/",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..20_000 {
            let len = (next() % 14) as usize;
            let text: String = (0..len)
                .map(|_| PARTS[(next() % PARTS.len() as u64) as usize])
                .collect();
            assert_eq!(launcher_secret_ranges(&text), by_regex(&text), "{text:?}");
        }
    }

    #[test]
    fn launcher_files_mask_every_secret_they_show() {
        let masked = |text: &str| mask_ranges(text, &launcher_secret_ranges(text));
        let unit = "Environment=OPENCLAW_GATEWAY_TOKEN=s3cr3tvalue PORT=1\nExecStart=/usr/bin/openclaw gateway --token 'hunter22x'\n";
        let m = masked(unit);
        assert!(
            !m.contains("s3cr3tvalue") && !m.contains("hunter22x"),
            "{m}"
        );
        assert!(m.contains("PORT=1"), "{m}");
        let plist = "<key>TELEGRAM_BOT_TOKEN</key>\n  <string>12345:abcdef</string><string>--password</string><string>pw-value</string>";
        let m = masked(plist);
        assert!(
            !m.contains("12345:abcdef") && !m.contains("pw-value"),
            "{m}"
        );
        let env = "export OPENCLAW_GATEWAY_TOKEN='quoted secret'\nexport HOME='/home/a'\n";
        let m = masked(env);
        assert!(!m.contains("quoted secret") && m.contains("/home/a"), "{m}");
    }

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
    fn more_secret_shapes() {
        for k in [
            "pat",
            "GITHUB_PAT",
            "githubPat",
            "jwt",
            "bearerToken",
            "sentryDsn",
            "DSN",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in ["path", "patch", "compat", "spatial"] {
            assert!(!is_secret_key(k), "{k}");
        }
        let shown = |s: &str| mask_ranges(s, &inline_secrets(s));
        assert_eq!(
            shown("https://ghp_abc@github.com/x.git"),
            "https://***@github.com/x.git"
        );
        assert_eq!(
            shown("https://h/x?pass=A&pwd=B&session=C&jwt=D&mode=1"),
            "https://h/x?pass=***&pwd=***&session=***&jwt=***&mode=1"
        );
        assert_eq!(
            shown("https://api.telegram.org/bot123456789:AAHfx0123456789abcdefghijklmnopq/getMe"),
            "https://api.telegram.org/bot***/getMe"
        );
        assert_eq!(
            shown("a://u:p1@h and b://v:p2@h"),
            "a://u:***@h and b://v:***@h"
        );
        assert_eq!(
            shown("Authorization: Bearer abc.def"),
            "Authorization: Bearer ***"
        );
        let args: Vec<String> = ["node", "gw", "--token", "T0K", "--api-key=K", "--port", "1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            mask_command(&args),
            "node gw --token *** --api-key=*** --port 1"
        );
    }

    #[test]
    fn args_after_a_secret_flag_are_secret() {
        let text = r#"{cmd: {args: ["--token", "T0K", "--port", "1"]}}"#;
        let node = crate::load::json5::parse(text, crate::source::FileId(0)).unwrap();
        let got: Vec<&str> = secret_ranges(&node, text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(got, vec!["T0K"]);
    }

    #[test]
    fn lexical_masking_of_broken_files() {
        let text = "{\n  channels: { telegram: { botToken: \"T0K\", x: 'y' } },\n  auth: { mode: open, },\n  \\u0061pikey: bare,\n  url: \"wss://u:PW@h\",\n  args: ['--password', 'P2'],\n  z: \"unterminated secret=S3\n}";
        let got: Vec<&str> = lexical_secret_ranges(text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(got, vec!["T0K", "open", "bare", "PW", "P2", "S3"]);
        let text = "{ a: 1, // botToken: 'old', see also --password P3\n b: 2 /* apiKey: k */ }";
        let got: Vec<&str> = comment_secret_ranges(text)
            .into_iter()
            .map(|r| &text[r])
            .collect();
        assert_eq!(got, vec!["old", "P3", "k"]);
        let env = "TOKEN=\"abc\nNEXT_TOKEN=def\nURL=http://u:pw@h\n";
        let mut ranges = env_line_secret_ranges(env);
        ranges.sort_by_key(|r| (r.start, r.end));
        ranges.dedup();
        let got: Vec<&str> = ranges.into_iter().map(|r| &env[r]).collect();
        assert_eq!(got, vec!["\"abc", "def", "pw"]);
    }

    #[test]
    fn hashes_compare_within_a_run() {
        assert_eq!(hash_secret("a"), hash_secret("a"));
        assert_ne!(hash_secret("a"), hash_secret("b"));
    }
}
