//! What a request asks for: a file (uploaded), or an answer typed on the request's card —
//! text, a number, a date, yes/no, or one of given choices. An answer is kept as text in
//! one canonical form per kind, so what a sender types, an export lists and a webhook
//! tells are the same string.

use chrono::NaiveDate;

use crate::domain::refusal::AnswerRefused;

crate::text_enum! {
    pub enum RequestKind {
        File = "file", "A file";
        Text = "text", "Text";
        Number = "number", "A number";
        Date = "date", "A date";
        YesNo = "yes_no", "Yes or no";
        Choice = "choice", "One of given choices";
    }
}

/// The longest answer (and the database's limit).
pub const MAX_ANSWER_CHARS: usize = 5000;
/// The most choices a question offers, and the longest one.
pub const MAX_CHOICES: usize = 50;
pub const MAX_CHOICE_CHARS: usize = 200;

impl RequestKind {
    /// Answered on the card rather than by a file.
    pub fn is_question(self) -> bool {
        self != RequestKind::File
    }

    /// The answer `raw` in its canonical form, or why it is not one.
    pub fn parse_answer(self, raw: &str, choices: &[String]) -> Result<String, AnswerRefused> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(AnswerRefused::Empty);
        }
        if value.chars().count() > MAX_ANSWER_CHARS {
            return Err(AnswerRefused::TooLong {
                max: MAX_ANSWER_CHARS,
            });
        }
        let shown = || value.chars().take(100).collect::<String>();
        match self {
            RequestKind::File => Err(AnswerRefused::NotAQuestion),
            RequestKind::Text => Ok(value.replace("\r\n", "\n")),
            RequestKind::Number => {
                number(value).ok_or(AnswerRefused::NotANumber { value: shown() })
            }
            RequestKind::Date => NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map(|d| d.format("%Y-%m-%d").to_string())
                .map_err(|_| AnswerRefused::NotADate { value: shown() }),
            RequestKind::YesNo => match value.to_lowercase().as_str() {
                "yes" | "true" => Ok("yes".into()),
                "no" | "false" => Ok("no".into()),
                _ => Err(AnswerRefused::NotYesOrNo),
            },
            RequestKind::Choice => choices
                .iter()
                .find(|c| c.trim() == value)
                .cloned()
                .ok_or_else(|| AnswerRefused::NotAChoice {
                    choices: choices.join(", "),
                }),
        }
    }
}

/// A decimal number as typed (`-1234.5`, `1 234,50` with a comma as the decimal mark),
/// without grouping: `-1234.5`. Exponents, `NaN` and `inf` are not numbers a person types.
fn number(value: &str) -> Option<String> {
    let compact: String = value
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    // One comma and no dot: the comma is the decimal mark (German "1234,50").
    let normalised = if compact.matches(',').count() == 1 && !compact.contains('.') {
        compact.replace(',', ".")
    } else {
        compact.replace(',', "")
    };
    let digits = normalised.strip_prefix(['-', '+']).unwrap_or(&normalised);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let plain = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !plain(whole) || !plain(fraction) || digits.ends_with('.') {
        return None;
    }
    if digits.len() > 40 {
        return None;
    }
    let sign = if normalised.starts_with('-') { "-" } else { "" };
    Some(format!("{sign}{digits}"))
}

/// The choices an admin typed, one a line: trimmed, blank lines dropped, each at most
/// [`MAX_CHOICE_CHARS`], no two alike, at most [`MAX_CHOICES`].
pub fn parse_choices(text: &str) -> Result<Vec<String>, String> {
    let mut choices: Vec<String> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.chars().count() > MAX_CHOICE_CHARS {
            return Err(format!(
                "Each choice is at most {MAX_CHOICE_CHARS} characters."
            ));
        }
        if choices.iter().any(|c| c.eq_ignore_ascii_case(line)) {
            return Err(format!("“{line}” is there twice."));
        }
        choices.push(line.to_owned());
    }
    if choices.len() > MAX_CHOICES {
        return Err(format!("At most {MAX_CHOICES} choices."));
    }
    Ok(choices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_take_their_canonical_form() {
        let none: &[String] = &[];
        assert_eq!(
            RequestKind::Number.parse_answer(" 1 234,50 ", none),
            Ok("1234.50".into())
        );
        assert_eq!(
            RequestKind::Number.parse_answer("1,234.5", none),
            Ok("1234.5".into())
        );
        assert_eq!(
            RequestKind::Number.parse_answer("-7", none),
            Ok("-7".into())
        );
        assert!(RequestKind::Number.parse_answer("1e9", none).is_err());
        assert!(RequestKind::Number.parse_answer("NaN", none).is_err());
        assert!(RequestKind::Number.parse_answer("12.", none).is_err());
        assert_eq!(
            RequestKind::Date.parse_answer("2026-02-28", none),
            Ok("2026-02-28".into())
        );
        assert!(RequestKind::Date.parse_answer("2026-02-30", none).is_err());
        assert_eq!(
            RequestKind::YesNo.parse_answer("Yes", none),
            Ok("yes".into())
        );
        assert_eq!(
            RequestKind::YesNo.parse_answer("maybe", none),
            Err(AnswerRefused::NotYesOrNo)
        );
        let choices = vec!["Sole trader".to_owned(), "Limited company".to_owned()];
        assert_eq!(
            RequestKind::Choice.parse_answer("Limited company", &choices),
            Ok("Limited company".into())
        );
        assert!(RequestKind::Choice
            .parse_answer("Partnership", &choices)
            .is_err());
        assert_eq!(
            RequestKind::Text.parse_answer("  ", none),
            Err(AnswerRefused::Empty)
        );
        assert_eq!(
            RequestKind::File.parse_answer("x", none),
            Err(AnswerRefused::NotAQuestion)
        );
    }

    #[test]
    fn choices_are_one_a_line_without_repeats() {
        assert_eq!(
            parse_choices("a\n\n b \n"),
            Ok(vec!["a".into(), "b".into()])
        );
        assert!(parse_choices("a\nA").is_err());
    }
}
