//! The message catalogue: one Fluent bundle per language, built once from the `.ftl`
//! files compiled into the binary. A message missing in a language is said in English;
//! one missing in English too is logged and shown as its key (a test keeps both from
//! happening: every key is in every language, every key used exists).

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

use crate::domain::Language;
use crate::i18n::format;

/// Every catalogue file: its language, its name (for errors) and its text. German
/// `refusals.ftl` has no English twin: a refusal's English sentence is its `#[error]`.
pub(super) const FILES: &[(Language, &str, &str)] = &[
    (
        Language::En,
        "en/outsider.ftl",
        include_str!("../../locales/en/outsider.ftl"),
    ),
    (
        Language::En,
        "en/scripts.ftl",
        include_str!("../../locales/en/scripts.ftl"),
    ),
    (
        Language::En,
        "en/email.ftl",
        include_str!("../../locales/en/email.ftl"),
    ),
    (
        Language::De,
        "de/outsider.ftl",
        include_str!("../../locales/de/outsider.ftl"),
    ),
    (
        Language::De,
        "de/scripts.ftl",
        include_str!("../../locales/de/scripts.ftl"),
    ),
    (
        Language::De,
        "de/email.ftl",
        include_str!("../../locales/de/email.ftl"),
    ),
    (
        Language::De,
        "de/refusals.ftl",
        include_str!("../../locales/de/refusals.ftl"),
    ),
];

type Bundle = FluentBundle<FluentResource>;

fn bundle(language: Language) -> Bundle {
    let id: LanguageIdentifier = language.as_str().parse().unwrap_or_default();
    let mut bundle = Bundle::new_concurrent(vec![id]);
    // Text goes into HTML and emails: no bidi isolation marks around arguments.
    bundle.set_use_isolating(false);
    let sized = bundle.add_function("SIZE", move |positional, _| {
        let bytes = match positional.first() {
            Some(FluentValue::Number(n)) => n.value,
            Some(FluentValue::String(s)) => s.parse().unwrap_or(0.0),
            _ => 0.0,
        };
        // Sizes are whole bytes; a fraction or a negative is nobody's size.
        FluentValue::from(format::size(language, bytes.max(0.0) as u64))
    });
    if let Err(e) = sized {
        tracing::error!(error = %e, "the catalogue's SIZE function is missing");
    }
    for (lang, name, text) in FILES {
        if *lang != language {
            continue;
        }
        let resource = FluentResource::try_new((*text).to_owned()).unwrap_or_else(|(r, errors)| {
            tracing::error!(
                file = name,
                ?errors,
                "catalogue file does not parse in full"
            );
            r
        });
        if let Err(errors) = bundle.add_resource(resource) {
            tracing::error!(file = name, ?errors, "catalogue file overrides messages");
        }
    }
    bundle
}

fn bundles() -> &'static [(Language, Bundle)] {
    static BUNDLES: OnceLock<Vec<(Language, Bundle)>> = OnceLock::new();
    BUNDLES.get_or_init(|| Language::ALL.iter().map(|&l| (l, bundle(l))).collect())
}

fn bundle_of(language: Language) -> Option<&'static Bundle> {
    bundles()
        .iter()
        .find(|(l, _)| *l == language)
        .map(|(_, b)| b)
}

/// Whether `language` itself has a message `key` (no fallback).
pub fn has(language: Language, key: &str) -> bool {
    bundle_of(language).is_some_and(|b| b.has_message(key))
}

fn format_in(bundle: &Bundle, key: &str, args: &FluentArgs) -> Option<String> {
    let pattern = bundle.get_message(key)?.value()?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(args), &mut errors);
    if !errors.is_empty() {
        tracing::warn!(key, ?errors, "a catalogue message did not format cleanly");
    }
    Some(text.into_owned())
}

/// Message `key` in `language` with `args`; in English when the language lacks it.
pub fn say(language: Language, key: &str, args: &FluentArgs) -> String {
    bundle_of(language)
        .and_then(|b| format_in(b, key, args))
        .or_else(|| bundle_of(Language::En).and_then(|b| format_in(b, key, args)))
        .unwrap_or_else(|| {
            tracing::error!(key, "no catalogue has this message");
            key.to_owned()
        })
}

/// A message to say, with its arguments; shown (`Display`) in its language. Templates
/// write `{{ page.tr("link-title").arg("company", open.company_name) }}`; the output is
/// text, escaped like any other.
pub struct Msg {
    language: Language,
    key: Cow<'static, str>,
    args: FluentArgs<'static>,
}

impl Msg {
    pub fn new(language: Language, key: impl Into<Cow<'static, str>>) -> Self {
        Msg {
            language,
            key: key.into(),
            args: FluentArgs::new(),
        }
    }

    /// A text argument.
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.args.set(name, FluentValue::from(value.to_string()));
        self
    }

    /// A number argument: plurals select by it.
    pub fn num(mut self, name: &'static str, value: impl Count) -> Self {
        self.args.set(name, FluentValue::from(value.count()));
        self
    }
}

/// A whole number a message can count with (templates pass them by reference or not).
pub trait Count {
    fn count(&self) -> i64;
}

macro_rules! count_of {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn count(&self) -> i64 {
                i64::try_from(*self).unwrap_or(i64::MAX)
            }
        }
    )*};
}
count_of!(i32, i64, u32, u64, usize);

impl<T: Count + ?Sized> Count for &T {
    fn count(&self) -> i64 {
        (**self).count()
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&say(self.language, &self.key, &self.args))
    }
}

impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Msg({}, {})", self.language.as_str(), self.key)
    }
}

#[cfg(test)]
#[path = "catalogue_tests.rs"]
mod tests;
