//! R39: the whole state of a partner's transition in one answer: the next step, the enrollment,
//! providers, customers by relationship, the ones being moved, the blocked ones with their
//! reason, and the open deadlines in date order. Decided over counts and the soonest dates,
//! which the store reads in a bounded number of queries whatever the number of customers.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DomainError;
use super::admin_relationship::AdminRelationship;
use super::capability::Relationship;
use super::customer::{Customer, CustomerRelationship};
use super::enrollment::{Enrollment, EnrollmentStatus, NextStep, next_step};
use super::event::SubjectKind;
use super::incentive::{IncentiveEnrollment, IncentiveInvitation};
use super::invitation::CustomerInvitationStatus;
use super::transition_plan::{BlockedReason, cannot_move};
use super::values::{CompanyName, TenantId};

/// The overview shows this many deadlines at most, the soonest: a partner that invited 10,000
/// customers at once has 10,000 open invitations.
pub const DEADLINES_MAX: usize = 100;

/// What an open date of the transition is (R39). Deadlines on the same instant come in this
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeadlineKind {
    /// R6: a pending enrollment's `approval_due_by`.
    ApprovalDue,
    /// R26: the indirect reseller incentive invitation's `expected_by`, until the partner
    /// enrolls in that program.
    IncentiveInvitationExpected,
    /// R17: an open customer invitation's link stops working.
    InvitationExpires,
    /// R31: an active or expiring admin relationship ends (with `auto_extend`, its current term).
    AdminRelationshipEnds,
}

impl DeadlineKind {
    pub const ALL: [DeadlineKind; 4] = [
        DeadlineKind::ApprovalDue,
        DeadlineKind::IncentiveInvitationExpected,
        DeadlineKind::InvitationExpires,
        DeadlineKind::AdminRelationshipEnds,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DeadlineKind::ApprovalDue => "approval_due",
            DeadlineKind::IncentiveInvitationExpected => "incentive_invitation_expected",
            DeadlineKind::InvitationExpires => "invitation_expires",
            DeadlineKind::AdminRelationshipEnds => "admin_relationship_ends",
        }
    }

    pub fn from_name(name: &str) -> Option<DeadlineKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// What the deadline is about, named as events name their subjects (R34).
    pub fn subject_kind(self) -> SubjectKind {
        match self {
            DeadlineKind::ApprovalDue => SubjectKind::Enrollment,
            DeadlineKind::IncentiveInvitationExpected => SubjectKind::Incentive,
            DeadlineKind::InvitationExpires => SubjectKind::CustomerInvitation,
            DeadlineKind::AdminRelationshipEnds => SubjectKind::AdminRelationship,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub at: DateTime<Utc>,
    /// The id of what `kind.subject_kind()` names.
    pub subject_id: Uuid,
}

/// How many of the partner's customer invitations are stored with `status`, on one side of
/// their `expires_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvitationTally {
    pub status: CustomerInvitationStatus,
    pub past_expiry: bool,
    pub count: u64,
}

/// When one open customer invitation stops working: its plain columns, nothing sealed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvitationDate {
    pub id: Uuid,
    pub status: CustomerInvitationStatus,
    pub expires_at: DateTime<Utc>,
}

