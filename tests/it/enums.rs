//! Every role and status column is an enum in Rust: each enum knows exactly the values
//! its CHECK constraint allows, and each value goes to the database and back unchanged.
//! A status the database accepts but Rust cannot read fails here.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel::{IntoSql, PgConnection};
use hopper::domain::{
    AccessRole, CycleStatus, DeliveryStatus, FileStatus, Language, LinkPlatform, NotificationKind,
    NotificationStatus, RequestKind, RequestStatus, Role, SessionStatus, TokenScope, WebhookEvent,
};

use crate::helpers::fresh_database;

#[derive(QueryableByName)]
struct Definition {
    #[diesel(sql_type = Text)]
    definition: String,
}

/// The quoted values a CHECK constraint lists.
fn allowed_by(conn: &mut PgConnection, constraint: &str) -> BTreeSet<String> {
    let found: Definition = diesel::sql_query(
        "SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint \
         WHERE contype = 'c' AND conname = $1",
    )
    .bind::<Text, _>(constraint)
    .get_result(conn)
    .unwrap_or_else(|e| panic!("constraint {constraint}: {e}"));
    found
        .definition
        .split('\'')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

/// The enum's values equal the constraint's, and each one round-trips through PostgreSQL.
macro_rules! check {
    ($conn:expr, $constraint:literal, $enum:ty) => {{
        let conn: &mut PgConnection = $conn;
        let in_rust: BTreeSet<String> =
            <$enum>::ALL.iter().map(|v| v.as_str().to_owned()).collect();
        assert_eq!(
            in_rust,
            allowed_by(conn, $constraint),
            "{}: the Rust enum and the CHECK constraint differ",
            $constraint
        );
        for &value in <$enum>::ALL {
            let back: $enum = diesel::select(value.into_sql::<Text>())
                .get_result(conn)
                .unwrap_or_else(|e| panic!("{value:?}: {e}"));
            assert_eq!(back, value);
        }
    }};
}

#[test]
fn every_status_and_role_enum_matches_its_check_constraint() {
    let mut conn = PgConnection::establish(&fresh_database()).expect("connect");
    check!(&mut conn, "users_role_valid", Role);
    check!(&mut conn, "project_access_role_valid", AccessRole);
    check!(&mut conn, "cycles_status_valid", CycleStatus);
    check!(&mut conn, "sync_sessions_status_valid", SessionStatus);
    check!(&mut conn, "file_uploads_status_valid", FileStatus);
    check!(&mut conn, "company_links_platform_valid", LinkPlatform);
    check!(&mut conn, "cycle_requests_status_check", RequestStatus);
    check!(&mut conn, "cycle_requests_kind_check", RequestKind);
    check!(&mut conn, "document_requests_kind_check", RequestKind);
    check!(&mut conn, "notifications_kind_check", NotificationKind);
    check!(&mut conn, "notifications_status_check", NotificationStatus);
    check!(&mut conn, "upload_links_language_check", Language);
    check!(&mut conn, "companies_default_language_check", Language);
    check!(&mut conn, "api_tokens_scopes_check", TokenScope);
    check!(&mut conn, "webhook_events_type_check", WebhookEvent);
    check!(&mut conn, "webhook_endpoints_events_check", WebhookEvent);
    check!(&mut conn, "webhook_deliveries_status_check", DeliveryStatus);
}

#[test]
fn a_value_rust_does_not_know_is_an_error_not_a_guess() {
    let mut conn = PgConnection::establish(&fresh_database()).expect("connect");
    let unknown =
        diesel::select("archived".into_sql::<Text>()).get_result::<CycleStatus>(&mut conn);
    assert!(unknown.is_err(), "{unknown:?}");
}
