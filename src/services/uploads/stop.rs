//! Why a batch stopped before its end: the session is failed with this reason, and the
//! route answers with the matching status.

use std::time::Duration;

use crate::domain::sizes::human_size;

/// Why a batch stopped before its end; the session is failed with this reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    TooManyFiles(usize),
    FileTooLarge { path: String, limit: u64 },
    Idle(Duration),
    Disconnected(String),
    Malformed(String),
}

impl Stop {
    pub fn message(&self) -> String {
        match self {
            Stop::TooManyFiles(max) => format!(
                "A batch may hold at most {max} files; the files after that were not accepted."
            ),
            Stop::FileTooLarge { path, limit } => format!(
                "{path} is larger than the limit of {}; it was not stored and the batch stopped there.",
                human_size(*limit)
            ),
            Stop::Idle(after) => format!(
                "The browser sent nothing for {} s, so the upload was stopped.",
                after.as_secs()
            ),
            Stop::Disconnected(why) => format!("The upload was interrupted: {why}"),
            Stop::Malformed(why) => format!("The upload could not be read: {why}"),
        }
    }
}
