//! Partnership invitations and the partner's indirect provider list (R15).

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::caller::Caller;
use super::doc;
use super::dto::email::EmailDto;
use super::dto::partnership::PartnershipInvitationDto;
use super::error::{
    ApiError, BadRequest, Forbidden, Gone, NotFound, Unauthenticated, Unprocessable,
};
use super::events;
use super::extract::{ApiJson, Fields, PageParams, one_of, path_tenant, query_param};
use super::idempotency::{Answer, Once};
use super::invitation_link::{TOKEN_MAX, TokenQuery, link};
use crate::domain::DomainError;
use crate::domain::access::Operation;
use crate::domain::invitation::{PartnershipInvitation, PartnershipStatus};
use crate::domain::partnership::{self, NewInvitation};
use crate::domain::provider::ProviderRelationship;
use crate::domain::values::{TenantId, Text};
use crate::state::AppState;
use crate::store::{AnyConnection, partners, partnerships, providers};
use crate::token;

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnershipInvitationPage {
    pub items: Vec<PartnershipInvitationDto>,
    pub next_cursor: Option<String>,
}

/// What a link offers, for the recipient to decide.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnershipInvitationView {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(format = "uuid")]
    pub provider_id: String,
    pub provider_name: String,
    pub provider_regions: Vec<String>,
    pub provider_services: Vec<String>,
    #[schema(format = "uuid")]
    pub partner_id: String,
    #[schema(value_type = crate::domain::invitation::PartnershipStatus)]
    pub status: String,
    pub message: Option<String>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderRelationshipDto {
    #[schema(format = "uuid")]
    pub provider_id: String,
    pub provider_name: String,
    #[schema(example = "active")]
    pub status: String,
    pub established_at: DateTime<Utc>,
}

impl ProviderRelationshipDto {
    pub fn new(r: &ProviderRelationship, provider_name: &str) -> Self {
        ProviderRelationshipDto {
            provider_id: r.provider_id.to_string(),
            provider_name: provider_name.to_owned(),
            status: "active".into(),
            established_at: r.established_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderRelationshipPage {
    pub items: Vec<ProviderRelationshipDto>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"partner_id": "7d8a3f2e-0b1c-4c55-9a57-2f3e4d5c6b7a", "message": "We would like to serve you as indirect provider in DE and AT."}))]
pub struct InvitePartner {
    #[schema(format = "uuid")]
    pub partner_id: String,
    #[schema(schema_with = message_schema)]
    pub message: Option<String>,
}

/// The longest note a provider may add to its invitation.
pub const MESSAGE_MAX: usize = 2000;

