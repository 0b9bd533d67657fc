//! The OpenAPI document's frame: info, tags, the bearer scheme and the shared problem responses.
//! Paths come from the route list in `api::routes`.

use std::borrow::Cow;

use utoipa::openapi::schema::{KnownFormat, Object, ObjectBuilder, SchemaFormat, SchemaType, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use super::error::{
    BadRequest, Conflict, FieldError, Forbidden, Gone, NotFound, Problem, RateLimited,
    Unauthenticated, Unprocessable, UriTooLong,
};
use super::error_code::ErrorCode;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "csp-transition",
        description = "Moves a Cloud Solution Provider direct bill partner to indirect reseller: enrollment, \
approval, the reseller agreement, the provider directory and partnerships, customer invitations, and what the \
partner may do for each kind of customer.\n\nAuthenticate with `Authorization: Bearer <jwt>` carrying `sub`, \
`tid` (tenant UUID), `roles` and `exp`. Errors are RFC 9457 `application/problem+json` with a stable `code`. \
Lists take `limit` (1..=200, default 50) and `cursor`, and answer `{items, next_cursor}` in id order. \
Every response carries `x-request-id`.",
        license(name = "MIT")
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(
        schemas(
            Problem,
            FieldError,
            Region,
            crate::domain::provider::Service,
            crate::domain::invitation::PartnershipStatus,
            crate::domain::invitation::CustomerInvitationStatus,
            crate::domain::capability::Relationship,
            CompanyName,
            EmailAddress,
            DomainName,
            MpnId,
        ),
        responses(BadRequest, Unauthenticated, Forbidden, NotFound, Conflict, Gone, Unprocessable, RateLimited, UriTooLong)
    ),
    tags(
        (name = "partners", description = "Partner registration and profile (operator, partner)"),
        (name = "enrollment", description = "Indirect reseller enrollment and program info (R1-R9)"),
        (name = "agreement", description = "The indirect reseller agreement (R10-R12)"),
        (name = "providers", description = "The indirect provider directory (R14)"),
        (name = "partnerships", description = "Partnership invitations and provider lists (R15)"),
        (name = "customers", description = "Customers and capabilities (R19, R23-R25)"),
        (name = "customer invitations", description = "Customer invitations and moves (R16-R18, R21-R22)"),
        (name = "transition plans", description = "Plans to move many direct bill customers to one provider, as a dry run (R36)"),
        (name = "transition", description = "The partner's whole transition in one answer, for a dashboard (R39)"),
        (name = "admin relationships", description = "Admin relationships: Entra roles a customer grants its partner for a time, after Microsoft's GDAP (R31-R33)"),
        (name = "incentives", description = "Incentive programs (R26-R27)"),
        (name = "notifications", description = "The e-mail outbox (R30)"),
        (name = "audit", description = "The append-only audit log (R29)"),
        (name = "webhooks", description = "Webhook endpoints and their deliveries, signed per Standard Webhooks (R35)"),
        (name = "operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".to_owned());
        scheme.description =
            Some("HS256 or RS256 JWT with `sub`, `tid`, `roles`, `exp`".to_owned());
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document's operations of the given methods (`"get"`, `"post"`, ...), each once.
fn operations<'a>(
    doc: &'a mut utoipa::openapi::OpenApi,
    methods: &'a [&str],
) -> impl Iterator<Item = &'a mut utoipa::openapi::path::Operation> {
    doc.paths.paths.values_mut().flat_map(move |item| {
        [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("patch", &mut item.patch),
            ("delete", &mut item.delete),
        ]
        .into_iter()
        .filter(|(method, _)| methods.contains(method))
        .filter_map(|(_, op)| op.as_mut())
    })
}

const ALL_METHODS: &[&str] = &["get", "post", "put", "patch", "delete"];

/// Every POST, PUT, PATCH and DELETE takes an optional `Idempotency-Key` (see `api::idempotency`).
pub fn add_idempotency_header(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{Required, response::ResponseBuilder};
    for op in operations(doc, &["post", "put", "patch", "delete"]) {
        let parameter = ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some(
                    "Makes a retry safe. Keys belong to the caller (tenant and `sub`) and are kept 24 hours. \
                     The same key with the same request (method, path, query and a JSON-equal body) gets the \
                     first answer again, with `Idempotent-Replayed: true`, and nothing is done twice; a refusal \
                     (4xx) is an answer too, while a request that failed on the server side changed nothing and \
                     runs again. The same key with a different request: 422 `idempotency_key_reused`; while the \
                     first request still runs: 409 `idempotency_key_in_use` with `Retry-After: 1`. \
                     Authentication and the role check come first: a caller who may not make the request \
                     never gets a stored answer.",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(255))
                        .pattern(Some("^[\\x21-\\x7E]+$")),
                ))
                .build();
        op.parameters.get_or_insert_with(Vec::new).push(parameter);
        op.responses
            .responses
            .entry("422".to_owned())
            .or_insert_with(|| {
                ResponseBuilder::new()
                    .description("`idempotency_key_reused` or invalid fields")
                    .build()
                    .into()
            });
        op.responses
            .responses
            .entry("409".to_owned())
            .or_insert_with(|| {
                ResponseBuilder::new()
                    .description("`idempotency_key_in_use`")
                    .build()
                    .into()
            });
    }
}

