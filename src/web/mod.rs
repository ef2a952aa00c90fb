//! Web plumbing shared by all routes: page context, rendering, forms, pagination, headers.

pub mod charts;
pub mod form;
pub mod page;
pub mod pagination;
pub mod request_id;
pub mod respond;
pub mod security_headers;

pub use form::FieldErrors;
pub use page::{render, Flash, PageContext};
pub use pagination::{ListQuery, Paged};
pub use respond::{html, invalid, is_htmx, see_other};