/// What the overview is decided on.
#[derive(Debug, Clone)]
pub struct OverviewContext {
    pub latest_enrollment: Option<Enrollment>,
    pub agreement_accepted: bool,
    pub active_providers: u64,
    /// How many customers the partner has under each relationship.
    pub customers: Vec<(Relationship, u64)>,
    /// The direct bill customers that may be unable to move (R22: those buying through Store
    /// for Business), in customer id order.
    pub blocking: Vec<(Customer, CustomerRelationship)>,
    /// Direct bill customers with an open move invitation from the partner (R21).
    pub moving: u64,
    /// Every customer invitation of the partner, counted by stored status and expiry.
    pub invitations: Vec<InvitationTally>,
    /// The open invitations that expire soonest, at least the `DEADLINES_MAX` first.
    pub invitation_dates: Vec<InvitationDate>,
    pub incentive_invitations: Vec<IncentiveInvitation>,
    pub incentive_enrollments: Vec<IncentiveEnrollment>,
    /// The admin relationships that may end soonest, at least the `DEADLINES_MAX` first of those
    /// that grant roles now.
    pub admin_relationships: Vec<AdminRelationship>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnrollmentState {
    pub status: EnrollmentStatus,
    pub approval_due_by: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedCustomer {
    pub customer_id: TenantId,
    pub company_name: CompanyName,
    pub reason: BlockedReason,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerCounts {
    pub direct_bill: u64,
    pub indirect_reseller: u64,
    pub moving: u64,
    pub blocked: Vec<BlockedCustomer>,
}

/// The partner's customer invitations by the status a client sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InvitationCounts {
    pub draft: u64,
    pub sent: u64,
    pub expired: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub next_step: NextStep,
    pub enrollment: Option<EnrollmentState>,
    pub agreement_accepted: bool,
    pub active_providers: u64,
    pub customers: CustomerCounts,
    pub invitations: InvitationCounts,
    /// The open dates, by `at` then kind, at most `DEADLINES_MAX`.
    pub deadlines: Vec<Deadline>,
}

/// R39: the partner's transition as of `now`.
pub fn overview(ctx: OverviewContext, now: DateTime<Utc>) -> Result<Overview, DomainError> {
    let latest = ctx.latest_enrollment.as_ref();
    Ok(Overview {
        next_step: next_step(latest, ctx.agreement_accepted, ctx.active_providers),
        enrollment: latest.map(|e| EnrollmentState {
            status: e.status,
            approval_due_by: e.approval_due_by,
        }),
        agreement_accepted: ctx.agreement_accepted,
        active_providers: ctx.active_providers,
        customers: customers(&ctx)?,
        invitations: invitations(&ctx.invitations),
        deadlines: deadlines(&ctx, now),
    })
}

fn customers(ctx: &OverviewContext) -> Result<CustomerCounts, DomainError> {
    let mut counts = CustomerCounts {
        moving: ctx.moving,
        ..CustomerCounts::default()
    };
    for (relationship, n) in &ctx.customers {
        match relationship {
            Relationship::DirectBill => counts.direct_bill += n,
            Relationship::IndirectReseller => counts.indirect_reseller += n,
        }
    }
    // R22 through the plan's rule (R36): only a direct bill customer can be blocked from moving.
    for (c, r) in &ctx.blocking {
        if r.relationship != Relationship::DirectBill {
            continue;
        }
        if let Some(reason) = cannot_move(c, r)? {
            counts.blocked.push(BlockedCustomer {
                customer_id: c.tenant_id,
                company_name: c.company_name.clone(),
                reason,
            });
        }
    }
    counts.blocked.sort_by_key(|b| b.customer_id);
    Ok(counts)
}

/// R17: counted by the status a client sees (`CustomerInvitationStatus::seen`).
fn invitations(tallies: &[InvitationTally]) -> InvitationCounts {
    let mut counts = InvitationCounts::default();
    for t in tallies {
        match t.status.seen(t.past_expiry) {
            CustomerInvitationStatus::Draft => counts.draft += t.count,
            CustomerInvitationStatus::Sent => counts.sent += t.count,
            CustomerInvitationStatus::Expired => counts.expired += t.count,
            CustomerInvitationStatus::Accepted | CustomerInvitationStatus::Revoked => {}
        }
    }
    counts
}

/// R39: every date still ahead of `now`, soonest first, at most `DEADLINES_MAX`.
fn deadlines(ctx: &OverviewContext, now: DateTime<Utc>) -> Vec<Deadline> {
    let deadline = |kind, at, subject_id| Deadline {
        kind,
        at,
        subject_id,
    };
    // R6: approval may take up to five business days.
    let approval = ctx
        .latest_enrollment
        .iter()
        .filter(|e| e.status == EnrollmentStatus::PendingApproval)
        .map(|e| deadline(DeadlineKind::ApprovalDue, e.approval_due_by, e.id));
    // R26: awaited until the partner enrolls in the program it invites to.
    let incentive = ctx
        .incentive_invitations
        .iter()
        .filter(|i| {
            !ctx.incentive_enrollments
                .iter()
                .any(|e| e.program == i.program)
        })
        .map(|i| {
            deadline(
                DeadlineKind::IncentiveInvitationExpected,
                i.expected_by,
                i.id,
            )
        });
    // R17: a link works while draft or sent, until `expires_at`.
    let invitations = ctx
        .invitation_dates
        .iter()
        .filter(|i| i.status.seen(now >= i.expires_at).is_open())
        .map(|i| deadline(DeadlineKind::InvitationExpires, i.expires_at, i.id));
    // R31: the clock decides status and end, auto-extension included.
    let admin = ctx
        .admin_relationships
        .iter()
        .filter(|r| r.status(now).grants())
        .filter_map(|r| {
            r.ends_at(now)
                .map(|end| deadline(DeadlineKind::AdminRelationshipEnds, end, r.id))
        });
    let mut all: Vec<Deadline> = approval
        .chain(incentive)
        .chain(invitations)
        .chain(admin)
        .filter(|d| d.at > now)
        .collect();
    all.sort_by_key(|d| (d.at, d.kind, d.subject_id));
    all.truncate(DEADLINES_MAX);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::admin_relationship::{AdminDuration, AdminRequest, AdminRole};
    use crate::domain::customer::Domain;
    use crate::domain::enrollment::{ReviewMode, Submission};
    use crate::domain::partner::tests::partner;
    use crate::domain::program::Program;
    use crate::domain::values::Email;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, 15, 0, 0)
            .single()
            .expect("date")
    }