fn message_schema() -> utoipa::openapi::schema::Object {
    doc::or_null(doc::text(MESSAGE_MAX, "A note shown in the e-mail"))
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "q3Yh0c1uXxVbJ9nN4m2kP8sT6wR5zA7dE1fG3hJ0kLc"}))]
pub struct TokenBody {
    /// The `token` of the invitation link.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = TOKEN_MAX, message = "must be 1 to 200 characters"))]
    pub token: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InvitationFilter {
    #[param(value_type = Option<crate::domain::invitation::PartnershipStatus>)]
    pub status: Option<String>,
    /// How many items to return, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The invitation a token endpoint names, if the token matches. An unknown id answers exactly
/// as a wrong token, so ids cannot be probed (API.md "Secrets at rest").
fn by_token(
    conn: &mut AnyConnection,
    id: &str,
    hash: &str,
) -> Result<PartnershipInvitation, ApiError> {
    let inv =
        partnerships::find_invitation(conn, id)?.ok_or(DomainError::InvalidInvitationToken)?;
    inv.check_token(hash)?;
    Ok(inv)
}

/// A provider's GlobalAdmin or AdminAgent invites a partner (R15). The answer holds the personal
/// link and the e-mail queued to the partner's primary contact.
#[utoipa::path(
    tag = "partnerships",
    params(("provider_id" = String, Path, format = "uuid")),
    request_body = InvitePartner,
    responses(
        (status = 201, body = PartnershipInvitationDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "`invitation_pending` or `relationship_exists`", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/indirect-providers/{provider_id}/partnership-invitations")]
pub async fn invite(
    state: web::Data<AppState>,
    caller: Caller,
    provider_id: web::Path<String>,
    body: ApiJson<InvitePartner>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let provider_id = path_tenant("provider_id", &provider_id)?;
    caller.require(Operation::InvitePartner, Some(provider_id))?;
    let mut fields = Fields::default();
    let body = body.parse()?;
    let partner_id = fields.take("partner_id", TenantId::parse(&body.partner_id));
    let message = fields.take_opt("message", body.message.as_deref(), |m| {
        Text::parse(m, MESSAGE_MAX)
    });
    let (Some(partner_id), Some(message)) = (partner_id, message) else {
        return Err(fields.into_error());
    };
    let now = state.clock.now();
    let issued = token::issue();
    let id = Uuid::now_v7();
    let link = link(
        &state.public_base_url,
        "partnership-invitations",
        id,
        &issued.token,
    );
    let new = NewInvitation {
        id,
        token_hash: issued.hash,
        link: link.clone(),
        message: message.map(|m| m.as_str().to_owned()),
    };
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let ctx = partnerships::invite_context(conn, provider_id, partner_id)?;
        let decided = partnership::invite(ctx, new, Uuid::now_v7(), now)?;
        let invited = events::apply(conn, caller, &key, decided, now)?;
        let mut dto = PartnershipInvitationDto::new(&invited.invitation, now);
        dto.link = Some(link);
        dto.email = Some(EmailDto::from(&invited.email));
        Answer::created(&dto)
    })
    .await
}

/// The partner's partnership invitations (no tokens).
#[utoipa::path(
    tag = "partnerships",
    params(("partner_id" = String, Path, format = "uuid"), InvitationFilter),
    responses(
        (status = 200, body = PartnershipInvitationPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
    )
)]
#[get("/v1/partners/{partner_id}/partnership-invitations")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    filter: web::Query<InvitationFilter>,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::ReadPartnershipInvitations, Some(id))?;
    let filter = filter.into_inner();
    let page = PageParams {
        limit: filter.limit,
        cursor: filter.cursor,
    }
    .page()?;
    let status = query_param(
        "status",
        filter.status.as_deref(),
        one_of(
            PartnershipStatus::from_name,
            "pending, accepted, declined or expired",
        ),
    )?;
    let now = state.clock.now();
    let rows = state
        .db
        .read(move |conn| {
            partnerships::list_invitations(conn, id, status, now, &page).map_err(ApiError::from)
        })
        .await?;
    let page = rows.map(|i| PartnershipInvitationDto::new(&i, now));
    Ok(HttpResponse::Ok().json(PartnershipInvitationPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// What a partnership link offers (any caller holding the token).
#[utoipa::path(
    tag = "partnerships",
    params(("invitation_id" = String, Path, format = "uuid"), TokenQuery),
    responses(
        (status = 200, body = PartnershipInvitationView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, description = "`not_found` or `invalid_invitation_token`", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/partnership-invitations/{invitation_id}")]
pub async fn view(
    state: web::Data<AppState>,
    caller: Caller,
    invitation_id: web::Path<String>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Operation::ViewInvitationLink, None)?;
    let id = invitation_id.into_inner();
    let hash = token::hash(&query.token);
    let now = state.clock.now();
    let view = state
        .db
        .read(move |conn| {
            let inv = by_token(conn, &id, &hash)?;
            let provider = providers::find(conn, inv.provider_id)?
                .ok_or_else(|| ApiError::not_found("the provider is gone"))?;
            Ok::<_, ApiError>(PartnershipInvitationView {
                id: inv.id.to_string(),
                provider_id: provider.tenant_id.to_string(),
                provider_name: provider.name.as_str().to_owned(),
                provider_regions: provider
                    .regions
                    .iter()
                    .map(|r| r.as_str().to_owned())
                    .collect(),
                provider_services: provider
                    .services
                    .iter()
                    .map(|s| s.name().to_owned())
                    .collect(),
                partner_id: inv.partner_id.to_string(),
                status: inv.effective_status(now).name().to_owned(),
                message: inv.message.clone(),
                expires_at: inv.expires_at,
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Loads the invitation for its invited partner's GlobalAdmin; other tenants see 404.
fn for_invited(
    conn: &mut AnyConnection,
    caller: &Caller,
    id: &str,
    hash: &str,
) -> Result<PartnershipInvitation, ApiError> {
    let inv = by_token(conn, id, hash)?;
    if inv.partner_id != caller.tenant() {
        return Err(ApiError::not_found("no such invitation"));
    }
    caller.require(Operation::RespondToPartnership, Some(inv.partner_id))?;
    Ok(inv)
}

/// The invited partner's GlobalAdmin accepts: the provider joins its indirect provider list (R15).
#[utoipa::path(
    tag = "partnerships",
    params(("invitation_id" = String, Path, format = "uuid")),
    request_body = TokenBody,
    responses(
        (status = 200, body = ProviderRelationshipDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "`forbidden`, or `indirect_reseller_not_active` (R12)", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found` or `invalid_invitation_token`", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state` (not pending) or `relationship_exists`", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 410, response = Gone),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/partnership-invitations/{invitation_id}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    caller: Caller,
    invitation_id: web::Path<String>,
    body: ApiJson<TokenBody>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let id = invitation_id.into_inner();
    // The role check before any replay (API.md "Idempotency"); `for_invited` then checks that
    // the invitation is this tenant's.
    caller.require(Operation::RespondToPartnership, Some(caller.tenant()))?;
    let hash = token::hash(&body.parse()?.token);
    let now = state.clock.now();
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let invitation = for_invited(conn, caller, &id, &hash)?;
        let ctx = partnerships::accept_context(conn, invitation)?;
        let decided = partnership::accept(ctx, &hash, now)?;
        let established = events::apply(conn, caller, &key, decided, now)?;
        Answer::ok(&ProviderRelationshipDto::new(
            &established.relationship,
            established.provider.name.as_str(),
        ))
    })
    .await
}

/// The invited partner's GlobalAdmin declines.
#[utoipa::path(
    tag = "partnerships",
    params(("invitation_id" = String, Path, format = "uuid")),
    request_body = TokenBody,
    responses(
        (status = 200, body = PartnershipInvitationDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, description = "`not_found` or `invalid_invitation_token`", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state`: not pending", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 410, response = Gone),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/partnership-invitations/{invitation_id}/decline")]
pub async fn decline(
    state: web::Data<AppState>,
    caller: Caller,
    invitation_id: web::Path<String>,
    body: ApiJson<TokenBody>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let id = invitation_id.into_inner();
    // The role check before any replay (API.md "Idempotency"); `for_invited` then checks that
    // the invitation is this tenant's.
    caller.require(Operation::RespondToPartnership, Some(caller.tenant()))?;
    let hash = token::hash(&body.parse()?.token);
    let now = state.clock.now();
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let invitation = for_invited(conn, caller, &id, &hash)?;
        let decided = partnership::decline(invitation, &hash, now)?;
        let declined = events::apply(conn, caller, &key, decided, now)?;
        Answer::ok(&PartnershipInvitationDto::new(&declined, now))
    })
    .await
}

/// The partner's indirect providers (R15), once the agreement is accepted (R12).
#[utoipa::path(
    tag = "partnerships",
    params(("partner_id" = String, Path, format = "uuid"), PageParams),
    responses(
        (status = 200, body = ProviderRelationshipPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
    )
)]
#[get("/v1/partners/{partner_id}/indirect-providers")]
pub async fn providers_of(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::ReadProviderRelationships, Some(id))?;
    let page = params.page()?;
    let rows = state
        .db
        .read(move |conn| {
            partners::indirect(conn, id)?;
            Ok::<_, ApiError>(partnerships::providers_of(conn, id, &page)?)
        })
        .await?;
    let page = rows.map(|(r, name)| ProviderRelationshipDto::new(&r, &name));
    Ok(HttpResponse::Ok().json(ProviderRelationshipPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}
