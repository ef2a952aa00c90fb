//! The fields of a document request, as an admin types them (in a project's request list
//! or in one cycle).

use chrono_tz::Tz;
use serde::Deserialize;

use crate::db::models::document_request::RequestFields;
use crate::domain::{fields, FieldErrors, RequestPattern};

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
        Some(RequestFields {
            name: name?,
            instructions: instructions?,
            required: self.required.is_some(),
            accepted_types: accepted_types?,
            pattern: pattern?,
            multiple_files: self.multiple_files.is_some(),
        })
    }

    pub fn parse_due(
        &self,
        errors: &mut FieldErrors,
        timezone: Tz,
    ) -> Option<Option<chrono::DateTime<chrono::Utc>>> {
        errors.check("due", fields::due_date(&self.due, timezone))
    }
}