    fn day(n: i64) -> Duration {
        Duration::days(n)
    }

    fn t(n: u128) -> TenantId {
        TenantId::from_uuid(Uuid::from_u128(n))
    }

    fn enrollment(status: EnrollmentStatus, submitted: DateTime<Utc>) -> Enrollment {
        let form = Submission {
            id: Uuid::from_u128(70),
            submitted_by: "alice".into(),
            primary_contact_email: None,
            now: submitted,
        };
        let pending =
            Enrollment::submit(&partner(), None, form, ReviewMode::Manual).expect("submit");
        Enrollment { status, ..pending }
    }

    fn empty() -> OverviewContext {
        OverviewContext {
            latest_enrollment: None,
            agreement_accepted: false,
            active_providers: 0,
            customers: vec![],
            blocking: vec![],
            moving: 0,
            invitations: vec![],
            invitation_dates: vec![],
            incentive_invitations: vec![],
            incentive_enrollments: vec![],
            admin_relationships: vec![],
        }
    }

    fn customer(n: u128, sfb: bool, kind: Relationship) -> (Customer, CustomerRelationship) {
        (
            Customer {
                tenant_id: t(n),
                company_name: CompanyName::parse(&format!("Customer {n}")).expect("name"),
                domain: Domain::parse("c.onmicrosoft.com").expect("domain"),
                store_for_business: sfb,
                created_at: now(),
            },
            CustomerRelationship {
                customer_id: t(n),
                partner_id: partner().tenant_id,
                relationship: kind,
                provider_id: None,
                since: now(),
            },
        )
    }

    fn incentive(n: u128, expected_by: DateTime<Utc>) -> IncentiveInvitation {
        IncentiveInvitation {
            id: Uuid::from_u128(n),
            program: Program::IndirectReseller,
            sent_to: Email::parse("mpn@contoso.com").expect("email"),
            issued_at: expected_by - day(30),
            expected_by,
        }
    }

    fn admin(n: u128, days: i64, auto_extend: bool, granted: DateTime<Utc>) -> AdminRelationship {
        let request = AdminRequest {
            roles: vec![AdminRole::UserAdministrator],
            duration: AdminDuration::from_days(days).expect("days"),
            auto_extend,
        };
        AdminRelationship::granted(
            Uuid::from_u128(n),
            partner().tenant_id,
            t(n),
            request,
            granted,
        )
        .expect("granted")
    }

    fn invitation_date(
        n: u128,
        status: CustomerInvitationStatus,
        at: DateTime<Utc>,
    ) -> InvitationDate {
        InvitationDate {
            id: Uuid::from_u128(n),
            status,
            expires_at: at,
        }
    }

