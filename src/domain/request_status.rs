//! A document request's life: `missing → submitted → accepted | rejected`, a rejected
//! item back to `submitted` by a new upload, and `not_applicable` (with a note) set by an
//! admin on any item. Without review an upload moves an item straight to `accepted`.

use crate::domain::refusal::RequestRefused;

crate::text_enum! {
    pub enum RequestStatus {
        Missing = "missing", "Missing";
        Submitted = "submitted", "Submitted";
        Accepted = "accepted", "Accepted";
        Rejected = "rejected", "Needs a new file";
        NotApplicable = "not_applicable", "Not applicable";
    }
}

/// What an admin decides about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestDecision {
    Accept,
    Reject,
    NotApplicable,
    /// Undo a decision: back to `missing`, or `submitted` when a file is there.
    Reopen,
}

impl RequestDecision {
    pub fn parse(value: &str) -> Option<RequestDecision> {
        match value {
            "accept" => Some(RequestDecision::Accept),
            "reject" => Some(RequestDecision::Reject),
            "not_applicable" => Some(RequestDecision::NotApplicable),
            "reopen" => Some(RequestDecision::Reopen),
            _ => None,
        }
    }

    /// Rejecting and setting aside need a sentence for the uploader.
    pub fn needs_note(self) -> bool {
        matches!(
            self,
            RequestDecision::Reject | RequestDecision::NotApplicable
        )
    }
}

impl RequestStatus {
    /// Done for the cycle's completeness: accepted, or set aside as not applicable.
    pub fn is_settled(self) -> bool {
        matches!(self, RequestStatus::Accepted | RequestStatus::NotApplicable)
    }

    /// Still owed by the uploader (what "overdue" counts).
    pub fn is_owed(self) -> bool {
        matches!(self, RequestStatus::Missing | RequestStatus::Rejected)
    }

    /// Where a new file moves the item: to review, or accepted when the project does not
    /// review uploads. An accepted item stays accepted without review.
    pub fn after_upload(self, review: bool) -> RequestStatus {
        if review {
            RequestStatus::Submitted
        } else {
            RequestStatus::Accepted
        }
    }

    /// Where `decision` moves an item in this status (`has_file`: a file fulfils it), or
    /// why it cannot.
    pub fn decide(
        self,
        decision: RequestDecision,
        has_file: bool,
    ) -> Result<RequestStatus, RequestRefused> {
        use RequestDecision as D;
        use RequestStatus as S;
        match (decision, self) {
            (D::Accept, S::Submitted | S::Rejected) if has_file => Ok(S::Accepted),
            (D::Accept, _) if !has_file => Err(RequestRefused::NothingUploaded),
            (D::Reject, S::Submitted | S::Accepted) if has_file => Ok(S::Rejected),
            (D::Reject, _) if !has_file => Err(RequestRefused::NothingUploaded),
            (D::NotApplicable, s) if s != S::NotApplicable => Ok(S::NotApplicable),
            (D::Reopen, S::Accepted | S::Rejected | S::NotApplicable) => {
                Ok(if has_file { S::Submitted } else { S::Missing })
            }
            (_, s) => Err(RequestRefused::AlreadyInStatus {
                status: s.label().to_lowercase(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::RequestDecision as D;
    use super::RequestDecision::{Accept, Reject, Reopen};
    use super::RequestStatus::*;

    #[test]
    fn review_moves() {
        assert_eq!(Submitted.decide(Accept, true), Ok(Accepted));
        assert_eq!(Submitted.decide(Reject, true), Ok(Rejected));
        assert_eq!(Accepted.decide(Reject, true), Ok(Rejected));
        assert!(Missing.decide(Accept, false).is_err());
        assert!(Missing.decide(Reject, false).is_err());
        assert!(Accepted.decide(Accept, true).is_err());
        assert_eq!(Missing.decide(D::NotApplicable, false), Ok(NotApplicable));
        assert!(NotApplicable.decide(D::NotApplicable, false).is_err());
        assert_eq!(NotApplicable.decide(Reopen, false), Ok(Missing));
        assert_eq!(Rejected.decide(Reopen, true), Ok(Submitted));
        assert!(Missing.decide(Reopen, false).is_err());
    }

    #[test]
    fn uploads_submit_or_accept() {
        assert_eq!(Missing.after_upload(true), Submitted);
        assert_eq!(Rejected.after_upload(true), Submitted);
        assert_eq!(Missing.after_upload(false), Accepted);
        assert!(Accepted.is_settled() && NotApplicable.is_settled());
        assert!(Missing.is_owed() && Rejected.is_owed() && !Submitted.is_owed());
    }
}
