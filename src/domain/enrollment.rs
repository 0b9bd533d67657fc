//! The indirect reseller enrollment and its state machine (R1-R9).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DomainError;
use super::business_days::{APPROVAL_BUSINESS_DAYS, add_business_days};
use super::event::EventType;
use super::incentive;
use super::notification::Notification;
use super::outcome::{Author, Change, Event, Outcome, Subject};
use super::partner::Partner;
use super::values::{Email, TenantId, Text};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollmentStatus {
    PendingApproval,
    Approved,
    Rejected,
    Withdrawn,
}

impl EnrollmentStatus {
    pub const ALL: [EnrollmentStatus; 4] = [
        EnrollmentStatus::PendingApproval,
        EnrollmentStatus::Approved,
        EnrollmentStatus::Rejected,
        EnrollmentStatus::Withdrawn,
    ];

    pub fn name(self) -> &'static str {
        match self {
            EnrollmentStatus::PendingApproval => "pending_approval",
            EnrollmentStatus::Approved => "approved",
            EnrollmentStatus::Rejected => "rejected",
            EnrollmentStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        use EnrollmentStatus::*;
        [PendingApproval, Approved, Rejected, Withdrawn]
            .into_iter()
            .find(|s| s.name() == name)
    }

    /// An open enrollment blocks another submission (`already_enrolled`).
    pub fn is_open(self) -> bool {
        match self {
            EnrollmentStatus::PendingApproval | EnrollmentStatus::Approved => true,
            EnrollmentStatus::Rejected | EnrollmentStatus::Withdrawn => false,
        }
    }
}

/// R6: whether the operator reviews enrollments or they are approved at submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewMode {
    Auto,
    Manual,
}

/// Who decided when the review is automatic.
pub const AUTO_REVIEWER: &str = "system:auto-review";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrollment {
    pub id: Uuid,
    pub partner_id: TenantId,
    pub status: EnrollmentStatus,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    /// R5/R7: where the approval notice goes.
    pub primary_contact_email: Email,
    /// R6: submission + 5 business days.
    pub approval_due_by: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub rejection_reason: Option<String>,
}

/// What the GlobalAdmin submits on the enrollment form (R5).
#[derive(Debug, Clone)]
pub struct Submission {
    pub id: Uuid,
    pub submitted_by: String,
    /// R5: defaults to the profile's primary contact.
    pub primary_contact_email: Option<Email>,
    pub now: DateTime<Utc>,
}

impl Enrollment {
    /// R1-R6: a new enrollment on the partner's existing tenant; under `ReviewMode::Auto` it is
    /// approved at once.
    pub fn submit(
        partner: &Partner,
        latest: Option<&Enrollment>,
        form: Submission,
        review: ReviewMode,
    ) -> Result<Enrollment, DomainError> {
        partner.check_eligible()?;
        if let Some(open) = latest.filter(|e| e.status.is_open()) {
            return Err(DomainError::AlreadyEnrolled(format!(
                "an indirect reseller enrollment is already {}",
                open.status.name()
            )));
        }
        partner.check_profile_complete()?;
        let contact = match form
            .primary_contact_email
            .or_else(|| partner.primary_contact_email.clone())
        {
            Some(contact) => contact,
            None => {
                return Err(DomainError::ProfileIncomplete(vec![
                    "primary_contact_email",
                ]));
            }
        };
        let pending = Enrollment {
            id: form.id,
            partner_id: partner.tenant_id,
            status: EnrollmentStatus::PendingApproval,
            submitted_by: form.submitted_by,
            submitted_at: form.now,
            primary_contact_email: contact,
            approval_due_by: add_business_days(form.now, APPROVAL_BUSINESS_DAYS),
            decided_at: None,
            decided_by: None,
            rejection_reason: None,
        };
        match review {
            ReviewMode::Auto => pending.approve(AUTO_REVIEWER.to_owned(), form.now),
            ReviewMode::Manual => Ok(pending),
        }
    }

