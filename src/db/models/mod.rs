//! Row structs (`Queryable`/`Selectable`) and insert forms, one file per table.

pub mod audit_log;
pub mod auth_session;
pub mod company;
pub mod user;
pub mod user_profile;
