//! Use cases: plain functions over `&mut PgConnection`, each run as one transaction
//! (see `db::transaction`), tenant-scoped through an [`actor::Actor`], with the audit row
//! included.

pub mod accounts;
pub mod actor;
pub mod audit;
pub mod audit_trail;
pub mod companies;
pub mod cycles;
pub mod dashboards;
pub mod files;
pub mod own_sessions;
pub mod password_change;
pub mod profile;
pub mod project_access;
pub mod projects;
pub mod reaper;
pub mod share_links;
pub mod sign_in;
pub mod sign_out;
pub mod uploads;
pub mod users;
