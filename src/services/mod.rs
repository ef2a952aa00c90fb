//! Use cases: every query, every S3 call and every decision about who may see what.
//! May import `db`, `storage`, `domain`, `error`, `config`; never `routes`, `web`, `auth`,
//! `state` or the wiring. Routes call the async functions here with the
//! [`ServiceContext`] and an [`actor::Actor`]; each runs as one transaction with its audit
//! row included.

pub mod accounts;
pub mod actor;
pub mod answers;
pub mod api;
pub mod api_tokens;
pub mod audit;
pub mod audit_chain;
pub mod audit_digests;
pub mod audit_names;
pub mod audit_trail;
pub mod auth_sessions;
pub mod automation;
pub mod branding;
pub mod companies;
pub mod context;
pub mod cycle_closing;
pub mod cycle_progress;
pub mod cycle_requests;
pub mod cycles;
pub mod dashboards;
pub mod erasure;
pub mod evidence_export;
mod file_life;
pub mod files;
pub mod health;
pub mod idempotency;
pub mod legal_hold_objects;
pub mod legal_holds;
pub mod maintenance;
pub mod missing;
pub mod notifications;
pub mod outbox;
pub mod own_sessions;
pub mod passkeys;
pub mod password_change;
pub mod password_hasher;
pub mod profile;
pub mod project_access;
pub mod project_detail;
pub mod projects;
pub mod reaper;
pub mod reauth_throttle;
pub mod receipt_email;
pub mod receipts;
pub mod reconciler;
pub mod request_edit;
pub mod request_lists;
pub mod retention;
pub mod scanning;
pub mod sealing;
pub mod share_links;
pub mod sign_in;
pub mod sign_in_throttle;
pub mod sign_out;
pub mod signed_in;
pub mod sso;
pub mod storage_locations;
pub mod stray_uploads;
pub mod thank_you;
pub mod two_factor;
pub mod upload_links;
pub mod uploads;
pub mod users;
pub mod wall_figures;
pub mod webhooks;

pub use actor::Actor;
pub use context::ServiceContext;
pub use context::ServiceParts;
