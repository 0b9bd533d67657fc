//! The indirect reseller agreement (R10-R11).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::caller::Caller;
use super::dto::agreement::AcceptanceDto;
use super::error::{ApiError, BadRequest, Forbidden, NotFound, Unauthenticated};
use super::events;
use super::extract::{ApiJson, path_tenant};
use super::idempotency::{Answer, Once};
use crate::domain::access::Operation;
use crate::domain::agreement::{self, Agreement};
use crate::state::AppState;
use crate::store::agreements;

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementDto {
    #[schema(example = "2026-10")]
    pub version: String,
    pub title: String,
    pub url: String,
    pub published_at: DateTime<Utc>,
}

impl From<Agreement> for AgreementDto {
    fn from(a: Agreement) -> Self {
        AgreementDto {
            version: a.version.to_owned(),
            title: a.title.to_owned(),
            url: a.url.to_owned(),
            published_at: a.published_at,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcceptAgreement {
    /// Must be the current version (`GET /v1/agreements/indirect-reseller`).
    #[schema(example = "2026-10", min_length = 1, max_length = 64)]
    #[validate(length(min = 1, max = 64, message = "must be 1 to 64 characters"))]
    pub agreement_version: String,
}

/// The current indirect reseller agreement.
#[utoipa::path(
    tag = "agreement",
    responses(
        (status = 200, body = AgreementDto),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
    )
)]
#[get("/v1/agreements/indirect-reseller")]
pub async fn current(caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Operation::ReadAgreement, None)?;
    Ok(HttpResponse::Ok().json(AgreementDto::from(agreement::current())))
}

/// "Accept and continue" (R10): GlobalAdmin, after approval. Turns on the indirect reseller
/// program (R11).
#[utoipa::path(
    tag = "agreement",
    params(("partner_id" = String, Path, format = "uuid")),
    request_body = AcceptAgreement,
    responses(
        (status = 201, body = AcceptanceDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "`enrollment_not_approved` or `already_accepted`", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`agreement_version_mismatch`", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/partners/{partner_id}/agreement-acceptances")]
pub async fn accept(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    body: ApiJson<AcceptAgreement>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::AcceptAgreement, Some(id))?;
    let version = body.parse()?.agreement_version;
    let now = state.clock.now();
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let ctx = agreements::context(conn, id)?;
        let decided =
            agreement::accept_and_activate(ctx, &version, Uuid::now_v7(), caller.sub.clone(), now)?;
        let acceptance = events::apply(conn, caller, &key, decided, now)?;
        Answer::created(&AcceptanceDto::from(&acceptance))
    })
    .await
}
