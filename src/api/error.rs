//! `ApiError`: every failure as RFC 9457 problem+json with a stable `code` (API.md "Error codes").

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::{ContentBuilder, RefOr, Response, ResponseBuilder};

use super::error_code::ErrorCode;
use crate::domain::DomainError;
use crate::domain::access::Denial;
use crate::store::StoreError;

/// `Retry-After` of a 503: a pool that cannot connect retries about this often.
const UNAVAILABLE_RETRY_AFTER: u32 = 2;

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field, as a JSON path into the request (`regions[1]`), or a parameter name.
    #[schema(example = "mpn_id")]
    pub field: String,
    #[schema(example = "must be 6 to 10 digits")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem document. Each response documents an example of its own `code`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    pub code: ErrorCode,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// R25: why a capability was denied (`action_not_permitted` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A failure on its way to becoming a problem document. Boxed: handlers return it in every
/// `Result`, which stays one pointer wide.
#[derive(Debug)]
pub struct ApiError(Box<Failure>);

#[derive(Debug)]
pub struct Failure {
    code: ErrorCode,
    detail: String,
    errors: Vec<FieldError>,
    reason: Option<&'static str>,
    allow: Option<String>,
    /// Seconds for `Retry-After` (503, and a key still in use).
    retry_after: Option<u32>,
    bearer_challenge: bool,
    /// Logged, never shown: the internal cause of a 5xx.
    cause: Option<String>,
}

impl std::ops::Deref for ApiError {
    type Target = Failure;

