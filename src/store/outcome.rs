//! Applies a decided `Outcome` in the caller's transaction (STYLE.md "Decide, then apply"): its
//! rows, then its events (one per tenant concerned, R34), then the e-mails those events send, in
//! the outbox beside the event that sent them (R30).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::models::{EventRow, naive};
use super::{
    AnyConnection, OrRefused, StoreError, admin_relationships, agreements, customer_invitations,
    customers, enrollments, events, incentives, operations, outbox, partners, partnerships,
    providers, transition_plans, webhooks,
};
use crate::domain::DomainError;
use crate::domain::outcome::{Author, Change, Event, Outcome, Subject};
use crate::domain::values::TenantId;
use crate::sealing::DataKey;

/// Who made the request, as the audit log names it (R29).
#[derive(Debug, Clone)]
pub struct Actor {
    pub sub: String,
    pub tenant: TenantId,
    /// Comma-separated role names.
    pub roles: String,
    pub request_id: String,
    /// The operator tenant, which the service acts as (`Author::Service`).
    pub operator: TenantId,
}

/// How an event's subject is shown in `data`: the API's own rendering, passed in because the
/// store does not know the API's shapes.
pub type Render<'a> = &'a dyn Fn(&Subject) -> Result<String, StoreError>;

/// Writes the outcome's rows, events and e-mails; `at` is when it happened.
pub fn apply<T>(
    conn: &mut AnyConnection,
    key: &DataKey,
    outcome: &Outcome<T>,
    actor: &Actor,
    at: DateTime<Utc>,
    render: Render<'_>,
) -> Result<(), StoreError> {
    for change in &outcome.changes {
        write(conn, key, change)?;
    }
    // Copies come sorted by tenant: each tenant's endpoints are read once.
    let mut endpoints: Option<(TenantId, webhooks::Receivers)> = None;
    for (tenant, event) in outcome.copies() {
        let row = events::append(conn, event_row(tenant, event, actor, at, render)?)?;
        let receivers = match endpoints.take() {
            Some((t, r)) if t == tenant => r,
            _ => webhooks::receivers(conn, &tenant.to_string())?,
        };
        webhooks::fan_out(conn, &row, &receivers)?;
        endpoints = Some((tenant, receivers));
        if let Some(email) = event.email.as_ref().filter(|e| e.tenant_id == tenant) {
            outbox::enqueue(conn, key, email, &row.id)?;
        }
    }
    Ok(())
}

fn event_row(
    tenant: TenantId,
    event: &Event,
    actor: &Actor,
    at: DateTime<Utc>,
    render: Render<'_>,
) -> Result<EventRow, StoreError> {
    let (sub, actor_tenant, roles) = match event.author {
        Author::Caller => (actor.sub.clone(), actor.tenant, actor.roles.clone()),
        Author::Service(name) => (name.to_owned(), actor.operator, String::new()),
    };
    Ok(EventRow {
        id: Uuid::now_v7().to_string(),
        tenant_id: tenant.to_string(),
        sequence: 0,
        event_type: event.event_type.name().to_owned(),
        occurred_at: naive(at),
        actor_sub: sub,
        actor_tenant: actor_tenant.to_string(),
        actor_roles: roles,
        request_id: actor.request_id.clone(),
        subject_kind: event.event_type.subject_kind().name().to_owned(),
        subject_id: event.subject.id(),
        data: render(&event.subject)?,
    })
}

