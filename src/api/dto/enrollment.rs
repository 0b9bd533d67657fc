//! The indirect reseller enrollment (R1-R9).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::enrollment::Enrollment;

#[derive(Debug, Serialize, ToSchema)]
pub struct EnrollmentDto {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(format = "uuid")]
    pub partner_id: String,
    /// `pending_approval`, `approved`, `rejected` or `withdrawn`.
    #[schema(example = "approved")]
    #[schema(value_type = crate::domain::enrollment::EnrollmentStatus)]
    pub status: String,
    pub submitted_by: String,
    pub submitted_at: DateTime<Utc>,
    /// R7: where the approval notice goes.
    pub primary_contact_email: String,
    /// R6: submission + 5 business days.
    pub approval_due_by: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub rejection_reason: Option<String>,
}

impl From<&Enrollment> for EnrollmentDto {
    fn from(e: &Enrollment) -> Self {
        EnrollmentDto {
            id: e.id.to_string(),
            partner_id: e.partner_id.to_string(),
            status: e.status.name().to_owned(),
            submitted_by: e.submitted_by.clone(),
            submitted_at: e.submitted_at,
            primary_contact_email: e.primary_contact_email.as_str().to_owned(),
            approval_due_by: e.approval_due_by,
            decided_at: e.decided_at,
            decided_by: e.decided_by.clone(),
            rejection_reason: e.rejection_reason.clone(),
        }
    }
}
