use diesel::prelude::*;

use super::models::{IncentiveEnrollmentRow, IncentiveInvitationRow};
use super::schema::{incentive_enrollments, incentive_invitations};
use super::{AnyConnection, StoreError, insert_result, partners};
use crate::domain::incentive::{IncentiveContext, IncentiveEnrollment, IncentiveInvitation};
use crate::domain::values::TenantId;

/// Locks the partner and reads what enrolling in an incentive program is decided on.
pub fn context(
    conn: &mut AnyConnection,
    partner: TenantId,
) -> Result<IncentiveContext, StoreError> {
    partners::lock(conn, partner)?;
    Ok(IncentiveContext {
        partner: partners::registered(conn, partner)?,
        invitations: invitations(conn, partner)?,
        enrollments: enrollments(conn, partner)?,
    })
}

pub fn invitations(
    conn: &mut AnyConnection,
    partner: TenantId,
) -> Result<Vec<IncentiveInvitation>, StoreError> {
    incentive_invitations::table
        .filter(incentive_invitations::partner_id.eq(partner.to_string()))
        .order(incentive_invitations::id.asc())
        .select(IncentiveInvitationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(IncentiveInvitation::try_from)
        .collect()
}

pub fn enrollments(
    conn: &mut AnyConnection,
    partner: TenantId,
) -> Result<Vec<IncentiveEnrollment>, StoreError> {
    incentive_enrollments::table
        .filter(incentive_enrollments::partner_id.eq(partner.to_string()))
        .order(incentive_enrollments::id.asc())
        .select(IncentiveEnrollmentRow::as_select())
        .load(conn)?
        .into_iter()
        .map(IncentiveEnrollment::try_from)
        .collect()
}

pub fn insert_invitation(
    conn: &mut AnyConnection,
    partner: TenantId,
    i: &IncentiveInvitation,
) -> Result<(), StoreError> {
    insert_result(
        diesel::insert_into(incentive_invitations::table)
            .values(IncentiveInvitationRow::new(partner, i))
            .execute(conn),
    )
}

/// `StoreError::Duplicate` when the partner is enrolled in that program already.
pub fn insert_enrollment(
    conn: &mut AnyConnection,
    partner: TenantId,
    e: &IncentiveEnrollment,
) -> Result<(), StoreError> {
    insert_result(
        diesel::insert_into(incentive_enrollments::table)
            .values(IncentiveEnrollmentRow::new(partner, e))
            .execute(conn),
    )
}
