//! Incentive invitations and enrollments (R26, R27).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::incentive::{IncentiveEnrollment, IncentiveInvitation};

#[derive(Debug, Serialize, ToSchema)]
pub struct IncentiveInvitationDto {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(example = "indirect_reseller")]
    #[schema(value_type = crate::domain::program::Program)]
    pub program: String,
    /// R26: the MPN account's e-mail.
    pub sent_to: String,
    pub issued_at: DateTime<Utc>,
    /// R26: approval + 30 days.
    pub expected_by: DateTime<Utc>,
}

impl From<&IncentiveInvitation> for IncentiveInvitationDto {
    fn from(i: &IncentiveInvitation) -> Self {
        IncentiveInvitationDto {
            id: i.id.to_string(),
            program: i.program.name().to_owned(),
            sent_to: i.sent_to.as_str().to_owned(),
            issued_at: i.issued_at,
            expected_by: i.expected_by,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IncentiveEnrollmentDto {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(example = "indirect_reseller")]
    #[schema(value_type = crate::domain::program::Program)]
    pub program: String,
    pub enrolled_by: String,
    pub enrolled_at: DateTime<Utc>,
}

impl From<&IncentiveEnrollment> for IncentiveEnrollmentDto {
    fn from(e: &IncentiveEnrollment) -> Self {
        IncentiveEnrollmentDto {
            id: e.id.to_string(),
            program: e.program.name().to_owned(),
            enrolled_by: e.enrolled_by.clone(),
            enrolled_at: e.enrolled_at,
        }
    }
}
