//! A company's administration (`CompanyAdmin`): users, projects, cycles (review per request, closing), access,
//! wall-screen links, upload links. Imports as every route does: services, auth, web, domain, ids.

pub mod access;
pub mod branding;
pub mod cycle_closing;
pub mod cycle_request_edit;
pub mod cycle_requests;
pub mod cycles;
pub mod files;
pub mod holds;
pub mod project_form;
pub mod projects;
pub mod request_form;
pub mod request_list;
pub mod share_links;
pub mod tokens;
pub mod two_factor;
pub mod upload_links;
pub mod user_erasure;
pub mod users;
pub mod webhooks;
