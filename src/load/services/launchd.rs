//! launchd property lists (XML or binary, through the `plist` crate) and the env
//! file of OpenClaw's own LaunchAgent wrapper.

use std::ops::Range;

/// What a launchd job runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Job {
    pub label: Option<String>,
    /// `ProgramArguments` (or `Program`), each with its range in an XML plist.
    pub argv: Vec<(String, Option<Range<usize>>)>,
    /// `EnvironmentVariables`, each `(key, value, range of the value)`.
    pub env: Vec<(String, String, Option<Range<usize>>)>,
    pub disabled: bool,
    pub working_dir: Option<String>,
    pub user: Option<String>,
}

/// Reads a plist. `Err` carries the parser's message.
pub fn parse(bytes: &[u8]) -> Result<Job, String> {
    let value =
        plist::Value::from_reader(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let dict = value
        .as_dictionary()
        .ok_or_else(|| "the plist is not a dictionary".to_string())?;
    let text = std::str::from_utf8(bytes)
        .ok()
        .filter(|t| t.contains("<plist"));
    let string = |k: &str| dict.get(k).and_then(|v| v.as_string()).map(str::to_string);
    let mut job = Job {
        label: string("Label"),
        disabled: dict.get("Disabled").and_then(|v| v.as_boolean()) == Some(true),
        working_dir: string("WorkingDirectory"),
        user: string("UserName"),
        ..Job::default()
    };
    let mut finder = text.map(XmlFinder::new);
    let args: Vec<String> = match dict.get("ProgramArguments").and_then(|v| v.as_array()) {
        Some(a) => a
            .iter()
            .filter_map(|v| v.as_string().map(str::to_string))
            .collect(),
        None => string("Program").into_iter().collect(),
    };
    if let Some(f) = finder.as_mut() {
        f.seek_key(if dict.contains_key("ProgramArguments") {
            "ProgramArguments"
        } else {
            "Program"
        });
    }
    for a in args {
        let range = finder.as_mut().and_then(|f| f.next_string(&a));
        job.argv.push((a, range));
    }
    if let Some(vars) = dict
        .get("EnvironmentVariables")
        .and_then(|v| v.as_dictionary())
    {
        for (k, v) in vars {
            let Some(v) = v.as_string() else { continue };
            let range = finder.as_mut().and_then(|f| {
                f.seek_key("EnvironmentVariables");
                f.seek_key(k);
                f.next_string(v)
            });
            job.env.push((k.clone(), v.to_string(), range));
        }
    }
    Ok(job)
}

/// Finds the text of values in an XML plist, in document order.
struct XmlFinder<'t> {
    text: &'t str,
    pos: usize,
}

impl<'t> XmlFinder<'t> {
    fn new(text: &'t str) -> XmlFinder<'t> {
        XmlFinder { text, pos: 0 }
    }

    fn seek_key(&mut self, key: &str) {
        let needle = format!("<key>{}</key>", escape(key));
        if let Some(i) = self.text[self.pos..]
            .find(&needle)
            .or_else(|| self.text.find(&needle))
        {
            let base = if self.text[self.pos..].contains(&needle) {
                self.pos
            } else {
                0
            };
            self.pos = base + i + needle.len();
        }
    }

    /// The range of the next `<string>` whose content is `value`.
    fn next_string(&mut self, value: &str) -> Option<Range<usize>> {
        let needle = format!("<string>{}</string>", escape(value));
        let i = self.text[self.pos..].find(&needle)? + self.pos;
        let start = i + "<string>".len();
        let end = start + escape(value).len();
        self.pos = end;
        Some(start..end)
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Whether `argv` is OpenClaw's LaunchAgent form
/// `/bin/sh <stateDir>/service-env/<label>-env-wrapper.sh <env file> <argv…>`:
/// the index of the env file word and of the first real word.
///
/// why: `src/daemon/launchd-service-files.ts` (`prepareLaunchAgentProgramArguments`)
/// moves the whole service environment into that env file; the plist has no
/// `EnvironmentVariables` then.
pub fn env_wrapper(argv: &[String]) -> Option<(usize, usize)> {
    let shell = argv.first()?;
    let script = argv.get(1)?;
    (shell.ends_with("/sh") && script.ends_with("-env-wrapper.sh") && argv.len() > 3)
        .then_some((2, 3))
}

/// The `export KEY='value'` lines of OpenClaw's LaunchAgent env file, each with
/// the range of `KEY='value'` (shell single quotes, `'\''` for a quote).
pub fn export_lines(text: &str) -> Vec<(String, String, Range<usize>)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let Some(rest) = line.strip_prefix("export ") else {
            continue;
        };
        let Some((key, value)) = rest.split_once('=') else {
            continue;
        };
        let Ok(words) = shell_words::split(value) else {
            continue;
        };
        let start = line_start + "export ".len();
        out.push((
            key.to_string(),
            words.join(" "),
            start..line_start + line.len(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
  <key>Label</key><string>ai.openclaw.work</string>
  <key>ProgramArguments</key><array>
    <string>/usr/local/bin/openclaw</string><string>--profile</string><string>work</string>
    <string>gateway</string><string>--port</string><string>19001</string>
  </array>
  <key>EnvironmentVariables</key><dict>
    <key>OPENCLAW_GATEWAY_PORT</key><string>19001</string>
    <key>A&amp;B</key><string>x &lt; y</string>
  </dict>
</dict></plist>"#;

    #[test]
    fn xml_and_binary_plists_read_the_same() {
        let job = parse(XML.as_bytes()).unwrap();
        assert_eq!(job.label.as_deref(), Some("ai.openclaw.work"));
        let argv: Vec<&str> = job.argv.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(argv[5], "19001");
        let r = job.argv[5].1.clone().unwrap();
        assert_eq!(&XML[r], "19001");
        let (k, v, r) = &job.env[0];
        assert_eq!((k.as_str(), v.as_str()), ("OPENCLAW_GATEWAY_PORT", "19001"));
        assert_eq!(&XML[r.clone().unwrap()], "19001");
        assert_eq!(job.env[1].1, "x < y");
        assert_eq!(&XML[job.env[1].2.clone().unwrap()], "x &lt; y");

        let value = plist::Value::from_reader(std::io::Cursor::new(XML.as_bytes())).unwrap();
        let mut binary = Vec::new();
        value.to_writer_binary(&mut binary).unwrap();
        let b = parse(&binary).unwrap();
        assert_eq!(
            b.argv.iter().map(|(a, _)| a.clone()).collect::<Vec<_>>(),
            argv
        );
        assert!(b.argv.iter().all(|(_, r)| r.is_none()));
        assert_eq!(b.env.len(), 2);
        assert!(parse(b"not a plist").is_err());
    }

    #[test]
    fn openclaw_env_files() {
        let text = "# Generated by OpenClaw. Do not edit while the gateway service is installed.\nexport HOME='/Users/alice'\nexport A='it'\\''s'\n";
        let lines = export_lines(text);
        assert_eq!(lines[0].0, "HOME");
        assert_eq!(lines[0].1, "/Users/alice");
        assert_eq!(&text[lines[0].2.clone()], "HOME='/Users/alice'");
        assert_eq!(lines[1].1, "it's");
        let argv: Vec<String> = [
            "/bin/sh",
            "/s/service-env/ai.openclaw.x-env-wrapper.sh",
            "/s/e.env",
            "node",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(env_wrapper(&argv), Some((2, 3)));
    }
}