    pub fn approve(self, by: String, now: DateTime<Utc>) -> Result<Enrollment, DomainError> {
        self.require_pending("approved")?;
        Ok(Enrollment {
            status: EnrollmentStatus::Approved,
            decided_at: Some(now),
            decided_by: Some(by),
            ..self
        })
    }

    /// R9 (design): a rejected enrollment may be submitted again.
    pub fn reject(
        self,
        by: String,
        reason: Text,
        now: DateTime<Utc>,
    ) -> Result<Enrollment, DomainError> {
        self.require_pending("rejected")?;
        Ok(Enrollment {
            status: EnrollmentStatus::Rejected,
            decided_at: Some(now),
            decided_by: Some(by),
            rejection_reason: Some(reason.as_str().to_owned()),
            ..self
        })
    }

    /// R9: a pending enrollment may be withdrawn; an approved one is irreversible.
    pub fn withdraw(self, by: String, now: DateTime<Utc>) -> Result<Enrollment, DomainError> {
        match self.status {
            EnrollmentStatus::PendingApproval => Ok(Enrollment {
                status: EnrollmentStatus::Withdrawn,
                decided_at: Some(now),
                decided_by: Some(by),
                ..self
            }),
            EnrollmentStatus::Approved => Err(DomainError::Irreversible),
            EnrollmentStatus::Rejected | EnrollmentStatus::Withdrawn => {
                Err(DomainError::InvalidState(format!(
                    "the enrollment is {} and cannot be withdrawn",
                    self.status.name()
                )))
            }
        }
    }

    fn require_pending(&self, to: &str) -> Result<(), DomainError> {
        if self.status == EnrollmentStatus::PendingApproval {
            Ok(())
        } else {
            Err(DomainError::InvalidState(format!(
                "the enrollment is {} and cannot be {to}",
                self.status.name()
            )))
        }
    }
}

/// What submitting the enrollment is decided on, read in the write transaction.
#[derive(Debug, Clone)]
pub struct SubmissionContext {
    /// None when the tenant is not a registered partner.
    pub partner: Option<Partner>,
    pub latest: Option<Enrollment>,
}

/// What the operator's decision on the latest enrollment is decided on.
#[derive(Debug, Clone)]
pub struct DecisionContext {
    pub partner: Partner,
    pub enrollment: Enrollment,
}

/// R1-R6: the GlobalAdmin submits; under auto review the service approves at once (R6).
pub fn submit(
    ctx: SubmissionContext,
    form: Submission,
    review: ReviewMode,
    mut new_id: impl FnMut() -> Uuid,
) -> Result<Outcome<Enrollment>, DomainError> {
    // R2: only a registered direct bill partner can enroll.
    let partner = ctx.partner.ok_or_else(|| {
        DomainError::NotEligible("this tenant is not registered as a direct bill partner".into())
    })?;
    let now = form.now;
    let e = Enrollment::submit(&partner, ctx.latest.as_ref(), form, review)?;
    let submitted = Outcome::new(e.clone())
        .change(Change::InsertEnrollment(e.clone()))
        .event(Event::new(
            EventType::EnrollmentSubmitted,
            vec![partner.tenant_id],
            Subject::Enrollment(e.clone()),
        ));
    match review {
        ReviewMode::Auto => Ok(submitted.then(approval(
            &partner,
            e,
            Author::Service(AUTO_REVIEWER),
            &mut new_id,
            now,
        )?)),
        ReviewMode::Manual => Ok(submitted),
    }
}

/// R9: the GlobalAdmin withdraws a pending enrollment; an approved one stays.
pub fn withdraw(
    e: Enrollment,
    by: String,
    now: DateTime<Utc>,
) -> Result<Outcome<Enrollment>, DomainError> {
    let from = e.status;
    let after = e.withdraw(by, now)?;
    Ok(Outcome::new(after.clone())
        .change(Change::UpdateEnrollment {
            after: after.clone(),
            from,
        })
        .event(Event::new(
            EventType::EnrollmentWithdrawn,
            vec![after.partner_id],
            Subject::Enrollment(after),
        )))
}

