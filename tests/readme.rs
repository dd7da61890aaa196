//! The README stays true: its rule table is the registry's, and the diagnostic it
//! shows is what its first command prints.

use clawfence::rules::RULES;
use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

#[test]
fn the_rule_table_is_the_registry() {
    let mut table = String::from("| id | default | summary |\n|---|---|---|\n");
    for r in RULES {
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            r.meta.id, r.meta.default_severity, r.meta.summary
        ));
    }
    let text = readme();
    let start = text
        .find("<!-- rules:begin -->\n")
        .expect("rules:begin marker")
        + "<!-- rules:begin -->\n".len();
    let end = text.find("<!-- rules:end -->").expect("rules:end marker");
    if std::env::var_os("BLESS").is_some() {
        let new = format!("{}{table}{}", &text[..start], &text[end..]);
        std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"), new).unwrap();
        return;
    }
    assert_eq!(
        &text[start..end],
        table,
        "README rule table (BLESS=1 to regenerate)"
    );
}

#[test]
fn the_example_output_is_what_the_first_command_prints() {
    let text = readme();
    let command = text
        .lines()
        .find(|l| l.starts_with("cargo run -- check --home "))
        .expect("the first command");
    let home = command
        .trim_start_matches("cargo run -- check --home ")
        .trim();
    let expected = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(home)
            .parent()
            .unwrap()
            .join("expected.txt"),
    )
    .unwrap();
    assert!(
        text.contains(&expected),
        "README shows the output of `{command}` as in its expected.txt"
    );
}
