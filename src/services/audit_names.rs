//! The names behind an audit page's ids: who acted (their name, not their user id) and
//! what each row is about (the project, cycle, request, file, link… by its name), loaded
//! in one query per kind for a whole page of rows, within the reader's company.

use std::collections::HashMap;

use diesel::prelude::*;
use serde_json::Value;

use crate::db::ids::CompanyId;
use crate::db::models::audit_log::AuditRow;
use crate::schema::{
    api_tokens, companies, cycle_requests, cycles, document_requests, file_uploads, notifications,
    projects, share_links, storage_locations, upload_links, users,
};

/// Names by kind and id, for one page of audit rows.
#[derive(Debug, Default, Clone)]
pub struct AuditNames {
    people: HashMap<i32, String>,
    projects: HashMap<i32, String>,
    /// `(resource_type, id)` → what it is called, with its kind in words.
    resources: HashMap<(String, i32), String>,
}

/// "Ada Lovelace", or the username where no full name is set.
fn person(username: String, full_name: Option<String>) -> String {
    full_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(username)
}

/// The last part of a stored path: a file is known by its name.
fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

impl AuditNames {
    /// Loads the names `rows` refer to; `company` limits them to one company (an admin's
    /// view), `None` is the operator's view of every company.
    pub fn load(
        conn: &mut PgConnection,
        company: Option<CompanyId>,
        rows: &[AuditRow],
    ) -> QueryResult<AuditNames> {
        let ids_of = |kind: &str| -> Vec<i32> {
            let mut ids: Vec<i32> = rows
                .iter()
                .filter(|r| r.resource_type.as_deref() == Some(kind))
                .filter_map(|r| r.resource_id.as_deref()?.parse().ok())
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        };
        let company = company.map(|c| c.0);
        let mut names = AuditNames::default();

        let mut people: Vec<i32> = rows
            .iter()
            .filter_map(|r| r.actor_user_id.map(|u| u.0))
            .chain(ids_of("user"))
            .chain(rows.iter().filter_map(|r| detail_id(r, "user_id")))
            .collect();
        people.sort_unstable();
        people.dedup();
        let mut query = users::table
            .filter(users::id.eq_any(people))
            .select((users::id, users::username, users::full_name))
            .into_boxed();
        if let Some(c) = company {
            query = query.filter(users::company_id.eq(c));
        }
        for (id, username, full_name) in query.load::<(i32, String, Option<String>)>(conn)? {
            let name = person(username, full_name);
            names.resources.insert(("user".into(), id), name.clone());
            names.people.insert(id, name);
        }

        let mut project_ids: Vec<i32> = rows
            .iter()
            .filter_map(|r| r.project_id.map(|p| p.0))
            .chain(ids_of("project"))
            .collect();
        project_ids.sort_unstable();
        project_ids.dedup();
        let mut query = projects::table
            .filter(projects::id.eq_any(project_ids))
            .select((projects::id, projects::project_name))
            .into_boxed();
        if let Some(c) = company {
            query = query.filter(projects::company_id.eq(c));
        }
        for (id, name) in query.load::<(i32, String)>(conn)? {
            names.resources.insert(("project".into(), id), name.clone());
            names.projects.insert(id, name);
        }

        let mut query = cycles::table
            .inner_join(projects::table)
            .filter(cycles::id.eq_any(ids_of("cycle")))
            .select((cycles::id, cycles::cycle_name, projects::project_name))
            .into_boxed();
        if let Some(c) = company {
            query = query.filter(projects::company_id.eq(c));
        }
        for (id, cycle, project) in query.load::<(i32, String, String)>(conn)? {
            names
                .resources
                .insert(("cycle".into(), id), format!("{project} {cycle}"));
        }

        macro_rules! named {
            ($kind:literal, $table:ident, $name:expr) => {{
                let mut query = $table::table
                    .filter($table::id.eq_any(ids_of($kind)))
                    .select(($table::id, $name))
                    .into_boxed();
                if let Some(c) = company {
                    query = query.filter($table::company_id.eq(c));
                }
                for (id, name) in query.load::<(i32, String)>(conn)? {
                    names.resources.insert(($kind.into(), id), name);
                }
            }};
        }
        named!("cycle_request", cycle_requests, cycle_requests::name);
        named!(
            "document_request",
            document_requests,
            document_requests::name
        );
        named!("upload_link", upload_links, upload_links::label);
        named!("share_link", share_links, share_links::label);
        named!("api_token", api_tokens, api_tokens::name);
        // A project's change of location records the ids before and after.
        let mut query = storage_locations::table
            .filter(
                storage_locations::id.eq_any(
                    ids_of("storage_location")
                        .into_iter()
                        .chain(
                            rows.iter()
                                .flat_map(|r| {
                                    ["before", "after"].into_iter().filter_map(|side| {
                                        r.details.get(side)?.get("storage_location_id")?.as_i64()
                                    })
                                })
                                .filter_map(|id| i32::try_from(id).ok()),
                        )
                        .collect::<Vec<i32>>(),
                ),
            )
            .select((storage_locations::id, storage_locations::label))
            .into_boxed();
        if let Some(c) = company {
            query = query.filter(storage_locations::company_id.eq(c));
        }
        for (id, name) in query.load::<(i32, String)>(conn)? {
            names
                .resources
                .insert(("storage_location".into(), id), name);
        }
        named!("file", file_uploads, file_uploads::file_path);

        let mut query = companies::table
            .filter(companies::id.eq_any(ids_of("company")))
            .select((companies::id, companies::company_name))
            .into_boxed();
        if let Some(c) = company {
            query = query.filter(companies::id.eq(c));
        }
        for (id, name) in query.load::<(i32, String)>(conn)? {
            names.resources.insert(("company".into(), id), name);
        }

        let notification_ids: Vec<i64> =
            ids_of("notification").into_iter().map(i64::from).collect();
        let mut query = notifications::table
            .filter(notifications::id.eq_any(notification_ids))
            .select((notifications::id, notifications::recipient))
            .into_boxed();
        if let Some(c) = company {
            query = query.filter(notifications::company_id.eq(c));
        }
        for (id, recipient) in query.load::<(i64, String)>(conn)? {
            if let Ok(id) = i32::try_from(id) {
                names
                    .resources
                    .insert(("notification".into(), id), recipient);
            }
        }
        Ok(names)
    }

