use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use hopper::cli::{
    AuditCommand, AuditVerifyArgs, Cli, Command, CreateSuperadminArgs, ReconcileArgs,
    ResetPasswordArgs, RetentionCommand, RetentionRunArgs, SsoCommand, SyncArgs, TokenCommand,
    TokenCreateArgs,
};
use hopper::config::{Config, Secret};
use hopper::db::ids::ProjectId;
use hopper::db::{self, PgPool};
use hopper::domain::TokenScope;
use hopper::services::{accounts, api_tokens};
use hopper::startup::{self, Application, EmbeddedServices};

use hopper::cli::audit_digests as audit_digest_file;

fn main() -> ExitCode {
    return_large_buffers_to_the_os();
    let cli = Cli::parse();
    hopper::telemetry::init(cli.global.log_json);
    match actix_web::rt::System::new().block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hopper: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Upload part buffers are megabytes each and short-lived. glibc raises its mmap threshold
/// after such a buffer is freed, so later ones come from per-thread heap arenas whose
/// memory is not returned: peak RSS then drifts well above the part budget. A fixed
/// threshold keeps every part buffer an mmap of its own, unmapped when it is freed.
fn return_large_buffers_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes allocator tuning; called before any other thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve);
    let mut config = cli.global.into_config(&cli.serve);
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let mut embedded = start_database_only(&mut config)?;
            let result = migrate(&config).await.map(|_| ());
            embedded.stop();
            result?;
            println!("database is up to date");
            Ok(())
        }
        Command::CreateSuperadmin(args) => {
            let mut embedded = start_database_only(&mut config)?;
            let result = create_superadmin(&config, args).await;
            embedded.stop();
            result
        }
        Command::Audit(AuditCommand::Digest) => {
            let mut embedded = start_database_only(&mut config)?;
            let result = digest_audit(&config).await;
            embedded.stop();
            result
        }
        Command::Audit(AuditCommand::Verify(args)) => {
            let mut embedded = start_database_only(&mut config)?;
            let result = verify_audit(&config, args).await;
            embedded.stop();
            result
        }
        Command::Reconcile(args) => {
            let mut embedded = EmbeddedServices::start_missing(&mut config)?;
            let result = reconcile(&config, args).await;
            embedded.stop();
            result
        }
        Command::Retention(RetentionCommand::Run(args)) => {
            let mut embedded = EmbeddedServices::start_missing(&mut config)?;
            let result = retention(&config, args).await;
            embedded.stop();
            result
        }
        Command::Erase(args) => {
            let mut embedded = EmbeddedServices::start_missing(&mut config)?;
            let result = match startup::build_services(&config).await {
                Ok(services) => hopper::cli::erase(&services, args).await,
                Err(e) => Err(e),
            };
            embedded.stop();
            result
        }
        Command::Token(TokenCommand::Create(args)) => {
            let mut embedded = start_database_only(&mut config)?;
            let result = token_create(&config, args).await;
            embedded.stop();
            result
        }
        Command::Sso(command) => {
            let mut embedded = start_database_only(&mut config)?;
            let result = sso(&config, command).await;
            embedded.stop();
            result
        }
        Command::Sync(args) => sync(args).await,
        Command::S3Serve(args) => hopper::cli::s3_serve::run(&config.data_dir, args).await,
        Command::ResetPassword(args) => {
            let mut embedded = start_database_only(&mut config)?;
            let result = reset_password(&config, args).await;
            embedded.stop();
            result
        }
    }
}

async fn serve(mut config: Config) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut embedded = EmbeddedServices::start_missing(&mut config)?;
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(e) => {
            embedded.stop();
            return Err(e);
        }
    };
    let url = format!("http://{}", app.address());
    let hint = accounts::seeded_admin_password_in_place(&app.state().services)
        .await
        .then_some("Sign in as admin / admin123; you will be asked to choose a new password.");
    tracing::info!(%url, startup_ms = started.elapsed().as_millis() as u64, "Hopper is ready");
    println!("Hopper is running at {url}");
    if let Some(hint) = hint {
        println!("{hint}");
    }
    println!("Press Ctrl-C to stop.");
    let result = app.run_until_stopped().await;
    embedded.stop();
    result.context("the web server failed")
}

/// For the admin commands: the database only, no S3 endpoint.
fn start_database_only(config: &mut Config) -> anyhow::Result<EmbeddedServices> {
    config
        .s3
        .endpoint
        .get_or_insert_with(|| "http://127.0.0.1:9".into());
    EmbeddedServices::start_missing(config)
}

