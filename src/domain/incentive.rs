//! Incentive programs (R26, R27).

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::DomainError;
use super::event::EventType;
use super::notification::Notification;
use super::outcome::{Author, Change, Event, Outcome, Subject};
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

/// What enrolling in an incentive program is decided on, read in the write transaction.
#[derive(Debug, Clone)]
pub struct IncentiveContext {
    pub partner: Partner,
    pub invitations: Vec<IncentiveInvitation>,
    pub enrollments: Vec<IncentiveEnrollment>,
}

/// R26: on approval the partner is invited to the indirect reseller incentive program, at the
/// e-mail of the MPN account associated with the tenant.
fn invitation_on_approval(
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

/// R26: the invitation row, its event, and its e-mail to the MPN account, by whoever approved.
pub fn invite_on_approval(
    partner: &Partner,
    by: Author,
    new_id: &mut impl FnMut() -> Uuid,
    approved_at: DateTime<Utc>,
) -> Result<Outcome<IncentiveInvitation>, DomainError> {
    let invitation = invitation_on_approval(partner, new_id(), approved_at)?;
    let email = Notification::incentive_invitation(partner, &invitation, new_id(), approved_at);
    Ok(Outcome::new(invitation.clone())
        .change(Change::InsertIncentiveInvitation {
            partner: partner.tenant_id,
            invitation: invitation.clone(),
        })
        .event(
            Event::new(
                EventType::IncentiveInvited,
                vec![partner.tenant_id],
                Subject::IncentiveInvitation(invitation),
            )
            .by(by)
            .sending(Some(email)),
        ))
}

/// R26, R27: the two programs are separate enrollments on the same tenant.
pub fn enroll(
    ctx: IncentiveContext,
    program: Program,
    id: Uuid,
    by: String,
    now: DateTime<Utc>,
) -> Result<Outcome<IncentiveEnrollment>, DomainError> {
    match program {
        Program::IndirectReseller => {
            if !ctx.invitations.iter().any(|i| i.program == program) {
                return Err(DomainError::IncentiveNotInvited);
            }
        }
        Program::DirectBill => {
            if !ctx.partner.direct_bill {
                return Err(DomainError::NotEligible(
                    "direct bill incentives need the direct bill program".into(),
                ));
            }
        }
    }
    if ctx.enrollments.iter().any(|e| e.program == program) {
        return Err(DomainError::AlreadyEnrolled(format!(
            "already enrolled in the {} incentive program",
            program.name()
        )));
    }
    let enrollment = IncentiveEnrollment {
        id,
        program,
        enrolled_by: by,
        enrolled_at: now,
    };
    Ok(Outcome::new(enrollment.clone())
        .change(Change::InsertIncentiveEnrollment {
            partner: ctx.partner.tenant_id,
            enrollment: enrollment.clone(),
        })
        .event(Event::new(
            EventType::IncentiveEnrolled,
            vec![ctx.partner.tenant_id],
            Subject::IncentiveEnrollment(enrollment),
        )))
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
        let ctx = IncentiveContext {
            partner: p.clone(),
            invitations: inv.to_vec(),
            enrollments: done.to_vec(),
        };
        enroll(ctx, program, Uuid::from_u128(3), "ia".into(), Utc::now()).map(|o| o.value)
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

    #[test]
    fn r26_invitation_on_approval_is_a_row_an_event_and_an_email() {
        let p = partner();
        let mut n = 0;
        let mut ids = || {
            n += 1;
            Uuid::from_u128(n)
        };
        let by = Author::Service("system:auto-review");
        let out = invite_on_approval(&p, by, &mut ids, Utc::now()).expect("invite");
        assert_eq!(
            out.changes,
            vec![Change::InsertIncentiveInvitation {
                partner: p.tenant_id,
                invitation: out.value.clone(),
            }]
        );
        let [event] = out.events.as_slice() else {
            panic!("events: {:?}", out.events);
        };
        assert_eq!(event.event_type, EventType::IncentiveInvited);
        assert_eq!(event.tenants, vec![p.tenant_id]);
        assert_eq!(event.author, by, "R29: whoever approved");
        let email = event.email.as_ref().expect("R30: the invitation e-mail");
        assert_eq!(email.to.as_str(), "mpn@contoso.com");
        assert_eq!(email.tenant_id, p.tenant_id);
        assert_eq!(
            (out.value.id, email.id),
            (Uuid::from_u128(1), Uuid::from_u128(2))
        );
    }

    #[test]
    fn r27_enrolling_inserts_the_enrollment_and_tells_the_partner() {
        let p = partner();
        let ctx = IncentiveContext {
            partner: p.clone(),
            invitations: Vec::new(),
            enrollments: Vec::new(),
        };
        let out = enroll(
            ctx,
            Program::DirectBill,
            Uuid::from_u128(3),
            "ia".into(),
            Utc::now(),
        )
        .expect("enroll");
        assert_eq!(
            out.changes,
            vec![Change::InsertIncentiveEnrollment {
                partner: p.tenant_id,
                enrollment: out.value.clone(),
            }]
        );
        assert_eq!(
            out.events,
            vec![Event::new(
                EventType::IncentiveEnrolled,
                vec![p.tenant_id],
                Subject::IncentiveEnrollment(out.value.clone()),
            )]
        );
    }
}
