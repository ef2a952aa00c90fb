//! Row structs (`Queryable`/`Selectable`) and insert/update forms, one file per table.
//! Finders of tenant data take the company id.

pub mod audit_log;
pub mod auth_session;
pub mod company;
pub mod company_link;
pub mod cycle;
pub mod file_upload;
pub mod project;
pub mod project_access;
pub mod sync_session;
pub mod tag;
pub mod user;
pub mod user_profile;
