//! Customers (R19) and what the partner may do for each (R23-R25).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::caller::Caller;
use super::doc;
use super::dto::customer::{ActionDecision, CustomerDto};
use super::error::{ApiError, BadRequest, Forbidden, NotFound, Unauthenticated, Unprocessable};
use super::events;
use super::extract::{ApiJson, Fields, PageParams, one_of, path_tenant, query_param};
use super::idempotency::{Answer, Once};
use crate::domain::access::Operation;
use crate::domain::admin_relationship::{AdminGrant, AdminRelationship};
use crate::domain::capability::{Relationship, evaluate};
use crate::domain::customer::{self, Customer, Domain};
use crate::domain::role::Role;
use crate::domain::values::{CompanyName, TenantId};
use crate::state::AppState;
use crate::store::customers;

#[derive(Debug, Serialize, ToSchema)]
pub struct Capabilities {
    #[schema(format = "uuid")]
    pub customer_id: String,
    /// `direct_bill` or `indirect_reseller`.
    #[schema(value_type = crate::domain::capability::Relationship)]
    pub relationship: String,
    /// Every action of R23, in that order.
    pub actions: Vec<ActionDecision>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerPage {
    pub items: Vec<CustomerDto>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"company_name": "Fourth Coffee", "domain": "fourthcoffee.onmicrosoft.com", "store_for_business": false}))]
