//! `clawfence ports`: the table fits the terminal and marks what `check` reports,
//! the map and the SVG show every instance and every shared port, the SVG is
//! valid, self-contained and deterministic, and the README's picture is current.
//! Expectations live in `tests/ports/` (`BLESS=1 cargo test --test ports` rewrites).

use assert_cmd::cargo::cargo_bin_cmd;
use regex::Regex;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(path: &str) -> PathBuf {
    root().join("fixtures").join(path).join("home")
}

fn blessing() -> bool {
    std::env::var_os("BLESS").is_some()
}

/// `clawfence ports ARGS --home HOME` at `columns` columns, stdout.
fn ports(home: &Path, args: &[&str], columns: usize) -> String {
    let out = cargo_bin_cmd!("clawfence")
        .arg("ports")
        .args(args)
        .arg("--home")
        .arg(home)
        .env("COLUMNS", columns.to_string())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}: {out:?}", home.display());
    String::from_utf8(out.stdout).unwrap()
}

fn json(home: &Path, command: &[&str]) -> serde_json::Value {
    let out = cargo_bin_cmd!("clawfence")
        .args(command)
        .args(["--format", "json", "--home"])
        .arg(home)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn instance_names(home: &Path) -> BTreeSet<String> {
    json(home, &["ports"])["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_string())
        .collect()
}

/// The ports `check` itself says are shared, read from its messages and notes:
/// every port of a `port-collision`, the pinned port a `cdp-range-overlap` puts
/// in another range, and the ports its notes say lie in another's range.
fn ports_check_reports(home: &Path) -> (BTreeSet<String>, usize) {
    let doc = json(home, &["check"]);
    let findings = doc["findings"].as_array().unwrap();
    let ticked = Regex::new(r"`(\d+)`").unwrap();
    let puts = Regex::new(r"puts [^`]*`(\d+)`").unwrap();
    let range = Regex::new(r"CDP range `(\d+)\.\.=(\d+)`").unwrap();
    let mut out = BTreeSet::new();
    let mut count = 0;
    for f in findings {
        let id = f["checkId"].as_str().unwrap();
        let message = f["message"].as_str().unwrap();
        match id {
            "isolation/port-collision" => {
                out.extend(ticked.captures_iter(message).map(|c| c[1].to_string()))
            }
            "isolation/cdp-range-overlap" => {
                out.extend(puts.captures_iter(message).map(|c| c[1].to_string()))
            }
            // A range that fell back onto another instance's range is shared whole.
            "isolation/cdp-range-fallback" => out.extend(
                range
                    .captures_iter(message)
                    .map(|c| format!("{}-{}", &c[1], &c[2])),
            ),
            _ => {}
        }
        if [
            "isolation/port-collision",
            "isolation/cdp-range-overlap",
            "isolation/base-ports-too-close",
            "isolation/cdp-range-fallback",
            "isolation/shared-cdp-url",
        ]
        .contains(&id)
        {
            count += 1;
        }
    }
    // `check --format json` has no notes; the human output has them.
    let human = cargo_bin_cmd!("clawfence")
        .args(["check", "--color", "never", "--home"])
        .arg(home)
        .output()
        .unwrap();
    for line in String::from_utf8(human.stdout).unwrap().lines() {
        if let Some(note) = line.trim().strip_prefix("= note: ")
            && note.contains(" in the CDP range of ")
        {
            let list = note.split(" lie").next().unwrap_or("");
            out.extend(ticked.captures_iter(list).map(|c| c[1].to_string()));
        }
    }
    (out, count)
}

/// Hosts with a variety of shapes: equal bases, a pinned port in another range,
/// near bases, three instances, a broken config, a fallback, a clean host.
const HOSTS: &[&str] = &[
    "port-collision/env-file-port-overrides-config",
    "port-collision/three-instances-one-base",
    "port-collision/pinned-cdp-port-on-other-gateway",
    "cdp-range-overlap/pinned-cdp-port-in-other-range",
    "cdp-range-overlap/hashed-main-and-rescue-60-apart",
    "invalid-config/syntax-error-others-still-checked",
    "cdp-range-fallback/base-65426-range-passes-65535",
    "shared-workspace/separate-workspaces",
];

#[test]
fn the_svg_is_valid_xml_naming_every_instance_and_every_shared_port() {
    for host in HOSTS {
        let home = fixture(host);
        let svg = ports(&home, &["--format", "svg"], 100);
        let doc = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|e| panic!("{host}: not XML: {e}\n{svg}"));
        let texts = |class: &str| -> BTreeSet<String> {
            doc.descendants()
                .filter(|n| n.attribute("class") == Some(class))
                .map(|n| {
                    n.children()
                        .filter(|c| c.is_text())
                        .filter_map(|c| c.text())
                        .collect::<String>()
                })
                .collect()
        };
        assert_eq!(
            texts("lane-name"),
            instance_names(&home),
            "{host}: one lane per instance"
        );
        let labels = texts("conflict-label");
        let (shared, count) = ports_check_reports(&home);
        for port in &shared {
            assert!(
                labels.contains(port),
                "{host}: shared port {port} is labelled (labels: {labels:?})"
            );
        }
        assert_eq!(
            labels.is_empty(),
            count == 0,
            "{host}: conflicts drawn exactly when check reports port problems"
        );
        // Self-contained: no scripts, links, external fonts or images.
        for banned in [
            "<script",
            "href",
            "@import",
            "url(",
            "<image",
            "<foreignObject",
        ] {
            assert!(!svg.contains(banned), "{host}: the SVG has `{banned}`");
        }
    }
}

#[test]
fn the_svg_is_the_same_bytes_for_the_same_host_anywhere() {
    let home = fixture("cdp-range-overlap/pinned-cdp-port-in-other-range");
    let copy = tempfile::tempdir().unwrap();
    copy_dir(&home, copy.path());
    let a = ports(&home, &["--format", "svg"], 100);
    assert_eq!(a, ports(&home, &["--format", "svg"], 100));
    assert_eq!(
        a,
        ports(copy.path(), &["--format", "svg"], 40),
        "neither the checkout's path nor the terminal changes the picture"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Compares `got` with `tests/ports/NAME` (or `path` under the repo), rewriting it under BLESS.
fn expect(path: &Path, got: &str) {
    if blessing() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        want == got,
        "{} is out of date (BLESS=1 cargo test --test ports rewrites it):\n{got}",
        path.display()
    );
}

#[test]
fn snapshots_of_one_host_in_every_text_format() {
    let host = "cdp-range-overlap/pinned-cdp-port-in-other-range";
    let home = fixture(host);
    let dir = root().join("tests/ports");
    expect(
        &dir.join("pinned-cdp-port-in-other-range.svg"),
        &ports(&home, &["--format", "svg"], 100),
    );
    expect(
        &dir.join("pinned-cdp-port-in-other-range.map-80.txt"),
        &ports(&home, &["--format", "map"], 80),
    );
    for width in [80, 120] {
        expect(
            &dir.join(format!("pinned-cdp-port-in-other-range.table-{width}.txt")),
            &ports(&home, &[], width),
        );
    }
}

#[test]
fn the_readme_picture_is_what_the_tool_draws_for_the_bundled_example() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let command = readme
        .lines()
        .find(|l| l.starts_with("cargo run -- ports --format svg --home "))
        .expect("the README says how its picture is made");
    let home = command
        .trim_start_matches("cargo run -- ports --format svg --home ")
        .split_whitespace()
        .next()
        .unwrap();
    assert!(readme.contains("](docs/ports.svg)"), "the README shows it");
    expect(
        &root().join("docs/ports.svg"),
        &ports(&root().join(home), &["--format", "svg"], 100),
    );
}

#[test]
fn the_table_and_map_fit_the_terminal_and_mark_what_check_reports() {
    for host in HOSTS {
        let home = fixture(host);
        let (shared, count) = ports_check_reports(&home);
        for width in [40, 60, 80, 100, 120] {
            for args in [&[][..], &["--format", "map"][..]] {
                let text = ports(&home, args, width);
                for line in text.lines() {
                    assert!(
                        line.chars().count() <= width,
                        "{host} {args:?} at {width} columns: `{line}` is too wide\n{text}"
                    );
                }
                let last = text.lines().last().unwrap();
                match count {
                    0 => assert!(last.starts_with("no port conflicts in "), "{host}: {last}"),
                    1 => assert_eq!(last, "1 conflict: run `clawfence check`", "{host}"),
                    n => assert_eq!(last, format!("{n} conflicts: run `clawfence check`")),
                }
                assert_eq!(text.contains('!'), count > 0, "{host} {args:?}:\n{text}");
                if args.is_empty() {
                    for port in &shared {
                        assert!(
                            text.contains(&format!("{port}!")),
                            "{host} at {width}: shared port {port} is marked\n{text}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn the_table_drops_the_source_column_before_it_wraps() {
    let home = fixture("cdp-range-overlap/pinned-cdp-port-in-other-range");
    let wide = ports(&home, &[], 200);
    assert!(wide.contains("gateway port from"));
    let narrow = ports(&home, &[], 80);
    assert!(!narrow.contains("gateway port from"));
    assert!(
        narrow.contains("gateway port of `rescue`: `gateway.port` `19001` at"),
        "where the port came from moves under the table:\n{narrow}"
    );
}

#[test]
fn an_empty_host_says_so_in_every_format() {
    let home = tempfile::tempdir().unwrap();
    for args in [&[][..], &["--format", "map"][..]] {
        let text = ports(home.path(), args, 80);
        assert!(
            text.starts_with("no OpenClaw instances under `") && !text.contains('┌'),
            "{args:?}: {text}"
        );
    }
    let svg = ports(home.path(), &["--format", "svg"], 80);
    roxmltree::Document::parse(&svg).unwrap();
    assert!(svg.contains("no OpenClaw instances under"));
}

#[test]
fn colour_only_on_request_or_a_terminal_and_never_with_no_color() {
    let home = fixture("port-collision/env-file-port-overrides-config");
    for args in [&[][..], &["--format", "map"][..]] {
        assert!(
            !ports(&home, args, 100).contains('\x1b'),
            "piped: no colour"
        );
        let forced = cargo_bin_cmd!("clawfence")
            .args(["ports", "--color", "always", "--home"])
            .arg(&home)
            .args(args)
            .output()
            .unwrap();
        let forced = String::from_utf8(forced.stdout).unwrap();
        assert!(
            forced.contains("\x1b[1;31m"),
            "{args:?}: shared ports in red"
        );
        assert!(forced.contains('!'), "the textual marker stays with colour");
    }
}

#[test]
fn the_html_page_embeds_the_svg_with_hover_details() {
    let home = fixture("cdp-range-overlap/pinned-cdp-port-in-other-range");
    let html = ports(&home, &["--format", "html"], 100);
    let svg = ports(&home, &["--format", "svg"], 100);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(&svg), "the page holds the very SVG");
    assert!(html.contains(":hover"));
    assert!(
        svg.contains(
            "<title>rescue: CDP port of `research`"
                .replace('`', "")
                .as_str()
        ),
        "every mark has its details as a tooltip"
    );
    assert!(!html.contains("<script"));
}

/// Every `<!-- ports-example: HOST [ARGS] -->` in the README is followed by
/// the block `ports ARGS` prints for `fixtures/HOST` at 80 columns.
#[test]
fn the_readme_shows_the_table_and_map_as_the_tool_prints_them_at_80_columns() {
    let path = root().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let marker = "<!-- ports-example: ";
    let mut out = String::new();
    let mut rest = readme.as_str();
    let mut seen = 0;
    while let Some(at) = rest.find(marker) {
        let line_end = at + rest[at..].find('\n').unwrap() + 1;
        let spec = rest[at + marker.len()..line_end]
            .trim_end()
            .trim_end_matches("-->")
            .trim();
        let (host, args) = spec.split_once(' ').unwrap_or((spec, ""));
        let args: Vec<&str> = args.split_whitespace().collect();
        let text = ports(&fixture(host), &args, 80);
        let block = &rest[line_end..];
        assert!(block.starts_with("```\n"), "a block follows `{spec}`");
        let block_end = 4 + block[4..].find("```\n").unwrap();
        if !blessing() {
            assert_eq!(
                &block[4..block_end],
                text,
                "the README shows `ports {spec}` as printed (BLESS=1 rewrites it)"
            );
        }
        out.push_str(&rest[..line_end]);
        out.push_str("```\n");
        out.push_str(&text);
        rest = &block[block_end..];
        seen += 1;
    }
    out.push_str(rest);
    assert_eq!(seen, 2, "the README shows the table and the map");
    if blessing() {
        std::fs::write(&path, out).unwrap();
    }
}

#[test]
fn live_is_a_table_and_says_so_with_a_picture_format() {
    let home = fixture("port-collision/env-file-port-overrides-config");
    for format in ["map", "svg", "html"] {
        let out = cargo_bin_cmd!("clawfence")
            .args(["ports", "--live", "--format", format, "--home"])
            .arg(&home)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("`--live` prints a table"));
    }
}
