//! Operations (R37): the background work of executing a transition plan.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::operation::{Operation, OperationKind, OperationStatus};

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressDto {
    /// Customers to invite.
    pub total: u64,
    /// Customers handled so far, invited or failed: the operation is finished when `done` is
    /// `total`.
    pub done: u64,
    /// Of `done`, the customers that could not be invited.
    pub failed: u64,
}

/// Why one customer could not be invited: what the request would have answered.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultError {
    /// An error code (API.md "Error codes"), such as `already_indirect`,
    /// `store_for_business_unsupported` or `invitation_pending`.
    #[schema(example = "already_indirect")]
    pub code: String,
    pub detail: String,
}

/// What the operation did for one customer: invited (`invitation_id`) or not (`error`).
#[derive(Debug, Serialize, ToSchema)]
pub struct OperationResultDto {
    #[schema(format = "uuid")]
    pub customer_id: String,
    /// The move invitation made and marked sent.
    #[schema(format = "uuid")]
    pub invitation_id: Option<String>,
    pub error: Option<ResultError>,
}

/// Background work started by a request (R37): poll it until `status` is not `running`.
#[derive(Debug, Serialize, ToSchema)]
pub struct OperationDto {
    #[schema(format = "uuid")]
    pub id: String,
    pub kind: OperationKind,
    /// The transition plan it executes.
    #[schema(format = "uuid")]
    pub plan_id: String,
    pub status: OperationStatus,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub progress: ProgressDto,
    /// One per customer handled so far, in the plan's order.
    pub results: Vec<OperationResultDto>,
}

impl From<&Operation> for OperationDto {
    fn from(o: &Operation) -> OperationDto {
        let p = o.progress();
        OperationDto {
            id: o.id.to_string(),
            kind: o.kind,
            plan_id: o.plan_id.to_string(),
            status: o.status,
            created_at: o.created_at,
            finished_at: o.finished_at,
            progress: ProgressDto {
                total: p.total,
                done: p.done,
                failed: p.failed,
            },
            results: o
                .results
                .iter()
                .map(|r| OperationResultDto {
                    customer_id: r.customer_id.to_string(),
                    invitation_id: r.outcome.as_ref().ok().map(|i| i.to_string()),
                    error: r.outcome.as_ref().err().map(|e| ResultError {
                        code: e.code.clone(),
                        detail: e.detail.clone(),
                    }),
                })
                .collect(),
        }
    }
}
