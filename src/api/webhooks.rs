//! Webhook endpoints (R34, R35): a tenant's GlobalAdmin points its events at receivers, signed
//! per the Standard Webhooks specification.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::caller::Caller;
use super::closed_sets::WebhookEventType;
use super::dto::Empty;
use super::dto::webhook::WebhookEndpointDto;
use super::error::{
    ApiError, BadRequest, FieldError, Forbidden, NotFound, Unauthenticated, Unprocessable,
};
use super::error_code::ErrorCode;
use super::events;
use super::extract::{ApiJson, Fields, PageParams, one_of, query_param, whole_number};
use super::idempotency::{Answer, Once};
use crate::domain::access::Operation;
use crate::domain::outcome::Outcome;
use crate::domain::values::Text;
use crate::domain::webhook::{
    self, DeliveryStatus, EndpointChanges, EventFilter, Secret, WebhookEndpoint,
};
use crate::state::AppState;
use crate::store::models::utc;
use crate::store::webhooks::{self as store, DeliveryRow};
use crate::webhooks::target;

const URL_MAX: usize = 2000;
const DESCRIPTION_MAX: usize = 500;

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpointPage {
    pub items: Vec<WebhookEndpointDto>,
    pub next_cursor: Option<String>,
}

/// One event's delivery to one endpoint (R35).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(format = "uuid")]
    pub event_id: String,
    #[schema(value_type = crate::domain::event::EventType)]
    pub event_type: String,
    #[schema(value_type = crate::domain::webhook::DeliveryStatus)]
    pub status: String,
    pub attempts: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    /// When the next attempt is due; null once delivered or given up.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl From<DeliveryRow> for DeliveryDto {
    fn from(r: DeliveryRow) -> Self {
        DeliveryDto {
            id: r.id,
            event_id: r.event_id,
            event_type: r.event_type,
            status: r.status,
            attempts: r.attempts,
            last_status_code: r.last_status_code,
            last_error: r.last_error,
            next_attempt_at: r.next_attempt_at.map(utc),
            delivered_at: r.delivered_at.map(utc),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryDto>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"url": "https://hooks.example.com/csp", "event_types": ["*"], "description": "ERP sync"}))]
pub struct CreateWebhookEndpoint {
    /// `https://`, not resolving to a loopback, private, link-local or unique-local address
    /// (unless `WEBHOOK_ALLOW_PRIVATE`).
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    /// `["*"]` for every event (a list naming `*` means every event), or event types.
    #[schema(value_type = Vec<WebhookEventType>, min_items = 1, max_items = 28)]
    pub event_types: Vec<String>,
    #[schema(min_length = 1, max_length = 500)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enabled": true}))]
pub struct PatchWebhookEndpoint {
    #[schema(min_length = 1, max_length = 2000)]
    pub url: Option<String>,
    #[schema(value_type = Option<Vec<WebhookEventType>>, min_items = 1, max_items = 28)]
    pub event_types: Option<Vec<String>>,
    #[schema(min_length = 1, max_length = 500)]
    pub description: Option<String>,
    /// `true` turns a disabled endpoint on again and forgets its failures.
    pub enabled: Option<bool>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"after_sequence": 0}))]
pub struct Replay {
    /// Deliver again every matching event with a greater `sequence`.
    #[schema(minimum = 0)]
    #[serde(deserialize_with = "whole_number")]
    pub after_sequence: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    #[param(value_type = Option<crate::domain::webhook::DeliveryStatus>)]
    pub status: Option<String>,
    /// How many items to return, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn refused(e: target::Refused) -> ApiError {
    ApiError::new(ErrorCode::WebhookUrlRefused, format!("url {e}"))
        .with_errors(vec![FieldError::new("url", e.to_string())])
}

/// API.md: a URL that is not https, or resolves to an internal address, is refused (SSRF).
async fn checked_url(raw: &str, allow_private: bool) -> Result<String, ApiError> {
    if raw.is_empty() || raw.len() > URL_MAX {
        return Err(ApiError::field("url", "must be 1 to 2000 characters"));
    }
    let url = target::parse(raw, allow_private).map_err(refused)?;
    target::resolve(&url, allow_private)
        .await
        .map_err(refused)?;
    Ok(url.to_string())
}

fn filter(fields: &mut Fields, names: &[String]) -> Option<EventFilter> {
    match EventFilter::parse(names) {
        Ok(f) => Some(f),
        Err(message) => {
            fields.add("event_types", message);
            None
        }
    }
}

fn new_secret() -> Secret {
    Secret::from_bytes(&rand::random::<[u8; 32]>())
}

