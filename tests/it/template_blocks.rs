//! A template's block rendered on its own (`blocks = [...]`, the htmx partials) must not
//! stand inside an `if`, `for` or `match`: askama renders such a block as nothing, with no
//! error at compile time (askama-rs issue 1075), so a partial would come back empty.

use std::path::Path;

/// The `(template path, block names)` of every `#[template(path = …, blocks = […])]`.
fn templates_with_blocks() -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new("src").into_iter().flatten() {
        if entry.path().extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let source = std::fs::read_to_string(entry.path()).expect("a source file");
        for attribute in source.split("#[template(path = \"").skip(1) {
            let Some((path, rest)) = attribute.split_once('"') else {
                continue;
            };
            let Some(list) = rest
                .split(')')
                .next()
                .and_then(|args| args.split_once("blocks = ["))
                .and_then(|(_, list)| list.split_once(']'))
                .map(|(list, _)| list)
            else {
                continue;
            };
            let blocks = list
                .split(',')
                .map(|name| name.trim().trim_matches('"').to_owned())
                .filter(|name| !name.is_empty())
                .collect();
            found.push((path.to_owned(), blocks));
        }
    }
    found
}

/// The control structures (`if`, `for`, `match`) around each `{% block name %}`.
fn blocks_inside_control(template: &str, wanted: &[String]) -> Vec<String> {
    let mut open: Vec<String> = Vec::new();
    let mut inside = Vec::new();
    for tag in template.split("{%").skip(1) {
        let tag = tag.split("%}").next().unwrap_or("");
        let mut words = tag
            .trim_matches(|c: char| c == '-' || c.is_whitespace())
            .split_whitespace();
        let keyword = words.next().unwrap_or("");
        match keyword {
            "block" => {
                let name = words.next().unwrap_or("").to_owned();
                let controls: Vec<&String> = open.iter().filter(|k| *k != "block").collect();
                if wanted.contains(&name) && !controls.is_empty() {
                    inside.push(format!("{name} (inside {controls:?})"));
                }
                open.push("block".into());
            }
            "if" | "for" | "match" | "call" | "filter" | "macro" => open.push(keyword.into()),
            k if k.starts_with("end") => {
                open.pop();
            }
            _ => {}
        }
    }
    inside
}

#[test]
fn no_partial_block_stands_inside_an_if_or_a_loop() {
    let templates = templates_with_blocks();
    assert!(
        templates.len() >= 10,
        "the scan found too few templates with blocks: {templates:?}"
    );
    let mut wrong = Vec::new();
    for (path, blocks) in &templates {
        let source =
            std::fs::read_to_string(Path::new("templates").join(path)).expect("the template");
        for block in blocks_inside_control(&source, blocks) {
            wrong.push(format!("{path}: {block}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "blocks askama would render empty: {wrong:#?}"
    );
}

#[test]
fn the_scan_sees_a_block_inside_an_if() {
    let template =
        "{% block content %}{% if x %}{% block rows %}{% endblock %}{% endif %}{% endblock %}";
    assert_eq!(
        blocks_inside_control(template, &["rows".to_owned()]).len(),
        1
    );
    let fine =
        "{% block table %}{% if x %}a{% endif %}{% block rows %}{% endblock %}{% endblock %}";
    assert!(blocks_inside_control(fine, &["rows".to_owned()]).is_empty());
}
