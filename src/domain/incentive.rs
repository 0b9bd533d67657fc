//! Incentive programs (R26, R27).

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::DomainError;
use super::partner::Partner;
use super::program::Program;
use super::values::Email;

/// R26 (design): the invitation is expected within 30 days of approval.
pub const INVITATION_WITHIN_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncentiveInvitation {
    pub id: Uuid,
    pub program: Program,
    pub sent_to: Email,
    pub issued_at: DateTime<Utc>,
    pub expected_by: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncentiveEnrollment {
    pub id: Uuid,
    pub program: Program,
    pub enrolled_by: String,
    pub enrolled_at: DateTime<Utc>,
}

/// R26: on approval the partner is invited to the indirect reseller incentive program, at the
/// e-mail of the MPN account associated with the tenant.
pub fn invitation_on_approval(
    partner: &Partner,
    id: Uuid,
    approved_at: DateTime<Utc>,
) -> Result<IncentiveInvitation, DomainError> {
    let Some(sent_to) = partner.mpn_account_email.clone() else {
        return Err(DomainError::ProfileIncomplete(vec!["mpn_account_email"]));
    };
    Ok(IncentiveInvitation {
        id,
        program: Program::IndirectReseller,
        sent_to,
        issued_at: approved_at,
        expected_by: approved_at + Duration::days(INVITATION_WITHIN_DAYS),
    })
}

/// R26, R27: the two programs are separate enrollments on the same tenant.
pub fn enroll(
    partner: &Partner,
    program: Program,
    invitations: &[IncentiveInvitation],
    enrollments: &[IncentiveEnrollment],
    id: Uuid,
    by: String,
    now: DateTime<Utc>,
) -> Result<IncentiveEnrollment, DomainError> {
    match program {
        Program::IndirectReseller => {
            if !invitations.iter().any(|i| i.program == program) {
                return Err(DomainError::IncentiveNotInvited);
            }
        }
        Program::DirectBill => {
            if !partner.direct_bill {
                return Err(DomainError::NotEligible(
                    "direct bill incentives need the direct bill program".into(),
                ));
            }
        }
    }
    if enrollments.iter().any(|e| e.program == program) {
        return Err(DomainError::AlreadyEnrolled(format!(
            "already enrolled in the {} incentive program",
            program.name()
        )));
    }
    Ok(IncentiveEnrollment {
        id,
        program,
        enrolled_by: by,
        enrolled_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::partner::tests::partner;

    fn enroll_in(
        p: &Partner,
        program: Program,
        inv: &[IncentiveInvitation],
        done: &[IncentiveEnrollment],
    ) -> Result<IncentiveEnrollment, DomainError> {
        enroll(
            p,
            program,
            inv,
            done,
            Uuid::from_u128(3),
            "ia".into(),
            Utc::now(),
        )
    }

    #[test]
    fn r26_invitation_goes_to_the_mpn_account_within_30_days() {
        let now = Utc::now();
        let inv = invitation_on_approval(&partner(), Uuid::from_u128(1), now).expect("invite");
        assert_eq!(inv.sent_to.as_str(), "mpn@contoso.com");
        assert_eq!(inv.expected_by - inv.issued_at, Duration::days(30));
        assert_eq!(inv.program, Program::IndirectReseller);
    }

    #[test]
    fn r26_indirect_incentives_need_the_invitation() {
        let p = partner();
        assert_eq!(
            enroll_in(&p, Program::IndirectReseller, &[], &[]),
            Err(DomainError::IncentiveNotInvited)
        );
        let inv = invitation_on_approval(&p, Uuid::from_u128(1), Utc::now()).expect("invite");
        let done = enroll_in(
            &p,
            Program::IndirectReseller,
            std::slice::from_ref(&inv),
            &[],
        )
        .expect("enroll");
        assert!(matches!(
            enroll_in(&p, Program::IndirectReseller, &[inv], &[done]),
            Err(DomainError::AlreadyEnrolled(_))
        ));
    }

    #[test]
    fn r27_direct_bill_incentives_are_a_separate_enrollment() {
        let p = partner();
        let inv = invitation_on_approval(&p, Uuid::from_u128(1), Utc::now()).expect("invite");
        let indirect = enroll_in(&p, Program::IndirectReseller, &[inv], &[]).expect("indirect");
        let direct = enroll_in(&p, Program::DirectBill, &[], &[indirect]).expect("direct");
        assert_eq!(direct.program, Program::DirectBill);
        let not_direct = Partner {
            direct_bill: false,
            ..partner()
        };
        assert!(matches!(
            enroll_in(&not_direct, Program::DirectBill, &[], &[]),
            Err(DomainError::NotEligible(_))
        ));
    }
}
