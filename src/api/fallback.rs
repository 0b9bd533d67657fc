//! Unknown routes: 405 with `Allow` when the path exists under other methods, else 404
//! (`route_table` knows which paths exist).

use actix_web::{HttpRequest, HttpResponse, web};

use super::error::ApiError;
use crate::state::AppState;

pub async fn handler(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    Err(match state.routes.methods(req.path()) {
        Some(methods) => ApiError::method_not_allowed(methods.join(", ")),
        None => ApiError::not_found(format!("no route for {}", req.path())),
    })
}
