//! Incentive programs (R26, R27).

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::caller::Caller;
use super::dto::incentive::{IncentiveEnrollmentDto, IncentiveInvitationDto};
use super::error::{ApiError, BadRequest, Forbidden, NotFound, Unauthenticated, Unprocessable};
use super::events;
use super::extract::{ApiJson, path_tenant};
use super::idempotency::{Answer, Once};
use crate::domain::access::Operation;
use crate::domain::incentive;
use crate::domain::program::Program;
use crate::state::AppState;
use crate::store::incentives;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IncentiveProgram {
    IndirectReseller,
    DirectBill,
}

impl From<IncentiveProgram> for Program {
    fn from(p: IncentiveProgram) -> Program {
        match p {
            IncentiveProgram::IndirectReseller => Program::IndirectReseller,
            IncentiveProgram::DirectBill => Program::DirectBill,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Incentives {
    pub invitations: Vec<IncentiveInvitationDto>,
    pub enrollments: Vec<IncentiveEnrollmentDto>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollIncentive {
    pub program: IncentiveProgram,
}

/// The partner's incentive invitations and enrollments.
#[utoipa::path(
    tag = "incentives",
    params(("partner_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, body = Incentives),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
    )
)]
#[get("/v1/partners/{partner_id}/incentive-enrollments")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::ReadIncentives, Some(id))?;
    let (invitations, enrollments) = state
        .db
        .read(move |conn| {
            Ok::<_, ApiError>((
                incentives::invitations(conn, id)?,
                incentives::enrollments(conn, id)?,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(Incentives {
        invitations: invitations
            .iter()
            .map(IncentiveInvitationDto::from)
            .collect(),
        enrollments: enrollments
            .iter()
            .map(IncentiveEnrollmentDto::from)
            .collect(),
    }))
}

/// Enroll in an incentive program (GlobalAdmin, IncentiveAdmin). The indirect reseller program
/// needs its invitation (R26); direct bill incentives are separate (R27).
#[utoipa::path(
    tag = "incentives",
    params(("partner_id" = String, Path, format = "uuid")),
    request_body = EnrollIncentive,
    responses(
        (status = 201, body = IncentiveEnrollmentDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "`forbidden`, `tenant_mismatch`, or `not_eligible` for direct bill incentives without direct bill", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, response = NotFound),
        (status = 409, description = "`incentive_not_invited` or `already_enrolled`", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/partners/{partner_id}/incentive-enrollments")]
pub async fn enroll(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    body: ApiJson<EnrollIncentive>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::EnrollIncentive, Some(id))?;
    let program = Program::from(body.parse()?.program);
    let now = state.clock.now();
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let ctx = incentives::context(conn, id)?;
        let decided = incentive::enroll(ctx, program, Uuid::now_v7(), caller.sub.clone(), now)?;
        let enrollment = events::apply(conn, caller, &key, decided, now)?;
        Answer::created(&IncentiveEnrollmentDto::from(&enrollment))
    })
    .await
}
