//! A company admin's management of the company's users. Every finder is scoped to the
//! actor's company: another company's user is a 404 with an `access_denied` row.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::config::Secret;
use crate::db::ids::UserId;
use crate::db::models::auth_session::AuthSession;
use crate::db::models::user::{NewUser, User, UserChanges};
use crate::db::models::user_profile::UserProfile;
use crate::domain::refusal::{AccessRefused, AccountRefused};
use crate::domain::Role;
use crate::domain::{FieldErrors, ListWindow};
use crate::error::AppError;
use crate::services::accounts::one_time_password;
use crate::services::actor::Actor;
use crate::services::api_tokens;
use crate::services::audit::actions;
use crate::services::ServiceContext;

/// A user form, validated.
#[derive(Debug, Clone)]
pub struct UserInput {
    pub username: String,
    pub email: String,
    pub full_name: Option<String>,
    pub role: Role,
}

/// What the audit trail keeps of a user (never the password hash).
#[derive(Serialize)]
struct UserRecord<'a> {
    username: &'a str,
    email: &'a str,
    full_name: Option<&'a str>,
    role: Role,
    is_active: bool,
}

fn record(user: &User) -> UserRecord<'_> {
    UserRecord {
        username: &user.username,
        email: &user.email,
        full_name: user.full_name.as_deref(),
        role: user.role,
        is_active: user.is_active,
    }
}

/// The roles a company admin may hand out (the operator role is the CLI's).
pub const ASSIGNABLE_ROLES: [Role; 3] = [Role::Admin, Role::User, Role::Viewer];

fn find_in(conn: &mut PgConnection, actor: &Actor, id: UserId) -> Result<User, AppError> {
    User::find_in_company(conn, actor.company_id(), id)?.ok_or_else(|| actor.not_found("user", id))
}

/// The company's users by username, filtered by text and active state.
pub async fn list(
    ctx: &ServiceContext,
    actor: &Actor,
    window: ListWindow,
    active: Option<bool>,
) -> Result<Vec<User>, AppError> {
    ctx.run(actor, move |conn, actor| {
        Ok(User::list_in_company(
            conn,
            actor.company_id(),
            &window,
            active,
        )?)
    })
    .await
}

/// A user of the actor's company.
pub async fn find(ctx: &ServiceContext, actor: &Actor, id: UserId) -> Result<User, AppError> {
    ctx.run(actor, move |conn, actor| find_in(conn, actor, id))
        .await
}

/// Creates a user with a one-time password, returned to be shown once; the user must
/// replace it at first sign-in.
pub async fn create(
    ctx: &ServiceContext,
    actor: &Actor,
    input: UserInput,
) -> Result<(User, String), AppError> {
    let password = one_time_password();
    let hash = ctx.hasher().hash(&Secret::new(password.clone())).await?;
    let user = ctx
        .run(actor, move |conn, actor| {
            create_in(conn, actor, &input, &hash)
        })
        .await?;
    Ok((user, password))
}

/// Saves a user; a role change revokes their API tokens (returned: how many).
pub async fn update(
    ctx: &ServiceContext,
    actor: &Actor,
    id: UserId,
    input: UserInput,
) -> Result<(User, usize), AppError> {
    ctx.run(actor, move |conn, actor| update_in(conn, actor, id, &input))
        .await
}

/// Deactivation signs the user out everywhere at once and revokes their API tokens
/// (returned: how many); their next request is refused.
pub async fn set_active(
    ctx: &ServiceContext,
    actor: &Actor,
    id: UserId,
    active: bool,
) -> Result<(User, usize), AppError> {
    ctx.run(actor, move |conn, actor| {
        set_active_in(conn, actor, id, active)
    })
    .await
}

/// Sets a one-time password (returned, to be shown once), forces a change at the next
/// sign-in, signs the user out everywhere and revokes their API tokens (returned: how
/// many).
pub async fn reset_password(
    ctx: &ServiceContext,
    actor: &Actor,
    id: UserId,
) -> Result<(User, String, usize), AppError> {
    // Scope first, so no hash is computed for another company's user.
    ctx.run(actor, move |conn, actor| find_manageable(conn, actor, id))
        .await?;
    let password = one_time_password();
    let hash = ctx.hasher().hash(&Secret::new(password.clone())).await?;
    let (user, tokens_revoked) = ctx
        .run(actor, move |conn, actor| {
            reset_password_in(conn, actor, id, &hash)
        })
        .await?;
    Ok((user, password, tokens_revoked))
}

/// A user the actor may change: a company admin cannot touch the operator's account
/// (which lives in a company too), or a company admin could lock the operator out.
pub(crate) fn find_manageable(
    conn: &mut PgConnection,
    actor: &Actor,
    id: UserId,
) -> Result<User, AppError> {
    let user = find_in(conn, actor, id)?;
    if user.role == Role::Superadmin && !actor.is_operator() {
        return Err(AppError::from(AccessRefused::OperatorAccount));
    }
    Ok(user)
}

