//! Wiring: embedded services, the pool, migrations, S3, and the HTTP server.
//! May import everything; nothing imports it but `main` and the tests.

mod database;

pub use database::connect_and_migrate;
use database::request_pool;

use std::fs;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;

use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer, ResponseError};
use anyhow::Context;
use rand::RngCore;
use sha2::{Digest, Sha512};
use tracing_actix_web::TracingLogger;

use crate::auth::csrf;
use crate::auth::session_store::PgSessionStore;
use crate::config::{create_dir_with_mode, write_private_file, Config, Secret};
use crate::db;
use crate::domain::refusal::InputRefused;
use crate::embedded::postgres::{EmbeddedPostgres, PostgresOptions};
use crate::embedded::s3::EmbeddedS3;
use crate::error::AppError;
use crate::routes;
use crate::services::accounts;
use crate::services::audit_digests::AuditSigner;
use crate::services::password_hasher::PasswordHasher;
use crate::services::{ServiceContext, ServiceParts};
use crate::state::AppState;
use crate::storage::Storage;
use crate::web::{request_id, security_headers};

/// The PostgreSQL cluster and S3 endpoint Hopper runs itself when none is configured.
#[derive(Default)]
pub struct EmbeddedServices {
    postgres: Option<EmbeddedPostgres>,
    s3: Option<EmbeddedS3>,
}

impl EmbeddedServices {
    /// Starts what `config` leaves unset and fills in how to reach it.
    pub fn start_missing(config: &mut Config) -> anyhow::Result<Self> {
        let mut services = Self::default();
        // Stored documents, keys and the cluster are Hopper's alone: the data dir is 0700,
        // or 0711 when the embedded cluster runs as another account (as root, Hopper runs it
        // as `postgres`), which must pass through to its own folder; nobody else may list
        // the data dir, and everything in it is private to its owner.
        let cluster_elsewhere =
            config.database_url.is_none() && crate::embedded::unix_user::cluster_owner().is_some();
        let mode = if cluster_elsewhere { 0o711 } else { 0o700 };
        create_dir_with_mode(&config.data_dir, mode)
            .with_context(|| format!("cannot create the data dir {}", config.data_dir.display()))?;
        if config.database_url.is_none() {
            let options = PostgresOptions {
                ephemeral: false,
                bin_dir: config.postgres_bin_dir.clone(),
            };
            let postgres = EmbeddedPostgres::start(&config.data_dir.join("postgres"), &options)?;
            config.database_url = Some(Secret::new(postgres.database_url("hopper")));
            // Requests run as a role that owns nothing; migrations as the cluster's owner.
            config.app_database_url.get_or_insert_with(|| {
                Secret::new(postgres.database_url_as("hopper", db::roles::DEFAULT_APP_ROLE))
            });
            services.postgres = Some(postgres);
        }
        if config.s3.endpoint.is_none() {
            let s3 = EmbeddedS3::start(
                &config.data_dir.join("s3"),
                &config.data_dir.join("s3-credentials"),
            )?;
            tracing::info!(endpoint = %s3.endpoint(), "embedded S3 endpoint started");
            config.s3.endpoint = Some(s3.endpoint());
            config.s3.credentials = Some(s3.credentials());
            config.s3.force_path_style = true;
            config.s3.create_missing_buckets = true;
            services.s3 = Some(s3);
        }
        Ok(services)
    }

    pub fn stop(&mut self) {
        if let Some(mut s3) = self.s3.take() {
            s3.stop();
        }
        if let Some(mut postgres) = self.postgres.take() {
            postgres.stop();
        }
    }
}

pub struct Application {
    address: SocketAddr,
    server: Server,
    state: web::Data<AppState>,
}

