//! Admin relationships (R31-R33) as the API shows them; the status is read with the clock.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::admin_relationship::{AdminRelationship, AdminRole, AdminStatus, Side};

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminRelationshipDto {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(format = "uuid")]
    pub partner_id: String,
    #[schema(format = "uuid")]
    pub customer_id: String,
    #[schema(example = json!(["User Administrator", "License Administrator"]))]
    pub roles: Vec<AdminRole>,
    #[schema(example = "active")]
    pub status: AdminStatus,
    /// How long the roles are granted from activation.
    #[schema(value_type = crate::api::doc::AdminDuration)]
    pub duration: String,
    /// R31: 180 more days at each end (never with Global Administrator).
    pub auto_extend: bool,
    pub created_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    /// When the roles end, auto-extensions included; null until approved.
    pub ends_at: Option<DateTime<Utc>>,
    pub terminated_at: Option<DateTime<Utc>>,
    pub terminated_by: Option<Side>,
    /// R32: the customer's GlobalAdmin approves with this personal link (single use, 30 days).
    /// Shown only in the answer to the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        example = "https://csp.example.com/v1/admin-relationships/0193a1d2-7c1e-7a4b-9f00-5c2e3d4b1a00?token=q3Yh0c1uXxVbJ9nN4m2kP8sT6wR5zA7dE1fG3hJ0kLc"
    )]
    pub approval_link: Option<String>,
}

impl AdminRelationshipDto {
    /// As reads and events show it: without the approval link.
    pub fn new(r: &AdminRelationship, now: DateTime<Utc>) -> Self {
        AdminRelationshipDto {
            id: r.id.to_string(),
            partner_id: r.partner_id.to_string(),
            customer_id: r.customer_id.to_string(),
            roles: r.roles.clone(),
            status: r.status(now),
            duration: r.duration.iso(),
            auto_extend: r.auto_extend,
            created_at: r.created_at,
            activated_at: r.activated_at,
            ends_at: r.ends_at(now),
            terminated_at: r.terminated_at,
            terminated_by: r.terminated_by,
            approval_link: None,
        }
    }

    /// The answer to a request: with the approval link, once.
    pub fn with_link(r: &AdminRelationship, now: DateTime<Utc>, link: String) -> Self {
        AdminRelationshipDto {
            approval_link: Some(link),
            ..AdminRelationshipDto::new(r, now)
        }
    }
}

/// What a customer shows of its partner's admin relationship (R31).
#[derive(Debug, Serialize, ToSchema)]
pub struct AdminRelationshipSummary {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(example = json!(["User Administrator", "License Administrator"]))]
    pub roles: Vec<AdminRole>,
    #[schema(example = "active")]
    pub status: AdminStatus,
    #[serde(serialize_with = "super::time::rfc3339_or_null")]
    pub ends_at: Option<DateTime<Utc>>,
}

impl AdminRelationshipSummary {
    pub fn new(r: &AdminRelationship, now: DateTime<Utc>) -> Self {
        AdminRelationshipSummary {
            id: r.id.to_string(),
            roles: r.roles.clone(),
            status: r.status(now),
            ends_at: r.ends_at(now),
        }
    }
}