/// Runs `decide` on the caller's endpoint `id` in one transaction and answers with `status`.
async fn change<F>(
    state: &AppState,
    caller: Caller,
    once: Once,
    id: String,
    status: StatusCode,
    decide: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(WebhookEndpoint, DateTime<Utc>) -> Result<Outcome<(WebhookEndpoint, bool)>, ApiError>
        + Send
        + 'static,
{
    caller.require(Operation::ManageWebhooks, Some(caller.tenant()))?;
    let tenant = caller.tenant();
    let now = state.clock.now();
    let key = state.data_key.clone();
    once.write(state, caller, move |conn, caller| {
        let e = store::locked(conn, &key, tenant, &id)?;
        let (after, secret_shown) = events::apply(conn, caller, &key, decide(e, now)?, now)?;
        let dto = if secret_shown {
            WebhookEndpointDto::with_secret(&after)
        } else {
            WebhookEndpointDto::new(&after)
        };
        Answer::new(status, &dto)
    })
    .await
}

/// Create an endpoint; the answer shows its signing secret, once.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhookEndpoint,
    responses(
        (status = 201, body = WebhookEndpointDto, headers(("location" = String))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 422, description = "`validation_failed` or `webhook_url_refused`", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/webhook-endpoints")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<CreateWebhookEndpoint>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    caller.require(Operation::ManageWebhooks, Some(caller.tenant()))?;
    let b = body.parse()?;
    let mut fields = Fields::default();
    let events = filter(&mut fields, &b.event_types);
    let description = fields.take_opt("description", b.description.as_deref(), |d| {
        Text::parse(d, DESCRIPTION_MAX)
    });
    let (Some(events), Some(description)) = (events, description) else {
        return Err(fields.into_error());
    };
    let url = checked_url(&b.url, state.webhook_allow_private).await?;
    let now = state.clock.now();
    let e = WebhookEndpoint::create(
        Uuid::now_v7(),
        caller.tenant(),
        url,
        events,
        description.map(|d| d.as_str().to_owned()),
        new_secret(),
        now,
    );
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let e = events::apply(conn, caller, &key, webhook::create(e), now)?;
        Ok(Answer::created(&WebhookEndpointDto::with_secret(&e))?
            .at(format!("/v1/webhook-endpoints/{}", e.id)))
    })
    .await
}

