//! Customer invitations (R16-R18, R21, R22).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::email::EmailDto;
use crate::domain::admin_relationship::AdminRole;
use crate::domain::invitation::CustomerInvitation;

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerInvitationDto {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(format = "uuid")]
    pub partner_id: String,
    #[schema(format = "uuid")]
    pub provider_id: String,
    /// Null for a new customer.
    #[schema(format = "uuid")]
    pub customer_id: Option<String>,
    /// `new_customer` or `move_customer`.
    #[schema(example = "move_customer")]
    #[schema(value_type = crate::domain::invitation::CustomerInvitationKind)]
    pub kind: String,
    /// `draft`, `sent`, `accepted`, `revoked` or `expired`.
    #[schema(example = "draft")]
    #[schema(value_type = crate::domain::invitation::CustomerInvitationStatus)]
    pub status: String,
    /// The personalised link (R17); null for roles that may not act on it (API.md "Secrets at
    /// rest"), whose `email.body` shows `[link hidden]` in its place.
    pub link: Option<String>,
    pub email: EmailDto,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// R32: the roles accepting grants the partner.
    #[schema(example = json!(["User Administrator", "License Administrator", "Helpdesk Administrator", "Directory Readers"]))]
    pub admin_roles: Vec<AdminRole>,
    /// R32: how long they are granted.
    #[schema(value_type = crate::api::doc::AdminDuration)]
    pub admin_duration: String,
}

impl CustomerInvitationDto {
    /// As events show it: without the link (no event carries a token).
    pub fn hidden(i: &CustomerInvitation, now: DateTime<Utc>) -> Self {
        CustomerInvitationDto::new(i, now, false)
    }

    /// With the link, or (`shown` false) with `link: null` and `[link hidden]` in its place in
    /// the body. Which callers see it is the handler's to decide (API.md "Secrets at rest").
    pub fn new(i: &CustomerInvitation, now: DateTime<Utc>, shown: bool) -> Self {
        let (link, body) = if shown {
            (Some(i.link.clone()), i.email.body.clone())
        } else {
            (None, i.email.body.replace(&i.link, LINK_HIDDEN))
        };
        CustomerInvitationDto {
            id: i.id.to_string(),
            partner_id: i.partner_id.to_string(),
            provider_id: i.provider_id.to_string(),
            customer_id: i.customer_id.map(|c| c.to_string()),
            kind: i.kind.name().to_owned(),
            status: i.effective_status(now).name().to_owned(),
            link,
            email: EmailDto {
                to: i.email.to.as_ref().map(|e| e.as_str().to_owned()),
                subject: i.email.subject.clone(),
                body,
            },
            expires_at: i.expires_at,
            created_at: i.created_at,
            admin_roles: i.admin_roles.clone(),
            admin_duration: i.admin_duration.iso(),
        }
    }
}

/// Stands where the link was, for roles that may not see it.
pub const LINK_HIDDEN: &str = "[link hidden]";
