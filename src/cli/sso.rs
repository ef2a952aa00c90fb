//! `hopper sso …`: a company's single sign-on set up or removed at the command line.

use clap::{Args, Subcommand};

use crate::db::{self, PgPool};
use crate::domain::sso_settings::{self as parse, SsoSettings};
use crate::error::AppError;
use crate::services::sso;

#[derive(Debug, Subcommand)]
pub enum SsoCommand {
    /// Set up (or change) a company's OpenID Connect provider. Hopper reads the issuer's
    /// discovery document first. The client secret is never given here: name the
    /// environment variable that holds it on every node. Audited in the company.
    Set(SsoSetArgs),
    /// Remove a company's provider: its members sign in with passwords again. Audited.
    Remove(SsoRemoveArgs),
}

#[derive(Debug, Args)]
pub struct SsoSetArgs {
    /// The company's code.
    #[arg(long)]
    pub company: String,
    /// The provider's issuer URL (HTTPS; plain HTTP only on loopback).
    #[arg(long)]
    pub issuer: String,
    /// The client id the provider gave Hopper.
    #[arg(long)]
    pub client_id: String,
    /// The name of the environment variable holding the client secret (not the secret).
    /// Without it: a public client, PKCE only.
    #[arg(long)]
    pub client_secret_env: Option<String>,
    /// Email domains whose people this provider signs in (comma-separated).
    #[arg(long, default_value = "")]
    pub email_domains: String,
    /// Create members at their first sign-in.
    #[arg(long)]
    pub jit: bool,
    /// The role of members created so: user or viewer.
    #[arg(long, default_value = "user")]
    pub jit_role: String,
    /// Members' passwords stop working (operators keep theirs).
    #[arg(long)]
    pub sso_only: bool,
}

#[derive(Debug, Args)]
pub struct SsoRemoveArgs {
    /// The company's code.
    #[arg(long)]
    pub company: String,
}

impl SsoSetArgs {
    /// The settings, checked as the company page checks them; or what is wrong.
    pub fn settings(&self) -> Result<SsoSettings, String> {
        Ok(SsoSettings {
            issuer_url: parse::issuer_url(&self.issuer)?,
            client_id: parse::client_id(&self.client_id)?,
            client_secret_env: parse::secret_env(self.client_secret_env.as_deref().unwrap_or(""))?,
            email_domains: parse::email_domains(&self.email_domains)?,
            jit_enabled: self.jit,
            jit_role: parse::jit_role(&self.jit_role)?,
            sso_only: self.sso_only,
        })
    }
}

/// Runs `hopper sso …` against the database `pool` (as its owner).
pub async fn run(pool: &PgPool, command: SsoCommand) -> anyhow::Result<()> {
    match command {
        SsoCommand::Set(args) => set(pool, args).await,
        SsoCommand::Remove(args) => remove(pool, args).await,
    }
}

async fn set(pool: &PgPool, args: SsoSetArgs) -> anyhow::Result<()> {
    let settings = args
        .settings()
        .map_err(|message| anyhow::anyhow!(message))?;
    if let Err(errors) = sso::check_issuer(&settings.issuer_url).await {
        anyhow::bail!(
            "{}",
            errors
                .get("issuer_url")
                .unwrap_or("the issuer does not answer")
        );
    }
    if let Some(name) = &settings.client_secret_env {
        if std::env::var_os(name).is_none() {
            eprintln!("hopper: note: {name} is not set here; set it on every node that serves");
        }
    }
    let code = args.company.clone();
    let (company, saved) =
        db::transaction(pool, move |conn| sso::set_from_cli(conn, &code, &settings))
            .await
            .map_err(|e| match e {
                AppError::Invalid(errors) => anyhow::anyhow!(
                    "{}",
                    errors
                        .get("email_domains")
                        .unwrap_or("the settings were refused")
                ),
                other => anyhow::anyhow!(other),
            })?;
    println!(
        "{} ({}) now signs in through {} (client {}){}{}.",
        company.company_name,
        company.company_code,
        saved.issuer_url,
        saved.client_id,
        if saved.jit_enabled {
            "; new members are created at their first sign-in"
        } else {
            ""
        },
        if saved.sso_only {
            "; passwords no longer work for its members"
        } else {
            ""
        },
    );
    Ok(())
}

async fn remove(pool: &PgPool, args: SsoRemoveArgs) -> anyhow::Result<()> {
    let code = args.company.clone();
    let (company, removed) =
        db::transaction(pool, move |conn| sso::remove_from_cli(conn, &code)).await?;
    if removed {
        println!(
            "{} ({}) no longer signs in through a provider; its members use their passwords.",
            company.company_name, company.company_code
        );
    } else {
        println!(
            "{} ({}) had no single sign-on.",
            company.company_name, company.company_code
        );
    }
    Ok(())
}
