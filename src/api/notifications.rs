//! R30, R34: the partner's notifications: the e-mails its events sent, as written to the outbox.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::caller::Caller;
use super::error::{ApiError, BadRequest, Forbidden, Unauthenticated};
use super::extract::{PageParams, path_tenant};
use crate::domain::access::Operation;
use crate::domain::notification::MailStatus;
use crate::state::AppState;
use crate::store::models::{NotificationRow, utc};
use crate::store::{StoreError, outbox};

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationDto {
    #[schema(format = "uuid")]
    pub id: String,
    /// `enrollment_approved`, `enrollment_rejected`, `incentive_invitation`,
    /// `partnership_invitation`, `customer_invitation` or `customer_accepted`.
    #[schema(example = "enrollment_approved")]
    #[schema(value_type = crate::domain::notification::NotificationKind)]
    pub kind: String,
    #[schema(example = "ops@contoso.com")]
    pub to: String,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// The event that sent this e-mail (`GET /v1/events/{event_id}`, R34); null for e-mails
    /// written before the event log existed.
    #[schema(format = "uuid")]
    pub event_id: Option<String>,
    pub delivery: MailDelivery,
}

/// How far the e-mail got (R35): `pending` until the SMTP server accepts it (also while
/// `SMTP_URL` is unset), `sent`, or `failed` after the last retry.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailDelivery {
    pub status: MailStatus,
    /// Attempts made so far.
    #[schema(minimum = 0, example = 1)]
    pub attempts: i64,
    pub sent_at: Option<DateTime<Utc>>,
    /// Why the latest failed attempt failed, as the SMTP server or the connection said.
    pub last_error: Option<String>,
}

impl TryFrom<NotificationRow> for NotificationDto {
    type Error = StoreError;

    fn try_from(r: NotificationRow) -> Result<Self, StoreError> {
        let delivery = MailDelivery {
            status: r.status()?,
            attempts: r.attempts,
            sent_at: r.delivered_at.map(utc),
            last_error: r.last_error,
        };
        Ok(NotificationDto {
            id: r.id,
            kind: r.kind,
            to: r.to_address,
            subject: r.subject,
            body: r.body,
            created_at: utc(r.created_at),
            event_id: r.event_id,
            delivery,
        })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationDto>,
    pub next_cursor: Option<String>,
}

/// E-mails sent to the partner, oldest first (R7, R26, R30).
#[utoipa::path(
    tag = "notifications",
    params(("partner_id" = String, Path, format = "uuid"), PageParams),
    responses(
        (status = 200, body = NotificationPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
    )
)]
#[get("/v1/partners/{partner_id}/notifications")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let partner = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::ReadNotifications, Some(partner))?;
    let page = params.page()?;
    let rows = state
        .db
        .read(move |conn| outbox::list(conn, partner, &page).map_err(ApiError::from))
        .await?;
    let page = rows.try_map(NotificationDto::try_from)?;
    Ok(HttpResponse::Ok().json(NotificationPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}
