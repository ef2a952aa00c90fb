//! Validation of the plain text fields of Hopper's forms. Each parser takes what the user
//! typed and returns either the value to store or the sentence to show next to the field.

use chrono_tz::Tz;

fn has_forbidden_chars(value: &str) -> bool {
    value.chars().any(|c| {
        c.is_control()
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
    })
}

/// A required single-line name (company, project, person) of at most `max` characters.
pub fn required_name(value: &str, what: &str, max: usize) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(format!("Enter a {what}."));
    }
    if value.chars().count() > max {
        return Err(format!("A {what} has at most {max} characters."));
    }
    if has_forbidden_chars(value) {
        return Err(format!(
            "A {what} cannot contain control or text-direction characters."
        ));
    }
    Ok(value.to_owned())
}

/// An optional single-line text: blank is `None`.
pub fn optional_name(value: &str, what: &str, max: usize) -> Result<Option<String>, String> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    required_name(value, what, max).map(Some)
}

/// An optional multi-line description.
pub fn optional_text(value: &str, max: usize) -> Result<Option<String>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > max {
        return Err(format!("At most {max} characters."));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("Remove the control characters.".into());
    }
    Ok(Some(value.to_owned()))
}

pub fn email(value: &str) -> Result<String, String> {
    let value = value.trim();
    let shape_ok = match value.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        }
        None => false,
    };
    if !shape_ok || value.chars().any(char::is_whitespace) || has_forbidden_chars(value) {
        return Err("Enter an email address like name@example.com.".into());
    }
    if value.len() > 255 {
        return Err("An email address has at most 255 characters.".into());
    }
    Ok(value.to_owned())
}

pub fn optional_email(value: &str) -> Result<Option<String>, String> {
    if value.trim().is_empty() {
        return Ok(None);
    }
    email(value).map(Some)
}

pub fn username(value: &str) -> Result<String, String> {
    let value = value.trim();
    if value.len() < 3 || value.len() > 100 {
        return Err("A username has 3 to 100 characters.".into());
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))
    {
        return Err("A username uses letters, digits and . _ @ - only.".into());
    }
    Ok(value.to_owned())
}

/// A company code: upper case letters, digits, `_` and `-` (typed lower case is accepted).
pub fn company_code(value: &str) -> Result<String, String> {
    let value = value.trim().to_ascii_uppercase();
    let mut chars = value.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if !first_ok
        || !value
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '-')
    {
        return Err(
            "A code starts with a letter or digit and uses letters, digits, _ and - only.".into(),
        );
    }
    if value.len() > 50 {
        return Err("A code has at most 50 characters.".into());
    }
    Ok(value)
}

/// AWS's commercial regions: a bucket on AWS lives in one of these.
pub const AWS_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-south-1",
    "me-central-1",
    "mx-central-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
];

/// A bucket's region: on AWS (`on_aws`) one of [`AWS_REGIONS`]; on an S3-compatible
/// store any region name it uses (`garage`, `us-east-1`).
pub fn region(value: &str, on_aws: bool) -> Result<String, String> {
    let value = value.trim();
    if value.is_empty() || value.len() > 50 {
        return Err("Enter the bucket's region, e.g. eu-central-1.".into());
    }
    if !value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(
            "A region uses lowercase letters, digits and hyphens, e.g. eu-central-1.".into(),
        );
    }
    if on_aws && !AWS_REGIONS.contains(&value) {
        return Err(format!(
            "{value} is not an AWS region; pick one from the list (for an S3-compatible store, give its endpoint)."
        ));
    }
    Ok(value.to_owned())
}

/// Whether an S3 endpoint is AWS's own (a missing one is AWS's default).
pub fn is_aws_endpoint(endpoint: Option<&str>) -> bool {
    endpoint.is_none_or(|e| {
        let host = e.split("://").nth(1).unwrap_or(e);
        let host = host.split(['/', ':']).next().unwrap_or(host);
        host == "amazonaws.com" || host.ends_with(".amazonaws.com")
    })
}

/// An optional web link; only http and https are accepted (no `javascript:` links).
pub fn optional_url(value: &str) -> Result<Option<String>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let parsed =
        url::Url::parse(value).map_err(|_| "Enter a full address starting with https://.")?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err("Enter a full address starting with https://.".into());
    }
    if value.len() > 500 {
        return Err("An address has at most 500 characters.".into());
    }
    Ok(Some(parsed.to_string()))
}

pub fn timezone(value: &str) -> Result<Tz, String> {
    value
        .trim()
        .parse::<Tz>()
        .map_err(|_| "Choose a timezone from the list.".to_owned())
}

