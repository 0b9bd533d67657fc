use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::error::ApiError;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
    /// `readyz` only: the database backend in use.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "sqlite")]
    pub database: Option<&'static str>,
}

/// The process is up.
#[utoipa::path(tag = "operations", security(()), responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
        database: None,
    })
}

/// The database answers.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses(
        (status = 200, body = Health),
        (status = 503, description = "The database does not answer (`unavailable`)", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let database = state.db.backend();
    state.db.ping().await.map_err(ApiError::unavailable)?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok",
        database: Some(database),
    }))
}
