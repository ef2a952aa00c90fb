//! Guards as extractors: a handler is protected by naming the type in its arguments.
//! The user, the company and the role are read from the database on every request, so a
//! deactivated user or a demoted admin loses access on the very next request.

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use crate::auth::session_keys;
use crate::db::ids::{CompanyId, UserId};
use crate::db::models::auth_session::AuthSession;
use crate::db::{self};
use crate::domain::Role;
use crate::error::AppError;
use crate::schema::{companies, user_profiles, users};
use crate::startup::AppState;
use crate::web::is_htmx;

#[derive(Debug, Clone)]
pub struct CompanySummary {
    pub id: CompanyId,
    pub name: String,
    pub code: String,
}

/// Someone signed in, possibly still owing a password change.
#[derive(Debug, Clone)]
pub struct SignedInUser {
    pub id: UserId,
    pub username: String,
    pub email: String,
    pub full_name: Option<String>,
    pub role: Role,
    pub company: CompanySummary,
    pub timezone: Tz,
    pub must_change_password: bool,
    pub last_login: Option<DateTime<Utc>>,
    /// The `auth_sessions` row of this request.
    pub session_id: Uuid,
    pub csrf_token: String,
}

impl SignedInUser {
    pub fn display_name(&self) -> &str {
        self.full_name.as_deref().unwrap_or(&self.username)
    }

    /// A time in the user's own timezone.
    pub fn local_time(&self, at: DateTime<Utc>) -> String {
        time_in(at, self.timezone)
    }
}

/// How Hopper shows a time: minutes, in the viewer's timezone, with its abbreviation.
pub fn time_in(at: DateTime<Utc>, timezone: Tz) -> String {
    at.with_timezone(&timezone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// Someone signed in with nothing pending: the guard for every ordinary page.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub SignedInUser);

impl std::ops::Deref for CurrentUser {
    type Target = SignedInUser;
    fn deref(&self) -> &SignedInUser {
        &self.0
    }
}

type UserRow = (
    UserId,
    String,
    String,
    Option<String>,
    String,
    bool,
    Option<DateTime<Utc>>,
    CompanyId,
    String,
    String,
    bool,
    Option<String>,
    Option<bool>,
);

async fn load(req: HttpRequest) -> Result<SignedInUser, AppError> {
    let htmx = is_htmx(&req);
    let unauthenticated = AppError::Unauthenticated { htmx };
    let session: Session = req.get_session();
    let (Ok(Some(uid)), Ok(Some(sid)), Ok(Some(csrf_token))) = (
        session.get::<i32>(session_keys::UID),
        session.get::<Uuid>(session_keys::SID),
        session.get::<String>(session_keys::CSRF),
    ) else {
        return Err(unauthenticated);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("application state missing")))?
        .clone();
    let user_id = UserId(uid);
    let row: Option<UserRow> = db::transaction(&state.pool, move |conn| {
        let row = users::table
            .inner_join(companies::table)
            .left_join(user_profiles::table)
            .filter(users::id.eq(user_id))
            .select((
                users::id,
                users::username,
                users::email,
                users::full_name,
                users::role,
                users::is_active,
                users::last_login,
                companies::id,
                companies::company_name,
                companies::company_code,
                companies::is_active,
                user_profiles::timezone.nullable(),
                user_profiles::must_change_password.nullable(),
            ))
            .first::<UserRow>(conn)
            .optional()?;
        let allowed = row.as_ref().is_some_and(|r| r.5 && r.10);
        if !allowed {
            // The account or its company was deactivated (or removed): end this session.
            AuthSession::revoke(conn, user_id, sid)?;
        }
        Ok(row.filter(|_| allowed))
    })
    .await?;
    let Some(row) = row else {
        session.purge();
        return Err(unauthenticated);
    };
    let role = Role::parse(&row.4)
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("unknown role {:?}", row.4)))?;
    Ok(SignedInUser {
        id: row.0,
        username: row.1,
        email: row.2,
        full_name: row.3,
        role,
        last_login: row.6,
        company: CompanySummary {
            id: row.7,
            name: row.8,
            code: row.9,
        },
        timezone: row
            .11
            .as_deref()
            .and_then(|tz| tz.parse().ok())
            .unwrap_or(Tz::UTC),
        must_change_password: row.12.unwrap_or(false),
        session_id: sid,
        csrf_token,
    })
}

impl FromRequest for SignedInUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(load(req.clone()))
    }
}

impl FromRequest for CurrentUser {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = load(req.clone()).await?;
            if user.must_change_password {
                return Err(AppError::PasswordChangeRequired {
                    htmx: is_htmx(&req),
                });
            }
            Ok(CurrentUser(user))
        })
    }
}
