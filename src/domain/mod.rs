//! Validated domain types: parse, don't validate.

pub mod access_role;
pub mod bucket_name;
pub mod cycle_status;
pub mod fields;
pub mod file_kind;
pub mod new_password;
pub mod object_key;
pub mod role;
pub mod s3_prefix;

pub use access_role::AccessRole;
pub use bucket_name::BucketName;
pub use cycle_status::CycleStatus;
pub use new_password::NewPassword;
pub use object_key::ObjectKey;
pub use role::Role;
pub use s3_prefix::S3Prefix;
