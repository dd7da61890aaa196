//! systemd unit files, read with systemd's own syntax (systemd.syntax(7),
//! systemd.service(5), systemd.exec(5)), every value with its byte span.
//!
//! No crate parses units with spans and with systemd's exact rules (continuations
//! that skip comment lines, C-style unquoting of `ExecStart=` and `Environment=`
//! words, specifiers, `$VAR` splitting), so this is written here; the tables in
//! the tests are systemd.syntax(7)'s and systemd.service(5)'s own examples.

use crate::source::{FileId, Span};

/// One `Key=Value` assignment of a unit file.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub section: String,
    pub key: String,
    /// The value after continuation lines are joined (each `\`+newline is a space).
    pub value: String,
    /// `value[i]` came from byte `offsets[i]` of the file.
    offsets: Vec<u32>,
    pub file: FileId,
}

impl Assignment {
    /// The span of `value[range]` in the file.
    pub fn span_of(&self, range: std::ops::Range<usize>) -> Span {
        let start = self.offsets.get(range.start).copied().unwrap_or(0);
        let end = match range.end.checked_sub(1).and_then(|i| self.offsets.get(i)) {
            Some(&last) if range.end > range.start => last + 1,
            _ => start,
        };
        Span {
            file: self.file,
            start,
            end: end.max(start),
        }
    }

    /// The span of the whole value.
    pub fn span(&self) -> Span {
        self.span_of(0..self.value.len())
    }
}

/// Every assignment of a unit file, in order.
///
/// why: systemd.syntax(7): `#` and `;` start comment lines; a line ending in `\`
/// continues on the next (the backslash becomes a space) and comment lines inside
/// a continuation are skipped; whitespace around `=` and at the ends is dropped.
pub fn parse(text: &str, file: FileId) -> Vec<Assignment> {
    let mut out = Vec::new();
    let mut section = String::new();
    // The logical line being continued: its text and byte origins.
    let mut pending: Option<(String, Vec<u32>)> = None;
    let mut offset = 0usize;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        let lead = line.len() - trimmed.len();
        if pending.is_none() {
            if trimmed.is_empty() || trimmed.starts_with(['#', ';']) {
                continue;
            }
            if let Some(name) = trimmed.strip_prefix('[') {
                section = name.trim_end().trim_end_matches(']').to_string();
                continue;
            }
        } else if trimmed.starts_with(['#', ';']) {
            continue;
        }
        let (buf, offs) = pending.get_or_insert_with(|| (String::new(), Vec::new()));
        let content_start = if buf.is_empty() { lead } else { 0 };
        let content = &line[content_start..];
        let continues = content.ends_with('\\');
        let content = content.strip_suffix('\\').unwrap_or(content);
        for (i, c) in content.char_indices() {
            buf.push(c);
            for k in 0..c.len_utf8() {
                offs.push((line_start + content_start + i + k) as u32);
            }
        }
        if continues {
            buf.push(' ');
            offs.push((line_start + content_start + content.len()) as u32);
            continue;
        }
        let (buf, offs) = pending.take().expect("a pending line");
        let Some(eq) = buf.find('=') else { continue };
        let key = buf[..eq].trim().to_string();
        let rest = &buf[eq + 1..];
        let start = eq + 1 + (rest.len() - rest.trim_start().len());
        let end = buf.trim_end().len().max(start);
        out.push(Assignment {
            section: section.clone(),
            key,
            value: buf[start..end].to_string(),
            offsets: offs[start..end].to_vec(),
            file,
        });
    }
    if let Some((buf, offs)) = pending.take()
        && let Some(eq) = buf.find('=')
    {
        let rest = &buf[eq + 1..];
        let start = eq + 1 + (rest.len() - rest.trim_start().len());
        let end = buf.trim_end().len().max(start);
        out.push(Assignment {
            section,
            key: buf[..eq].trim().to_string(),
            value: buf[start..end].to_string(),
            offsets: offs[start..end].to_vec(),
            file,
        });
    }
    out
}

/// One word of a value after unquoting, and the range of the value it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    pub range: std::ops::Range<usize>,
}

/// Splits a value into words as systemd's `extract_first_word` does with
/// `EXTRACT_UNQUOTE | EXTRACT_CUNESCAPE`: whitespace separates, `"…"` and `'…'`
/// quote, and C escapes are resolved. `None` when a quote is left open (systemd
/// rejects the line).
pub fn words(value: &str) -> Option<Vec<Word>> {
    let mut out = Vec::new();
    let mut chars = value.char_indices().peekable();
    loop {
        while chars.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let Some(&(start, _)) = chars.peek() else {
            return Some(out);
        };
        let mut text = String::new();
        let mut quote: Option<char> = None;
        let mut end = value.len();
        while let Some((i, c)) = chars.next() {
            match (quote, c) {
                (None, c) if c.is_whitespace() => {
                    end = i;
                    break;
                }
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (_, '\\') => {
                    let (_, e) = chars.next()?;
                    unescape(e, &mut chars, &mut text);
                }
                (_, c) => text.push(c),
            }
        }
        if quote.is_some() {
            return None;
        }
        out.push(Word {
            text,
            range: start..end,
        });
    }
}

