//! Erasure (issue 30): a person's personal data — names, email addresses, IP addresses,
//! browsers — removed from every row that holds it and from the audit trail, which keeps
//! verifying (see migration 120 and README, Records and safety). Refused while a legal
//! hold covers the person's company, or a project or cycle they sent files to. The
//! erasure's own audit row (`person.erased`, one per chain it touched) counts what was
//! erased and names accounts by id; it never holds the address.
//!
//! The operator erases an address everywhere (the operator page, `hopper erase`); a
//! company's admin erases one of the company's accounts, in that company only.

mod audit_rows;
mod person;

use diesel::prelude::*;
use serde_json::json;

use crate::db::ids::{CompanyId, UserId};
use crate::db::models::legal_hold::LegalHold;
use crate::domain::refusal::{AccessRefused, InputRefused};
use crate::domain::Role;
use crate::error::AppError;
use crate::schema::{legal_holds, users};
use crate::services::actor::Actor;
use crate::services::audit::{actions, AuditEvent};
use crate::services::{legal_holds as holds, ServiceContext};

use person::Person;

/// What an erasure changed (or, in a dry run, would change).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErasureReport {
    pub dry_run: bool,
    /// Accounts with the address.
    pub accounts: usize,
    /// Upload-link visits that gave it.
    pub visits: usize,
    /// Uploads (sync sessions) they sent.
    pub uploads: usize,
    /// Companies they appear in.
    pub companies: usize,
    /// Rows changed or deleted outside the audit trail.
    pub rows_changed: usize,
    /// Audit rows erased from, and how many of them were written before salted hashes.
    pub audit_rows: i64,
    pub audit_rows_v1: usize,
}

impl ErasureReport {
    /// Nothing of the address was found.
    pub fn is_empty(&self) -> bool {
        self.accounts == 0 && self.visits == 0 && self.rows_changed == 0 && self.audit_rows == 0
    }
}

/// The address as erasure matches it: trimmed, lower case, something@something.
fn address(text: &str) -> Result<String, AppError> {
    let email = text.trim().to_lowercase();
    let valid = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty())
        && !email.chars().any(char::is_whitespace)
        && email.len() <= 255;
    if valid {
        Ok(email)
    } else {
        Err(InputRefused::AddressInvalid(text.trim().chars().take(100).collect()).into())
    }
}

/// The first active hold that covers the person: one on a company they appear in, or on a
/// project or cycle they sent files to.
fn refuse_if_held(conn: &mut PgConnection, person: &Person) -> Result<(), AppError> {
    let companies: Vec<CompanyId> = person.companies.iter().map(|c| CompanyId(*c)).collect();
    let active: Vec<LegalHold> = legal_holds::table
        .filter(legal_holds::company_id.eq_any(companies))
        .filter(legal_holds::lifted_at.is_null())
        .order(legal_holds::id.asc())
        .select(LegalHold::as_select())
        .load(conn)?;
    let covers = |hold: &LegalHold| match hold.project_id {
        None => true,
        Some(project) => person.sessions.iter().any(|&(_, company, p, cycle)| {
            company == hold.company_id.0
                && p == project.0
                && hold.cycle_id.is_none_or(|c| cycle == Some(c.0))
        }),
    };
    match active.iter().find(|h| covers(h)) {
        Some(hold) => Err(holds::blocks_erasure(hold).into()),
        None => Ok(()),
    }
}

/// Erases `email` in `within` (or everywhere), as `by` (or the command line).
fn erase_in(
    conn: &mut PgConnection,
    email: &str,
    within: Option<CompanyId>,
    by: Option<&Actor>,
    dry_run: bool,
) -> Result<ErasureReport, AppError> {
    let within_id = within.map(|c| c.0);
    let person = person::find(conn, email, within_id)?;
    if let Some(me) = by.and_then(Actor::user_id) {
        if person.users.iter().any(|(id, _)| *id == me.0) {
            return Err(InputRefused::Field(
                "You cannot erase your own account; another admin or the operator can.".into(),
            )
            .into());
        }
    }
    refuse_if_held(conn, &person)?;
    let mut outcome = None;
    // A dry run does it all in a savepoint and rolls that back: what it reports is exact.
    let result = conn.transaction::<(), diesel::result::Error, _>(|conn| {
        let changed = person::erase(conn, email, &person, within_id)?;
        let audit = audit_rows::erase(conn, email, &person, within_id)?;
        outcome = Some((changed, audit));
        if dry_run {
            Err(diesel::result::Error::RollbackTransaction)
        } else {
            Ok(())
        }
    });
    match result {
        Ok(()) => {}
        Err(diesel::result::Error::RollbackTransaction) if dry_run => {}
        Err(e) => return Err(e.into()),
    }
    let (changed, audit) = outcome.unwrap_or_default();
    let report = ErasureReport {
        dry_run,
        accounts: person.users.len(),
        visits: person.visits.len(),
        uploads: person.sessions.len(),
        companies: person.companies.len(),
        rows_changed: changed,
        audit_rows: audit.total(),
        audit_rows_v1: audit.v1_rows.len(),
    };
    if !dry_run {
        record(conn, by, &person, &audit, changed)?;
    }
    Ok(report)
}

