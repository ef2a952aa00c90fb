use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{CompanyId, ProjectId, UserId};
use crate::schema::audit_log;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log, check_for_backend(diesel::pg::Pg))]
pub struct AuditRow {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub actor_user_id: Option<UserId>,
    pub actor_username: Option<String>,
    pub company_id: Option<CompanyId>,
    pub project_id: Option<ProjectId>,
    pub action: String,
    pub resource_type: Option<String>,
    pub resource_id: Option<String>,
    pub details: serde_json::Value,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}

/// An absent field is written as NULL, not left to its default: the INSERT then has one
/// text whatever is absent, and can be kept prepared (every uploaded file writes one).
#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub struct NewAuditRow<'a> {
    pub actor_user_id: Option<UserId>,
    pub actor_username: Option<&'a str>,
    pub company_id: Option<CompanyId>,
    pub project_id: Option<ProjectId>,
    pub action: &'a str,
    pub resource_type: Option<&'a str>,
    pub resource_id: Option<String>,
    pub details: serde_json::Value,
    pub ip_address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// One field that changed, as a history line shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

fn show(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Bool(true)) => "yes".to_owned(),
        Some(serde_json::Value::Bool(false)) => "no".to_owned(),
        Some(serde_json::Value::Array(items)) if items.iter().all(|i| i.is_string()) => {
            let words: Vec<&str> = items.iter().filter_map(|i| i.as_str()).collect();
            if words.is_empty() {
                "—".to_owned()
            } else {
                words.join(", ")
            }
        }
        Some(other) => other.to_string(),
    }
}

impl AuditRow {
    /// The details other than a change's before and after, field by field, values in
    /// words (row ids left out, as in [`Self::changes`]).
    pub fn facts(&self) -> Vec<(String, String)> {
        let Some(object) = self.details.as_object() else {
            return Vec::new();
        };
        object
            .iter()
            .filter(|(key, _)| {
                !matches!(
                    key.as_str(),
                    "before" | "after" | "id" | "company_id" | "project_id"
                )
            })
            .map(|(key, value)| (key.clone(), show(Some(value))))
            .collect()
    }

    /// The fields whose values differ between `details.before` and `details.after`
    /// (one level deep; nested objects are compared as a whole).
    pub fn changes(&self) -> Vec<Change> {
        let empty = serde_json::Map::new();
        let object = |key: &str| {
            self.details
                .get(key)
                .and_then(serde_json::Value::as_object)
                .unwrap_or(&empty)
                .clone()
        };
        let (before, after) = (object("before"), object("after"));
        let mut fields: Vec<&String> = before.keys().chain(after.keys()).collect();
        fields.sort();
        fields.dedup();
        fields
            .into_iter()
            .filter(|f| before.get(*f) != after.get(*f))
            // Row ids say nothing to a person; the row's own columns say whose it is.
            .filter(|f| !matches!(f.as_str(), "id" | "company_id" | "project_id"))
            .map(|f| Change {
                field: f.clone(),
                before: show(before.get(f)),
                after: show(after.get(f)),
            })
            .collect()
    }
}
