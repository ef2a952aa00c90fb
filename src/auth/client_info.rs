//! Reading the client's address and user agent off a request.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{http::header, FromRequest, HttpRequest};

pub use crate::domain::client_info::{sanitize, ClientInfo};

impl ClientInfo {
    pub fn from_request(req: &HttpRequest) -> Self {
        let ip = req.peer_addr().map(|a| a.ip().to_string());
        let user_agent = req
            .headers()
            .get(header::USER_AGENT)
            .map(|v| sanitize(&String::from_utf8_lossy(v.as_bytes())));
        Self { ip, user_agent }
    }
}

impl FromRequest for ClientInfo {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(ClientInfo::from_request(req)))
    }
}
