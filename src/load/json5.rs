//! JSON5 with byte spans: `json5` decides validity, `jsonc-parser` gives the spans.
//!
//! why: OpenClaw parses configs with npm `json5` 2.2.3 (`src/utils/parse-json-compat.ts`
//! `parseJsonWithJson5Fallback`). The `json5` crate accepts exactly that language
//! (111/111 on json5-tests, research/crates.md §1.3) but has no spans; `jsonc-parser`
//! has spans but is looser, keeps the first duplicate key and rejects a BOM. So the
//! gate runs first and the tree is built from the span parser, last key winning.

use crate::source::{FileId, Span};
use jsonc_parser::ast;
use jsonc_parser::common::Ranged;

/// Deeper nesting than this is refused before either parser recurses into it.
pub const MAX_DEPTH: usize = 256;

/// A JSON5 value with the span that authored it.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Where the value was written (after `$include`, the included file).
    pub span: Span,
    /// `${VAR}` references in this string, filled in by substitution.
    pub vars: Vec<VarUse>,
}

/// One `${NAME}` inside a string value.
#[derive(Debug, Clone, PartialEq)]
pub struct VarUse {
    pub name: String,
    /// false when the variable was missing or empty, so the literal `${NAME}` stayed.
    pub resolved: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// JSON5 numbers are JavaScript numbers (hex, `Infinity`, `NaN` included).
    Number(f64),
    String(String),
    Array(Vec<Node>),
    Object(Vec<Entry>),
}

/// One key of an object. Duplicate keys are already collapsed: the last value wins
/// and keeps the first key's position, as in a JavaScript object.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: String,
    pub key_span: Span,
    pub node: Node,
}

impl Node {
    pub fn new(value: Value, span: Span) -> Node {
        Node {
            value,
            span,
            vars: Vec::new(),
        }
    }

    pub fn as_object(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Object(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.value {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// The entry for `key` in an object.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_object()?.iter().find(|e| e.key == key)
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.node)
    }

    /// Follows a dotted path of object keys.
    pub fn path(&self, path: &[&str]) -> Option<&Entry> {
        let (last, parents) = path.split_last()?;
        let mut node = self;
        for key in parents {
            node = node.get(key)?;
        }
        node.entry(last)
    }

    /// JavaScript `typeof`, for messages that quote OpenClaw's.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null | Value::Array(_) | Value::Object(_) => "object",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
        }
    }

    /// The names of `${VAR}` references that stayed unresolved in this string.
    pub fn missing_vars(&self) -> impl Iterator<Item = &str> {
        self.vars
            .iter()
            .filter(|v| !v.resolved)
            .map(|v| v.name.as_str())
    }
}

/// Why a file is not valid JSON5, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message: String,
    /// Byte offset into the file's text.
    pub offset: usize,
}

/// Parses a whole file. `file` is only used to stamp spans.
pub fn parse(text: &str, file: FileId) -> Result<Node, SyntaxError> {
    if let Some(offset) = too_deep(text) {
        return Err(SyntaxError {
            message: format!("nesting deeper than {MAX_DEPTH} levels"),
            offset,
        });
    }
    // why: npm json5 keeps a lone surrogate escape (`"\uD800"`) as a UTF-16 code
    // unit; Rust strings cannot hold one, so both parsers see `\uFFFD` instead,
    // at the same length, so every offset stays where it was.
    let lone = replace_lone_surrogates(text);
    let text = lone.as_deref().unwrap_or(text);
    if let Err(e) = json5::from_str::<serde::de::IgnoredAny>(text) {
        return Err(gate_error(text, &e));
    }
    // why: npm json5 skips a leading U+FEFF as whitespace; jsonc-parser rejects it.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let options = jsonc_parser::ParseOptions {
        allow_missing_commas: false,
        ..Default::default()
    };
    let collect = jsonc_parser::CollectOptions::default();
    match jsonc_parser::parse_to_ast(&text[bom..], &collect, &options) {
        Ok(result) => match result.value {
            Some(v) => Ok(convert(&v, file, bom)),
            None => Err(SyntaxError {
                message: "invalid end of input".into(),
                offset: text.len(),
            }),
        },
        // The gate accepted what the span parser cannot read (an escaped identifier
        // key such as `{\u0061b: 1}`): keep the values, with the whole file as span.
        Err(_) => match json5::from_str::<serde_json::Value>(text) {
            Ok(v) => Ok(from_serde(&v, Span::new(file, 0..text.len()))),
            Err(e) => Err(gate_error(text, &e)),
        },
    }
}

