//! Validated domain types (parse, don't validate) and the enums of every role and status
//! column. May import `error` and `db::ids`; nothing else of Hopper's.

pub mod access_role;
pub mod bucket_name;
pub mod client_info;
pub mod cycle_status;
pub mod field_errors;
pub mod fields;
pub mod file_kind;
pub mod key_root;
pub mod link_platform;
pub mod list_window;
pub mod new_password;
pub mod notification;
pub mod object_key;
pub mod refusal;
pub mod request_pattern;
pub mod request_status;
pub mod resumable_sha256;
pub mod role;
pub mod s3_prefix;
pub mod sizes;
pub mod text_enum;
pub mod token_scope;
pub mod tokens;
pub mod upload_status;
pub mod via;

pub use access_role::AccessRole;
pub use bucket_name::BucketName;
pub use client_info::ClientInfo;
pub use cycle_status::CycleStatus;
pub use field_errors::FieldErrors;
pub use key_root::KeyRoot;
pub use link_platform::LinkPlatform;
pub use list_window::ListWindow;
pub use new_password::NewPassword;
pub use notification::{NotificationKind, NotificationStatus};
pub use object_key::ObjectKey;
pub use refusal::{Refusal, RefusalKind};
pub use request_pattern::RequestPattern;
pub use request_status::{RequestDecision, RequestStatus};
pub use role::Role;
pub use s3_prefix::S3Prefix;
pub use token_scope::TokenScope;
pub use upload_status::{FileStatus, SessionStatus};
pub use via::Via;
