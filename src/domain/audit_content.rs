//! The text an audit row's hash is made of, recomputed outside the database: the same
//! text as `audit_log_content` (migration 120) — v1 rows from their values, v2 rows from
//! their personal fields' salted digests — so that `hopper audit verify` checks each row
//! with its own SHA-256 rather than with SQL functions a superuser could replace, and
//! walks a million rows in seconds (the SQL functions cost ~80 µs a row).
//!
//! The database supplies what only it renders exactly: the creation time in microseconds
//! and `details::text` (jsonb's own text, from which each top-level value's text is sliced
//! as it is printed). `tests/it/audit_content.rs` holds this text equal to the SQL one
//! for rows of every shape.

use std::collections::BTreeMap;

use base64::Engine;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

/// One stored row, as `services::audit_chain` reads it.
#[derive(Debug, Clone, Default)]
pub struct StoredRow {
    pub id: i64,
    pub chain_seq: i64,
    /// `(extract(epoch FROM created_at) * 1000000)::bigint`
    pub created_micros: i64,
    pub actor_user_id: Option<i32>,
    pub actor_username: Option<String>,
    pub company_id: Option<i32>,
    pub project_id: Option<i32>,
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    /// `details::text`
    pub details: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    /// The row's salts (`audit_salts.salts::text`): v2 when present.
    pub salts: Option<String>,
}

/// The row's hash: SHA-256 of its content and its predecessor's hash.
pub fn row_hash(row: &StoredRow, prev_hash: Option<&[u8]>) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(content(row).as_bytes());
    hasher.update(prev_hash.unwrap_or_default());
    hasher.finalize().to_vec()
}

/// `audit_log_content(...)`: the fields joined by commas, each quoted.
pub fn content(row: &StoredRow) -> String {
    let numbers = |n: Option<i64>| quote_nullable(n.map(|n| n.to_string()).as_deref());
    let head = [
        numbers(Some(row.id)),
        numbers(Some(row.chain_seq)),
        numbers(Some(row.created_micros)),
        numbers(row.actor_user_id.map(i64::from)),
    ];
    let place = [
        numbers(row.company_id.map(i64::from)),
        numbers(row.project_id.map(i64::from)),
        quote_nullable(Some(&row.action)),
        quote_nullable(row.resource_type.as_deref()),
        quote_nullable(row.resource_id.as_deref()),
    ];
    let Some(salts) = &row.salts else {
        let mut fields = Vec::with_capacity(13);
        fields.extend(head);
        fields.push(quote_nullable(row.actor_username.as_deref()));
        fields.extend(place);
        fields.push(quote_nullable(Some(&row.details)));
        fields.push(quote_nullable(row.ip_address.as_deref()));
        fields.push(quote_nullable(row.user_agent.as_deref()));
        return fields.join(",");
    };
    // A salts text the database would not parse cannot be checked: no salt matches.
    let salts: serde_json::Value = serde_json::from_str(salts).unwrap_or_default();
    let salt = |field: &str| salt_text(salts.get(field));
    let mut fields = Vec::with_capacity(14);
    fields.push("v2".to_owned());
    fields.extend(head);
    fields.push(quote_literal(&personal_digest(
        row.actor_username.as_deref(),
        salt("actor_username").as_deref(),
    )));
    fields.extend(place);
    fields.push(quote_literal(&details_commitment(
        &row.details,
        salts.get("details"),
    )));
    fields.push(quote_literal(&personal_digest(
        row.ip_address.as_deref(),
        salt("ip_address").as_deref(),
    )));
    fields.push(quote_literal(&personal_digest(
        row.user_agent.as_deref(),
        salt("user_agent").as_deref(),
    )));
    fields.join(",")
}

/// `->>`: a string's value, anything else's JSON text; absent or JSON null: none.
fn salt_text(value: Option<&serde_json::Value>) -> Option<String> {
    match value? {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// PostgreSQL's `quote_literal`: quotes and backslashes doubled, and an `E` before the
/// literal when it holds a backslash.
pub fn quote_literal(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 3);
    if value.contains('\\') {
        quoted.push('E');
    }
    quoted.push('\'');
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            quoted.push(c);
        }
        quoted.push(c);
    }
    quoted.push('\'');
    quoted
}

/// `quote_nullable`: `NULL` unquoted, any value as `quote_literal` quotes its text.
pub fn quote_nullable(value: Option<&str>) -> String {
    value.map_or_else(|| "NULL".to_owned(), quote_literal)
}