/// systemd's `cunescape_one`: `\a \b \f \n \r \t \v \\ \" \' \s`, `\xHH`, `\uHHHH`,
/// `\UHHHHHHHH` and three-digit octal.
fn unescape(e: char, chars: &mut std::iter::Peekable<std::str::CharIndices>, out: &mut String) {
    let mut hex = |n: usize, radix: u32| {
        let mut v = 0u32;
        for _ in 0..n {
            match chars.peek().and_then(|(_, c)| c.to_digit(radix)) {
                Some(d) => {
                    v = v * radix + d;
                    chars.next();
                }
                None => break,
            }
        }
        char::from_u32(v)
    };
    let c = match e {
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        's' => Some(' '),
        'x' => hex(2, 16),
        'u' => hex(4, 16),
        'U' => hex(8, 16),
        '0'..='7' => {
            let mut v = e.to_digit(8).unwrap_or(0);
            for _ in 0..2 {
                if let Some(d) = chars.peek().and_then(|(_, c)| c.to_digit(8)) {
                    v = v * 8 + d;
                    chars.next();
                }
            }
            char::from_u32(v)
        }
        other => Some(other),
    };
    out.extend(c);
}

/// What specifiers expand to for one unit (systemd.unit(5) "Specifiers").
#[derive(Debug, Clone, Default)]
pub struct Specifiers {
    /// `%n`: the full unit name (`openclaw-gateway@work.service`).
    pub unit: String,
    /// `%i`: the instance as written (escaped).
    pub instance: String,
    /// `%h`: the user's home.
    pub home: String,
    /// `%u`: the user name.
    pub user: String,
}

impl Specifiers {
    /// Expands `%h`, `%i`, `%I`, `%u`, `%n`, `%N`, `%p`, `%%` (others are left as written).
    pub fn expand(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let stem = self.unit.rsplit_once('.').map_or(&*self.unit, |(a, _)| a);
            match chars.next() {
                Some('%') => out.push('%'),
                Some('h') => out.push_str(&self.home),
                Some('u') => out.push_str(&self.user),
                Some('i') => out.push_str(&self.instance),
                Some('I') => out.push_str(&unescape_instance(&self.instance)),
                Some('n') => out.push_str(&self.unit),
                Some('N') => out.push_str(stem),
                Some('p') => out.push_str(stem.split('@').next().unwrap_or(stem)),
                Some(other) => {
                    out.push('%');
                    out.push(other);
                }
                None => out.push('%'),
            }
        }
        out
    }
}

/// `%I`: `-` is `/`, `\xHH` a byte (systemd-escape(1)).
fn unescape_instance(s: &str) -> String {
    let mut bytes = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'-' => bytes.push(b'/'),
            b'\\' if b.get(i + 1) == Some(&b'x') && i + 3 < b.len() + 1 => {
                match std::str::from_utf8(&b[i + 2..(i + 4).min(b.len())])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(v) => {
                        bytes.push(v);
                        i += 3;
                    }
                    None => bytes.push(b'\\'),
                }
            }
            other => bytes.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// An `ExecStart=` command line: the prefixes dropped, words unquoted and
/// specifiers expanded, each word with its range in the value.
///
/// why: systemd.service(5) "Command lines": the prefixes `@`, `-`, `:`, `+`, `!`,
/// `!!`; with `@` the second word is argv[0] and the first the program.
pub fn exec_words(value: &str, spec: &Specifiers) -> Option<Vec<Word>> {
    let prefix_len = value.len() - value.trim_start_matches(['@', '-', ':', '+', '!']).len();
    let prefix = &value[..prefix_len];
    let mut ws = words(&value[prefix_len..])?;
    for w in &mut ws {
        w.range = w.range.start + prefix_len..w.range.end + prefix_len;
        w.text = spec.expand(&w.text);
    }
    if prefix.contains('@') && ws.len() > 1 {
        ws.remove(1);
    }
    Some(ws)
}