    fn deref(&self) -> &Failure {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut Failure {
        &mut self.0
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> ApiError {
        ApiError(Box::new(Failure {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            reason: None,
            allow: None,
            retry_after: None,
            bearer_challenge: false,
            cause: None,
        }))
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> ApiError {
        self.errors = errors;
        self
    }

    pub fn with_reason(mut self, reason: &'static str) -> ApiError {
        self.reason = Some(reason);
        self
    }

    pub fn unauthenticated(detail: impl Into<String>) -> ApiError {
        let mut e = ApiError::new(ErrorCode::Unauthenticated, detail);
        e.bearer_challenge = true;
        e
    }

    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::NotFound, detail)
    }

    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::BadRequest, detail)
    }

    pub fn validation(errors: Vec<FieldError>) -> ApiError {
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        let detail = format!("invalid value for {}", fields.join(", "));
        ApiError::new(ErrorCode::ValidationFailed, detail).with_errors(errors)
    }

    pub fn field(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::validation(vec![FieldError::new(field, message)])
    }

    /// A conditional save affected no row: another request changed the `what` first.
    pub fn unless_saved(saved: bool, what: &str) -> Result<(), ApiError> {
        if saved {
            Ok(())
        } else {
            Err(ApiError::new(
                ErrorCode::InvalidState,
                format!("the {what} changed meanwhile; read it again"),
            ))
        }
    }

    pub fn method_not_allowed(allow: String) -> ApiError {
        let mut e = ApiError::new(
            ErrorCode::MethodNotAllowed,
            format!("this resource allows {allow}"),
        );
        e.allow = Some(allow);
        e
    }

    /// A 500 whose cause goes to the log only.
    pub fn internal(cause: impl fmt::Display) -> ApiError {
        let mut e = ApiError::new(ErrorCode::Internal, "an unexpected error occurred");
        e.cause = Some(cause.to_string());
        e
    }

    pub fn unavailable(cause: impl fmt::Display) -> ApiError {
        let mut e = ApiError::new(
            ErrorCode::Unavailable,
            "the service cannot reach its database; try again shortly",
        );
        e.cause = Some(cause.to_string());
        e.retry_after = Some(UNAVAILABLE_RETRY_AFTER);
        e
    }

    pub fn idempotency_key_reused() -> ApiError {
        ApiError::new(
            ErrorCode::IdempotencyKeyReused,
            "this Idempotency-Key was used for a different request",
        )
    }

    /// 429: the tenant's requests of this minute are used up (API.md "Rate limits").
    pub fn rate_limited(retry_after: u32, limit: u32) -> ApiError {
        let mut e = ApiError::new(
            ErrorCode::RateLimited,
            format!("more than {limit} requests a minute; retry after {retry_after} s"),
        );
        e.retry_after = Some(retry_after);
        e
    }

    pub fn idempotency_key_in_use() -> ApiError {
        let mut e = ApiError::new(
            ErrorCode::IdempotencyKeyInUse,
            "a request with this Idempotency-Key is still running; retry shortly",
        );
        e.retry_after = Some(1);
        e
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn detail(&self) -> &str {
        &self.detail
    }

    pub fn status(&self) -> StatusCode {
        self.code.status()
    }

    pub fn problem(&self) -> Problem {
        Problem {
            problem_type: format!("urn:csp-transition:problem:{}", self.code.name()),
            title: self.code.title().to_owned(),
            status: self.status().as_u16(),
            detail: self.detail.clone(),
            code: self.code,
            errors: self.errors.clone(),
            reason: self.reason.map(str::to_owned),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status().as_u16(),
            self.code.name(),
            self.detail
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = &self.cause {
            tracing::error!(code = self.code.name(), status = self.status().as_u16(), cause = %cause, "request failed");
        }
        let mut response = HttpResponse::build(self.status());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        if self.bearer_challenge {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if let Some(allow) = &self.allow {
            response.insert_header((header::ALLOW, allow.clone()));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        let body = serde_json::to_string(&self.problem())
            .unwrap_or_else(|_| r#"{"code":"internal","status":500}"#.to_owned());
        response.body(body)
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> ApiError {
        let detail = e.to_string();
        match e {
            DomainError::NotFound(_) => ApiError::new(ErrorCode::NotFound, detail),
            DomainError::AutoExtendWithGlobalAdministrator => {
                ApiError::validation(vec![FieldError::new(
                    "auto_extend",
                    "cannot be true with Global Administrator",
                )])
            }
            DomainError::UnknownCustomers(_) => {
                ApiError::validation(vec![FieldError::new("customer_ids", detail)])
            }
            DomainError::NewCustomerDetailsMissing(fields) => ApiError::validation(
                fields
                    .into_iter()
                    .map(|f| FieldError::new(f, "is required when a new customer accepts"))
                    .collect(),
            ),
            DomainError::NotEligible(_) => ApiError::new(ErrorCode::NotEligible, detail),
            DomainError::ProfileIncomplete(fields) => ApiError::new(
                ErrorCode::ProfileIncomplete,
                detail,
            )
            .with_errors(
                fields
                    .into_iter()
                    .map(|f| {
                        FieldError::new(f, "must be set in the partner profile before enrolling")
                    })
                    .collect(),
            ),
            DomainError::AlreadyEnrolled(_) => ApiError::new(ErrorCode::AlreadyEnrolled, detail),
            DomainError::PartnerExists(_) => ApiError::new(ErrorCode::PartnerExists, detail),
            DomainError::ProviderExists(_) => ApiError::new(ErrorCode::ProviderExists, detail),
            DomainError::InvalidState(_) => ApiError::new(ErrorCode::InvalidState, detail),
            DomainError::OperationNotFinished(_) => {
                ApiError::new(ErrorCode::OperationNotFinished, detail)
            }
            DomainError::Irreversible => ApiError::new(ErrorCode::Irreversible, detail),
            DomainError::EnrollmentNotApproved => {
                ApiError::new(ErrorCode::EnrollmentNotApproved, detail)
            }
            DomainError::AgreementVersionMismatch { .. } => {
                ApiError::new(ErrorCode::AgreementVersionMismatch, detail).with_errors(vec![
                    FieldError::new("agreement_version", "is not the current version"),
                ])
            }
            DomainError::AlreadyAccepted => ApiError::new(ErrorCode::AlreadyAccepted, detail),
            DomainError::IndirectResellerNotActive => {
                ApiError::new(ErrorCode::IndirectResellerNotActive, detail)
            }
            DomainError::IncentiveNotInvited => {
                ApiError::new(ErrorCode::IncentiveNotInvited, detail)
            }
            DomainError::InvalidInvitationToken => {
                ApiError::new(ErrorCode::InvalidInvitationToken, detail)
            }
            DomainError::InvitationExpired(_) => {
                ApiError::new(ErrorCode::InvitationExpired, detail)
            }
            DomainError::InvitationPending(_) => {
                ApiError::new(ErrorCode::InvitationPending, detail)
            }
            DomainError::RelationshipExists => ApiError::new(ErrorCode::RelationshipExists, detail),
            DomainError::InvitationLinkMissing(_) => {
                ApiError::new(ErrorCode::InvitationLinkMissing, detail).with_errors(vec![
                    FieldError::new("body", "must contain the invitation link unchanged"),
                ])
            }
            DomainError::NoProviderRelationship => {
                ApiError::new(ErrorCode::NoProviderRelationship, detail)
            }
            DomainError::DirectBillRequired => ApiError::new(ErrorCode::DirectBillRequired, detail),
            DomainError::AlreadyIndirect => ApiError::new(ErrorCode::AlreadyIndirect, detail),
            DomainError::WrongCustomer => ApiError::new(ErrorCode::WrongCustomer, detail),
            DomainError::StoreForBusinessUnsupported => {
                ApiError::new(ErrorCode::StoreForBusinessUnsupported, detail)
            }
        }
    }
}

impl From<Denial> for ApiError {
    fn from(d: Denial) -> ApiError {
        match d {
            Denial::TenantMismatch => ApiError::new(
                ErrorCode::TenantMismatch,
                "the path names a tenant other than the one your token acts for",
            ),
            Denial::Forbidden => {
                ApiError::new(ErrorCode::Forbidden, "your roles do not allow this action")
            }
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::Unavailable(cause) => ApiError::unavailable(cause),
            StoreError::Refused(refusal) => ApiError::from(refusal),
            other => ApiError::internal(other),
        }
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(e: diesel::result::Error) -> ApiError {
        ApiError::from(StoreError::from(e))
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> ApiError {
        ApiError::internal(e)
    }
}

/// Reusable problem responses for the OpenAPI document.
macro_rules! problem_responses {
    ($($name:ident => $description:literal),* $(,)?) => {
        $(
            pub struct $name;
            impl<'r> utoipa::ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    (stringify!($name), problem_response($description))
                }
            }
        )*
    };
}

/// 429 (API.md "Rate limits"), with the headers that say when to come back.
pub struct RateLimited;

impl<'r> utoipa::ToResponse<'r> for RateLimited {
    fn response() -> (&'r str, RefOr<Response>) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let seconds = |description: &str| {
            HeaderBuilder::new()
                .schema(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .minimum(Some(0)),
                )
                .description(Some(description))
                .build()
        };
        let RefOr::T(mut response) = problem_response(
            "`rate_limited`: the tenant's requests of this minute on this replica are used up \
             (`RATE_LIMIT_PER_MINUTE`). Every answer, this one included, carries \
             `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`.",
        ) else {
            return ("RateLimited", problem_response("`rate_limited`"));
        };
        for (name, description) in [
            ("Retry-After", "Seconds until the next request is allowed"),
            ("RateLimit-Limit", "Requests a minute the tenant may make"),
            ("RateLimit-Remaining", "Requests left now"),
            (
                "RateLimit-Reset",
                "Seconds until the whole minute's allowance is back",
            ),
        ] {
            response
                .headers
                .insert(name.to_owned(), seconds(description));
        }
        ("RateLimited", RefOr::T(response))
    }
}

fn problem_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                .build(),
        )
        .build()
        .into()
}

problem_responses! {
    BadRequest => "Malformed JSON or parameters (`bad_request`)",
    Unauthenticated => "No usable bearer token (`unauthenticated`); carries `WWW-Authenticate: Bearer`",
    Forbidden => "The token is valid but its role or tenant is not (`forbidden`, `tenant_mismatch`, or a rule's code)",
    NotFound => "No such object visible to the caller (`not_found`)",
    Conflict => "The object's state does not allow this (see `code`)",
    Gone => "The link has expired",
    Unprocessable => "Invalid field values or unknown fields (`validation_failed`, or a rule's code); `errors` names each field",
    UriTooLong => "`uri_too_long`: the request target (path and query) is over 8 KiB (API.md \"Limits\")",
}
