//! Web plumbing shared by all routes: page context, rendering, template filters,
//! pagination, headers, charts. May import `auth`, `services` (their types), `domain`,
//! `error`; never the wiring.

pub mod app_error;
pub mod audit_sentences;
pub mod charts;
pub mod ctx;
pub mod filters;
pub mod form;
pub mod history_words;
pub mod idempotency;
pub mod paced_body;
pub mod page;
pub mod pagination;
pub mod problem;
pub mod request_id;
pub mod respond;
pub mod security_headers;
pub mod unavailable;

pub use crate::domain::FieldErrors;
pub use ctx::{Activation, Ctx};
pub use form::{submit, validated};
pub use page::{render, Flash, PageContext};
pub use pagination::{ListQuery, Paged};
pub use respond::{done, form_status, html, htmx_target, invalid, is_htmx, see_other};
