//! Why a batch stopped before its end: the session is failed with this reason, and the
//! route answers with the matching status.

use std::time::Duration;

use crate::domain::{Language, Refusal, RefusalKind};
use crate::error::AppError;
use crate::i18n::format::size;
use crate::i18n::Msg;

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
    /// The upload link took all it takes (files or bytes), or the file does not fit in
    /// what it has left: the refusal says which.
    LinkFull(Refusal),
    /// The upload link was revoked or expired during the batch.
    LinkClosed(Refusal),
}

impl Stop {
    /// Why a file could not start: an upload link's refusal (full, or no longer live)
    /// keeps its sentence; anything else is Hopper's bookkeeping failing.
    pub(super) fn starting_file(e: AppError) -> Stop {
        match e {
            AppError::Refused(full) if full.kind() == RefusalKind::StateForbids => {
                Stop::LinkFull(full)
            }
            AppError::Refused(closed) if closed.kind() == RefusalKind::NoRight => {
                Stop::LinkClosed(closed)
            }
            other => super::internal(other),
        }
    }

    /// The stop in English (the staff's pages, the API, the batch's recorded error).
    pub fn message(&self) -> String {
        self.said(Language::En)
    }

    /// The stop as `lang` says it (a sender's receipt).
    pub fn said(&self, lang: Language) -> String {
        let msg = |key: &'static str| Msg::new(lang, key);
        match self {
            Stop::TooManyFiles(max) => msg("stop-too-many-files").num("max", *max).to_string(),
            Stop::FileTooLarge { path, limit } => msg("stop-file-too-large")
                .arg("path", path)
                .arg("limit", size(lang, *limit))
                .to_string(),
            Stop::Idle(after) => msg("stop-idle").num("seconds", after.as_secs()).to_string(),
            Stop::TooSlow(rate) => msg("stop-too-slow")
                .arg("rate", size(lang, *rate))
                .to_string(),
            Stop::Deadline(after) => msg("stop-deadline")
                .num("minutes", after.as_secs() / 60)
                .to_string(),
            Stop::Busy => msg("stop-busy").to_string(),
            Stop::Disconnected(why) => msg("stop-interrupted").arg("why", why).to_string(),
            Stop::Malformed(why) => msg("stop-unreadable").arg("why", why).to_string(),
            Stop::LinkFull(why) => msg("stop-link-full")
                .arg("why", crate::i18n::refusal(lang, why))
                .to_string(),
            Stop::LinkClosed(why) => crate::i18n::refusal(lang, why),
        }
    }

    /// The stop as a sender through an upload link hears it (see
    /// [`Refusal::for_outsider`]).
    pub fn for_outsider(self) -> Stop {
        match self {
            Stop::LinkFull(why) => Stop::LinkFull(why.for_outsider()),
            Stop::LinkClosed(why) => Stop::LinkClosed(why.for_outsider()),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::refusal::{LinkRefused, UploadRefused};

    #[test]
    fn a_stop_is_said_in_english_as_before_and_in_german() {
        let idle = Stop::Idle(Duration::from_secs(30));
        assert_eq!(
            idle.message(),
            "The browser sent nothing for 30 s, so the upload was stopped."
        );
        assert!(idle
            .said(Language::De)
            .contains("30 s lang nichts gesendet"));
        let large = Stop::FileTooLarge {
            path: "a.pdf".into(),
            limit: 1536 * 1024,
        };
        assert!(large.message().contains("limit of 1.5 MiB"));
        assert!(large.said(Language::De).contains("Grenze von 1,5 MiB"));
    }

    #[test]
    fn a_cycle_closed_meanwhile_is_the_senders_closed_collection() {
        let closed = Stop::LinkFull(
            UploadRefused::CycleClosed {
                cycle: "C1".into(),
                status: "closed".into(),
            }
            .into(),
        );
        let heard = closed.for_outsider();
        assert_eq!(heard, Stop::LinkFull(LinkRefused::CollectionClosed.into()));
        assert!(!heard.said(Language::En).contains("C1"));
        assert!(heard
            .said(Language::De)
            .contains("Diese Sammlung ist geschlossen"));
    }
}
