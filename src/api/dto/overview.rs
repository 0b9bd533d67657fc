//! The transition overview (R39).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::enrollment::{EnrollmentStatus, NextStep};
use crate::domain::event::SubjectKind;
use crate::domain::overview::{DeadlineKind, Overview};
use crate::domain::transition_plan::BlockedReason;

/// The latest enrollment's state (R8), the whole Enrollment being one call away.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewEnrollment {
    pub status: EnrollmentStatus,
    /// R6: submission + 5 business days.
    pub approval_due_by: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewProviders {
    /// The partner's indirect providers (R15).
    pub active: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewBlockedCustomer {
    #[schema(format = "uuid")]
    pub customer_id: String,
    pub company_name: String,
    /// In practice `store_for_business_unsupported` (R22).
    pub reason: BlockedReason,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewCustomers {
    pub direct_bill: u64,
    pub indirect_reseller: u64,
    /// Direct bill customers with an open move invitation from the partner (R21).
    pub moving: u64,
    /// Direct bill customers that cannot be moved, with the reason, in customer id order.
    pub blocked: Vec<OverviewBlockedCustomer>,
}

/// The partner's customer invitations by the status a client sees: open ones past
/// `expires_at` count as expired.
#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewInvitations {
    pub draft: u64,
    pub sent: u64,
    pub expired: u64,
}

/// What a deadline is about, named as event subjects are.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineSubject {
    pub kind: SubjectKind,
    #[schema(format = "uuid")]
    pub id: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Deadline {
    pub kind: DeadlineKind,
    pub at: DateTime<Utc>,
    pub subject: DeadlineSubject,
}

/// The partner's whole transition in one answer (R39).
#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionOverview {
    pub next_step: NextStep,
    /// The latest enrollment, or null before the first.
    pub enrollment: Option<OverviewEnrollment>,
    pub agreement_accepted: bool,
    pub providers: OverviewProviders,
    pub customers: OverviewCustomers,
    pub invitations: OverviewInvitations,
    /// The open dates (after now), sorted by `at`, then by kind in the order `approval_due`,
    /// `incentive_invitation_expected`, `invitation_expires`, `admin_relationship_ends`. At
    /// most the 100 soonest: a partner that invited thousands of customers has as many
    /// invitations expiring (all of them: `GET /v1/partners/{partner_id}/customer-invitations`).
    #[schema(max_items = 100)]
    pub deadlines: Vec<Deadline>,
}

impl From<&Overview> for TransitionOverview {
    fn from(o: &Overview) -> TransitionOverview {
        TransitionOverview {
            next_step: o.next_step,
            enrollment: o.enrollment.map(|e| OverviewEnrollment {
                status: e.status,
                approval_due_by: e.approval_due_by,
            }),
            agreement_accepted: o.agreement_accepted,
            providers: OverviewProviders {
                active: o.active_providers,
            },
            customers: OverviewCustomers {
                direct_bill: o.customers.direct_bill,
                indirect_reseller: o.customers.indirect_reseller,
                moving: o.customers.moving,
                blocked: o
                    .customers
                    .blocked
                    .iter()
                    .map(|b| OverviewBlockedCustomer {
                        customer_id: b.customer_id.to_string(),
                        company_name: b.company_name.as_str().to_owned(),
                        reason: b.reason,
                    })
                    .collect(),
            },
            invitations: OverviewInvitations {
                draft: o.invitations.draft,
                sent: o.invitations.sent,
                expired: o.invitations.expired,
            },
            deadlines: o
                .deadlines
                .iter()
                .map(|d| Deadline {
                    kind: d.kind,
                    at: d.at,
                    subject: DeadlineSubject {
                        kind: d.kind.subject_kind(),
                        id: d.subject_id.to_string(),
                    },
                })
                .collect(),
        }
    }
}
