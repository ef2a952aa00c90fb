//! The services Hopper runs itself when nothing is configured: a PostgreSQL cluster from
//! the system's binaries and an S3-compatible endpoint on loopback.
//! May import `config`; used only by the wiring (`startup`) and the CLI.

pub mod pg_binaries;
pub mod postgres;
pub mod s3;
pub mod unix_user;
pub mod upload_expiry;
