//! The indirect reseller enrollment (R1-R9) and what approval sets off (R7, R26).

use actix_web::{HttpResponse, delete, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::caller::Caller;
use super::doc;
use super::dto::Empty;
use super::dto::enrollment::EnrollmentDto;
use super::error::{ApiError, BadRequest, Forbidden, NotFound, Unauthenticated, Unprocessable};
use super::events;
use super::extract::{ApiJson, Fields, path_tenant};
use super::idempotency::{Answer, Once};
use crate::domain::access::Operation;
use crate::domain::enrollment::{self, Submission};
use crate::domain::values::{Email, TenantId, Text};
use crate::state::AppState;
use crate::store::enrollments;

/// The enrollment form (R5). An empty body is fine.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitEnrollment {
    /// The contact to notify; defaults to the profile's primary contact.
    #[schema(value_type = Option<doc::EmailAddress>)]
    pub primary_contact_email: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectEnrollment {
    #[schema(schema_with = reason_schema, example = "The MPN ID does not match the company name")]
    pub reason: String,
}

fn reason_schema() -> utoipa::openapi::schema::Object {
    doc::text(REASON_MAX, "Shown to the partner in the rejection notice")
}

const REASON_MAX: usize = 1000;

fn location(partner: TenantId) -> String {
    format!("/v1/partners/{partner}/indirect-reseller-enrollment")
}

/// Enroll as indirect reseller on the existing tenant (R1-R6). GlobalAdmin only (R3).
/// Under `ENROLLMENT_REVIEW=auto` the answer is already `approved`.
#[utoipa::path(
    tag = "enrollment",
    params(("partner_id" = String, Path, format = "uuid")),
    request_body(content = SubmitEnrollment, description = "Optional; may be empty"),
    responses(
        (status = 201, body = EnrollmentDto, headers(("location" = String))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "`forbidden`, `tenant_mismatch`, or `not_eligible` (R2)", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_enrolled`", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, or `profile_incomplete` (R4) naming each missing field", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/partners/{partner_id}/indirect-reseller-enrollment")]
pub async fn submit(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    body: ApiJson<SubmitEnrollment>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::SubmitEnrollment, Some(id))?;
    let mut fields = Fields::default();
    let contact = fields.take_opt(
        "primary_contact_email",
        body.parse()?.primary_contact_email.as_deref(),
        Email::parse,
    );
    let Some(contact) = contact else {
        return Err(fields.into_error());
    };
    let (now, review) = (state.clock.now(), state.review);
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let ctx = enrollments::submission_context(conn, id)?;
        let form = Submission {
            id: Uuid::now_v7(),
            submitted_by: caller.sub.clone(),
            primary_contact_email: contact,
            now,
        };
        let decided = enrollment::submit(ctx, form, review, Uuid::now_v7)?;
        let e = events::apply(conn, caller, &key, decided, now)?;
        Ok(Answer::created(&EnrollmentDto::from(&e))?.at(location(id)))
    })
    .await
}

/// The latest enrollment and its status (R8).
#[utoipa::path(
    tag = "enrollment",
    params(("partner_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, body = EnrollmentDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, description = "No enrollment yet", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/partners/{partner_id}/indirect-reseller-enrollment")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::ReadEnrollment, Some(id))?;
    let e = state
        .db
        .read(move |conn| enrollments::current(conn, id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(EnrollmentDto::from(&e)))
}

/// Withdraw a pending enrollment. An approved one cannot be removed (R9: 409 `irreversible`).
#[utoipa::path(
    tag = "enrollment",
    params(("partner_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, body = EnrollmentDto, description = "Withdrawn"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "`irreversible` (approved) or `invalid_state`", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/partners/{partner_id}/indirect-reseller-enrollment")]
pub async fn withdraw(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::WithdrawEnrollment, Some(id))?;
    let now = state.clock.now();
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let pending = enrollments::withdrawal_context(conn, id)?;
        let decided = enrollment::withdraw(pending, caller.sub.clone(), now)?;
        let e = events::apply(conn, caller, &key, decided, now)?;
        Answer::ok(&EnrollmentDto::from(&e))
    })
    .await
}

/// Approve a pending enrollment (operator, `ENROLLMENT_REVIEW=manual`). Notifies the contact
/// (R7) and issues the incentive invitation (R26).
#[utoipa::path(
    tag = "enrollment",
    params(("partner_id" = String, Path, format = "uuid")),
    request_body(content = Empty, description = "Optional; may be empty"),
    responses(
        (status = 200, body = EnrollmentDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "`invalid_state`: not pending", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/partners/{partner_id}/indirect-reseller-enrollment/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    body: ApiJson<Empty>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::DecideEnrollment, Some(id))?;
    body.parse()?;
    let now = state.clock.now();
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let ctx = enrollments::decision_context(conn, id)?;
        let decided = enrollment::approve(ctx, caller.sub.clone(), Uuid::now_v7, now)?;
        let e = events::apply(conn, caller, &key, decided, now)?;
        Answer::ok(&EnrollmentDto::from(&e))
    })
    .await
}

/// Reject a pending enrollment with a reason (operator). The partner may submit again (R9).
#[utoipa::path(
    tag = "enrollment",
    params(("partner_id" = String, Path, format = "uuid")),
    request_body = RejectEnrollment,
    responses(
        (status = 200, body = EnrollmentDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "`invalid_state`: not pending", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/partners/{partner_id}/indirect-reseller-enrollment/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    body: ApiJson<RejectEnrollment>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::DecideEnrollment, Some(id))?;
    let mut fields = Fields::default();
    let Some(reason) = fields.take("reason", Text::parse(&body.parse()?.reason, REASON_MAX)) else {
        return Err(fields.into_error());
    };
    let now = state.clock.now();
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let ctx = enrollments::decision_context(conn, id)?;
        let decided = enrollment::reject(ctx, caller.sub.clone(), reason, Uuid::now_v7(), now)?;
        let e = events::apply(conn, caller, &key, decided, now)?;
        Answer::ok(&EnrollmentDto::from(&e))
    })
    .await
}
