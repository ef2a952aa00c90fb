//! Guards as extractors: a handler is protected by naming the type in its arguments.
//! The user, the company and the role are read from the database on every request, so a
//! deactivated user or a demoted admin loses access on the very next request.

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use futures_util::future::LocalBoxFuture;
use uuid::Uuid;

use crate::auth::session_keys;
use crate::db::ids::UserId;
use crate::domain::{ClientInfo, Role};
use crate::error::AppError;
use crate::services::signed_in::{self, CompanySummary};
use crate::services::Actor;
use crate::state::AppState;
use crate::web::is_htmx;

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
    /// A policy requires a second factor and the user has none yet: only enrolment (and
    /// signing out) is open to them.
    pub second_factor_owed: bool,
    pub last_login: Option<DateTime<Utc>>,
    /// The `auth_sessions` row of this request.
    pub session_id: Uuid,
    pub csrf_token: String,
}

impl SignedInUser {
    pub fn display_name(&self) -> &str {
        self.full_name.as_deref().unwrap_or(&self.username)
    }

    /// The user acting in their own company.
    pub fn actor(&self, client: ClientInfo) -> Actor {
        Actor::member(self.id, &self.username, self.role, self.company.id, client)
    }

    /// A time in the user's own timezone.
    pub fn local_time(&self, at: DateTime<Utc>) -> String {
        crate::web::filters::time_in(at, self.timezone)
    }
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
    let Some(user) = signed_in::session_user(&state.services, UserId(uid), sid).await? else {
        session.purge();
        return Err(unauthenticated);
    };
    Ok(SignedInUser {
        id: user.id,
        username: user.username,
        email: user.email,
        full_name: user.full_name,
        role: user.role,
        last_login: user.last_login,
        company: user.company,
        timezone: user
            .timezone
            .as_deref()
            .and_then(|tz| tz.parse().ok())
            .unwrap_or(Tz::UTC),
        must_change_password: user.must_change_password,
        second_factor_owed: user.second_factor_owed,
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
            if user.second_factor_owed {
                return Err(AppError::SecondFactorEnrolmentRequired {
                    htmx: is_htmx(&req),
                });
            }
            Ok(CurrentUser(user))
        })
    }
}
