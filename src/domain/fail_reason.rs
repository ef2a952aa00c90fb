//! Why a file was not stored, as its row keeps it: the English sentence that admins, the
//! API and the audit log read, and — for a refusal — the refusal's code and fields, so that
//! a sender's receipt can say it again in the sender's language.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::refusal::{KindRefused, Refusal, UploadRefused};

/// Why a file failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailReason {
    /// Not taken: its name, type, request or size (`refused: …` in the row's message).
    Refused(Refusal),
    /// Something happened on the way (the body broke off, S3 failed): its sentence.
    Happened(String),
}

/// A refusal as a failed row keeps it (`file_uploads.refusal`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredRefusal {
    pub code: String,
    pub args: BTreeMap<String, String>,
}

impl FailReason {
    /// The sentence kept in `file_uploads.error_message`; a refusal starts "refused: ".
    pub fn message(&self) -> String {
        match self {
            FailReason::Refused(refusal) => format!("refused: {refusal}"),
            FailReason::Happened(what) => what.clone(),
        }
    }

    /// What `file_uploads.refusal` keeps (nothing for what merely happened).
    pub fn stored(&self) -> Option<serde_json::Value> {
        let FailReason::Refused(refusal) = self else {
            return None;
        };
        let stored = StoredRefusal {
            code: refusal.code().to_owned(),
            args: refusal
                .args()
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
        };
        serde_json::to_value(stored).ok()
    }
}

impl StoredRefusal {
    /// The refusal a row keeps, if it keeps one this Hopper can read.
    pub fn read(stored: Option<&serde_json::Value>) -> Option<StoredRefusal> {
        serde_json::from_value(stored?.clone()).ok()
    }
}

impl From<&str> for FailReason {
    fn from(what: &str) -> Self {
        FailReason::Happened(what.to_owned())
    }
}

impl From<String> for FailReason {
    fn from(what: String) -> Self {
        FailReason::Happened(what)
    }
}

impl From<&String> for FailReason {
    fn from(what: &String) -> Self {
        FailReason::Happened(what.clone())
    }
}

impl From<&FailReason> for FailReason {
    fn from(reason: &FailReason) -> Self {
        reason.clone()
    }
}

impl From<Refusal> for FailReason {
    fn from(refusal: Refusal) -> Self {
        FailReason::Refused(refusal)
    }
}

impl From<KindRefused> for FailReason {
    fn from(refusal: KindRefused) -> Self {
        FailReason::Refused(refusal.into())
    }
}

impl From<UploadRefused> for FailReason {
    fn from(refusal: UploadRefused) -> Self {
        FailReason::Refused(refusal.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_keeps_its_code_and_fields_and_reads_back() {
        let reason = FailReason::from(KindRefused::ProjectTakesOnly {
            allowed: "pdf".into(),
        });
        assert_eq!(
            reason.message(),
            "refused: this project accepts only pdf files"
        );
        let stored = StoredRefusal::read(reason.stored().as_ref()).unwrap();
        assert_eq!(stored.code, "kind.project_takes_only");
        assert_eq!(stored.args.get("allowed").map(String::as_str), Some("pdf"));
        assert_eq!(
            FailReason::from("the upload was interrupted").stored(),
            None
        );
    }
}
