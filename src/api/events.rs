//! R34: the event feed. Every state change writes one event per tenant concerned, in the
//! change's transaction (`apply`); integrations read them in order and resume by `after=`.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::caller::Caller;
use super::dto::admin_relationship::AdminRelationshipDto;
use super::dto::agreement::AcceptanceDto;
use super::dto::customer::CustomerDto;
use super::dto::customer_invitation::CustomerInvitationDto;
use super::dto::enrollment::EnrollmentDto;
use super::dto::incentive::{IncentiveEnrollmentDto, IncentiveInvitationDto};
use super::dto::operation::OperationDto;
use super::dto::partner::PartnerDto;
use super::dto::partnership::PartnershipInvitationDto;
use super::dto::provider::ProviderDto;
use super::dto::transition_plan::TransitionPlanDto;
use super::dto::webhook::WebhookEndpointDto;
use super::error::{ApiError, BadRequest, FieldError, Forbidden, NotFound, Unauthenticated};
use super::extract::{DEFAULT_LIMIT, MAX_LIMIT, path_tenant};
use crate::domain::access::Operation;
use crate::domain::event::EventType;
use crate::domain::outcome::{Outcome, Subject as EventSubject};
use crate::domain::values::TenantId;
use crate::sealing::DataKey;
use crate::state::AppState;
use crate::store::models::{EventRow, utc};
use crate::store::page::decode_cursor;
use crate::store::{AnyConnection, StoreError, events, outcome};

/// Applies a decided outcome in the caller's transaction (STYLE.md "Decide, then apply") and
/// hands back what the caller is answered with. Events show their subject as the API does right
/// after the change, never with an invitation or approval token.
pub fn apply<T>(
    conn: &mut AnyConnection,
    caller: &Caller,
    key: &DataKey,
    outcome: Outcome<T>,
    now: DateTime<Utc>,
) -> Result<T, ApiError> {
    apply_as(conn, &caller.author(), key, outcome, now)
}

/// As `apply`, for work the service does outside a request (the senders).
pub fn apply_as<T>(
    conn: &mut AnyConnection,
    actor: &outcome::Actor,
    key: &DataKey,
    outcome: Outcome<T>,
    now: DateTime<Utc>,
) -> Result<T, ApiError> {
    let render = |subject: &EventSubject| render(subject, now);
    outcome::apply(conn, key, &outcome, actor, now, &render)?;
    Ok(outcome.value)
}