/// A body documented as optional ("Optional; may be empty") is `required: false`, so a
/// generated client may leave it out (an empty body reads as `{}`).
pub fn mark_optional_bodies(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::Required;
    for body in operations(doc, &["post", "put", "patch"]).filter_map(|op| op.request_body.as_mut())
    {
        if body
            .description
            .as_deref()
            .is_some_and(|d| d.starts_with("Optional"))
        {
            body.required = Some(Required::False);
        }
    }
}

/// What the derives cannot say. `minProperties: 1` on the `patches` (request bodies that must
/// change something): utoipa-gen 5.5 writes `#[schema(min_properties)]` out as `maxProperties`.
/// `allowEmptyValue` on every optional query parameter: an empty one counts as absent
/// (`extract::drop_empty_query_params`), and utoipa's `Parameter` has no field for the keyword,
/// so it goes in as an extension-style member.
/// R31 in the schema of an admin relationship request: `auto_extend: true` together with
/// Global Administrator is refused, so generated clients and fuzzers know it (JSON Schema `not`,
/// which utoipa's `Object` has no field for).
pub fn forbid_auto_extend_with_global_administrator(
    doc: &mut utoipa::openapi::OpenApi,
    schema: &str,
) {
    if let Some(RefOr::T(Schema::Object(o))) = doc
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut(schema))
    {
        o.extensions.get_or_insert_with(Default::default).insert(
            "not".to_owned(),
            serde_json::json!({
                "required": ["auto_extend", "roles"],
                "properties": {
                    "auto_extend": {"const": true},
                    "roles": {"contains": {"const": "Global Administrator"}}
                }
            }),
        );
    }
}

pub fn add_value_constraints(doc: &mut utoipa::openapi::OpenApi, patches: &[&str]) {
    use utoipa::openapi::Required;
    use utoipa::openapi::path::ParameterIn;
    for patch in patches {
        if let Some(RefOr::T(Schema::Object(o))) = doc
            .components
            .as_mut()
            .and_then(|c| c.schemas.get_mut(*patch))
        {
            o.min_properties = Some(1);
        }
    }
    for op in operations(doc, &["get", "delete"]) {
        for p in op.parameters.iter_mut().flatten() {
            if p.parameter_in == ParameterIn::Query && p.required == Required::False {
                p.extensions
                    .get_or_insert_with(Default::default)
                    .insert("allowEmptyValue".to_owned(), serde_json::Value::Bool(true));
            }
        }
    }
}

/// Operation ids carry their tag (`partners_register`, `providers_register`), so they are unique
/// across the document as OpenAPI requires, though handlers in different modules share names.
pub fn qualify_operation_ids(doc: &mut utoipa::openapi::OpenApi) {
    for op in operations(doc, ALL_METHODS) {
        let tag = op
            .tags
            .as_ref()
            .and_then(|t| t.first())
            .map(|t| t.replace(' ', "_"))
            .unwrap_or_default();
        if let Some(id) = op.operation_id.as_mut() {
            if !tag.is_empty() && !id.starts_with(&format!("{tag}_")) {
                *id = format!("{tag}_{id}");
            }
        }
    }
}

/// The code a problem response is about: the first code its description names in backticks,
/// else the usual one for its status.
fn code_of(status: &str, description: &str) -> Option<ErrorCode> {
    let named = description
        .split('`')
        .skip(1)
        .step_by(2)
        .find_map(ErrorCode::from_name);
    named.or(match status {
        "400" => Some(ErrorCode::BadRequest),
        "401" => Some(ErrorCode::Unauthenticated),
        "403" => Some(ErrorCode::Forbidden),
        "404" => Some(ErrorCode::NotFound),
        "405" => Some(ErrorCode::MethodNotAllowed),
        "409" => Some(ErrorCode::InvalidState),
        "410" => Some(ErrorCode::InvitationExpired),
        "413" => Some(ErrorCode::PayloadTooLarge),
        "414" => Some(ErrorCode::UriTooLong),
        "415" => Some(ErrorCode::UnsupportedMediaType),
        "422" => Some(ErrorCode::ValidationFailed),
        "429" => Some(ErrorCode::RateLimited),
        "431" => Some(ErrorCode::RequestHeaderFieldsTooLarge),
        "500" => Some(ErrorCode::Internal),
        "503" => Some(ErrorCode::Unavailable),
        _ => None,
    })
}

fn problem_example(code: ErrorCode) -> serde_json::Value {
    serde_json::json!({
        "type": format!("urn:csp-transition:problem:{}", code.name()),
        "title": code.title(),
        "status": code.status().as_u16(),
        "detail": format!("{} (example)", code.title()),
        "code": code.name(),
    })
}

