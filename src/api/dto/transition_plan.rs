//! Transition plans (R36).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::admin_relationship::AdminRole;
use crate::domain::transition_plan::{BlockedReason, PlanOutcome, PlanStatus, TransitionPlan};

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanSummary {
    pub total: usize,
    pub invite: usize,
    pub blocked: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanItemDto {
    #[schema(format = "uuid")]
    pub customer_id: String,
    pub company_name: String,
    pub outcome: PlanOutcome,
    /// Set when `blocked` (R22, R21, R17).
    pub reason: Option<BlockedReason>,
}

/// A dry run: what executing the plan would do for each customer (R36).
#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionPlanDto {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(format = "uuid")]
    pub partner_id: String,
    #[schema(format = "uuid")]
    pub provider_id: String,
    pub status: PlanStatus,
    pub created_at: DateTime<Utc>,
    pub summary: PlanSummary,
    pub items: Vec<PlanItemDto>,
    /// R32: the roles each invitation will ask for.
    pub admin_roles: Vec<AdminRole>,
    pub message: Option<String>,
}

impl From<&TransitionPlan> for TransitionPlanDto {
    fn from(p: &TransitionPlan) -> TransitionPlanDto {
        let (total, invite, blocked) = p.summary();
        TransitionPlanDto {
            id: p.id.to_string(),
            partner_id: p.partner_id.to_string(),
            provider_id: p.provider_id.to_string(),
            status: p.status,
            created_at: p.created_at,
            summary: PlanSummary {
                total,
                invite,
                blocked,
            },
            items: p
                .items
                .iter()
                .map(|i| PlanItemDto {
                    customer_id: i.customer_id.to_string(),
                    company_name: i.company_name.as_str().to_owned(),
                    outcome: i.outcome(),
                    reason: i.reason,
                })
                .collect(),
            admin_roles: p.admin_roles.clone(),
            message: p.message.clone(),
        }
    }
}
