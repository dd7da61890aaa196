//! The environment an instance runs with, each variable with its origin, and
//! `.env` files read with npm `dotenv` 17.4.2 semantics.

use crate::provenance::Origin;
use crate::source::{FileId, Span};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// One environment variable and where its value came from.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvVar {
    pub value: String,
    pub origin: Origin,
}

/// An instance's environment. Ordered so that anything printed from it is stable.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Env {
    vars: BTreeMap<String, EnvVar>,
}

impl Env {
    pub fn new() -> Env {
        Env::default()
    }

    pub fn get(&self, key: &str) -> Option<&EnvVar> {
        self.vars.get(key)
    }

    /// The value, if set to something other than blanks (OpenClaw trims and
    /// treats a blank variable as unset almost everywhere).
    pub fn non_blank(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(|v| v.value.trim())
            .filter(|v| !v.is_empty())
    }

    pub fn set(&mut self, key: &str, value: impl Into<String>, origin: Origin) {
        self.vars.insert(
            key.to_string(),
            EnvVar {
                value: value.into(),
                origin,
            },
        );
    }

    pub fn remove(&mut self, key: &str) {
        self.vars.remove(key);
    }

    /// Sets a variable unless it is already present.
    ///
    /// why: `src/infra/dotenv-global.ts` `loadParsedDotEnvFiles` skips every key
    /// that is already in the process environment, whatever its value.
    pub fn set_if_absent(&mut self, key: &str, value: &str, origin: Origin) -> bool {
        if self.vars.contains_key(key) {
            return false;
        }
        self.set(key, value, origin);
        true
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &EnvVar)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v))
    }
}

/// One `KEY=value` line of a `.env` file.
#[derive(Debug, Clone, PartialEq)]
pub struct DotenvEntry {
    pub key: String,
    pub value: String,
    /// From the key to the end of the value, in the original text.
    pub span: Span,
    /// The value as written (quotes included), in the original text.
    pub value_span: Span,
}

// why: the `LINE` regex of dotenv 17.4.2 `lib/main.js`, with JavaScript's `\s` and
// `\w` spelled out (Rust's are Unicode-wide and differ: `\s` misses U+FEFF).
const JS_SPACE: &str = r"\t\n\x0B\x0C\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";

static LINE: LazyLock<Regex> = LazyLock::new(|| {
    let s = format!("[{JS_SPACE}]");
    let pattern = format!(
        r#"(?m)^{s}*(?:export{s}+)?([A-Za-z0-9_.-]+)(?:{s}*={s}*?|:{s}+?)({s}*'(?:\\'|[^'])*'|{s}*"(?:\\"|[^"])*"|{s}*`(?:\\`|[^`])*`|[^#\r\n]+)?{s}*(?:#.*)?$"#
    );
    Regex::new(&pattern).expect("dotenv LINE regex")
});

fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{B}' | '\u{C}' | '\r' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

/// `PORTABLE_ENV_VAR_KEY`: the variable names OpenClaw keeps from `.env` files
/// and the config `env` block.
pub fn is_portable_key(key: &str) -> bool {
    // why: `src/infra/host-env-security.ts` `PORTABLE_ENV_VAR_KEY`.
    let mut chars = key.chars();
    matches!(chars.next(), Some('A'..='Z' | 'a'..='z' | '_'))
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Parses a `.env` file like dotenv's `parse`: no expansion, last duplicate wins,
/// `\n`/`\r` escapes only inside double quotes. Keys OpenClaw would drop
/// (`normalizeEnvVarKey(.., {portable: true})`) are dropped here too.
pub fn parse_dotenv(text: &str, file: FileId) -> Vec<DotenvEntry> {
    // dotenv first folds `\r\n?` into `\n`; remember where bytes went missing so
    // spans point into the original text.
    let mut normalized = String::with_capacity(text.len());
    let mut removed: Vec<usize> = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c == '\r' {
            normalized.push('\n');
            if let Some((_, '\n')) = chars.peek() {
                chars.next();
                removed.push(normalized.len());
            }
        } else {
            normalized.push(c);
        }
    }
    let original = |i: usize| i + removed.partition_point(|&r| r <= i);

    let mut out: Vec<DotenvEntry> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for caps in LINE.captures_iter(&normalized) {
        let key = caps.get(1).expect("key group");
        let raw = caps.get(2).map(|m| m.as_str()).unwrap_or("");
        let value = unquote(raw);
        let value_range = caps
            .get(2)
            .map(|m| m.start()..m.end())
            .unwrap_or(key.end()..key.end());
        let end = value_range.end;
        if !is_portable_key(key.as_str()) {
            continue;
        }
        let entry = DotenvEntry {
            key: key.as_str().to_string(),
            value,
            span: Span::new(file, original(key.start())..original(end)),
            value_span: Span::new(file, original(value_range.start)..original(value_range.end)),
        };
        match index.get(&entry.key) {
            Some(&at) => out[at] = entry,
            None => {
                index.insert(entry.key.clone(), out.len());
                out.push(entry);
            }
        }
    }
    out
}

