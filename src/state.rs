//! What every handler shares: the service context and the configuration. Lives below the
//! routes and above nothing: the wiring (`startup`) builds it, handlers and guards read it.

use crate::config::Config;
use crate::services::ServiceContext;

pub struct AppState {
    pub services: ServiceContext,
    pub config: Config,
    /// The configured public URL, or the address Hopper listens on; without a trailing `/`.
    pub public_url: String,
    /// Signs the device cookies of known browsers (`auth::device_cookie`).
    pub device_key: actix_web::cookie::Key,
}
