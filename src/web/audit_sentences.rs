//! What each audit action means, in a sentence a person reads ("Signed in", "Created an
//! upload link"), for the audit trail and the project's history. One table: an action
//! the code writes without a sentence here fails the unit test below.

use crate::services::audit::actions::*;

/// Every action with its sentence (what the actor did, without the actor).
const SENTENCES: &[(&str, &str)] = &[
    (SIGN_IN, "Signed in"),
    (SIGN_IN_FAILED, "Failed to sign in"),
    (SIGN_IN_ATTEMPT, "Tried to sign in"),
    (SIGN_OUT, "Signed out"),
    (PASSWORD_CHANGED, "Changed their password"),
    (PASSWORD_RESET, "Reset a password"),
    (SUPERADMIN_CREATED, "Created an operator account"),
    (SESSION_REVOKED, "Ended a session"),
    (PASSKEY_REGISTERED, "Registered a passkey"),
    (PASSKEY_REVOKED, "Revoked a passkey"),
    (ACCESS_DENIED, "Was refused access"),
    (COMPANY_CREATED, "Created a company"),
    (COMPANY_UPDATED, "Changed a company"),
    (COMPANY_DEACTIVATED, "Deactivated a company"),
    (COMPANY_REACTIVATED, "Reactivated a company"),
    (COMPANY_OPENED, "Opened a company's pages as the operator"),
    (SSO_CONFIGURED, "Set up the company's single sign-on"),
    (SSO_REMOVED, "Removed the company's single sign-on"),
    (SSO_STARTED, "Went to their organisation's sign-in"),
    (
        SSO_LINKED,
        "Linked their account to their organisation's sign-in",
    ),
    (
        SSO_REFUSED,
        "Was refused sign-in through their organisation",
    ),
    (
        BRANDING_CHANGED,
        "Changed how the company shows to outsiders",
    ),
    (LOGO_SET, "Set the company's logo"),
    (LOGO_REMOVED, "Removed the company's logo"),
    (
        LANGUAGE_CHANGED,
        "Changed the language the company's upload links speak",
    ),
    (USER_CREATED, "Created a user"),
    (USER_UPDATED, "Changed a user"),
    (USER_DEACTIVATED, "Deactivated a user"),
    (USER_REACTIVATED, "Reactivated a user"),
    (PROFILE_UPDATED, "Changed their profile"),
    (PROJECT_CREATED, "Created a project"),
    (PROJECT_UPDATED, "Changed a project"),
    (PROJECT_DELETED, "Deleted a project"),
    (PROJECT_RESTORED, "Restored a project"),
    (CYCLE_CREATED, "Started a cycle"),
    (CYCLE_UPDATED, "Changed a cycle"),
    (CYCLE_STATUS_CHANGED, "Changed a cycle's status"),
    (CYCLE_CLOSED, "Closed a cycle to uploads"),
    (CYCLE_EXPORTED, "Exported a cycle as evidence"),
    (ACCESS_GRANTED, "Gave access to a project"),
    (ACCESS_REVOKED, "Took away access to a project"),
    (UPLOAD_STARTED, "Started an upload"),
    (UPLOAD_FINISHED, "Finished an upload"),
    (FILE_UPLOADED, "Uploaded a file"),
    (FILE_SKIPPED, "Sent a file that was already there"),
    (FILE_FAILED, "Could not upload a file"),
    (
        FILE_AWAITING_SCAN,
        "Sent a file that waits for its virus scan",
    ),
    (
        FILE_QUARANTINED,
        "Sent a file with a virus, which was refused",
    ),
    (FILE_DOWNLOADED, "Downloaded a file"),
    (FILE_DELETED, "Deleted a file"),
    (
        FILE_RETENTION_DELETED,
        "Retention deleted a file (its record is kept)",
    ),
    (
        FILE_BYTES_DELETED,
        "Deleted a retired file's bytes from storage",
    ),
    (LEGAL_HOLD_PLACED, "Placed a legal hold"),
    (LEGAL_HOLD_LIFTED, "Lifted a legal hold"),
    (PERSON_ERASED, "Erased a person's personal data"),
    (
        PROJECT_RETENTION_CHANGED,
        "Changed how long a project keeps files",
    ),
    (FILE_REVIEWED, "Reviewed a file"),
    (UPLOADS_REAPED, "Closed uploads that had stopped"),
    (FILE_RECONCILED, "Settled a file left half-stored"),
    (SHARE_LINK_CREATED, "Created a wall-screen link"),
    (SHARE_LINK_REVOKED, "Revoked a wall-screen link"),
    (SHARE_LINK_USED, "Opened a wall screen"),
    (API_TOKEN_CREATED, "Created an API token"),
    (API_TOKEN_REVOKED, "Revoked an API token"),
    (API_TOKEN_USED, "Used an API token"),
    (UPLOAD_LINK_CREATED, "Created an upload link"),
    (UPLOAD_LINK_REVOKED, "Revoked an upload link"),
    (UPLOAD_LINK_INVITED, "Emailed an upload link"),
    (UPLOAD_LINK_OPENED, "Opened an upload link"),
    (UPLOAD_LINK_PIN_ATTEMPT, "Entered an upload link's PIN"),
    (UPLOAD_LINK_PIN_FAILED, "Entered a wrong PIN"),
    (RECEIPT_EMAILED, "Had a receipt emailed to them"),
    (STORAGE_LOCATION_CREATED, "Added a storage location"),
    (BUCKET_CHECKED, "Checked a project's bucket"),
    (REQUEST_LIST_CHANGED, "Changed a project's request list"),
    (REQUEST_CHANGED, "Changed a request"),
    (REQUEST_STATUS_CHANGED, "Decided on a request"),
    (REQUEST_ANSWERED, "Answered a question"),
    (REAUTH_ATTEMPT, "Typed their password again"),
    (CYCLE_DUE_CHANGED, "Changed a due date"),
    (NOTIFICATION_SENT, "Sent an email"),
    (NOTIFICATION_FAILED, "Could not send an email"),
    (TWO_FACTOR_ENABLED, "Turned on two-factor sign-in"),
    (TWO_FACTOR_DISABLED, "Turned off two-factor sign-in"),
    (RECOVERY_CODES_REGENERATED, "Made new recovery codes"),
    (TWO_FACTOR_RESET, "Reset a user's second factor"),
    (
        TWO_FACTOR_POLICY_CHANGED,
        "Changed who must sign in with two factors",
    ),
    (WEBHOOK_CREATED, "Added a webhook endpoint"),
    (WEBHOOK_CHANGED, "Changed a webhook endpoint"),
    (WEBHOOK_DELETED, "Deleted a webhook endpoint"),
    (WEBHOOK_REDELIVERED, "Sent a webhook event again"),
    (
        WEBHOOK_DISABLED,
        "Turned off a webhook endpoint that kept failing",
    ),
];