fn gate_error(text: &str, e: &json5::Error) -> SyntaxError {
    let full = e.to_string();
    // A file that ends too early is reported where it ends, not where the
    // unfinished value began.
    let offset = if full.starts_with("EOF") {
        text.trim_end().len()
    } else {
        e.position()
            .map(|p| offset_of(text, p.line, p.column))
            .unwrap_or(text.len())
    };
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full,
    };
    SyntaxError { message, offset }
}

/// `text` with every `\uD800`..`\uDFFF` escape that is not half of a valid pair
/// written as `\uFFFD`, or `None` when there is none. Only escapes inside
/// strings count; a `\\` before `u` is a literal backslash.
fn replace_lone_surrogates(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let unit = |i: usize| -> Option<u16> {
        if b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u') {
            let hex = text.get(i + 2..i + 6)?;
            u16::from_str_radix(hex, 16).ok()
        } else {
            None
        }
    };
    let mut lone: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' {
            match unit(i) {
                Some(0xD800..=0xDBFF) => match unit(i + 6) {
                    Some(0xDC00..=0xDFFF) => i += 12,
                    _ => {
                        lone.push(i);
                        i += 6;
                    }
                },
                Some(0xDC00..=0xDFFF) => {
                    lone.push(i);
                    i += 6;
                }
                _ => i += 2,
            }
        } else {
            i += 1;
        }
    }
    if lone.is_empty() {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    for at in lone {
        out[at + 2..at + 6].copy_from_slice(b"FFFD");
    }
    String::from_utf8(out).ok()
}

/// Byte offset of a 0-based JSON5 line and character column.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut cur_line = 0;
    let mut chars = text.char_indices().peekable();
    let mut line_start = 0;
    while cur_line < line {
        match chars.next() {
            Some((i, c)) if matches!(c, '\n' | '\u{2028}' | '\u{2029}') => {
                cur_line += 1;
                line_start = i + c.len_utf8();
            }
            Some((i, '\r')) => {
                if matches!(chars.peek(), Some((_, '\n'))) {
                    chars.next();
                    line_start = i + 2;
                } else {
                    line_start = i + 1;
                }
                cur_line += 1;
            }
            Some(_) => {}
            None => return text.len(),
        }
    }
    text[line_start..]
        .char_indices()
        .nth(column)
        .map(|(i, _)| line_start + i)
        .unwrap_or(text.len())
}

/// Offset where nesting first exceeds [`MAX_DEPTH`], skipping strings and comments.
fn too_deep(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' | b'[' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn span(file: FileId, r: jsonc_parser::common::Range, shift: usize) -> Span {
    Span::new(file, r.start + shift..r.end + shift)
}

fn convert(v: &ast::Value, file: FileId, shift: usize) -> Node {
    let sp = span(file, v.range(), shift);
    let value = match v {
        ast::Value::NullKeyword(_) => Value::Null,
        ast::Value::BooleanLit(b) => Value::Bool(b.value),
        ast::Value::NumberLit(n) => Value::Number(parse_number(n.value)),
        ast::Value::StringLit(s) => Value::String(s.value.to_string()),
        ast::Value::Array(a) => {
            Value::Array(a.elements.iter().map(|e| convert(e, file, shift)).collect())
        }
        ast::Value::Object(o) => {
            let mut entries: Vec<Entry> = Vec::with_capacity(o.properties.len());
            let mut index: std::collections::HashMap<String, usize> =
                std::collections::HashMap::with_capacity(o.properties.len());
            for p in &o.properties {
                let (key, key_range) = match &p.name {
                    ast::ObjectPropName::String(s) => (s.value.to_string(), s.range),
                    ast::ObjectPropName::Word(w) => (w.value.to_string(), w.range),
                };
                let entry = Entry {
                    key,
                    key_span: span(file, key_range, shift),
                    node: convert(&p.value, file, shift),
                };
                // why: npm json5 assigns duplicate keys in order, so the last value
                // wins while the key keeps its first position.
                match index.get(&entry.key) {
                    Some(&at) => entries[at] = entry,
                    None => {
                        index.insert(entry.key.clone(), entries.len());
                        entries.push(entry);
                    }
                }
            }
            Value::Object(entries)
        }
    };
    Node::new(value, sp)
}

fn from_serde(v: &serde_json::Value, sp: Span) -> Node {
    let value = match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(a) => Value::Array(a.iter().map(|e| from_serde(e, sp)).collect()),
        serde_json::Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| Entry {
                    key: k.clone(),
                    key_span: sp,
                    node: from_serde(v, sp),
                })
                .collect(),
        ),
    };
    Node::new(value, sp)
}