pub struct CreateCustomer {
    #[schema(value_type = doc::CompanyName)]
    pub company_name: String,
    #[schema(value_type = doc::DomainName)]
    pub domain: String,
    /// R22: buys through Microsoft Store for Business. Default false.
    pub store_for_business: Option<bool>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reseller_partner_id": "7d8a3f2e-0b1c-4c55-9a57-2f3e4d5c6b7a", "company_name": "Alpine Ski House", "domain": "alpineskihouse.onmicrosoft.com"}))]
pub struct CreateResellerCustomer {
    /// The reseller that will list the customer (R19).
    #[schema(format = "uuid")]
    pub reseller_partner_id: String,
    #[schema(value_type = doc::CompanyName)]
    pub company_name: String,
    #[schema(value_type = doc::DomainName)]
    pub domain: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerFilter {
    #[param(value_type = Option<crate::domain::capability::Relationship>)]
    pub relationship: Option<String>,
    /// How many items to return, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// R23-R25, R33: the caller's capabilities for the partner's customer, its admin relationships
/// read with the clock.
fn decisions(
    relationship: Relationship,
    admin: &[AdminRelationship],
    now: DateTime<Utc>,
    roles: &[Role],
) -> Vec<ActionDecision> {
    let admin = AdminGrant::of(admin, now);
    evaluate(Some(relationship), &admin, roles)
        .iter()
        .map(|d| ActionDecision {
            action: d.action.name().to_owned(),
            allowed: d.allowed,
            reason: d.reason.name().to_owned(),
        })
        .collect()
}

fn new_customer(
    fields: &mut Fields,
    name: &str,
    domain: &str,
    store_for_business: bool,
    now: DateTime<Utc>,
) -> Option<Customer> {
    let company_name = fields.take("company_name", CompanyName::parse(name));
    let domain = fields.take("domain", Domain::parse(domain));
    Some(Customer {
        tenant_id: TenantId::from_uuid(Uuid::new_v4()),
        company_name: company_name?,
        domain: domain?,
        store_for_business,
        created_at: now,
    })
}

/// Checks the caller against the path's partner: the partner and the customer the path names.
fn customer_path(
    caller: &Caller,
    path: (String, String),
) -> Result<(TenantId, TenantId), ApiError> {
    let id = path_tenant("partner_id", &path.0)?;
    let customer = path_tenant("customer_id", &path.1)?;
    caller.require(Operation::ReadCustomers, Some(id))?;
    Ok((id, customer))
}

/// A direct bill partner creates a customer tenant, as direct bill customer (R19).
#[utoipa::path(
    tag = "customers",
    params(("partner_id" = String, Path, format = "uuid")),
    request_body = CreateCustomer,
    responses(
        (status = 201, body = CustomerDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "`forbidden`, `tenant_mismatch`, or `direct_bill_required` (R19)", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/partners/{partner_id}/customers")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    body: ApiJson<CreateCustomer>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::CreateDirectCustomer, Some(id))?;
    let now = state.clock.now();
    let b = body.parse()?;
    let mut fields = Fields::default();
    let Some(c) = new_customer(
        &mut fields,
        &b.company_name,
        &b.domain,
        b.store_for_business.unwrap_or(false),
        now,
    ) else {
        return Err(fields.into_error());
    };
    let roles = caller.actor.roles.clone();
    let key = state.data_key.clone();
    let grant_id = Uuid::now_v7();
    once.write(&state, caller, move |conn, caller| {
        let ctx = customers::direct_context(conn, id)?;
        let decided = customer::create_direct_customer(ctx, c, grant_id, now)?;
        let pc = events::apply(conn, caller, &key, decided, now)?;
        let mut dto = CustomerDto::new(&pc, now);
        dto.capabilities = Some(decisions(
            pc.relationship.relationship,
            &pc.admin,
            now,
            &roles,
        ));
        Ok(Answer::created(&dto)?.at(format!("/v1/partners/{id}/customers/{}", dto.id)))
    })
    .await
}

/// The provider creates a customer tenant for one of its resellers, which then lists it as an
/// indirect reseller customer (R19).
#[utoipa::path(
    tag = "customers",
    params(("provider_id" = String, Path, format = "uuid")),
    request_body = CreateResellerCustomer,
    responses(
        (status = 201, body = CustomerDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "`no_provider_relationship`: the partner is not a reseller of this provider", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/indirect-providers/{provider_id}/customers")]
pub async fn create_for_reseller(
    state: web::Data<AppState>,
    caller: Caller,
    provider_id: web::Path<String>,
    body: ApiJson<CreateResellerCustomer>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let provider_id = path_tenant("provider_id", &provider_id)?;
    caller.require(Operation::CreateIndirectCustomer, Some(provider_id))?;
    let now = state.clock.now();
    let b = body.parse()?;
    let mut fields = Fields::default();
    let reseller = fields.take(
        "reseller_partner_id",
        TenantId::parse(&b.reseller_partner_id),
    );
    let c = new_customer(&mut fields, &b.company_name, &b.domain, false, now);
    let (Some(reseller), Some(c)) = (reseller, c) else {
        return Err(fields.into_error());
    };
    let key = state.data_key.clone();
    let grant_id = Uuid::now_v7();
    once.write(&state, caller, move |conn, caller| {
        let ctx = customers::reseller_context(conn, provider_id, reseller)?;
        let decided = customer::create_reseller_customer(ctx, c, grant_id, now)?;
        let pc = events::apply(conn, caller, &key, decided, now)?;
        let dto = CustomerDto::new(&pc, now);
        Ok(Answer::created(&dto)?.at(format!("/v1/partners/{reseller}/customers/{}", dto.id)))
    })
    .await
}

/// The partner's customers, direct bill and indirect reseller.
#[utoipa::path(
    tag = "customers",
    params(("partner_id" = String, Path, format = "uuid"), CustomerFilter),
    responses(
        (status = 200, body = CustomerPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
    )
)]
#[get("/v1/partners/{partner_id}/customers")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    filter: web::Query<CustomerFilter>,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::ReadCustomers, Some(id))?;
    let filter = filter.into_inner();
    let page = PageParams {
        limit: filter.limit,
        cursor: filter.cursor,
    }
    .page()?;
    let relationship = query_param(
        "relationship",
        filter.relationship.as_deref(),
        one_of(Relationship::from_name, "direct_bill or indirect_reseller"),
    )?;
    let rows = state
        .db
        .read(move |conn| {
            customers::list_for_partner(conn, id, relationship, &page).map_err(ApiError::from)
        })
        .await?;
    let now = state.clock.now();
    let page = rows.map(|pc| CustomerDto::new(&pc, now));
    Ok(HttpResponse::Ok().json(CustomerPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// One customer, with what the caller may do for it (R23).
#[utoipa::path(
    tag = "customers",
    params(("partner_id" = String, Path, format = "uuid"), ("customer_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, body = CustomerDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/v1/partners/{partner_id}/customers/{customer_id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, customer) = customer_path(&caller, path.into_inner())?;
    let pc = state
        .db
        .read(move |conn| customers::visible(conn, id, customer).map_err(ApiError::from))
        .await?;
    let now = state.clock.now();
    let mut dto = CustomerDto::new(&pc, now);
    dto.capabilities = Some(decisions(
        pc.relationship.relationship,
        &pc.admin,
        now,
        &caller.actor.roles,
    ));
    Ok(HttpResponse::Ok().json(dto))
}

/// What the caller may do for this customer: every action of R23 in order, each with its reason
/// (R23a, R25).
#[utoipa::path(
    tag = "customers",
    params(("partner_id" = String, Path, format = "uuid"), ("customer_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, body = Capabilities),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/v1/partners/{partner_id}/customers/{customer_id}/capabilities")]
pub async fn capabilities(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, customer) = customer_path(&caller, path.into_inner())?;
    // Only what the decisions are made on: the customer's own columns are not read.
    let (relationship, admin) = state
        .db
        .read(move |conn| customers::decision_facts(conn, id, customer).map_err(ApiError::from))
        .await?;
    let kind = relationship.relationship;
    Ok(HttpResponse::Ok().json(Capabilities {
        customer_id: relationship.customer_id.to_string(),
        relationship: kind.name().to_owned(),
        actions: decisions(kind, &admin, state.clock.now(), &caller.actor.roles),
    }))
}
