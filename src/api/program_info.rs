//! "Program info" (R8): where the partner stands in the transition.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::caller::Caller;
use super::dto::enrollment::EnrollmentDto;
use super::error::{ApiError, BadRequest, Forbidden, NotFound, Unauthenticated};
use super::extract::path_tenant;
use crate::domain::access::Operation;
use crate::domain::enrollment::next_step;
use crate::state::AppState;
use crate::store::{agreements, enrollments, partners, partnerships};

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramInfo {
    #[schema(example = json!(["direct_bill", "indirect_reseller"]))]
    #[schema(value_type = Vec<crate::domain::program::Program>)]
    pub programs: Vec<String>,
    pub enrollment: Option<EnrollmentDto>,
    pub agreement_accepted: bool,
    pub indirect_reseller_active: bool,
    /// `enroll`, `await_approval`, `accept_agreement`, `find_provider` or `invite_customers`.
    #[schema(example = "find_provider")]
    #[schema(value_type = crate::domain::enrollment::NextStep)]
    pub next_step: String,
}

/// The partner's programs, latest enrollment, agreement state and next step.
#[utoipa::path(
    tag = "enrollment",
    operation_id = "program_info",
    params(("partner_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, body = ProgramInfo),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/v1/partners/{partner_id}/program-info")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::ReadProgramInfo, Some(id))?;
    let info = state
        .db
        .read(move |conn| {
            let partner = partners::registered(conn, id)?;
            let latest = enrollments::latest(conn, id)?;
            let accepted = agreements::find(conn, id)?.is_some();
            let active_providers = partnerships::count_providers(conn, id)?;
            Ok::<_, ApiError>(ProgramInfo {
                programs: partner
                    .programs()
                    .into_iter()
                    .map(|p| p.name().to_owned())
                    .collect(),
                next_step: next_step(latest.as_ref(), accepted, active_providers)
                    .name()
                    .to_owned(),
                enrollment: latest.as_ref().map(EnrollmentDto::from),
                agreement_accepted: accepted,
                indirect_reseller_active: partner.indirect_reseller,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(info))
}
