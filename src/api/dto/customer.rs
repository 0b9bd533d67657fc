//! Customers (R19) and the decisions shown with one (R23, R25).

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::admin_relationship::AdminRelationshipSummary;
use crate::domain::admin_relationship::{self, AdminGrant};
use crate::domain::customer::PartnerCustomer;

/// One action of R23, decided for the caller (R25: every decision carries its reason).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ActionDecision {
    #[schema(example = "create_order")]
    #[schema(value_type = crate::domain::capability::Action)]
    pub action: String,
    pub allowed: bool,
    /// `permitted`, `direct_bill_only`, `ordered_by_provider`, `role_not_permitted` or `no_relationship`.
    #[schema(example = "ordered_by_provider")]
    #[schema(value_type = crate::domain::capability::Reason)]
    pub reason: String,
}

/// A customer as the partner sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerDto {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(example = "Fourth Coffee")]
    pub company_name: String,
    #[schema(example = "fourthcoffee.onmicrosoft.com")]
    pub domain: String,
    pub store_for_business: bool,
    /// `direct_bill` or `indirect_reseller`.
    #[schema(example = "indirect_reseller")]
    #[schema(value_type = crate::domain::capability::Relationship)]
    pub relationship: String,
    /// Indirect only: the provider that orders and bills.
    #[schema(format = "uuid")]
    pub provider_id: Option<String>,
    /// R18, R33: true while an admin relationship of the partner is active or expiring.
    pub delegated_admin: bool,
    /// R31: the partner's current relationship that grants roles, else its latest; null if none.
    pub admin_relationship: Option<AdminRelationshipSummary>,
    #[serde(serialize_with = "super::time::rfc3339")]
    pub since: DateTime<Utc>,
    /// In the detail view: what the caller may do (R23).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<ActionDecision>>,
}

impl CustomerDto {
    /// The customer as its partner sees it at `now` (admin relationships expire with time).
    pub fn new(pc: &PartnerCustomer, now: DateTime<Utc>) -> Self {
        let (c, r) = (&pc.customer, &pc.relationship);
        CustomerDto {
            id: c.tenant_id.to_string(),
            company_name: c.company_name.as_str().to_owned(),
            domain: c.domain.as_str().to_owned(),
            store_for_business: c.store_for_business,
            relationship: r.relationship.name().to_owned(),
            provider_id: r.provider_id.map(|p| p.to_string()),
            delegated_admin: AdminGrant::of(&pc.admin, now).active,
            admin_relationship: admin_relationship::current(&pc.admin, now)
                .map(|a| AdminRelationshipSummary::new(a, now)),
            since: r.since,
            capabilities: None,
        }
    }
}
