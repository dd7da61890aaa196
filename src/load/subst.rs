//! `${VAR}` substitution in config string values.
//!
//! why: `src/config/env-substitution.ts` `substituteString`: only `${NAME}` with NAME
//! matching `^[A-Z_][A-Z0-9_]*$` is a reference; `$${NAME}` is the escape for a
//! literal `${NAME}`; a missing or empty variable is reported by the config loader's
//! `onMissing` and the literal `${NAME}` is kept. Keys are never substituted.

use super::env::Env;
use super::json5::{Node, Value, VarUse};

/// The most bytes substitution may add to one config's strings together.
///
/// OpenClaw has no cap (a 1 MB variable used 10,000 times makes 10 GB); past
/// this budget references are left as written and [`substitute`] says so.
pub const MAX_SUBSTITUTED_BYTES: usize = 16 * 1024 * 1024;

/// Substitutes every string value of the tree in place. Returns false when the
/// output budget ran out (the remaining references were left as written).
pub fn substitute(node: &mut Node, env: &Env) -> bool {
    let mut budget = MAX_SUBSTITUTED_BYTES;
    let mut complete = true;
    // An explicit stack: include merging can build trees deeper than one file.
    let mut stack: Vec<&mut Node> = vec![node];
    while let Some(node) = stack.pop() {
        match &mut node.value {
            Value::String(s) if s.contains('$') => {
                let (out, vars) = substitute_str(s, |name| {
                    env.get(name)
                        .map(|v| v.value.as_str())
                        .filter(|v| !v.is_empty())
                        .filter(|v| {
                            if v.len() <= budget {
                                budget -= v.len();
                                true
                            } else {
                                complete = false;
                                false
                            }
                        })
                });
                *s = out;
                node.vars = vars;
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(entries) => stack.extend(entries.iter_mut().map(|e| &mut e.node)),
            _ => {}
        }
    }
    complete
}

enum Token<'a> {
    Escaped(&'a str, usize),
    Reference(&'a str, usize),
}

fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('A'..='Z' | '_'))
        && chars.all(|c| matches!(c, 'A'..='Z' | '0'..='9' | '_'))
}

/// `parseEnvTokenAt`: the token starting at byte `i` (which holds `$`), and the
/// byte index of its closing `}`.
fn token_at(s: &str, i: usize) -> Option<Token<'_>> {
    let rest = &s.as_bytes()[i..];
    let name_at = |start: usize| -> Option<(&str, usize)> {
        let end = start + s[start..].find('}')?;
        let name = &s[start..end];
        is_var_name(name).then_some((name, end))
    };
    if rest.get(1) == Some(&b'$')
        && rest.get(2) == Some(&b'{')
        && let Some((name, end)) = name_at(i + 3)
    {
        return Some(Token::Escaped(name, end));
    }
    if rest.get(1) == Some(&b'{')
        && let Some((name, end)) = name_at(i + 2)
    {
        return Some(Token::Reference(name, end));
    }
    None
}

/// `containsEnvVarReference`: an unescaped `${NAME}` anywhere in `s`.
pub fn contains_reference(s: &str) -> bool {
    let mut i = 0;
    while let Some(off) = s[i..].find('$') {
        let at = i + off;
        match token_at(s, at) {
            Some(Token::Reference(..)) => return true,
            Some(Token::Escaped(_, end)) => i = end + 1,
            None => i = at + 1,
        }
    }
    false
}

/// Substitutes one string; `lookup` returns a non-empty value or `None`.
pub fn substitute_str<'e>(
    s: &str,
    mut lookup: impl FnMut(&str) -> Option<&'e str>,
) -> (String, Vec<VarUse>) {
    let mut out = String::with_capacity(s.len());
    let mut vars = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i..].chars().next().unwrap_or('\0');
        if c != '$' {
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        match token_at(s, i) {
            Some(Token::Escaped(name, end)) => {
                out.push_str("${");
                out.push_str(name);
                out.push('}');
                i = end + 1;
            }
            Some(Token::Reference(name, end)) => {
                let value = lookup(name);
                match value {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&s[i..=end]),
                }
                vars.push(VarUse {
                    name: name.to_string(),
                    resolved: value.is_some(),
                });
                i = end + 1;
            }
            None => {
                out.push('$');
                i += 1;
            }
        }
    }
    (out, vars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(s: &str) -> String {
        substitute_str(s, |n| match n {
            "PORT" => Some("19700"),
            "A" => Some("x"),
            _ => None,
        })
        .0
    }

    #[test]
    fn syntax_and_escapes_match_openclaw() {
        // why: the cases of openclaw-semantics.md §6.3, from env-substitution.ts.
        for (input, want) in [
            ("${PORT}", "19700"),
            ("http://h:${PORT}/", "http://h:19700/"),
            ("$${PORT}", "${PORT}"),
            ("$$${PORT}", "$${PORT}"),
            ("\\${PORT}", "\\19700"),
            ("${lower}", "${lower}"),
            ("${ PORT }", "${ PORT }"),
            ("${PORT", "${PORT"),
            ("$PORT", "$PORT"),
            ("${1X}", "${1X}"),
            ("${MISSING}", "${MISSING}"),
            ("${A}${A}", "xx"),
            ("é${A}é", "éxé"),
        ] {
            assert_eq!(sub(input), want, "{input}");
        }
    }

    #[test]
    fn missing_references_are_recorded() {
        let (_, vars) = substitute_str("${A}-${NOPE}", |n| (n == "A").then_some("x"));
        assert_eq!(vars.len(), 2);
        assert!(vars[0].resolved);
        assert!(!vars[1].resolved);
        assert_eq!(vars[1].name, "NOPE");
    }
}
