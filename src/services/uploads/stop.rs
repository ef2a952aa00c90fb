//! Why a batch stopped before its end: the session is failed with this reason, and the
//! route answers with the matching status.

use std::time::Duration;

use crate::domain::sizes::human_size;
use crate::domain::RefusalKind;
use crate::error::AppError;

/// Why a batch stopped before its end; the session is failed with this reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    TooManyFiles(usize),
    FileTooLarge {
        path: String,
        limit: u64,
    },
    Idle(Duration),
    /// The body arrived slower than the minimum rate (bytes per second).
    TooSlow(u64),
    /// The request ran past its overall deadline.
    Deadline(Duration),
    /// No part buffer came free in time: the node is saturated.
    Busy,
    Disconnected(String),
    Malformed(String),
    /// The upload link took all it takes (files or bytes): the sentence says which.
    LinkFull(String),
    /// The upload link was revoked or expired during the batch.
    LinkClosed(String),
}

impl Stop {
    /// Why a file could not start: an upload link's refusal (full, or no longer live)
    /// keeps its sentence; anything else is Hopper's bookkeeping failing.
    pub(super) fn starting_file(e: AppError) -> Stop {
        match e {
            AppError::Refused(full) if full.kind() == RefusalKind::StateForbids => {
                Stop::LinkFull(full.to_string())
            }
            AppError::Refused(closed) if closed.kind() == RefusalKind::NoRight => {
                Stop::LinkClosed(closed.to_string())
            }
            other => super::internal(other),
        }
    }

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
            Stop::TooSlow(rate) => format!(
                "The upload arrived slower than {}/s, so it was stopped; files that arrived in full are kept.",
                human_size(*rate)
            ),
            Stop::Deadline(after) => format!(
                "The upload took longer than {} minutes, so it was stopped; files that arrived in full are kept. Send the rest in another batch.",
                after.as_secs() / 60
            ),
            Stop::Busy => "Hopper is busy with other uploads right now; files that arrived in full are kept. Please send the rest again in a minute.".into(),
            Stop::Disconnected(why) => format!("The upload was interrupted: {why}"),
            Stop::Malformed(why) => format!("The upload could not be read: {why}"),
            Stop::LinkFull(why) => format!("{why} The files after that were not accepted."),
            Stop::LinkClosed(why) => why.clone(),
        }
    }
}
