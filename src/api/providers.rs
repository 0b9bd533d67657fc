//! The indirect provider directory (R14), closed until the agreement is accepted (R12).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::caller::Caller;
use super::doc;
use super::dto::provider::ProviderDto;
use super::error::{ApiError, BadRequest, Forbidden, NotFound, Unauthenticated, Unprocessable};
use super::events;
use super::extract::{ApiJson, Fields, PageParams, path_tenant, query_param};
use super::idempotency::{Answer, Once};
use crate::domain::access::Operation;
use crate::domain::provider::{self, Provider, Service};
use crate::domain::region::Region;
use crate::domain::values::{CompanyName, Email, TenantId};
use crate::state::AppState;
use crate::store::{partners, partnerships, providers};

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderPage {
    pub items: Vec<ProviderDto>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"tenant_id": "5b6c7d8e-1f2a-4b3c-8d9e-0a1b2c3d4e5f", "name": "Northwind Distribution", "regions": ["DE", "AT"], "services": ["technical_training", "financing_and_credit"], "contact_email": "partners@northwind.example"}))]
pub struct RegisterProvider {
    #[schema(format = "uuid")]
    pub tenant_id: String,
    #[schema(value_type = doc::CompanyName)]
    pub name: String,
    /// ISO 3166-1 alpha-2 codes; repeats count once.
    #[schema(value_type = Vec<doc::Region>, min_items = 1, max_items = 250)]
    #[validate(length(min = 1, max = 250, message = "must name 1 to 250 regions"))]
    pub regions: Vec<String>,
    /// Repeats count once.
    #[schema(value_type = Vec<crate::domain::provider::Service>, min_items = 1, max_items = 3)]
    #[validate(length(min = 1, max = 3, message = "must name 1 to 3 services"))]
    pub services: Vec<String>,
    #[schema(value_type = doc::EmailAddress)]
    pub contact_email: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProviderFilter {
    /// ISO 3166-1 alpha-2 region the provider serves.
    #[param(value_type = Option<doc::Region>)]
    pub region: Option<String>,
    /// A service the provider offers.
    #[param(value_type = Option<crate::domain::provider::Service>)]
    pub service: Option<String>,
    /// How many items to return, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResellerDto {
    #[schema(format = "uuid")]
    pub partner_id: String,
    pub company_name: String,
    #[schema(example = "active")]
    pub status: String,
    pub established_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResellerPage {
    pub items: Vec<ResellerDto>,
    pub next_cursor: Option<String>,
}

async fn directory_open(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    if caller.is_operator() {
        return Ok(());
    }
    let tenant = caller.tenant();
    state
        .db
        .read(move |conn| {
            partners::indirect(conn, tenant)
                .map(|_| ())
                .map_err(ApiError::from)
        })
        .await
}

/// Register an indirect provider in the directory (operator).
#[utoipa::path(
    tag = "providers",
    request_body = RegisterProvider,
    responses(
        (status = 201, body = ProviderDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 409, description = "`provider_exists` (or `partner_exists`: the tenant is a partner)", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/indirect-providers")]
pub async fn register(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<RegisterProvider>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    caller.require(Operation::RegisterProvider, None)?;
    let body = body.parse()?;
    let mut fields = Fields::default();
    let tenant_id = fields.take("tenant_id", TenantId::parse(&body.tenant_id));
    let name = fields.take("name", CompanyName::parse(&body.name));
    let regions = fields.take("regions", provider::regions(&body.regions));
    let services = fields.take("services", provider::services(&body.services));
    let contact = fields.take("contact_email", Email::parse(&body.contact_email));
    let (Some(tenant_id), Some(name), Some(regions), Some(services), Some(contact_email)) =
        (tenant_id, name, regions, services, contact)
    else {
        return Err(fields.into_error());
    };
    if tenant_id == state.operator_tenant {
        return Err(ApiError::field("tenant_id", "is the operator tenant"));
    }
    let now = state.clock.now();
    let p = Provider {
        tenant_id,
        name,
        regions,
        services,
        contact_email,
        created_at: now,
    };
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let ctx = providers::registration_context(conn, p.tenant_id)?;
        let decided = provider::register(ctx, p)?;
        let p = events::apply(conn, caller, &key, decided, now)?;
        Ok(Answer::created(&ProviderDto::from(&p))?
            .at(format!("/v1/indirect-providers/{}", p.tenant_id)))
    })
    .await
}

/// Search the provider directory by region and service (R14). Partners need the accepted
/// agreement (R12: 403 `indirect_reseller_not_active`).
#[utoipa::path(
    tag = "providers",
    params(ProviderFilter),
    responses(
        (status = 200, body = ProviderPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
    )
)]
#[get("/v1/indirect-providers")]
pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<ProviderFilter>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Operation::SearchProviders, None)?;
    let filter = filter.into_inner();
    let page = PageParams {
        limit: filter.limit,
        cursor: filter.cursor,
    }
    .page()?;
    let region = query_param("region", filter.region.as_deref(), Region::parse)?;
    let service = query_param("service", filter.service.as_deref(), Service::parse)?;
    directory_open(&state, &caller).await?;
    let found = state
        .db
        .read(move |conn| {
            providers::search(conn, region.as_ref(), service, &page).map_err(ApiError::from)
        })
        .await?;
    let page = found.map(|p| ProviderDto::from(&p));
    Ok(HttpResponse::Ok().json(ProviderPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// One provider of the directory (R14, R12).
#[utoipa::path(
    tag = "providers",
    params(("provider_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, body = ProviderDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/v1/indirect-providers/{provider_id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    provider_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("provider_id", &provider_id)?;
    caller.require(Operation::SearchProviders, None)?;
    directory_open(&state, &caller).await?;
    let p = state
        .db
        .read(move |conn| {
            providers::find(conn, id)?
                .ok_or_else(|| ApiError::not_found("no provider with this id"))
        })
        .await?;
    Ok(HttpResponse::Ok().json(ProviderDto::from(&p)))
}

/// The provider's resellers (any role of the provider, or the operator).
#[utoipa::path(
    tag = "partnerships",
    params(("provider_id" = String, Path, format = "uuid"), PageParams),
    responses(
        (status = 200, body = ResellerPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
    )
)]
#[get("/v1/indirect-providers/{provider_id}/resellers")]
pub async fn resellers(
    state: web::Data<AppState>,
    caller: Caller,
    provider_id: web::Path<String>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("provider_id", &provider_id)?;
    caller.require(Operation::ReadResellers, Some(id))?;
    let page = params.page()?;
    let rows = state
        .db
        .read(move |conn| partnerships::resellers_of(conn, id, &page).map_err(ApiError::from))
        .await?;
    let page = rows.map(|(r, name)| ResellerDto {
        partner_id: r.partner_id.to_string(),
        company_name: name,
        status: "active".into(),
        established_at: r.established_at,
    });
    Ok(HttpResponse::Ok().json(ResellerPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}
