//! Use cases: plain functions over `&mut PgConnection`, each run as one transaction
//! (see `db::transaction`), tenant-scoped, with the audit row included.

pub mod accounts;
pub mod audit;
pub mod password_change;
pub mod sign_in;
pub mod sign_out;
