use diesel::prelude::*;

use super::models::EnrollmentRow;
use super::partners;
use super::schema::enrollments;
use super::{AnyConnection, StoreError, insert_result};
use crate::domain::DomainError;
use crate::domain::enrollment::{DecisionContext, Enrollment, EnrollmentStatus, SubmissionContext};
use crate::domain::values::TenantId;

/// Locks the partner and reads what submitting the enrollment is decided on.
pub fn submission_context(
    conn: &mut AnyConnection,
    partner: TenantId,
) -> Result<SubmissionContext, StoreError> {
    partners::lock(conn, partner)?;
    Ok(SubmissionContext {
        partner: partners::find(conn, partner)?,
        latest: latest(conn, partner)?,
    })
}

/// Locks the partner and reads what the operator's decision is decided on.
pub fn decision_context(
    conn: &mut AnyConnection,
    partner: TenantId,
) -> Result<DecisionContext, StoreError> {
    partners::lock(conn, partner)?;
    Ok(DecisionContext {
        partner: partners::registered(conn, partner)?,
        enrollment: current(conn, partner)?,
    })
}

/// Locks the partner and reads the enrollment it may withdraw.
pub fn withdrawal_context(
    conn: &mut AnyConnection,
    partner: TenantId,
) -> Result<Enrollment, StoreError> {
    partners::lock(conn, partner)?;
    current(conn, partner)
}

/// R8: the partner's latest enrollment, or `NotFound`.
pub fn current(conn: &mut AnyConnection, partner: TenantId) -> Result<Enrollment, StoreError> {
    latest(conn, partner)?.ok_or_else(|| {
        StoreError::Refused(DomainError::NotFound(
            "this partner has no indirect reseller enrollment".into(),
        ))
    })
}

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
