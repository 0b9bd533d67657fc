//! R37, R38: executing a transition plan is one operation. It starts in the request (the plan
//! becomes `executing`, each `invite` item `pending`) and is worked in the background one
//! customer per transaction: the customer's invitation and its item's result commit together,
//! so an operation interrupted by a crash resumes, on any replica, without inviting anyone
//! twice. When no item is pending it finishes with its status and `operation.finished`.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DomainError;
use super::customer_invitation::{self, DraftContext};
use super::event::EventType;
use super::invitation::{CustomerInvitation, CustomerInvitationDraft};
use super::outcome::{Change, Event, Outcome, Subject};
use super::transition_plan::{PlanStatus, TransitionPlan};
use super::values::TenantId;

/// What an operation does; one kind so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationKind {
    TransitionPlanExecute,
}

impl OperationKind {
    pub const ALL: [OperationKind; 1] = [OperationKind::TransitionPlanExecute];

    pub fn name(self) -> &'static str {
        match self {
            OperationKind::TransitionPlanExecute => "transition_plan.execute",
        }
    }

    pub fn from_name(name: &str) -> Option<OperationKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationStatus {
    Running,
    /// Every customer invited (or there was nobody to invite).
    Succeeded,
    PartiallySucceeded,
    /// Nobody invited.
    Failed,
}

impl OperationStatus {
    pub const ALL: [OperationStatus; 4] = [
        OperationStatus::Running,
        OperationStatus::Succeeded,
        OperationStatus::PartiallySucceeded,
        OperationStatus::Failed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            OperationStatus::Running => "running",
            OperationStatus::Succeeded => "succeeded",
            OperationStatus::PartiallySucceeded => "partially_succeeded",
            OperationStatus::Failed => "failed",
        }
    }

    pub fn from_name(name: &str) -> Option<OperationStatus> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// How a finished operation went, from its counts (R37).
    fn of(progress: Progress) -> OperationStatus {
        if progress.failed == 0 {
            OperationStatus::Succeeded
        } else if progress.failed == progress.total {
            OperationStatus::Failed
        } else {
            OperationStatus::PartiallySucceeded
        }
    }
}

/// Why one customer could not be invited: the code and detail a request would have answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemError {
    pub code: String,
    pub detail: String,
}

/// What the operation did for one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemResult {
    pub customer_id: TenantId,
    pub outcome: Result<Uuid, ItemError>,
}

/// Who started the operation: the work done in the background is theirs (R29).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Starter {
    pub sub: String,
    pub tenant: TenantId,
    /// Comma-separated role names.
    pub roles: String,
    pub request_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Customers to invite.
    pub total: u64,
    /// Customers handled so far, invited or failed.
    pub done: u64,
    /// Of those, the ones that failed.
    pub failed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub kind: OperationKind,
    pub plan_id: Uuid,
    pub status: OperationStatus,
    pub started_by: Starter,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Customers to invite.
    pub total: u64,
    /// One per customer handled so far, in the plan's order.
    pub results: Vec<ItemResult>,
}

impl Operation {
    pub fn progress(&self) -> Progress {
        let failed = self.results.iter().filter(|r| r.outcome.is_err()).count();
        Progress {
            total: self.total,
            done: self.results.len() as u64,
            failed: failed as u64,
        }
    }
}

