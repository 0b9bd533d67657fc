//! An indirect provider of the directory (R14).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::provider::Provider;

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderDto {
    #[schema(format = "uuid")]
    pub tenant_id: String,
    #[schema(example = "Northwind Distribution")]
    pub name: String,
    #[schema(example = json!(["AT", "DE"]))]
    pub regions: Vec<String>,
    #[schema(example = json!(["marketing", "technical_training"]))]
    #[schema(value_type = Vec<crate::domain::provider::Service>)]
    pub services: Vec<String>,
    pub contact_email: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Provider> for ProviderDto {
    fn from(p: &Provider) -> Self {
        ProviderDto {
            tenant_id: p.tenant_id.to_string(),
            name: p.name.as_str().to_owned(),
            regions: p.regions.iter().map(|r| r.as_str().to_owned()).collect(),
            services: p.services.iter().map(|s| s.name().to_owned()).collect(),
            contact_email: p.contact_email.as_str().to_owned(),
            created_at: p.created_at,
        }
    }
}
