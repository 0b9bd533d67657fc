//! Runs operations (R37) beside the server, on every replica with `SENDERS=on`: claims one
//! pending customer at a time and invites it in one transaction, so that the invitation and the
//! item's result commit together. A process killed mid-way leaves its current customer pending
//! (its transaction never committed) for whichever replica claims it next: nobody is invited
//! twice, nobody is skipped. An operation with nothing pending is finished, once.

use std::time::Duration;

use actix_web::web;
use diesel::Connection;
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

/// Handles one customer in one transaction; false when no operation has work.
async fn step(state: &web::Data<AppState>) -> Result<bool, ApiError> {
    let now = state.clock.now();
    let (key, st) = (state.data_key.clone(), state.clone());
    let issued = token::issue();
    let (invitation_id, email_id) = (Uuid::now_v7(), Uuid::now_v7());
    state
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
            // A savepoint: a refusal met while writing (a unique index) leaves the transaction
            // usable, to record it.
            let invited = conn.transaction::<_, ApiError, _>(|conn| {
                let ctx = customer_invitations::draft_context(
                    conn,
                    &key,
                    partner,
                    c.provider_id,
                    Some(customer),
                )?;
                let decided = operation::invite(ctx, draft, email_id)?;
                events::apply_as(
                    conn,
                    &actor,
                    &key,
                    operation::record(plan, customer, Ok(decided)),
                    now,
                )
            });
            match invited {
                Ok(()) => Ok(true),
                Err(e) => {
                    let Some(error) = failure(&e) else {
                        return Err(e);
                    };
                    tracing::info!(%plan, %customer, code = %error.code, "customer not invited");
                    let failed = operation::record(plan, customer, Err(error));
                    events::apply_as(conn, &actor, &key, failed, now)?;
                    Ok(true)
                }
            }
        })
        .await
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
