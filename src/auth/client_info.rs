//! The client's address and user agent, as recorded in sessions and audit rows.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::{http::header, FromRequest, HttpRequest};

const MAX_USER_AGENT: usize = 512;

#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

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

/// Escapes control characters (CR/LF could forge log lines) and bounds the length.
pub fn sanitize(value: &str) -> String {
    value
        .chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .take(MAX_USER_AGENT)
        .collect()
}

impl FromRequest for ClientInfo {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(ClientInfo::from_request(req)))
    }
}
