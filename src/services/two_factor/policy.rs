//! Who must sign in with two factors: the members of a company whose admin (or the
//! operator) requires it, every company's members when the operator requires it for all,
//! and the operators when the operator requires it of them. A member who owes a second
//! factor is sent to enrolment right after their password and reaches nothing else.

use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer};
use serde_json::json;

use crate::db::ids::UserId;
use crate::error::AppError;
use crate::schema::{companies, two_factor_policy};
use crate::services::actor::Actor;
use crate::services::audit::actions;
use crate::services::ServiceContext;

#[derive(QueryableByName)]
struct Owed {
    #[diesel(sql_type = Bool)]
    required: bool,
    #[diesel(sql_type = Bool)]
    enrolled: bool,
}

fn owed(conn: &mut PgConnection, user: UserId) -> QueryResult<Owed> {
    diesel::sql_query(
        "SELECT (c.require_two_factor OR p.all_companies
                 OR (u.role = 'superadmin' AND p.operators)) AS required,
                (EXISTS (SELECT 1 FROM user_totp t WHERE t.user_id = u.id)
                 OR EXISTS (SELECT 1 FROM passkeys k WHERE k.user_id = u.id)) AS enrolled
         FROM users u
         JOIN companies c ON c.id = u.company_id
         CROSS JOIN two_factor_policy p
         WHERE u.id = $1",
    )
    .bind::<Integer, _>(user.0)
    .get_result(conn)
}

/// Whether a policy requires a second factor of this user.
pub fn required_of(conn: &mut PgConnection, user: UserId) -> Result<bool, AppError> {
    Ok(owed(conn, user)?.required)
}

/// Whether this user must enrol a second factor before anything else.
pub fn enrolment_owed(conn: &mut PgConnection, user: UserId) -> Result<bool, AppError> {
    let owed = owed(conn, user)?;
    Ok(owed.required && !owed.enrolled)
}

/// The policy as a company admin sees it.
#[derive(Debug, Clone, Copy)]
pub struct CompanyPolicy {
    pub company_requires: bool,
    /// The operator requires it of every company (the company's own choice then does not
    /// matter).
    pub operator_requires: bool,
}

pub async fn of_company(ctx: &ServiceContext, actor: &Actor) -> Result<CompanyPolicy, AppError> {
    ctx.run(actor, |conn, actor| {
        let company_requires = companies::table
            .find(actor.company_id())
            .select(companies::require_two_factor)
            .first(conn)?;
        let operator_requires = two_factor_policy::table
            .select(two_factor_policy::all_companies)
            .first(conn)?;
        Ok(CompanyPolicy {
            company_requires,
            operator_requires,
        })
    })
    .await
}

/// A company admin (or the operator in the company they opened) requires two factors of
/// every member, or stops requiring them.
pub async fn set_for_company(
    ctx: &ServiceContext,
    actor: &Actor,
    require: bool,
) -> Result<(), AppError> {
    ctx.run(actor, move |conn, actor| {
        let before: bool = companies::table
            .find(actor.company_id())
            .select(companies::require_two_factor)
            .for_no_key_update()
            .first(conn)?;
        diesel::update(companies::table.find(actor.company_id()))
            .set(companies::require_two_factor.eq(require))
            .execute(conn)?;
        actor
            .audit(actions::TWO_FACTOR_POLICY_CHANGED)
            .resource("company", actor.company_id())
            .details(json!({
                "scope": "company",
                "before": { "require_two_factor": before },
                "after": { "require_two_factor": require },
            }))
            .record(conn)?;
        Ok(())
    })
    .await
}

/// The operator's policy over the installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct InstallationPolicy {
    pub all_companies: bool,
    pub operators: bool,
}

pub async fn of_installation(
    ctx: &ServiceContext,
    actor: &Actor,
) -> Result<InstallationPolicy, AppError> {
    ctx.run(actor, |conn, _| {
        let (all_companies, operators) = two_factor_policy::table
            .select((
                two_factor_policy::all_companies,
                two_factor_policy::operators,
            ))
            .first(conn)?;
        Ok(InstallationPolicy {
            all_companies,
            operators,
        })
    })
    .await
}

/// The operator requires two factors of every company's members and/or of operators.
pub async fn set_for_installation(
    ctx: &ServiceContext,
    actor: &Actor,
    after: InstallationPolicy,
) -> Result<(), AppError> {
    if !actor.is_operator() {
        return Err(crate::domain::refusal::AccessRefused::OperatorOnly.into());
    }
    let now = ctx.clock().now();
    ctx.run(actor, move |conn, actor| {
        let (all_companies, operators) = two_factor_policy::table
            .select((
                two_factor_policy::all_companies,
                two_factor_policy::operators,
            ))
            .for_update()
            .first(conn)?;
        let before = InstallationPolicy {
            all_companies,
            operators,
        };
        diesel::update(two_factor_policy::table)
            .set((
                two_factor_policy::all_companies.eq(after.all_companies),
                two_factor_policy::operators.eq(after.operators),
                two_factor_policy::updated_at.eq(now),
            ))
            .execute(conn)?;
        actor
            .audit(actions::TWO_FACTOR_POLICY_CHANGED)
            .details(json!({ "scope": "installation", "before": before, "after": after }))
            .record(conn)?;
        Ok(())
    })
    .await
}
