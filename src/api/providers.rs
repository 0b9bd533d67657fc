//! The official indirect provider directory (R14), closed until the agreement is accepted (R12).

use actix_web::{HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::error::{ApiError, BadRequest, Unauthenticated};
use super::extract::PageParams;
use crate::auth::Caller;
use crate::domain::DomainError;
use crate::domain::access::Operation;
use crate::startup::AppState;
use crate::store::partners;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderDto {
    #[schema(format = "uuid")]
    pub tenant_id: String,
    pub name: String,
    pub regions: Vec<String>,
    pub services: Vec<String>,
    pub contact_email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderPage {
    pub items: Vec<ProviderDto>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProviderFilter {
    /// ISO 3166-1 alpha-2 region the provider serves.
    pub region: Option<String>,
    /// `technical_training`, `marketing` or `financing_and_credit`.
    pub service: Option<String>,
}

/// Search the provider directory (R14). Partners need the accepted agreement (R12).
#[utoipa::path(
    tag = "providers",
    params(ProviderFilter, PageParams),
    responses(
        (status = 200, body = ProviderPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "`indirect_reseller_not_active` before the agreement (R12)", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/indirect-providers")]
pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    _filter: web::Query<ProviderFilter>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Operation::SearchProviders, None)?;
    params.page()?;
    if !caller.is_operator() {
        let tenant = caller.tenant();
        state
            .db
            .read(move |conn| match partners::find(conn, tenant)? {
                Some(partner) => partner.require_indirect_reseller().map_err(ApiError::from),
                None => Err(DomainError::IndirectResellerNotActive.into()),
            })
            .await?;
    }
    Ok(HttpResponse::Ok().json(ProviderPage {
        items: Vec::new(),
        next_cursor: None,
    }))
}