async fn migrate(config: &Config) -> anyhow::Result<PgPool> {
    let url = config
        .database_url
        .clone()
        .context("no database configured")?;
    // `hopper migrate` always creates (or checks) the application role and its grants: the
    // configured one, or hopper_app for an operator who configures it next.
    let app_url = config.app_database_url.as_ref().map_or_else(
        || format!("postgres://{}@localhost/", db::roles::DEFAULT_APP_ROLE),
        |u| u.expose().to_owned(),
    );
    startup::connect_and_migrate(url.expose(), Some(&app_url), 2).await
}

/// `hopper audit digest`: signs the chains that moved and prints their digests.
async fn digest_audit(config: &Config) -> anyhow::Result<()> {
    let services = startup::build_services(config).await?;
    let made = hopper::services::audit_digests::digest_all(&services).await?;
    for digest in &made {
        println!("{}", digest.to_json());
    }
    if made.is_empty() {
        println!("no chain moved since its last digest: nothing to sign");
    }
    Ok(())
}

/// `hopper audit verify`: runs as the owner (it records the run for the operator's page).
async fn verify_audit(config: &Config, args: AuditVerifyArgs) -> anyhow::Result<()> {
    let digests = match &args.digests {
        Some(path) => Some(audit_digest_file::read(config, path, &args.public_keys)?),
        None => None,
    };
    let export = match &args.export {
        Some(path) => Some(hopper::cli::evidence_check::read(path)?),
        None => None,
    };
    let export_digest = match export.as_ref().and_then(|e| e.latest_digest.as_ref()) {
        Some(line) => audit_digest_file::of_export(config, line, &args.public_keys)?,
        None => None,
    };
    let pool = migrate(config).await?;
    let reports = db::transaction(&pool, move |conn| {
        let company = match &args.company {
            Some(code) => Some(
                hopper::db::models::company::Company::find_by_code(conn, code)?
                    .ok_or_else(|| {
                        hopper::error::AppError::from(
                            hopper::domain::refusal::AccountRefused::CompanyUnknown(code.clone()),
                        )
                    })?
                    .id,
            ),
            None => None,
        };
        hopper::services::audit_chain::verify_all(conn, company)
    })
    .await?;
    let mut broken = false;
    for report in &reports {
        let chain = report.company.map_or_else(
            || "rows of no company".to_owned(),
            |c| format!("company {c}"),
        );
        match &report.first_bad {
            None => println!(
                "ok: {chain}, {} rows, every hash holds",
                report.rows_checked
            ),
            Some((row, problem)) => {
                broken = true;
                println!("ALTERED: {chain}: audit row {row}: {problem}");
            }
        }
    }
    if reports.is_empty() {
        println!("ok: no chained audit rows yet");
    }
    if let Some(digests) = digests {
        broken |= audit_digest_file::check(&pool, digests).await?;
    }
    if let Some(export) = export {
        broken |= hopper::cli::evidence_check::check(&pool, export).await?;
    }
    if let Some(digest) = export_digest {
        broken |= audit_digest_file::check(&pool, digest).await?;
    }
    anyhow::ensure!(!broken, "the audit trail was tampered with (see above)");
    Ok(())
}

/// `hopper reconcile`: the reconciler, then the reaper, once, with the given age.
async fn reconcile(config: &Config, args: ReconcileArgs) -> anyhow::Result<()> {
    let services = startup::build_services(config).await?;
    let older_than = std::time::Duration::from_secs(args.older_than_minutes * 60);
    let sweep = hopper::services::reconciler::Sweep {
        older_than,
        earlier_runs_of_this_node: false,
    };
    let settled = hopper::services::reconciler::run_once(&services, sweep).await?;
    println!(
        "reconciled: {} completed (bytes verified), {} failed (stray objects deleted), {} still in doubt (S3 unreachable)",
        settled.completed, settled.failed, settled.in_doubt
    );
    let reaped = hopper::services::reaper::run_once(&services, older_than).await?;
    println!(
        "reaped: {} interrupted files failed, {} sessions closed, {} multipart uploads aborted",
        reaped.failed_files, reaped.closed_sessions, reaped.aborted_uploads
    );
    let strays = hopper::services::stray_uploads::abort_unknown(&services).await?;
    println!("swept: {strays} multipart uploads no file names (older than an hour) aborted");
    anyhow::ensure!(
        settled.in_doubt == 0,
        "some uploads are still in doubt; run again once S3 answers"
    );
    Ok(())
}

