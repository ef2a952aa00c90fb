//! Which request a file fulfils: the one the uploader chose (dropping files onto an
//! item), else the first request whose pattern matches the file's path, else none
//! ("other"). A request with accepted types of its own refuses other kinds.

use crate::db::ids::CycleRequestId;
use crate::db::models::cycle_request::CycleRequest;
use crate::domain::refusal::KindRefused;
use crate::domain::request_pattern::{first_match, RequestPattern};
use crate::services::cycle_requests::takes_matches;

#[derive(Clone)]
pub(super) struct PlannedRequest {
    pub(super) id: CycleRequestId,
    name: String,
    pattern: Option<RequestPattern>,
    accepted: Vec<String>,
    takes_matches: bool,
}

impl PlannedRequest {
    pub(super) fn of(request: &CycleRequest) -> PlannedRequest {
        PlannedRequest {
            id: request.id,
            name: request.name.clone(),
            // A pattern stored by hand that does not parse matches nothing.
            pattern: request
                .pattern
                .as_deref()
                .and_then(|p| RequestPattern::parse(p).ok().flatten()),
            accepted: request.accepted_types.iter().flatten().cloned().collect(),
            takes_matches: takes_matches(request),
        }
    }
}

/// The request for a file at `relative_path`, or why the file is refused.
pub(super) fn request_for(
    requests: &[PlannedRequest],
    chosen: Option<CycleRequestId>,
    relative_path: &str,
    file_name: &str,
) -> Result<Option<CycleRequestId>, KindRefused> {
    let found = match chosen {
        Some(id) => requests.iter().find(|r| r.id == id),
        None => first_match(
            requests
                .iter()
                .filter(|r| r.takes_matches)
                .filter_map(|r| r.pattern.as_ref().map(|p| (r, p))),
            relative_path,
        ),
    };
    let Some(request) = found else {
        return Ok(None);
    };
    if !request.accepted.is_empty() {
        let ext = file_name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .unwrap_or_default();
        if !request.accepted.contains(&ext) {
            return Err(KindRefused::RequestTakesOnly {
                request: request.name.clone(),
                allowed: request.accepted.join(", "),
            });
        }
    }
    Ok(Some(request.id))
}