/// One `person.erased` row in each chain the erasure touched: counts and account ids,
/// never the address or a name.
fn record(
    conn: &mut PgConnection,
    by: Option<&Actor>,
    person: &Person,
    audit: &audit_rows::AuditErasure,
    changed: usize,
) -> Result<(), AppError> {
    let mut chains: Vec<Option<i32>> = person.companies.iter().copied().map(Some).collect();
    chains.extend(audit.rows.iter().map(|(c, _)| *c));
    chains.sort_unstable();
    chains.dedup();
    let name = by.map(Actor::audit_name);
    for chain in chains {
        let (rows, v1_rows) = audit.in_chain(chain);
        let in_chain = |list: &[(i32, i32)]| -> Vec<i32> {
            list.iter()
                .filter(|(_, c)| Some(*c) == chain)
                .map(|(id, _)| *id)
                .collect()
        };
        let mut event = AuditEvent::new(actions::PERSON_ERASED).details(json!({
            "accounts": in_chain(&person.users),
            "link_visits": in_chain(&person.visits).len(),
            "rows_changed": changed,
            "audit_rows_erased": rows,
            "v1_rows": v1_rows,
        }));
        if let Some(company) = chain {
            event = event.company(CompanyId(company));
        }
        if let (Some(actor), Some(name)) = (by, name.as_deref()) {
            if let Some(user) = actor.user_id() {
                event = event.actor(user, name);
            }
            event = event.client(actor.client());
        }
        if let Some(&(user, _)) = person.users.iter().find(|(_, c)| Some(*c) == chain) {
            event = event.resource("user", user);
        }
        event.record(conn)?;
    }
    Ok(())
}

/// The operator erases an address everywhere (the operator page).
pub async fn erase_address(
    ctx: &ServiceContext,
    actor: &Actor,
    email: &str,
    dry_run: bool,
) -> Result<ErasureReport, AppError> {
    if !actor.is_operator() {
        return Err(AccessRefused::OperatorOnly.into());
    }
    let email = address(email)?;
    ctx.run(actor, move |conn, actor| {
        erase_in(conn, &email, None, Some(actor), dry_run)
    })
    .await
}

/// `hopper erase --email ADDRESS [--dry-run]`: everywhere, as the installation.
pub async fn erase_from_command_line(
    ctx: &ServiceContext,
    email: &str,
    dry_run: bool,
) -> Result<ErasureReport, AppError> {
    let email = address(email)?;
    ctx.run_unscoped(move |conn| erase_in(conn, &email, None, None, dry_run))
        .await
}

/// A company's admin erases one of its accounts (another company's is a 404): the
/// account and what the company holds of its address.
pub async fn erase_account(
    ctx: &ServiceContext,
    actor: &Actor,
    user: UserId,
) -> Result<ErasureReport, AppError> {
    if !actor.is_admin() {
        return Err(AccessRefused::AdminOnly.into());
    }
    ctx.run(actor, move |conn, actor| {
        let (email, role): (String, Role) = users::table
            .filter(users::id.eq(user))
            .filter(users::company_id.eq(actor.company_id()))
            .select((users::email, users::role))
            .first(conn)
            .optional()?
            .ok_or_else(|| actor.not_found("user", user))?;
        if role == Role::Superadmin && !actor.is_operator() {
            return Err(AccessRefused::OperatorAccount.into());
        }
        let email = address(&email)?;
        erase_in(conn, &email, Some(actor.company_id()), Some(actor), false)
    })
    .await
}
