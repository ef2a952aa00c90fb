//! Web plumbing shared by all routes: page context, rendering, headers.

pub mod page;
pub mod request_id;
pub mod security_headers;

pub use page::{render, Flash, PageContext};