/// R37, R38: start executing the plan. `current` is the operation that executes it already, if
/// any: a plan executes at most once, with or without an Idempotency-Key.
pub fn start(
    plan: &TransitionPlan,
    current: Option<(Uuid, OperationStatus)>,
    id: Uuid,
    started_by: Starter,
    now: DateTime<Utc>,
) -> Result<Outcome<Operation>, DomainError> {
    match (plan.status, current) {
        (PlanStatus::Draft, None) => {}
        (_, Some((running, OperationStatus::Running))) => {
            return Err(DomainError::OperationNotFinished(format!(
                "the plan is being executed by operation {running}"
            )));
        }
        (_, Some((done, _))) => {
            return Err(DomainError::InvalidState(format!(
                "the plan was executed by operation {done}; plan again for the customers left"
            )));
        }
        (status, None) => {
            return Err(DomainError::InvalidState(format!(
                "the plan is {}",
                status.name()
            )));
        }
    }
    let (_, invite, _) = plan.summary();
    let op = Operation {
        id,
        tenant_id: plan.partner_id,
        kind: OperationKind::TransitionPlanExecute,
        plan_id: plan.id,
        status: OperationStatus::Running,
        started_by,
        created_at: now,
        finished_at: None,
        total: invite as u64,
        results: Vec::new(),
    };
    Ok(Outcome::new(op.clone())
        .change(Change::UpdateTransitionPlanStatus {
            plan: plan.id,
            from: PlanStatus::Draft,
            to: PlanStatus::Executing,
        })
        .change(Change::InsertOperation(op)))
}

/// R37, R17, R21, R22: invite one customer of the plan, as the partner would by hand: the move
/// invitation is drafted over what the customer is now (it may have changed since the plan) and
/// marked sent. The plan's message goes into the e-mail (`draft.note`).
pub fn invite(
    ctx: DraftContext,
    draft: CustomerInvitationDraft,
    email_id: Uuid,
) -> Result<Outcome<CustomerInvitation>, DomainError> {
    let now = draft.now;
    customer_invitation::draft(ctx, draft)?
        .and_then(|inv| customer_invitation::send(inv, email_id, now))
}

/// R37: the item's result, committed with what it did (its invitation, when invited). One
/// customer's failure does not stop the others.
pub fn record(
    plan: Uuid,
    customer: TenantId,
    done: Result<Outcome<CustomerInvitation>, ItemError>,
) -> Outcome<()> {
    let (outcome, result) = match done {
        Ok(invited) => {
            let id = invited.value.id;
            (invited.map(|_| ()), Ok(id))
        }
        Err(e) => (Outcome::new(()), Err(e)),
    };
    outcome.change(Change::CompletePlanItem {
        plan,
        result: ItemResult {
            customer_id: customer,
            outcome: result,
        },
    })
}

