//! The schema: src/schema.rs matches the migrations, migrations revert and re-apply
//! cleanly, and structural invariants hold.

use std::process::Command;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::helpers::{cluster, fresh_database};

fn schema_dump(database_url: &str) -> String {
    let pg_dump = cluster().postgres.bin_dir().join("pg_dump");
    let output = Command::new(pg_dump)
        .args([
            "--schema-only",
            "--no-owner",
            "--exclude-table=__diesel_schema_migrations",
            "-d",
        ])
        .arg(database_url)
        .output()
        .expect("run pg_dump");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // \restrict and \unrestrict carry a random key per dump.
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.starts_with("\\restrict") && !l.starts_with("\\unrestrict"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn schema_rs_is_what_diesel_prints_for_the_migrations() {
    let url = fresh_database();
    let output = Command::new("diesel")
        .args(["print-schema", "--database-url", &url])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the diesel CLI is needed (scripts/install-deps.sh --test installs it)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed = String::from_utf8_lossy(&output.stdout);
    let checked_in = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/schema.rs"))
        .expect("read src/schema.rs");
    if printed.trim() != checked_in.trim() {
        // What diesel printed, to diff against src/schema.rs.
        let kept = concat!(env!("CARGO_MANIFEST_DIR"), "/target/schema.printed.rs");
        let _ = std::fs::write(kept, printed.as_bytes());
        panic!(
            "src/schema.rs differs from the migrations (diesel's is in {kept}); run `diesel print-schema > src/schema.rs`"
        );
    }
}

#[test]
fn migrations_revert_and_reapply_to_the_same_schema() {
    let url = fresh_database();
    let before = schema_dump(&url);
    let mut conn = PgConnection::establish(&url).expect("connect");
    hopper::db::migrations::revert_all(&mut conn).expect("revert all");
    let tables: i64 = diesel::select(diesel::dsl::sql::<BigInt>(
        "(SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename <> '__diesel_schema_migrations')",
    ))
    .get_result(&mut conn)
    .expect("count tables");
    assert_eq!(tables, 0, "every down.sql removes what its up.sql made");
    hopper::db::migrations::run_pending(&mut conn).expect("migrate again");
    assert_eq!(before, schema_dump(&url));
}

#[derive(QueryableByName)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
}

#[test]
fn every_company_id_column_has_a_foreign_key_and_an_index() {
    let url = fresh_database();
    let mut conn = PgConnection::establish(&url).expect("connect");
    // audit_log keeps ids without foreign keys on purpose: it outlives what it records.
    let without_fk: Vec<Column> = diesel::sql_query(
        "SELECT c.table_name::text AS table_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
         WHERE c.table_schema = 'public' AND c.column_name = 'company_id' AND t.table_type = 'BASE TABLE'
           AND c.table_name NOT LIKE 'audit_log%'
           AND NOT EXISTS (
             SELECT 1 FROM pg_constraint k
             WHERE k.contype = 'f' AND k.conrelid = c.table_name::regclass
               AND k.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = c.table_name::regclass AND attname = 'company_id')]
               AND k.confrelid = 'companies'::regclass)",
    )
    .load(&mut conn)
    .expect("query");
    let names: Vec<&str> = without_fk.iter().map(|c| c.table_name.as_str()).collect();
    assert!(
        names.is_empty(),
        "company_id without a foreign key: {names:?}"
    );
    let without_index: Vec<Column> = diesel::sql_query(
        "SELECT c.table_name::text AS table_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
         WHERE c.table_schema = 'public' AND c.column_name = 'company_id' AND t.table_type = 'BASE TABLE'
           AND c.table_name NOT LIKE 'audit_log_%'
           AND NOT EXISTS (
             SELECT 1 FROM pg_index i
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
             WHERE i.indrelid = c.table_name::regclass AND a.attname = 'company_id')",
    )
    .load(&mut conn)
    .expect("query");
    let names: Vec<&str> = without_index
        .iter()
        .map(|c| c.table_name.as_str())
        .collect();
    assert!(
        names.is_empty(),
        "company_id without a leading index: {names:?}"
    );
}

