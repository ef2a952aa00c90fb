//! Storage locations: a bucket (region, optionally an endpoint) assigned by the operator to
//! one company, with the key root every object of that company lies under there.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::db::ids::{CompanyId, StorageLocationId};
use crate::db::models::tenant_finder::tenant_finder;
use crate::domain::{ObjectLockMode, ObjectLockRule};
use crate::schema::storage_locations;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = storage_locations, check_for_backend(diesel::pg::Pg))]
pub struct StorageLocation {
    pub id: StorageLocationId,
    pub company_id: CompanyId,
    pub label: String,
    pub bucket_name: String,
    pub aws_region: String,
    pub endpoint_url: Option<String>,
    pub force_path_style: bool,
    pub key_root: String,
    pub created_at: DateTime<Utc>,
    /// S3 Object Lock on every object written here (with `object_lock_days`), or none.
    pub object_lock_mode: Option<ObjectLockMode>,
    pub object_lock_days: Option<i32>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = storage_locations)]
pub struct NewStorageLocation<'a> {
    pub company_id: CompanyId,
    pub label: &'a str,
    pub bucket_name: &'a str,
    pub aws_region: &'a str,
    pub endpoint_url: Option<&'a str>,
    pub force_path_style: bool,
    pub key_root: &'a str,
    pub object_lock_mode: Option<ObjectLockMode>,
    pub object_lock_days: Option<i32>,
}

impl StorageLocation {
    /// The company's locations, by label.
    pub fn for_company(
        conn: &mut PgConnection,
        company: CompanyId,
    ) -> QueryResult<Vec<StorageLocation>> {
        storage_locations::table
            .filter(storage_locations::company_id.eq(company))
            .order((storage_locations::label.asc(), storage_locations::id.asc()))
            .select(StorageLocation::as_select())
            .load(conn)
    }

    tenant_finder!(
        /// A location of `company`.
        pub fn find_in_company(storage_locations, id: StorageLocationId)
    );

    /// Any location, for work that follows a stored reference (a file's bytes).
    pub fn find(
        conn: &mut PgConnection,
        id: StorageLocationId,
    ) -> QueryResult<Option<StorageLocation>> {
        storage_locations::table
            .find(id)
            .select(StorageLocation::as_select())
            .first(conn)
            .optional()
    }

    pub fn insert(
        conn: &mut PgConnection,
        new: &NewStorageLocation<'_>,
    ) -> QueryResult<StorageLocation> {
        diesel::insert_into(storage_locations::table)
            .values(new)
            .returning(StorageLocation::as_returning())
            .get_result(conn)
    }

    /// The Object Lock this location declares, if any.
    pub fn object_lock(&self) -> Option<ObjectLockRule> {
        match (self.object_lock_mode, self.object_lock_days) {
            (Some(mode), Some(days)) => Some(ObjectLockRule { mode, days }),
            _ => None,
        }
    }

    /// The key prefix of a cycle here: the company's root, then the cycle's prefix.
    pub fn key_prefix(&self, cycle_prefix: &str) -> String {
        format!("{}/{}", self.key_root, cycle_prefix)
    }
}
