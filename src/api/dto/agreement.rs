//! The acceptance of the indirect reseller agreement (R10).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::agreement::Acceptance;

/// R10: who accepted which version, and when.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptanceDto {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(example = "2026-10")]
    pub agreement_version: String,
    pub accepted_by: String,
    pub accepted_at: DateTime<Utc>,
}

impl From<&Acceptance> for AcceptanceDto {
    fn from(a: &Acceptance) -> Self {
        AcceptanceDto {
            id: a.id.to_string(),
            agreement_version: a.agreement_version.clone(),
            accepted_by: a.accepted_by.clone(),
            accepted_at: a.accepted_at,
        }
    }
}