/// R37: the operation with no item pending finishes; the plan is executed (R38).
pub fn finish(op: Operation, now: DateTime<Utc>) -> Result<Outcome<Operation>, DomainError> {
    if op.status != OperationStatus::Running {
        return Err(DomainError::InvalidState(
            "the operation has finished".into(),
        ));
    }
    let progress = op.progress();
    if progress.done < progress.total {
        return Err(DomainError::OperationNotFinished(format!(
            "{} of {} customers handled",
            progress.done, progress.total
        )));
    }
    let after = Operation {
        status: OperationStatus::of(progress),
        finished_at: Some(now),
        ..op
    };
    Ok(Outcome::new(after.clone())
        .change(Change::UpdateOperation {
            after: after.clone(),
            from: OperationStatus::Running,
        })
        .change(Change::UpdateTransitionPlanStatus {
            plan: after.plan_id,
            from: PlanStatus::Executing,
            to: PlanStatus::Executed,
        })
        .event(Event::new(
            EventType::OperationFinished,
            vec![after.tenant_id],
            Subject::Operation(after),
        )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::admin_relationship::{AdminDuration, AdminRole};
    use crate::domain::capability::Relationship;
    use crate::domain::customer_invitation::Named;
    use crate::domain::invitation::CustomerInvitationStatus;
    use crate::domain::partner::tests::partner;
    use crate::domain::transition_plan::tests::{customer, provider, t};
    use crate::domain::transition_plan::{BlockedReason, PlanItem};
    use crate::domain::values::CompanyName;

    fn starter() -> Starter {
        Starter {
            sub: "alice@contoso.example".into(),
            tenant: partner().tenant_id,
            roles: "GlobalAdmin".into(),
            request_id: "req-1".into(),
        }
    }

    fn plan(status: PlanStatus) -> TransitionPlan {
        let item = |n: u128, reason| PlanItem {
            customer_id: t(n),
            company_name: CompanyName::parse("Fourth Coffee").expect("name"),
            reason,
        };
        TransitionPlan {
            id: Uuid::from_u128(70),
            partner_id: partner().tenant_id,
            provider_id: t(9),
            status,
            admin_roles: AdminRole::DEFAULT.to_vec(),
            message: None,
            created_at: Utc::now(),
            items: vec![
                item(1, None),
                item(2, Some(BlockedReason::StoreForBusinessUnsupported)),
                item(3, None),
            ],
        }
    }

    fn running(total: u64, results: Vec<ItemResult>) -> Operation {
        Operation {
            id: Uuid::from_u128(80),
            tenant_id: partner().tenant_id,
            kind: OperationKind::TransitionPlanExecute,
            plan_id: Uuid::from_u128(70),
            status: OperationStatus::Running,
            started_by: starter(),
            created_at: Utc::now(),
            finished_at: None,
            total,
            results,
        }
    }

    fn invited(n: u128) -> ItemResult {
        ItemResult {
            customer_id: t(n),
            outcome: Ok(Uuid::from_u128(500 + n)),
        }
    }

    fn failed(n: u128) -> ItemResult {
        ItemResult {
            customer_id: t(n),
            outcome: Err(ItemError {
                code: "already_indirect".into(),
                detail: "moved meanwhile".into(),
            }),
        }
    }

    #[test]
    fn r37_r38_a_draft_plan_starts_once_and_counts_its_invite_items() {
        let op = start(
            &plan(PlanStatus::Draft),
            None,
            Uuid::from_u128(80),
            starter(),
            Utc::now(),
        )
        .expect("starts");
        assert_eq!(op.value.status, OperationStatus::Running);
        assert_eq!(
            op.value.progress(),
            Progress {
                total: 2,
                done: 0,
                failed: 0
            }
        );
        assert!(matches!(
            &op.changes[..],
            [
                Change::UpdateTransitionPlanStatus {
                    from: PlanStatus::Draft,
                    to: PlanStatus::Executing,
                    ..
                },
                Change::InsertOperation(_)
            ]
        ));
        assert!(
            op.events.is_empty(),
            "the invitations and the finish are the events"
        );
    }

    #[test]
    fn r38_a_plan_executes_at_most_once() {
        let id = Uuid::from_u128(81);
        let cases = [
            (
                PlanStatus::Executing,
                Some((id, OperationStatus::Running)),
                "operation_not_finished",
            ),
            (
                PlanStatus::Executed,
                Some((id, OperationStatus::Succeeded)),
                "invalid_state",
            ),
            (
                PlanStatus::Executed,
                Some((id, OperationStatus::Failed)),
                "invalid_state",
            ),
        ];
        for (status, current, want) in cases {
            let refused = start(
                &plan(status),
                current,
                Uuid::from_u128(80),
                starter(),
                Utc::now(),
            )
            .expect_err("refused");
            let got = match refused {
                DomainError::OperationNotFinished(d) => {
                    assert!(d.contains(&id.to_string()), "{d}");
                    "operation_not_finished"
                }
                DomainError::InvalidState(d) => {
                    assert!(d.contains(&id.to_string()), "{d}");
                    "invalid_state"
                }
                other => panic!("{other:?}"),
            };
            assert_eq!(got, want, "{status:?}");
        }
    }

    #[test]
    fn r37_it_finishes_only_when_every_customer_is_handled_with_the_status_its_counts_say() {
        let now = Utc::now();
        let cases = [
            (0, vec![], Some(OperationStatus::Succeeded)),
            (
                2,
                vec![invited(1), invited(3)],
                Some(OperationStatus::Succeeded),
            ),
            (
                2,
                vec![invited(1), failed(3)],
                Some(OperationStatus::PartiallySucceeded),
            ),
            (2, vec![failed(1), failed(3)], Some(OperationStatus::Failed)),
            (2, vec![invited(1)], None),
        ];
        for (total, results, want) in cases {
            let got = finish(running(total, results.clone()), now);
            match want {
                Some(status) => {
                    let out = got.expect("finishes");
                    assert_eq!(out.value.status, status, "{results:?}");
                    assert_eq!(out.value.finished_at, Some(now));
                    assert_eq!(out.events.len(), 1);
                    assert_eq!(out.events[0].event_type, EventType::OperationFinished);
                    assert_eq!(out.events[0].tenants, vec![partner().tenant_id]);
                    assert!(out.changes.iter().any(|c| matches!(
                        c,
                        Change::UpdateTransitionPlanStatus {
                            to: PlanStatus::Executed,
                            ..
                        }
                    )));
                }
                None => assert!(matches!(got, Err(DomainError::OperationNotFinished(_)))),
            }
        }
        let mut done = running(0, vec![]);
        done.status = OperationStatus::Succeeded;
        assert!(matches!(
            finish(done, now),
            Err(DomainError::InvalidState(_))
        ));
    }

    fn context(kind: Relationship, sfb: bool) -> DraftContext {
        let (c, r) = customer(1, sfb, kind);
        DraftContext {
            partner: partner(),
            provider: Some(provider()),
            customer: Named::Visible(c, r),
            open: None,
        }
    }

    fn draft(note: Option<&str>) -> CustomerInvitationDraft {
        CustomerInvitationDraft {
            id: Uuid::from_u128(600),
            customer_id: Some(t(1)),
            to: None,
            token_hash: "hash".into(),
            link: "https://csp.example/x?token=t".into(),
            now: Utc::now(),
            admin_roles: AdminRole::DEFAULT.to_vec(),
            admin_duration: AdminDuration::MAX,
            note: note.map(str::to_owned),
        }
    }

    #[test]
    fn r37_r21_r22_each_customer_is_invited_and_sent_or_refused_as_it_is_now() {
        let out = invite(
            context(Relationship::DirectBill, false),
            draft(Some("We move all our customers to Distri this month.")),
            Uuid::from_u128(7),
        )
        .expect("invited");
        assert_eq!(out.value.status, CustomerInvitationStatus::Sent);
        assert!(out.value.email.body.contains("We move all our customers"));
        assert!(out.value.email.body.contains(&out.value.link));
        let types: Vec<EventType> = out.events.iter().map(|e| e.event_type).collect();
        assert_eq!(
            types,
            vec![
                EventType::CustomerInvitationCreated,
                EventType::CustomerInvitationSent
            ]
        );
        let refusals = [
            (
                context(Relationship::IndirectReseller, false),
                DomainError::AlreadyIndirect,
            ),
            (
                context(Relationship::DirectBill, true),
                DomainError::StoreForBusinessUnsupported,
            ),
        ];
        for (ctx, want) in refusals {
            assert_eq!(
                invite(ctx, draft(None), Uuid::from_u128(7)).err(),
                Some(want)
            );
        }
    }

    #[test]
    fn r37_the_result_commits_with_the_invitation_or_alone() {
        let ok = invite(
            context(Relationship::DirectBill, false),
            draft(None),
            Uuid::from_u128(7),
        )
        .expect("invited");
        let n = ok.changes.len();
        let recorded = record(Uuid::from_u128(70), t(1), Ok(ok));
        assert_eq!(recorded.changes.len(), n + 1);
        assert!(matches!(
            recorded.changes.last(),
            Some(Change::CompletePlanItem { result, .. }) if result.outcome == Ok(Uuid::from_u128(600))
        ));
        let error = ItemError {
            code: "already_indirect".into(),
            detail: "moved".into(),
        };
        let failed = record(Uuid::from_u128(70), t(1), Err(error.clone()));
        assert!(failed.events.is_empty());
        assert!(matches!(
            &failed.changes[..],
            [Change::CompletePlanItem { result, .. }] if result.outcome == Err(error.clone())
        ));
    }

    #[test]
    fn closed_sets_round_trip_their_names() {
        for s in OperationStatus::ALL {
            assert_eq!(OperationStatus::from_name(s.name()), Some(s));
        }
        for k in OperationKind::ALL {
            assert_eq!(OperationKind::from_name(k.name()), Some(k));
        }
    }
}
