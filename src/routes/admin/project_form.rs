//! The project form: name, storage location (one of the company's), description, tags,
//! accepted file types, the active and review switches, the reminder schedule.

use serde::Deserialize;

use crate::db::ids::StorageLocationId;
use crate::db::models::storage_location::StorageLocation;
use crate::domain::fields;
use crate::services::project_detail::ProjectDetail;
use crate::services::projects::ProjectInput;
use crate::web::FieldErrors;

#[derive(Debug, Clone, Deserialize)]
pub struct ProjectForm {
    #[serde(default)]
    pub project_name: String,
    /// One of the company's storage locations (an id; anything else is refused).
    #[serde(default)]
    pub storage_location_id: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub allowed_file_types: String,
    /// Checkboxes: present when ticked.
    #[serde(default)]
    pub is_active: Option<String>,
    #[serde(default)]
    pub review_uploads: Option<String>,
    #[serde(default)]
    pub reminder_days: String,
    #[serde(default)]
    pub overdue_every_days: String,
}

impl Default for ProjectForm {
    fn default() -> Self {
        Self {
            project_name: String::new(),
            storage_location_id: String::new(),
            description: String::new(),
            tags: String::new(),
            allowed_file_types: String::new(),
            is_active: Some("on".into()),
            review_uploads: None,
            reminder_days: "7, 3, 1".into(),
            overdue_every_days: "3".into(),
        }
    }
}

impl ProjectForm {
    pub fn from_detail(detail: &ProjectDetail) -> Self {
        let p = &detail.project;
        Self {
            project_name: p.project_name.clone(),
            storage_location_id: p.storage_location_id.to_string(),
            description: p.description.clone().unwrap_or_default(),
            tags: detail.tags.join(", "),
            allowed_file_types: p.accepted_types_text(),
            is_active: p.is_active.then(|| "on".into()),
            review_uploads: p.review_uploads.then(|| "on".into()),
            reminder_days: p.reminder_days_text(),
            overdue_every_days: p.overdue_every_days.to_string(),
        }
    }

    pub fn parse(&self, errors: &mut FieldErrors) -> Option<ProjectInput> {
        let name = errors.check(
            "project_name",
            fields::required_name(&self.project_name, "project name", 255),
        );
        let location = errors.check(
            "storage_location_id",
            self.storage_location_id
                .trim()
                .parse()
                .map(StorageLocationId)
                .map_err(|_| "Choose where the project's files are stored.".to_owned()),
        );
        let description = errors.check(
            "description",
            fields::optional_text(&self.description, 5000),
        );
        let tags = errors.check("tags", fields::tags(&self.tags));
        let allowed = errors.check(
            "allowed_file_types",
            fields::file_types(&self.allowed_file_types),
        );
        let reminder_days =
            errors.check("reminder_days", fields::reminder_days(&self.reminder_days));
        let overdue_every_days = errors.check(
            "overdue_every_days",
            match self.overdue_every_days.trim() {
                "" => Some(3),
                days => days.parse::<i32>().ok().filter(|d| (1..=60).contains(d)),
            }
            .ok_or_else(|| "Remind every 1 to 60 days while overdue.".to_owned()),
        );
        Some(ProjectInput {
            name: name?,
            location: location?,
            description: description?,
            tags: tags?,
            active: self.is_active.is_some(),
            review_uploads: self.review_uploads.is_some(),
            allowed_file_types: allowed?,
            reminder_days: reminder_days?,
            overdue_every_days: overdue_every_days?,
        })
    }
}

/// The storage location select: the company's locations, the chosen one marked.
pub struct LocationChoice {
    pub locations: Vec<StorageLocation>,
}

impl LocationChoice {
    pub fn is_chosen(&self, form: &ProjectForm, location: &StorageLocation) -> bool {
        form.storage_location_id == location.id.to_string()
            || (form.storage_location_id.is_empty() && self.locations.len() == 1)
    }
}