/// `$VAR` and `${VAR}` in a command line, from the unit's environment
/// (systemd.service(5)): `${VAR}` inside a word is replaced, a word that is only
/// `$VAR` splits into the value's words, `$$` is `$`; unset variables are empty.
pub fn expand_env(words: Vec<Word>, lookup: &dyn Fn(&str) -> Option<String>) -> Vec<Word> {
    let mut out = Vec::new();
    for w in words {
        if let Some(name) = w.text.strip_prefix('$')
            && !name.starts_with(['{', '$'])
            && !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            for part in lookup(name).unwrap_or_default().split_whitespace() {
                out.push(Word {
                    text: part.to_string(),
                    range: w.range.clone(),
                });
            }
            continue;
        }
        let mut text = String::new();
        let mut rest = w.text.as_str();
        while let Some(i) = rest.find('$') {
            text.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(a) = after.strip_prefix('$') {
                text.push('$');
                rest = a;
            } else if let Some(inner) = after.strip_prefix('{')
                && let Some(close) = inner.find('}')
            {
                text.push_str(&lookup(&inner[..close]).unwrap_or_default());
                rest = &inner[close + 1..];
            } else {
                text.push('$');
                rest = after;
            }
        }
        text.push_str(rest);
        out.push(Word { text, ..w });
    }
    out
}

/// The `NAME=value` assignments of one `Environment=` value, each with its range.
/// Words that are not assignments with a valid name are ignored, as systemd does.
pub fn environment(
    value: &str,
    spec: &Specifiers,
) -> Vec<(String, String, std::ops::Range<usize>)> {
    let Some(ws) = words(value) else {
        return vec![];
    };
    ws.into_iter()
        .filter_map(|w| {
            let text = spec.expand(&w.text);
            let (k, v) = text.split_once('=')?;
            valid_env_name(k).then(|| (k.to_string(), v.to_string(), w.range))
        })
        .collect()
}

/// systemd's `env_name_is_valid`: the portable shape every loader checks.
fn valid_env_name(k: &str) -> bool {
    crate::load::env::is_portable_key(k)
}

/// One assignment of an `EnvironmentFile=`: key, value, byte range of the line.
#[derive(Debug, Clone, PartialEq)]
pub struct EnvLine {
    pub key: String,
    pub value: String,
    /// `KEY=value` in the file.
    pub range: std::ops::Range<usize>,
    /// The value as written.
    pub value_range: std::ops::Range<usize>,
}

