//! What almost every handler needs beside its guard and its input: the session (flash
//! messages), the shared state (services, configuration) and the request (htmx or not,
//! where to redirect). One extractor, so handlers name what is particular to them.

use std::future::{ready, Ready};

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};

use crate::error::AppError;
use crate::services::ServiceContext;
use crate::state::AppState;

pub struct Ctx {
    pub session: Session,
    pub state: web::Data<AppState>,
    pub req: HttpRequest,
}

impl Ctx {
    pub fn services(&self) -> &ServiceContext {
        &self.state.services
    }
}

impl FromRequest for Ctx {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| AppError::Unexpected(anyhow::anyhow!("application state missing")));
        ready(state.map(|state| Ctx {
            session: req.get_session(),
            state,
            req: req.clone(),
        }))
    }
}

/// Which of a pair of routes `…/activate` and `…/deactivate` was called: one handler
/// serves both, the route table says which is which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activation(pub bool);

impl FromRequest for Activation {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pattern = req.match_pattern().unwrap_or_default();
        ready(if pattern.ends_with("/activate") {
            Ok(Activation(true))
        } else if pattern.ends_with("/deactivate") {
            Ok(Activation(false))
        } else {
            Err(AppError::NotFound)
        })
    }
}
