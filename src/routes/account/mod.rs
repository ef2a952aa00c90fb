//! A signed-in user's own account: password, profile and timezone, live sessions, API
//! tokens.
//! Imports as every route does: services, auth, web, domain, ids.

pub mod passkeys;
pub mod password;
pub mod profile;
pub mod sessions;
pub mod tokens;
pub mod two_factor;