/// An `EnvironmentFile=` as systemd reads it (`load_env_file`): `KEY=VALUE` lines,
/// `#`/`;` comments, single quotes literal, double quotes with `\"`, `\\`, `\$`,
/// `` \` `` and line continuations, unquoted values with trailing blanks dropped
/// and `\` escaping the next character. Lines without a valid name are ignored.
pub fn env_file(text: &str) -> Vec<EnvLine> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        // Start of a line.
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if matches!(b[i], b'#' | b';' | b'\n') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            i += 1;
            continue;
        }
        let key_start = i;
        while i < b.len() && !matches!(b[i], b'=' | b'\n') {
            i += 1;
        }
        if i >= b.len() || b[i] == b'\n' {
            i += 1;
            continue;
        }
        let key = text[key_start..i].trim().to_string();
        i += 1;
        while i < b.len() && matches!(b[i], b' ' | b'\t') {
            i += 1;
        }
        let value_start = i;
        let mut value = Vec::new();
        match b.get(i) {
            Some(b'\'') => {
                i += 1;
                while i < b.len() && b[i] != b'\'' {
                    value.push(b[i]);
                    i += 1;
                }
                i += 1;
            }
            Some(b'"') => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        match b[i + 1] {
                            b'"' | b'\\' | b'$' | b'`' => value.push(b[i + 1]),
                            b'\n' => {}
                            other => value.extend([b'\\', other]),
                        }
                        i += 2;
                        continue;
                    }
                    value.push(b[i]);
                    i += 1;
                }
                i += 1;
            }
            _ => {
                while i < b.len() && b[i] != b'\n' {
                    if b[i] == b'\\' && i + 1 < b.len() {
                        if b[i + 1] != b'\n' {
                            value.push(b[i + 1]);
                        }
                        i += 2;
                        continue;
                    }
                    value.push(b[i]);
                    i += 1;
                }
                while value
                    .last()
                    .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\r'))
                {
                    value.pop();
                }
            }
        }
        // An escape may have stepped into a multi-byte character: back to a
        // character boundary before any slicing.
        i = i.min(b.len());
        while !text.is_char_boundary(i) {
            i += 1;
        }
        let value_end = i;
        // The rest of the line after a closing quote is ignored.
        while i < b.len() && b[i] != b'\n' {
            i += 1;
        }
        let line_end = text[key_start..i].trim_end().len() + key_start;
        if valid_env_name(&key) {
            out.push(EnvLine {
                key,
                value: String::from_utf8_lossy(&value).into_owned(),
                range: key_start..line_end.max(value_end.min(line_end)),
                value_range: value_start..value_end.min(line_end.max(value_start)),
            });
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Assignment {
        let mut all = parse(text, FileId(0));
        assert_eq!(all.len(), 1, "{all:?}");
        all.remove(0)
    }

    #[test]
    fn continuations_comments_and_sections() {
        // systemd.syntax(7): the example with a comment inside a continuation.
        let text = "[Section A]\nKeyOne=value 1\n# comment\nKeyTwo=value 2 \\\n# this line is ignored\n; this line is ignored too\n       and value 3\n[Section B]\n  Setting=\"something\" \"some thing\" \"…\"\n";
        let all = parse(text, FileId(0));
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].key, "KeyOne");
        assert_eq!(all[1].section, "Section A");
        assert_eq!(all[1].value, "value 2         and value 3");
        assert_eq!(all[2].section, "Section B");
        assert_eq!(all[2].value, "\"something\" \"some thing\" \"…\"");
        // The span of the whole continued value starts on the first line.
        let s = all[1].span();
        assert_eq!(&text[s.start as usize..s.start as usize + 7], "value 2");
        assert!(text[..s.end as usize].ends_with("value 3"));
    }

    #[test]
    fn spans_point_at_the_text() {
        let text = "[Service]\nExecStart = /usr/bin/openclaw gateway --port 19001\n";
        let a = one(text);
        assert_eq!(a.value, "/usr/bin/openclaw gateway --port 19001");
        let ws = exec_words(&a.value, &Specifiers::default()).unwrap();
        let port = &ws[3];
        let span = a.span_of(port.range.clone());
        assert_eq!(&text[span.range()], "19001");
    }

    #[test]
    fn exec_words_follow_systemd_service_5() {
        let spec = Specifiers {
            unit: "openclaw-gateway@work.service".into(),
            instance: "work".into(),
            home: "/home/alice".into(),
            user: "alice".into(),
        };
        let texts = |v: &str| -> Vec<String> {
            exec_words(v, &spec)
                .unwrap()
                .into_iter()
                .map(|w| w.text)
                .collect()
        };
        // systemd.service(5): `ExecStart=/bin/echo one ; /bin/echo "two two"` style quoting.
        assert_eq!(texts("/bin/echo \"two two\""), ["/bin/echo", "two two"]);
        assert_eq!(texts("/bin/echo 'a b'\\x20c"), ["/bin/echo", "a b c"]);
        assert_eq!(texts("-/bin/x a\\sb"), ["/bin/x", "a b"]);
        assert_eq!(texts("@/usr/bin/node node-name x"), ["/usr/bin/node", "x"]);
        assert_eq!(
            texts("%h/bin/openclaw --profile %i gateway %%"),
            [
                "/home/alice/bin/openclaw",
                "--profile",
                "work",
                "gateway",
                "%"
            ]
        );
        assert!(exec_words("/bin/x \"open", &spec).is_none());
    }

    #[test]
    fn env_expansion_in_command_lines() {
        let ws = words("/bin/openclaw $ARGS --port ${PORT} $$x").unwrap();
        let look = |k: &str| match k {
            "ARGS" => Some("gateway run".to_string()),
            "PORT" => Some("19001".to_string()),
            _ => None,
        };
        let out: Vec<String> = expand_env(ws, &look).into_iter().map(|w| w.text).collect();
        assert_eq!(
            out,
            ["/bin/openclaw", "gateway", "run", "--port", "19001", "$x"]
        );
    }

    #[test]
    fn environment_assignments() {
        // systemd.exec(5)'s example.
        let got = environment(
            r#""VAR1=word1 word2" VAR2=word3 "VAR3=$word 5 6" bad-name=x"#,
            &Specifiers::default(),
        );
        let kv: Vec<(&str, &str)> = got
            .iter()
            .map(|(k, v, _)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            kv,
            [
                ("VAR1", "word1 word2"),
                ("VAR2", "word3"),
                ("VAR3", "$word 5 6")
            ]
        );
    }

    #[test]
    fn environment_files() {
        let text = "# c\n; c\nA=1\nB = 'x y' \nC=\"q\\\"u\"\nD=plain  \nexport E=1\nF=a\\\nb\n";
        let got: Vec<(String, String)> = env_file(text)
            .into_iter()
            .map(|e| (e.key, e.value))
            .collect();
        assert_eq!(
            got,
            [
                ("A".into(), "1".into()),
                ("B".into(), "x y".into()),
                ("C".into(), "q\"u".into()),
                ("D".into(), "plain".into()),
                ("F".into(), "ab".into()),
            ]
        );
        let e = &env_file("PORT=19001\n")[0];
        assert_eq!(e.range, 0..10);
        assert_eq!(e.value_range, 5..10);
    }

    #[test]
    fn instance_unescaping() {
        assert_eq!(unescape_instance("a-b\\x2dc"), "a/b-c");
    }
}