/// Tags typed as a comma-separated list: trimmed, deduplicated, at most 100 characters each.
pub fn tags(value: &str) -> Result<Vec<String>, String> {
    let mut tags: Vec<String> = Vec::new();
    for tag in value.split(',') {
        let tag = tag.trim();
        if tag.is_empty() {
            continue;
        }
        let tag = required_name(tag, "tag", 100)?;
        if !tags.iter().any(|t| t.eq_ignore_ascii_case(&tag)) {
            tags.push(tag);
        }
    }
    if tags.len() > 20 {
        return Err("A project has at most 20 tags.".into());
    }
    Ok(tags)
}

/// File extensions a project accepts, typed as `pdf, .xlsx, CSV`; empty accepts any.
/// Days before a due date that reminders go out: "7, 3, 1" (each 1–90, at most 10,
/// kept in descending order); empty: no reminders before the due date.
pub fn reminder_days(value: &str) -> Result<Vec<i32>, String> {
    let mut days = Vec::new();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.parse::<i32>() {
            Ok(day) if (1..=90).contains(&day) => days.push(day),
            _ => return Err(format!("“{part}” is not a number of days from 1 to 90.")),
        }
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    if days.len() > 10 {
        return Err("Give at most 10 reminder days.".into());
    }
    Ok(days)
}

pub fn file_types(value: &str) -> Result<Vec<String>, String> {
    let mut types: Vec<String> = Vec::new();
    for ext in value.split(',') {
        let ext = ext.trim().trim_start_matches('.').to_ascii_lowercase();
        if ext.is_empty() {
            continue;
        }
        if ext.len() > 10 || !ext.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "{ext:?} is not a file extension (e.g. pdf, xlsx, csv)."
            ));
        }
        if !types.contains(&ext) {
            types.push(ext);
        }
    }
    Ok(types)
}

/// A due date typed as `2026-12-31` (the end of that day in the viewer's timezone) or
/// `2026-12-31T17:00` (that minute there); blank is none.
pub fn due_date(
    value: &str,
    timezone: Tz,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let local = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map(|d| d.and_time(NaiveTime::from_hms_opt(23, 59, 59).unwrap_or_default()))
        })
        .map_err(|_| "Enter a date as YYYY-MM-DD.".to_owned())?;
    if !(2000..=2200).contains(&chrono::Datelike::year(&local)) {
        return Err("Enter a date between the years 2000 and 2200.".into());
    }
    // A time skipped by a clock change takes the moment just after it.
    let at = timezone
        .from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            timezone
                .from_local_datetime(&(local + chrono::Duration::hours(1)))
                .earliest()
        })
        .ok_or_else(|| "That time does not exist in your timezone.".to_owned())?;
    Ok(Some(at.with_timezone(&chrono::Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_real_on_aws_and_free_on_other_stores() {
        assert!(region("eu-central-1", true).is_ok());
        assert!(region("moon-1", true)
            .unwrap_err()
            .contains("not an AWS region"));
        assert_eq!(region(" garage ", false).as_deref(), Ok("garage"));
        assert!(region("Moon 1", false).is_err());
        assert!(is_aws_endpoint(None));
        assert!(is_aws_endpoint(Some("https://s3.eu-west-1.amazonaws.com")));
        assert!(!is_aws_endpoint(Some("http://127.0.0.1:9000")));
        assert!(!is_aws_endpoint(Some("https://amazonaws.com.evil.example")));
    }

    #[test]
    fn due_dates_are_the_end_of_the_day_where_the_viewer_is() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let at = due_date("2026-12-31", tz).unwrap().unwrap();
        assert_eq!(at.to_rfc3339(), "2026-12-31T22:59:59+00:00");
        let at = due_date("2026-06-30T17:00", tz).unwrap().unwrap();
        assert_eq!(at.to_rfc3339(), "2026-06-30T15:00:00+00:00");
        assert_eq!(due_date(" ", tz).unwrap(), None);
        assert!(due_date("31.12.2026", tz).is_err());
        assert!(due_date("1900-01-01", tz).is_err());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(required_name("  Acme  ", "name", 10).as_deref(), Ok("Acme"));
        assert!(required_name("   ", "name", 10).is_err());
        assert!(required_name("abcdefghijk", "name", 10).is_err());
        assert!(required_name("evil\u{202E}txt", "name", 10).is_err());
    }

    #[test]
    fn links_must_be_web_addresses() {
        assert!(optional_url("javascript:alert(1)").is_err());
        assert!(optional_url("ftp://example.com").is_err());
        assert_eq!(optional_url("").unwrap(), None);
        assert_eq!(
            optional_url("https://example.com/acme").unwrap().as_deref(),
            Some("https://example.com/acme")
        );
    }

    #[test]
    fn codes_are_upper_cased() {
        assert_eq!(company_code("acme-2").as_deref(), Ok("ACME-2"));
        assert!(company_code("-acme").is_err());
        assert!(company_code("ac me").is_err());
    }

    #[test]
    fn tags_are_deduplicated() {
        assert_eq!(tags("a, b ,A,, c").unwrap(), vec!["a", "b", "c"]);
    }
}