    #[test]
    fn r39_r8_the_next_step_and_the_enrollment_follow_the_latest_enrollment() {
        use EnrollmentStatus::*;
        type Case = (Option<EnrollmentStatus>, bool, u64, NextStep);
        let cases: [Case; 7] = [
            (None, false, 0, NextStep::Enroll),
            (Some(PendingApproval), false, 0, NextStep::AwaitApproval),
            (Some(Rejected), false, 0, NextStep::Enroll),
            (Some(Withdrawn), false, 0, NextStep::Enroll),
            (Some(Approved), false, 0, NextStep::AcceptAgreement),
            (Some(Approved), true, 0, NextStep::FindProvider),
            (Some(Approved), true, 2, NextStep::InviteCustomers),
        ];
        for (status, accepted, providers, step) in cases {
            let e = status.map(|s| enrollment(s, now()));
            let ctx = OverviewContext {
                latest_enrollment: e.clone(),
                agreement_accepted: accepted,
                active_providers: providers,
                ..empty()
            };
            let o = overview(ctx, now()).expect("overview");
            assert_eq!(o.next_step, step, "{status:?}");
            assert_eq!(
                o.enrollment,
                e.map(|e| EnrollmentState {
                    status: e.status,
                    approval_due_by: e.approval_due_by
                })
            );
            assert_eq!(
                (o.agreement_accepted, o.active_providers),
                (accepted, providers)
            );
        }
    }

    #[test]
    fn r39_r22_customers_by_relationship_and_the_blocked_ones_with_their_reason() {
        use Relationship::{DirectBill, IndirectReseller};
        let ctx = OverviewContext {
            customers: vec![(DirectBill, 7), (IndirectReseller, 3)],
            moving: 2,
            // Store for Business customers, out of order; an indirect one is not the overview's.
            blocking: vec![
                customer(9, true, DirectBill),
                customer(4, true, DirectBill),
                customer(5, false, DirectBill),
                customer(6, true, IndirectReseller),
            ],
            ..empty()
        };
        let c = overview(ctx, now()).expect("overview").customers;
        assert_eq!((c.direct_bill, c.indirect_reseller, c.moving), (7, 3, 2));
        let blocked: Vec<(TenantId, BlockedReason)> = c
            .blocked
            .iter()
            .map(|b| (b.customer_id, b.reason))
            .collect();
        let sfb = BlockedReason::StoreForBusinessUnsupported;
        assert_eq!(blocked, vec![(t(4), sfb), (t(9), sfb)]);
        assert_eq!(c.blocked[0].company_name.as_str(), "Customer 4");
    }

    #[test]
    fn r39_r17_invitations_count_by_the_status_a_client_sees() {
        use CustomerInvitationStatus::*;
        let tally = |status, past_expiry, count| InvitationTally {
            status,
            past_expiry,
            count,
        };
        type Case = (Vec<InvitationTally>, InvitationCounts);
        let counts = |draft, sent, expired| InvitationCounts {
            draft,
            sent,
            expired,
        };
        let cases: Vec<Case> = vec![
            (vec![], counts(0, 0, 0)),
            (
                vec![tally(Draft, false, 2), tally(Sent, false, 3)],
                counts(2, 3, 0),
            ),
            // Open ones past `expires_at` read as expired; closed ones keep their status.
            (
                vec![
                    tally(Draft, true, 1),
                    tally(Sent, true, 4),
                    tally(Expired, false, 5),
                    tally(Expired, true, 6),
                    tally(Accepted, true, 7),
                    tally(Revoked, false, 8),
                ],
                counts(0, 0, 16),
            ),
        ];
        for (tallies, want) in cases {
            let ctx = OverviewContext {
                invitations: tallies.clone(),
                ..empty()
            };
            assert_eq!(
                overview(ctx, now()).expect("overview").invitations,
                want,
                "{tallies:?}"
            );
        }
    }

