//! The transition overview (R39), read in a fixed number of queries whatever the number of
//! customers and invitations: counts are aggregates, lists are the few rows the answer shows
//! (the soonest dates, the blocked customers), and no sealed column is read.

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::models::{AdminRelationshipRow, CustomerRelationshipRow, CustomerRow, naive, utc, uuid};
use super::schema::{
    admin_relationships as admin, customer_invitations as inv, customer_relationships as rel,
    customers,
};
use super::{
    AnyConnection, StoreError, agreements, enrollments, incentives, partners, partnerships,
};
use crate::domain::admin_relationship::{AdminRelationship, AdminStatus};
use crate::domain::capability::Relationship;
use crate::domain::customer::{Customer, CustomerRelationship};
use crate::domain::invitation::{CustomerInvitationKind, CustomerInvitationStatus};
use crate::domain::overview::{DEADLINES_MAX, InvitationDate, InvitationTally, OverviewContext};
use crate::domain::values::TenantId;

/// The answer's list bound, as SQL takes it.
const LIMIT: i64 = DEADLINES_MAX as i64;

fn corrupt(column: &str, raw: &str) -> StoreError {
    StoreError::Corrupt(format!("{column}: {raw}"))
}

fn status(raw: &str) -> Result<CustomerInvitationStatus, StoreError> {
    CustomerInvitationStatus::from_name(raw)
        .ok_or_else(|| corrupt("customer_invitations.status", raw))
}

fn number(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The open statuses, as the domain defines them (R17: a link works while draft or sent).
fn open() -> Vec<&'static str> {
    CustomerInvitationStatus::open().map(|s| s.name()).collect()
}

/// What the overview of `partner` is decided on, as of `now`, in one snapshot: 14 queries (the
/// partner, its latest enrollment, its agreement, its providers, customers by relationship, the
/// blocked candidates, the moving count, invitations by status on each side of expiry, the
/// soonest invitation dates, incentive invitations and enrollments, and two for admin
/// relationships). `NotFound` when no partner is registered for the tenant.
pub fn context(
    conn: &mut AnyConnection,
    partner: TenantId,
    now: DateTime<Utc>,
) -> Result<OverviewContext, StoreError> {
    conn.transaction(|conn| {
        if let AnyConnection::Postgresql(_) = conn {
            // The counts and lists agree with each other; SQLite's deferred transaction is a
            // snapshot already (WAL).
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(conn)?;
        }
        read(conn, partner, now)
    })
}

