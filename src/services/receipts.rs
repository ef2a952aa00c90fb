//! A batch's receipt: its counters, every file with its outcome and request (where the
//! request stands: the one review), who sent it, for each duplicate the earlier file it
//! repeats, and for each superseded file the newer one that replaced it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{CycleRequestId, FileUploadId, SyncSessionId};
use crate::db::models::file_upload::FileUpload;
use crate::db::models::legal_hold::{Covered, LegalHold};
use crate::db::models::project::Project;
use crate::db::models::superseded::Newest;
use crate::db::models::sync_session::SyncSession;
use crate::domain::{Language, RequestStatus, StoredRefusal, TokenScope};
use crate::error::AppError;
use crate::i18n::Msg;
use crate::schema::{api_tokens, cycle_requests, cycles, file_uploads, users};
use crate::services::actor::Actor;
use crate::services::files::may_see;
use crate::services::ServiceContext;

pub struct Receipt {
    pub session: SyncSession,
    pub project: Project,
    pub cycle_name: String,
    pub files: Vec<FileUpload>,
    /// The requests the files fulfil, as they stand now.
    pub requests: Vec<ReceiptRequest>,
    /// The newest file of each of those requests (what supersedes which).
    pub newest: Newest,
    /// Who sent the batch, as a person reads it.
    pub uploaded_by: String,
    /// The earlier files this batch's duplicates repeat.
    pub originals: Vec<Original>,
    /// The legal hold over the batch's cycle, if any, in a sentence (who, when, why):
    /// none of its files can be deleted meanwhile.
    pub hold: Option<String>,
}

/// A request a file of the batch is for, and the decision on it.
#[derive(Debug, Clone, Queryable)]
pub struct ReceiptRequest {
    pub id: CycleRequestId,
    pub name: String,
    pub status: RequestStatus,
    /// Why it was rejected, or why it does not apply.
    pub note: Option<String>,
}

/// A file whose content a later one repeated: where and when it arrived.
#[derive(Debug, Clone, Queryable)]
pub struct Original {
    pub id: FileUploadId,
    pub path: String,
    pub session: SyncSessionId,
    pub uploaded_at: Option<DateTime<Utc>>,
}

impl Receipt {
    pub fn request_of(&self, file: &FileUpload) -> Option<&ReceiptRequest> {
        let id = file.request_id?;
        self.requests.iter().find(|r| r.id == id)
    }

    /// The newer file (id, path) that superseded `file` for its request.
    pub fn replacement_of(&self, file: &FileUpload) -> Option<(FileUploadId, &str)> {
        self.newest.replacement_of(file)
    }

    pub fn original_of(&self, file: &FileUpload) -> Option<&Original> {
        let id = file.duplicate_of?;
        self.originals.iter().find(|o| o.id == id)
    }
}

/// Who asks for a receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::services) enum Reader {
    /// Anyone: a token needs the `read` scope.
    Anyone,
    /// The sender of a batch it has just finished (finishing checked that the batch is
    /// theirs): a token with only the `upload` scope gets the receipt of its own work.
    Finisher,
}

/// A batch's receipt, for its uploader and for whoever may see the project; a token
/// needs the `read` scope and the batch's project among its own. Anyone else gets the
/// 404 of a missing batch.
pub async fn receipt(
    ctx: &ServiceContext,
    actor: &Actor,
    id: SyncSessionId,
) -> Result<Receipt, AppError> {
    ctx.run(actor, move |conn, actor| {
        receipt_in(conn, actor, id, Reader::Anyone)
    })
    .await
}

/// The receipt of a batch the actor has just finished.
pub(in crate::services) async fn finished(
    ctx: &ServiceContext,
    actor: &Actor,
    id: SyncSessionId,
) -> Result<Receipt, AppError> {
    ctx.run(actor, move |conn, actor| {
        receipt_in(conn, actor, id, Reader::Finisher)
    })
    .await
}

