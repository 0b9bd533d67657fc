//! Every `code` a problem document can carry (API.md "Error codes"), with its one HTTP status
//! and title. A closed set: adding a code does not compile until both are written.

use actix_web::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

macro_rules! error_codes {
    ($($variant:ident => ($name:literal, $status:ident, $title:literal)),* $(,)?) => {
        /// Stable, machine-readable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode { $($variant),* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $(ErrorCode::$variant => $name),* }
            }

            pub fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::$status),* }
            }

            /// A short, fixed summary (RFC 9457 `title`).
            pub fn title(self) -> &'static str {
                match self { $(ErrorCode::$variant => $title),* }
            }
        }
    };
}

error_codes! {
    Unauthenticated => ("unauthenticated", UNAUTHORIZED, "Authentication required"),
    Forbidden => ("forbidden", FORBIDDEN, "Not allowed for your roles"),
    TenantMismatch => ("tenant_mismatch", FORBIDDEN, "Another tenant's resource"),
    NotFound => ("not_found", NOT_FOUND, "Not found"),
    ValidationFailed => ("validation_failed", UNPROCESSABLE_ENTITY, "Validation failed"),
    BadRequest => ("bad_request", BAD_REQUEST, "Bad request"),
    PartnerExists => ("partner_exists", CONFLICT, "Partner already registered"),
    ProviderExists => ("provider_exists", CONFLICT, "Provider already registered"),
    NotEligible => ("not_eligible", FORBIDDEN, "Not eligible"),
    ProfileIncomplete => ("profile_incomplete", UNPROCESSABLE_ENTITY, "Partner profile incomplete"),
    AlreadyEnrolled => ("already_enrolled", CONFLICT, "Already enrolled"),
    InvalidState => ("invalid_state", CONFLICT, "Not allowed in the current state"),
    Irreversible => ("irreversible", CONFLICT, "Irreversible"),
    EnrollmentNotApproved => ("enrollment_not_approved", CONFLICT, "Enrollment not approved"),
    AgreementVersionMismatch => ("agreement_version_mismatch", UNPROCESSABLE_ENTITY, "Agreement version mismatch"),
    AlreadyAccepted => ("already_accepted", CONFLICT, "Agreement already accepted"),
    IndirectResellerNotActive => ("indirect_reseller_not_active", FORBIDDEN, "Indirect reseller not active"),
    RelationshipExists => ("relationship_exists", CONFLICT, "Provider already in the list"),
    InvitationPending => ("invitation_pending", CONFLICT, "Invitation already open"),
    InvitationExpired => ("invitation_expired", GONE, "Invitation expired"),
    InvalidInvitationToken => ("invalid_invitation_token", NOT_FOUND, "Invitation token does not match"),
    InvitationLinkMissing => ("invitation_link_missing", UNPROCESSABLE_ENTITY, "Invitation link missing"),
    NoProviderRelationship => ("no_provider_relationship", CONFLICT, "No active provider relationship"),
    DirectBillRequired => ("direct_bill_required", FORBIDDEN, "Direct bill required"),
    AlreadyIndirect => ("already_indirect", CONFLICT, "Already an indirect reseller customer"),
    WrongCustomer => ("wrong_customer", FORBIDDEN, "Invitation for another customer"),
    StoreForBusinessUnsupported => ("store_for_business_unsupported", CONFLICT, "Store for Business customer"),
    ActionNotPermitted => ("action_not_permitted", FORBIDDEN, "Action not permitted"),
    IncentiveNotInvited => ("incentive_not_invited", CONFLICT, "Not invited to the incentive program"),
    IdempotencyKeyReused => ("idempotency_key_reused", UNPROCESSABLE_ENTITY, "Idempotency key reused"),
    IdempotencyKeyInUse => ("idempotency_key_in_use", CONFLICT, "Idempotency key in use"),
    Unavailable => ("unavailable", SERVICE_UNAVAILABLE, "Service unavailable"),
    RateLimited => ("rate_limited", TOO_MANY_REQUESTS, "Too many requests"),
    AdminRelationshipInactive => ("admin_relationship_inactive", FORBIDDEN, "No active admin relationship"),
    AdminRoleMissing => ("admin_role_missing", FORBIDDEN, "Admin role missing"),
    WebhookUrlRefused => ("webhook_url_refused", UNPROCESSABLE_ENTITY, "Webhook URL refused"),
    OperationNotFinished => ("operation_not_finished", CONFLICT, "Operation not finished"),
    MethodNotAllowed => ("method_not_allowed", METHOD_NOT_ALLOWED, "Method not allowed"),
    PayloadTooLarge => ("payload_too_large", PAYLOAD_TOO_LARGE, "Payload too large"),
    UnsupportedMediaType => ("unsupported_media_type", UNSUPPORTED_MEDIA_TYPE, "Unsupported media type"),
    UriTooLong => ("uri_too_long", URI_TOO_LONG, "URI too long"),
    RequestHeaderFieldsTooLarge => ("request_header_fields_too_large", REQUEST_HEADER_FIELDS_TOO_LARGE, "Request header fields too large"),
    Internal => ("internal", INTERNAL_SERVER_ERROR, "Internal error"),
}

impl ErrorCode {
    pub fn from_name(name: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.iter().copied().find(|c| c.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialise_as_their_names_and_are_unique() {
        let mut names = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).unwrap();
            assert_eq!(json, code.name());
            assert!(names.insert(code.name()), "{} twice", code.name());
            assert_eq!(ErrorCode::from_name(code.name()), Some(*code));
            assert!(code.status().is_client_error() || code.status().is_server_error());
        }
    }
}
