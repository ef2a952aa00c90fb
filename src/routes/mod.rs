//! HTTP handlers: extract, authorise by type, call one service function, render a template.
//! May import `services` (functions and types), `auth`, `web`, `domain`, `db::ids`/`db::models` types.
//!
//! Every route is declared once in [`routes!`] with the access it requires; the same table
//! registers the handlers and feeds the authorisation-matrix test, so a new route cannot
//! be added without saying who may use it.

pub mod account;
pub mod admin;
mod anonymous_page;
pub mod answers;
pub mod api;
pub mod audit_digests;
pub mod audit_trail;
pub mod brand;
pub mod dashboard;
pub mod files;
pub mod health;
pub mod home;
mod link_language;
mod link_page;
mod link_visit;
pub mod login;
pub mod login_passkey;
pub mod login_sso;
pub mod login_two_factor;
pub mod logout;
pub mod missing;
pub mod operator;
pub mod projects;
mod receipt_page;
pub mod static_files;
pub mod token_form;
pub mod tus;
pub mod upload_link;
pub mod upload_link_tus;
pub mod uploads;
pub mod wall;

use actix_web::web;

/// Who may use a route; enforced by the handler's extractor, checked by the matrix test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Signed in, even with a password change pending.
    SignedIn,
    /// Signed in with nothing pending (`CurrentUser` / `Member`).
    Member,
    /// A company admin in their company, or the operator in the company they opened.
    CompanyAdmin,
    /// The operator of the installation.
    Operator,
    /// A company admin (their company) or the operator (every company), no company opened.
    Auditor,
    /// A program with an API token (`Authorization: Bearer`); never a cookie.
    Token,
    /// A program with an API token, or a signed-in browser (session and CSRF header).
    Uploader,
}

#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

/// The route builders the table names, by HTTP method (actix has no `web::options`).
mod methods {
    use actix_web::{http::Method, web, Route};

    pub use web::{delete, get, head, patch, post, put};

    pub fn options() -> Route {
        web::route().method(Method::OPTIONS)
    }
}

macro_rules! routes {
    ($( $method:ident $path:literal => $handler:path, $access:ident; )*) => {
        /// Every route of the application with its access class.
        pub const ROUTES: &[RouteSpec] = &[
            $( RouteSpec { method: stringify!($method), path: $path, access: Access::$access }, )*
        ];

        pub fn configure(cfg: &mut web::ServiceConfig) {
            $( cfg.route($path, methods::$method().to($handler)); )*
        }
    };
}

