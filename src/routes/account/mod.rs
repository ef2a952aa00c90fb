pub mod password;
pub mod profile;
pub mod sessions;
