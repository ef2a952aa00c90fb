//! Who an address is, and their personal data outside the audit trail: the accounts with
//! that email, the upload-link visits that gave it, the uploads they sent, the messages
//! sent to them. Erased values become "erased" (or a unique placeholder where a column must
//! stay unique); rows that are only personal (sessions, credentials) are deleted. Files,
//! their reviews and every foreign key stay as they were.

use diesel::prelude::*;
use diesel::sql_types::{Array, Integer, Nullable, Text};

/// What the address stands for, in one company or everywhere (`within`).
#[derive(Debug, Clone, Default)]
pub struct Person {
    /// Accounts: (id, company).
    pub users: Vec<(i32, i32)>,
    /// Upload-link visits: (id, company).
    pub visits: Vec<(i32, i32)>,
    /// The uploads (sync sessions) they sent: (id, company, project, cycle).
    pub sessions: Vec<(i32, i32, i32, Option<i32>)>,
    /// Names they went by (lower case), matched whole in audit details.
    pub names: Vec<String>,
    /// Every company they appear in.
    pub companies: Vec<i32>,
}

impl Person {
    pub fn user_ids(&self) -> Vec<i32> {
        self.users.iter().map(|u| u.0).collect()
    }

    pub fn visit_ids(&self) -> Vec<i32> {
        self.visits.iter().map(|v| v.0).collect()
    }
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Integer)]
    id: i32,
    #[diesel(sql_type = Integer)]
    company: i32,
    #[diesel(sql_type = Nullable<Integer>)]
    project: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    cycle: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    other_name: Option<String>,
}

/// Finds the person `email` (lower case) is, in `within` or everywhere.
pub fn find(conn: &mut PgConnection, email: &str, within: Option<i32>) -> QueryResult<Person> {
    let users: Vec<Found> = diesel::sql_query(
        "SELECT id, company_id AS company, NULL::int AS project, NULL::int AS cycle,
                username AS name, full_name AS other_name
         FROM users WHERE lower(email) = $1 AND ($2::int IS NULL OR company_id = $2)
         ORDER BY id",
    )
    .bind::<Text, _>(email)
    .bind::<Nullable<Integer>, _>(within)
    .load(conn)?;
    let visits: Vec<Found> = diesel::sql_query(
        "SELECT id, company_id AS company, NULL::int AS project, NULL::int AS cycle,
                uploader_name AS name, NULL::text AS other_name
         FROM upload_link_visits
         WHERE lower(uploader_email) = $1 AND ($2::int IS NULL OR company_id = $2)
         ORDER BY id",
    )
    .bind::<Text, _>(email)
    .bind::<Nullable<Integer>, _>(within)
    .load(conn)?;
    let user_ids: Vec<i32> = users.iter().map(|u| u.id).collect();
    let visit_ids: Vec<i32> = visits.iter().map(|v| v.id).collect();
    let sessions: Vec<Found> = diesel::sql_query(
        "SELECT s.id, p.company_id AS company, s.project_id AS project, s.cycle_id AS cycle,
                s.uploader_name AS name, NULL::text AS other_name
         FROM sync_sessions s JOIN projects p ON p.id = s.project_id
         WHERE (s.user_id = ANY($2) OR lower(s.uploader_email) = $1
                OR s.link_visit_id = ANY($3))
           AND ($4::int IS NULL OR p.company_id = $4)
         ORDER BY s.id",
    )
    .bind::<Text, _>(email)
    .bind::<Array<Integer>, _>(&user_ids)
    .bind::<Array<Integer>, _>(&visit_ids)
    .bind::<Nullable<Integer>, _>(within)
    .load(conn)?;
    #[derive(QueryableByName)]
    struct Company {
        #[diesel(sql_type = Integer)]
        company: i32,
    }
    let messaged: Vec<Company> = diesel::sql_query(
        "SELECT DISTINCT company_id AS company FROM notifications
         WHERE company_id IS NOT NULL AND (lower(recipient) = $1 OR user_id = ANY($2))
           AND ($3::int IS NULL OR company_id = $3)",
    )
    .bind::<Text, _>(email)
    .bind::<Array<Integer>, _>(&user_ids)
    .bind::<Nullable<Integer>, _>(within)
    .load(conn)?;

    let mut names: Vec<String> = users
        .iter()
        .chain(&visits)
        .chain(&sessions)
        .flat_map(|f| [f.name.clone(), f.other_name.clone()])
        .flatten()
        .map(|n| n.trim().to_lowercase())
        .filter(|n| n.chars().count() >= 2 && n != "erased")
        .collect();
    names.sort();
    names.dedup();
    let mut companies: Vec<i32> = users
        .iter()
        .chain(&visits)
        .chain(&sessions)
        .map(|f| f.company)
        .chain(messaged.iter().map(|m| m.company))
        .collect();
    companies.sort_unstable();
    companies.dedup();
    Ok(Person {
        users: users.iter().map(|u| (u.id, u.company)).collect(),
        visits: visits.iter().map(|v| (v.id, v.company)).collect(),
        sessions: sessions
            .iter()
            .filter_map(|s| Some((s.id, s.company, s.project?, s.cycle)))
            .collect(),
        names,
        companies,
    })
}