/// dotenv's value clean-up: trim, strip one pair of surrounding quotes, and expand
/// `\n`/`\r` when the value was double quoted.
fn unquote(raw: &str) -> String {
    let value = raw.trim_matches(is_js_space);
    let Some(q) = value
        .chars()
        .next()
        .filter(|c| matches!(c, '\'' | '"' | '`'))
    else {
        return value.to_string();
    };
    // `value.replace(/^(['"`])([\s\S]*)\1$/mg, '$2')`: the greedy body ends at the
    // last matching quote that sits at the end of a line.
    let bytes = value.as_bytes();
    let close = (1..bytes.len()).rev().find(|&i| {
        bytes[i] == q as u8 && (i + 1 == bytes.len() || matches!(bytes[i + 1], b'\n' | b'\r'))
    });
    let mut out = match close {
        Some(i) => format!("{}{}", &value[1..i], &value[i + 1..]),
        None => value.to_string(),
    };
    if q == '"' {
        out = out.replace("\\n", "\n").replace("\\r", "\r");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<(String, String)> {
        parse_dotenv(text, FileId(0))
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn forms_seen_in_openclaw_state_env_files() {
        // why: every form the fidelity hosts use (`../shared/fidelity/*/home/*/.env`),
        // with dotenv 17.4.2's own result.
        let text = "# local overrides\n\
            OPENCLAW_GATEWAY_PORT='65535'  # gateway port\n\
            export CDP_PORT=\"9333\"\n\
            B=127.0.0.1:63646  # gateway port\n\
            C: colon form\n\
            D=\n\
            E=\"a\\nb\"\n\
            F='a\\nb'\n\
            G=$A-x\n\
            H=x#not a comment\n\
            bad.key=1\n";
        assert_eq!(
            parse(text),
            pairs(&[
                ("OPENCLAW_GATEWAY_PORT", "65535"),
                ("CDP_PORT", "9333"),
                ("B", "127.0.0.1:63646"),
                ("C", "colon form"),
                ("D", ""),
                ("E", "a\nb"),
                ("F", "a\\nb"),
                ("G", "$A-x"),
                ("H", "x"),
            ])
        );
    }

    #[test]
    fn last_duplicate_wins_and_crlf_is_folded() {
        let text = "P=13178\r\nP=020789\r\nQ=1\r\n";
        assert_eq!(parse(text), pairs(&[("P", "020789"), ("Q", "1")]));
        let entries = parse_dotenv(text, FileId(0));
        assert_eq!(&text[entries[0].span.range()], "P=020789");
        assert_eq!(&text[entries[1].span.range()], "Q=1");
    }

    #[test]
    fn unterminated_quote_is_kept_verbatim() {
        assert_eq!(parse("A='abc\nB=2\n"), pairs(&[("A", "'abc"), ("B", "2")]));
        assert_eq!(parse("A=\"x\" y\n"), pairs(&[("A", "\"x\" y")]));
    }

    #[test]
    fn env_never_overrides_a_present_variable() {
        let mut env = Env::new();
        env.set("A", "1", Origin::ProcessEnv("A".into()));
        assert!(!env.set_if_absent("A", "2", Origin::Default("x".into())));
        assert!(env.set_if_absent("B", "2", Origin::Default("x".into())));
        assert_eq!(env.get("A").unwrap().value, "1");
    }

    #[test]
    fn matches_npm_dotenv_on_tricky_input() {
        // why: the expected pairs are what dotenv 17.4.2 `parse` (OpenClaw's own
        // dependency) returned for this exact text, minus the keys OpenClaw drops
        // (`P.Q`, `R-S`: not portable).
        let text = "A=1\nB = spaced value  \nC=\"double # not comment\"\nD='single # not comment'\nE=unquoted # comment\nF=`back tick`\nG=\"multi\nline\"\nH=\nI\nJ:colon\nK: colon2\nexport L=exported\nM=\"escaped \\\" quote\"\nN='it''s'\nO=a=b=c\nP.Q=dotted\nR-S=dashed\n  T=indented\nU=#hash\nV=\"a\\nb\\rc\"\nW=   \"  inner space  \"   \nX=\"unterminated\nY=after\nZ=ends with quote\"\nAA='x' trailing\nBB=é unicode\nCC=$HOME/x\nDD=${A}\nEE\t=tab\nFF=value\t# tab comment\n";
        let want: &[(&str, &str)] = &[
            ("A", "1"),
            ("B", "spaced value"),
            ("C", "double # not comment"),
            ("D", "single # not comment"),
            ("E", "unquoted"),
            ("F", "back tick"),
            ("G", "multi\nline"),
            ("H", ""),
            ("K", "colon2"),
            ("L", "exported"),
            ("M", "escaped \\\" quote"),
            ("N", "it''s"),
            ("O", "a=b=c"),
            ("T", "indented"),
            ("U", ""),
            ("V", "a\nb\rc"),
            ("W", "  inner space  "),
            ("X", "unterminated\nY=after\nZ=ends with quote"),
            ("AA", "'x' trailing"),
            ("BB", "é unicode"),
            ("CC", "$HOME/x"),
            ("DD", "${A}"),
            ("EE", "tab"),
            ("FF", "value"),
        ];
        assert_eq!(parse(text), pairs(want));
    }
}
