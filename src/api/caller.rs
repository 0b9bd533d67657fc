//! The `Caller` extractor: the verified bearer token of a request, as an actor with roles.

use std::collections::HashSet;
use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use super::error::ApiError;
use super::request_id::RequestId;
use crate::auth::TokenError;
use crate::domain::access::{Actor, Operation, authorize};
use crate::domain::role::Role;
use crate::domain::values::TenantId;
use crate::state::AppState;
use crate::store::outcome;

impl From<TokenError> for ApiError {
    fn from(e: TokenError) -> ApiError {
        ApiError::unauthenticated(e.to_string())
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub sub: String,
    pub actor: Actor,
    pub request_id: String,
    operator_tenant: TenantId,
}

impl Caller {
    pub fn tenant(&self) -> TenantId {
        self.actor.tenant
    }

    pub fn is_operator(&self) -> bool {
        self.actor.is_operator(self.operator_tenant)
    }

    /// 403 unless the caller may perform `operation` on data of `owner` (R28).
    pub fn require(&self, operation: Operation, owner: Option<TenantId>) -> Result<(), ApiError> {
        authorize(operation, &self.actor, owner, self.operator_tenant).map_err(ApiError::from)
    }

    /// The request's caller, from its bearer token.
    pub fn identify(req: &HttpRequest) -> Result<Caller, ApiError> {
        caller(req)
    }

    /// The caller as the audit log names it (R29).
    pub fn author(&self) -> outcome::Actor {
        outcome::Actor {
            sub: self.sub.clone(),
            tenant: self.tenant(),
            roles: self.role_names(),
            request_id: self.request_id.clone(),
            operator: self.operator_tenant,
        }
    }

    /// Role names, for the audit log (R29).
    pub fn role_names(&self) -> String {
        self.actor
            .roles
            .iter()
            .map(|r| r.name())
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn bearer(req: &HttpRequest) -> Result<&str, TokenError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or(TokenError::MissingBearer)?;
    let value = value.to_str().map_err(|_| TokenError::Malformed)?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(TokenError::MissingBearer),
    }
}

fn caller(req: &HttpRequest) -> Result<Caller, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("application state missing"))?;
    let claims = state.verifier.verify(bearer(req)?)?;
    let tenant = TenantId::parse(&claims.tid).map_err(|_| TokenError::InvalidClaim("tid"))?;
    // Unknown role names grant nothing; they are dropped, not refused.
    let roles: HashSet<Role> = claims
        .roles
        .iter()
        .filter_map(|r| Role::from_name(r))
        .collect();
    let mut roles: Vec<Role> = roles.into_iter().collect();
    roles.sort();
    let request_id = req
        .extensions()
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    Ok(Caller {
        sub: claims.sub,
        actor: Actor { tenant, roles },
        request_id,
        operator_tenant: state.operator_tenant,
    })
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Verified already by the rate limiter, when limits are on.
        if let Some(known) = req.extensions().get::<Caller>() {
            return ready(Ok(known.clone()));
        }
        ready(caller(req))
    }
}
