//! Customer invitations (R16-R18, R21).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::models::{CustomerInvitationRow, naive};
use super::page::{Page, PageRequest, paginate};
use super::schema::customer_invitations as inv;
use super::{
    AnyConnection, StoreError, admin_relationships, customers, insert_result, partners,
    partnerships, providers,
};
use crate::domain::DomainError;
use crate::domain::customer_invitation::{AcceptContext, DraftContext, Named};
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

/// The partner's open invitation for the customer (at most one, by a unique index), expired by
/// the clock or not: the domain decides.
fn open_for(
    conn: &mut AnyConnection,
    key: &DataKey,
    partner: TenantId,
    customer: TenantId,
) -> Result<Option<CustomerInvitation>, StoreError> {
    inv::table
        .filter(inv::partner_id.eq(partner.to_string()))
        .filter(inv::customer_id.eq(customer.to_string()))
        .filter(inv::status.eq_any(open()))
        .select(CustomerInvitationRow::as_select())
        .first(conn)
        .optional()?
        .map(|r| r.open(key))
        .transpose()
}

/// Locks the partner and reads what drafting an invitation is decided on.
pub fn draft_context(
    conn: &mut AnyConnection,
    key: &DataKey,
    partner: TenantId,
    provider: TenantId,
    customer: Option<TenantId>,
) -> Result<DraftContext, StoreError> {
    partners::lock(conn, partner)?;
    let p = partners::indirect(conn, partner)?;
    let provider = if partnerships::relationship_exists(conn, partner, provider)? {
        providers::find(conn, provider)?
    } else {
        None
    };
    let (named, open) = match customer {
        None => (Named::New, None),
        Some(c) => {
            let named = match customers::visible(conn, partner, c) {
                Ok(pc) => Named::Visible(pc.customer, pc.relationship),
                Err(StoreError::Refused(DomainError::NotFound(_))) => Named::Unknown,
                Err(e) => return Err(e),
            };
            (named, open_for(conn, key, partner, c)?)
        }
    };
    Ok(DraftContext {
        partner: p,
        provider,
        customer: named,
        open,
    })
}

/// Locks the partner and reads its invitation `id`; another tenant's is `NotFound` (R28).
pub fn owned(
    conn: &mut AnyConnection,
    key: &DataKey,
    partner: TenantId,
    id: &str,
) -> Result<CustomerInvitation, StoreError> {
    partners::lock(conn, partner)?;
    find(conn, key, id)?
        .filter(|i| i.partner_id == partner)
        .ok_or_else(|| StoreError::Refused(DomainError::NotFound("no such invitation".into())))
}

/// Reads what accepting link `id` as `tenant` is decided on, after locking its partner, so that
/// it serialises with every other write for that partner. An unknown id answers as a wrong
/// token: ids cannot be probed.
pub fn accept_context(
    conn: &mut AnyConnection,
    key: &DataKey,
    id: &str,
    tenant: TenantId,
) -> Result<AcceptContext, StoreError> {
    let missing = || StoreError::Refused(DomainError::InvalidInvitationToken);
    let partner = find(conn, key, id)?.ok_or_else(missing)?.partner_id;
    partners::lock(conn, partner)?;
    let invitation = find(conn, key, id)?.ok_or_else(missing)?;
    Ok(AcceptContext {
        partner: partners::find(conn, partner)?.ok_or_else(|| {
            StoreError::Refused(DomainError::NotFound("the partner is gone".into()))
        })?,
        tenant_is_partner: partners::find(conn, tenant)?.is_some(),
        tenant_is_provider: providers::exists(conn, tenant)?,
        customer: customers::find(conn, tenant)?,
        relationship: customers::relationship(conn, partner, tenant)?,
        admin: admin_relationships::of_pair(conn, partner, tenant)?,
        invitation,
    })
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
