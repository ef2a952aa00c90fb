//! The JSON shapes of the automation API (what a firm's system sends and reads).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use crate::routes::api::{CycleJson, RequestJson};
use crate::services::missing::OpenRequest;
use crate::services::upload_links::UploadLink;

/// A new cycle and the requests copied into it from the project's list.
#[derive(Debug, Serialize, ToSchema)]
pub struct StartedCycleJson {
    pub cycle: CycleJson,
    pub requests: Vec<RequestJson>,
}

/// How to start a cycle (the body may be left out): when it is due.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct NewCycleJson {
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
}

/// A request to add to a cycle.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRequestJson {
    pub name: String,
    #[serde(default)]
    pub instructions: Option<String>,
    /// Default true.
    #[serde(default = "yes")]
    pub required: bool,
    /// File extensions taken (`pdf`, `xlsx`); empty: the project's.
    #[serde(default)]
    pub accepted_types: Vec<String>,
    /// A filename pattern (shell glob) that files matching uploads under it.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Default false: a newer file replaces the earlier one.
    #[serde(default)]
    pub multiple_files: bool,
    /// Its own due date; none: the cycle's.
    #[serde(default)]
    pub due_at: Option<DateTime<Utc>>,
    /// `file` (default), or a question: `text`, `number`, `date`, `yes_no`, `choice`.
    #[serde(default)]
    pub kind: Option<String>,
    /// A `choice` question's choices (at least two).
    #[serde(default)]
    pub choices: Vec<String>,
}

/// A question's answer (`PUT /api/v1/requests/{id}/answer`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AnswerJson {
    /// Text; a number (`1234.5`, `1 234,50`); a date `YYYY-MM-DD`; `yes` or `no`; or one
    /// of the choices, as listed.
    pub value: String,
}

fn yes() -> bool {
    true
}

/// `null` and absent told apart: absent leaves a field, `null` clears it.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// What to change of a request: only the fields sent change; `null` clears
/// `instructions`, `pattern` and `due_at`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestPatchJson {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub instructions: Option<Option<String>>,
    #[serde(default)]
    pub required: Option<bool>,
    #[serde(default)]
    pub accepted_types: Option<Vec<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub pattern: Option<Option<String>>,
    #[serde(default)]
    pub multiple_files: Option<bool>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub due_at: Option<Option<DateTime<Utc>>>,
    /// What it asks for; changes only while nothing fulfils it.
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub choices: Option<Vec<String>>,
}

/// A review decision on a request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReviewJson {
    /// `accept`, `reject`, `not_applicable` or `reopen`.
    pub decision: String,
    /// Why (needed to reject or set aside): the sender reads it.
    #[serde(default)]
    pub reason: Option<String>,
}

/// A new upload link into a cycle.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewLinkJson {
    /// Who or what it is for (shown to the firm, not the sender).
    pub label: String,
    /// How long it works, 1 to 90 days (default 14).
    #[serde(default)]
    pub days: Option<u32>,
    /// 4 to 12 digits the sender must type (sent to them separately).
    #[serde(default)]
    pub pin: Option<String>,
    /// Files it takes in all (default 50).
    #[serde(default)]
    pub max_files: Option<u32>,
    /// MiB it takes in all (default 500).
    #[serde(default)]
    pub max_mib: Option<u32>,
    /// The requests it is for; empty: the whole cycle.
    #[serde(default)]
    pub request_ids: Vec<i32>,
    /// The language of its pages (`en`, `de`); none: the company's.
    #[serde(default)]
    pub language: Option<String>,
}

impl NewLinkJson {
    /// The fields as the admin's form has them (its rules apply alike).
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut pairs = vec![("label".to_owned(), self.label.clone())];
        let mut put = |key: &str, value: Option<String>| {
            if let Some(value) = value {
                pairs.push((key.to_owned(), value));
            }
        };
        put("days", self.days.map(|d| d.to_string()));
        put("pin", self.pin.clone());
        put("max_files", self.max_files.map(|d| d.to_string()));
        put("max_mib", self.max_mib.map(|d| d.to_string()));
        put("language", self.language.clone());
        for id in &self.request_ids {
            pairs.push(("request".to_owned(), id.to_string()));
        }
        pairs
    }
}

/// An upload link (never its token).
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkJson {
    pub id: i32,
    pub project_id: i32,
    pub cycle_id: i32,
    pub label: String,
    /// The requests it is for; empty: the whole cycle.
    pub request_ids: Vec<i32>,
    pub has_pin: bool,
    pub max_files: i32,
    pub max_bytes: i64,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl LinkJson {
    pub fn of(l: &UploadLink) -> Self {
        Self {
            id: l.id.0,
            project_id: l.project_id.0,
            cycle_id: l.cycle_id.0,
            label: l.label.clone(),
            request_ids: l.request_ids.iter().flatten().copied().collect(),
            has_pin: l.pin_hash.is_some(),
            max_files: l.max_files,
            max_bytes: l.max_bytes,
            expires_at: l.expires_at,
            revoked_at: l.revoked_at,
        }
    }
}

/// A new link and its address, shown this once (only its hash is kept).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedLinkJson {
    pub link: LinkJson,
    pub url: String,
}

/// An open request of an open cycle.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingRequestJson {
    pub id: i32,
    pub name: String,
    /// `missing`, `submitted` (waiting for review) or `rejected` (a new file or answer is
    /// needed).
    pub status: String,
    /// `file`, or the kind of question (`text`, `number`, `date`, `yes_no`, `choice`).
    pub kind: String,
    pub required: bool,
    /// Why it was rejected.
    pub note: Option<String>,
    pub due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub cycle_id: i32,
    pub cycle: String,
    pub project_id: i32,
    pub project: String,
}

impl MissingRequestJson {
    pub fn of(r: &OpenRequest, now: DateTime<Utc>) -> Self {
        Self {
            id: r.id.0,
            name: r.name.clone(),
            status: r.status.as_str().to_owned(),
            kind: r.kind.as_str().to_owned(),
            required: r.required,
            note: r.note.clone(),
            due_at: r.due_at,
            overdue: r.is_overdue(now),
            cycle_id: r.cycle_id.0,
            cycle: r.cycle_name.clone(),
            project_id: r.project_id.0,
            project: r.project_name.clone(),
        }
    }
}

/// What is missing across the company, soonest due first.
#[derive(Debug, Serialize, ToSchema)]
pub struct MissingJson {
    pub requests: Vec<MissingRequestJson>,
    /// More were open than listed (at most 500 are).
    pub more: bool,
}