routes! {
    get "/healthz" => health::healthz, Public;
    get "/readyz" => health::readyz, Public;
    get "/login" => login::get, Public;
    post "/login" => login::post, Public;
    post "/login/passkey/options" => login_passkey::options, Public;
    post "/login/passkey" => login_passkey::finish, Public;
    get "/login/two-factor" => login_two_factor::get, Public;
    post "/login/two-factor" => login_two_factor::post, Public;
    post "/login/two-factor/passkey/options" => login_two_factor::passkey_options, Public;
    post "/login/two-factor/passkey" => login_two_factor::passkey, Public;
    get "/login/sso" => login_sso::get, Public;
    post "/login/sso" => login_sso::post, Public;
    get "/login/sso/callback" => login_sso::callback, Public;
    post "/logout" => logout::post, SignedIn;
    get "/account/password" => account::password::get, SignedIn;
    post "/account/password" => account::password::post, SignedIn;
    get "/account/two-factor" => account::two_factor::get, SignedIn;
    post "/account/two-factor" => account::two_factor::confirm, SignedIn;
    post "/account/two-factor/recovery-codes" => account::two_factor::new_recovery_codes, SignedIn;
    post "/account/two-factor/disable" => account::two_factor::turn_off, SignedIn;
    get "/account/passkeys" => account::passkeys::list, SignedIn;
    post "/account/passkeys/options" => account::passkeys::options, SignedIn;
    post "/account/passkeys" => account::passkeys::register, SignedIn;
    post "/account/passkeys/{passkey_id}/revoke" => account::passkeys::revoke, SignedIn;

    get "/" => home::get, Member;
    get "/account/profile" => account::profile::get, Member;
    post "/account/profile" => account::profile::post, Member;
    get "/account/sessions" => account::sessions::list, Member;
    post "/account/sessions/revoke-others" => account::sessions::revoke_others, Member;
    post "/account/sessions/{session_id}/revoke" => account::sessions::revoke, Member;
    get "/account/tokens" => account::tokens::list, Member;
    post "/account/tokens" => account::tokens::create, Member;
    post "/account/tokens/{token_id}/revoke" => account::tokens::revoke, Member;
    get "/projects" => projects::list, Member;
    get "/projects/{project_id}" => projects::show, Member;
    get "/projects/{project_id}/cycles/{cycle_id}/upload" => uploads::page, Member;
    post "/projects/{project_id}/cycles/{cycle_id}/upload" => uploads::upload, Member;
    post "/projects/{project_id}/cycles/{cycle_id}/requests/{request_id}/answer" => answers::member, Member;
    post "/projects/{project_id}/cycles/{cycle_id}/batches" => uploads::open_batch, Member;
    post "/uploads/{sync_session_id}/finish" => uploads::finish_batch, Member;
    // Before `/uploads/{sync_session_id}`, which would otherwise take `/uploads/tus`.
    options "/uploads/tus" => tus::options, Public;
    post "/uploads/tus" => tus::create, Uploader;
    head "/uploads/tus/{tus_id}" => tus::head, Uploader;
    patch "/uploads/tus/{tus_id}" => tus::patch, Uploader;
    delete "/uploads/tus/{tus_id}" => tus::terminate, Uploader;
    get "/uploads/{sync_session_id}" => uploads::receipt, Member;
    get "/files/{file_id}/download" => files::download, Member;
    get "/missing" => missing::page, Member;
    get "/dashboard" => dashboard::projects, Member;
    get "/dashboard/projects/{project_id}" => dashboard::project, Member;
    get "/dashboard/cycles/{cycle_id}" => dashboard::cycle, Member;
    get "/dashboard/cycles/{cycle_id}/export.zip" => files::cycle_export, Member;
    get "/dashboard/audit" => audit_trail::page, Auditor;
    get "/dashboard/audit.csv" => audit_trail::csv, Auditor;
    get "/dashboard/audit/digests.jsonl" => audit_digests::download, Auditor;
    get "/wall/{token}" => wall::show, Public;
    get "/api/v1/openapi.json" => api::openapi, Public;
    get "/api/v1/projects" => api::list_projects, Token;
    get "/api/v1/projects/{project_id}/cycles" => api::project_cycles, Token;
    get "/api/v1/cycles/{cycle_id}/requests" => api::cycle_requests, Token;
    get "/api/v1/cycles/{cycle_id}/files" => api::cycle_files, Token;
    get "/api/v1/cycles/{cycle_id}/export.zip" => api::cycle_export, Token;
    get "/api/v1/files/{file_id}/download" => api::download_file, Token;
    post "/api/v1/sessions" => api::start_session, Token;
    post "/api/v1/sessions/{sync_session_id}/finish" => api::finish_session, Token;
    get "/api/v1/sessions/{sync_session_id}" => api::session_receipt, Token;
    get "/api/v1/webhooks" => api::webhooks::list, Token;
    post "/api/v1/webhooks" => api::webhooks::create, Token;
    delete "/api/v1/webhooks/{endpoint_id}" => api::webhooks::delete, Token;
    post "/api/v1/projects/{project_id}/cycles" => api::automation::start_cycle, Token;
    post "/api/v1/cycles/{cycle_id}/requests" => api::automation::add_request, Token;
    patch "/api/v1/requests/{request_id}" => api::automation::edit_request, Token;
    delete "/api/v1/requests/{request_id}" => api::automation::remove_request, Token;
    post "/api/v1/requests/{request_id}/review" => api::automation::review, Token;
    put "/api/v1/requests/{request_id}/answer" => api::answers::answer, Token;
    post "/api/v1/cycles/{cycle_id}/links" => api::automation::create_link, Token;
    delete "/api/v1/links/{link_id}" => api::automation::revoke_link, Token;
    get "/api/v1/missing" => api::automation::missing, Token;
    get "/u/{token}" => upload_link::show, Public;
    post "/u/{token}" => upload_link::identify, Public;
    post "/u/{token}/upload" => upload_link::upload, Public;
    post "/u/{token}/requests/{request_id}/answer" => answers::visitor, Public;
    post "/u/{token}/batches" => upload_link_tus::open_batch, Public;
    post "/u/{token}/batches/{sync_session_id}/finish" => upload_link_tus::finish_batch, Public;
    post "/u/{token}/batches/{sync_session_id}/email" => upload_link_tus::email_receipt, Public;
    options "/u/{token}/tus" => upload_link_tus::options, Public;
    post "/u/{token}/tus" => upload_link_tus::create, Public;
    head "/u/{token}/tus/{tus_id}" => upload_link_tus::head, Public;
    patch "/u/{token}/tus/{tus_id}" => upload_link_tus::patch, Public;
    delete "/u/{token}/tus/{tus_id}" => upload_link_tus::terminate, Public;
    get "/brand/logo/{sha256}" => brand::logo, Public;
    get "/brand/style/{colour}.css" => brand::style, Public;

    get "/admin/users" => admin::users::list, CompanyAdmin;
    get "/admin/users/new" => admin::users::new, CompanyAdmin;
    post "/admin/users" => admin::users::create, CompanyAdmin;
    get "/admin/users/{user_id}" => admin::users::edit, CompanyAdmin;
    post "/admin/users/{user_id}" => admin::users::update, CompanyAdmin;
    post "/admin/users/{user_id}/deactivate" => admin::users::set_active, CompanyAdmin;
    post "/admin/users/{user_id}/activate" => admin::users::set_active, CompanyAdmin;
    post "/admin/users/{user_id}/reset-password" => admin::users::reset_password, CompanyAdmin;
    post "/admin/users/{user_id}/erase" => admin::user_erasure::erase, CompanyAdmin;
    post "/admin/users/{user_id}/reset-two-factor" => admin::two_factor::reset, CompanyAdmin;
    post "/admin/two-factor-policy" => admin::two_factor::set_policy, CompanyAdmin;

    get "/admin/projects" => admin::projects::list, CompanyAdmin;
    get "/admin/projects/new" => admin::projects::new, CompanyAdmin;
    post "/admin/projects" => admin::projects::create, CompanyAdmin;
    get "/admin/projects/{project_id}" => admin::projects::edit, CompanyAdmin;
    post "/admin/projects/{project_id}" => admin::projects::update, CompanyAdmin;
    post "/admin/projects/{project_id}/delete" => admin::projects::delete, CompanyAdmin;
    post "/admin/projects/{project_id}/restore" => admin::projects::restore, CompanyAdmin;
    post "/admin/projects/{project_id}/check-bucket" => admin::projects::check_bucket, CompanyAdmin;
    post "/admin/projects/{project_id}/retention" => admin::holds::set_retention, CompanyAdmin;
    get "/admin/projects/{project_id}/tokens" => admin::tokens::list, CompanyAdmin;
    post "/admin/projects/{project_id}/tokens" => admin::tokens::create, CompanyAdmin;
    post "/admin/projects/{project_id}/tokens/{token_id}/revoke" => admin::tokens::revoke, CompanyAdmin;
    post "/admin/projects/{project_id}/cycles" => admin::cycles::start_next, CompanyAdmin;
    get "/admin/projects/{project_id}/cycles/{cycle_id}" => admin::cycles::edit, CompanyAdmin;
    post "/admin/projects/{project_id}/cycles/{cycle_id}" => admin::cycles::update, CompanyAdmin;
    post "/admin/projects/{project_id}/cycles/{cycle_id}/status" => admin::cycles::change_status, CompanyAdmin;
    post "/admin/projects/{project_id}/cycles/{cycle_id}/follow-requests" => admin::cycle_requests::follow_requests, CompanyAdmin;
    post "/admin/projects/{project_id}/cycles/{cycle_id}/close" => admin::cycle_closing::close, CompanyAdmin;
    post "/admin/projects/{project_id}/cycles/{cycle_id}/due" => admin::cycle_requests::set_due, CompanyAdmin;
    get "/admin/projects/{project_id}/cycles/{cycle_id}/requests" => admin::cycle_requests::page, CompanyAdmin;
    post "/admin/projects/{project_id}/cycles/{cycle_id}/requests" => admin::cycle_requests::add, CompanyAdmin;
    post "/admin/projects/{project_id}/cycles/{cycle_id}/requests/{request_id}/decide" => admin::cycle_requests::decide, CompanyAdmin;
    post "/admin/projects/{project_id}/cycles/{cycle_id}/requests/{request_id}/delete" => admin::cycle_requests::remove, CompanyAdmin;
    get "/admin/projects/{project_id}/cycles/{cycle_id}/requests/{request_id}/edit" => admin::cycle_request_edit::page, CompanyAdmin;
    post "/admin/projects/{project_id}/cycles/{cycle_id}/requests/{request_id}/edit" => admin::cycle_request_edit::update, CompanyAdmin;
    get "/admin/projects/{project_id}/requests" => admin::request_list::page, CompanyAdmin;
    post "/admin/projects/{project_id}/requests" => admin::request_list::add, CompanyAdmin;
    post "/admin/projects/{project_id}/requests/{item_id}/delete" => admin::request_list::remove, CompanyAdmin;
    get "/admin/projects/{project_id}/cycles/{cycle_id}/links" => admin::upload_links::list, CompanyAdmin;
    post "/admin/projects/{project_id}/cycles/{cycle_id}/links" => admin::upload_links::create, CompanyAdmin;
    post "/admin/projects/{project_id}/cycles/{cycle_id}/links/{link_id}/revoke" => admin::upload_links::revoke, CompanyAdmin;
    post "/admin/projects/{project_id}/access" => admin::access::grant, CompanyAdmin;
    post "/admin/projects/{project_id}/access/{user_id}/revoke" => admin::access::revoke, CompanyAdmin;
    post "/admin/files/{file_id}/delete" => admin::files::delete, CompanyAdmin;
    get "/admin/holds" => admin::holds::page, CompanyAdmin;
    post "/admin/holds" => admin::holds::place, CompanyAdmin;
    post "/admin/holds/{hold_id}/lift" => admin::holds::lift, CompanyAdmin;
    get "/admin/branding" => admin::branding::page, CompanyAdmin;
    post "/admin/branding" => admin::branding::update, CompanyAdmin;
    post "/admin/branding/logo" => admin::branding::upload_logo, CompanyAdmin;
    post "/admin/branding/logo/delete" => admin::branding::remove_logo, CompanyAdmin;
    post "/admin/branding/language" => admin::branding::set_language, CompanyAdmin;
    get "/admin/share-links" => admin::share_links::list, CompanyAdmin;
    post "/admin/share-links" => admin::share_links::create, CompanyAdmin;
    post "/admin/share-links/{link_id}/revoke" => admin::share_links::revoke, CompanyAdmin;
    get "/admin/webhooks" => admin::webhooks::list, CompanyAdmin;
    post "/admin/webhooks" => admin::webhooks::create, CompanyAdmin;
    get "/admin/webhooks/{endpoint_id}" => admin::webhooks::show, CompanyAdmin;
    post "/admin/webhooks/{endpoint_id}" => admin::webhooks::update, CompanyAdmin;
    post "/admin/webhooks/{endpoint_id}/enable" => admin::webhooks::enable, CompanyAdmin;
    post "/admin/webhooks/{endpoint_id}/disable" => admin::webhooks::disable, CompanyAdmin;
    post "/admin/webhooks/{endpoint_id}/delete" => admin::webhooks::delete, CompanyAdmin;
    post "/admin/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver" => admin::webhooks::redeliver, CompanyAdmin;

    get "/operator/companies" => operator::companies::list, Operator;
    get "/operator/companies/new" => operator::companies::new, Operator;
    post "/operator/companies" => operator::companies::create, Operator;
    get "/operator/companies/{company_id}" => operator::companies::edit, Operator;
    post "/operator/companies/{company_id}" => operator::companies::update, Operator;
    post "/operator/companies/{company_id}/deactivate" => operator::companies::set_active, Operator;
    post "/operator/companies/{company_id}/activate" => operator::companies::set_active, Operator;
    post "/operator/companies/{company_id}/first-admin" => operator::companies::create_first_admin, Operator;
    post "/operator/companies/{company_id}/open" => operator::companies::open, Operator;
    post "/operator/companies/{company_id}/locations" => operator::locations::create, Operator;
    get "/operator/companies/{company_id}/sso" => operator::sso::page, Operator;
    post "/operator/companies/{company_id}/sso" => operator::sso::save, Operator;
    post "/operator/companies/{company_id}/sso/remove" => operator::sso::remove, Operator;
    post "/operator/leave" => operator::companies::leave, Operator;
    get "/operator/outbox" => operator::outbox::page, Operator;
    get "/operator/erasure" => operator::erasure::page, Operator;
    post "/operator/erasure/preview" => operator::erasure::preview, Operator;
    post "/operator/erasure" => operator::erasure::erase, Operator;
    post "/operator/two-factor-policy" => operator::two_factor_policy::set, Operator;
}

/// Routes whose handler reads a multipart body through
/// [`crate::auth::csrf::CheckedMultipart`]: a plain form may carry its CSRF token as the
/// body's first field there. Every other route needs the token in a header or a form field.
pub const MULTIPART_ROUTES: &[&str] = &[
    "/projects/{project_id}/cycles/{cycle_id}/upload",
    "/u/{token}/upload",
    "/admin/branding/logo",
];

/// Routes of the JSON API: authenticated by a bearer token only (never a cookie), so they
/// carry no ambient authority and the CSRF check does not apply.
pub fn is_api_route(pattern: &str) -> bool {
    pattern.starts_with("/api/")
}

/// Routes that take a bearer token or a session: with a bearer token they are called as
/// API routes (no cookie is read, so no CSRF check); otherwise as pages.
pub fn takes_bearer(pattern: &str) -> bool {
    is_api_route(pattern) || pattern.starts_with("/uploads/tus")
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
