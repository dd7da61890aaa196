//! `check --with-doctor`: runs `openclaw [--profile P] doctor --lint --json` for
//! each instance and keeps its findings, `checkId`s unchanged, tagged with the
//! instance, so that CI gets one document and one exit code.
//!
//! why: doctor 2026.9.6 never loads third-party plugins (`doctor` is registered
//! with `loadPlugins: "never"`, `src/cli/command-catalog.ts`), so clawfence
//! cannot run inside it; it runs beside it instead. The document shape is
//! `src/commands/doctor-lint-output.ts` `formatJsonResult` (as `report::json`).

use crate::finding::Severity;
use crate::model::{Host, Instance, InstanceKind};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// What `source` a merged doctor finding carries.
pub const SOURCE: &str = "openclaw doctor";

/// One finding of doctor's, as it wrote it, plus the instance it is about.
#[derive(Debug, Clone)]
pub struct DoctorFinding {
    pub instance: String,
    pub check_id: String,
    pub severity: Severity,
    pub message: String,
    /// Doctor's object, with `instances` and `source` added.
    pub json: Map<String, Value>,
}

/// What running doctor gave.
#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<DoctorFinding>,
    /// Said on stderr: doctor missing, or an instance doctor could not check.
    pub notes: Vec<String>,
}

/// `openclaw` on `PATH`.
pub fn find_on_path(path: Option<&std::ffi::OsStr>) -> Option<PathBuf> {
    std::env::split_paths(path?)
        .map(|d| d.join("openclaw"))
        .find(|p| crate::wrapper::is_executable(p))
}

/// The command that lints one instance the way OpenClaw addresses it.
pub fn command(program: &Path, host: &Host, i: &Instance) -> std::process::Command {
    let mut c = std::process::Command::new(program);
    match i.profile.as_deref() {
        Some("dev") => {
            c.arg("--dev");
        }
        Some(p) => {
            c.args(["--profile", p]);
        }
        None => {}
    }
    c.args(["doctor", "--lint", "--json"]);
    c.env("HOME", &host.home);
    // why: `src/config/state-dir.ts` `resolveStateDir` and `src/config/paths.ts`
    // take the state dir and config path from these two variables; an explicit
    // instance has no profile to imply them.
    if i.kind == InstanceKind::Explicit {
        c.env("OPENCLAW_STATE_DIR", &i.state_dir.value);
        c.env("OPENCLAW_CONFIG_PATH", &i.config_path.value);
    }
    c.stdin(std::process::Stdio::null());
    c
}

/// Doctor's findings from its stdout: the last line that is a JSON document
/// with `findings` (an install may print notices before it).
pub fn parse(stdout: &str, instance: &str) -> Result<Vec<DoctorFinding>, String> {
    let doc = stdout
        .lines()
        .rev()
        .filter(|l| l.trim_start().starts_with('{'))
        .find_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|d| d.get("findings").is_some_and(Value::is_array))
        .ok_or("no `doctor --lint --json` document on its stdout")?;
    let mut out = Vec::new();
    for f in doc["findings"].as_array().into_iter().flatten() {
        let Some(obj) = f.as_object() else { continue };
        let mut json = obj.clone();
        for v in json.values_mut() {
            if let Value::String(text) = v {
                *text = mask_urls(text);
            }
        }
        let severity = match json.get("severity").and_then(Value::as_str) {
            Some("error") => Severity::Error,
            Some("info") => Severity::Info,
            _ => Severity::Warning,
        };
        out.push(DoctorFinding {
            instance: instance.to_string(),
            check_id: json
                .get("checkId")
                .and_then(Value::as_str)
                .unwrap_or("doctor")
                .to_string(),
            severity,
            message: json
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            json: {
                json.insert("instances".into(), Value::from(vec![instance.to_string()]));
                json.entry("source").or_insert_with(|| SOURCE.into());
                json
            },
        });
    }
    Ok(out)
}

/// Doctor's text with the password and secret query values of any URL in it
/// masked: what doctor echoes from a config must not reach clawfence's output.
fn mask_urls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (n, word) in text.split(' ').enumerate() {
        if n > 0 {
            out.push(' ');
        }
        let mut w = word.to_string();
        for r in crate::secrets::url_secrets(word).into_iter().rev() {
            w.replace_range(r, "***");
        }
        out.push_str(&w);
    }
    out
}

