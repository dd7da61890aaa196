//! Variable interpolation exactly as the compose specification defines it
//! (`interpolation.md` of compose-spec; compose-go's `template` package):
//! `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
//! `${VAR?error}`, `${VAR:+replacement}`, `${VAR+replacement}`, with defaults and
//! replacements interpolated in turn (nested), and bounded: at most
//! [`MAX_NESTING`] levels of `${` and [`MAX_LEN`] bytes of output.

pub const MAX_NESTING: usize = 32;
pub const MAX_LEN: usize = 1 << 20;

/// What interpolating one string gave.
#[derive(Debug, Default, PartialEq)]
pub struct Interpolated {
    pub text: String,
    /// Variables used without a value and without a default (compose warns and
    /// uses the empty string).
    pub unset: Vec<String>,
}

/// Interpolates `s` with `lookup`.
pub fn interpolate(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Interpolated, String> {
    let mut out = Interpolated::default();
    run(s, lookup, 0, &mut out)?;
    Ok(out)
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The index of the `}` closing a `${` whose body starts at `from`.
fn closing(s: &[u8], from: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = from;
    while i < s.len() {
        match s[i] {
            b'$' if s.get(i + 1) == Some(&b'$') => i += 1,
            b'$' if s.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth == 0 => return Some(i),
            b'}' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

fn run(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    depth: usize,
    out: &mut Interpolated,
) -> Result<(), String> {
    if depth > MAX_NESTING {
        return Err(format!("more than {MAX_NESTING} nested `${{`"));
    }
    let b = s.as_bytes();
    let mut i = 0;
    let mut lit = 0;
    while i < b.len() {
        if b[i] != b'$' {
            i += 1;
            continue;
        }
        out.text.push_str(&s[lit..i]);
        match b.get(i + 1) {
            Some(b'$') => {
                out.text.push('$');
                i += 2;
            }
            Some(&c) if is_name_start(c) => {
                let mut j = i + 1;
                while j < b.len() && is_name(b[j]) {
                    j += 1;
                }
                value(&s[i + 1..j], lookup, out);
                i = j;
            }
            Some(b'{') => {
                let end = closing(b, i + 2).ok_or_else(|| {
                    format!("invalid interpolation format: `{}` is not closed", &s[i..])
                })?;
                braced(&s[i + 2..end], lookup, depth, out)?;
                i = end + 1;
            }
            _ => {
                return Err(format!(
                    "invalid interpolation format: a `$` must start `$VAR`, `${{VAR}}` or `$$` in `{s}`"
                ));
            }
        }
        lit = i;
        if out.text.len() > MAX_LEN {
            return Err(format!("interpolation gives more than {MAX_LEN} bytes"));
        }
    }
    out.text.push_str(&s[lit..]);
    if out.text.len() > MAX_LEN {
        return Err(format!("interpolation gives more than {MAX_LEN} bytes"));
    }
    Ok(())
}

fn value(name: &str, lookup: &dyn Fn(&str) -> Option<String>, out: &mut Interpolated) {
    match lookup(name) {
        Some(v) => out.text.push_str(&v),
        None => {
            if !out.unset.iter().any(|u| u == name) {
                out.unset.push(name.to_string());
            }
        }
    }
}

fn braced(
    body: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    depth: usize,
    out: &mut Interpolated,
) -> Result<(), String> {
    let b = body.as_bytes();
    if b.is_empty() || !is_name_start(b[0]) {
        return Err(format!("invalid interpolation format: `${{{body}}}`"));
    }
    let mut n = 1;
    while n < b.len() && is_name(b[n]) {
        n += 1;
    }
    let name = &body[..n];
    let rest = &body[n..];
    if rest.is_empty() {
        value(name, lookup, out);
        return Ok(());
    }
    let current = lookup(name);
    let (colon, r) = match rest.strip_prefix(':') {
        Some(r) => (true, r),
        None => (false, rest),
    };
    // The operator is one ASCII byte; anything else is not a form the spec has.
    let op = r.as_bytes().first().copied();
    let arg = match op {
        Some(b'-' | b'+' | b'?') => &r[1..],
        _ => return Err(format!("invalid interpolation format: `${{{body}}}`")),
    };
    // `:` tests "unset or empty", without it only "unset".
    let present = match &current {
        Some(v) => !colon || !v.is_empty(),
        None => false,
    };
    match op {
        Some(b'-') => {
            if present {
                out.text.push_str(current.as_deref().unwrap_or(""));
            } else {
                run(arg, lookup, depth + 1, out)?;
            }
        }
        Some(b'+') => {
            if present {
                run(arg, lookup, depth + 1, out)?;
            }
        }
        Some(b'?') => {
            if present {
                out.text.push_str(current.as_deref().unwrap_or(""));
            } else {
                let mut msg = Interpolated::default();
                run(arg, lookup, depth + 1, &mut msg)?;
                let why = if msg.text.is_empty() {
                    String::new()
                } else {
                    format!(": {}", msg.text)
                };
                return Err(format!(
                    "required variable `{name}` is missing a value{why}"
                ));
            }
        }
        _ => return Err(format!("invalid interpolation format: `${{{body}}}`")),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &[(&str, &str)], s: &str) -> Result<String, String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        interpolate(s, &lookup).map(|i| i.text)
    }

    #[test]
    fn the_compose_spec_forms() {
        let v = [("SET", "x"), ("EMPTY", "")];
        assert_eq!(with(&v, "$SET-${SET}").unwrap(), "x-x");
        assert_eq!(
            with(&v, "${UNSET:-d} ${EMPTY:-d} ${EMPTY-d}").unwrap(),
            "d d "
        );
        assert_eq!(with(&v, "${UNSET-d} ${SET-d}").unwrap(), "d x");
        assert_eq!(
            with(&v, "${SET:+r} ${EMPTY:+r} ${EMPTY+r} ${UNSET+r}").unwrap(),
            "r  r "
        );
        assert_eq!(with(&v, "$$SET $${SET}").unwrap(), "$SET ${SET}");
        assert_eq!(with(&v, "${UNSET:-${SET}/y}").unwrap(), "x/y");
        assert_eq!(with(&v, "${UNSET:-${ALSO:-deep}}").unwrap(), "deep");
        assert!(
            with(&v, "${UNSET:?must be set}")
                .unwrap_err()
                .contains("must be set")
        );
        assert!(with(&v, "${EMPTY?x}").is_ok());
        assert!(with(&v, "${EMPTY:?x}").is_err());
        assert!(with(&v, "${SET").is_err());
        assert!(with(&v, "a $ b").is_err());
        assert!(
            with(&v, "${SET€x}").is_err(),
            "no panic on a multibyte operator"
        );
        assert!(with(&v, "${SET:€x}").is_err());
        assert_eq!(
            with(&v, "127.0.0.1:${PORT:-18791}:18789").unwrap(),
            "127.0.0.1:18791:18789"
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let s = format!("{}x{}", "${A:-".repeat(50_000), "}".repeat(50_000));
        let t = std::time::Instant::now();
        assert!(with(&[], &s).unwrap_err().contains("nested"));
        assert!(t.elapsed().as_secs() < 5);
    }
}
