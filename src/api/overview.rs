//! The transition overview (R39): where the partner stands, in one call for a dashboard.

use actix_web::{HttpResponse, get, web};

use super::caller::Caller;
use super::dto::overview::TransitionOverview;
use super::error::{ApiError, BadRequest, Forbidden, NotFound, Unauthenticated};
use super::extract::path_tenant;
use crate::domain::access::Operation;
use crate::domain::overview::overview;
use crate::state::AppState;
use crate::store::overview as store;

/// The partner's whole transition in one answer, for a dashboard (R39).
///
/// The next step, the latest enrollment, the agreement, the active providers, customers by
/// relationship with those being moved (R21) and those that cannot be (R22), customer
/// invitations by the status a client sees, and the open deadlines sorted by date: at most the
/// 100 soonest, since a partner that invited 10,000 customers has 10,000 invitations expiring
/// (all of them: `GET /v1/partners/{partner_id}/customer-invitations`). Read in a fixed number
/// of queries whatever the number of customers.
#[utoipa::path(
    tag = "transition",
    operation_id = "transition_overview",
    params(("partner_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, body = TransitionOverview),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/v1/partners/{partner_id}/transition")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::ReadTransitionOverview, Some(id))?;
    let now = state.clock.now();
    let answer = state
        .db
        .read(move |conn| {
            let ctx = store::context(conn, id, now)?;
            Ok::<_, ApiError>(TransitionOverview::from(&overview(ctx, now)?))
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}
