//! Partners: registration by the operator, the profile, and the operator's standing flags.

use actix_web::{HttpResponse, get, patch, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use validator::Validate;

use super::caller::Caller;
use super::doc;
use super::dto::partner::PartnerDto;
use super::error::{ApiError, BadRequest, Forbidden, NotFound, Unauthenticated, Unprocessable};
use super::events;
use super::extract::{ApiJson, Fields, not_null, path_tenant};
use super::idempotency::{Answer, Once};
use crate::domain::access::Operation;
use crate::domain::partner::{self, Partner, ProfileChanges, StandingChanges};
use crate::domain::region::Region;
use crate::domain::values::{CompanyName, Email, MpnId, TenantId};
use crate::state::AppState;
use crate::store::partners;

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"tenant_id": "7d8a3f2e-0b1c-4c55-9a57-2f3e4d5c6b7a", "company_name": "Contoso Ltd", "region": "DE", "mpn_id": "4433221", "primary_contact_email": "ops@contoso.com", "mpn_account_email": "mpn@contoso.com", "offboarding_identified": true}))]
pub struct RegisterPartner {
    #[schema(format = "uuid", example = "7d8a3f2e-0b1c-4c55-9a57-2f3e4d5c6b7a")]
    pub tenant_id: String,
    #[schema(value_type = doc::CompanyName)]
    pub company_name: String,
    #[schema(value_type = doc::Region)]
    pub region: String,
    #[schema(value_type = Option<doc::MpnId>)]
    pub mpn_id: Option<String>,
    #[schema(value_type = Option<doc::EmailAddress>)]
    pub primary_contact_email: Option<String>,
    #[schema(value_type = Option<doc::EmailAddress>)]
    pub mpn_account_email: Option<String>,
    /// Default true.
    pub direct_bill: Option<bool>,
    /// R2: identified for direct bill offboarding. Default false.
    pub offboarding_identified: Option<bool>,
}

/// Name at least one field; fields left out stay as they are. Null is not a value here (422):
/// there is nothing to clear, and a body of nulls alone would change nothing.
#[derive(Debug, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"company_name": "Contoso GmbH", "mpn_id": "4433221"}))]
pub struct PatchPartner {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = doc::CompanyName, required = false)]
    pub company_name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = doc::Region, required = false)]
    pub region: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = doc::MpnId, required = false)]
    pub mpn_id: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = doc::EmailAddress, required = false)]
    pub primary_contact_email: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = doc::EmailAddress, required = false)]
    pub mpn_account_email: Option<String>,
    /// Operator only.
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = bool, required = false)]
    pub direct_bill: Option<bool>,
    /// Operator only (R2).
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = bool, required = false)]
    pub offboarding_identified: Option<bool>,
}

fn profile_changes(fields: &mut Fields, body: &PatchPartner) -> Option<ProfileChanges> {
    let company_name = fields.take_opt(
        "company_name",
        body.company_name.as_deref(),
        CompanyName::parse,
    );
    let region = fields.take_opt("region", body.region.as_deref(), Region::parse);
    let mpn_id = fields.take_opt("mpn_id", body.mpn_id.as_deref(), MpnId::parse);
    let primary = fields.take_opt(
        "primary_contact_email",
        body.primary_contact_email.as_deref(),
        Email::parse,
    );
    let account = fields.take_opt(
        "mpn_account_email",
        body.mpn_account_email.as_deref(),
        Email::parse,
    );
    Some(ProfileChanges {
        company_name: company_name?,
        region: region?,
        mpn_id: mpn_id?,
        primary_contact_email: primary?,
        mpn_account_email: account?,
    })
}

