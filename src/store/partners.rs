use diesel::prelude::*;

use super::models::PartnerRow;
use super::schema::partners;
use super::{AnyConnection, StoreError, insert_result};
use crate::domain::partner::Partner;
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
