//! "Decide, then apply" (R29, R30, R34): a command is one domain function over a loaded context
//! that returns its whole outcome: the rows to write, the typed events they cause (one copy per
//! tenant concerned) and the e-mails those events send. One store call applies it.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::admin_relationship::{AdminRelationship, AdminStatus};
use super::agreement::Acceptance;
use super::customer::{Customer, CustomerRelationship, PartnerCustomer};
use super::enrollment::{Enrollment, EnrollmentStatus};
use super::event::EventType;
use super::incentive::{IncentiveEnrollment, IncentiveInvitation};
use super::invitation::{CustomerInvitation, CustomerInvitationStatus, PartnershipInvitation};
use super::notification::Notification;
use super::operation::{ItemResult, Operation, OperationStatus};
use super::partner::Partner;
use super::provider::{Provider, ProviderRelationship};
use super::transition_plan::{PlanStatus, TransitionPlan};
use super::values::TenantId;
use super::webhook::WebhookEndpoint;

/// One row to write. Updates name the status they expect to find, so that of two concurrent
/// requests only one applies (STYLE.md "A constraint backs every race").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    InsertPartner(Partner),
    UpdatePartner(Partner),
    InsertProvider(Provider),
    InsertEnrollment(Enrollment),
    UpdateEnrollment {
        after: Enrollment,
        from: EnrollmentStatus,
    },
    InsertAcceptance {
        partner: TenantId,
        acceptance: Acceptance,
    },
    InsertIncentiveInvitation {
        partner: TenantId,
        invitation: IncentiveInvitation,
    },
    InsertIncentiveEnrollment {
        partner: TenantId,
        enrollment: IncentiveEnrollment,
    },
    InsertPartnershipInvitation(PartnershipInvitation),
    /// Only while the stored invitation is still pending.
    UpdatePartnershipInvitation(PartnershipInvitation),
    InsertProviderRelationship(ProviderRelationship),
    InsertCustomer(Customer),
    /// Creates the partner's relationship to the customer, or replaces it (R21).
    PutCustomerRelationship(CustomerRelationship),
    /// The provider's side of an indirect customer (R16); linking twice is a no-op.
    LinkProviderCustomer {
        provider: TenantId,
        customer: TenantId,
        at: DateTime<Utc>,
    },
    InsertCustomerInvitation(CustomerInvitation),
    UpdateCustomerInvitation {
        after: CustomerInvitation,
        from: CustomerInvitationStatus,
    },
    InsertAdminRelationship(AdminRelationship),
    /// R36: a plan with its items.
    InsertTransitionPlan(TransitionPlan),
    /// R38: only while the stored plan is still `from`.
    UpdateTransitionPlanStatus {
        plan: Uuid,
        from: PlanStatus,
        to: PlanStatus,
    },
    /// R37: the operation, and its plan's `invite` items pending.
    InsertOperation(Operation),
    /// Only while the stored operation is still `from`.
    UpdateOperation {
        after: Operation,
        from: OperationStatus,
    },
    /// R37: one item's result, only while it is still pending (a customer is handled once).
    CompletePlanItem {
        plan: Uuid,
        result: ItemResult,
    },
    /// Only while the stored relationship is still `from` (R32: an approval link works once).
    UpdateAdminRelationship {
        after: AdminRelationship,
        from: AdminStatus,
    },
    InsertWebhookEndpoint(WebhookEndpoint),
    UpdateWebhookEndpoint(WebhookEndpoint),
    DeleteWebhookEndpoint(WebhookEndpoint),
    /// R35: deliver again the tenant's events after `after_sequence` that the endpoint wants.
    ReplayWebhookEvents {
        endpoint: WebhookEndpoint,
        after_sequence: i64,
        at: DateTime<Utc>,
    },
}

/// What an event is about, as it is right after the change (its `data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Partner(Partner),
    Provider(Provider),
    Enrollment(Enrollment),
    Acceptance(Acceptance),
    IncentiveInvitation(IncentiveInvitation),
    IncentiveEnrollment(IncentiveEnrollment),
    PartnershipInvitation(PartnershipInvitation),
    Customer(PartnerCustomer),
    CustomerInvitation(CustomerInvitation),
    AdminRelationship(AdminRelationship),
    TransitionPlan(TransitionPlan),
    Operation(Operation),
    WebhookEndpoint(WebhookEndpoint),
}

impl Subject {
    pub fn id(&self) -> String {
        match self {
            Subject::Partner(p) => p.tenant_id.to_string(),
            Subject::Provider(p) => p.tenant_id.to_string(),
            Subject::Enrollment(e) => e.id.to_string(),
            Subject::Acceptance(a) => a.id.to_string(),
            Subject::IncentiveInvitation(i) => i.id.to_string(),
            Subject::IncentiveEnrollment(e) => e.id.to_string(),
            Subject::PartnershipInvitation(i) => i.id.to_string(),
            Subject::Customer(c) => c.customer.tenant_id.to_string(),
            Subject::CustomerInvitation(i) => i.id.to_string(),
            Subject::AdminRelationship(r) => r.id.to_string(),
            Subject::TransitionPlan(p) => p.id.to_string(),
            Subject::Operation(o) => o.id.to_string(),
            Subject::WebhookEndpoint(e) => e.id.to_string(),
        }
    }
}

