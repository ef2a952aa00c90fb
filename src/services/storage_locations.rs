//! Storage belongs to the operator: they register storage locations (bucket, region,
//! optionally another S3 endpoint) and assign each to exactly one company, with the key
//! root that company's objects lie under there. Company admins only choose among their
//! company's locations.

use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::{CompanyId, StorageLocationId};
use crate::db::models::company::Company;
use crate::db::models::storage_location::{NewStorageLocation, StorageLocation};
use crate::domain::refusal::{AccessRefused, StorageRefused};
use crate::domain::ObjectLockRule;
use crate::domain::{BucketName, FieldErrors, KeyRoot};
use crate::error::AppError;
use crate::schema::storage_locations;
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::ServiceContext;
use crate::storage::{LockSupport, ObjectLock, Place};
use chrono::{DateTime, Utc};

/// A location form, validated.
#[derive(Debug, Clone)]
pub struct LocationInput {
    pub label: String,
    pub bucket: BucketName,
    pub region: String,
    pub endpoint: Option<String>,
    pub force_path_style: bool,
    /// `None`: the company's code in lower case.
    pub key_root: Option<KeyRoot>,
    /// S3 Object Lock on every file written there; the bucket must have it enabled.
    pub object_lock: Option<ObjectLockRule>,
}

/// Where a location's bucket is, for the S3 client.
pub fn place(location: &StorageLocation) -> Place<'_> {
    Place {
        region: &location.aws_region,
        endpoint: location.endpoint_url.as_deref(),
        force_path_style: location.force_path_style,
    }
}

/// The lock an object written now into a location with `rule` carries: its mode, a
/// retain-until date `days` from now, and S3 legal hold when a Hopper hold covers it.
pub fn lock_from(
    rule: Option<ObjectLockRule>,
    now: DateTime<Utc>,
    held: bool,
) -> Option<ObjectLock> {
    rule.map(|rule| ObjectLock {
        retention: Some((
            rule.mode,
            now + chrono::Duration::days(i64::from(rule.days)),
        )),
        legal_hold: held,
    })
}

/// The locations of a company, for the operator's company page.
pub async fn of_company(
    ctx: &ServiceContext,
    actor: &Actor,
    company: CompanyId,
) -> Result<Vec<StorageLocation>, AppError> {
    if !actor.is_operator() {
        return Err(AppError::from(AccessRefused::OperatorAssignsStorage));
    }
    ctx.run(actor, move |conn, _| {
        Ok(StorageLocation::for_company(conn, company)?)
    })
    .await
}

/// The actor's company's locations, for a project's location select.
pub async fn available(
    ctx: &ServiceContext,
    actor: &Actor,
) -> Result<Vec<StorageLocation>, AppError> {
    ctx.run(actor, |conn, actor| {
        Ok(StorageLocation::for_company(conn, actor.company_id())?)
    })
    .await
}

/// The operator assigns a new location to `company`. A root another location already
/// uses in the same bucket is refused (by the database, whatever the code says).
pub async fn create(
    ctx: &ServiceContext,
    actor: &Actor,
    company: CompanyId,
    input: LocationInput,
) -> Result<StorageLocation, AppError> {
    if !actor.is_operator() {
        return Err(AppError::from(AccessRefused::OperatorAssignsStorage));
    }
    if input.object_lock.is_some() {
        check_object_lock(ctx, &input).await?;
    }
    ctx.run(actor, move |conn, actor| {
        let owner = Company::find(conn, company)?.ok_or(AppError::NotFound)?;
        let root = match input.key_root.clone() {
            Some(root) => root,
            None => KeyRoot::for_company(&owner.company_code).map_err(|message| {
                let mut errors = FieldErrors::default();
                errors.add("key_root", message);
                AppError::Invalid(errors)
            })?,
        };
        check_free(conn, &input, &root)?;
        let location = StorageLocation::insert(
            conn,
            &NewStorageLocation {
                company_id: company,
                label: &input.label,
                bucket_name: input.bucket.as_str(),
                aws_region: &input.region,
                endpoint_url: input.endpoint.as_deref(),
                force_path_style: input.force_path_style,
                key_root: root.as_str(),
                object_lock_mode: input.object_lock.map(|l| l.mode),
                object_lock_days: input.object_lock.map(|l| l.days),
            },
        )?;
        actor
            .audit(actions::STORAGE_LOCATION_CREATED)
            .company(company)
            .resource("storage_location", location.id)
            .details(json!({ "after": location }))
            .record(conn)?;
        Ok(location)
    })
    .await
}

