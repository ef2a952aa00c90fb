//! Role guards layered on [`CurrentUser`]: `Member` (anyone signed in, scoped to their
//! own company), `CompanyAdmin` (a company's admin, or the operator inside the company
//! they opened) and `Operator`. Each hands the handler an [`Actor`] whose company is the
//! only company its use case may touch.

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::auth::{session_keys, ClientInfo, CurrentUser, SignedInUser};
use crate::db::ids::CompanyId;
use crate::domain::refusal::AccessRefused;
use crate::domain::Role;
use crate::error::AppError;
use crate::services::signed_in::{self, CompanySummary};
use crate::services::Actor;
use crate::state::AppState;

fn state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("application state missing")))
}

/// The shape every guard shares: the signed-in user (`CurrentUser`, so a pending password
/// change redirects first), then the guard's own check on that user.
fn guard<T, F, Fut>(
    req: &HttpRequest,
    payload: &mut Payload,
    check: F,
) -> LocalBoxFuture<'static, Result<T, AppError>>
where
    F: FnOnce(SignedInUser, HttpRequest) -> Fut + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + 'static,
    T: 'static,
{
    let req = req.clone();
    let current = CurrentUser::from_request(&req, payload);
    Box::pin(async move {
        let CurrentUser(user) = current.await?;
        check(user, req).await
    })
}

/// Anyone signed in, acting in their own company.
#[derive(Debug, Clone)]
pub struct Member {
    pub user: SignedInUser,
    pub actor: Actor,
}

impl FromRequest for Member {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        guard(req, payload, |user, req| async move {
            let actor = user.actor(ClientInfo::from_request(&req));
            Ok(Member { user, actor })
        })
    }
}

/// A company's administrator, or the operator administering a company they opened.
#[derive(Debug, Clone)]
pub struct CompanyAdmin {
    pub user: SignedInUser,
    pub actor: Actor,
    /// The company administered (the user's own unless `operator_visit`).
    pub company: CompanySummary,
    pub operator_visit: bool,
}

impl FromRequest for CompanyAdmin {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        guard(req, payload, |user, req| async move {
            match user.role {
                Role::Admin => {
                    let company = user.company.clone();
                    let actor = user.actor(ClientInfo::from_request(&req));
                    Ok(CompanyAdmin {
                        user,
                        actor,
                        company,
                        operator_visit: false,
                    })
                }
                Role::Superadmin => {
                    let opened = req
                        .get_session()
                        .get::<i32>(session_keys::OPERATOR_COMPANY)
                        .ok()
                        .flatten()
                        .map(CompanyId);
                    let Some(company_id) = opened else {
                        return Err(AppError::from(AccessRefused::NoCompanyOpen));
                    };
                    let company = signed_in::opened_company(&state(&req)?.services, company_id)
                        .await?
                        .ok_or_else(|| AppError::from(AccessRefused::OpenedCompanyGone))?;
                    let actor = Actor::operator_in(
                        user.id,
                        &user.username,
                        company.id,
                        ClientInfo::from_request(&req),
                    );
                    Ok(CompanyAdmin {
                        user,
                        actor,
                        company,
                        operator_visit: true,
                    })
                }
                Role::User | Role::Viewer => Err(AppError::from(AccessRefused::AdminOnly)),
            }
        })
    }
}

/// The operator of the installation (superadmin).
#[derive(Debug, Clone)]
pub struct Operator {
    pub user: SignedInUser,
    pub actor: Actor,
}

impl FromRequest for Operator {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        guard(req, payload, |user, req| async move {
            if user.role != Role::Superadmin {
                return Err(AppError::from(AccessRefused::OperatorOnly));
            }
            let actor = user.actor(ClientInfo::from_request(&req));
            Ok(Operator { user, actor })
        })
    }
}
