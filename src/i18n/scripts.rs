//! The scripts' messages (`scripts.ftl`) for a page's data block: each message with its
//! `{ $name }` placeables left as `{name}`, which the script fills in (it has no Fluent).

use fluent_bundle::{FluentArgs, FluentValue};

use crate::domain::Language;
use crate::i18n::catalogue::{say, FILES};

/// The scripts' messages in `language` as a JSON object, safe inside `<script>`.
pub fn script_messages(language: Language) -> String {
    let mut messages = serde_json::Map::new();
    let english = FILES
        .iter()
        .filter(|(l, name, _)| *l == Language::En && name.ends_with("scripts.ftl"));
    for (_, _, text) in english {
        for line in text.lines().filter(|l| l.starts_with("js-")) {
            let Some((key, pattern)) = line.split_once(" = ") else {
                continue;
            };
            let mut args = FluentArgs::new();
            for name in pattern
                .split("{ $")
                .skip(1)
                .filter_map(|p| p.split(' ').next())
            {
                args.set(name.to_owned(), FluentValue::from(format!("{{{name}}}")));
            }
            let said = say(language, key, &args);
            messages.insert(key.trim_start_matches("js-").to_owned(), said.into());
        }
    }
    // "</script>" in a message must not end the block: JSON allows \u003c for "<".
    serde_json::Value::Object(messages)
        .to_string()
        .replace('<', "\\u003c")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scripts_get_their_messages_with_placeholders() {
        let de: serde_json::Value =
            serde_json::from_str(&script_messages(Language::De)).unwrap_or_default();
        assert_eq!(de["pause"], "Anhalten");
        assert_eq!(
            de["summary"],
            "{done} von {total} gesendet, noch {left} Datei(en)"
        );
        let en: serde_json::Value =
            serde_json::from_str(&script_messages(Language::En)).unwrap_or_default();
        assert_eq!(en["not-sent"], "not sent: {reason}");
    }
}
