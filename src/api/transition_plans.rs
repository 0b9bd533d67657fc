//! Transition plans: the dry run of moving many direct bill customers to one provider (R36).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::caller::Caller;
use super::doc;
use super::dto::Empty;
use super::dto::operation::OperationDto;
use super::dto::transition_plan::TransitionPlanDto;
use super::error::{ApiError, BadRequest, Forbidden, NotFound, Unauthenticated};
use super::events;
use super::extract::{ApiJson, Fields, path_tenant};
use super::idempotency::{Answer, Once};
use crate::domain::access::Operation;
use crate::domain::admin_relationship::AdminRole;
use crate::domain::operation::{self as operation, Starter};
use crate::domain::transition_plan::{self as commands, PlanInput};
use crate::domain::values::{TenantId, Text, ValueError};
use crate::state::AppState;
use crate::store::{operations, transition_plans};

pub const MESSAGE_MAX: usize = 1000;
pub const CUSTOMERS_MAX: u64 = 1000;

fn message_schema() -> utoipa::openapi::schema::Object {
    doc::or_null(doc::text(MESSAGE_MAX, "A note for the invitations"))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"provider_id": "5b6c7d8e-1f2a-4b3c-8d9e-0a1b2c3d4e5f", "customer_ids": ["0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"], "admin_roles": ["User Administrator"]}))]
pub struct CreateTransitionPlan {
    /// One of the partner's active indirect providers (R17).
    #[schema(format = "uuid")]
    pub provider_id: String,
    /// The customers to plan for; leave out for every direct bill customer. Ids that are not the
    /// partner's customers refuse the whole plan.
    #[schema(value_type = Option<Vec<doc::Uuid>>, min_items = 1, max_items = 1000)]
    #[validate(length(min = 1, max = CUSTOMERS_MAX, message = "must name 1 to 1000 customers"))]
    pub customer_ids: Option<Vec<String>>,
    /// R32: the Entra roles each invitation will ask for (default as customer invitations).
    #[schema(value_type = Option<Vec<AdminRole>>, min_items = 1)]
    pub admin_roles: Option<Vec<String>>,
    #[schema(schema_with = message_schema)]
    pub message: Option<String>,
}

impl CreateTransitionPlan {
    fn input(self) -> Result<PlanInput, ApiError> {
        let mut fields = Fields::default();
        let provider_id = fields.take("provider_id", TenantId::parse(&self.provider_id));
        let customer_ids = match &self.customer_ids {
            None => Some(None),
            Some(ids) => fields
                .take(
                    "customer_ids",
                    ids.iter().map(|i| TenantId::parse(i)).collect(),
                )
                .map(Some),
        };
        let admin_roles = fields.take(
            "admin_roles",
            AdminRole::requested(self.admin_roles.as_deref()).map_err(ValueError),
        );
        let message = fields.take_opt("message", self.message.as_deref(), |m| {
            Text::parse(m, MESSAGE_MAX)
        });
        let (Some(provider_id), Some(customer_ids), Some(admin_roles), Some(message)) =
            (provider_id, customer_ids, admin_roles, message)
        else {
            return Err(fields.into_error());
        };
        Ok(PlanInput {
            provider_id,
            customer_ids,
            admin_roles,
            message: message.map(|m| m.as_str().to_owned()),
        })
    }
}

/// Plan the move of the partner's direct bill customers to one provider (R36): every customer
/// with its outcome, `invite` or `blocked` with the reason. A dry run: nobody is invited.
#[utoipa::path(
    tag = "transition plans",
    params(("partner_id" = String, Path, format = "uuid")),
    request_body = CreateTransitionPlan,
    responses(
        (status = 201, body = TransitionPlanDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "`forbidden`, `tenant_mismatch`, `indirect_reseller_not_active` (R12)", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`no_provider_relationship`", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a field, or `customer_ids` naming ids that are not the partner's customers", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/partners/{partner_id}/transition-plans")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    body: ApiJson<CreateTransitionPlan>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::PlanTransition, Some(id))?;
    let input = body.parse()?.input()?;
    let (now, plan_id, key) = (state.clock.now(), Uuid::now_v7(), state.data_key.clone());
    once.write(&state, caller, move |conn, caller| {
        let ctx = transition_plans::plan_context(conn, &key, id, input.provider_id)?;
        let decided = commands::plan(ctx, input, plan_id, now)?;
        let plan = events::apply(conn, caller, &key, decided, now)?;
        Answer::created(&TransitionPlanDto::from(&plan))
    })
    .await
}

/// One of the partner's transition plans (R36).
#[utoipa::path(
    tag = "transition plans",
    params(("partner_id" = String, Path, format = "uuid"), ("plan_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, body = TransitionPlanDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/v1/partners/{partner_id}/transition-plans/{plan_id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (partner_id, plan_id) = path.into_inner();
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::ReadTransitionPlans, Some(id))?;
    let plan = state
        .db
        .read(move |conn| transition_plans::owned(conn, id, &plan_id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(TransitionPlanDto::from(&plan)))
}

/// Execute the plan (R37, R38): one move invitation for each `invite` customer, made and marked
/// sent in the background, one customer at a time, each checked again as it is then (one
/// customer's failure does not stop the others). Answers at once with the operation to poll. A
/// plan executes once: a second execute is 409, whatever its `Idempotency-Key`; only a retry
/// with the first request's key gets the first answer again.
#[utoipa::path(
    tag = "transition plans",
    params(("partner_id" = String, Path, format = "uuid"), ("plan_id" = String, Path, format = "uuid")),
    request_body(content = Empty, description = "Optional; may be empty"),
    responses(
        (status = 202, body = OperationDto, headers(("Location" = String, description = "`/v1/operations/{id}`"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "`operation_not_finished`: the plan is being executed; `invalid_state`: it was executed (R38)", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a body that is not `{}`", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/partners/{partner_id}/transition-plans/{plan_id}/execute")]
pub async fn execute(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: ApiJson<Empty>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let (partner_id, plan_id) = path.into_inner();
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::PlanTransition, Some(id))?;
    body.parse()?;
    let (now, op_id, key) = (state.clock.now(), Uuid::now_v7(), state.data_key.clone());
    once.write(&state, caller, move |conn, caller| {
        let (plan, current) = operations::execute_context(conn, id, &plan_id)?;
        let author = caller.author();
        let started_by = Starter {
            sub: author.sub,
            tenant: author.tenant,
            roles: author.roles,
            request_id: author.request_id,
        };
        let decided = operation::start(&plan, current, op_id, started_by, now)?;
        let op = events::apply(conn, caller, &key, decided, now)?;
        Ok(Answer::new(StatusCode::ACCEPTED, &OperationDto::from(&op))?
            .at(format!("/v1/operations/{}", op.id)))
    })
    .await
}
