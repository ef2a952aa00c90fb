//! HTTP handlers: extract, authorise by type, call one service, render a template.

pub mod account;
pub mod health;
pub mod home;
pub mod login;
pub mod logout;
pub mod static_files;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/", web::get().to(home::get))
        .route("/login", web::get().to(login::get))
        .route("/login", web::post().to(login::post))
        .route("/logout", web::post().to(logout::post))
        .route("/account/password", web::get().to(account::password::get))
        .route("/account/password", web::post().to(account::password::post));
}

/// Only paths on this site are followed after sign-in (no open redirect).
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path
        }
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/account/password")), "/account/password");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
