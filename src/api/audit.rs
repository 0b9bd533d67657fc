//! R29: recording state changes, and reading a partner's audit log.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::error::{ApiError, BadRequest, Forbidden, Unauthenticated};
use super::extract::{PageParams, path_tenant};
use crate::auth::Caller;
use crate::domain::access::Operation;
use crate::domain::values::TenantId;
use crate::startup::AppState;
use crate::store::models::{AuditRow, naive, utc};
use crate::store::{AnyConnection, StoreError, audit};

/// Appends one event to `tenant`'s log, in the caller's transaction.
pub fn record(
    conn: &mut AnyConnection,
    caller: &Caller,
    tenant: TenantId,
    action: &str,
    subject: String,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    audit::record(
        conn,
        &AuditRow {
            id: Uuid::now_v7().to_string(),
            tenant_id: tenant.to_string(),
            at: naive(at),
            actor_sub: caller.sub.clone(),
            actor_tenant: caller.tenant().to_string(),
            actor_roles: caller.role_names(),
            action: action.to_owned(),
            subject,
            request_id: caller.request_id.clone(),
        },
    )
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: String,
    pub at: DateTime<Utc>,
    #[schema(example = "alice@contoso.com")]
    pub actor_sub: String,
    pub actor_tenant: String,
    /// The roles the actor's token carried.
    #[schema(example = json!(["GlobalAdmin"]))]
    pub actor_roles: Vec<String>,
    #[schema(example = "enrollment.submitted")]
    pub action: String,
    #[schema(example = "enrollment/0193a1d2-7c1e-7a4b-9f00-5c2e3d4b1a00")]
    pub subject: String,
    pub request_id: String,
}

impl From<AuditRow> for AuditEvent {
    fn from(r: AuditRow) -> Self {
        AuditEvent {
            id: r.id,
            at: utc(r.at),
            actor_sub: r.actor_sub,
            actor_tenant: r.actor_tenant,
            actor_roles: r
                .actor_roles
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            action: r.action,
            subject: r.subject,
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
    let rows = state
        .db
        .read(move |conn| audit::list(conn, partner, &page).map_err(ApiError::from))
        .await?;
    let page = rows.map(AuditEvent::from);
    Ok(HttpResponse::Ok().json(AuditEventPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}
