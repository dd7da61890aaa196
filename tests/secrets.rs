//! A channel token never reaches any output, in any format.

use assert_cmd::cargo::cargo_bin_cmd;

const TOKEN: &str = "555000222:QQxTeStToKeNzz9WvLmK3pR7tY2uB8nD4";
const URL_PASSWORD: &str = "hx7Rq9zKv7wPq2Lm";

#[test]
fn no_output_shows_any_part_of_a_secret() {
    let home = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: String| {
        let p = home.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write(
        ".openclaw/openclaw.json",
        format!(
            "{{ gateway: {{ port: 18789 }}, channels: {{ telegram: {{ botToken: \"{TOKEN}\" }} }},\n  browser: {{ cdpUrl: \"wss://bot:{URL_PASSWORD}@chrome.lan:9222/x?token={URL_PASSWORD}\" }} }}\n"
        ),
    );
    write(
        ".openclaw-rescue/openclaw.json",
        "{ gateway: { port: 18789 }, channels: { telegram: { botToken: \"${TG}\" } },\n  browser: { cdpUrl: \"http://chrome.lan:9222\" } }\n".into(),
    );
    write(
        ".openclaw-rescue/.env",
        format!("TG={TOKEN}  # copied from main\n"),
    );
    let mut seen = String::new();
    for format in ["human", "json", "jsonl", "sarif", "github", "junit"] {
        let out = cargo_bin_cmd!("clawfence")
            .args(["check", "--color", "always", "--format", format, "--home"])
            .arg(home.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        seen.push_str(&String::from_utf8_lossy(&out.stdout));
        seen.push_str(&String::from_utf8_lossy(&out.stderr));
    }
    for args in [
        vec!["ports"],
        vec!["ports", "--format", "json"],
        vec!["ports", "--format", "map"],
        vec!["ports", "--format", "svg"],
        vec!["ports", "--format", "html"],
    ] {
        let out = cargo_bin_cmd!("clawfence")
            .args(&args)
            .arg("--home")
            .arg(home.path())
            .output()
            .unwrap();
        seen.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    assert!(
        seen.contains("shared-channel-token"),
        "the shared token was found"
    );
    assert!(
        seen.contains("shared-cdp-url"),
        "the shared browser was found"
    );
    for secret in [TOKEN, URL_PASSWORD] {
        // No run of 6 characters of the secret appears anywhere.
        for window in secret.as_bytes().windows(6) {
            let part = std::str::from_utf8(window).unwrap();
            if part.chars().all(|c| c.is_ascii_digit()) && part.len() < 9 {
                continue; // digits alone also occur in ports
            }
            assert!(
                !seen.contains(part),
                "`{part}` of a secret is in the output"
            );
        }
    }
}