/// One change, with what a refusal by a unique key or a lost conditional update means
/// (STYLE.md "A constraint backs every race").
fn write(conn: &mut AnyConnection, key: &DataKey, change: &Change) -> Result<(), StoreError> {
    match change {
        Change::InsertPartner(p) => partners::insert(conn, p).or_refused(|| {
            DomainError::PartnerExists("a partner is already registered for this tenant".into())
        }),
        Change::UpdatePartner(p) => partners::update(conn, p),
        Change::InsertProvider(p) => providers::insert(conn, p).or_refused(|| {
            DomainError::ProviderExists("a provider is already registered for this tenant".into())
        }),
        Change::InsertEnrollment(e) => enrollments::insert(conn, e).or_refused(|| {
            DomainError::AlreadyEnrolled(
                "an indirect reseller enrollment was submitted meanwhile".into(),
            )
        }),
        Change::UpdateEnrollment { after, from } => {
            saved(enrollments::update_from(conn, after, *from)?, "enrollment")
        }
        Change::InsertAcceptance {
            partner,
            acceptance,
        } => agreements::insert(conn, *partner, acceptance)
            .or_refused(|| DomainError::AlreadyAccepted),
        Change::InsertIncentiveInvitation {
            partner,
            invitation,
        } => incentives::insert_invitation(conn, *partner, invitation),
        Change::InsertIncentiveEnrollment {
            partner,
            enrollment,
        } => incentives::insert_enrollment(conn, *partner, enrollment).or_refused(|| {
            DomainError::AlreadyEnrolled(format!(
                "already enrolled in the {} incentive program",
                enrollment.program.name()
            ))
        }),
        Change::InsertPartnershipInvitation(i) => partnerships::insert_invitation(conn, i)
            .or_refused(|| {
                DomainError::InvitationPending(
                    "an open partnership invitation for this partner exists".into(),
                )
            }),
        Change::UpdatePartnershipInvitation(i) => {
            saved(partnerships::update_if_pending(conn, i)?, "invitation")
        }
        Change::InsertProviderRelationship(r) => partnerships::insert_relationship(conn, r)
            .or_refused(|| DomainError::RelationshipExists),
        Change::InsertCustomer(c) => customers::insert(conn, c).or_refused(|| {
            DomainError::InvalidState(
                "the customer was registered by another request meanwhile; try again".into(),
            )
        }),
        Change::PutCustomerRelationship(r) => customers::put_relationship(conn, r),
        Change::LinkProviderCustomer {
            provider,
            customer,
            at,
        } => customers::link_provider(conn, *provider, *customer, *at),
        Change::InsertCustomerInvitation(i) => customer_invitations::insert(conn, key, i)
            .or_refused(|| {
                DomainError::InvitationPending("an open invitation for this customer exists".into())
            }),
        Change::UpdateCustomerInvitation { after, from } => saved(
            customer_invitations::update_from(conn, key, after, *from)?,
            "invitation",
        ),
        Change::InsertTransitionPlan(p) => transition_plans::insert(conn, p),
        Change::UpdateTransitionPlanStatus { plan, from, to } => saved(
            transition_plans::update_status(conn, *plan, *from, *to)?,
            "plan",
        ),
        Change::InsertOperation(op) => operations::insert(conn, op).or_refused(|| {
            DomainError::OperationNotFinished(
                "the plan is being executed by another request".into(),
            )
        }),
        Change::UpdateOperation { after, from } => {
            saved(operations::update_from(conn, after, *from)?, "operation")
        }
        Change::CompletePlanItem { plan, result } => {
            saved(operations::complete_item(conn, *plan, result)?, "plan item")
        }
        Change::InsertAdminRelationship(r) => {
            admin_relationships::insert(conn, r).or_refused(|| {
                DomainError::InvalidState("the approval link was issued twice; try again".into())
            })
        }
        Change::UpdateAdminRelationship { after, from } => saved(
            admin_relationships::update_from(conn, after, *from)?,
            "admin relationship",
        ),
        Change::InsertWebhookEndpoint(e) => webhooks::insert(conn, key, e),
        Change::UpdateWebhookEndpoint(e) => webhooks::update(conn, key, e),
        Change::DeleteWebhookEndpoint(e) => webhooks::delete(conn, e.tenant_id, e.id),
        Change::ReplayWebhookEvents {
            endpoint,
            after_sequence,
            at,
        } => webhooks::replay(conn, endpoint, *after_sequence, *at).map(|_| ()),
    }
}

/// A conditional update that found its row changed lost a race: the caller reads again.
fn saved(saved: bool, what: &str) -> Result<(), StoreError> {
    if saved {
        Ok(())
    } else {
        Err(StoreError::Refused(DomainError::InvalidState(format!(
            "the {what} changed meanwhile; read it again"
        ))))
    }
}
