//! R36: a transition plan, the dry run of moving many direct bill customers to one provider:
//! every customer with its outcome, decided over a context read in the write transaction. It
//! changes nothing but itself.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DomainError;
use super::admin_relationship::AdminRole;
use super::capability::Relationship;
use super::customer::{self, Customer, CustomerRelationship};
use super::event::EventType;
use super::invitation::CustomerInvitation;
use super::outcome::{Change, Event, Outcome, Subject};
use super::partner::Partner;
use super::provider::Provider;
use super::values::{CompanyName, TenantId};

/// A plan's state (R36-R38); a plan is a draft until executed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanStatus {
    Draft,
    Executing,
    Executed,
}

impl PlanStatus {
    pub const ALL: [PlanStatus; 3] = [
        PlanStatus::Draft,
        PlanStatus::Executing,
        PlanStatus::Executed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Executing => "executing",
            PlanStatus::Executed => "executed",
        }
    }

    pub fn from_name(name: &str) -> Option<PlanStatus> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// What executing the plan will do for one customer (R36).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanOutcome {
    Invite,
    Blocked,
}

impl PlanOutcome {
    pub const ALL: [PlanOutcome; 2] = [PlanOutcome::Invite, PlanOutcome::Blocked];

    pub fn name(self) -> &'static str {
        match self {
            PlanOutcome::Invite => "invite",
            PlanOutcome::Blocked => "blocked",
        }
    }

    pub fn from_name(name: &str) -> Option<PlanOutcome> {
        Self::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// Why a customer cannot be invited (R36).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockedReason {
    /// R22.
    StoreForBusinessUnsupported,
    /// R21: moved already.
    AlreadyIndirect,
    /// R17: an invitation from this partner is open.
    InvitationOpen,
}

impl BlockedReason {
    pub const ALL: [BlockedReason; 3] = [
        BlockedReason::StoreForBusinessUnsupported,
        BlockedReason::AlreadyIndirect,
        BlockedReason::InvitationOpen,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BlockedReason::StoreForBusinessUnsupported => "store_for_business_unsupported",
            BlockedReason::AlreadyIndirect => "already_indirect",
            BlockedReason::InvitationOpen => "invitation_open",
        }
    }

    pub fn from_name(name: &str) -> Option<BlockedReason> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// One customer of a plan; blocked exactly when it has a reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanItem {
    pub customer_id: TenantId,
    pub company_name: CompanyName,
    pub reason: Option<BlockedReason>,
}