/// `hopper retention run [--dry-run]`: retention once; one line per file, then a summary.
async fn retention(config: &Config, args: RetentionRunArgs) -> anyhow::Result<()> {
    let services = startup::build_services(config).await?;
    let report = hopper::services::retention::run_once(&services, args.dry_run).await?;
    for line in hopper::cli::retention_lines(&report) {
        println!("{line}");
    }
    anyhow::ensure!(
        report.bytes_pending == 0,
        "some objects could not be deleted; run again once storage answers"
    );
    Ok(())
}

async fn create_superadmin(config: &Config, args: CreateSuperadminArgs) -> anyhow::Result<()> {
    let pool = migrate(config).await?;
    let hasher = hopper::services::password_hasher::PasswordHasher::new(1);
    let password = accounts::one_time_password();
    let hash = hasher.hash(&Secret::new(password.clone())).await?;
    let user = db::transaction(&pool, move |conn| {
        accounts::create_superadmin(
            conn,
            &accounts::NewSuperadmin {
                username: &args.username,
                email: &args.email,
                full_name: args.full_name.as_deref(),
                company_code: &args.company_code,
                password_hash: &hash,
            },
        )
    })
    .await?;
    println!("Created superadmin {}.", user.username);
    println!("One-time password (shown once; must be changed at first sign-in): {password}");
    Ok(())
}

async fn token_create(config: &Config, args: TokenCreateArgs) -> anyhow::Result<()> {
    let scopes = args
        .scope
        .iter()
        .map(|s| {
            TokenScope::parse(s.trim())
                .ok_or_else(|| anyhow::anyhow!("unknown scope {s:?}: use upload, read or both"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    anyhow::ensure!(
        (1..=730).contains(&args.expires_days),
        "--expires-days is 1 to 730"
    );
    let pool = migrate(config).await?;
    let wanted = api_tokens::TokenRequest {
        name: args.name,
        scopes,
        projects: Vec::new(),
        valid_for: chrono::Duration::days(args.expires_days),
    };
    let project = ProjectId(args.project);
    let now = hopper::services::context::Clock::default().now();
    let (token, secret, project) = db::transaction(&pool, move |conn| {
        api_tokens::create_machine_from_cli(conn, project, wanted, now)
    })
    .await
    .map_err(|e| match e {
        hopper::error::AppError::NotFound => {
            anyhow::anyhow!("no live project has id {}", args.project)
        }
        other => anyhow::anyhow!(other),
    })?;
    println!(
        "Created machine token {:?} for project {} ({}), valid until {}; scopes: {}.",
        token.name,
        project.id,
        project.project_name,
        token.expires_at.format("%Y-%m-%d %H:%M UTC"),
        token.scopes_text()
    );
    println!("Token (shown once): {secret}");
    Ok(())
}

/// `hopper sso set|remove`, as the database's owner.
async fn sso(config: &Config, command: SsoCommand) -> anyhow::Result<()> {
    let pool = migrate(config).await?;
    hopper::cli::run_sso(&pool, command).await
}

async fn sync(args: SyncArgs) -> anyhow::Result<()> {
    let token = match &args.token_file {
        Some(file) => std::fs::read_to_string(file)
            .with_context(|| format!("reading the token from {}", file.display()))?,
        None => args.token.clone().context(
            "give a token: HOPPER_TOKEN or --token-file (make one on your API tokens page)",
        )?,
    };
    let outcome = hopper::sync::run(hopper::sync::SyncOptions {
        dir: args.dir,
        server: args.server,
        token: token.trim().to_owned(),
        project: args.project,
        cycle: args.cycle,
        dry_run: args.dry_run,
        json: args.json,
        parallel: args.parallel,
    })
    .await?;
    if !outcome.failures.is_empty() {
        anyhow::bail!("{} file(s) failed", outcome.failures.len());
    }
    Ok(())
}

async fn reset_password(config: &Config, args: ResetPasswordArgs) -> anyhow::Result<()> {
    let pool = migrate(config).await?;
    let hasher = hopper::services::password_hasher::PasswordHasher::new(1);
    let password = accounts::one_time_password();
    let hash = hasher.hash(&Secret::new(password.clone())).await?;
    let (user, tokens_revoked) = db::transaction(&pool, move |conn| {
        accounts::reset_password(conn, &args.username, &hash)
    })
    .await?;
    println!(
        "Reset the password of {}; all their sessions were signed out and {tokens_revoked} API token(s) revoked.",
        user.username
    );
    println!("One-time password (shown once; must be changed at first sign-in): {password}");
    Ok(())
}