#[derive(QueryableByName)]
struct ColumnName {
    #[diesel(sql_type = Text)]
    column_name: String,
}

fn columns(conn: &mut PgConnection, relation: &str) -> Vec<String> {
    diesel::sql_query(
        "SELECT column_name::text AS column_name FROM information_schema.columns
         WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind::<Text, _>(relation)
    .load::<ColumnName>(conn)
    .expect("columns")
    .into_iter()
    .map(|c| c.column_name)
    .collect()
}

#[test]
fn the_seed_tables_views_and_default_data_are_as_designed() {
    let url = fresh_database();
    let mut conn = PgConnection::establish(&url).expect("connect");
    assert_eq!(
        columns(&mut conn, "v_project_summary"),
        [
            "project_id",
            "project_name",
            "bucket_name",
            "aws_region",
            "description",
            "is_active",
            "company_id",
            "company_name",
            "company_code",
            "total_cycles",
            "total_sessions",
            "created_at",
            "updated_at"
        ]
    );
    assert_eq!(
        columns(&mut conn, "v_cycle_summary"),
        [
            "cycle_id",
            "cycle_name",
            "cycle_number",
            "status",
            "project_id",
            "project_name",
            "bucket_name",
            "total_sessions",
            "total_files",
            "files_uploaded",
            "files_failed",
            "total_size_bytes",
            "started_at",
            "completed_at"
        ]
    );
    // The seed's columns first, in its order; Hopper's own additions after them.
    let sessions = columns(&mut conn, "sync_sessions");
    assert_eq!(
        sessions[..16.min(sessions.len())],
        [
            "id",
            "project_id",
            "cycle_id",
            "user_id",
            "s3_prefix",
            "status",
            "total_files",
            "files_uploaded",
            "files_failed",
            "files_skipped",
            "total_size_bytes",
            "uploaded_size_bytes",
            "started_at",
            "completed_at",
            "error_message",
            "created_at"
        ]
    );
    assert_eq!(
        sessions[16..],
        [
            "upload_link_id",
            "uploader_name",
            "uploader_email",
            "api_token_id",
            "link_visit_id"
        ],
        "sync_sessions columns added after the seed's"
    );
    let (name, code, email): (String, String, Option<String>) = hopper::schema::companies::table
        .select((
            hopper::schema::companies::company_name,
            hopper::schema::companies::company_code,
            hopper::schema::companies::contact_email,
        ))
        .first(&mut conn)
        .expect("default company");
    assert_eq!(
        (name.as_str(), code.as_str(), email.as_deref()),
        ("Default Company", "DEFAULT", Some("admin@example.com"))
    );
    let (role, full_name): (String, Option<String>) = hopper::schema::users::table
        .filter(hopper::schema::users::username.eq("admin"))
        .select((
            hopper::schema::users::role,
            hopper::schema::users::full_name,
        ))
        .first(&mut conn)
        .expect("default admin");
    assert_eq!(role, "superadmin");
    assert_eq!(full_name.as_deref(), Some("System Administrator"));

    // CHECK constraints guard statuses and the updated_at trigger runs.
    let bad_status = diesel::sql_query(
        "INSERT INTO storage_locations (company_id, label, bucket_name, aws_region, key_root) VALUES (1, 'b', 'bucket-1', 'eu-west-1', 'default');
         INSERT INTO projects (company_id, project_name, bucket_name, aws_region) VALUES (1, 'p', 'bucket-1', 'eu-west-1');
         INSERT INTO cycles (project_id, cycle_name, cycle_number, s3_prefix, status) VALUES (currval('projects_id_seq'), 'C1', 1, 'p/C1', 'done')",
    )
    .execute(&mut conn);
    assert!(bad_status.is_err(), "an unknown cycle status is refused");
}
