//! Validated domain types: parse, don't validate.

pub mod new_password;
pub mod role;

pub use new_password::NewPassword;
pub use role::Role;
