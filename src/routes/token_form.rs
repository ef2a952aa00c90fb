//! The form of a new API token, personal or machine: a name, scopes, days of validity
//! and (personal tokens) the projects. Repeated `scope` and `project` fields are read
//! from the raw pairs (a plain struct cannot take them).

use chrono::Duration;

use crate::db::ids::ProjectId;
use crate::domain::{fields, TokenScope};
use crate::services::api_tokens::TokenRequest;
use crate::web::FieldErrors;

#[derive(Debug, Clone)]
pub struct TokenForm {
    pub name: String,
    pub days: String,
    pub scopes: Vec<String>,
    pub projects: Vec<String>,
}

impl Default for TokenForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            days: "90".into(),
            // Nothing ticked: whoever makes a token says what it may do.
            scopes: Vec::new(),
            projects: Vec::new(),
        }
    }
}

impl TokenForm {
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut form = TokenForm {
            scopes: Vec::new(),
            ..TokenForm::default()
        };
        for (key, value) in pairs {
            match key.as_str() {
                "name" => form.name = value,
                "days" => form.days = value,
                "scope" => form.scopes.push(value),
                "project" => form.projects.push(value),
                _ => {}
            }
        }
        form
    }

    pub fn has_scope(&self, scope: &TokenScope) -> bool {
        self.scopes.iter().any(|s| s == scope.as_str())
    }

    pub fn has_project(&self, id: &ProjectId) -> bool {
        self.projects.contains(&id.to_string())
    }

    pub fn parse(&self) -> Result<TokenRequest, FieldErrors> {
        let mut errors = FieldErrors::default();
        let name = errors.check("name", fields::required_name(&self.name, "name", 100));
        let days = errors.check(
            "days",
            self.days
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|d| (1..=730).contains(d))
                .ok_or_else(|| "A token lasts 1 to 730 days.".to_owned()),
        );
        let scopes: Option<Vec<TokenScope>> =
            self.scopes.iter().map(|s| TokenScope::parse(s)).collect();
        let scopes = errors.check(
            "scope",
            scopes
                .filter(|s| !s.is_empty())
                .ok_or_else(|| "Choose what the token may do: upload, read or both.".to_owned()),
        );
        let projects = errors.check(
            "project",
            self.projects
                .iter()
                .map(|p| p.trim().parse().ok().map(ProjectId))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| "Choose projects from the list.".to_owned()),
        );
        match (name, days, scopes, projects) {
            (Some(name), Some(days), Some(mut scopes), Some(projects)) if errors.is_empty() => {
                scopes.dedup();
                Ok(TokenRequest {
                    name,
                    scopes,
                    projects,
                    valid_for: Duration::days(days),
                })
            }
            _ => Err(errors),
        }
    }
}