    #[test]
    fn r39_r6_r26_r17_r31_open_deadlines_come_by_date_then_kind() {
        use CustomerInvitationStatus::{Accepted, Draft, Sent};
        use DeadlineKind::*;
        let n = now();
        let pending = enrollment(EnrollmentStatus::PendingApproval, n - day(1));
        let due = pending.approval_due_by;
        let mut terminated = admin(33, 90, false, n - day(1));
        terminated.stored = crate::domain::admin_relationship::AdminStatus::Terminated;
        let ctx = OverviewContext {
            latest_enrollment: Some(pending.clone()),
            incentive_invitations: vec![incentive(20, n + day(10)), incentive(21, n - day(1))],
            invitation_dates: vec![
                invitation_date(10, Draft, n + day(3)),
                invitation_date(11, Sent, due),
                // The clock decides: at `expires_at` the link stops working.
                invitation_date(12, Sent, n),
                invitation_date(13, Accepted, n + day(5)),
            ],
            admin_relationships: vec![
                // R31: 30 days from yesterday; expiring ones count too.
                admin(30, 30, false, n - day(1)),
                // Ended already.
                admin(31, 1, false, n - day(2)),
                // Auto-extended past its first end: the current term's end.
                admin(32, 10, true, n - day(15)),
                terminated,
            ],
            ..empty()
        };
        let got: Vec<(DeadlineKind, DateTime<Utc>, SubjectKind, u128)> = overview(ctx, n)
            .expect("overview")
            .deadlines
            .iter()
            .map(|d| (d.kind, d.at, d.kind.subject_kind(), d.subject_id.as_u128()))
            .collect();
        let want = vec![
            (
                InvitationExpires,
                n + day(3),
                SubjectKind::CustomerInvitation,
                10,
            ),
            // Same instant: by kind.
            (ApprovalDue, due, SubjectKind::Enrollment, 70),
            (InvitationExpires, due, SubjectKind::CustomerInvitation, 11),
            (
                IncentiveInvitationExpected,
                n + day(10),
                SubjectKind::Incentive,
                20,
            ),
            (
                AdminRelationshipEnds,
                n + day(29),
                SubjectKind::AdminRelationship,
                30,
            ),
            (
                AdminRelationshipEnds,
                n + day(175),
                SubjectKind::AdminRelationship,
                32,
            ),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn r39_r26_r6_deadlines_close_with_what_they_wait_for() {
        let n = now();
        let inv = incentive(20, n + day(10));
        let enrolled = IncentiveEnrollment {
            id: Uuid::from_u128(22),
            program: Program::IndirectReseller,
            enrolled_by: "ia".into(),
            enrolled_at: n,
        };
        let direct_only = IncentiveEnrollment {
            program: Program::DirectBill,
            ..enrolled.clone()
        };
        type Case = (OverviewContext, Vec<DeadlineKind>);
        let cases: Vec<Case> = vec![
            // R26: enrolling in the indirect reseller program closes its invitation's date; the
            // direct bill program is another enrollment (R27).
            (
                OverviewContext {
                    incentive_invitations: vec![inv.clone()],
                    incentive_enrollments: vec![direct_only],
                    ..empty()
                },
                vec![DeadlineKind::IncentiveInvitationExpected],
            ),
            (
                OverviewContext {
                    incentive_invitations: vec![inv],
                    incentive_enrollments: vec![enrolled],
                    ..empty()
                },
                vec![],
            ),
            // R6: only a pending enrollment awaits approval, and only until its due date.
            (
                OverviewContext {
                    latest_enrollment: Some(enrollment(EnrollmentStatus::Approved, n)),
                    ..empty()
                },
                vec![],
            ),
            (
                OverviewContext {
                    latest_enrollment: Some(enrollment(
                        EnrollmentStatus::PendingApproval,
                        n - day(10),
                    )),
                    ..empty()
                },
                vec![],
            ),
            (
                OverviewContext {
                    latest_enrollment: Some(enrollment(EnrollmentStatus::PendingApproval, n)),
                    ..empty()
                },
                vec![DeadlineKind::ApprovalDue],
            ),
        ];
        for (ctx, want) in cases {
            let got: Vec<DeadlineKind> = overview(ctx, n)
                .expect("overview")
                .deadlines
                .iter()
                .map(|d| d.kind)
                .collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn r39_at_most_the_100_soonest_deadlines() {
        let n = now();
        let dates: Vec<InvitationDate> = (0..150)
            .rev()
            .map(|i| {
                invitation_date(
                    i,
                    CustomerInvitationStatus::Sent,
                    n + Duration::minutes(i as i64 + 1),
                )
            })
            .collect();
        let ctx = OverviewContext {
            invitation_dates: dates,
            ..empty()
        };
        let got = overview(ctx, n).expect("overview").deadlines;
        assert_eq!(got.len(), DEADLINES_MAX);
        assert_eq!(got.first().map(|d| d.subject_id.as_u128()), Some(0));
        assert_eq!(got.last().map(|d| d.subject_id.as_u128()), Some(99));
    }

    #[test]
    fn deadline_kinds_round_trip_and_name_event_subject_kinds() {
        for k in DeadlineKind::ALL {
            assert_eq!(DeadlineKind::from_name(k.name()), Some(k));
        }
        let subjects = DeadlineKind::ALL.map(|k| k.subject_kind().name());
        assert_eq!(
            subjects,
            [
                "enrollment",
                "incentive",
                "customer_invitation",
                "admin_relationship"
            ]
        );
    }
}