/// A JSON5 number literal (already validated) as a JavaScript number.
pub fn parse_number(raw: &str) -> f64 {
    let (sign, digits) = match raw.as_bytes().first() {
        Some(b'-') => (-1.0, &raw[1..]),
        Some(b'+') => (1.0, &raw[1..]),
        _ => (1.0, raw),
    };
    let magnitude = if let Some(hex) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        hex.chars()
            .filter_map(|c| c.to_digit(16))
            .fold(0.0, |acc, d| acc * 16.0 + d as f64)
    } else if digits == "Infinity" {
        f64::INFINITY
    } else if digits == "NaN" {
        f64::NAN
    } else {
        digits.parse::<f64>().unwrap_or(f64::NAN)
    };
    sign * magnitude
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Node, SyntaxError> {
        parse(text, FileId(0))
    }

    #[test]
    fn numbers_follow_json5() {
        // why: the fidelity hosts write ports as hex, `+N`, `1.95e4` and `N.0`.
        for (raw, want) in [
            ("0x4E30", 20016.0),
            ("+23292", 23292.0),
            ("6.5534e4", 65534.0),
            ("33748.0", 33748.0),
            ("-0x10", -16.0),
            (".5", 0.5),
            ("5.", 5.0),
        ] {
            assert_eq!(parse_number(raw), want, "{raw}");
        }
        assert!(parse_number("NaN").is_nan());
        assert_eq!(parse_number("-Infinity"), f64::NEG_INFINITY);
    }

    #[test]
    fn last_duplicate_key_wins_with_its_span() {
        let text = "{gateway: {port: 7180, port: 30726}}";
        let node = p(text).unwrap();
        let port = node.path(&["gateway", "port"]).unwrap();
        assert_eq!(port.node.as_f64(), Some(30726.0));
        assert_eq!(&text[port.node.span.range()], "30726");
        assert_eq!(node.get("gateway").unwrap().as_object().unwrap().len(), 1);
    }

    #[test]
    fn bom_is_skipped_and_spans_stay_in_bytes() {
        let text = "\u{feff}{a: 'x'}";
        let node = p(text).unwrap();
        let a = node.entry("a").unwrap();
        assert_eq!(&text[a.key_span.range()], "a");
        assert_eq!(&text[a.node.span.range()], "'x'");
    }

    #[test]
    fn gate_rejects_what_openclaw_rejects() {
        // jsonc-parser alone would accept all of these.
        for bad in ["{a:1 b:2}", "{1: 2}", "{ multi-word: 1 }", "[1 2]"] {
            assert!(p(bad).is_err(), "{bad}");
        }
        let err = p("{\n  a: 1,\n  b: ,\n}").unwrap_err();
        assert_eq!(err.offset, "{\n  a: 1,\n  b: ".len());
    }

    #[test]
    fn gate_accepts_what_span_parser_cannot() {
        let node = p(r"{\u0061b: 1}").unwrap();
        assert_eq!(node.get("ab").and_then(Node::as_f64), Some(1.0));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000) + &"]".repeat(100_000);
        let err = p(&text).unwrap_err();
        assert!(err.message.contains("nesting deeper"));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(p(&ok).is_ok());
    }
}