/// Register a direct bill partner (operator). The profile may start incomplete (R4).
#[utoipa::path(
    tag = "partners",
    request_body = RegisterPartner,
    responses(
        (status = 201, body = PartnerDto, headers(("location" = String))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 409, description = "`partner_exists`", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/partners")]
pub async fn register(
    state: web::Data<AppState>,
    caller: Caller,
    body: ApiJson<RegisterPartner>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    caller.require(Operation::RegisterPartner, None)?;
    let body = body.parse()?;
    let mut fields = Fields::default();
    let tenant_id = fields.take("tenant_id", TenantId::parse(&body.tenant_id));
    let company_name = fields.take("company_name", CompanyName::parse(&body.company_name));
    let region = fields.take("region", Region::parse(&body.region));
    let mpn_id = fields.take_opt("mpn_id", body.mpn_id.as_deref(), MpnId::parse);
    let primary = fields.take_opt(
        "primary_contact_email",
        body.primary_contact_email.as_deref(),
        Email::parse,
    );
    let account = fields.take_opt(
        "mpn_account_email",
        body.mpn_account_email.as_deref(),
        Email::parse,
    );
    let (
        Some(tenant_id),
        Some(company_name),
        Some(region),
        Some(mpn_id),
        Some(primary),
        Some(account),
    ) = (tenant_id, company_name, region, mpn_id, primary, account)
    else {
        return Err(fields.into_error());
    };
    if tenant_id == state.operator_tenant {
        return Err(ApiError::field("tenant_id", "is the operator tenant"));
    }
    let now = state.clock.now();
    let new = Partner {
        tenant_id,
        company_name,
        region,
        mpn_id,
        primary_contact_email: primary,
        mpn_account_email: account,
        direct_bill: body.direct_bill.unwrap_or(true),
        offboarding_identified: body.offboarding_identified.unwrap_or(false),
        indirect_reseller: false,
        created_at: now,
        updated_at: now,
    };
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let ctx = partners::registration_context(conn, tenant_id)?;
        let decided = partner::register(ctx, new)?;
        let partner = events::apply(conn, caller, &key, decided, now)?;
        Ok(Answer::created(&PartnerDto::from(&partner))?
            .at(format!("/v1/partners/{}", partner.tenant_id)))
    })
    .await
}

/// Read a partner: any role of that tenant, or the operator.
#[utoipa::path(
    tag = "partners",
    params(("partner_id" = String, Path, format = "uuid")),
    responses(
        (status = 200, body = PartnerDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    )
)]
#[get("/v1/partners/{partner_id}")]
pub async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::ReadPartner, Some(id))?;
    let partner = state
        .db
        .read(move |conn| partners::registered(conn, id).map_err(ApiError::from))
        .await?;
    Ok(HttpResponse::Ok().json(PartnerDto::from(&partner)))
}

/// Change the profile (GlobalAdmin, AccountAdmin, operator); `direct_bill` and
/// `offboarding_identified` are the operator's alone.
#[utoipa::path(
    tag = "partners",
    params(("partner_id" = String, Path, format = "uuid")),
    request_body = PatchPartner,
    responses(
        (status = 200, body = PartnerDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
    )
)]
#[patch("/v1/partners/{partner_id}")]
pub async fn patch(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    body: ApiJson<PatchPartner>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::ReadPartner, Some(id))?;
    let body = body.parse()?;
    let standing = StandingChanges {
        direct_bill: body.direct_bill,
        offboarding_identified: body.offboarding_identified,
    };
    let mut fields = Fields::default();
    let profile = profile_changes(&mut fields, &body);
    let Some(profile) = profile else {
        return Err(fields.into_error());
    };
    if profile == ProfileChanges::default() && standing.is_empty() {
        return Err(ApiError::field("body", "name at least one field to change"));
    }
    if profile != ProfileChanges::default() {
        caller.require(Operation::EditPartnerProfile, Some(id))?;
    }
    if !standing.is_empty() {
        caller.require(Operation::EditPartnerStanding, Some(id))?;
    }
    let now = state.clock.now();
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let before = partners::locked(conn, id)?;
        let decided = partner::edit(before, profile, standing, now);
        let partner = events::apply(conn, caller, &key, decided, now)?;
        Answer::ok(&PartnerDto::from(&partner))
    })
    .await
}
