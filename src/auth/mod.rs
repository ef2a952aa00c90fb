//! Who is asking: server-side sessions, CSRF protection and the guard extractors
//! (`SignedInUser` → `CurrentUser` → `Member` / `CompanyAdmin` / `Operator`).
//! May import `services`, `state`, `web`, `domain`; never diesel, the schema or storage.

pub mod api_caller;
pub mod client_info;
pub mod csrf;
pub mod current_user;
pub mod device_cookie;
pub mod guards;
pub mod session_keys;
pub mod session_store;
pub mod sign_in_session;
pub mod uploader;

pub use crate::services::signed_in::CompanySummary;
pub use client_info::ClientInfo;
pub use current_user::{CurrentUser, SignedInUser};
pub use guards::{CompanyAdmin, Member, Operator};
