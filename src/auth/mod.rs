//! Who is asking: passwords, server-side sessions, CSRF protection and the extractors
//! that guard handlers (`SignedInUser` → `CurrentUser` → `Member` / `CompanyAdmin` / `Operator`).

pub mod client_info;
pub mod csrf;
pub mod current_user;
pub mod guards;
pub mod password;
pub mod session_keys;
pub mod session_store;

pub use client_info::ClientInfo;
pub use current_user::{CompanySummary, CurrentUser, SignedInUser};
pub use guards::{CompanyAdmin, Member, Operator};
pub use password::PasswordHasher;
