use diesel::prelude::*;

use super::models::PartnerRow;
use super::schema::partners;
use super::{AnyConnection, StoreError, insert_result, providers};
use crate::domain::DomainError;
use crate::domain::partner::{Partner, RegistrationContext};
use crate::domain::values::TenantId;

pub fn find(conn: &mut AnyConnection, id: TenantId) -> Result<Option<Partner>, StoreError> {
    partners::table
        .find(id.to_string())
        .select(PartnerRow::as_select())
        .first(conn)
        .optional()?
        .map(Partner::try_from)
        .transpose()
}

/// The registered partner of tenant `id`, or `NotFound`.
pub fn registered(conn: &mut AnyConnection, id: TenantId) -> Result<Partner, StoreError> {
    find(conn, id)?.ok_or_else(|| {
        StoreError::Refused(DomainError::NotFound(
            "no partner is registered for this tenant".into(),
        ))
    })
}

/// Locks the partner and reads it, to change it.
pub fn locked(conn: &mut AnyConnection, id: TenantId) -> Result<Partner, StoreError> {
    lock(conn, id)?;
    registered(conn, id)
}

/// What registering tenant `id` as a partner is decided on.
pub fn registration_context(
    conn: &mut AnyConnection,
    id: TenantId,
) -> Result<RegistrationContext, StoreError> {
    Ok(RegistrationContext {
        tenant_is_provider: providers::exists(conn, id)?,
    })
}

/// R12: the partner, once it has accepted the agreement (the indirect reseller program is on).
pub fn indirect(conn: &mut AnyConnection, id: TenantId) -> Result<Partner, StoreError> {
    let partner = find(conn, id)?.ok_or(DomainError::IndirectResellerNotActive)?;
    partner.require_indirect_reseller()?;
    Ok(partner)
}

/// `StoreError::Duplicate` when the tenant is registered already.
pub fn insert(conn: &mut AnyConnection, partner: &Partner) -> Result<(), StoreError> {
    insert_result(
        diesel::insert_into(partners::table)
            .values(PartnerRow::from(partner))
            .execute(conn),
    )
}

pub fn update(conn: &mut AnyConnection, partner: &Partner) -> Result<(), StoreError> {
    diesel::update(partners::table.find(partner.tenant_id.to_string()))
        .set(PartnerRow::from(partner))
        .execute(conn)?;
    Ok(())
}

/// Serialises the writers of one partner's data across replicas: on PostgreSQL the partner row
/// stays locked until the transaction ends; SQLite's `BEGIN IMMEDIATE` already admits one writer
/// at a time. Call it first in a write transaction, before reading what the decision rests on.
pub fn lock(conn: &mut AnyConnection, id: TenantId) -> Result<(), StoreError> {
    match conn {
        AnyConnection::Postgresql(pg) => {
            diesel::sql_query("SELECT tenant_id FROM partners WHERE tenant_id = $1 FOR UPDATE")
                .bind::<diesel::sql_types::Text, _>(id.to_string())
                .execute(pg)?;
        }
        AnyConnection::Sqlite(_) => {}
    }
    Ok(())
}
