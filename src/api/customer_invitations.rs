//! Customer invitations: one link ties the customer to the reseller and its provider (R16-R18,
//! R21, R22).

use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use super::caller::Caller;
use super::doc;
use super::dto::Empty;
use super::dto::customer::CustomerDto;
use super::dto::customer_invitation::CustomerInvitationDto;
use super::error::{
    ApiError, BadRequest, Forbidden, Gone, NotFound, Unauthenticated, Unprocessable,
};
use super::events;
use super::extract::{ApiJson, Fields, PageParams, one_of, path_tenant, query_param};
use super::idempotency::{Answer, Once};
use super::invitation_link::{TOKEN_MAX, TokenQuery, link};
use crate::domain::DomainError;
use crate::domain::access::Operation;
use crate::domain::admin_relationship::{AdminDuration, AdminRole};
use crate::domain::customer::Domain;
use crate::domain::customer_invitation::{self as commands, AcceptForm};
use crate::domain::invitation::{
    CustomerInvitation, CustomerInvitationDraft, CustomerInvitationStatus,
};
use crate::domain::outcome::Outcome;
use crate::domain::values::{CompanyName, Email, Subject, TenantId, ValueError};
use crate::state::AppState;
use crate::store::{customer_invitations, partners, providers};
use crate::token;

/// Links are shown only to the roles that may act on them (GA, AA, SA of the partner);
/// others get `link: null` and the body without it (API.md "Secrets at rest").
fn shown_to(caller: &Caller, i: &CustomerInvitation, now: DateTime<Utc>) -> CustomerInvitationDto {
    let shown = caller
        .require(Operation::InviteCustomer, Some(i.partner_id))
        .is_ok();
    CustomerInvitationDto::new(i, now, shown)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerInvitationPage {
    pub items: Vec<CustomerInvitationDto>,
    pub next_cursor: Option<String>,
}

/// What a customer link offers, for the customer to decide.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerInvitationView {
    #[schema(format = "uuid")]
    pub id: String,
    #[schema(format = "uuid")]
    pub partner_id: String,
    pub partner_name: String,
    #[schema(format = "uuid")]
    pub provider_id: String,
    pub provider_name: String,
    #[schema(value_type = crate::domain::invitation::CustomerInvitationKind)]
    pub kind: String,
    #[schema(format = "uuid")]
    pub customer_id: Option<String>,
    #[schema(value_type = crate::domain::invitation::CustomerInvitationStatus)]
    pub status: String,
    pub expires_at: DateTime<Utc>,
    /// R32: the Entra roles accepting grants the partner.
    pub admin_roles: Vec<AdminRole>,
    /// R32: how long they are granted.
    #[schema(value_type = doc::AdminDuration)]
    pub admin_duration: String,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"provider_id": "5b6c7d8e-1f2a-4b3c-8d9e-0a1b2c3d4e5f", "customer_id": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "customer_email": "admin@fourthcoffee.example", "admin_roles": ["User Administrator", "License Administrator"], "admin_duration": "P365D"}))]
pub struct CreateCustomerInvitation {
    /// One of the partner's active indirect providers (R17).
    #[schema(format = "uuid")]
    pub provider_id: String,
    /// Set to move an existing direct bill customer (R21); leave out for a new customer.
    #[schema(format = "uuid")]
    pub customer_id: Option<String>,
    /// Where the e-mail goes when marked done.
    #[schema(value_type = Option<doc::EmailAddress>)]
    pub customer_email: Option<String>,
    /// R32: the Entra roles accepting grants the partner. Default: User Administrator, License
    /// Administrator, Helpdesk Administrator, Directory Readers.
    #[schema(value_type = Option<Vec<AdminRole>>, min_items = 1)]
    pub admin_roles: Option<Vec<String>>,
    /// R32: how long they are granted (default `P730D`).
    #[schema(value_type = Option<doc::AdminDuration>)]
    pub admin_duration: Option<String>,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"subject": "Let us serve you together with Northwind", "body": "Dear Fourth Coffee,\n\nplease authorise us here:\nhttps://csp.example.com/v1/customer-invitations/0193a1d2-7c1e-7a4b-9f00-5c2e3d4b1a00?token=q3Yh0c1uXxVbJ9nN4m2kP8sT6wR5zA7dE1fG3hJ0kLc"}))]
