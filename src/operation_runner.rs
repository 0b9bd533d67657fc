//! Runs operations (R37) beside the server, on every replica with `SENDERS=on`: claims one
//! pending customer at a time and invites it in one transaction, so that the invitation and the
//! item's result commit together. A process killed mid-way leaves its current customer pending
//! (its transaction never committed) for whichever replica claims it next: nobody is invited
//! twice, nobody is skipped. An operation with nothing pending is finished, once.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::web;
use uuid::Uuid;

use crate::api::error::ApiError;
use crate::api::error_code::ErrorCode;
use crate::api::events;
use crate::api::invitation_link::link;
use crate::domain::DomainError;
use crate::domain::admin_relationship::AdminDuration;
use crate::domain::invitation::CustomerInvitationDraft;
use crate::domain::operation::{self, ItemError, Starter};
use crate::state::AppState;
use crate::store::outcome::Actor;
use crate::store::{customer_invitations, operations};
use crate::token;

/// Finished operations are looked for after this many customers, and whenever there is no work.
const SWEEP_EVERY: u64 = 64;

/// Runs until the task is dropped. `pace`: the pause after each customer (`OPERATION_RATE`).
pub async fn run(state: web::Data<AppState>, pace: Option<Duration>) {
    let mut handled: u64 = 0;
    loop {
        match step(&state).await {
            Ok(true) => {
                handled += 1;
                if handled % SWEEP_EVERY == 0 {
                    finish_ready(&state).await;
                }
                if let Some(pause) = pace {
                    tokio::time::sleep(pause).await;
                }
            }
            Ok(false) => {
                finish_ready(&state).await;
                tokio::time::sleep(crate::delivery::TICK).await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "operation step failed; retrying");
                tokio::time::sleep(crate::delivery::TICK).await;
            }
        }
    }
}

/// The events of an operation's work are its starter's (R29), under the request that started it.
fn actor(state: &AppState, s: &Starter) -> Actor {
    Actor {
        sub: s.sub.clone(),
        tenant: s.tenant,
        roles: s.roles.clone(),
        request_id: s.request_id.clone(),
        operator: state.operator_tenant,
    }
}

/// A refusal is the customer's result; an outage is not (the customer stays pending).
fn failure(e: &ApiError) -> Option<ItemError> {
    (e.code() != ErrorCode::Unavailable).then(|| ItemError {
        code: e.code().name().to_owned(),
        detail: e.detail().to_owned(),
    })
}

/// A customer whose invitation a unique index refused while being written: the transaction
/// that tried is rolled back (PostgreSQL aborts it), and the refusal is recorded in another.
struct Refused {
    actor: Actor,
    plan: Uuid,
    customer: crate::domain::values::TenantId,
    error: ItemError,
}

/// Handles one customer in one transaction; false when no operation has work.
async fn step(state: &web::Data<AppState>) -> Result<bool, ApiError> {
    let now = state.clock.now();
    let (key, st) = (state.data_key.clone(), state.clone());
    let issued = token::issue();
    let (invitation_id, email_id) = (Uuid::now_v7(), Uuid::now_v7());
    let refused = Arc::new(Mutex::new(None::<Refused>));
    let stash = refused.clone();
    let done = state
        .db
        .write(move |conn| {
            let Some(c) = operations::claim_next(conn)? else {
                return Ok(false);
            };
            let actor = actor(&st, &c.operation.started_by);
            let (plan, customer, partner) =
                (c.operation.plan_id, c.customer_id, c.operation.tenant_id);
            let draft = CustomerInvitationDraft {
                id: invitation_id,
                customer_id: Some(customer),
                to: None,
                token_hash: issued.hash,
                link: link(
                    &st.public_base_url,
                    "customer-invitations",
                    invitation_id,
                    &issued.token,
                ),
                now,
                admin_roles: c.admin_roles,
                admin_duration: AdminDuration::MAX,
                note: c.message,
            };
            // Deciding writes nothing: a refusal here is recorded in this same transaction.
            let decided = customer_invitations::draft_context(
                conn,
                &key,
                partner,
                c.provider_id,
                Some(customer),
            )
            .map_err(ApiError::from)
            .and_then(|ctx| operation::invite(ctx, draft, email_id).map_err(ApiError::from));
            let outcome = match decided {
                Ok(invited) => operation::record(plan, customer, Ok(invited)),
                Err(e) => {
                    let error = failure(&e).ok_or(e)?;
                    tracing::info!(%plan, %customer, code = %error.code, "customer not invited");
                    operation::record(plan, customer, Err(error))
                }
            };
            match events::apply_as(conn, &actor, &key, outcome, now) {
                Ok(()) => Ok(true),
                Err(e) => {
                    if let (Some(error), Ok(mut slot)) = (failure(&e), stash.lock()) {
                        *slot = Some(Refused {
                            actor,
                            plan,
                            customer,
                            error,
                        });
                    }
                    Err(e)
                }
            }
        })
        .await;
    let taken = refused.lock().ok().and_then(|mut slot| slot.take());
    match (done, taken) {
        (Err(_), Some(r)) => record_refusal(state, r).await.map(|()| true),
        (done, _) => done,
    }
}

/// Records a refusal met while writing, unless the customer was handled meanwhile.
async fn record_refusal(state: &web::Data<AppState>, r: Refused) -> Result<(), ApiError> {
    let now = state.clock.now();
    let key = state.data_key.clone();
    tracing::info!(plan = %r.plan, customer = %r.customer, code = %r.error.code, "customer not invited");
    let recorded = state
        .db
        .write(move |conn| {
            let failed = operation::record(r.plan, r.customer, Err(r.error));
            events::apply_as(conn, &r.actor, &key, failed, now)
        })
        .await;
    match recorded {
        // Handled by another replica meanwhile: its result stands.
        Err(e) if e.code() == ErrorCode::InvalidState => Ok(()),
        other => other,
    }
}

/// Finishes every running operation with nothing pending, each in its own transaction. Two
/// replicas may find the same one: the second finds it finished and leaves it.
async fn finish_ready(state: &web::Data<AppState>) {
    let ready = match state
        .db
        .read(|conn| operations::finishable(conn).map_err(ApiError::from))
        .await
    {
        Ok(ready) => ready,
        Err(e) => {
            tracing::warn!(error = %e, "cannot look for finished operations");
            return;
        }
    };
    for (tenant, id) in ready {
        let now = state.clock.now();
        let (key, st) = (state.data_key.clone(), state.clone());
        let finished = state
            .db
            .write(move |conn| {
                let op = operations::finish_context(conn, tenant, &id)?;
                let actor = actor(&st, &op.started_by);
                match operation::finish(op, now) {
                    Ok(decided) => events::apply_as(conn, &actor, &key, decided, now).map(Some),
                    // Finished by another replica, or work arrived meanwhile.
                    Err(DomainError::InvalidState(_) | DomainError::OperationNotFinished(_)) => {
                        Ok(None)
                    }
                    Err(e) => Err(ApiError::from(e)),
                }
            })
            .await;
        match finished {
            Ok(Some(op)) => tracing::info!(
                operation = %op.id,
                status = op.status.name(),
                "operation finished"
            ),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "cannot finish an operation"),
        }
    }
}