/// Migrates the database and connects the pool and S3: what every use case runs with
/// (the web server, and operator commands such as `hopper reconcile`).
pub async fn build_services(config: &Config) -> anyhow::Result<ServiceContext> {
    let database_url = config
        .database_url
        .clone()
        .context("no database configured")?;
    let app_url = config
        .app_database_url
        .as_ref()
        .map(|u| u.expose().to_owned());
    let owner_pool_size = if app_url.is_some() {
        2
    } else {
        config.database_pool_size
    };
    let owner =
        connect_and_migrate(database_url.expose(), app_url.as_deref(), owner_pool_size).await?;
    let pool = request_pool(config, owner).await?;
    let storage = Storage::connect(&config.s3).await;
    let audit_signer = AuditSigner::load(config.audit_signing_key.as_ref(), &config.data_dir)?;
    Ok(ServiceContext::new(ServiceParts {
        pool,
        storage,
        hasher: PasswordHasher::new(config.max_concurrent_password_hashes),
        uploads: config.uploads.clone(),
        sign_in: config.sign_in.clone(),
        node_id: config.node_id.clone(),
        mail: config.mail.clone(),
        audit_signer,
        scanner: config.scanner.clone().map(crate::scanner::Scanner::new),
        webhooks: config.webhooks,
    }))
}

