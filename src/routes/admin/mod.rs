//! A company's administration (`CompanyAdmin`): users, projects, cycles and access.

pub mod access;
pub mod cycles;
pub mod files;
pub mod projects;
pub mod share_links;
pub mod users;