/// The caller's tenant's endpoints (no secrets).
#[utoipa::path(
    tag = "webhooks",
    params(PageParams),
    responses(
        (status = 200, body = WebhookEndpointPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
    )
)]
#[get("/v1/webhook-endpoints")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Operation::ManageWebhooks, Some(caller.tenant()))?;
    let page = params.page()?;
    let (tenant, key) = (caller.tenant(), state.data_key.clone());
    let rows = state
        .db
        .read(move |conn| store::list(conn, &key, tenant, &page).map_err(ApiError::from))
        .await?;
    let page = rows.map(|e| WebhookEndpointDto::new(&e));
    Ok(HttpResponse::Ok().json(WebhookEndpointPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// One endpoint of the caller's tenant; another tenant's is 404 (R28).
#[utoipa::path(
    tag = "webhooks",
    params(("endpoint_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, body = WebhookEndpointDto),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/v1/webhook-endpoints/{endpoint_id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    endpoint_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Operation::ManageWebhooks, Some(caller.tenant()))?;
    let (tenant, key, id) = (
        caller.tenant(),
        state.data_key.clone(),
        endpoint_id.into_inner(),
    );
    let e = state
        .db
        .read(move |conn| store::owned(conn, &key, tenant, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookEndpointDto::new(&e)))
}

/// Change the URL, the event types, the description, or turn the endpoint on or off.
#[utoipa::path(
    tag = "webhooks",
    params(("endpoint_id" = String, Path, format = "uuid")),
    request_body = PatchWebhookEndpoint,
    responses(
        (status = 200, body = WebhookEndpointDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, description = "`validation_failed` or `webhook_url_refused`", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/webhook-endpoints/{endpoint_id}")]
pub async fn edit(
    state: web::Data<AppState>,
    caller: Caller,
    endpoint_id: web::Path<String>,
    body: ApiJson<PatchWebhookEndpoint>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    caller.require(Operation::ManageWebhooks, Some(caller.tenant()))?;
    let b = body.parse()?;
    let mut fields = Fields::default();
    let events = match &b.event_types {
        None => Some(None),
        Some(names) => filter(&mut fields, names).map(Some),
    };
    let description = fields.take_opt("description", b.description.as_deref(), |d| {
        Text::parse(d, DESCRIPTION_MAX)
    });
    let (Some(events), Some(description)) = (events, description) else {
        return Err(fields.into_error());
    };
    let url = match &b.url {
        None => None,
        Some(raw) => Some(checked_url(raw, state.webhook_allow_private).await?),
    };
    let changes = EndpointChanges {
        url,
        events,
        description: description.map(|d| Some(d.as_str().to_owned())),
        enabled: b.enabled,
    };
    if changes == EndpointChanges::default() {
        return Err(ApiError::field("body", "name at least one field to change"));
    }
    change(
        &state,
        caller,
        once,
        endpoint_id.into_inner(),
        StatusCode::OK,
        move |e, _| Ok(webhook::edit(e, changes).map(|e| (e, false))),
    )
    .await
}

/// Delete the endpoint, its deliveries and their attempts.
#[utoipa::path(
    tag = "webhooks",
    params(("endpoint_id" = String, Path, format = "uuid")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[delete("/v1/webhook-endpoints/{endpoint_id}")]
pub async fn remove(
    state: web::Data<AppState>,
    caller: Caller,
    endpoint_id: web::Path<String>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    caller.require(Operation::ManageWebhooks, Some(caller.tenant()))?;
    let (tenant, key, id) = (
        caller.tenant(),
        state.data_key.clone(),
        endpoint_id.into_inner(),
    );
    let now = state.clock.now();
    once.write(&state, caller, move |conn, caller| {
        let e = store::locked(conn, &key, tenant, &id)?;
        events::apply(conn, caller, &key, webhook::delete(e), now)?;
        Ok(Answer::no_content())
    })
    .await
}

/// A new secret, shown once; the old one still signs for 24 hours, beside the new one.
#[utoipa::path(
    tag = "webhooks",
    params(("endpoint_id" = String, Path, format = "uuid")),
    request_body(content = Empty, description = "Optional; may be empty"),
    responses(
        (status = 200, body = WebhookEndpointDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/webhook-endpoints/{endpoint_id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    caller: Caller,
    endpoint_id: web::Path<String>,
    body: ApiJson<Empty>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    body.parse()?;
    let secret = new_secret();
    change(
        &state,
        caller,
        once,
        endpoint_id.into_inner(),
        StatusCode::OK,
        move |e, now| Ok(webhook::rotate_secret(e, secret, now).map(|e| (e, true))),
    )
    .await
}

/// Deliver a `webhook.test` event to this endpoint (202: it is sent in the background).
#[utoipa::path(
    tag = "webhooks",
    params(("endpoint_id" = String, Path, format = "uuid")),
    request_body(content = Empty, description = "Optional; may be empty"),
    responses(
        (status = 202, body = WebhookEndpointDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "`invalid_state`: the endpoint is disabled", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/webhook-endpoints/{endpoint_id}/test")]
pub async fn test(
    state: web::Data<AppState>,
    caller: Caller,
    endpoint_id: web::Path<String>,
    body: ApiJson<Empty>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    body.parse()?;
    change(
        &state,
        caller,
        once,
        endpoint_id.into_inner(),
        StatusCode::ACCEPTED,
        |e, _| Ok(webhook::test(e)?.map(|e| (e, false))),
    )
    .await
}

/// Deliver again every matching event of the tenant after `after_sequence` (202).
#[utoipa::path(
    tag = "webhooks",
    params(("endpoint_id" = String, Path, format = "uuid")),
    request_body = Replay,
    responses(
        (status = 202, body = WebhookEndpointDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "`invalid_state`: the endpoint is disabled", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/webhook-endpoints/{endpoint_id}/replay")]
pub async fn replay(
    state: web::Data<AppState>,
    caller: Caller,
    endpoint_id: web::Path<String>,
    body: ApiJson<Replay>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let after = body.parse()?.after_sequence;
    if after < 0 {
        return Err(ApiError::field("after_sequence", "must be 0 or more"));
    }
    change(
        &state,
        caller,
        once,
        endpoint_id.into_inner(),
        StatusCode::ACCEPTED,
        move |e, now| Ok(webhook::replay(e.clone(), after, now)?.map(|()| (e, false))),
    )
    .await
}

/// The endpoint's deliveries, oldest first, optionally of one status.
#[utoipa::path(
    tag = "webhooks",
    params(("endpoint_id" = String, Path, format = "uuid"), DeliveryFilter),
    responses(
        (status = 200, body = DeliveryPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/v1/webhook-endpoints/{endpoint_id}/deliveries")]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    endpoint_id: web::Path<String>,
    filter: web::Query<DeliveryFilter>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Operation::ManageWebhooks, Some(caller.tenant()))?;
    let filter = filter.into_inner();
    let page = PageParams {
        limit: filter.limit,
        cursor: filter.cursor,
    }
    .page()?;
    let status = query_param(
        "status",
        filter.status.as_deref(),
        one_of(DeliveryStatus::from_name, "pending, succeeded or failed"),
    )?;
    let (tenant, key, id) = (
        caller.tenant(),
        state.data_key.clone(),
        endpoint_id.into_inner(),
    );
    let rows = state
        .db
        .read(move |conn| {
            let e = store::owned(conn, &key, tenant, &id)?;
            Ok::<_, ApiError>(store::deliveries(conn, tenant, e.id, status, &page)?)
        })
        .await?;
    let page = rows.map(DeliveryDto::from);
    Ok(HttpResponse::Ok().json(DeliveryPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}
