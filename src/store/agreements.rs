use diesel::prelude::*;

use super::models::AcceptanceRow;
use super::schema::agreement_acceptances;
use super::{AnyConnection, StoreError, insert_result};
use crate::domain::agreement::Acceptance;
use crate::domain::values::TenantId;

pub fn find(conn: &mut AnyConnection, partner: TenantId) -> Result<Option<Acceptance>, StoreError> {
    agreement_acceptances::table
        .filter(agreement_acceptances::partner_id.eq(partner.to_string()))
        .select(AcceptanceRow::as_select())
        .first(conn)
        .optional()?
        .map(Acceptance::try_from)
        .transpose()
}

/// `StoreError::Duplicate` when the partner accepted already.
pub fn insert(
    conn: &mut AnyConnection,
    partner: TenantId,
    a: &Acceptance,
) -> Result<(), StoreError> {
    insert_result(
        diesel::insert_into(agreement_acceptances::table)
            .values(AcceptanceRow::new(partner, a))
            .execute(conn),
    )
}
