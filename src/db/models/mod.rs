//! Row structs (`Queryable`/`Selectable`), insert/update forms and finders, one file per
//! table; finders of tenant data take the company id. May import `domain`, `schema`, `db::ids`.

pub mod api_token;
pub mod audit_log;
pub mod auth_session;
pub mod company;
pub mod company_brand;
pub mod company_link;
pub mod company_sso;
pub mod completeness;
pub mod cycle;
pub mod cycle_contents;
pub mod cycle_request;
pub mod day_figures;
pub mod document_request;
pub mod file_status_filter;
pub mod file_transitions;
pub mod file_upload;
pub mod legal_hold;
pub mod new_file;
pub mod notification;
pub mod project;
pub mod project_access;
pub mod share_link;
pub mod sso_link;
pub mod sso_sign_in;
pub mod storage_location;
pub mod superseded;
pub mod sync_session;
pub mod tag;
pub mod tenant_finder;
pub mod tus_upload;
pub mod two_factor;
pub mod upload_link;
pub mod user;
pub mod user_profile;
pub mod webhook;
