//! Numbers, sizes and times as a language writes them. English keeps the forms Hopper has
//! always shown (members read them too); German writes "1,5 MiB" and "6. Dez. 2026, 08:17".

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;

use crate::domain::sizes::human_size;
use crate::domain::Language;

/// The months as German dates abbreviate them (CLDR's format abbreviations).
const DE_MONTHS: [&str; 12] = [
    "Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez.",
];

/// `1.5 GiB` / `1,5 GiB`, `12.0 KiB` / `12,0 KiB`, `7 B`.
pub fn size(language: Language, bytes: u64) -> String {
    let english = human_size(bytes);
    match language {
        Language::En => english,
        Language::De => english.replacen('.', ",", 1),
    }
}

/// A whole number with the language's thousands separator: `12,345` / `12.345`.
pub fn count(language: Language, value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let separator = match language {
        Language::En => ',',
        Language::De => '.',
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(separator);
        }
        out.push(digit);
    }
    out
}

/// A moment in `timezone`, to the minute, with the zone's abbreviation.
pub fn moment(language: Language, at: DateTime<Utc>, timezone: Tz) -> String {
    let local = at.with_timezone(&timezone);
    match language {
        Language::En => local.format("%Y-%m-%d %H:%M %Z").to_string(),
        Language::De => {
            let month = DE_MONTHS
                .get(local.month0() as usize)
                .copied()
                .unwrap_or_default();
            format!(
                "{}. {month} {}, {}",
                local.day(),
                local.year(),
                local.format("%H:%M %Z")
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_the_languages_decimal_separator() {
        assert_eq!(size(Language::En, 1536 * 1024), "1.5 MiB");
        assert_eq!(size(Language::De, 1536 * 1024), "1,5 MiB");
        assert_eq!(size(Language::De, 7), "7 B");
        assert_eq!(size(Language::De, 3 * 1024 * 1024 * 1024), "3,0 GiB");
    }

    #[test]
    fn counts_group_thousands_as_the_language_does() {
        assert_eq!(count(Language::En, 1_234_567), "1,234,567");
        assert_eq!(count(Language::De, 1_234_567), "1.234.567");
        assert_eq!(count(Language::De, 999), "999");
        assert_eq!(count(Language::En, -1000), "-1,000");
        assert_eq!(count(Language::De, 0), "0");
    }

    #[test]
    fn moments_read_as_the_language_writes_dates() {
        let at = DateTime::parse_from_rfc3339("2026-12-06T08:17:00Z")
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(moment(Language::De, at, Tz::UTC), "6. Dez. 2026, 08:17 UTC");
        assert_eq!(moment(Language::En, at, Tz::UTC), "2026-12-06 08:17 UTC");
        assert_eq!(
            moment(Language::De, at, chrono_tz::Europe::Berlin),
            "6. Dez. 2026, 09:17 CET"
        );
        let march = at.with_month(3).unwrap_or_default();
        assert_eq!(
            moment(Language::De, march, Tz::UTC),
            "6. März 2026, 08:17 UTC"
        );
    }
}
