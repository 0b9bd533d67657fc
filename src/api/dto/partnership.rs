//! Partnership invitations (R15).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::email::EmailDto;
use crate::domain::invitation::PartnershipInvitation;

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnershipInvitationDto {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(format = "uuid")]
    pub provider_id: String,
    #[schema(format = "uuid")]
    pub partner_id: String,
    /// `pending`, `accepted`, `declined` or `expired`.
    #[schema(example = "pending")]
    #[schema(value_type = crate::domain::invitation::PartnershipStatus)]
    pub status: String,
    pub message: Option<String>,
    /// Only in the 201 answer: the token is never stored in clear.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Only in the 201 answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<EmailDto>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl PartnershipInvitationDto {
    pub fn new(i: &PartnershipInvitation, now: DateTime<Utc>) -> Self {
        PartnershipInvitationDto {
            id: i.id.to_string(),
            provider_id: i.provider_id.to_string(),
            partner_id: i.partner_id.to_string(),
            status: i.effective_status(now).name().to_owned(),
            message: i.message.clone(),
            link: None,
            email: None,
            expires_at: i.expires_at,
            created_at: i.created_at,
        }
    }
}
