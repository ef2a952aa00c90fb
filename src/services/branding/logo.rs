//! The logo: sniffed before anything is stored (PNG, JPEG or WebP, never SVG), put into
//! one of the company's storage locations under `<key root>/_branding/logo-<sha256>.<ext>`,
//! then recorded with its audit row in one transaction. A replaced or removed logo's
//! object is deleted once the change is committed. The public read takes a digest and
//! serves only the logo some active company has now.

use bytes::Bytes;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::db::ids::StorageLocationId;
use crate::db::models::company_brand::{CompanyBrand, StoredLogo};
use crate::db::models::storage_location::StorageLocation;
use crate::domain::logo_image::{LogoFormat, LogoImage};
use crate::domain::refusal::BrandRefused;
use crate::domain::s3_prefix::BRANDING_SEGMENT;
use crate::error::AppError;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::branding::{admin_only, settings_in, BrandSettings};
use crate::services::{storage_locations, ServiceContext};
use crate::storage::ObjectTarget;

/// A logo as the admin sent it (at most the limit: the route stops reading past it).
pub struct LogoUpload {
    pub bytes: Bytes,
    /// The file's name, for the audit row only: the bytes decide what it is.
    pub file_name: String,
    /// Which of the company's locations keeps it (None: the first by label).
    pub location: Option<StorageLocationId>,
}

fn target(ctx: &ServiceContext, location: &StorageLocation, key: &str, kind: &str) -> ObjectTarget {
    ObjectTarget {
        client: ctx
            .storage()
            .client_for(&storage_locations::place(location)),
        bucket: location.bucket_name.clone(),
        key: key.to_owned(),
        content_type: kind.to_owned(),
        // No retention of its own in a locked bucket (a logo is replaced and deleted),
        // but the Content-MD5 a bucket with a default retention wants.
        lock: location
            .object_lock()
            .map(|_| crate::storage::ObjectLock::none_of_its_own()),
    }
}

fn unavailable(location: &StorageLocation) -> AppError {
    AppError::Unavailable(format!(
        "The storage location {} cannot be used right now; please try again.",
        location.label
    ))
}

/// Deletes a logo object no company refers to any more; a failure only leaves it behind.
async fn forget(ctx: &ServiceContext, old: Option<(StoredLogo, StorageLocation)>) {
    let Some((old, location)) = old else {
        return;
    };
    if let Err(e) = target(ctx, &location, &old.key, &old.content_type)
        .delete()
        .await
    {
        tracing::warn!(key = %old.key, error = %e, "a replaced logo could not be deleted");
    }
}

/// The old logo's object, unless the new one is the same object.
fn superseded(
    conn: &mut diesel::PgConnection,
    before: &CompanyBrand,
    kept: Option<&StoredLogo>,
) -> Result<Option<(StoredLogo, StorageLocation)>, AppError> {
    let Some(old) = before.logo() else {
        return Ok(None);
    };
    if kept.is_some_and(|k| k.location == old.location && k.key == old.key) {
        return Ok(None);
    }
    Ok(StorageLocation::find(conn, old.location)?.map(|location| (old, location)))
}

