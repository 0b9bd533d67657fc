//! Partnership invitations and the partner's indirect provider list (R15).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::models::{PartnershipInvitationRow, naive, tenant, utc};
use super::page::{Page, PageRequest, paginate};
use super::schema::{
    partners, partnership_invitations as inv, provider_relationships as rel, providers,
};
use super::{AnyConnection, StoreError, insert_result};
use crate::domain::DomainError;
use crate::domain::invitation::{PartnershipInvitation, PartnershipStatus};
use crate::domain::partnership::{AcceptContext, InviteContext};
use crate::domain::provider::ProviderRelationship;
use crate::domain::values::TenantId;

/// The one open status of a partnership invitation, as the domain names it.
const PENDING: PartnershipStatus = PartnershipStatus::Pending;

/// `StoreError::Duplicate` when an open invitation for the pair exists.
pub fn insert_invitation(
    conn: &mut AnyConnection,
    i: &PartnershipInvitation,
) -> Result<(), StoreError> {
    insert_result(
        diesel::insert_into(inv::table)
            .values(PartnershipInvitationRow::from(i))
            .execute(conn),
    )
}

pub fn find_invitation(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<PartnershipInvitation>, StoreError> {
    inv::table
        .find(id)
        .select(PartnershipInvitationRow::as_select())
        .first(conn)
        .optional()?
        .map(PartnershipInvitation::try_from)
        .transpose()
}

/// Locks the partner and reads what inviting it is decided on (R15).
pub fn invite_context(
    conn: &mut AnyConnection,
    provider: TenantId,
    partner: TenantId,
) -> Result<InviteContext, StoreError> {
    super::partners::lock(conn, partner)?;
    Ok(InviteContext {
        provider: super::providers::registered(conn, provider)?,
        partner: super::partners::find(conn, partner)?,
        pending: pending(conn, provider, partner)?,
        relationship_exists: relationship_exists(conn, partner, provider)?,
    })
}

/// Locks the invited partner and reads what its acceptance is decided on (R15).
pub fn accept_context(
    conn: &mut AnyConnection,
    invitation: PartnershipInvitation,
) -> Result<AcceptContext, StoreError> {
    let (partner, provider) = (invitation.partner_id, invitation.provider_id);
    super::partners::lock(conn, partner)?;
    Ok(AcceptContext {
        partner: super::partners::registered(conn, partner)?,
        provider: super::providers::find(conn, provider)?
            .ok_or_else(|| DomainError::NotFound("the provider is gone".into()))?,
        relationship_exists: relationship_exists(conn, partner, provider)?,
        invitation,
    })
}

/// The pair's pending invitation, expired or not; the unique index admits one at most.
fn pending(
    conn: &mut AnyConnection,
    provider: TenantId,
    partner: TenantId,
) -> Result<Option<PartnershipInvitation>, StoreError> {
    inv::table
        .filter(inv::provider_id.eq(provider.to_string()))
        .filter(inv::partner_id.eq(partner.to_string()))
        .filter(inv::status.eq(PENDING.name()))
        .select(PartnershipInvitationRow::as_select())
        .first(conn)
        .optional()?
        .map(PartnershipInvitation::try_from)
        .transpose()
}

/// Writes `i` only while the stored row is still pending: the affected-row count decides a race.
pub fn update_if_pending(
    conn: &mut AnyConnection,
    i: &PartnershipInvitation,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        inv::table
            .filter(inv::id.eq(i.id.to_string()))
            .filter(inv::status.eq(PENDING.name())),
    )
    .set(inv::status.eq(i.status.name()))
    .execute(conn)?;
    Ok(n == 1)
}