/// Erases the person's data outside the audit trail; returns the rows changed or deleted.
pub fn erase(
    conn: &mut PgConnection,
    email: &str,
    person: &Person,
    within: Option<i32>,
) -> QueryResult<usize> {
    let users = person.user_ids();
    let visits = person.visit_ids();
    let sessions: Vec<i32> = person.sessions.iter().map(|s| s.0).collect();
    let by_user =
        |sql: &str| diesel::sql_query(sql.to_owned()).bind::<Array<Integer>, _>(users.clone());
    let mut changed = 0;
    // Sessions and credentials are only personal: gone. The account stays (files, reviews
    // and holds name it) with placeholders, deactivated and unable to sign in.
    for table in [
        "auth_sessions",
        "sso_links",
        "passkeys",
        "webauthn_ceremonies",
        "user_totp",
        "recovery_codes",
    ] {
        changed +=
            by_user(&format!("DELETE FROM {table} WHERE user_id = ANY($1)")).execute(conn)?;
    }
    changed += by_user(
        "UPDATE users SET username = 'erased-' || id, email = 'erased-' || id || '@erased.invalid',
                full_name = NULL, is_active = false, password_hash = '!', last_login = NULL
         WHERE id = ANY($1)",
    )
    .execute(conn)?;
    changed += by_user("UPDATE api_tokens SET last_used_ip = NULL WHERE user_id = ANY($1) AND last_used_ip IS NOT NULL")
        .execute(conn)?;
    changed +=
        by_user("UPDATE legal_holds SET placed_by_name = 'erased' WHERE placed_by = ANY($1)")
            .execute(conn)?;
    changed +=
        by_user("UPDATE legal_holds SET lifted_by_name = 'erased' WHERE lifted_by = ANY($1)")
            .execute(conn)?;
    changed += diesel::sql_query(
        "UPDATE upload_link_visits SET uploader_name = 'erased', uploader_email = 'erased'
         WHERE id = ANY($1)",
    )
    .bind::<Array<Integer>, _>(&visits)
    .execute(conn)?;
    // What they answered to questions is theirs: the answer stays answered, its text goes.
    changed += diesel::sql_query(
        "UPDATE cycle_requests SET answer = 'erased'
         WHERE answer IS NOT NULL AND answer <> 'erased'
           AND (answered_by = ANY($1) OR answer_visit_id = ANY($2))",
    )
    .bind::<Array<Integer>, _>(&users)
    .bind::<Array<Integer>, _>(&visits)
    .execute(conn)?;
    changed += diesel::sql_query(
        "UPDATE sync_sessions SET
             uploader_name = CASE WHEN uploader_name IS NULL THEN NULL ELSE 'erased' END,
             uploader_email = CASE WHEN uploader_email IS NULL THEN NULL ELSE 'erased' END
         WHERE id = ANY($1) AND (uploader_name IS NOT NULL OR uploader_email IS NOT NULL)",
    )
    .bind::<Array<Integer>, _>(&sessions)
    .execute(conn)?;
    // Messages to them: who, what and the text (it names them). Messages to others that
    // name them (an admin's digest of what a visitor sent): what and the text.
    changed += diesel::sql_query(
        "UPDATE notifications SET recipient = 'erased', subject = 'erased', body = 'erased'
         WHERE (lower(recipient) = $1 OR user_id = ANY($2))
           AND ($3::int IS NULL OR company_id = $3)",
    )
    .bind::<Text, _>(email)
    .bind::<Array<Integer>, _>(&users)
    .bind::<Nullable<Integer>, _>(within)
    .execute(conn)?;
    changed += diesel::sql_query(
        "UPDATE notifications SET subject = 'erased', body = 'erased'
         WHERE subject <> 'erased'
           AND (strpos(lower(body), $1) > 0 OR strpos(lower(subject), $1) > 0
                OR EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE length(n) >= 4
                           AND (strpos(lower(subject), n) > 0 OR strpos(lower(body), n) > 0)))
           AND ($3::int IS NULL OR company_id = $3)",
    )
    .bind::<Text, _>(email)
    .bind::<Array<Text>, _>(&person.names)
    .bind::<Nullable<Integer>, _>(within)
    .execute(conn)?;
    // Webhook events tell a question's answer: in those about a request the person answered
    // (its answer now erased, or the event naming them as who answered), it goes too.
    changed += diesel::sql_query(
        "UPDATE webhook_events
            SET payload = jsonb_set(payload::jsonb, '{data,request,answer}', '\"erased\"')::text
          WHERE payload::jsonb #>> '{data,request,answer}' IS NOT NULL
            AND payload::jsonb #>> '{data,request,answer}' <> 'erased'
            AND ((payload::jsonb #>> '{data,request,id}')::int IN (
                     SELECT id FROM cycle_requests
                      WHERE answered_by = ANY($1) OR answer_visit_id = ANY($2))
                 OR strpos(lower(payload::jsonb #>> '{data,answered_by}'), $3) > 0)
            AND ($4::int IS NULL OR company_id = $4)",
    )
    .bind::<Array<Integer>, _>(&users)
    .bind::<Array<Integer>, _>(&visits)
    .bind::<Text, _>(email)
    .bind::<Nullable<Integer>, _>(within)
    .execute(conn)?;
    // Webhook events name who sent a file and who reviewed a request: in the bodies that
    // name the person, those parts become "erased" (one still waiting is sent so).
    for part in ["sender", "reviewed_by", "answered_by"] {
        changed += diesel::sql_query(format!(
            "UPDATE webhook_events
                SET payload = jsonb_set(payload::jsonb, '{{data,{part}}}', '\"erased\"')::text
              WHERE payload::jsonb #> '{{data,{part}}}' IS NOT NULL
                AND payload::jsonb #> '{{data,{part}}}' <> '\"erased\"'::jsonb
                AND (strpos(lower(payload::jsonb #>> '{{data,{part}}}'), $1) > 0
                     OR EXISTS (SELECT 1 FROM unnest($2::text[]) n WHERE length(n) >= 4
                                AND strpos(lower(payload::jsonb #>> '{{data,{part}}}'), n) > 0))
                AND ($3::int IS NULL OR company_id = $3)"
        ))
        .bind::<Text, _>(email)
        .bind::<Array<Text>, _>(&person.names)
        .bind::<Nullable<Integer>, _>(within)
        .execute(conn)?;
    }
    changed += by_user(
        "UPDATE user_profiles SET phone = NULL WHERE user_id = ANY($1) AND phone IS NOT NULL",
    )
    .execute(conn)?;
    changed += diesel::sql_query(
        "UPDATE companies SET contact_email = NULL
         WHERE lower(contact_email) = $1 AND ($2::int IS NULL OR id = $2)",
    )
    .bind::<Text, _>(email)
    .bind::<Nullable<Integer>, _>(within)
    .execute(conn)?;
    Ok(changed)
}