/// Creates a user who must replace `password_hash`'s one-time password at first sign-in.
fn create_in(
    conn: &mut PgConnection,
    actor: &Actor,
    input: &UserInput,
    password_hash: &str,
) -> Result<User, AppError> {
    let mut errors = FieldErrors::default();
    if User::find_by_username(conn, &input.username)?.is_some() {
        errors.add("username", "This username is taken; choose another.");
    }
    if User::email_taken(conn, &input.email, None)? {
        errors.add("email", "This email address is already in use.");
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let user = User::insert(
        conn,
        &NewUser {
            company_id: actor.company_id(),
            username: &input.username,
            email: &input.email,
            password_hash,
            full_name: input.full_name.as_deref(),
            role: input.role,
        },
    )?;
    UserProfile::set_must_change_password(conn, user.id, None)?;
    actor
        .audit(actions::USER_CREATED)
        .resource("user", user.id)
        .details(json!({ "after": record(&user) }))
        .record(conn)?;
    Ok(user)
}

fn update_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: UserId,
    input: &UserInput,
) -> Result<(User, usize), AppError> {
    let before = find_manageable(conn, actor, id)?;
    if Some(id) == actor.user_id() && input.role != before.role {
        return Err(AppError::Invalid({
            let mut errors = FieldErrors::default();
            errors.add(
                "role",
                "You cannot change your own role; ask another admin.",
            );
            errors
        }));
    }
    if User::email_taken(conn, &input.email, Some(id))? {
        let mut errors = FieldErrors::default();
        errors.add("email", "This email address is already in use.");
        return Err(AppError::Invalid(errors));
    }
    let after = User::update(
        conn,
        id,
        &UserChanges {
            email: &input.email,
            full_name: input.full_name.as_deref(),
            role: input.role,
        },
    )?;
    // A token carries its user's standing: a new role starts with none.
    let tokens_revoked = if after.role == before.role {
        0
    } else {
        revoke_tokens(conn, actor, id, "role changed")?
    };
    actor
        .audit(actions::USER_UPDATED)
        .resource("user", id)
        .details(json!({
            "before": record(&before),
            "after": record(&after),
            "api_tokens_revoked": tokens_revoked,
        }))
        .record(conn)?;
    Ok((after, tokens_revoked))
}

fn revoke_tokens(
    conn: &mut PgConnection,
    actor: &Actor,
    id: UserId,
    reason: &str,
) -> Result<usize, AppError> {
    Ok(api_tokens::revoke_all_of_user(conn, id, reason, || {
        actor.audit(actions::API_TOKEN_REVOKED)
    })?)
}

/// Deactivation signs the user out everywhere at once; their next request is refused.
fn set_active_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: UserId,
    active: bool,
) -> Result<(User, usize), AppError> {
    let before = find_manageable(conn, actor, id)?;
    if Some(id) == actor.user_id() && !active {
        return Err(AppError::from(AccountRefused::OwnAccount));
    }
    User::set_active(conn, id, active)?;
    let (signed_out, tokens_revoked) = if active {
        (0, 0)
    } else {
        (
            AuthSession::revoke_all_for_user(conn, id, None)?,
            revoke_tokens(conn, actor, id, "user deactivated")?,
        )
    };
    let action = if active {
        actions::USER_REACTIVATED
    } else {
        actions::USER_DEACTIVATED
    };
    actor
        .audit(action)
        .resource("user", id)
        .details(json!({
            "username": before.username,
            "before": { "is_active": before.is_active },
            "after": { "is_active": active },
            "sessions_signed_out": signed_out,
            "api_tokens_revoked": tokens_revoked,
        }))
        .record(conn)?;
    Ok((
        User {
            is_active: active,
            ..before
        },
        tokens_revoked,
    ))
}

/// Sets a one-time password (shown once to the admin), forces a change at the next
/// sign-in, signs the user out everywhere and revokes their API tokens.
fn reset_password_in(
    conn: &mut PgConnection,
    actor: &Actor,
    id: UserId,
    password_hash: &str,
) -> Result<(User, usize), AppError> {
    let user = find_manageable(conn, actor, id)?;
    User::set_password_hash(conn, id, password_hash)?;
    UserProfile::set_must_change_password(conn, id, None)?;
    let signed_out = AuthSession::revoke_all_for_user(conn, id, None)?;
    let tokens_revoked = revoke_tokens(conn, actor, id, "password reset")?;
    actor
        .audit(actions::PASSWORD_RESET)
        .resource("user", id)
        .details(json!({
            "username": user.username,
            "via": "web",
            "sessions_signed_out": signed_out,
            "api_tokens_revoked": tokens_revoked,
        }))
        .record(conn)?;
    Ok((user, tokens_revoked))
}