pub struct EditEmail {
    #[schema(schema_with = subject_schema)]
    #[validate(length(min = 1, max = 300, message = "must be 1 to 300 characters"))]
    pub subject: String,
    /// Must contain the invitation link unchanged (R17).
    #[schema(min_length = 1, max_length = 20000)]
    #[validate(length(min = 1, max = 20000, message = "must be 1 to 20000 characters"))]
    pub body: String,
}

fn subject_schema() -> utoipa::openapi::schema::Object {
    doc::line(
        Subject::MAX,
        "1 to 300 characters, no control characters, no whitespace at either end",
    )
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"token": "q3Yh0c1uXxVbJ9nN4m2kP8sT6wR5zA7dE1fG3hJ0kLc", "company_name": "Fabrikam", "domain": "fabrikam.onmicrosoft.com"}))]
pub struct AcceptCustomerInvitation {
    /// The `token` of the invitation link.
    #[schema(min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = TOKEN_MAX, message = "must be 1 to 200 characters"))]
    pub token: String,
    /// Required when a new customer tenant accepts.
    #[schema(value_type = Option<doc::CompanyName>)]
    pub company_name: Option<String>,
    /// Required when a new customer tenant accepts.
    #[schema(value_type = Option<doc::DomainName>)]
    pub domain: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerInvitationFilter {
    #[param(value_type = Option<crate::domain::invitation::CustomerInvitationStatus>)]
    pub status: Option<String>,
    /// How many items to return, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The steps every change of a partner's invitation shares: tenant and role check, then in one
/// transaction load, decide, apply.
async fn change<F>(
    state: &AppState,
    caller: Caller,
    once: Once,
    path: (String, String),
    operation: Operation,
    decide: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(
            CustomerInvitation,
            DateTime<Utc>,
        ) -> Result<Outcome<CustomerInvitation>, DomainError>
        + Send
        + 'static,
{
    let (partner_id, invitation_id) = path;
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(operation, Some(id))?;
    let now = state.clock.now();
    let key = state.data_key.clone();
    once.write(state, caller, move |conn, caller| {
        let inv = customer_invitations::owned(conn, &key, id, &invitation_id)?;
        let after = events::apply(conn, caller, &key, decide(inv, now)?, now)?;
        Answer::ok(&shown_to(caller, &after, now))
    })
    .await
}

/// Draft an invitation for one of the partner's providers: a new customer, or a named direct bill
/// customer to move (R16, R17, R21). The e-mail holds the personal link.
#[utoipa::path(
    tag = "customer invitations",
    params(("partner_id" = String, Path, format = "uuid")),
    request_body = CreateCustomerInvitation,
    responses(
        (status = 201, body = CustomerInvitationDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "`forbidden`, `tenant_mismatch`, `indirect_reseller_not_active` (R12)", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, response = NotFound),
        (status = 409, description = "`no_provider_relationship`, `already_indirect`, `store_for_business_unsupported` or `invitation_pending`", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/partners/{partner_id}/customer-invitations")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    body: ApiJson<CreateCustomerInvitation>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::InviteCustomer, Some(id))?;
    let b = body.parse()?;
    let mut fields = Fields::default();
    let provider_id = fields.take("provider_id", TenantId::parse(&b.provider_id));
    let customer_id = fields.take_opt("customer_id", b.customer_id.as_deref(), TenantId::parse);
    let to = fields.take_opt("customer_email", b.customer_email.as_deref(), Email::parse);
    let admin_roles = fields.take(
        "admin_roles",
        AdminRole::requested(b.admin_roles.as_deref()).map_err(ValueError),
    );
    let admin_duration = fields.take_opt("admin_duration", b.admin_duration.as_deref(), |d| {
        AdminDuration::parse(d).map_err(ValueError)
    });
    let (Some(provider_id), Some(customer_id), Some(to), Some(admin_roles), Some(admin_duration)) =
        (provider_id, customer_id, to, admin_roles, admin_duration)
    else {
        return Err(fields.into_error());
    };
    let now = state.clock.now();
    let issued = token::issue();
    let inv_id = Uuid::now_v7();
    let link = link(
        &state.public_base_url,
        "customer-invitations",
        inv_id,
        &issued.token,
    );
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let ctx = customer_invitations::draft_context(conn, &key, id, provider_id, customer_id)?;
        let draft = CustomerInvitationDraft {
            id: inv_id,
            customer_id,
            to,
            token_hash: issued.hash,
            link,
            now,
            admin_roles,
            admin_duration: admin_duration.unwrap_or(AdminDuration::MAX),
            note: None,
        };
        let inv = events::apply(conn, caller, &key, commands::draft(ctx, draft)?, now)?;
        Answer::created(&shown_to(caller, &inv, now))
    })
    .await
}

/// The partner's customer invitations.
#[utoipa::path(
    tag = "customer invitations",
    params(("partner_id" = String, Path, format = "uuid"), CustomerInvitationFilter),
    responses(
        (status = 200, body = CustomerInvitationPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
    )
)]
#[get("/v1/partners/{partner_id}/customer-invitations")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    partner_id: web::Path<String>,
    filter: web::Query<CustomerInvitationFilter>,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &partner_id)?;
    caller.require(Operation::ReadCustomers, Some(id))?;
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
            CustomerInvitationStatus::from_name,
            "draft, sent, accepted, revoked or expired",
        ),
    )?;
    let now = state.clock.now();
    let key = state.data_key.clone();
    let rows = state
        .db
        .read(move |conn| {
            customer_invitations::list(conn, &key, id, status, now, &page).map_err(ApiError::from)
        })
        .await?;
    let page = rows.map(|i| shown_to(&caller, &i, now));
    Ok(HttpResponse::Ok().json(CustomerInvitationPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// Edit the drafted e-mail; the link must stay in the body unchanged (R17).
#[utoipa::path(
    tag = "customer invitations",
    params(("partner_id" = String, Path, format = "uuid"), ("invitation_id" = String, Path, format = "uuid")),
    request_body = EditEmail,
    responses(
        (status = 200, body = CustomerInvitationDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "`invalid_state`: only a draft can be edited", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invitation_link_missing` or `validation_failed`", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/partners/{partner_id}/customer-invitations/{invitation_id}/email")]
pub async fn edit_email(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: ApiJson<EditEmail>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    let id = path_tenant("partner_id", &path.0)?;
    caller.require(Operation::InviteCustomer, Some(id))?;
    let body = body.parse()?;
    let mut fields = Fields::default();
    let Some(subject) = fields.take("subject", Subject::parse(&body.subject)) else {
        return Err(fields.into_error());
    };
    let text = body.body;
    change(
        &state,
        caller,
        once,
        path.into_inner(),
        Operation::InviteCustomer,
        move |inv, now| commands::edit_email(inv, subject.as_str().to_owned(), text, now),
    )
    .await
}

/// "Done": the invitation is sent; with a recipient the e-mail goes to the outbox (R17, R30).
#[utoipa::path(
    tag = "customer invitations",
    params(("partner_id" = String, Path, format = "uuid"), ("invitation_id" = String, Path, format = "uuid")),
    request_body(content = Empty, description = "Optional; may be empty"),
    responses(
        (status = 200, body = CustomerInvitationDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "`invalid_state`: not a draft", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/partners/{partner_id}/customer-invitations/{invitation_id}/done")]
pub async fn done(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: ApiJson<Empty>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    body.parse()?;
    change(
        &state,
        caller,
        once,
        path.into_inner(),
        Operation::InviteCustomer,
        move |inv, now| commands::send(inv, Uuid::now_v7(), now),
    )
    .await
}

/// Revoke an open invitation; its link stops working.
#[utoipa::path(
    tag = "customer invitations",
    params(("partner_id" = String, Path, format = "uuid"), ("invitation_id" = String, Path, format = "uuid")),
    request_body(content = Empty, description = "Optional; may be empty"),
    responses(
        (status = 200, body = CustomerInvitationDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, description = "`invalid_state`: not open", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/partners/{partner_id}/customer-invitations/{invitation_id}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: ApiJson<Empty>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    body.parse()?;
    change(
        &state,
        caller,
        once,
        path.into_inner(),
        Operation::RevokeCustomerInvitation,
        commands::revoke,
    )
    .await
}

/// What a customer link offers (any caller holding the token).
#[utoipa::path(
    tag = "customer invitations",
    params(("invitation_id" = String, Path, format = "uuid"), TokenQuery),
    responses(
        (status = 200, body = CustomerInvitationView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, description = "`not_found` or `invalid_invitation_token`", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/customer-invitations/{invitation_id}")]
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
    let key = state.data_key.clone();
    let view = state
        .db
        .read(move |conn| {
            // An unknown id answers as a wrong token: ids cannot be probed.
            let inv = customer_invitations::find(conn, &key, &id)?
                .ok_or(DomainError::InvalidInvitationToken)?;
            inv.check_token(&hash)?;
            let partner = partners::find(conn, inv.partner_id)?
                .ok_or_else(|| ApiError::not_found("the partner is gone"))?;
            let provider = providers::find(conn, inv.provider_id)?
                .ok_or_else(|| ApiError::not_found("the provider is gone"))?;
            Ok::<_, ApiError>(CustomerInvitationView {
                id: inv.id.to_string(),
                partner_id: partner.tenant_id.to_string(),
                partner_name: partner.company_name.as_str().to_owned(),
                provider_id: provider.tenant_id.to_string(),
                provider_name: provider.name.as_str().to_owned(),
                kind: inv.kind.name().to_owned(),
                customer_id: inv.customer_id.map(|c| c.to_string()),
                status: inv.effective_status(now).name().to_owned(),
                expires_at: inv.expires_at,
                admin_roles: inv.admin_roles.clone(),
                admin_duration: inv.admin_duration.iso(),
            })
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The customer's GlobalAdmin authorises the reseller and its provider (R16, R18, R21, R22).
/// In one transaction the link is used up (exactly once, even under concurrent accepts), the
/// partner becomes the customer's indirect reseller with an active admin relationship holding
/// the invitation's roles (R32), and the provider's reseller relationship is created.
#[utoipa::path(
    tag = "customer invitations",
    params(("invitation_id" = String, Path, format = "uuid")),
    request_body = AcceptCustomerInvitation,
    responses(
        (status = 200, body = CustomerDto),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, description = "`forbidden` or `wrong_customer`", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "`not_found` or `invalid_invitation_token`", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "`invalid_state` (used or revoked), `already_indirect` or `store_for_business_unsupported` (R22)", body = super::error::Problem, content_type = "application/problem+json"),
        (status = 410, response = Gone),
        (status = 422, response = Unprocessable),
    )
)]
#[post("/v1/customer-invitations/{invitation_id}/accept")]
pub async fn accept(
    state: web::Data<AppState>,
    caller: Caller,
    invitation_id: web::Path<String>,
    body: ApiJson<AcceptCustomerInvitation>,
    once: Once,
) -> Result<HttpResponse, ApiError> {
    caller.require(Operation::AcceptCustomerInvitation, None)?;
    let id = invitation_id.into_inner();
    let b = body.parse()?;
    let mut fields = Fields::default();
    let company_name = fields.take_opt(
        "company_name",
        b.company_name.as_deref(),
        CompanyName::parse,
    );
    let domain = fields.take_opt("domain", b.domain.as_deref(), Domain::parse);
    let (Some(company_name), Some(domain)) = (company_name, domain) else {
        return Err(fields.into_error());
    };
    let form = AcceptForm {
        token_hash: token::hash(&b.token),
        tenant: caller.tenant(),
        company_name,
        domain,
        email_id: Uuid::now_v7(),
        grant_id: Uuid::now_v7(),
        now: state.clock.now(),
    };
    let key = state.data_key.clone();
    once.write(&state, caller, move |conn, caller| {
        let ctx = customer_invitations::accept_context(conn, &key, &id, form.tenant)?;
        let now = form.now;
        let pc = events::apply(conn, caller, &key, commands::accept(ctx, form)?, now)?;
        Answer::ok(&CustomerDto::new(&pc, now))
    })
    .await
}
