//! The operator's screens: companies, their first admin, opening a company's administration.
//! Imports as every route does: services, auth, web, domain, ids.

pub mod companies;
pub mod company_form;
pub mod erasure;
pub mod locations;
pub mod outbox;
pub mod sso;
pub mod two_factor_policy;