/// The sentence for an action; one this table does not know (an old row) reads as its
/// words ("some.action" → "Some action").
pub fn sentence(action: &str) -> String {
    match SENTENCES.iter().find(|(a, _)| *a == action) {
        Some((_, sentence)) => (*sentence).to_owned(),
        None => {
            let words = action.replace(['.', '_'], " ");
            let mut chars = words.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The action constants the code refers to (`actions::NAME`), found in the sources.
    fn actions_written() -> Vec<String> {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs")
                    // This file names the actions only to give them their sentences.
                    && !path.ends_with("web/audit_sentences.rs")
                {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    for piece in text.split("actions::").skip(1) {
                        let name: String = piece
                            .chars()
                            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                            .collect();
                        if !name.is_empty() && name != "ALL" {
                            found.push(name);
                        }
                    }
                }
            }
        }
        let mut found = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        found.sort();
        found.dedup();
        found
    }

    /// The value of each constant in `services/audit.rs`, by its name.
    fn constants() -> Vec<(String, String)> {
        let text = include_str!("../services/audit.rs");
        text.lines()
            .filter_map(|line| {
                let rest = line.trim().strip_prefix("pub const ")?;
                let (name, value) = rest.split_once(": &str = \"")?;
                Some((name.to_owned(), value.trim_end_matches("\";").to_owned()))
            })
            .collect()
    }

    #[test]
    fn every_action_the_code_writes_has_a_sentence() {
        let constants = constants();
        let written = actions_written();
        assert!(
            written.len() > 50,
            "the search found the writers: {written:?}"
        );
        for name in written {
            let value = constants
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_else(|| panic!("actions::{name} is not declared"));
            assert!(
                SENTENCES.iter().any(|(a, _)| *a == value),
                "no sentence for {value} (actions::{name})"
            );
            assert!(ALL.contains(&value), "{value} is missing from actions::ALL");
        }
        for action in ALL {
            assert!(
                SENTENCES.iter().any(|(a, _)| a == action),
                "no sentence for {action}"
            );
        }
    }

    #[test]
    fn an_unknown_action_still_reads_as_words() {
        assert_eq!(sentence(FILE_UPLOADED), "Uploaded a file");
        assert_eq!(sentence("legacy.thing_done"), "Legacy thing done");
    }
}
