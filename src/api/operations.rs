//! Operations (R37): background work a request started, read by the tenant that started it.

use actix_web::{HttpResponse, get, web};

use super::caller::Caller;
use super::dto::operation::OperationDto;
use super::error::{ApiError, BadRequest, Forbidden, NotFound, Unauthenticated};
use crate::domain::access::Operation;
use crate::state::AppState;
use crate::store::operations;

/// An operation of the caller's tenant, with its progress and a result per customer handled so
/// far; poll it until `status` is not `running`.
#[utoipa::path(
    tag = "transition plans",
    operation_id = "read_operation",
    params(("operation_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, body = OperationDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/v1/operations/{operation_id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    operation_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let tenant = caller.tenant();
    caller.require(Operation::ReadTransitionPlans, Some(tenant))?;
    let id = operation_id.into_inner();
    let op = state
        .db
        .read(move |conn| operations::owned(conn, tenant, &id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(OperationDto::from(&op)))
}