fn add_example(status: &str, response: &mut utoipa::openapi::RefOr<utoipa::openapi::Response>) {
    let utoipa::openapi::RefOr::T(response) = response else {
        return;
    };
    let Some(code) = code_of(status, &response.description) else {
        return;
    };
    if let Some(content) = response.content.get_mut("application/problem+json") {
        content.example = Some(problem_example(code));
    }
}

/// The answers any operation may give whatever its parameters: 414 `uri_too_long` (API.md
/// "Limits": a query value past its `maxLength` can carry the URI over 8 KiB, and the head is
/// refused before the value is read) and 429 `rate_limited` (API.md "Rate limits").
pub fn add_shared_responses(doc: &mut utoipa::openapi::OpenApi) {
    for op in operations(doc, ALL_METHODS) {
        for (status, name) in [("414", "UriTooLong"), ("429", "RateLimited")] {
            op.responses.responses.insert(
                status.to_owned(),
                RefOr::Ref(utoipa::openapi::Ref::from_response_name(name)),
            );
        }
    }
}

/// Each problem response shows an example of its own code (Swagger UI would otherwise show one
/// example for all of them).
pub fn add_problem_examples(doc: &mut utoipa::openapi::OpenApi) {
    for op in operations(doc, ALL_METHODS) {
        for (status, response) in op.responses.responses.iter_mut() {
            add_example(status, response);
        }
    }
    if let Some(components) = doc.components.as_mut() {
        for (name, response) in components.responses.iter_mut() {
            let status = match name.as_str() {
                "BadRequest" => "400",
                "Unauthenticated" => "401",
                "Forbidden" => "403",
                "NotFound" => "404",
                "Conflict" => "409",
                "Gone" => "410",
                "Unprocessable" => "422",
                "UriTooLong" => "414",
                "RateLimited" => "429",
                _ => "",
            };
            add_example(status, response);
        }
    }
}

// Value schemas: what the parsers in `domain` accept, declared once, so that the document admits
// exactly the values the service takes (Schemathesis checks both directions). Fields point at
// them with `#[schema(value_type = ...)]`, or `schema_with` for text whose length varies.

/// A string schema listing `names`.
fn names(description: &str, names: impl IntoIterator<Item = &'static str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(names))
        .into()
}

/// Declares a marker type as the named component `$name` with the schema `$schema`.
macro_rules! component {
    ($(#[$doc:meta])* $name:ident => $schema:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                $schema
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

component!(
    /// ISO 3166-1 alpha-2 codes (API.md `region`, `regions`).
    Region => names(
        "ISO 3166-1 alpha-2 code, in upper case",
        crate::domain::region::CODES,
    )
);

component!(
    /// `values::CompanyName`.
    CompanyName => line(
        crate::domain::values::CompanyName::MAX,
        "A company name: 1 to 200 characters, no control characters, no whitespace at either end",
    )
    .into()
);

component!(
    /// `values::Email`.
    EmailAddress => ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
        .max_length(Some(crate::domain::values::Email::MAX))
        .description(Some("An e-mail address with a dotted domain, taken as sent (no surrounding spaces)"))
        .examples(["ops@contoso.com"])
        .into()
);

component!(
    /// `customer::Domain`.
    DomainName => ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(crate::domain::customer::Domain::MAX))
        .pattern(Some(crate::domain::customer::DOMAIN_PATTERN))
        .description(Some("A DNS name of at least two labels, no trailing dot; kept in lower case"))
        .examples(["fourthcoffee.onmicrosoft.com"])
        .into()
);

component!(
    /// R31: `admin_relationship::AdminDuration`.
    AdminDuration => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(crate::domain::admin_relationship::DURATION_PATTERN))
        .description(Some("ISO 8601 days, from `P1D` to `P730D`"))
        .examples(["P730D"])
        .into()
);

component!(
    /// An id (`format: uuid`), where a list holds ids.
    Uuid => ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
        .into()
);

component!(
    /// R4 (design): `values::MpnId`.
    MpnId => ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(crate::domain::values::MPN_ID_PATTERN))
        .description(Some("Microsoft Partner Network ID: 6 to 10 digits"))
        .examples(["4433221"])
        .into()
);

fn bounded(max: usize, pattern: &str, description: &str) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(pattern))
        .description(Some(description))
        .build()
}

/// Header-safe text of 1 to `max` characters (`values::LINE_PATTERN`): names, subjects.
pub fn line(max: usize, description: &str) -> Object {
    bounded(max, crate::domain::values::LINE_PATTERN, description)
}

/// Free text of 1 to `max` characters (`values::TEXT_PATTERN`): reasons, messages.
pub fn text(max: usize, description: &str) -> Object {
    bounded(max, crate::domain::values::TEXT_PATTERN, description)
}

/// A string `schema` that may also be null (an optional field sent as null is one left out).
pub fn or_null(mut schema: Object) -> Object {
    schema.schema_type = SchemaType::from_iter([Type::String, Type::Null]);
    schema
}