/// The partner's invitations in id order; `status` filters on the status as read now.
pub fn list_invitations(
    conn: &mut AnyConnection,
    partner: TenantId,
    status: Option<PartnershipStatus>,
    now: DateTime<Utc>,
    page: &PageRequest,
) -> Result<Page<PartnershipInvitation>, StoreError> {
    let mut query = inv::table
        .filter(inv::partner_id.eq(partner.to_string()))
        .order(inv::id.asc())
        .limit(page.limit + 1)
        .select(PartnershipInvitationRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(inv::id.gt(after.clone()));
    }
    let now = naive(now);
    query = match status {
        None => query,
        Some(PartnershipStatus::Pending) => query
            .filter(inv::status.eq(PENDING.name()))
            .filter(inv::expires_at.gt(now)),
        Some(PartnershipStatus::Expired) => query.filter(
            inv::status
                .eq(PartnershipStatus::Expired.name())
                .or(inv::status.eq(PENDING.name()).and(inv::expires_at.le(now))),
        ),
        Some(other @ (PartnershipStatus::Accepted | PartnershipStatus::Declined)) => {
            query.filter(inv::status.eq(other.name()))
        }
    };
    paginate(query.load(conn)?, page, |r| &r.id).try_map(PartnershipInvitation::try_from)
}

pub fn relationship_exists(
    conn: &mut AnyConnection,
    partner: TenantId,
    provider: TenantId,
) -> Result<bool, StoreError> {
    let n: i64 = rel::table
        .filter(rel::partner_id.eq(partner.to_string()))
        .filter(rel::provider_id.eq(provider.to_string()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn count_providers(conn: &mut AnyConnection, partner: TenantId) -> Result<u64, StoreError> {
    let n: i64 = rel::table
        .filter(rel::partner_id.eq(partner.to_string()))
        .count()
        .get_result(conn)?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// `StoreError::Duplicate` when the provider is in the list already.
pub fn insert_relationship(
    conn: &mut AnyConnection,
    r: &ProviderRelationship,
) -> Result<(), StoreError> {
    insert_result(
        diesel::insert_into(rel::table)
            .values((
                rel::partner_id.eq(r.partner_id.to_string()),
                rel::provider_id.eq(r.provider_id.to_string()),
                rel::established_at.eq(naive(r.established_at)),
            ))
            .execute(conn),
    )
}

/// The partner's indirect providers with their names, in provider id order.
pub fn providers_of(
    conn: &mut AnyConnection,
    partner: TenantId,
    page: &PageRequest,
) -> Result<Page<(ProviderRelationship, String)>, StoreError> {
    let mut query = rel::table
        .inner_join(providers::table)
        .filter(rel::partner_id.eq(partner.to_string()))
        .order(rel::provider_id.asc())
        .limit(page.limit + 1)
        .select((rel::provider_id, rel::established_at, providers::name))
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(rel::provider_id.gt(after.clone()));
    }
    let rows: Vec<(String, chrono::NaiveDateTime, String)> = query.load(conn)?;
    paginate(rows, page, |r| &r.0).try_map(|(provider, at, name)| {
        Ok((
            ProviderRelationship {
                partner_id: partner,
                provider_id: tenant("provider_relationships.provider_id", &provider)?,
                established_at: utc(at),
            },
            name,
        ))
    })
}

/// The provider's resellers with their names, in partner id order.
pub fn resellers_of(
    conn: &mut AnyConnection,
    provider: TenantId,
    page: &PageRequest,
) -> Result<Page<(ProviderRelationship, String)>, StoreError> {
    let mut query = rel::table
        .inner_join(partners::table)
        .filter(rel::provider_id.eq(provider.to_string()))
        .order(rel::partner_id.asc())
        .limit(page.limit + 1)
        .select((rel::partner_id, rel::established_at, partners::company_name))
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(rel::partner_id.gt(after.clone()));
    }
    let rows: Vec<(String, chrono::NaiveDateTime, String)> = query.load(conn)?;
    paginate(rows, page, |r| &r.0).try_map(|(partner, at, name)| {
        Ok((
            ProviderRelationship {
                partner_id: tenant("provider_relationships.partner_id", &partner)?,
                provider_id: provider,
                established_at: utc(at),
            },
            name,
        ))
    })
}
