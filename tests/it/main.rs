//! Hopper's integration tests: one binary, one throwaway PostgreSQL cluster and one S3
//! endpoint per run, a fresh database (cloned from a migrated template) per test.

mod helpers;

mod account;
mod admin_projects;
mod admin_users;
mod api;
mod audit_log;
mod auth;
mod browser;
mod browser_layout;
mod browser_requests;
mod browser_tus;
mod browser_upload_page;
mod cli;
mod crash;
mod dashboards;
mod embedded_serve;
mod enums;
mod fault_proxy;
mod faults;
mod health;
mod isolation;
mod layers;
mod node_process;
mod notifications;
mod operator;
mod planted;
mod races;
mod reconciler;
mod request_figures;
mod requests;
mod schema;
mod sessions;
mod slow_clients;
mod smtp_sink;
mod soak;
mod storage;
mod streamed;
mod sync;
mod tus;
mod tus_restart;
mod two_nodes;
mod upload_failures;
mod upload_links;
mod uploads;
