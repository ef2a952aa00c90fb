//! The fields of a document request, as an admin types them (in a project's request list
//! or in one cycle).

use chrono_tz::Tz;
use serde::Deserialize;

use crate::db::models::cycle_request::CycleRequest;
use crate::db::models::document_request::RequestFields;
use crate::domain::request_kind::parse_choices;
use crate::domain::{fields, FieldErrors, RequestKind, RequestPattern};

/// The kind a form names; blank is a file (forms from before questions existed).
fn kind_of(text: &str) -> Result<RequestKind, String> {
    match text.trim() {
        "" => Ok(RequestKind::File),
        other => {
            RequestKind::parse(other).ok_or_else(|| "Choose what the request asks for.".into())
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub instructions: String,
    /// A checkbox: present when ticked.
    pub required: Option<String>,
    #[serde(default)]
    pub accepted_types: String,
    #[serde(default)]
    pub pattern: String,
    pub multiple_files: Option<String>,
    /// `file`, or the kind of question (`text`, `number`, `date`, `yes_no`, `choice`).
    #[serde(default)]
    pub kind: String,
    /// A choice question's choices, one a line.
    #[serde(default)]
    pub choices: String,
    /// Only in a cycle: the item's own due date.
    #[serde(default)]
    pub due: String,
}

impl RequestForm {
    /// A blank form: required, one file.
    pub fn blank() -> RequestForm {
        RequestForm {
            required: Some("on".into()),
            ..RequestForm::default()
        }
    }

    /// The form showing one of a cycle's requests as it stands (its edit page).
    pub fn of(request: &CycleRequest, timezone: Tz) -> RequestForm {
        let on = |yes: bool| yes.then(|| "on".to_owned());
        RequestForm {
            name: request.name.clone(),
            instructions: request.instructions.clone().unwrap_or_default(),
            required: on(request.required),
            accepted_types: request
                .accepted_types
                .iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            pattern: request.pattern.clone().unwrap_or_default(),
            multiple_files: on(request.multiple_files),
            kind: request.kind.as_str().to_owned(),
            choices: request.choice_list().join("\n"),
            due: request
                .due_at
                .map(|d| d.with_timezone(&timezone).format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
        }
    }

    /// The form as a page first shows it: blank, with nothing to point out.
    pub fn first_view() -> (RequestForm, FieldErrors) {
        (RequestForm::blank(), FieldErrors::default())
    }

    pub fn parse(&self, errors: &mut FieldErrors) -> Option<RequestFields> {
        let name = errors.check("name", fields::required_name(&self.name, "name", 200));
        let instructions = errors.check(
            "instructions",
            fields::optional_text(&self.instructions, 2000),
        );
        let accepted_types =
            errors.check("accepted_types", fields::file_types(&self.accepted_types));
        let pattern = errors.check(
            "pattern",
            RequestPattern::parse(&self.pattern).map(|p| p.map(|p| p.as_str().to_owned())),
        );
        let kind = errors.check("kind", kind_of(&self.kind));
        let choices = errors.check("choices", parse_choices(&self.choices));
        let (kind, choices) = (kind?, choices?);
        let fields = RequestFields {
            name: name?,
            instructions: instructions?,
            required: self.required.is_some(),
            accepted_types: accepted_types?,
            pattern: pattern?,
            multiple_files: self.multiple_files.is_some(),
            kind,
            choices,
        };
        errors.check("choices", fields.fitted())
    }

    /// The kind the form's select shows.
    pub fn kind_value(&self) -> &str {
        if self.kind.is_empty() {
            "file"
        } else {
            &self.kind
        }
    }

    pub fn parse_due(
        &self,
        errors: &mut FieldErrors,
        timezone: Tz,
    ) -> Option<Option<chrono::DateTime<chrono::Utc>>> {
        errors.check("due", fields::due_date(&self.due, timezone))
    }
}
