//! A webhook endpoint as the API shows it (R35): its secret only when created or rotated.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::webhook::WebhookEndpoint;

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEndpointDto {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(example = "https://hooks.example.com/csp")]
    pub url: String,
    /// `["*"]` for every event, or the event types delivered.
    #[schema(example = json!(["customer_invitation.accepted", "enrollment.approved"]))]
    pub event_types: Vec<String>,
    pub description: Option<String>,
    pub enabled: bool,
    /// `manual` or `failing` (every delivery failed for 3 days); null while enabled.
    #[schema(value_type = Option<crate::domain::webhook::DisabledReason>)]
    pub disabled_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// `whsec_` + base64 of 32 random bytes: shown only when created or rotated.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo=")]
    pub secret: Option<String>,
}

impl WebhookEndpointDto {
    /// Without the secret: as reads and events show it.
    pub fn new(e: &WebhookEndpoint) -> Self {
        WebhookEndpointDto {
            id: e.id.to_string(),
            url: e.url.clone(),
            event_types: e.events.names(),
            description: e.description.clone(),
            enabled: e.enabled,
            disabled_reason: e.disabled_reason.map(|r| r.name().to_owned()),
            created_at: e.created_at,
            secret: None,
        }
    }

    /// With the secret: only in the answer to a create or a rotation.
    pub fn with_secret(e: &WebhookEndpoint) -> Self {
        WebhookEndpointDto {
            secret: Some(e.secret.as_str().to_owned()),
            ..WebhookEndpointDto::new(e)
        }
    }
}