/// R6: the operator approves a pending enrollment, with all that approval sets off (R7, R26).
pub fn approve(
    ctx: DecisionContext,
    by: String,
    mut new_id: impl FnMut() -> Uuid,
    now: DateTime<Utc>,
) -> Result<Outcome<Enrollment>, DomainError> {
    let from = ctx.enrollment.status;
    let after = ctx.enrollment.approve(by, now)?;
    let approved = approval(
        &ctx.partner,
        after.clone(),
        Author::Caller,
        &mut new_id,
        now,
    )?;
    Ok(Outcome::new(())
        .change(Change::UpdateEnrollment { after, from })
        .then(approved))
}

/// R9 (design): the operator rejects a pending enrollment with a reason, told to the contact.
pub fn reject(
    ctx: DecisionContext,
    by: String,
    reason: Text,
    notice_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Outcome<Enrollment>, DomainError> {
    let from = ctx.enrollment.status;
    let after = ctx.enrollment.reject(by, reason, now)?;
    let notice = Notification::enrollment_rejected(&ctx.partner, &after, notice_id, now);
    Ok(Outcome::new(after.clone())
        .change(Change::UpdateEnrollment {
            after: after.clone(),
            from,
        })
        .event(
            Event::new(
                EventType::EnrollmentRejected,
                vec![after.partner_id],
                Subject::Enrollment(after),
            )
            .sending(Some(notice)),
        ))
}

/// R7, R26: what an approval sets off, by the operator or by auto review: the notice to the
/// form's contact and the invitation to the indirect reseller incentive program.
fn approval(
    partner: &Partner,
    e: Enrollment,
    by: Author,
    new_id: &mut impl FnMut() -> Uuid,
    now: DateTime<Utc>,
) -> Result<Outcome<Enrollment>, DomainError> {
    let notice = Notification::enrollment_approved(partner, &e, new_id(), now);
    let invited = incentive::invite_on_approval(partner, by, new_id, now)?;
    Ok(Outcome::new(())
        .event(
            Event::new(
                EventType::EnrollmentApproved,
                vec![partner.tenant_id],
                Subject::Enrollment(e.clone()),
            )
            .by(by)
            .sending(Some(notice)),
        )
        .then(invited)
        .map(|_| e))
}

/// What the partner should do next ("Program info", R8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    Enroll,
    AwaitApproval,
    AcceptAgreement,
    FindProvider,
    InviteCustomers,
}

impl NextStep {
    pub const ALL: [NextStep; 5] = [
        NextStep::Enroll,
        NextStep::AwaitApproval,
        NextStep::AcceptAgreement,
        NextStep::FindProvider,
        NextStep::InviteCustomers,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NextStep::Enroll => "enroll",
            NextStep::AwaitApproval => "await_approval",
            NextStep::AcceptAgreement => "accept_agreement",
            NextStep::FindProvider => "find_provider",
            NextStep::InviteCustomers => "invite_customers",
        }
    }
}

