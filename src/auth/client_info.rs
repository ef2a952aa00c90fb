//! Reading the client's address and user agent off a request.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{http::header, web, FromRequest, HttpRequest};

pub use crate::domain::client_info::{client_address, sanitize, ClientInfo};
use crate::state::AppState;

impl ClientInfo {
    /// The client as the request shows it; `X-Forwarded-For` counts only when the peer is
    /// one of `HOPPER_TRUSTED_PROXIES`.
    pub fn from_request(req: &HttpRequest) -> Self {
        let trusted = req
            .app_data::<web::Data<AppState>>()
            .map_or(&[][..], |state| state.config.trusted_proxies.as_slice());
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .collect();
        let ip = client_address(req.peer_addr().map(|a| a.ip()), &forwarded, trusted)
            .map(|ip| ip.to_string());
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
