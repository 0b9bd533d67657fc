use diesel::prelude::*;

use super::models::AcceptanceRow;
use super::schema::agreement_acceptances;
use super::{AnyConnection, StoreError, insert_result};
use super::{enrollments, partners};
use crate::domain::agreement::{Acceptance, AcceptanceContext};
use crate::domain::values::TenantId;

/// Locks the partner and reads what accepting the agreement is decided on.
pub fn context(
    conn: &mut AnyConnection,
    partner: TenantId,
) -> Result<AcceptanceContext, StoreError> {
    partners::lock(conn, partner)?;
    Ok(AcceptanceContext {
        partner: partners::registered(conn, partner)?,
        latest_enrollment: enrollments::latest(conn, partner)?,
        existing: find(conn, partner)?,
    })
}

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
