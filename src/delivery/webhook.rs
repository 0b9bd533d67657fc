//! The webhook sender (R35): claims due deliveries, posts each event signed per Standard
//! Webhooks, records every attempt, retries on the schedule, and disables an endpoint whose
//! deliveries have all failed for 3 days. It runs beside the server and never blocks a request.

use std::time::Instant;

use actix_web::web;
use chrono::{DateTime, Utc};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::api::error::ApiError;
use crate::api::events::{self, Event};
use crate::domain::delivery::next_attempt;
use crate::domain::webhook::{self, DeliveryStatus, SENDER};
use crate::state::AppState;
use crate::store::outcome::Actor;
use crate::store::webhooks::{self as store, Attempt, Claimed};
use crate::webhooks::{signature, target};

/// Deliveries claimed at once, sent concurrently.
const BATCH: i64 = 64;
/// What is kept of a failed answer's reason.
const ERROR_MAX: usize = 300;

/// Runs until the task is dropped: one round per `TICK`, sooner while there is a backlog.
pub async fn run(state: web::Data<AppState>) {
    let owner = format!("webhook-sender:{}", Uuid::now_v7());
    let client = match client(&state) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "the webhook sender cannot start");
            return;
        }
    };
    loop {
        match round(&state, &client, &owner).await {
            Ok(n) if n as i64 == BATCH => continue,
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "webhook delivery round failed; retrying"),
        }
        tokio::time::sleep(super::TICK).await;
    }
}

fn client(state: &AppState) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(state.webhook_timeout)
        .dns_resolver(std::sync::Arc::new(target::GuardedResolver {
            allow_private: state.webhook_allow_private,
        }))
        .user_agent(concat!("csp-transition/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Claims what is due and sends it; answers how many deliveries were claimed.
async fn round(
    state: &web::Data<AppState>,
    client: &reqwest::Client,
    owner: &str,
) -> Result<usize, ApiError> {
    let now = state.clock.now();
    let (key, claimer) = (state.data_key.clone(), owner.to_owned());
    let claimed = state
        .db
        .write(move |conn| {
            store::claim_due(conn, &key, &claimer, now, BATCH).map_err(ApiError::from)
        })
        .await?;
    let n = claimed.len();
    let mut sends = JoinSet::new();
    for c in claimed {
        let (state, client, owner) = (state.clone(), client.clone(), owner.to_owned());
        sends.spawn(async move {
            let delivery = c.delivery.id.clone();
            if let Err(e) = deliver(&state, &client, &owner, c).await {
                tracing::warn!(delivery, error = %e, "webhook attempt not recorded");
            }
        });
    }
    while sends.join_next().await.is_some() {}
    Ok(n)
}

/// One attempt: post, then record it and what it means for the endpoint, in one transaction.
async fn deliver(
    state: &web::Data<AppState>,
    client: &reqwest::Client,
    owner: &str,
    c: Claimed,
) -> Result<(), ApiError> {
    let at = state.clock.now();
    let started = Instant::now();
    let answer = post(state, client, &c, at).await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let attempts = u32::try_from(c.delivery.attempts + 1).unwrap_or(u32::MAX);
    let attempt = match &answer {
        Ok(status) if (200..300).contains(status) => Attempt {
            at,
            status_code: Some(*status),
            error: None,
            duration_ms,
            next_attempt_at: None,
            status: DeliveryStatus::Succeeded,
        },
        failed => {
            let (status_code, error) = match failed {
                Ok(status) => (Some(*status), format!("the receiver answered {status}")),
                Err(e) => (None, e.clone()),
            };
            let next = next_attempt(attempts, at, rand::random::<f64>());
            Attempt {
                at,
                status_code,
                error: Some(error),
                duration_ms,
                next_attempt_at: next,
                status: if next.is_some() {
                    DeliveryStatus::Pending
                } else {
                    DeliveryStatus::Failed
                },
            }
        }
    };
    let succeeded = attempt.status == DeliveryStatus::Succeeded;
    let actor = Actor {
        sub: SENDER.to_owned(),
        tenant: state.operator_tenant,
        roles: String::new(),
        request_id: format!("delivery:{}", c.delivery.id),
        operator: state.operator_tenant,
    };
    let (key, owner) = (state.data_key.clone(), owner.to_owned());
    state
        .db
        .write(move |conn| {
            if !store::record_attempt(conn, &c.delivery, &owner, &attempt)? {
                // Another sender took the delivery over after our lease ran out.
                return Ok(());
            }
            let tenant = c.endpoint.tenant_id;
            if succeeded && c.endpoint.failing_since.is_none() {
                // A healthy endpoint stays as it is: no need to lock it.
                return Ok(());
            }
            let endpoint = store::locked(conn, &key, tenant, &c.endpoint.id.to_string())?;
            let decided = if succeeded {
                webhook::delivered(endpoint)
            } else {
                let contact = store::contact(conn, tenant)?;
                webhook::delivery_failed(endpoint, contact, Uuid::now_v7(), at)
            };
            events::apply_as(conn, &actor, &key, decided, at)
        })
        .await
}

/// Posts the event, signed; answers the HTTP status, or why there was none.
async fn post(
    state: &AppState,
    client: &reqwest::Client,
    c: &Claimed,
    at: DateTime<Utc>,
) -> Result<u16, String> {
    // A literal address is checked here; a name, by the client's resolver.
    let url = target::parse(&c.endpoint.url, state.webhook_allow_private)
        .map_err(|e| format!("url {e}"))?;
    let body = serde_json::to_vec(&Event::from(c.event.clone())).map_err(|e| e.to_string())?;
    let timestamp = at.timestamp();
    let signatures = c.endpoint.signing_secrets(at);
    let response = client
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &c.event.id)
        .header("webhook-timestamp", timestamp.to_string())
        .header(
            "webhook-signature",
            signature::header(&signatures, &c.event.id, timestamp, &body),
        )
        .body(body)
        .send()
        .await
        .map_err(describe)?;
    Ok(response.status().as_u16())
}

/// A transport failure, said plainly (the cause chain holds the SSRF refusal, if any).
fn describe(e: reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "no answer within the timeout".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let mut source = std::error::Error::source(&e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(ERROR_MAX).collect()
}