    /// Who acted, by name: a person by their name, a link or machine by what the row
    /// recorded ("wall screen: Lobby"), Hopper itself when nobody did.
    pub fn actor(&self, row: &AuditRow) -> String {
        if let Some(name) = row.actor_user_id.and_then(|id| self.people.get(&id.0)) {
            return name.clone();
        }
        row.actor_username
            .clone()
            .unwrap_or_else(|| "Hopper".to_owned())
    }

    pub fn project(&self, row: &AuditRow) -> Option<&str> {
        let id = row.project_id?;
        self.projects.get(&id.0).map(String::as_str)
    }

    /// What the row is about, in words: "file “statement.pdf”", "user Bob Example".
    pub fn resource(&self, row: &AuditRow) -> Option<String> {
        let kind = row.resource_type.as_deref()?;
        let words = kind_words(kind)?;
        let id: Option<i32> = row.resource_id.as_deref().and_then(|i| i.parse().ok());
        let name = id.and_then(|id| self.resources.get(&(kind.to_owned(), id)));
        Some(match (kind, name) {
            ("file", Some(path)) => format!("{words} “{}”", file_name(path)),
            ("user" | "notification" | "company", Some(name)) => format!("{words} {name}"),
            (_, Some(name)) => format!("{words} “{name}”"),
            // Gone, or another company's: its kind, never a bare id.
            (_, None) => format!("{} {words}", article(words)),
        })
    }

    /// The name of a thing of `kind` by its id, as recorded in a row's details.
    pub fn named(&self, kind: &str, id: &str) -> Option<&str> {
        let id: i32 = id.parse().ok()?;
        self.resources
            .get(&(kind.to_owned(), id))
            .map(String::as_str)
    }

    /// A person's name for a user id found in a row's details (a grant's `user_id`).
    pub fn person(&self, id: i32) -> Option<&str> {
        self.people.get(&id).map(String::as_str)
    }
}

/// A user id in the row's details under `key`, when there is one.
fn detail_id(row: &AuditRow, key: &str) -> Option<i32> {
    match row.details.get(key)? {
        Value::Number(n) => n.as_i64().and_then(|n| i32::try_from(n).ok()),
        _ => None,
    }
}

fn article(words: &str) -> &'static str {
    let vowel = ["a", "e", "i", "o", "API", "upload"]
        .iter()
        .any(|start| words.starts_with(start));
    if vowel {
        "an"
    } else {
        "a"
    }
}

/// A resource kind as a word; sessions are not worth naming.
fn kind_words(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "api_token" => "API token",
        "company" => "company",
        "cycle" => "cycle",
        "cycle_request" | "document_request" => "request",
        "file" => "file",
        "notification" => "email to",
        "project" => "project",
        "share_link" => "wall-screen link",
        "storage_location" => "storage location",
        "sync_session" => "upload batch",
        "upload_link" => "upload link",
        "user" => "user",
        "session" | "auth_session" => "session",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_known_by_their_name() {
        assert_eq!(file_name("2026/C1/statements/march.pdf"), "march.pdf");
        assert_eq!(file_name("march.pdf"), "march.pdf");
        assert_eq!(kind_words("sync_session"), Some("upload batch"));
        assert_eq!(article("upload batch"), "an");
        assert_eq!(article("user"), "a");
    }
}