/// Who the audit log names for an event (R29).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// The caller of the request.
    Caller,
    /// The service itself, acting within the request (auto review, R6).
    Service(&'static str),
}

/// One state change, for every tenant it concerns (each gets its own copy and sequence, R34).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub event_type: EventType,
    pub tenants: Vec<TenantId>,
    pub subject: Subject,
    pub author: Author,
    /// The e-mail this event sends (R30); it belongs to the copy of `email.tenant_id`.
    pub email: Option<Notification>,
}

impl Event {
    pub fn new(event_type: EventType, tenants: Vec<TenantId>, subject: Subject) -> Event {
        Event {
            event_type,
            tenants,
            subject,
            author: Author::Caller,
            email: None,
        }
    }

    pub fn by(mut self, author: Author) -> Event {
        self.author = author;
        self
    }

    pub fn sending(mut self, email: Option<Notification>) -> Event {
        self.email = email;
        self
    }
}

/// A command's decision: `value` is what the caller is answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "an outcome does nothing until the store applies it"]
pub struct Outcome<T> {
    pub value: T,
    pub changes: Vec<Change>,
    pub events: Vec<Event>,
}

impl<T> Outcome<T> {
    pub fn new(value: T) -> Outcome<T> {
        Outcome {
            value,
            changes: Vec::new(),
            events: Vec::new(),
        }
    }

    pub fn change(mut self, change: Change) -> Outcome<T> {
        self.changes.push(change);
        self
    }

    pub fn event(mut self, event: Event) -> Outcome<T> {
        self.events.push(event);
        self
    }

    /// This outcome followed by `next`'s changes and events, answering with `next`'s value.
    pub fn then<U>(self, next: Outcome<U>) -> Outcome<U> {
        let mut changes = self.changes;
        changes.extend(next.changes);
        let mut events = self.events;
        events.extend(next.events);
        Outcome {
            value: next.value,
            changes,
            events,
        }
    }

    /// This outcome followed by the one `f` decides on its value.
    pub fn and_then<U, E>(
        self,
        f: impl FnOnce(T) -> Result<Outcome<U>, E>,
    ) -> Result<Outcome<U>, E> {
        let Outcome {
            value,
            changes,
            events,
        } = self;
        let next = f(value)?;
        Ok(Outcome {
            value: (),
            changes,
            events,
        }
        .then(next))
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Outcome<U> {
        Outcome {
            value: f(self.value),
            changes: self.changes,
            events: self.events,
        }
    }

    /// The events to append, ordered by tenant so that concurrent transactions take the
    /// tenants' sequence locks in one order; each tenant's events keep the order decided.
    pub fn copies(&self) -> Vec<(TenantId, &Event)> {
        let mut copies: Vec<(TenantId, &Event)> = self
            .events
            .iter()
            .flat_map(|e| e.tenants.iter().map(move |t| (*t, e)))
            .collect();
        copies.sort_by_key(|(tenant, _)| *tenant);
        copies
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::EventType;
    use uuid::Uuid;

    fn tenant(n: u128) -> TenantId {
        TenantId::from_uuid(Uuid::from_u128(n))
    }

    fn acceptance(n: u128) -> Subject {
        Subject::Acceptance(Acceptance {
            id: Uuid::from_u128(n),
            agreement_version: "2026-10".into(),
            accepted_by: "a@b.example".into(),
            accepted_at: DateTime::<Utc>::UNIX_EPOCH,
        })
    }

    #[test]
    fn r34_copies_go_in_tenant_order_and_keep_each_tenants_order() {
        let (a, b, c) = (tenant(1), tenant(2), tenant(3));
        let out = Outcome::new(())
            .event(Event::new(
                EventType::CustomerCreated,
                vec![c, a],
                acceptance(10),
            ))
            .event(Event::new(
                EventType::CustomerInvitationAccepted,
                vec![b, c, a],
                acceptance(11),
            ));
        let order: Vec<(TenantId, EventType)> = out
            .copies()
            .into_iter()
            .map(|(t, e)| (t, e.event_type))
            .collect();
        assert_eq!(
            order,
            vec![
                (a, EventType::CustomerCreated),
                (a, EventType::CustomerInvitationAccepted),
                (b, EventType::CustomerInvitationAccepted),
                (c, EventType::CustomerCreated),
                (c, EventType::CustomerInvitationAccepted),
            ]
        );
    }

    #[test]
    fn then_keeps_both_outcomes_in_order_and_answers_with_the_second() {
        let first = Outcome::new(1).event(Event::new(
            EventType::EnrollmentSubmitted,
            vec![tenant(1)],
            acceptance(1),
        ));
        let second = Outcome::new("two").event(Event::new(
            EventType::EnrollmentApproved,
            vec![tenant(1)],
            acceptance(2),
        ));
        let both = first.then(second);
        assert_eq!(both.value, "two");
        let types: Vec<EventType> = both.events.iter().map(|e| e.event_type).collect();
        assert_eq!(
            types,
            vec![
                EventType::EnrollmentSubmitted,
                EventType::EnrollmentApproved
            ]
        );
    }
}