/// Sets the company's logo; refused with a sentence for anything but a PNG, JPEG or WebP
/// within the limits, before a byte is stored.
pub async fn set_logo(
    ctx: &ServiceContext,
    actor: &Actor,
    upload: LogoUpload,
) -> Result<BrandSettings, AppError> {
    admin_only(actor)?;
    let image = LogoImage::sniff(&upload.bytes)?;
    let wanted = upload.location;
    let location = ctx
        .run(actor, move |conn, actor| {
            let company = actor.company_id();
            match wanted {
                Some(id) => StorageLocation::find_in_company(conn, company, id)?
                    .ok_or_else(|| actor.not_found("storage_location", id)),
                None => StorageLocation::for_company(conn, company)?
                    .into_iter()
                    .next()
                    .ok_or_else(|| BrandRefused::NoStorage.into()),
            }
        })
        .await?;
    let sha256 = hex::encode(Sha256::digest(&upload.bytes));
    let stored = StoredLogo {
        location: location.id,
        key: format!(
            "{}/{BRANDING_SEGMENT}/logo-{sha256}.{}",
            location.key_root,
            image.format.extension()
        ),
        content_type: image.format.content_type().to_owned(),
        size: i32::try_from(upload.bytes.len()).map_err(|_| BrandRefused::LogoTooLarge {
            limit: crate::domain::logo_image::MAX_LOGO_BYTES as u64,
        })?,
        sha256,
    };
    let object = target(ctx, &location, &stored.key, &stored.content_type);
    ctx.storage()
        .ensure_bucket_with(&object.client, &location.bucket_name)
        .await
        .map_err(|e| {
            tracing::warn!(bucket = %location.bucket_name, error = %e, "the logo's bucket cannot be used");
            unavailable(&location)
        })?;
    // The bytes first: a recorded logo always has them. A failed commit below leaves an
    // object nobody refers to (at most the limit's size), never a reference without bytes.
    object.put(upload.bytes).await.map_err(|e| {
        tracing::warn!(key = %stored.key, error = %e, "the logo could not be stored");
        unavailable(&location)
    })?;
    let file_name = upload.file_name;
    let (settings, old) = ctx
        .run(actor, move |conn, actor| {
            let company = actor.company_id();
            let before = CompanyBrand::lock(conn, company)?.ok_or(AppError::NotFound)?;
            CompanyBrand::set_logo(conn, company, Some(&stored))?;
            actor
                .audit(actions::LOGO_SET)
                .resource("company", company)
                .details(json!({
                    "file_name": file_name,
                    "before": before.logo(),
                    "after": stored,
                    "width": image.width,
                    "height": image.height,
                }))
                .record(conn)?;
            let old = superseded(conn, &before, Some(&stored))?;
            Ok((settings_in(conn, company)?, old))
        })
        .await?;
    forget(ctx, old).await;
    Ok(settings)
}

/// Removes the company's logo: its pages show the name alone.
pub async fn remove_logo(ctx: &ServiceContext, actor: &Actor) -> Result<BrandSettings, AppError> {
    admin_only(actor)?;
    let (settings, old) = ctx
        .run(actor, move |conn, actor| {
            let company = actor.company_id();
            let before = CompanyBrand::lock(conn, company)?.ok_or(AppError::NotFound)?;
            let Some(logo) = before.logo() else {
                return Err(BrandRefused::NoLogo.into());
            };
            CompanyBrand::set_logo(conn, company, None)?;
            actor
                .audit(actions::LOGO_REMOVED)
                .resource("company", company)
                .details(json!({ "before": logo }))
                .record(conn)?;
            let old = superseded(conn, &before, None)?;
            Ok((settings_in(conn, company)?, old))
        })
        .await?;
    forget(ctx, old).await;
    Ok(settings)
}

/// A logo on its way to a browser.
pub struct LogoBytes {
    pub content_type: &'static str,
    pub bytes: Bytes,
}

/// The current logo of an active company with this digest; anything else is not found.
pub async fn logo(ctx: &ServiceContext, sha256: String) -> Result<LogoBytes, AppError> {
    let well_formed = sha256.len() == 64
        && sha256
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    if !well_formed {
        return Err(AppError::NotFound);
    }
    let found = ctx
        .read_unscoped(move |conn| {
            let Some(logo) = CompanyBrand::find_by_logo(conn, &sha256)?.and_then(|b| b.logo())
            else {
                return Ok(None);
            };
            Ok(StorageLocation::find(conn, logo.location)?.map(|location| (logo, location)))
        })
        .await?;
    let (logo, location) = found.ok_or(AppError::NotFound)?;
    let content_type = LogoFormat::from_content_type(&logo.content_type)
        .ok_or(AppError::NotFound)?
        .content_type();
    let object = target(ctx, &location, &logo.key, content_type);
    let bytes = object.get().await.map_err(|e| {
        tracing::warn!(key = %logo.key, error = %e, "a logo could not be read");
        // Said to anyone: no word of where it is kept.
        AppError::Unavailable("The logo cannot be read right now.".into())
    })?;
    // What S3 gave back is what was recorded, or it is not served under this digest.
    if hex::encode(Sha256::digest(&bytes)) != logo.sha256 {
        tracing::error!(key = %logo.key, "a stored logo does not match its digest");
        return Err(AppError::NotFound);
    }
    Ok(LogoBytes {
        content_type,
        bytes,
    })
}