impl PlanItem {
    pub fn outcome(&self) -> PlanOutcome {
        match self.reason {
            None => PlanOutcome::Invite,
            Some(_) => PlanOutcome::Blocked,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionPlan {
    pub id: Uuid,
    pub partner_id: TenantId,
    pub provider_id: TenantId,
    pub status: PlanStatus,
    /// R32: the roles each invitation will ask for.
    pub admin_roles: Vec<AdminRole>,
    pub message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub items: Vec<PlanItem>,
}

impl TransitionPlan {
    /// (total, invite, blocked).
    pub fn summary(&self) -> (usize, usize, usize) {
        let blocked = self.items.iter().filter(|i| i.reason.is_some()).count();
        (self.items.len(), self.items.len() - blocked, blocked)
    }
}

/// What planning is decided on.
#[derive(Debug, Clone)]
pub struct PlanContext {
    /// R12: the partner, with the indirect reseller program on.
    pub partner: Partner,
    /// The provider, when it is one of the partner's active indirect providers (R17).
    pub provider: Option<Provider>,
    /// Every customer of the partner with how they are tied, in customer id order.
    pub customers: Vec<(Customer, CustomerRelationship)>,
    /// The partner's invitations stored as open, expired by the clock or not.
    pub invitations: Vec<CustomerInvitation>,
}

/// What the partner asks for.
#[derive(Debug, Clone)]
pub struct PlanInput {
    pub provider_id: TenantId,
    /// None: every direct bill customer.
    pub customer_ids: Option<Vec<TenantId>>,
    pub admin_roles: Vec<AdminRole>,
    pub message: Option<String>,
}

/// R21, R22: why the customer cannot move to indirect at all, if it cannot, whatever is open;
/// the rule is `customer::check_can_become_indirect`. The overview's blocked list (R39) too.
pub fn cannot_move(
    c: &Customer,
    r: &CustomerRelationship,
) -> Result<Option<BlockedReason>, DomainError> {
    match customer::check_can_become_indirect(Some(c), Some(r)) {
        Ok(()) => Ok(None),
        Err(DomainError::AlreadyIndirect) => Ok(Some(BlockedReason::AlreadyIndirect)),
        Err(DomainError::StoreForBusinessUnsupported) => {
            Ok(Some(BlockedReason::StoreForBusinessUnsupported))
        }
        Err(other) => Err(other),
    }
}

/// R21, R22, R17: why the customer cannot be invited now, if it cannot; the rules are
/// `cannot_move` and `CustomerInvitation::effective_status`.
fn blocked(
    c: &Customer,
    r: &CustomerRelationship,
    invitations: &[CustomerInvitation],
    now: DateTime<Utc>,
) -> Result<Option<BlockedReason>, DomainError> {
    if let Some(reason) = cannot_move(c, r)? {
        return Ok(Some(reason));
    }
    let open = invitations
        .iter()
        .any(|i| i.customer_id == Some(c.tenant_id) && i.effective_status(now).is_open());
    Ok(open.then_some(BlockedReason::InvitationOpen))
}

/// R36: plans the move of the named customers (default: every direct bill customer) to one
/// provider. Unknown or foreign ids refuse the whole plan (R28: they are the same to the caller).
pub fn plan(
    ctx: PlanContext,
    input: PlanInput,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Outcome<TransitionPlan>, DomainError> {
    let provider = ctx.provider.ok_or(DomainError::NoProviderRelationship)?;
    let by_id: HashMap<TenantId, &(Customer, CustomerRelationship)> = ctx
        .customers
        .iter()
        .map(|cr| (cr.0.tenant_id, cr))
        .collect();
    let chosen: Vec<&(Customer, CustomerRelationship)> = match &input.customer_ids {
        None => ctx
            .customers
            .iter()
            .filter(|(_, r)| r.relationship == Relationship::DirectBill)
            .collect(),
        Some(ids) => {
            let unknown: Vec<TenantId> = ids
                .iter()
                .filter(|i| !by_id.contains_key(i))
                .copied()
                .collect();
            if !unknown.is_empty() {
                return Err(DomainError::UnknownCustomers(unknown));
            }
            let mut seen = BTreeSet::new();
            ids.iter()
                .filter(|i| seen.insert(**i))
                .filter_map(|i| by_id.get(i).copied())
                .collect()
        }
    };
    let items = chosen
        .into_iter()
        .map(|(c, r)| {
            Ok(PlanItem {
                customer_id: c.tenant_id,
                company_name: c.company_name.clone(),
                reason: blocked(c, r, &ctx.invitations, now)?,
            })
        })
        .collect::<Result<Vec<_>, DomainError>>()?;
    let plan = TransitionPlan {
        id,
        partner_id: ctx.partner.tenant_id,
        provider_id: provider.tenant_id,
        status: PlanStatus::Draft,
        admin_roles: input.admin_roles,
        message: input.message,
        created_at: now,
        items,
    };
    Ok(Outcome::new(plan.clone())
        .change(Change::InsertTransitionPlan(plan.clone()))
        .event(Event::new(
            EventType::TransitionPlanCreated,
            vec![plan.partner_id],
            Subject::TransitionPlan(plan),
        )))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::admin_relationship::AdminDuration;
    use crate::domain::customer::Domain;
    use crate::domain::invitation::CustomerInvitationDraft;
    use crate::domain::partner::tests::partner;
    use crate::domain::provider::{Service, regions};
    use crate::domain::values::Email;
    use chrono::Duration;

    pub(crate) fn t(n: u128) -> TenantId {
        TenantId::from_uuid(Uuid::from_u128(n))
    }

    pub(crate) fn provider() -> Provider {
        Provider {
            tenant_id: t(9),
            name: CompanyName::parse("Distri").expect("name"),
            regions: regions(&["DE".into()]).expect("regions"),
            services: vec![Service::Marketing],
            contact_email: Email::parse("p@distri.com").expect("email"),
            created_at: Utc::now(),
        }
    }

    /// Customer `n` of `partner()`, tied to it by `kind`.
    pub(crate) fn customer(
        n: u128,
        sfb: bool,
        kind: Relationship,
    ) -> (Customer, CustomerRelationship) {
        (
            Customer {
                tenant_id: t(n),
                company_name: CompanyName::parse(&format!("Customer {n}")).expect("name"),
                domain: Domain::parse("c.onmicrosoft.com").expect("domain"),
                store_for_business: sfb,
                created_at: Utc::now(),
            },
            CustomerRelationship {
                customer_id: t(n),
                partner_id: partner().tenant_id,
                relationship: kind,
                provider_id: None,
                since: Utc::now(),
            },
        )
    }

    fn invitation(customer: u128, now: DateTime<Utc>) -> CustomerInvitation {
        let d = CustomerInvitationDraft {
            id: Uuid::from_u128(500 + customer),
            customer_id: Some(t(customer)),
            to: None,
            token_hash: "hash".into(),
            link: "https://csp.example/x?token=t".into(),
            now,
            admin_roles: AdminRole::DEFAULT.to_vec(),
            admin_duration: AdminDuration::MAX,
            note: None,
        };
        CustomerInvitation::draft(&partner(), &provider(), Some("Customer"), d)
    }

    /// 1, 2: direct bill; 3: Store for Business; 4: indirect; 5: invited now; 6: invited long ago.
    fn context(now: DateTime<Utc>) -> PlanContext {
        use Relationship::{DirectBill, IndirectReseller};
        PlanContext {
            partner: partner(),
            provider: Some(provider()),
            customers: vec![
                customer(1, false, DirectBill),
                customer(2, false, DirectBill),
                customer(3, true, DirectBill),
                customer(4, false, IndirectReseller),
                customer(5, false, DirectBill),
                customer(6, false, DirectBill),
            ],
            invitations: vec![invitation(5, now), invitation(6, now - Duration::days(31))],
        }
    }

    fn input(ids: Option<Vec<u128>>) -> PlanInput {
        PlanInput {
            provider_id: t(9),
            customer_ids: ids.map(|ids| ids.into_iter().map(t).collect()),
            admin_roles: AdminRole::DEFAULT.to_vec(),
            message: None,
        }
    }

    /// A customer (by number) and why it is blocked, if it is.
    type Expected = (u128, Option<BlockedReason>);

    #[test]
    fn r36_r22_r21_r17_each_customer_gets_its_outcome_and_reason() {
        use BlockedReason::*;
        let now = Utc::now();
        let cases: Vec<(Option<Vec<u128>>, Vec<Expected>)> = vec![
            // R36: by default every direct bill customer, never the indirect ones.
            (
                None,
                vec![
                    (1, None),
                    (2, None),
                    (3, Some(StoreForBusinessUnsupported)),
                    (5, Some(InvitationOpen)),
                    (6, None),
                ],
            ),
            // Named explicitly: the indirect one is blocked; the order given, once each.
            (
                Some(vec![4, 3, 1, 4]),
                vec![
                    (4, Some(AlreadyIndirect)),
                    (3, Some(StoreForBusinessUnsupported)),
                    (1, None),
                ],
            ),
        ];
        for (ids, want) in cases {
            let out = plan(context(now), input(ids), Uuid::from_u128(1), now).expect("plan");
            let got: Vec<(TenantId, Option<BlockedReason>)> = out
                .value
                .items
                .iter()
                .map(|i| (i.customer_id, i.reason))
                .collect();
            let want: Vec<_> = want.into_iter().map(|(n, r)| (t(n), r)).collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn r36_the_plan_changes_nothing_but_itself_and_counts_its_outcomes() {
        let now = Utc::now();
        let out = plan(context(now), input(None), Uuid::from_u128(1), now).expect("plan");
        assert_eq!(out.value.summary(), (5, 3, 2));
        assert_eq!(out.value.status, PlanStatus::Draft);
        assert!(matches!(&out.changes[..], [Change::InsertTransitionPlan(p)] if *p == out.value));
        let events: Vec<(EventType, Vec<TenantId>)> = out
            .events
            .iter()
            .map(|e| (e.event_type, e.tenants.clone()))
            .collect();
        assert_eq!(
            events,
            vec![(EventType::TransitionPlanCreated, vec![partner().tenant_id])]
        );
    }

    #[test]
    fn r36_r17_a_plan_is_refused_as_a_whole_for_its_context() {
        let now = Utc::now();
        let mut no_provider = context(now);
        no_provider.provider = None;
        let cases = [
            (
                no_provider,
                input(None),
                DomainError::NoProviderRelationship,
            ),
            (
                context(now),
                input(Some(vec![1, 77, 78])),
                DomainError::UnknownCustomers(vec![t(77), t(78)]),
            ),
        ];
        for (ctx, input, refusal) in cases {
            assert_eq!(
                plan(ctx, input, Uuid::from_u128(1), now).err(),
                Some(refusal)
            );
        }
    }

    #[test]
    fn closed_sets_round_trip_their_names() {
        for s in PlanStatus::ALL {
            assert_eq!(PlanStatus::from_name(s.name()), Some(s));
        }
        for o in PlanOutcome::ALL {
            assert_eq!(PlanOutcome::from_name(o.name()), Some(o));
        }
        for r in BlockedReason::ALL {
            assert_eq!(BlockedReason::from_name(r.name()), Some(r));
        }
    }
}
