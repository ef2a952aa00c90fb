//! Hopper: a multi-tenant document intake portal.
//!
//! Layout: `routes` (HTTP handlers) → `services` (one transaction per use case, audit row
//! included) → `db` (pool, schema, models), plus `storage` (S3) and `embedded` (the
//! PostgreSQL cluster and S3 endpoint Hopper runs itself when nothing is configured), and
//! `sync`, the client of `hopper sync` (it uses only the public API).

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod embedded;
pub mod error;
pub mod i18n;
pub mod routes;
pub mod scanner;
pub mod schema;
pub mod services;
pub mod startup;
pub mod state;
pub mod storage;
pub mod sync;
pub mod telemetry;
pub mod web;