pub fn next_step(
    latest: Option<&Enrollment>,
    agreement_accepted: bool,
    active_providers: u64,
) -> NextStep {
    match latest.map(|e| e.status) {
        None | Some(EnrollmentStatus::Rejected) | Some(EnrollmentStatus::Withdrawn) => {
            NextStep::Enroll
        }
        Some(EnrollmentStatus::PendingApproval) => NextStep::AwaitApproval,
        Some(EnrollmentStatus::Approved) if !agreement_accepted => NextStep::AcceptAgreement,
        Some(EnrollmentStatus::Approved) if active_providers == 0 => NextStep::FindProvider,
        Some(EnrollmentStatus::Approved) => NextStep::InviteCustomers,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::notification::NotificationKind;
    use crate::domain::partner::tests::partner;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 15, 0, 0)
            .single()
            .expect("date") // a Friday
    }

    fn form() -> Submission {
        Submission {
            id: Uuid::from_u128(7),
            submitted_by: "alice".into(),
            primary_contact_email: None,
            now: now(),
        }
    }

    fn pending() -> Enrollment {
        Enrollment::submit(&partner(), None, form(), ReviewMode::Manual).expect("submit")
    }

    #[test]
    fn submission_records_the_due_date_and_the_contact() {
        let e = pending();
        assert_eq!(e.status, EnrollmentStatus::PendingApproval);
        assert_eq!(
            e.approval_due_by,
            Utc.with_ymd_and_hms(2026, 12, 4, 15, 0, 0)
                .single()
                .expect("date")
        );
        assert_eq!(e.primary_contact_email.as_str(), "ops@contoso.com");
        assert_eq!(e.partner_id, partner().tenant_id, "R1: same tenant");
        let other = Email::parse("it@contoso.com").expect("email");
        let e = Enrollment::submit(
            &partner(),
            None,
            Submission {
                primary_contact_email: Some(other.clone()),
                ..form()
            },
            ReviewMode::Manual,
        )
        .expect("submit");
        assert_eq!(
            e.primary_contact_email, other,
            "R5: the form's contact wins"
        );
    }

    #[test]
    fn auto_review_approves_at_submission() {
        let e = Enrollment::submit(&partner(), None, form(), ReviewMode::Auto).expect("submit");
        assert_eq!(e.status, EnrollmentStatus::Approved);
        assert_eq!(e.decided_at, Some(now()));
        assert_eq!(e.decided_by.as_deref(), Some(AUTO_REVIEWER));
    }

    #[test]
    fn submission_refusals_come_in_rule_order() {
        let ineligible = Partner {
            offboarding_identified: false,
            mpn_id: None,
            ..partner()
        };
        assert!(matches!(
            Enrollment::submit(&ineligible, None, form(), ReviewMode::Manual),
            Err(DomainError::NotEligible(_))
        ));
        let open = pending();
        let incomplete = Partner {
            mpn_id: None,
            ..partner()
        };
        assert!(matches!(
            Enrollment::submit(&incomplete, Some(&open), form(), ReviewMode::Manual),
            Err(DomainError::AlreadyEnrolled(_))
        ));
        assert_eq!(
            Enrollment::submit(&incomplete, None, form(), ReviewMode::Manual),
            Err(DomainError::ProfileIncomplete(vec!["mpn_id"]))
        );
    }

    #[test]
    fn r9_a_closed_enrollment_can_be_followed_by_a_new_one() {
        let rejected = pending()
            .reject(
                "op".into(),
                Text::parse("MPN mismatch", 500).expect("text"),
                now(),
            )
            .expect("reject");
        assert!(
            Enrollment::submit(&partner(), Some(&rejected), form(), ReviewMode::Manual).is_ok()
        );
        let withdrawn = pending().withdraw("alice".into(), now()).expect("withdraw");
        assert_eq!(withdrawn.status, EnrollmentStatus::Withdrawn);
        assert!(
            Enrollment::submit(&partner(), Some(&withdrawn), form(), ReviewMode::Manual).is_ok()
        );
    }

    #[test]
    fn transitions_from_each_state() {
        use EnrollmentStatus::*;
        let reason = || Text::parse("no", 10).expect("text");
        let in_state = |status| Enrollment {
            status,
            ..pending()
        };
        for status in [PendingApproval, Approved, Rejected, Withdrawn] {
            let approve = in_state(status)
                .approve("op".into(), now())
                .map(|e| e.status);
            let reject = in_state(status)
                .reject("op".into(), reason(), now())
                .map(|e| e.status);
            let withdraw = in_state(status)
                .withdraw("ga".into(), now())
                .map(|e| e.status);
            match status {
                PendingApproval => {
                    assert_eq!(approve, Ok(Approved));
                    assert_eq!(reject, Ok(Rejected));
                    assert_eq!(withdraw, Ok(Withdrawn));
                }
                Approved => {
                    assert!(matches!(approve, Err(DomainError::InvalidState(_))));
                    assert!(matches!(reject, Err(DomainError::InvalidState(_))));
                    assert_eq!(withdraw, Err(DomainError::Irreversible), "R9");
                }
                Rejected | Withdrawn => {
                    assert!(matches!(approve, Err(DomainError::InvalidState(_))));
                    assert!(matches!(reject, Err(DomainError::InvalidState(_))));
                    assert!(matches!(withdraw, Err(DomainError::InvalidState(_))));
                }
            }
        }
    }

    #[test]
    fn next_step_follows_the_journey() {
        let approved = pending().approve("op".into(), now()).expect("approve");
        let cases = [
            (None, false, 0, NextStep::Enroll),
            (Some(pending()), false, 0, NextStep::AwaitApproval),
            (Some(approved.clone()), false, 0, NextStep::AcceptAgreement),
            (Some(approved.clone()), true, 0, NextStep::FindProvider),
            (Some(approved), true, 2, NextStep::InviteCustomers),
            (
                Some(Enrollment {
                    status: EnrollmentStatus::Rejected,
                    ..pending()
                }),
                false,
                0,
                NextStep::Enroll,
            ),
        ];
        for (latest, accepted, providers, want) in cases {
            assert_eq!(next_step(latest.as_ref(), accepted, providers), want);
        }
    }

    /// Ids 101, 102, ... in the order a command asks for them.
    fn ids() -> impl FnMut() -> Uuid {
        let mut n = 100;
        move || {
            n += 1;
            Uuid::from_u128(n)
        }
    }

    fn decision(status: EnrollmentStatus) -> DecisionContext {
        DecisionContext {
            partner: partner(),
            enrollment: Enrollment {
                status,
                ..pending()
            },
        }
    }

    type Told = (
        EventType,
        Vec<TenantId>,
        Author,
        Option<(NotificationKind, String)>,
    );

    /// What each event says, to whom, by whom, and the e-mail it sends.
    fn told(o: &Outcome<Enrollment>) -> Vec<Told> {
        o.events
            .iter()
            .map(|e| {
                let email = e.email.as_ref().map(|n| (n.kind, n.to.as_str().to_owned()));
                (e.event_type, e.tenants.clone(), e.author, email)
            })
            .collect()
    }

    #[test]
    fn commands_decide_their_events_authors_and_emails() {
        use EventType::*;
        let me = vec![partner().tenant_id];
        let service = Author::Service(AUTO_REVIEWER);
        let approved = || {
            (
                NotificationKind::EnrollmentApproved,
                "ops@contoso.com".into(),
            )
        };
        let invited = || {
            (
                NotificationKind::IncentiveInvitation,
                "mpn@contoso.com".into(),
            )
        };
        let submit_in = |review| {
            let ctx = SubmissionContext {
                partner: Some(partner()),
                latest: None,
            };
            submit(ctx, form(), review, ids()).expect("submit")
        };
        let pending = || decision(EnrollmentStatus::PendingApproval);
        let reason = || Text::parse("MPN mismatch", 100).expect("text");
        let cases: Vec<(&str, Outcome<Enrollment>, Vec<Told>)> = vec![
            (
                "R6 manual review: the submission alone",
                submit_in(ReviewMode::Manual),
                vec![(EnrollmentSubmitted, me.clone(), Author::Caller, None)],
            ),
            (
                "R6 auto review: the service approves; R7 notice, R26 invitation",
                submit_in(ReviewMode::Auto),
                vec![
                    (EnrollmentSubmitted, me.clone(), Author::Caller, None),
                    (EnrollmentApproved, me.clone(), service, Some(approved())),
                    (IncentiveInvited, me.clone(), service, Some(invited())),
                ],
            ),
            (
                "R7, R26: the operator approves",
                approve(pending(), "op".into(), ids(), now()).expect("approve"),
                vec![
                    (
                        EnrollmentApproved,
                        me.clone(),
                        Author::Caller,
                        Some(approved()),
                    ),
                    (
                        IncentiveInvited,
                        me.clone(),
                        Author::Caller,
                        Some(invited()),
                    ),
                ],
            ),
            (
                "R9: the operator rejects and the contact is told",
                reject(pending(), "op".into(), reason(), Uuid::from_u128(9), now())
                    .expect("reject"),
                vec![(
                    EnrollmentRejected,
                    me.clone(),
                    Author::Caller,
                    Some((
                        NotificationKind::EnrollmentRejected,
                        "ops@contoso.com".into(),
                    )),
                )],
            ),
            (
                "R9: the GlobalAdmin withdraws a pending enrollment",
                withdraw(pending().enrollment, "ga".into(), now()).expect("withdraw"),
                vec![(EnrollmentWithdrawn, me.clone(), Author::Caller, None)],
            ),
        ];
        for (case, outcome, want) in cases {
            assert_eq!(told(&outcome), want, "{case}");
            for e in &outcome.events {
                if let Subject::Enrollment(shown) = &e.subject {
                    assert_eq!(
                        *shown, outcome.value,
                        "{case}: data is the enrollment answered"
                    );
                }
            }
        }
    }

    #[test]
    fn r6_r26_auto_review_inserts_the_approved_enrollment_and_the_invitation() {
        let ctx = SubmissionContext {
            partner: Some(partner()),
            latest: None,
        };
        let out = submit(ctx, form(), ReviewMode::Auto, ids()).expect("submit");
        assert_eq!(out.value.status, EnrollmentStatus::Approved);
        let [
            Change::InsertEnrollment(e),
            Change::InsertIncentiveInvitation {
                partner: p,
                invitation,
            },
        ] = out.changes.as_slice()
        else {
            panic!("changes: {:?}", out.changes);
        };
        assert_eq!(*e, out.value);
        assert_eq!(*p, partner().tenant_id);
        assert_eq!(invitation.sent_to.as_str(), "mpn@contoso.com", "R26");
        // Ids in the order they were always drawn: notice, invitation, its e-mail.
        assert_eq!(
            out.events[1].email.as_ref().map(|n| n.id),
            Some(Uuid::from_u128(101))
        );
        assert_eq!(invitation.id, Uuid::from_u128(102));
        assert_eq!(
            out.events[2].email.as_ref().map(|n| n.id),
            Some(Uuid::from_u128(103))
        );
    }

    #[test]
    fn r2_an_unregistered_tenant_is_not_eligible() {
        let ctx = SubmissionContext {
            partner: None,
            latest: None,
        };
        assert!(matches!(
            submit(ctx, form(), ReviewMode::Auto, ids()),
            Err(DomainError::NotEligible(_))
        ));
    }

    #[test]
    fn decisions_update_only_from_the_status_they_read() {
        use EnrollmentStatus::*;
        let out = approve(decision(PendingApproval), "op".into(), ids(), now()).expect("approve");
        assert!(matches!(
            out.changes.as_slice(),
            [
                Change::UpdateEnrollment {
                    from: PendingApproval,
                    ..
                },
                Change::InsertIncentiveInvitation { .. }
            ]
        ));
        let reason = Text::parse("no", 10).expect("text");
        let out = reject(
            decision(PendingApproval),
            "op".into(),
            reason,
            Uuid::from_u128(9),
            now(),
        )
        .expect("reject");
        assert_eq!(
            out.changes,
            vec![Change::UpdateEnrollment {
                after: out.value.clone(),
                from: PendingApproval
            }]
        );
        assert_eq!(out.value.status, Rejected);
        assert!(matches!(
            approve(decision(Approved), "op".into(), ids(), now()),
            Err(DomainError::InvalidState(_))
        ));
        assert_eq!(
            withdraw(decision(Approved).enrollment, "ga".into(), now()),
            Err(DomainError::Irreversible),
            "R9"
        );
    }

    #[test]
    fn r26_approval_needs_the_mpn_account_email() {
        let ctx = DecisionContext {
            partner: Partner {
                mpn_account_email: None,
                ..partner()
            },
            ..decision(EnrollmentStatus::PendingApproval)
        };
        assert_eq!(
            approve(ctx, "op".into(), ids(), now()),
            Err(DomainError::ProfileIncomplete(vec!["mpn_account_email"]))
        );
    }
}