/// Runs doctor for every instance of the host that `openclaw` on `path` finds.
pub fn run(host: &Host, path: Option<&std::ffi::OsStr>) -> Outcome {
    let mut out = Outcome::default();
    let Some(program) = find_on_path(path) else {
        out.notes.push(
            "`openclaw` is not on PATH, so `--with-doctor` ran no doctor; the report is clawfence's alone"
                .into(),
        );
        return out;
    };
    for i in &host.instances {
        match command(&program, host, i).output() {
            Ok(o) => match parse(&String::from_utf8_lossy(&o.stdout), &i.name) {
                Ok(found) => out.findings.extend(found),
                Err(e) => out.notes.push(format!(
                    "`openclaw doctor` for `{}` exited with {}: {e}",
                    i.name,
                    o.status
                        .code()
                        .map_or("a signal".into(), |c| format!("`{c}`"))
                )),
            },
            Err(e) => out.notes.push(format!(
                "cannot run `{}` for `{}`: {e}",
                program.display(),
                i.name
            )),
        }
    }
    out
}

/// Adds doctor's findings to a `--format json` document: `ok` recomputed by
/// `failing`, findings in doctor's order (errors first, then `checkId`, then `path`).
pub fn merge_json(document: &str, findings: &[DoctorFinding], ok: bool) -> String {
    let Ok(mut doc) = serde_json::from_str::<Value>(document) else {
        return document.to_string();
    };
    if let Some(list) = doc["findings"].as_array_mut() {
        list.extend(findings.iter().map(|f| Value::Object(f.json.clone())));
        let rank = |v: &Value| match v["severity"].as_str() {
            Some("error") => 0,
            Some("warning") => 1,
            _ => 2,
        };
        let key = |v: &Value| {
            (
                rank(v),
                v["checkId"].as_str().unwrap_or("").to_string(),
                v["path"].as_str().unwrap_or("").to_string(),
            )
        };
        list.sort_by_key(key);
    }
    doc["ok"] = Value::Bool(ok);
    serde_json::to_string(&doc).expect("serialisable") + "\n"
}

/// One line per doctor finding for `--format jsonl`.
pub fn lines(findings: &[DoctorFinding]) -> String {
    findings
        .iter()
        .map(|f| serde_json::to_string(&f.json).expect("serialisable") + "\n")
        .collect()
}

/// Doctor's findings for people, after clawfence's.
pub fn human(findings: &[DoctorFinding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!(
            "{}[{}]: {} (`{}`, from `openclaw doctor`)\n",
            f.severity, f.check_id, f.message, f.instance
        ));
        let at = |k: &str| f.json.get(k).and_then(Value::as_str);
        if let Some(path) = at("path") {
            let line = f.json.get("line").and_then(Value::as_u64);
            match line {
                Some(l) => out.push_str(&format!("   --> {path}:{l}\n")),
                None => out.push_str(&format!("   --> {path}\n")),
            }
        }
        if let Some(h) = at("fixHint") {
            out.push_str(&format!("   = help: {h}\n"));
        }
        out.push('\n');
    }
    if !findings.is_empty() {
        out.push_str(&format!(
            "openclaw doctor found {} finding{}\n",
            findings.len(),
            if findings.len() == 1 { "" } else { "s" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doctor_output_is_parsed_after_notices_and_tagged() {
        let out = "[postinstall] notice\n{\"schemaVersion\":1,\"ok\":false,\"checksRun\":1,\"checksSkipped\":0,\"findings\":[{\"checkId\":\"core/doctor/final-config-validation\",\"severity\":\"error\",\"message\":\"Unrecognized key: \\\"bogus\\\"\",\"path\":\"<root>\"}]}\n";
        let f = parse(out, "rescue").unwrap();
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].check_id, "core/doctor/final-config-validation");
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[0].json["instances"], serde_json::json!(["rescue"]));
        assert_eq!(f[0].json["source"], SOURCE);
        assert!(parse("not json\n", "x").is_err());
        let leaky = r#"{"findings":[{"checkId":"c","severity":"warning","message":"proxy http://u:hunter2@p:3128 is down"}]}"#;
        let f = parse(leaky, "x").unwrap();
        assert_eq!(f[0].message, "proxy http://u:***@p:3128 is down");
        assert!(
            !serde_json::to_string(&f[0].json)
                .unwrap()
                .contains("hunter2")
        );
    }
}
