//! A user's own profile: name, phone and the timezone every time is shown in.

use chrono_tz::Tz;
use diesel::prelude::*;
use diesel::upsert::excluded;
use serde_json::json;

use crate::db::models::user::User;
use crate::error::AppError;
use crate::schema::{user_profiles, users};
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::ServiceContext;

pub struct Profile {
    pub full_name: Option<String>,
    pub phone: Option<String>,
    pub timezone: Tz,
    pub notify: Notify,
}

/// Which messages the person wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Notify {
    pub rejections: bool,
    pub reminders: bool,
    pub digests: bool,
}

pub async fn load(ctx: &ServiceContext, actor: &Actor) -> Result<Profile, AppError> {
    ctx.run(actor, load_in).await
}

/// Saves the profile; the audit row holds before and after.
pub async fn update(ctx: &ServiceContext, actor: &Actor, profile: Profile) -> Result<(), AppError> {
    ctx.run(actor, move |conn, actor| update_in(conn, actor, &profile))
        .await
}

fn load_in(conn: &mut PgConnection, actor: &Actor) -> Result<Profile, AppError> {
    let user = User::find(conn, actor.user()?)?.ok_or(AppError::NotFound)?;
    type Row = (String, Option<String>, bool, bool, bool);
    let row: Option<Row> = user_profiles::table
        .find(actor.user()?)
        .select((
            user_profiles::timezone,
            user_profiles::phone,
            user_profiles::notify_rejections,
            user_profiles::notify_reminders,
            user_profiles::notify_digests,
        ))
        .first(conn)
        .optional()?;
    let (timezone, phone, rejections, reminders, digests) =
        row.unwrap_or_else(|| ("UTC".into(), None, true, true, true));
    Ok(Profile {
        full_name: user.full_name,
        phone,
        timezone: timezone.parse().unwrap_or(Tz::UTC),
        notify: Notify {
            rejections,
            reminders,
            digests,
        },
    })
}

fn update_in(conn: &mut PgConnection, actor: &Actor, profile: &Profile) -> Result<(), AppError> {
    let user = actor.user()?;
    let before = load_in(conn, actor)?;
    diesel::update(users::table.find(user))
        .set(users::full_name.eq(profile.full_name.as_deref()))
        .execute(conn)?;
    diesel::insert_into(user_profiles::table)
        .values((
            user_profiles::user_id.eq(user),
            user_profiles::timezone.eq(profile.timezone.name()),
            user_profiles::phone.eq(profile.phone.as_deref()),
            user_profiles::notify_rejections.eq(profile.notify.rejections),
            user_profiles::notify_reminders.eq(profile.notify.reminders),
            user_profiles::notify_digests.eq(profile.notify.digests),
        ))
        .on_conflict(user_profiles::user_id)
        .do_update()
        .set((
            user_profiles::timezone.eq(excluded(user_profiles::timezone)),
            user_profiles::phone.eq(excluded(user_profiles::phone)),
            user_profiles::notify_rejections.eq(excluded(user_profiles::notify_rejections)),
            user_profiles::notify_reminders.eq(excluded(user_profiles::notify_reminders)),
            user_profiles::notify_digests.eq(excluded(user_profiles::notify_digests)),
        ))
        .execute(conn)?;
    actor
        .audit(actions::PROFILE_UPDATED)
        .resource("user", user)
        .details(json!({
            "before": { "full_name": before.full_name, "phone": before.phone, "timezone": before.timezone.name(), "notify": before.notify },
            "after": { "full_name": profile.full_name, "phone": profile.phone, "timezone": profile.timezone.name(), "notify": profile.notify },
        }))
        .record(conn)?;
    Ok(())
}
