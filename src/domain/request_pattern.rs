//! A request's filename pattern: a shell glob such as `*invoice*.pdf` or
//! `bank/{statement,kontoauszug}*`. Matching ignores case and Unicode normalisation (a
//! macOS folder sends decomposed accents); a pattern without `/` looks at the file name
//! only, one with `/` at the whole relative path.

use globset::{Glob, GlobBuilder, GlobMatcher};
use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone)]
pub struct RequestPattern {
    text: String,
    matcher: GlobMatcher,
    whole_path: bool,
}

const MAX_LEN: usize = 200;

fn folded(value: &str) -> String {
    value.nfc().collect::<String>().to_lowercase()
}

impl RequestPattern {
    /// `None` for a blank pattern (the request is matched by hand only).
    pub fn parse(value: &str) -> Result<Option<RequestPattern>, String> {
        let text = value.trim();
        if text.is_empty() {
            return Ok(None);
        }
        if text.chars().count() > MAX_LEN {
            return Err(format!("A pattern has at most {MAX_LEN} characters."));
        }
        if text.chars().any(char::is_control) {
            return Err("A pattern cannot contain control characters.".into());
        }
        let whole_path = text.contains('/');
        let glob: Glob = GlobBuilder::new(&folded(text.trim_start_matches('/')))
            .literal_separator(whole_path)
            .backslash_escape(true)
            .build()
            .map_err(|e| format!("This is not a valid pattern: {}.", e.kind()))?;
        Ok(Some(RequestPattern {
            text: text.to_owned(),
            matcher: glob.compile_matcher(),
            whole_path,
        }))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether a file at `relative_path` (as uploaded, `/`-separated) matches.
    pub fn matches(&self, relative_path: &str) -> bool {
        let path = folded(relative_path.trim_start_matches('/'));
        if self.whole_path {
            self.matcher.is_match(path.as_str())
        } else {
            let name = path.rsplit('/').next().unwrap_or(&path);
            self.matcher.is_match(name)
        }
    }
}

/// The first of `patterns` (in the request list's order) that `relative_path` matches.
pub fn first_match<'a, K: Copy>(
    patterns: impl IntoIterator<Item = (K, &'a RequestPattern)>,
    relative_path: &str,
) -> Option<K> {
    patterns
        .into_iter()
        .find(|(_, p)| p.matches(relative_path))
        .map(|(key, _)| key)
}

#[cfg(test)]
mod tests {
    use super::{first_match, RequestPattern};

    fn pattern(text: &str) -> RequestPattern {
        RequestPattern::parse(text).unwrap().unwrap()
    }

    #[test]
    fn names_match_whatever_their_case_and_folder() {
        let p = pattern("*invoice*.pdf");
        assert!(p.matches("Invoice 2026-03.PDF"));
        assert!(p.matches("accounts/march/final_INVOICE.pdf"));
        assert!(!p.matches("invoice.pdf.exe"));
        assert!(
            !p.matches("invoices/summary.pdf"),
            "a folder name is not the file name"
        );
    }

    #[test]
    fn accents_match_composed_or_decomposed() {
        let p = pattern("relevé*");
        assert!(p.matches("Releve\u{301} mars.pdf"), "NFD from macOS");
        assert!(p.matches("RELEVÉ mars.pdf"));
    }

    #[test]
    fn paths_when_the_pattern_names_a_folder() {
        let p = pattern("bank/*.csv");
        assert!(p.matches("bank/2026-03.csv"));
        assert!(p.matches("/Bank/jan.CSV"));
        assert!(!p.matches("bank/old/2025.csv"), "* does not cross folders");
        assert!(pattern("**/bank/*.csv").matches("2026/bank/jan.csv"));
    }

    #[test]
    fn alternatives_brackets_and_literal_specials() {
        let p = pattern("{payroll,salaries}_??.xlsx");
        assert!(p.matches("Payroll_03.xlsx"));
        assert!(p.matches("salaries_12.XLSX"));
        assert!(!p.matches("payroll_3.xlsx"));
        assert!(pattern("report[0-9].txt").matches("report7.txt"));
        assert!(pattern(r"weird\[1\].txt").matches("weird[1].txt"));
        assert!(pattern("50% off (final).doc").matches("50% off (final).doc"));
    }

    #[test]
    fn blank_and_broken_patterns() {
        assert!(RequestPattern::parse("   ").unwrap().is_none());
        assert!(RequestPattern::parse("[unclosed").is_err());
        assert!(RequestPattern::parse("a\nb").is_err());
        assert!(RequestPattern::parse(&"x".repeat(201)).is_err());
    }

    #[test]
    fn the_first_request_in_order_wins() {
        let (a, b) = (pattern("*.pdf"), pattern("invoice*"));
        let list = [(1, &a), (2, &b)];
        assert_eq!(first_match(list, "invoice.pdf"), Some(1));
        assert_eq!(first_match(list, "invoice.txt"), Some(2));
        assert_eq!(first_match(list, "notes.txt"), None);
    }
}
