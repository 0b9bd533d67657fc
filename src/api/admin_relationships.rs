//! Admin relationships (R31-R33, after Microsoft's GDAP): a partner asks its customer for Entra
//! roles, the customer's GlobalAdmin approves with a personal link, and either side ends them.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::caller::Caller;
use super::doc;
use super::dto::Empty;
use super::dto::admin_relationship::AdminRelationshipDto;
use super::error::{ApiError, BadRequest, Forbidden, NotFound, Unauthenticated, Unprocessable};
use super::events;
use super::extract::{ApiJson, Fields, PageParams, path_tenant};
use super::idempotency::{Answer, Once};
use super::invitation_link::{TOKEN_MAX, link};
use crate::domain::access::Operation;
use crate::domain::admin_grant as commands;
use crate::domain::admin_relationship::{
    AdminDuration, AdminRelationship, AdminRequest, AdminRole, Side,
};
use crate::domain::values::ValueError;
use crate::state::AppState;
use crate::store::page::Page;
use crate::store::{AnyConnection, StoreError, admin_relationships};
use crate::token;

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminRelationshipPage {
    pub items: Vec<AdminRelationshipDto>,
    pub next_cursor: Option<String>,
}

impl AdminRelationshipPage {
    fn new(page: Page<AdminRelationship>, now: DateTime<Utc>) -> Self {
        let page = page.map(|r| AdminRelationshipDto::new(&r, now));
        AdminRelationshipPage {
            items: page.items,
            next_cursor: page.next_cursor,
        }
    }
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"roles": ["User Administrator", "License Administrator"], "duration": "P180D", "auto_extend": true}))]
pub struct RequestAdminRelationship {
    /// Entra roles from the catalogue (R31).
    #[schema(value_type = Vec<AdminRole>, min_items = 1)]
    pub roles: Vec<String>,
    /// How long the roles are granted from approval (default `P730D`).
    #[schema(value_type = Option<doc::AdminDuration>)]
    pub duration: Option<String>,
    /// R31: 180 more days at each end; refused with Global Administrator. Default false.
    pub auto_extend: Option<bool>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "q3Yh0c1uXxVbJ9nN4m2kP8sT6wR5zA7dE1fG3hJ0kLc"}))]
pub struct ApproveAdminRelationship {
    /// The `token` of the approval link.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = TOKEN_MAX, message = "must be 1 to 200 characters"))]
    pub token: String,
}

/// Ends the relationship `load` finds for one side, in one transaction (R32).
async fn end<F>(
    state: &AppState,
    caller: Caller,
    once: Once,
    by: Side,
    load: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&mut AnyConnection) -> Result<AdminRelationship, StoreError> + Send + 'static,
{
    let now = state.clock.now();
    let key = state.data_key.clone();
    once.write(state, caller, move |conn, caller| {
        let r = load(conn)?;
        let r = events::apply(conn, caller, &key, commands::terminate(r, by, now)?, now)?;
        Answer::ok(&AdminRelationshipDto::new(&r, now))
    })
    .await
}

/// The partner's admin relationships with one of its customers, oldest first.
#[utoipa::path(
    tag = "admin relationships",
    params(("partner_id" = String, Path, format = "uuid"), ("customer_id" = String, Path, format = "uuid"), PageParams),
    responses(
        (status = 200, body = AdminRelationshipPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/v1/partners/{partner_id}/customers/{customer_id}/admin-relationships")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let partner = path_tenant("partner_id", &path.0)?;
    let customer = path_tenant("customer_id", &path.1)?;
    caller.require(Operation::ReadAdminRelationships, Some(partner))?;
    let page = params.page()?;
    let rows = state
        .db
        .read(move |conn| {
            admin_relationships::list_for_pair(conn, partner, customer, &page)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AdminRelationshipPage::new(rows, state.clock.now())))
}

/// Ask the customer for roles (R32). The request waits for the customer's GlobalAdmin, who
/// approves it with `approval_link` (single use, 30 days), shown only in this answer.
#[utoipa::path(
    tag = "admin relationships",
    params(("partner_id" = String, Path, format = "uuid"), ("customer_id" = String, Path, format = "uuid")),
    request_body = RequestAdminRelationship,
    responses(
        (status = 201, body = AdminRelationshipDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, description = "`not_found`: not a customer of the partner", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: a role not in the catalogue, a duration outside `P1D`..`P730D`, or `auto_extend` with Global Administrator (R31)", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/partners/{partner_id}/customers/{customer_id}/admin-relationships")]
pub async fn request(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: ApiJson<RequestAdminRelationship>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let partner = path_tenant("partner_id", &path.0)?;
    let customer = path_tenant("customer_id", &path.1)?;
    caller.require(Operation::RequestAdminRelationship, Some(partner))?;
    let b = body.parse()?;
    let mut fields = Fields::default();
    let roles = fields.take("roles", AdminRole::parse_set(&b.roles).map_err(ValueError));
    let duration = fields.take_opt("duration", b.duration.as_deref(), |d| {
        AdminDuration::parse(d).map_err(ValueError)
    });
    let (Some(roles), Some(duration)) = (roles, duration) else {
        return Err(fields.into_error());
    };
    let ask = AdminRequest {
        roles,
        duration: duration.unwrap_or(AdminDuration::MAX),
        auto_extend: b.auto_extend.unwrap_or(false),
    };
    let (id, issued, now) = (Uuid::now_v7(), token::issue(), state.clock.now());
    let link = link(
        &state.public_base_url,
        "admin-relationships",
        id,
        &issued.token,
    );
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let ctx = admin_relationships::request_context(conn, partner, customer)?;
        let decided = commands::request(ctx, id, ask, issued.hash, now)?;
        let r = events::apply(conn, caller, &key, decided, now)?;
        Answer::created(&AdminRelationshipDto::with_link(&r, now, link))
    })
    .await
}

