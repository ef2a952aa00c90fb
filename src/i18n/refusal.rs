//! A refusal in the reader's language: the catalogue's `refusal-<code>` message (the code
//! with `-` for `.` and `_`) with the refusal's fields as arguments, else its own English
//! sentence. English is always the `#[error]` sentence, so the API and the English pages
//! read exactly as before.

use fluent_bundle::{FluentArgs, FluentValue};

use crate::domain::{Language, Refusal, StoredRefusal};
use crate::i18n::catalogue::{has, say};

/// The catalogue key of a refusal code: `link.wrong_pin` → `refusal-link-wrong-pin`.
pub(super) fn key_of(code: &str) -> String {
    format!("refusal-{}", code.replace(['.', '_'], "-"))
}

/// `refusal` as `language` says it.
pub fn refusal(language: Language, refusal: &Refusal) -> String {
    let key = key_of(refusal.code());
    if language == Language::En || !has(language, &key) {
        return refusal.to_string();
    }
    let mut args = FluentArgs::new();
    for (name, value) in refusal.args() {
        args.set(name, FluentValue::from(value));
    }
    say(language, &key, &args)
}

/// A refusal a failed file keeps, as `language` says it; `None` for English or when the
/// catalogue lacks it (the row's own English sentence stands).
pub fn stored_refusal(language: Language, stored: &StoredRefusal) -> Option<String> {
    let key = key_of(&stored.code);
    if language == Language::En || !has(language, &key) {
        return None;
    }
    let mut args = FluentArgs::new();
    for (name, value) in &stored.args {
        args.set(name.as_str(), FluentValue::from(value.as_str()));
    }
    Some(say(language, &key, &args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::refusal::{LinkRefused, UploadRefused};

    #[test]
    fn a_refusal_is_said_by_its_code_with_its_fields() {
        let pin = Refusal::from(LinkRefused::WrongPin);
        assert_eq!(refusal(Language::En, &pin), pin.to_string());
        assert!(refusal(Language::De, &pin).contains("PIN"));
        assert_ne!(refusal(Language::De, &pin), pin.to_string());
        let large = Refusal::from(UploadRefused::TooLarge {
            path: "a.pdf".into(),
            limit: 1536 * 1024,
        });
        let said = refusal(Language::De, &large);
        assert!(said.contains("a.pdf") && said.contains("1,5 MiB"), "{said}");
    }

    #[test]
    fn a_refusal_the_catalogue_lacks_keeps_its_english_sentence() {
        let other = Refusal::from(UploadRefused::FileFailed("disk on fire".into()));
        assert_eq!(refusal(Language::De, &other), "disk on fire");
    }
}
