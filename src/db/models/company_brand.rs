//! A company's branding: the columns of `companies` that outsiders see (display name,
//! accent colour, logo reference). Read and written apart from the company's other fields.

use diesel::prelude::*;

use crate::db::ids::{CompanyId, StorageLocationId};
use crate::domain::Language;
use crate::schema::companies;

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = companies, check_for_backend(diesel::pg::Pg))]
pub struct CompanyBrand {
    #[diesel(column_name = id)]
    pub company_id: CompanyId,
    pub company_name: String,
    pub is_active: bool,
    /// None: the company's name.
    pub display_name: Option<String>,
    /// `#rrggbb`; None: Hopper's own.
    pub accent_colour: Option<String>,
    pub logo_location_id: Option<StorageLocationId>,
    pub logo_key: Option<String>,
    pub logo_content_type: Option<String>,
    pub logo_size: Option<i32>,
    pub logo_sha256: Option<String>,
    /// The language of the company's upload links that chose none; None: the visitor's
    /// browser's.
    pub default_language: Option<Language>,
}

/// Where a logo's bytes are, and what they are.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredLogo {
    pub location: StorageLocationId,
    pub key: String,
    pub content_type: String,
    pub size: i32,
    pub sha256: String,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = companies, treat_none_as_null = true)]
struct LogoColumns<'a> {
    logo_location_id: Option<StorageLocationId>,
    logo_key: Option<&'a str>,
    logo_content_type: Option<&'a str>,
    logo_size: Option<i32>,
    logo_sha256: Option<&'a str>,
}

impl CompanyBrand {
    pub fn find(conn: &mut PgConnection, company: CompanyId) -> QueryResult<Option<CompanyBrand>> {
        companies::table
            .find(company)
            .select(CompanyBrand::as_select())
            .first(conn)
            .optional()
    }

    /// The row, locked until the transaction ends (a logo replaced twice at once).
    pub fn lock(conn: &mut PgConnection, company: CompanyId) -> QueryResult<Option<CompanyBrand>> {
        companies::table
            .find(company)
            .select(CompanyBrand::as_select())
            .for_update()
            .first(conn)
            .optional()
    }

    /// The active company whose current logo has this digest.
    pub fn find_by_logo(
        conn: &mut PgConnection,
        sha256: &str,
    ) -> QueryResult<Option<CompanyBrand>> {
        companies::table
            .filter(companies::logo_sha256.eq(sha256))
            .filter(companies::is_active.eq(true))
            .select(CompanyBrand::as_select())
            .order(companies::id.asc())
            .first(conn)
            .optional()
    }

    pub fn set_look(
        conn: &mut PgConnection,
        company: CompanyId,
        display_name: Option<&str>,
        accent_colour: Option<&str>,
    ) -> QueryResult<CompanyBrand> {
        diesel::update(companies::table.find(company))
            .set((
                companies::display_name.eq(display_name),
                companies::accent_colour.eq(accent_colour),
            ))
            .returning(CompanyBrand::as_returning())
            .get_result(conn)
    }

    pub fn set_language(
        conn: &mut PgConnection,
        company: CompanyId,
        language: Option<Language>,
    ) -> QueryResult<CompanyBrand> {
        diesel::update(companies::table.find(company))
            .set(companies::default_language.eq(language))
            .returning(CompanyBrand::as_returning())
            .get_result(conn)
    }

    /// Records the company's logo (None: it has none).
    pub fn set_logo(
        conn: &mut PgConnection,
        company: CompanyId,
        logo: Option<&StoredLogo>,
    ) -> QueryResult<CompanyBrand> {
        let columns = LogoColumns {
            logo_location_id: logo.map(|l| l.location),
            logo_key: logo.map(|l| l.key.as_str()),
            logo_content_type: logo.map(|l| l.content_type.as_str()),
            logo_size: logo.map(|l| l.size),
            logo_sha256: logo.map(|l| l.sha256.as_str()),
        };
        diesel::update(companies::table.find(company))
            .set(&columns)
            .returning(CompanyBrand::as_returning())
            .get_result(conn)
    }

    /// The name outsiders know the company by.
    pub fn shown_name(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.company_name)
    }

    pub fn logo(&self) -> Option<StoredLogo> {
        Some(StoredLogo {
            location: self.logo_location_id?,
            key: self.logo_key.clone()?,
            content_type: self.logo_content_type.clone()?,
            size: self.logo_size?,
            sha256: self.logo_sha256.clone()?,
        })
    }
}
