//! The partner as the API shows it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::partner::Partner;

/// A partner as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerDto {
    /// The partner's tenant: its identity before and after the transition (R1).
    #[schema(format = "uuid")]
    pub tenant_id: String,
    #[schema(example = "Contoso Ltd")]
    pub company_name: String,
    /// ISO 3166-1 alpha-2.
    #[schema(example = "DE")]
    pub region: String,
    #[schema(example = "4433221")]
    pub mpn_id: Option<String>,
    #[schema(example = "ops@contoso.com")]
    pub primary_contact_email: Option<String>,
    #[schema(example = "mpn@contoso.com")]
    pub mpn_account_email: Option<String>,
    pub direct_bill: bool,
    pub offboarding_identified: bool,
    /// `["direct_bill"]`, then `["direct_bill", "indirect_reseller"]` once the agreement is accepted (R11).
    #[schema(example = json!(["direct_bill"]))]
    #[schema(value_type = Vec<crate::domain::program::Program>)]
    pub programs: Vec<String>,
    /// R4: profile fields still to fill before enrolling.
    #[schema(example = json!([]))]
    pub missing_profile_fields: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Partner> for PartnerDto {
    fn from(p: &Partner) -> Self {
        PartnerDto {
            tenant_id: p.tenant_id.to_string(),
            company_name: p.company_name.as_str().to_owned(),
            region: p.region.as_str().to_owned(),
            mpn_id: p.mpn_id.as_ref().map(|v| v.as_str().to_owned()),
            primary_contact_email: p
                .primary_contact_email
                .as_ref()
                .map(|v| v.as_str().to_owned()),
            mpn_account_email: p.mpn_account_email.as_ref().map(|v| v.as_str().to_owned()),
            direct_bill: p.direct_bill,
            offboarding_identified: p.offboarding_identified,
            programs: p
                .programs()
                .into_iter()
                .map(|p| p.name().to_owned())
                .collect(),
            missing_profile_fields: p
                .missing_profile_fields()
                .into_iter()
                .map(str::to_owned)
                .collect(),
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}
