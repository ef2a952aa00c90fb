//! Askama filters shared by every template: `{{ bytes|size }}` and
//! `{{ at|local(page.timezone()) }}`. A template struct's module brings them in with
//! `use crate::web::filters;`.

use askama::Values;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::sizes::human_size;

/// Something with a byte count: sizes, counters, optional ones.
pub trait ByteCount {
    fn byte_count(&self) -> Option<u64>;
}

impl ByteCount for i64 {
    fn byte_count(&self) -> Option<u64> {
        Some(u64::try_from(*self).unwrap_or(0))
    }
}

impl ByteCount for u64 {
    fn byte_count(&self) -> Option<u64> {
        Some(*self)
    }
}

impl<T: ByteCount> ByteCount for Option<T> {
    fn byte_count(&self) -> Option<u64> {
        self.as_ref().and_then(ByteCount::byte_count)
    }
}

impl<T: ByteCount + ?Sized> ByteCount for &T {
    fn byte_count(&self) -> Option<u64> {
        (**self).byte_count()
    }
}

/// `1.5 GiB`, `12 KiB`, `7 B`; `—` when there is no size.
pub fn size_text<T: ByteCount>(value: T) -> String {
    value.byte_count().map_or_else(|| "—".into(), human_size)
}

/// `{{ bytes|size }}`: [`size_text`].
#[askama::filter_fn]
pub fn size<T: ByteCount>(value: T, _: &dyn Values) -> askama::Result<String> {
    Ok(size_text(value))
}

/// `{{ file.file_path|breakable|safe }}`: the text escaped, with a line-break chance after
/// each separator (`/ _ - .`), so a long file name wraps between its parts on a phone
/// rather than in the middle of a word.
#[askama::filter_fn]
pub fn breakable(text: &str, _: &dyn Values) -> askama::Result<String> {
    Ok(breakable_text(text))
}

/// The text escaped, with `<wbr>` after each separator: [`breakable`].
pub fn breakable_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
        if matches!(c, '/' | '_' | '-' | '.') {
            out.push_str("<wbr>");
        }
    }
    out
}

/// `{{ change.field|field_label }}`: an audit field as a person names it.
#[askama::filter_fn]
pub fn field_label(field: &str, _: &dyn Values) -> askama::Result<String> {
    Ok(crate::web::history_words::field_label(field))
}

/// `{{ row.action|action_words }}`: an audit action in words.
#[askama::filter_fn]
pub fn action_words(action: &str, _: &dyn Values) -> askama::Result<String> {
    Ok(crate::web::history_words::action_words(action))
}

/// `{{ change.before|value_words(change.field) }}`: a recorded value in words.
#[askama::filter_fn]
pub fn value_words(value: &str, _: &dyn Values, field: &str) -> askama::Result<String> {
    Ok(crate::web::history_words::value_words(value, field))
}

/// Something that may be a moment.
pub trait Moment {
    fn moment(&self) -> Option<DateTime<Utc>>;
}

impl Moment for DateTime<Utc> {
    fn moment(&self) -> Option<DateTime<Utc>> {
        Some(*self)
    }
}

impl<T: Moment> Moment for Option<T> {
    fn moment(&self) -> Option<DateTime<Utc>> {
        self.as_ref().and_then(Moment::moment)
    }
}

impl<T: Moment + ?Sized> Moment for &T {
    fn moment(&self) -> Option<DateTime<Utc>> {
        (**self).moment()
    }
}

/// How Hopper shows a time: minutes, in the viewer's timezone, with its abbreviation.
pub fn time_in(at: DateTime<Utc>, timezone: Tz) -> String {
    at.with_timezone(&timezone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// A time in the viewer's timezone, or `otherwise`.
pub fn local_or_text<T: Moment>(at: T, timezone: Tz, otherwise: &str) -> String {
    at.moment()
        .map_or_else(|| otherwise.to_owned(), |at| time_in(at, timezone))
}

/// `{{ at|local(page.timezone()) }}`: a time in the viewer's timezone; `—` when there is none.
#[askama::filter_fn]
pub fn local<T: Moment>(at: T, _: &dyn Values, timezone: Tz) -> askama::Result<String> {
    Ok(local_or_text(at, timezone, "—"))
}

/// `{{ at|local_or(page.timezone(), "never") }}`: [`local_or_text`].
#[askama::filter_fn]
pub fn local_or<T: Moment>(
    at: T,
    _: &dyn Values,
    timezone: Tz,
    otherwise: &str,
) -> askama::Result<String> {
    Ok(local_or_text(at, timezone, otherwise))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_breakable_name_is_escaped_and_breaks_after_its_separators() {
        let name = breakable_text("a<b>/c_d-e.pdf");
        assert_eq!(name, "a&lt;b&gt;/<wbr>c_<wbr>d-<wbr>e.<wbr>pdf");
    }

    #[test]
    fn sizes_and_times_read_the_same_everywhere() {
        assert_eq!(size_text(1536_i64), "1.5 KiB");
        assert_eq!(size_text(None::<i64>), "—");
        assert_eq!(size_text(-5_i64), "0 B");
        let at = DateTime::from_timestamp(0, 0).unwrap();
        assert_eq!(
            local_or_text(at, chrono_tz::Europe::Paris, "—"),
            "1970-01-01 01:00 CET"
        );
        assert_eq!(
            local_or_text(None::<DateTime<Utc>>, Tz::UTC, "never"),
            "never"
        );
    }
}
