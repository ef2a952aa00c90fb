//! `hopper audit verify` recomputes each row's hash outside the database
//! (`domain::audit_content`). Its text must be the database's own
//! (`audit_log_row_content`) byte for byte, or verification would cry wolf: rows of every
//! shape — quotes, backslashes, control characters and non-ASCII in each field, details
//! objects with nested values and numbers as written, scalars and arrays, v1 rows without
//! salts, erased fields of both kinds — give the same text, and the chain verifies.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use hopper::services::audit_chain;

use crate::helpers::TestApp;

/// (actor_username, resource_id, details as JSON text, ip_address, user_agent)
type Shape = (
    Option<&'static str>,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
);

const SHAPES: &[Shape] = &[
    (
        Some("o'brien\\x"),
        Some("it's"),
        r#"{"a": 1, "b": "it's \\ \"q\"\n\ttab", "c": {"n": [1, 2.50, true, null], "m": {}}, "é": null, "Z": 1e3, "": "empty key", "ctrl": "\u0001"}"#,
        None,
        Some("Mozilla/5.0 (é ✓)"),
    ),
    (None, None, r#""just a string""#, Some("203.0.113.9"), None),
    (
        Some("plain"),
        Some("7"),
        r#"[1, "x", {"k": "v"}]"#,
        None,
        Some("ua"),
    ),
    (Some("n"), None, "42", Some("::1"), Some("back\\slash")),
    (Some("n"), None, "null", None, None),
    (Some("n"), None, "{}", None, None),
    (
        Some("erased"),
        None,
        r#"{"erased": "erased", "k": "erased:abc"}"#,
        Some("erased"),
        None,
    ),
];

#[derive(QueryableByName)]
struct Content {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    content: String,
}

fn insert_shapes(conn: &mut PgConnection, company: i32) -> Vec<i64> {
    SHAPES
        .iter()
        .map(|(actor, resource, details, ip, agent)| {
            #[derive(QueryableByName)]
            struct Inserted {
                #[diesel(sql_type = BigInt)]
                id: i64,
            }
            diesel::sql_query(
                "INSERT INTO audit_log (actor_username, company_id, action, resource_type,
                     resource_id, details, ip_address, user_agent)
                 VALUES ($1, $2, 'test.shape', 'shape', $3, $4::jsonb, $5, $6) RETURNING id",
            )
            .bind::<diesel::sql_types::Nullable<Text>, _>(actor)
            .bind::<diesel::sql_types::Integer, _>(company)
            .bind::<diesel::sql_types::Nullable<Text>, _>(resource)
            .bind::<Text, _>(details)
            .bind::<diesel::sql_types::Nullable<Text>, _>(ip)
            .bind::<diesel::sql_types::Nullable<Text>, _>(agent)
            .get_result::<Inserted>(conn)
            .expect("insert a row through the chain trigger")
            .id
        })
        .collect()
}

#[actix_web::test]
async fn the_recomputed_content_is_the_databases_for_rows_of_every_shape() {
    let app = TestApp::spawn().await;
    let company = app.default_company().0;
    let mut conn = app.conn();
    let first = insert_shapes(&mut conn, company);
    // Erasures of v2 rows: fields and detail values become markers, their salts go.
    for id in &first[..4] {
        conn.batch_execute(&format!(
            "SELECT audit_log_erase({id}, ARRAY['actor_username', 'ip_address', 'user_agent'],
                                    ARRAY['b', 'c', '']);"
        ))
        .expect("erase v2");
    }
    let second = insert_shapes(&mut conn, company);
    // The second set as v1 rows (no salts), and some of them erased as v1 rows are.
    conn.batch_execute(&format!(
        "DELETE FROM audit_salts WHERE audit_id BETWEEN {} AND {};",
        second[0],
        second[second.len() - 1]
    ))
    .expect("v1 rows, as a superuser");
    for id in &second[..2] {
        conn.batch_execute(&format!(
            "SELECT audit_log_erase({id}, ARRAY['actor_username'], ARRAY['a', 'b']);"
        ))
        .expect("erase v1");
    }

    let expected: Vec<Content> = diesel::sql_query(
        "SELECT a.id, audit_log_row_content(a) AS content FROM audit_log a
         WHERE company_id = $1 AND chain_seq IS NOT NULL ORDER BY chain_seq",
    )
    .bind::<diesel::sql_types::Integer, _>(company)
    .load(&mut conn)
    .expect("the database's contents");
    let links = audit_chain::window(&mut conn, company, 0, i64::MAX).expect("the chain");
    assert_eq!(links.len(), expected.len());
    assert!(links.len() >= 2 * SHAPES.len(), "{}", links.len());
    for (link, sql) in links.iter().zip(&expected) {
        assert_eq!(link.row.id, sql.id);
        assert_eq!(
            hopper::domain::audit_content::content(&link.row),
            sql.content,
            "row {}",
            sql.id
        );
    }
    // v2 rows hold their hashes after the erasures, and erased v1 rows the hashes recorded
    // with their erasure; the other v1 rows' hashes were made with salts and no longer
    // match: the first of them is named.
    let report = audit_chain::verify_chain(&mut conn, Some(hopper::db::ids::CompanyId(company)))
        .expect("verify");
    assert_eq!(
        report
            .first_bad
            .as_ref()
            .map(|(id, why)| (*id, why.contains("altered"))),
        Some((second[2], true)),
        "{report:?}"
    );
    let erased_v1: i64 = audit_v1_erasures_of(&mut conn, &second[..2]);
    assert_eq!(erased_v1, 2);
}

fn audit_v1_erasures_of(conn: &mut PgConnection, ids: &[i64]) -> i64 {
    hopper::schema::audit_v1_erasures::table
        .filter(hopper::schema::audit_v1_erasures::audit_id.eq_any(ids))
        .count()
        .get_result(conn)
        .expect("erasures")
}