/// The partner's GlobalAdmin ends the relationship (R32); it never comes back.
#[utoipa::path(
    tag = "admin relationships",
    params(("partner_id" = String, Path, format = "uuid"), ("customer_id" = String, Path, format = "uuid"), ("relationship_id" = String, Path, format = "uuid")),
    request_body(content = Empty, description = "Optional; may be empty"),
    responses(
        (status = 200, body = AdminRelationshipDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "`invalid_state`: already expired or terminated", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post(
    "/v1/partners/{partner_id}/customers/{customer_id}/admin-relationships/{relationship_id}/terminate"
)]
pub async fn terminate(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String, String)>,
    body: ApiJson<Empty>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let (partner_id, customer_id, id) = path.into_inner();
    let partner = path_tenant("partner_id", &partner_id)?;
    let customer = path_tenant("customer_id", &customer_id)?;
    caller.require(Operation::TerminateAdminRelationship, Some(partner))?;
    body.parse()?;
    end(&state, caller, once, Side::Partner, move |conn| {
        admin_relationships::of_partner(conn, partner, customer, &id)
    })
    .await
}

/// The customer's GlobalAdmin approves a request with its link's token (R32): once, within 30
/// days. The roles are granted from now for the requested duration.
#[utoipa::path(
    tag = "admin relationships",
    params(("relationship_id" = String, Path, format = "uuid")),
    request_body = ApproveAdminRelationship,
    responses(
        (status = 200, body = AdminRelationshipDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "`forbidden` or `wrong_customer`: the request is for another customer", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`invalid_invitation_token` (also for an unknown id)", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state`: approved, terminated or expired already", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 410, description = "`invitation_expired`: the link is older than 30 days", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/admin-relationships/{relationship_id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    caller: Caller,
    relationship_id: web::Path<String>,
    body: ApiJson<ApproveAdminRelationship>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    caller.require(Operation::ApproveAdminRelationship, None)?;
    let id = relationship_id.into_inner();
    let hash = token::hash(&body.parse()?.token);
    let (customer, now) = (caller.tenant(), state.clock.now());
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let r = admin_relationships::to_approve(conn, &id)?;
        let decided = commands::approve(r, &hash, customer, now)?;
        let r = events::apply(conn, caller, &key, decided, now)?;
        Answer::ok(&AdminRelationshipDto::new(&r, now))
    })
    .await
}

/// The customer's view (R32): which partners hold which roles, until when, oldest first.
#[utoipa::path(
    tag = "admin relationships",
    params(("customer_id" = String, Path, format = "uuid"), PageParams),
    responses(
        (status = 200, body = AdminRelationshipPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
    )
)]
#[get("/v1/customers/{customer_id}/admin-relationships")]
pub async fn customer_list(
    state: web::Data<AppState>,
    caller: Caller,
    customer_id: web::Path<String>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let customer = path_tenant("customer_id", &customer_id)?;
    caller.require(Operation::ReadGrantedAdminRelationships, Some(customer))?;
    let page = params.page()?;
    let rows = state
        .db
        .read(move |conn| {
            admin_relationships::list_for_customer(conn, customer, &page).map_err(ApiError::from)
        })
        .await?;
    Ok(HttpResponse::Ok().json(AdminRelationshipPage::new(rows, state.clock.now())))
}

/// The customer's GlobalAdmin ends a partner's relationship (R32); it never comes back.
#[utoipa::path(
    tag = "admin relationships",
    params(("customer_id" = String, Path, format = "uuid"), ("relationship_id" = String, Path, format = "uuid")),
    request_body(content = Empty, description = "Optional; may be empty"),
    responses(
        (status = 200, body = AdminRelationshipDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "`invalid_state`: already expired or terminated", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/customers/{customer_id}/admin-relationships/{relationship_id}/terminate")]
pub async fn customer_terminate(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: ApiJson<Empty>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, id) = path.into_inner();
    let customer = path_tenant("customer_id", &customer_id)?;
    caller.require(Operation::TerminateAdminRelationship, Some(customer))?;
    body.parse()?;
    end(&state, caller, once, Side::Customer, move |conn| {
        admin_relationships::of_customer(conn, customer, &id)
    })
    .await
}
