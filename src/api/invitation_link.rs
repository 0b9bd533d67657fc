//! The personal link of a partnership or customer invitation (R15, R17) and its token.

use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

/// The longest invitation token taken (issued ones are 43 characters).
pub const TOKEN_MAX: u64 = 200;

/// A missing (or empty) `token` is a 400 naming it (`extract::query_error`).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TokenQuery {
    /// The `token` of the invitation link.
    #[param(min_length = 1, max_length = 200)]
    pub token: String,
}

pub fn link(base: &str, kind: &str, id: Uuid, token: &str) -> String {
    format!("{base}/v1/{kind}/{id}?token={token}")
}
