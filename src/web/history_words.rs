//! History in words: audit field and action names as a person reads them ("Region",
//! "project updated"), not as columns and codes.

/// "aws_region" → "Region"; an unknown field reads with its underscores as spaces.
pub fn field_label(field: &str) -> String {
    let known = match field {
        "project_name" => "Name",
        "bucket_name" => "Bucket",
        "aws_region" => "Region",
        "storage_location_id" => "Storage location",
        "description" => "Description",
        "is_active" => "Active",
        "review_uploads" => "Review uploads",
        "allowed_file_types" => "Accepted file types",
        "reminder_days" => "Reminders (days before due)",
        "overdue_every_days" => "Overdue reminders every (days)",
        "tags" => "Tags",
        "access_role" => "Access",
        "role" => "Role",
        "status" => "Status",
        "due_at" => "Due",
        "cycle_name" => "Cycle",
        "s3_prefix" => "S3 prefix",
        "username" => "Username",
        "full_name" => "Name",
        "email" => "Email",
        "user" | "user_id" => "User",
        other => return sentence_case(&other.replace('_', " ")),
    };
    known.to_owned()
}

/// A recorded value as a person reads it: an access role by its label ("Uploader"), no
/// access as "no access"; anything else as recorded.
pub fn value_words(value: &str, field: &str) -> String {
    match field {
        "access_role" => match crate::domain::AccessRole::parse(value) {
            Some(role) => role.label().to_owned(),
            None if value == "—" => "no access".to_owned(),
            None => value.to_owned(),
        },
        _ => value.to_owned(),
    }
}

/// "project.updated" → "project updated", "cycle_request.decided" → "cycle request decided".
pub fn action_words(action: &str) -> String {
    action.replace(['.', '_'], " ")
}

fn sentence_case(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{action_words, field_label, value_words};

    #[test]
    fn fields_and_actions_read_as_words() {
        assert_eq!(field_label("aws_region"), "Region");
        assert_eq!(field_label("some_new_field"), "Some new field");
        assert_eq!(
            action_words("project_access.granted"),
            "project access granted"
        );
        assert_eq!(value_words("uploader", "access_role"), "Uploader");
        assert_eq!(value_words("—", "access_role"), "no access");
        assert_eq!(value_words("uploader", "status"), "uploader");
    }
}
