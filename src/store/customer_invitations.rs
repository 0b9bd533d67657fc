//! Customer invitations (R16-R18, R21).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::models::{CustomerInvitationRow, naive};
use super::page::{Page, PageRequest, paginate};
use super::schema::customer_invitations as inv;
use super::{AnyConnection, StoreError, insert_result};
use crate::domain::invitation::{CustomerInvitation, CustomerInvitationStatus};
use crate::domain::values::TenantId;
use crate::sealing::DataKey;

/// The open statuses, as the domain defines them (R17: a link works while draft or sent).
fn open() -> Vec<&'static str> {
    CustomerInvitationStatus::open().map(|s| s.name()).collect()
}

/// `StoreError::Duplicate` when an open invitation for the same customer exists.
pub fn insert(
    conn: &mut AnyConnection,
    key: &DataKey,
    i: &CustomerInvitation,
) -> Result<(), StoreError> {
    insert_result(
        diesel::insert_into(inv::table)
            .values(CustomerInvitationRow::sealed(i, key))
            .execute(conn),
    )
}

pub fn find(
    conn: &mut AnyConnection,
    key: &DataKey,
    id: &str,
) -> Result<Option<CustomerInvitation>, StoreError> {
    inv::table
        .find(id)
        .select(CustomerInvitationRow::as_select())
        .first(conn)
        .optional()?
        .map(|r| r.open(key))
        .transpose()
}

/// Marks the customer's open invitations past expiry as expired, so a new one may be drafted.
pub fn close_expired(
    conn: &mut AnyConnection,
    partner: TenantId,
    customer: TenantId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(
        inv::table
            .filter(inv::partner_id.eq(partner.to_string()))
            .filter(inv::customer_id.eq(customer.to_string()))
            .filter(inv::status.eq_any(open()))
            .filter(inv::expires_at.le(naive(now))),
    )
    .set(inv::status.eq(CustomerInvitationStatus::Expired.name()))
    .execute(conn)?;
    Ok(())
}

pub fn open_exists(
    conn: &mut AnyConnection,
    partner: TenantId,
    customer: TenantId,
) -> Result<bool, StoreError> {
    let n: i64 = inv::table
        .filter(inv::partner_id.eq(partner.to_string()))
        .filter(inv::customer_id.eq(customer.to_string()))
        .filter(inv::status.eq_any(open()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// Writes `i` only if the stored row is still in `expected`: under concurrent requests the
/// affected-row count decides which one wins.
pub fn update_from(
    conn: &mut AnyConnection,
    key: &DataKey,
    i: &CustomerInvitation,
    expected: CustomerInvitationStatus,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        inv::table
            .filter(inv::id.eq(i.id.to_string()))
            .filter(inv::status.eq(expected.name())),
    )
    .set(CustomerInvitationRow::sealed(i, key))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn list(
    conn: &mut AnyConnection,
    key: &DataKey,
    partner: TenantId,
    status: Option<CustomerInvitationStatus>,
    now: DateTime<Utc>,
    page: &PageRequest,
) -> Result<Page<CustomerInvitation>, StoreError> {
    use CustomerInvitationStatus::Expired;
    let mut query = inv::table
        .filter(inv::partner_id.eq(partner.to_string()))
        .order(inv::id.asc())
        .limit(page.limit + 1)
        .select(CustomerInvitationRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(inv::id.gt(after.clone()));
    }
    let now = naive(now);
    // Open statuses past `expires_at` read as expired (`CustomerInvitation::effective_status`).
    query = match status {
        None => query,
        Some(Expired) => query.filter(
            inv::status
                .eq(Expired.name())
                .or(inv::status.eq_any(open()).and(inv::expires_at.le(now))),
        ),
        Some(open) if open.is_open() => query
            .filter(inv::status.eq(open.name()))
            .filter(inv::expires_at.gt(now)),
        Some(closed) => query.filter(inv::status.eq(closed.name())),
    };
    paginate(query.load(conn)?, page, |r| &r.id).try_map(|r| r.open(key))
}