fn render(subject: &EventSubject, now: DateTime<Utc>) -> Result<String, StoreError> {
    let json = match subject {
        EventSubject::Partner(p) => serde_json::to_string(&PartnerDto::from(p)),
        EventSubject::Provider(p) => serde_json::to_string(&ProviderDto::from(p)),
        EventSubject::Enrollment(e) => serde_json::to_string(&EnrollmentDto::from(e)),
        EventSubject::Acceptance(a) => serde_json::to_string(&AcceptanceDto::from(a)),
        EventSubject::IncentiveInvitation(i) => {
            serde_json::to_string(&IncentiveInvitationDto::from(i))
        }
        EventSubject::IncentiveEnrollment(e) => {
            serde_json::to_string(&IncentiveEnrollmentDto::from(e))
        }
        EventSubject::PartnershipInvitation(i) => {
            serde_json::to_string(&PartnershipInvitationDto::new(i, now))
        }
        EventSubject::Customer(c) => serde_json::to_string(&CustomerDto::new(c, now)),
        EventSubject::CustomerInvitation(i) => {
            serde_json::to_string(&CustomerInvitationDto::hidden(i, now))
        }
        EventSubject::AdminRelationship(r) => {
            serde_json::to_string(&AdminRelationshipDto::new(r, now))
        }
        EventSubject::TransitionPlan(p) => serde_json::to_string(&TransitionPlanDto::from(p)),
        EventSubject::Operation(o) => serde_json::to_string(&OperationDto::from(o)),
        EventSubject::WebhookEndpoint(e) => serde_json::to_string(&WebhookEndpointDto::new(e)),
    };
    json.map_err(|e| StoreError::Corrupt(format!("event data: {e}")))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Actor {
    #[schema(example = "alice@contoso.com")]
    pub sub: String,
    #[schema(format = "uuid")]
    pub tenant_id: String,
    #[schema(example = json!(["GlobalAdmin"]))]
    #[schema(value_type = Vec<crate::domain::role::Role>)]
    pub roles: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Subject {
    #[schema(example = "enrollment")]
    #[schema(value_type = crate::domain::event::SubjectKind)]
    pub kind: String,
    #[schema(format = "uuid")]
    pub id: String,
}

/// One state change, as one tenant sees it (R34).
#[derive(Debug, Serialize, ToSchema)]
pub struct Event {
    #[schema(format = "uuid")]
    pub id: String,
    /// 1, 2, 3, ... per tenant, with no gaps, in commit order.
    #[schema(example = 7)]
    pub sequence: i64,
    #[serde(rename = "type")]
    #[schema(example = "enrollment.approved")]
    #[schema(value_type = crate::domain::event::EventType)]
    pub event_type: String,
    #[schema(format = "uuid")]
    pub tenant_id: String,
    pub occurred_at: DateTime<Utc>,
    pub actor: Actor,
    pub request_id: String,
    pub subject: Subject,
    /// The subject as the API showed it right after the change (`{}` for events recorded
    /// before the event log existed).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

pub fn roles(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl From<EventRow> for Event {
    fn from(r: EventRow) -> Self {
        Event {
            id: r.id,
            sequence: r.sequence,
            event_type: r.event_type,
            tenant_id: r.tenant_id,
            occurred_at: utc(r.occurred_at),
            actor: Actor {
                sub: r.actor_sub,
                tenant_id: r.actor_tenant,
                roles: roles(&r.actor_roles),
            },
            request_id: r.request_id,
            subject: Subject {
                kind: r.subject_kind,
                id: r.subject_id,
            },
            data: serde_json::from_str(&r.data).unwrap_or(serde_json::Value::Null),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<Event>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventFilter {
    /// Event types, comma-separated; all when absent.
    #[param(
        value_type = Option<Vec<EventType>>,
        style = Form,
        explode = false,
        example = json!(["customer_invitation.accepted", "enrollment.approved"])
    )]
    #[serde(rename = "type")]
    pub event_type: Option<String>,
    /// Events with a sequence greater than this (the last one a reader saw).
    #[param(minimum = 0, example = 0)]
    pub after: Option<i64>,
    /// The operator's ProgramAdmin names the tenant to read; others read their own.
    #[param(format = "uuid")]
    pub tenant_id: Option<String>,
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page (same as `after` its last sequence).
    pub cursor: Option<String>,
}

fn bad(field: &str, message: &str) -> ApiError {
    ApiError::bad_request(format!("query parameter {field} {message}"))
        .with_errors(vec![FieldError::new(field, message)])
}

/// The tenant whose feed is read: the caller's own, or the one a ProgramAdmin names.
fn feed_of(caller: &Caller, tenant_id: Option<&str>) -> Result<TenantId, ApiError> {
    let tenant = match tenant_id {
        Some(raw) => path_tenant("tenant_id", raw)?,
        None => caller.tenant(),
    };
    caller.require(Operation::ReadEvents, Some(tenant))?;
    Ok(tenant)
}

fn types(raw: Option<&str>) -> Result<Vec<EventType>, ApiError> {
    raw.map(|names| {
        names
            .split(',')
            .map(|name| {
                EventType::from_name(name.trim())
                    .ok_or_else(|| bad("type", "must list event types such as enrollment.approved"))
            })
            .collect()
    })
    .transpose()
    .map(Option::unwrap_or_default)
}

/// The caller's events (GlobalAdmin), or a tenant's (operator), oldest first.
#[utoipa::path(
    tag = "events",
    params(EventFilter),
    responses(
        (status = 200, body = EventPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
    )
)]
#[get("/v1/events")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<EventFilter>,
) -> Result<HttpResponse, ApiError> {
    let filter = filter.into_inner();
    let tenant = feed_of(&caller, filter.tenant_id.as_deref())?;
    let types = types(filter.event_type.as_deref())?;
    let limit = filter.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(bad("limit", "must be between 1 and 200"));
    }
    let from_cursor = match &filter.cursor {
        None => None,
        Some(c) => Some(
            decode_cursor(c)
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| bad("cursor", "must be a next_cursor from a previous page"))?,
        ),
    };
    let after = match (filter.after, from_cursor) {
        (Some(a), _) if a < 0 => return Err(bad("after", "must be 0 or more")),
        (Some(a), Some(c)) => a.max(c),
        (a, c) => a.or(c).unwrap_or(0),
    };
    let page = state
        .db
        .read(move |conn| events::list(conn, tenant, &types, after, limit).map_err(ApiError::from))
        .await?
        .map(Event::from);
    Ok(HttpResponse::Ok().json(EventPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventTenant {
    /// The operator's ProgramAdmin names the tenant; others read their own.
    #[param(format = "uuid")]
    pub tenant_id: Option<String>,
}

/// One event of the caller's tenant (or, for the operator, of `tenant_id`).
#[utoipa::path(
    tag = "events",
    params(("event_id" = String, Path, format = "uuid"), EventTenant),
    responses(
        (status = 200, body = Event),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/v1/events/{event_id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    event_id: web::Path<String>,
    query: web::Query<EventTenant>,
) -> Result<HttpResponse, ApiError> {
    let tenant = feed_of(&caller, query.tenant_id.as_deref())?;
    let id = event_id.into_inner();
    let row = state
        .db
        .read(move |conn| events::find(conn, tenant, &id).map_err(ApiError::from))
        .await?
        .ok_or_else(|| ApiError::not_found("no such event"))?;
    Ok(HttpResponse::Ok().json(Event::from(row)))
}
