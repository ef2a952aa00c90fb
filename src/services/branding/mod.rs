//! A company's branding: the name outsiders know it by, its accent colour and its logo,
//! on every page an upload link's sender sees and in the mails they get. Company admins
//! (and the operator in a company they opened) change it; every change is audited. The
//! logo's bytes live in one of the company's storage locations (`logo`).

mod logo;

pub use logo::{logo, remove_logo, set_logo, LogoBytes, LogoUpload};

use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::CompanyId;
use crate::db::models::company_brand::CompanyBrand;
use crate::db::models::storage_location::StorageLocation;
use crate::db::models::upload_link::UploadLink;
use crate::domain::accent_colour::AccentColour;
use crate::domain::refusal::AccessRefused;
use crate::domain::Language;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::ServiceContext;

/// What outsiders see of a company: what its pages and mails are headed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub display_name: String,
    /// The company's accent, or Hopper's own.
    pub accent: AccentColour,
    /// The logo's SHA-256 (its public address names it), when there is one.
    pub logo_sha256: Option<String>,
}

impl Brand {
    pub fn of(row: &CompanyBrand) -> Brand {
        Brand {
            display_name: row.shown_name().to_owned(),
            accent: row
                .accent_colour
                .as_deref()
                .and_then(AccentColour::from_stored)
                .unwrap_or_else(AccentColour::hopper),
            logo_sha256: row.logo().map(|l| l.sha256),
        }
    }

    /// The logo's public address: it names the logo by its digest, so it serves these
    /// bytes or nothing, and can be cached for good.
    pub fn logo_url(&self) -> Option<String> {
        self.logo_sha256
            .as_ref()
            .map(|sha| format!("/brand/logo/{sha}"))
    }

    /// The stylesheet of the brand's colours (the CSP allows no inline style): named by
    /// the colour, so it never changes and is the same for every company of that colour.
    pub fn style_url(&self) -> String {
        format!(
            "/brand/style/{}.css",
            self.accent.hex().trim_start_matches('#')
        )
    }
}

/// The brand of a company, for code of other services that heads a page or a mail.
pub(in crate::services) fn brand_of(
    conn: &mut PgConnection,
    company: CompanyId,
) -> QueryResult<Option<Brand>> {
    Ok(CompanyBrand::find(conn, company)?.map(|row| Brand::of(&row)))
}

/// The brand of the company an upload link belongs to, for a page about the link that
/// has nothing else to go on (an error, a closed link). None for an unknown token.
pub async fn of_link(ctx: &ServiceContext, token: String) -> Result<Option<Brand>, AppError> {
    let hash = crate::services::upload_links::hash(&token);
    ctx.read_unscoped(move |conn| {
        let Some(link) = UploadLink::find_by_token_hash(conn, &hash)? else {
            return Ok(None);
        };
        // A company no longer on Hopper heads nothing.
        Ok(CompanyBrand::find(conn, link.company_id)?
            .filter(|row| row.is_active)
            .map(|row| Brand::of(&row)))
    })
    .await
}

/// The branding page: what is set, what outsiders see, and where a logo may be kept.
pub struct BrandSettings {
    pub row: CompanyBrand,
    pub brand: Brand,
    pub locations: Vec<StorageLocation>,
}

/// What an admin sets (parsed): blank name → the company's name, no colour → Hopper's.
pub struct BrandInput {
    pub display_name: Option<String>,
    pub accent: Option<AccentColour>,
}

fn admin_only(actor: &Actor) -> Result<(), AppError> {
    if actor.is_admin() {
        Ok(())
    } else {
        Err(AccessRefused::AdminOnly.into())
    }
}

fn settings_in(conn: &mut PgConnection, company: CompanyId) -> Result<BrandSettings, AppError> {
    let row = CompanyBrand::find(conn, company)?.ok_or(AppError::NotFound)?;
    Ok(BrandSettings {
        brand: Brand::of(&row),
        locations: StorageLocation::for_company(conn, company)?,
        row,
    })
}

/// The actor's company's branding.
pub async fn settings(ctx: &ServiceContext, actor: &Actor) -> Result<BrandSettings, AppError> {
    admin_only(actor)?;
    ctx.run(actor, |conn, actor| settings_in(conn, actor.company_id()))
        .await
}

/// Sets the display name and the accent colour of the actor's company; audited with
/// what they were and what they are.
pub async fn update(
    ctx: &ServiceContext,
    actor: &Actor,
    input: BrandInput,
) -> Result<BrandSettings, AppError> {
    admin_only(actor)?;
    ctx.run(actor, move |conn, actor| {
        let company = actor.company_id();
        let before = CompanyBrand::lock(conn, company)?.ok_or(AppError::NotFound)?;
        let accent = input.accent.map(|a| a.hex());
        let after = CompanyBrand::set_look(
            conn,
            company,
            input.display_name.as_deref(),
            accent.as_deref(),
        )?;
        if (&before.display_name, &before.accent_colour)
            != (&after.display_name, &after.accent_colour)
        {
            actor
                .audit(actions::BRANDING_CHANGED)
                .resource("company", company)
                .details(json!({
                    "before": {
                        "display_name": before.display_name,
                        "accent_colour": before.accent_colour,
                    },
                    "after": {
                        "display_name": after.display_name,
                        "accent_colour": after.accent_colour,
                    },
                }))
                .record(conn)?;
        }
        settings_in(conn, company)
    })
    .await
}

/// Sets the language of the company's upload links that chose none (None: each visitor's
/// browser's); audited with what it was and is.
pub async fn set_language(
    ctx: &ServiceContext,
    actor: &Actor,
    language: Option<Language>,
) -> Result<BrandSettings, AppError> {
    admin_only(actor)?;
    ctx.run(actor, move |conn, actor| {
        let company = actor.company_id();
        let before = CompanyBrand::lock(conn, company)?.ok_or(AppError::NotFound)?;
        let after = CompanyBrand::set_language(conn, company, language)?;
        if before.default_language != after.default_language {
            actor
                .audit(actions::LANGUAGE_CHANGED)
                .resource("company", company)
                .details(json!({
                    "before": before.default_language,
                    "after": after.default_language,
                }))
                .record(conn)?;
        }
        settings_in(conn, company)
    })
    .await
}
