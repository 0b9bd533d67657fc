use diesel::prelude::*;

use super::models::EnrollmentRow;
use super::schema::enrollments;
use super::{AnyConnection, StoreError, insert_result};
use crate::domain::enrollment::{Enrollment, EnrollmentStatus};
use crate::domain::values::TenantId;

/// R8: the partner's latest enrollment (ids are time-ordered).
pub fn latest(
    conn: &mut AnyConnection,
    partner: TenantId,
) -> Result<Option<Enrollment>, StoreError> {
    enrollments::table
        .filter(enrollments::partner_id.eq(partner.to_string()))
        .order((enrollments::submitted_at.desc(), enrollments::id.desc()))
        .select(EnrollmentRow::as_select())
        .first(conn)
        .optional()?
        .map(Enrollment::try_from)
        .transpose()
}

/// `StoreError::Duplicate` when another open enrollment won the race.
pub fn insert(conn: &mut AnyConnection, e: &Enrollment) -> Result<(), StoreError> {
    insert_result(
        diesel::insert_into(enrollments::table)
            .values(EnrollmentRow::from(e))
            .execute(conn),
    )
}

/// Writes `e` only if the stored row is still in `expected`; false when another request moved it.
pub fn update_from(
    conn: &mut AnyConnection,
    e: &Enrollment,
    expected: EnrollmentStatus,
) -> Result<bool, StoreError> {
    let changed = diesel::update(
        enrollments::table
            .filter(enrollments::id.eq(e.id.to_string()))
            .filter(enrollments::status.eq(expected.name())),
    )
    .set(EnrollmentRow::from(e))
    .execute(conn)?;
    Ok(changed == 1)
}
