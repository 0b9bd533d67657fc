//! Admin relationship commands (R31-R33): each decides its whole outcome. Every event goes to
//! both the partner and the customer (API.md "Events").

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DomainError;
use super::admin_relationship::{AdminRelationship, AdminRequest, Side};
use super::customer::CustomerRelationship;
use super::event::EventType;
use super::outcome::{Change, Event, Outcome, Subject};
use super::values::TenantId;

fn announce(event_type: EventType, r: &AdminRelationship) -> Event {
    Event::new(
        event_type,
        vec![r.partner_id, r.customer_id],
        Subject::AdminRelationship(r.clone()),
    )
}

/// R32, R33: a relationship active at once, when a customer accepts an invitation or a partner
/// creates the customer (R19).
pub fn grant(
    id: Uuid,
    partner: TenantId,
    customer: TenantId,
    r: AdminRequest,
    now: DateTime<Utc>,
) -> Result<Outcome<AdminRelationship>, DomainError> {
    let granted = AdminRelationship::granted(id, partner, customer, r, now)?;
    Ok(Outcome::new(granted.clone())
        .change(Change::InsertAdminRelationship(granted.clone()))
        .event(announce(EventType::AdminRelationshipCreated, &granted))
        .event(announce(EventType::AdminRelationshipActivated, &granted)))
}

/// What a partner's request is decided on, read after the partner is locked.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// How the partner is tied to the customer; none: not its customer (R28).
    pub relationship: Option<CustomerRelationship>,
}

/// R32: a partner asks its customer for roles; the request waits for the customer's
/// GlobalAdmin, who approves it with the link whose token hashes to `token_hash`.
pub fn request(
    ctx: RequestContext,
    id: Uuid,
    r: AdminRequest,
    token_hash: String,
    now: DateTime<Utc>,
) -> Result<Outcome<AdminRelationship>, DomainError> {
    let tie = ctx
        .relationship
        .ok_or_else(|| DomainError::NotFound("no such customer".into()))?;
    let pending =
        AdminRelationship::request(id, tie.partner_id, tie.customer_id, r, token_hash, now)?;
    Ok(Outcome::new(pending.clone())
        .change(Change::InsertAdminRelationship(pending.clone()))
        .event(announce(EventType::AdminRelationshipCreated, &pending)))
}

/// One change of a stored relationship; the update applies only while it is still as read.
fn changed(
    before: &AdminRelationship,
    after: AdminRelationship,
    event_type: EventType,
) -> Outcome<AdminRelationship> {
    Outcome::new(after.clone())
        .change(Change::UpdateAdminRelationship {
            after: after.clone(),
            from: before.stored,
        })
        .event(announce(event_type, &after))
}

/// R32: the customer's GlobalAdmin approves with the link, once, within 30 days.
pub fn approve(
    r: AdminRelationship,
    offered_hash: &str,
    customer: TenantId,
    now: DateTime<Utc>,
) -> Result<Outcome<AdminRelationship>, DomainError> {
    let active = r.clone().approve(offered_hash, customer, now)?;
    Ok(changed(&r, active, EventType::AdminRelationshipActivated))
}

/// R32: either side's GlobalAdmin ends the relationship; it never comes back.
pub fn terminate(
    r: AdminRelationship,
    by: Side,
    now: DateTime<Utc>,
) -> Result<Outcome<AdminRelationship>, DomainError> {
    let ended = r.clone().terminate(by, now)?;
    Ok(changed(&r, ended, EventType::AdminRelationshipTerminated))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::admin_relationship::{AdminDuration, AdminRole, AdminStatus};
    use crate::domain::capability::Relationship;
    use chrono::Duration;

    fn t(n: u128) -> TenantId {
        TenantId::from_uuid(Uuid::from_u128(n))
    }

    fn ask(roles: &[AdminRole], auto_extend: bool) -> AdminRequest {
        AdminRequest {
            roles: roles.to_vec(),
            duration: AdminDuration::from_days(90).unwrap(),
            auto_extend,
        }
    }

    fn tie() -> RequestContext {
        RequestContext {
            relationship: Some(CustomerRelationship {
                customer_id: t(2),
                partner_id: t(1),
                relationship: Relationship::IndirectReseller,
                provider_id: Some(t(3)),
                since: DateTime::UNIX_EPOCH,
            }),
        }
    }

    fn events<T>(o: &Outcome<T>) -> Vec<(EventType, Vec<TenantId>)> {
        o.events
            .iter()
            .map(|e| (e.event_type, e.tenants.clone()))
            .collect()
    }

    #[test]
    fn r32_r33_a_grant_is_created_active_and_both_sides_hear_of_it() {
        let now = DateTime::UNIX_EPOCH;
        let out = grant(Uuid::nil(), t(1), t(2), AdminRequest::default_grant(), now).unwrap();
        assert_eq!(out.value.status(now), AdminStatus::Active);
        assert_eq!(out.value.roles, AdminRole::DEFAULT.to_vec());
        assert_eq!(
            out.changes,
            vec![Change::InsertAdminRelationship(out.value.clone())]
        );
        assert_eq!(
            events(&out),
            vec![
                (EventType::AdminRelationshipCreated, vec![t(1), t(2)]),
                (EventType::AdminRelationshipActivated, vec![t(1), t(2)]),
            ]
        );
    }

    #[test]
    fn r32_a_request_needs_the_customer_and_waits_for_approval() {
        let now = DateTime::UNIX_EPOCH;
        let req = ask(&[AdminRole::UserAdministrator], false);
        let none = RequestContext { relationship: None };
        assert!(matches!(
            request(none, Uuid::nil(), req.clone(), "h".into(), now),
            Err(DomainError::NotFound(_))
        ));
        let ga = ask(&[AdminRole::GlobalAdministrator], true);
        assert_eq!(
            request(tie(), Uuid::nil(), ga, "h".into(), now).err(),
            Some(DomainError::AutoExtendWithGlobalAdministrator)
        );
        let out = request(tie(), Uuid::nil(), req, "h".into(), now).unwrap();
        assert_eq!(out.value.status(now), AdminStatus::ApprovalPending);
        assert_eq!(
            events(&out),
            vec![(EventType::AdminRelationshipCreated, vec![t(1), t(2)])]
        );
    }

    #[test]
    fn r32_approval_and_termination_update_only_what_was_read() {
        let now = DateTime::UNIX_EPOCH;
        let req = ask(&[AdminRole::UserAdministrator], false);
        let pending = request(tie(), Uuid::nil(), req, "h".into(), now)
            .unwrap()
            .value;
        let later = now + Duration::days(1);
        let approved = approve(pending.clone(), "h", t(2), later).unwrap();
        assert!(matches!(
            &approved.changes[..],
            [Change::UpdateAdminRelationship { after, from: AdminStatus::ApprovalPending }]
                if after.status(later) == AdminStatus::Active
        ));
        assert_eq!(
            events(&approved),
            vec![(EventType::AdminRelationshipActivated, vec![t(1), t(2)])]
        );
        let ended = terminate(approved.value, Side::Customer, later).unwrap();
        assert!(matches!(
            &ended.changes[..],
            [Change::UpdateAdminRelationship { after, from: AdminStatus::Active }]
                if after.terminated_by == Some(Side::Customer)
        ));
        assert_eq!(
            events(&ended),
            vec![(EventType::AdminRelationshipTerminated, vec![t(1), t(2)])]
        );
        assert!(terminate(ended.value, Side::Partner, later).is_err());
        assert_eq!(
            approve(pending, "h", t(9), later).err(),
            Some(DomainError::WrongCustomer)
        );
    }
}
