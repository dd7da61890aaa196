//! `rules/<id>.md` is each rule's documentation and its test. The "Example"
//! files form a fake HOME whose `clawfence check` output must equal the page's
//! `expected` block (`BLESS=1` rewrites it); a line marked `expect: <id>` is where
//! that rule's primary label must land; the "Use instead" files, laid over the
//! example, must be free of the rule.

mod common;

use clawfence::load::Location;
use clawfence::rules::RULES;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A "`path`:" line followed by a fenced block.
struct FileBlock {
    path: String,
    content: String,
}

struct Page {
    text: String,
    title: String,
    summary: String,
    headings: Vec<String>,
}

fn parse(text: &str) -> Page {
    let mut lines = text.lines();
    let title = lines
        .next()
        .unwrap_or("")
        .trim_start_matches("# ")
        .to_string();
    let summary = lines
        .by_ref()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let headings = text
        .lines()
        .filter_map(|l| l.strip_prefix("## ").map(str::to_string))
        .collect();
    Page {
        text: text.to_string(),
        title,
        summary,
        headings,
    }
}

/// The body of a `## ` section.
fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = match text.find(&format!("\n## {heading}\n")) {
        Some(i) => i + heading.len() + 5,
        None => return "",
    };
    let end = text[start..]
        .find("\n## ")
        .map(|e| start + e)
        .unwrap_or(text.len());
    &text[start..end]
}

fn file_blocks(body: &str) -> Vec<FileBlock> {
    let lines: Vec<&str> = body.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim();
        if let Some(path) = l.strip_prefix('`').and_then(|r| r.strip_suffix("`:"))
            && lines.get(i + 1).is_some_and(|f| f.starts_with("```"))
        {
            let mut j = i + 2;
            let mut content = String::new();
            while j < lines.len() && !lines[j].starts_with("```") {
                content.push_str(lines[j]);
                content.push('\n');
                j += 1;
            }
            out.push(FileBlock {
                path: path.to_string(),
                content,
            });
            i = j;
        }
        i += 1;
    }
    out
}

/// The byte range of the `expected` block's content in `text`.
fn expected_range(text: &str) -> Option<std::ops::Range<usize>> {
    let open = text.find("```expected\n")? + "```expected\n".len();
    if text[open..].starts_with("```") {
        return Some(open..open); // an empty block
    }
    let close = open + text[open..].find("\n```")? + 1;
    Some(open..close)
}

fn write_home(blocks: &[&FileBlock]) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    for b in blocks {
        let p = home.path().join(&b.path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, &b.content).unwrap();
    }
    home
}

fn page_path(id: &str) -> PathBuf {
    repo().join("rules").join(format!("{id}.md"))
}

#[test]
fn registry_docs_and_fixtures_name_the_same_rules() {
    let registry: BTreeSet<String> = RULES.iter().map(|r| r.meta.id.to_string()).collect();
    let listed = |dir: &str, md: bool| -> BTreeSet<String> {
        std::fs::read_dir(repo().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter_map(|n| {
                if md {
                    n.strip_suffix(".md").map(str::to_string)
                } else {
                    Some(n)
                }
            })
            .collect()
    };
    assert_eq!(
        listed("rules", true),
        registry,
        "rules/*.md vs the registry"
    );
    assert_eq!(
        listed("fixtures", false),
        registry,
        "fixtures/* vs the registry"
    );
    let src: BTreeSet<String> = listed("src/rules", false)
        .into_iter()
        .filter_map(|n| n.strip_suffix(".rs").map(|s| s.replace('_', "-")))
        .filter(|n| n != "mod")
        .collect();
    assert_eq!(src, registry, "src/rules/*.rs vs the registry");
}

#[test]
fn every_page_has_the_shape_and_matches_the_registry() {
    for rule in RULES {
        let id = rule.meta.id;
        let text = std::fs::read_to_string(page_path(id)).unwrap();
        let page = parse(&text);
        assert_eq!(page.title, id, "heading of rules/{id}.md");
        assert_eq!(
            page.summary, rule.meta.summary,
            "first paragraph of rules/{id}.md"
        );
        for h in ["What it does", "Why is this bad?", "Example", "Use instead"] {
            assert!(
                page.headings.iter().any(|x| x == h),
                "rules/{id}.md lacks `## {h}`"
            );
        }
        assert_eq!(
            rule.meta.docs, page.text,
            "`explain {id}` prints rules/{id}.md"
        );
    }
}

#[test]
fn examples_produce_their_expected_output_and_use_instead_is_clean() {
    let mut failures = Vec::new();
    for rule in RULES {
        let id = rule.meta.id;
        let path = page_path(id);
        let text = std::fs::read_to_string(&path).unwrap();
        let example = file_blocks(section(&text, "Example"));
        let instead = file_blocks(section(&text, "Use instead"));
        if example.is_empty() || instead.is_empty() {
            failures.push(format!(
                "rules/{id}.md: `Example` and `Use instead` need files"
            ));
            continue;
        }

        let home = write_home(&example.iter().collect::<Vec<_>>());
        let (out, findings, host) = common::human(home.path());
        failures.extend(
            common::style_problems(&findings)
                .into_iter()
                .map(|p| format!("rules/{id}.md: {p}")),
        );
        if !findings.iter().any(|f| f.rule.id == id) {
            failures.push(format!("rules/{id}.md: the example does not fire `{id}`"));
        }
        // `expect: <id>` marks where the rule's primary label lands.
        for b in &example {
            for (n, line) in b.content.lines().enumerate() {
                let Some(marked) = line.split("expect: ").nth(1).map(|s| s.trim()) else {
                    continue;
                };
                let hit = findings.iter().filter(|f| f.rule.id == marked).any(|f| {
                    matches!(f.primary.as_ref().map(|l| &l.location), Some(Location::Span(s)) if {
                        let file = host.sources.get(s.file);
                        file.display == format!("~/{}", b.path) && file.line_col(s.start as usize).0 == n + 1
                    })
                });
                if !hit {
                    failures.push(format!(
                        "rules/{id}.md: no `{marked}` label at {}:{}",
                        b.path,
                        n + 1
                    ));
                }
            }
        }
        match expected_range(&text) {
            Some(r) if common::blessing() => {
                let mut new = text.clone();
                new.replace_range(r, &out);
                std::fs::write(&path, new).unwrap();
            }
            Some(r) if text[r.clone()] != out => failures.push(format!(
                "rules/{id}.md: expected block differs (BLESS=1 to accept)\n--- expected\n{}--- got\n{out}",
                &text[r]
            )),
            Some(_) => {}
            None => failures.push(format!("rules/{id}.md: no ```expected block")),
        }

        let mut merged: Vec<&FileBlock> = example
            .iter()
            .filter(|e| !instead.iter().any(|i| i.path == e.path))
            .collect();
        merged.extend(instead.iter());
        let home = write_home(&merged);
        let (_, findings) = common::check(home.path());
        if let Some(f) = findings.iter().find(|f| f.rule.id == id) {
            failures.push(format!(
                "rules/{id}.md: `Use instead` still fires: {}",
                f.message
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
