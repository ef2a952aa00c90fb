use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::upsert::excluded;

use crate::db::ids::UserId;
use crate::schema::user_profiles;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_profiles, check_for_backend(diesel::pg::Pg))]
pub struct UserProfile {
    pub user_id: UserId,
    pub timezone: String,
    pub language: String,
    pub phone: Option<String>,
    pub must_change_password: bool,
    pub password_changed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl UserProfile {
    /// Records that the user must choose a new password at the next sign-in (`None`), or
    /// chose one at `chosen_at`, creating the profile row when the user has none yet.
    pub fn set_must_change_password(
        conn: &mut PgConnection,
        user_id: UserId,
        chosen_at: Option<DateTime<Utc>>,
    ) -> QueryResult<()> {
        let (must_change, changed_at) = (chosen_at.is_none(), chosen_at);
        diesel::insert_into(user_profiles::table)
            .values((
                user_profiles::user_id.eq(user_id),
                user_profiles::must_change_password.eq(must_change),
                user_profiles::password_changed_at.eq(changed_at),
            ))
            .on_conflict(user_profiles::user_id)
            .do_update()
            .set((
                user_profiles::must_change_password
                    .eq(excluded(user_profiles::must_change_password)),
                user_profiles::password_changed_at.eq(excluded(user_profiles::password_changed_at)),
            ))
            .execute(conn)
            .map(|_| ())
    }
}
