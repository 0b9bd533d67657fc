//! R29: a partner's audit log, one entry per event (R34); `action` is the event's type.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::caller::Caller;
use super::error::{ApiError, BadRequest, FieldError, Forbidden, Unauthenticated};
use super::events::roles;
use super::extract::{PageParams, path_tenant};
use crate::domain::access::Operation;
use crate::state::AppState;
use crate::store::events;
use crate::store::models::{EventRow, utc};

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    #[schema(format = "uuid")]
    pub id: String,
    pub at: DateTime<Utc>,
    #[schema(example = "alice@contoso.com")]
    pub actor_sub: String,
    pub actor_tenant: String,
    /// The roles the actor's token carried.
    #[schema(example = json!(["GlobalAdmin"]))]
    #[schema(value_type = Vec<crate::domain::role::Role>)]
    pub actor_roles: Vec<String>,
    #[schema(example = "enrollment.submitted")]
    #[schema(value_type = crate::domain::event::EventType)]
    pub action: String,
    #[schema(example = "enrollment/0193a1d2-7c1e-7a4b-9f00-5c2e3d4b1a00")]
    pub subject: String,
    pub request_id: String,
}

impl From<EventRow> for AuditEvent {
    fn from(r: EventRow) -> Self {
        AuditEvent {
            id: r.id,
            at: utc(r.occurred_at),
            actor_sub: r.actor_sub,
            actor_tenant: r.actor_tenant,
            actor_roles: roles(&r.actor_roles),
            action: r.event_type,
            subject: format!("{}/{}", r.subject_kind, r.subject_id),
            request_id: r.request_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventPage {
    pub items: Vec<AuditEvent>,
    pub next_cursor: Option<String>,
}

/// The partner's audit log, oldest first (R29).
#[utoipa::path(
    tag = "audit",
    params(("partner_id" = String, Path, format = "uuid"), PageParams),
    responses(
        (status = 200, body = AuditEventPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
    )
)]
#[get("/v1/partners/{partner_id}/audit-events")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let partner = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::ReadAuditEvents, Some(partner))?;
    let page = params.page()?;
    // The cursor carries the last sequence read, as in the event feed.
    let after = match &page.after {
        None => 0,
        Some(seq) => seq.parse::<i64>().map_err(|_| {
            ApiError::bad_request("cursor is not one this service issued").with_errors(vec![
                FieldError::new("cursor", "must be a next_cursor from a previous page"),
            ])
        })?,
    };
    let rows = state
        .db
        .read(move |conn| {
            events::list(conn, partner, &[], after, page.limit).map_err(ApiError::from)
        })
        .await?;
    let page = rows.map(AuditEvent::from);
    Ok(HttpResponse::Ok().json(AuditEventPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}