/// `audit_log_personal_digest(value, salt)`.
fn personal_digest(value: Option<&str>, salt: Option<&str>) -> String {
    let Some(value) = value else {
        return "NULL".to_owned();
    };
    if let Some(salt) = salt {
        let Ok(salt) = hex::decode(salt) else {
            return "unverifiable".to_owned();
        };
        let mut hasher = Sha256::new();
        hasher.update(&salt);
        hasher.update(value.as_bytes());
        return hex::encode(hasher.finalize());
    }
    match erased_marker_digest(value) {
        Some(digest) => hex::encode(digest),
        None => "unverifiable".to_owned(),
    }
}

/// The digest an erased value's marker keeps: `'^erased:[A-Za-z0-9+/]{43}=$'`.
fn erased_marker_digest(value: &str) -> Option<Vec<u8>> {
    let encoded = value.strip_prefix("erased:")?;
    let (body, pad) = encoded.split_at_checked(43)?;
    let alphabet = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
    if pad != "=" || !body.bytes().all(alphabet) {
        return None;
    }
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
}

/// `#>> '{}'` of a jsonb's text: a string's value, JSON null none, anything else its text.
fn unquoted(text: &str) -> Option<String> {
    if text.starts_with('"') {
        // The database printed it: it parses. Were it not to, nothing would match.
        Some(serde_json::from_str::<String>(text).unwrap_or_default())
    } else if text == "null" {
        None
    } else {
        Some(text.to_owned())
    }
}

/// `audit_log_details_commitment(details, salts)`: each top-level value of an object by
/// its digest, keys in byte order; any other value as one.
fn details_commitment(details: &str, salts: Option<&serde_json::Value>) -> String {
    let salts = salts.filter(|s| !s.is_null());
    if details.starts_with('{') {
        let Ok(entries) = serde_json::from_str::<BTreeMap<String, &RawValue>>(details) else {
            return "unverifiable".to_owned();
        };
        let parts: Vec<String> = entries
            .iter()
            .map(|(key, value)| {
                let value = value.get();
                let text = if has_key(salts, key) {
                    Some(value.to_owned())
                } else {
                    unquoted(value)
                };
                let salt = salt_text(salts.and_then(|s| s.as_object()?.get(key)));
                format!(
                    "{}:{}",
                    quote_literal(key),
                    personal_digest(text.as_deref(), salt.as_deref())
                )
            })
            .collect();
        return format!("{{{}}}", parts.join(","));
    }
    match salts {
        Some(serde_json::Value::String(salt)) => personal_digest(Some(details), Some(salt)),
        _ => personal_digest(unquoted(details).as_deref(), None),
    }
}

/// jsonb's `?`: an object's key, an array's string element, or a string equal to it.
fn has_key(salts: Option<&serde_json::Value>, key: &str) -> bool {
    match salts {
        Some(serde_json::Value::Object(map)) => map.contains_key(key),
        Some(serde_json::Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(key)),
        Some(serde_json::Value::String(s)) => s == key,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_quoted_as_postgres_quotes_them() {
        assert_eq!(quote_literal("plain"), "'plain'");
        assert_eq!(quote_literal("it's"), "'it''s'");
        assert_eq!(quote_literal(r"a\b'c"), r"E'a\\b''c'");
        assert_eq!(quote_nullable(None), "NULL");
        assert_eq!(quote_nullable(Some("")), "''");
    }

    #[test]
    fn an_erased_marker_keeps_its_digest_and_anything_else_is_unverifiable() {
        let digest = Sha256::digest(b"x");
        let marker = format!(
            "erased:{}",
            base64::engine::general_purpose::STANDARD.encode(digest)
        );
        assert_eq!(personal_digest(Some(&marker), None), hex::encode(digest));
        assert_eq!(personal_digest(Some("erased"), None), "unverifiable");
        assert_eq!(personal_digest(Some("erased:short="), None), "unverifiable");
        assert_eq!(personal_digest(None, Some("00")), "NULL");
        assert_eq!(personal_digest(Some("x"), Some("zz")), "unverifiable");
    }

    #[test]
    fn object_values_are_sliced_as_printed_and_unquoted_without_a_salt() {
        let salts = serde_json::json!({"b": "00"});
        let text = details_commitment(r#"{"a": "it's", "b": {"c": [1, 2.50]}}"#, Some(&salts));
        let b = hex::encode(Sha256::digest(
            [&[0u8][..], br#"{"c": [1, 2.50]}"#].concat(),
        ));
        assert_eq!(text, format!("{{'a':unverifiable,'b':{b}}}"));
        assert_eq!(details_commitment("{}", None), "{}");
        assert_eq!(details_commitment("null", None), "NULL");
    }
}
