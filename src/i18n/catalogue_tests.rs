use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::*;
use crate::domain::{Refusal, RequestStatus};

/// The message ids a catalogue file defines (a line `id = …` at the start of a line).
fn keys_in(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_alphabetic()))
        .filter_map(|line| line.split_once(" ="))
        .map(|(id, _)| id.trim().to_owned())
        .collect()
}

fn keys_of(language: Language, except: &str) -> BTreeSet<String> {
    FILES
        .iter()
        .filter(|(l, name, _)| *l == language && !name.ends_with(except))
        .flat_map(|(_, _, text)| keys_in(text))
        .collect()
}

#[test]
fn every_file_parses_in_full() {
    for (_, name, text) in FILES {
        if let Err((_, errors)) = FluentResource::try_new((*text).to_owned()) {
            panic!("{name}: {errors:?}");
        }
    }
}

#[test]
fn english_and_german_have_the_same_messages() {
    let en = keys_of(Language::En, "refusals.ftl");
    let de = keys_of(Language::De, "refusals.ftl");
    assert!(en.len() > 100, "only {} English messages", en.len());
    let missing_de: Vec<_> = en.difference(&de).collect();
    let missing_en: Vec<_> = de.difference(&en).collect();
    assert!(missing_de.is_empty(), "not in German: {missing_de:?}");
    assert!(missing_en.is_empty(), "not in English: {missing_en:?}");
}

#[test]
fn every_german_refusal_is_a_real_code_and_formats() {
    let codes: BTreeSet<String> = Refusal::all_codes()
        .map(crate::i18n::refusal::key_of)
        .collect();
    let said = keys_of(Language::De, "refusals.ftl")
        .into_iter()
        .filter(|k| k.starts_with("refusal-"))
        .collect::<BTreeSet<_>>();
    let de_refusals: BTreeSet<String> = FILES
        .iter()
        .filter(|(_, name, _)| name.ends_with("refusals.ftl"))
        .flat_map(|(_, _, text)| keys_in(text))
        .collect();
    assert!(said.is_empty(), "refusals outside refusals.ftl: {said:?}");
    let unknown: Vec<_> = de_refusals.difference(&codes).collect();
    assert!(
        unknown.is_empty(),
        "no refusal has these codes: {unknown:?}"
    );
    for code in [
        "link.wrong_pin",
        "link.closed",
        "link.full_files",
        "link.full_bytes",
    ] {
        assert!(
            de_refusals.contains(&crate::i18n::refusal::key_of(code)),
            "{code} is not said in German"
        );
    }
}

fn source_files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            source_files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// The literal keys a text names through the catalogue's call patterns.
fn keys_used(text: &str) -> Vec<String> {
    let mut used = Vec::new();
    for pattern in [".tr(\"", "Msg::new(language, \"", "Msg::new(lang, \""] {
        let mut rest = text;
        while let Some(at) = rest.find(pattern) {
            rest = &rest[at + pattern.len()..];
            if let Some(end) = rest.find('"') {
                used.push(rest[..end].to_owned());
            }
        }
    }
    used
}

#[test]
fn every_key_a_template_or_the_code_uses_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    source_files(&root.join("templates"), "html", &mut files);
    source_files(&root.join("src"), "rs", &mut files);
    let en = keys_of(Language::En, "refusals.ftl");
    let mut used = 0;
    for file in files {
        if file.ends_with("catalogue_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for key in keys_used(&text) {
            used += 1;
            assert!(
                en.contains(&key),
                "{} uses {key}, which no catalogue has",
                file.display()
            );
        }
    }
    assert!(
        used > 50,
        "only {used} keys found in use: is the call pattern still tr(\"…\")?"
    );
    for status in RequestStatus::ALL {
        let key = format!("request-status-{}", status.as_str());
        assert!(en.contains(&key), "{key} is missing");
    }
}

#[test]
fn a_message_is_said_in_its_language_with_plurals() {
    let one = Msg::new(Language::De, "attention-heading").num("count", 1);
    let two = Msg::new(Language::De, "attention-heading").num("count", 2);
    assert_eq!(one.to_string(), "1 Punkt braucht Ihre Aufmerksamkeit");
    assert_eq!(two.to_string(), "2 Punkte brauchen Ihre Aufmerksamkeit");
    let en = Msg::new(Language::En, "link-title").arg("company", "ACME");
    assert_eq!(en.to_string(), "Send documents to ACME");
    assert_eq!(
        Msg::new(Language::De, "no-such-message").to_string(),
        "no-such-message"
    );
}

#[test]
fn a_multi_line_email_keeps_its_blank_lines_and_indent() {
    let body = Msg::new(Language::En, "email-rejected-body")
        .arg("name", "Bob")
        .arg("request", "Invoice")
        .arg("project", "Audit")
        .arg("cycle", "Q1")
        .arg("reason", "blurred")
        .to_string();
    assert_eq!(
        body,
        "Hello Bob,\n\nthe file for “Invoice” in Audit Q1 was not accepted:\n\n    blurred\n\n\
         Please send a new file through the upload link you were given.\n\n— Hopper"
    );
}

#[test]
fn the_emailed_receipt_reads_in_english_as_it_always_did() {
    let greeting = Msg::new(Language::En, "email-receipt-greeting")
        .arg("name", "Vera")
        .arg("project", "Audit");
    assert_eq!(
        greeting.to_string(),
        "Hello Vera,\n\nthis is the receipt of the files you sent to Audit."
    );
    let subject = Msg::new(Language::De, "email-receipt-subject").arg("project", "Audit");
    assert_eq!(subject.to_string(), "Ihre Quittung von Audit");
}