pub(in crate::services) fn receipt_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: SyncSessionId,
    reader: Reader,
) -> Result<Receipt, AppError> {
    let absent = || actor.not_found("sync_session", id);
    if reader == Reader::Anyone && !actor.may(TokenScope::Read) {
        return Err(absent());
    }
    let session = SyncSession::find_in_company(conn, actor.company_id(), id)?.ok_or_else(absent)?;
    let outside_token = actor.token_caller().is_some_and(|caller| {
        !caller.projects.is_empty() && !caller.projects.contains(&session.project_id)
    });
    if outside_token {
        return Err(absent());
    }
    let project = Project::find_in_company(conn, actor.company_id(), session.project_id)?
        .ok_or_else(absent)?;
    // Whoever sent a batch sees its receipt: the user, or the visitor of the link.
    let own = match actor.link_visitor() {
        Some(visitor) => {
            session.upload_link_id == Some(visitor.link)
                && session.uploader_email.as_deref() == Some(visitor.uploader_email.as_str())
        }
        None => match actor.user_id() {
            Some(me) => session.user_id == Some(me),
            // A machine token: the batches it sent.
            None => {
                session.api_token_id.is_some()
                    && session.api_token_id == actor.token_caller().map(|c| c.token)
            }
        },
    };
    if !own && !may_see(conn, actor, project.id)? {
        return Err(absent());
    }
    let cycle_name = match session.cycle_id {
        Some(cycle) => cycles::table
            .find(cycle)
            .select(cycles::cycle_name)
            .first(conn)
            .optional()?
            .unwrap_or_default(),
        None => String::new(),
    };
    let files = FileUpload::for_session(conn, id)?;
    let wanted: Vec<CycleRequestId> = files.iter().filter_map(|f| f.request_id).collect();
    let requests = cycle_requests::table
        .filter(cycle_requests::company_id.eq(actor.company_id()))
        .filter(cycle_requests::id.eq_any(wanted))
        .select((
            cycle_requests::id,
            cycle_requests::name,
            cycle_requests::status,
            cycle_requests::note,
        ))
        .load(conn)?;
    let newest = Newest::of_files(conn, actor.company_id(), &files)?;
    let originals: Vec<FileUploadId> = files.iter().filter_map(|f| f.duplicate_of).collect();
    let originals = file_uploads::table
        .filter(file_uploads::company_id.eq(actor.company_id()))
        .filter(file_uploads::id.eq_any(originals))
        .select((
            file_uploads::id,
            file_uploads::file_path,
            file_uploads::session_id,
            file_uploads::uploaded_at,
        ))
        .load(conn)?;
    let uploaded_by = uploaders(conn, std::slice::from_ref(&session))?
        .pop()
        .unwrap_or_default();
    let covered = match session.cycle_id {
        Some(cycle) => Covered::Cycle(project.id, cycle),
        None => Covered::Project(project.id),
    };
    let hold = LegalHold::active_covering(conn, actor.company_id(), covered)?.map(|hold| {
        format!(
            "Under legal hold (placed by {} on {}: {}); these files cannot be deleted until an admin lifts it.",
            hold.placed_by_name,
            hold.placed_at.format("%Y-%m-%d"),
            hold.reason
        )
    });
    Ok(Receipt {
        session,
        project,
        cycle_name,
        files,
        requests,
        newest,
        uploaded_by,
        originals,
        hold,
    })
}

/// What became of a file, as its sender reads it in `lang` (the receipt's email; the
/// link's receipt page says the same through its template). A failure's reason is the
/// pipeline's own sentence.
pub fn sender_outcome(file: &FileUpload, lang: Language) -> String {
    let said = if file.status.is_completed() {
        if file.file_size == Some(0) {
            Msg::new(lang, "receipt-file-empty")
        } else {
            Msg::new(lang, "receipt-file-received")
        }
    } else if file.status.is_skipped() {
        Msg::new(lang, "receipt-file-skipped")
    } else if file.status.is_not_stored() {
        return failure_said(file, lang);
    } else if file.completing_since.is_some() {
        Msg::new(lang, "receipt-file-checking")
    } else {
        return file.status.label().to_owned();
    };
    said.to_string()
}

/// Why a file did not arrive, in `lang`: a refusal is "not accepted: why" — said by the
/// catalogue from the refusal the row keeps, else the row's English sentence — anything
/// else "failed: what happened".
pub fn failure_said(file: &FileUpload, lang: Language) -> String {
    let reason = match file.error_message.as_deref() {
        Some(reason) => reason.to_owned(),
        None => Msg::new(lang, "receipt-file-unknown").to_string(),
    };
    let said_again = StoredRefusal::read(file.refusal.as_ref())
        .and_then(|stored| crate::i18n::stored_refusal(lang, &stored));
    match (said_again, reason.strip_prefix("refused: ")) {
        (Some(why), _) => Msg::new(lang, "receipt-file-not-accepted").arg("why", why),
        (None, Some(why)) => Msg::new(lang, "receipt-file-not-accepted").arg("why", why),
        (None, None) => Msg::new(lang, "receipt-file-failed").arg("why", reason),
    }
    .to_string()
}

/// Who sent each batch, as a person reads it (the user's name, the link uploader's name
/// and address, or the machine token's name), in two queries for any number of batches.
pub(in crate::services) fn uploaders(
    conn: &mut PgConnection,
    sessions: &[SyncSession],
) -> QueryResult<Vec<String>> {
    let user_ids: Vec<_> = sessions.iter().filter_map(|s| s.user_id).collect();
    let token_ids: Vec<_> = sessions.iter().filter_map(|s| s.api_token_id).collect();
    let people: Vec<(crate::db::ids::UserId, String, Option<String>)> = users::table
        .filter(users::id.eq_any(user_ids))
        .select((users::id, users::username, users::full_name))
        .load(conn)?;
    let tokens: Vec<(crate::db::ids::ApiTokenId, String)> = api_tokens::table
        .filter(api_tokens::id.eq_any(token_ids))
        .select((api_tokens::id, api_tokens::name))
        .load(conn)?;
    Ok(sessions
        .iter()
        .map(|session| {
            if let Some(user) = session.user_id {
                if let Some((_, username, full_name)) = people.iter().find(|p| p.0 == user) {
                    return full_name.clone().unwrap_or_else(|| username.clone());
                }
            }
            if let (Some(name), Some(email)) = (&session.uploader_name, &session.uploader_email) {
                return format!("{name} <{email}> (upload link)");
            }
            if let Some((_, name)) = session
                .api_token_id
                .and_then(|t| tokens.iter().find(|(id, _)| *id == t))
            {
                return format!("machine token “{name}”");
            }
            "unknown".to_owned()
        })
        .collect())
}