fn read(
    conn: &mut AnyConnection,
    partner: TenantId,
    now: DateTime<Utc>,
) -> Result<OverviewContext, StoreError> {
    partners::registered(conn, partner)?;
    let id = partner.to_string();
    let at = naive(now);
    let direct_bill = Relationship::DirectBill.name();

    let by_relationship: Vec<(String, i64)> = rel::table
        .filter(rel::partner_id.eq(&id))
        .group_by(rel::relationship)
        .select((rel::relationship, count_star()))
        .load(conn)?;
    let customers = by_relationship
        .into_iter()
        .map(|(r, n)| {
            Relationship::from_name(&r)
                .map(|r| (r, number(n)))
                .ok_or_else(|| corrupt("customer_relationships.relationship", &r))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;

    // R22 is the one reason a direct bill customer cannot move (`transition_plan::cannot_move`
    // decides); reading only Store for Business customers keeps this to the blocked ones.
    let blocking: Vec<(CustomerRow, CustomerRelationshipRow)> = rel::table
        .inner_join(customers::table)
        .filter(rel::partner_id.eq(&id))
        .filter(rel::relationship.eq(direct_bill))
        .filter(customers::store_for_business.eq(true))
        .order(rel::customer_id.asc())
        .select((
            CustomerRow::as_select(),
            CustomerRelationshipRow::as_select(),
        ))
        .load(conn)?;
    let blocking = blocking
        .into_iter()
        .map(|(c, r)| Ok((Customer::try_from(c)?, CustomerRelationship::try_from(r)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;

    // Direct bill customers being moved (R21): an open move invitation names a direct bill
    // customer of its partner (drafting checks it, accepting closes it in the same transaction
    // as the move), and there is one at most per customer (`customer_invitations_one_open`), so
    // counting invitations counts customers without a join. `status IN open AND expires_at >
    // now` is the SQL form of `CustomerInvitation::effective_status(now).is_open()`.
    let moving: i64 = inv::table
        .filter(inv::partner_id.eq(&id))
        .filter(inv::kind.eq(CustomerInvitationKind::MoveCustomer.name()))
        .filter(inv::status.eq_any(open()))
        .filter(inv::expires_at.gt(at))
        .select(count_star())
        .first(conn)?;

    // By stored status on each side of `expires_at`; the domain reads them as a client sees
    // them (`CustomerInvitationStatus::seen`: past expiry from `now >= expires_at`).
    let current: Vec<(String, i64)> = inv::table
        .filter(inv::partner_id.eq(&id))
        .filter(inv::expires_at.gt(at))
        .group_by(inv::status)
        .select((inv::status, count_star()))
        .load(conn)?;
    let past: Vec<(String, i64)> = inv::table
        .filter(inv::partner_id.eq(&id))
        .filter(inv::expires_at.le(at))
        .group_by(inv::status)
        .select((inv::status, count_star()))
        .load(conn)?;
    let invitations = current
        .into_iter()
        .map(|row| (false, row))
        .chain(past.into_iter().map(|row| (true, row)))
        .map(|(past_expiry, (s, n))| {
            Ok(InvitationTally {
                status: status(&s)?,
                past_expiry,
                count: number(n),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;

    let dates: Vec<(String, String, chrono::NaiveDateTime)> = inv::table
        .filter(inv::partner_id.eq(&id))
        .filter(inv::status.eq_any(open()))
        .filter(inv::expires_at.gt(at))
        .order((inv::expires_at.asc(), inv::id.asc()))
        .limit(LIMIT)
        .select((inv::id, inv::status, inv::expires_at))
        .load(conn)?;
    let invitation_dates = dates
        .into_iter()
        .map(|(i, s, expires_at)| {
            Ok(InvitationDate {
                id: uuid("customer_invitations.id", &i)?,
                status: status(&s)?,
                expires_at: utc(expires_at),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;

    Ok(OverviewContext {
        latest_enrollment: enrollments::latest(conn, partner)?,
        agreement_accepted: agreements::find(conn, partner)?.is_some(),
        active_providers: partnerships::count_providers(conn, partner)?,
        customers,
        blocking,
        moving: number(moving),
        invitations,
        invitation_dates,
        incentive_invitations: incentives::invitations(conn, partner)?,
        incentive_enrollments: incentives::enrollments(conn, partner)?,
        admin_relationships: admin_ending(conn, &id, at)?,
    })
}

/// The stored-active admin relationships that may end soonest (R31; the clock decides expiring
/// and expired, the domain reads them): the `DEADLINES_MAX` first whose first term is still
/// running (they end then), and every auto-extended one past its first term, whose current end
/// only the domain computes (a relationship extends after its first term of up to 730 days,
/// and only when the partner asked for `auto_extend`: few).
fn admin_ending(
    conn: &mut AnyConnection,
    partner: &str,
    at: chrono::NaiveDateTime,
) -> Result<Vec<AdminRelationship>, StoreError> {
    let active = AdminStatus::Active.name();
    let mut rows: Vec<AdminRelationshipRow> = admin::table
        .filter(admin::partner_id.eq(partner))
        .filter(admin::status.eq(active))
        .filter(admin::first_end.gt(at))
        .order((admin::first_end.asc(), admin::id.asc()))
        .limit(LIMIT)
        .select(AdminRelationshipRow::as_select())
        .load(conn)?;
    rows.extend(
        admin::table
            .filter(admin::partner_id.eq(partner))
            .filter(admin::status.eq(active))
            .filter(admin::auto_extend.eq(true))
            .filter(admin::first_end.le(at))
            .select(AdminRelationshipRow::as_select())
            .load(conn)?,
    );
    rows.into_iter().map(AdminRelationship::try_from).collect()
}