/// A location that declares Object Lock must point at a bucket that has it enabled
/// (GetObjectLockConfiguration): refused with a sentence otherwise.
async fn check_object_lock(ctx: &ServiceContext, input: &LocationInput) -> Result<(), AppError> {
    let place = Place {
        region: &input.region,
        endpoint: input.endpoint.as_deref(),
        force_path_style: input.force_path_style,
    };
    let client = ctx.storage().client_for(&place);
    let bucket = input.bucket.as_str();
    match ctx.storage().object_lock_support(&client, bucket).await {
        LockSupport::Enabled => Ok(()),
        LockSupport::NotEnabled => Err(StorageRefused::ObjectLockNotEnabled {
            bucket: bucket.to_owned(),
        }
        .into()),
        LockSupport::Unknown => Err(StorageRefused::ObjectLockUnknown {
            bucket: bucket.to_owned(),
        }
        .into()),
    }
}

/// Field messages for a label or a root already taken (the unique indexes have the last
/// word; this only makes the answer a sentence next to the field).
fn check_free(
    conn: &mut PgConnection,
    input: &LocationInput,
    root: &KeyRoot,
) -> Result<(), AppError> {
    let root_taken: bool = diesel::select(diesel::dsl::exists(
        storage_locations::table
            .filter(storage_locations::bucket_name.eq(input.bucket.as_str()))
            .filter(storage_locations::key_root.eq(root.as_str()))
            .filter(
                storage_locations::endpoint_url.is_not_distinct_from(input.endpoint.as_deref()),
            ),
    ))
    .get_result(conn)?;
    if root_taken {
        let mut errors = FieldErrors::default();
        errors.add(
            "key_root",
            "This bucket already has a location with this root; roots never overlap in a bucket.",
        );
        return Err(AppError::Invalid(errors));
    }
    Ok(())
}

/// A location of the actor's company, or a 404 (audited) for anything else: a forged
/// location id is another company's bucket.
pub(in crate::services) fn find_own(
    conn: &mut PgConnection,
    actor: &Actor,
    id: StorageLocationId,
) -> Result<StorageLocation, AppError> {
    StorageLocation::find_in_company(conn, actor.company_id(), id)?
        .ok_or_else(|| actor.not_found("storage_location", id))
}

/// In embedded mode the operator's own company gets a location in Hopper's own S3
/// endpoint at first start, so the two-command start just works.
pub async fn ensure_default(ctx: &ServiceContext, bucket: &str) -> Result<(), AppError> {
    let bucket = BucketName::parse(bucket)
        .map_err(|e| AppError::Unexpected(anyhow::anyhow!("default bucket: {e}")))?;
    ctx.run_unscoped(move |conn| {
        use crate::schema::{companies, users};
        let first: Option<(CompanyId, String)> = users::table
            .inner_join(companies::table)
            .filter(users::role.eq(crate::domain::Role::Superadmin))
            .order(users::id.asc())
            .select((companies::id, companies::company_code))
            .first(conn)
            .optional()?;
        let Some((company, code)) = first else {
            return Ok(());
        };
        if !StorageLocation::for_company(conn, company)?.is_empty() {
            return Ok(());
        }
        let root =
            KeyRoot::for_company(&code).map_err(|e| AppError::Unexpected(anyhow::anyhow!(e)))?;
        let location = StorageLocation::insert(
            conn,
            &NewStorageLocation {
                company_id: company,
                label: "Hopper's own storage",
                bucket_name: bucket.as_str(),
                aws_region: "us-east-1",
                endpoint_url: None,
                force_path_style: false,
                key_root: root.as_str(),
                object_lock_mode: None,
                object_lock_days: None,
            },
        )?;
        crate::services::audit::AuditEvent::new(actions::STORAGE_LOCATION_CREATED)
            .company(company)
            .resource("storage_location", location.id)
            .details(json!({ "after": location, "by": "embedded start" }))
            .record(conn)?;
        Ok(())
    })
    .await
}