impl Application {
    /// `config` must name a database (see [`EmbeddedServices::start_missing`]).
    pub async fn build(mut config: Config) -> anyhow::Result<Self> {
        config.uploads = config.uploads.within_s3_limits();
        let services = build_services(&config).await?;
        refuse_known_password_on_the_network(&config, &services).await?;
        if config.s3.create_missing_buckets {
            // Hopper's own S3 endpoint: the operator's company gets a storage location at
            // once, so the two-command start can create a project without any setup.
            crate::services::storage_locations::ensure_default(&services, DEFAULT_BUCKET)
                .await
                .context("cannot create the default storage location")?;
        }
        let cookie_key = cookie_key(&config)?;
        // Authenticators' and webhooks' secrets are sealed under a key of the secret
        // key's, which every node shares; rows from before are sealed now.
        services.set_sealing_key(crate::services::sealing::SealingKey::derive(
            cookie_key.master(),
            "hopper sealing v1",
        ));
        let sealed = crate::services::two_factor::seal_stored(&services).await?
            + crate::services::webhooks::seal_stored(&services).await?;
        if sealed > 0 {
            tracing::info!(sealed, "sealed secrets stored before they were sealed");
        }
        let listener = TcpListener::bind(config.bind).with_context(|| {
            format!(
                "cannot listen on {} (choose another address with --bind)",
                config.bind
            )
        })?;
        let address = listener.local_addr()?;

        let public_url = match &config.public_url {
            Some(url) => url.as_str().trim_end_matches('/').to_owned(),
            None => {
                if !address.ip().is_loopback() {
                    tracing::warn!(%address, "HOPPER_PUBLIC_URL is not set: links Hopper shows use the listening address");
                }
                format!("http://{address}")
            }
        };
        services.set_public_url(&public_url);
        let state = web::Data::new(AppState {
            services: services.clone(),
            config: config.clone(),
            public_url,
            device_key: crate::auth::device_cookie::derive_key(&cookie_key),
        });
        let store = PgSessionStore::new(services.clone(), config.session.clone());
        let session_config = config.session.clone();
        let app_state = state.clone();
        let server =
            HttpServer::new(move || {
                let session = SessionMiddleware::builder(store.clone(), cookie_key.clone())
                    .cookie_name(session_config.cookie_name().to_owned())
                    .cookie_secure(session_config.cookie_secure)
                    .cookie_http_only(true)
                    .cookie_same_site(SameSite::Lax)
                    .cookie_path("/".to_owned())
                    .cookie_content_security(CookieContentSecurity::Signed)
                    .session_lifecycle(BrowserSession::default())
                    .build();
                App::new()
                    .app_data(app_state.clone())
                    .app_data(web::FormConfig::default().limit(64 * 1024).error_handler(
                        |err, _| {
                            AppError::from(InputRefused::FormUnreadable(err.to_string())).into()
                        },
                    ))
                    // The API's JSON bodies (manifests): a bad one is a problem, not a 500.
                    .app_data(
                        web::JsonConfig::default()
                            .limit(4 * 1024 * 1024)
                            .error_handler(|err, _| {
                                crate::web::problem::Problem::App(
                                    InputRefused::JsonUnreadable(err.to_string()).into(),
                                )
                                .into()
                            }),
                    )
                    // A malformed id in a path is a missing page, not a server error.
                    .app_data(
                        web::PathConfig::default().error_handler(|_, _| AppError::NotFound.into()),
                    )
                    .app_data(web::QueryConfig::default().error_handler(|err, _| {
                        AppError::from(InputRefused::AddressInvalid(err.to_string())).into()
                    }))
                    .wrap(from_fn(crate::web::idempotency::guard))
                    .wrap(from_fn(csrf::guard))
                    .wrap(session)
                    .wrap(from_fn(crate::web::unavailable::session_store_failures))
                    .wrap(security_headers::default_headers(
                        session_config.cookie_secure,
                    ))
                    .wrap(from_fn(request_id::echo))
                    .wrap(TracingLogger::<crate::telemetry::RedactedRootSpan>::new())
                    .configure(routes::configure)
                    .configure(crate::routes::static_files::configure)
                    .default_service(web::to(|| async { AppError::NotFound.error_response() }))
            })
            .shutdown_timeout(10)
            .listen(listener)?
            .run();

        crate::services::reaper::spawn(services.clone());
        crate::services::uploads::tus::liveness::spawn_renewals(services.clone());
        crate::services::cycle_progress::spawn_deadlines(services.clone());
        crate::services::notifications::spawn_sender(services.clone());
        crate::services::maintenance::spawn_audit_digests(services.clone());
        crate::services::maintenance::spawn_scanner_pass(services.clone());
        crate::services::retention::spawn_daily(services.clone());
        crate::services::webhooks::spawn_deliveries(services.clone());
        crate::services::maintenance::spawn_idempotency_prune(services.clone());
        crate::services::maintenance::spawn_partition_upkeep(services);
        Ok(Self {
            address,
            server,
            state,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn state(&self) -> web::Data<AppState> {
        self.state.clone()
    }

    /// Serves until SIGINT/SIGTERM (graceful: running requests may finish).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// The bucket of the default storage location on Hopper's own S3 endpoint.
const DEFAULT_BUCKET: &str = "hopper";

/// Every install seeds `admin` / `admin123`. On loopback only this machine can reach it
/// (the two-command start); on any other address whoever signs in first would own the
/// operator account, so Hopper does not start until the password is set.
async fn refuse_known_password_on_the_network(
    config: &Config,
    services: &ServiceContext,
) -> anyhow::Result<()> {
    if config.bind.ip().is_loopback() || !accounts::seeded_admin_password_in_place(services).await {
        return Ok(());
    }
    anyhow::bail!(
        "refusing to serve on {}: the operator account `admin` still has the seeded password \
         (admin123), and anyone who reaches this address could take it over. Set a password \
         first:\n\n    hopper reset-password --username admin\n\n(or serve on 127.0.0.1 and \
         change it in the browser)",
        config.bind
    )
}

/// The key that signs session cookies: from configuration, or generated once into the
/// data dir so that restarts keep everyone signed in.
fn cookie_key(config: &Config) -> anyhow::Result<Key> {
    let secret = match &config.secret_key {
        Some(secret) => {
            anyhow::ensure!(
                secret.expose().len() >= 32,
                "HOPPER_SECRET_KEY must be at least 32 characters"
            );
            secret.expose().as_bytes().to_vec()
        }
        None => load_or_create_secret(&config.data_dir.join("secret.key"))?,
    };
    Ok(Key::from(Sha512::digest(&secret).as_slice()))
}

fn load_or_create_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(existing) = fs::read(path) {
        if existing.len() >= 32 {
            return Ok(existing);
        }
    }
    let mut secret = vec![0u8; 64];
    rand::rng().fill_bytes(&mut secret);
    write_private_file(path, &secret)?;
    Ok(secret)
}
