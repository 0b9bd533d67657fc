//! Request parsing that always answers problem+json: JSON bodies, list parameters, path ids.

use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::Uri;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::http::uri::PathAndQuery;
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpRequest, web};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use utoipa::IntoParams;
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

use super::error::{ApiError, FieldError};
use super::error_code::ErrorCode;
use crate::domain::values::{TenantId, ValueError};
use crate::store::page::{PageRequest, decode_cursor};

/// Bodies larger than this are refused with 413.
pub const BODY_LIMIT: usize = 256 * 1024;

/// A JSON body, read by the extractor and parsed by `parse` once the handler has checked who
/// is asking (so a caller without access learns nothing from validation errors): 400 when it is
/// not JSON, 422 naming each bad or unknown field, 413 when too large, 415 when it is not sent as
/// JSON or declares a charset other than UTF-8. An empty body reads as `{}`.
#[derive(Debug)]
pub struct ApiJson<T> {
    body: Result<web::Bytes, ApiError>,
    content_type: Option<String>,
    shape: std::marker::PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Validate> ApiJson<T> {
    pub fn parse(self) -> Result<T, ApiError> {
        let bytes = self.body?;
        if bytes.is_empty() {
            return parse(b"{}");
        }
        let content_type = self.content_type.as_deref().unwrap_or("");
        if !is_json(content_type) {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "send the body as Content-Type: application/json",
            ));
        }
        if !is_utf8(content_type) {
            return Err(ApiError::new(
                ErrorCode::UnsupportedMediaType,
                "a JSON body must be UTF-8: send charset=utf-8 or no charset",
            ));
        }
        parse(&bytes)
    }
}

impl<T: 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let body = body.await.map_err(|e| match e.as_error::<PayloadError>() {
                Some(PayloadError::Overflow) => ApiError::new(
                    ErrorCode::PayloadTooLarge,
                    format!("the body must be at most {BODY_LIMIT} bytes"),
                ),
                _ => ApiError::bad_request(format!("the body could not be read: {e}")),
            });
            Ok(ApiJson {
                body,
                content_type,
                shape: std::marker::PhantomData,
            })
        })
    }
}

fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// No `charset` parameter, or `charset=utf-8` in any case, quoted or not (RFC 8259: JSON is UTF-8).
fn is_utf8(content_type: &str) -> bool {
    content_type
        .split(';')
        .skip(1)
        .all(|param| match param.split_once('=') {
            Some((name, value)) if name.trim().eq_ignore_ascii_case("charset") => {
                value.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            _ => true,
        })
}

fn parse<T: DeserializeOwned + Validate>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = match serde_path_to_error::deserialize(&mut de) {
        Ok(value) => value,
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            return Err(if inner.is_data() {
                let field = if path == "." {
                    field_from_message(&inner.to_string())
                } else {
                    path
                };
                ApiError::field(&field, clean_message(&inner.to_string()))
            } else {
                ApiError::bad_request(format!("the body is not valid JSON: {inner}"))
            });
        }
    };
    de.end()
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    value
        .validate()
        .map_err(|e| ApiError::validation(validation_errors(&e, "")))?;
    Ok(value)
}

/// serde names a missing field only in its message: "missing field `x`".
fn field_from_message(message: &str) -> String {
    message
        .split('`')
        .nth(1)
        .map(str::to_owned)
        .unwrap_or_else(|| "body".to_owned())
}

/// serde's messages end with " at line 1 column 9", which helps nobody reading a field error.
fn clean_message(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

fn validation_errors(errors: &ValidationErrors, prefix: &str) -> Vec<FieldError> {
    let mut out = Vec::new();
    for (field, kind) in errors.errors() {
        let path = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let message = e
                        .message
                        .as_ref()
                        .map(|m| m.to_string())
                        .unwrap_or_else(|| human_message(e));
                    out.push(FieldError::new(path.clone(), message));
                }
            }
            ValidationErrorsKind::Struct(inner) => out.extend(validation_errors(inner, &path)),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    out.extend(validation_errors(inner, &format!("{path}[{i}]")));
                }
            }
        }
    }
    out
}

/// A message for a `#[validate]` rule that names none: validator's own is its rule's code
/// (`length`), which tells a reader nothing.
fn human_message(e: &validator::ValidationError) -> String {
    let param = |name: &str| e.params.get(name).and_then(|v| v.as_u64());
    let unit = match e.params.get("value") {
        Some(serde_json::Value::Array(_)) => "items",
        _ => "characters",
    };
    match (e.code.as_ref(), param("min"), param("max"), param("equal")) {
        ("length", _, _, Some(n)) => format!("must be exactly {n} {unit}"),
        ("length", Some(min), Some(max), _) => format!("must be {min} to {max} {unit}"),
        ("length", Some(min), None, _) => format!("must be at least {min} {unit}"),
        ("length", None, Some(max), _) => format!("must be at most {max} {unit}"),
        _ => "is not valid".to_owned(),
    }
}

/// For an optional field that may be left out but not sent as null (`#[serde(default,
/// deserialize_with = "not_null")]`): null answers 422 naming the field.
pub fn not_null<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    match Option::<T>::deserialize(deserializer)? {
        Some(value) => Ok(Some(value)),
        None => Err(serde::de::Error::custom(
            "must not be null: leave the field out to keep its value",
        )),
    }
}

/// A JSON integer, also when written with a zero fraction (`9.0`, `9e0`): JSON Schema's
/// `integer` allows those, so the API does too (`#[serde(deserialize_with = "whole_number")]`).
pub fn whole_number<'de, D>(deserializer: D) -> Result<i64, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let n = serde_json::Number::deserialize(deserializer)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
        _ => Err(serde::de::Error::custom("must be a whole number")),
    }
}

/// Collects field errors from domain parsing, so one answer names every bad field.
#[derive(Debug, Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    pub fn take<T>(&mut self, field: &str, parsed: Result<T, ValueError>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(FieldError::new(field, e.0));
                None
            }
        }
    }

    /// Parses an optional field: absent stays None without error.
    pub fn take_opt<T>(
        &mut self,
        field: &str,
        raw: Option<&str>,
        parse: impl Fn(&str) -> Result<T, ValueError>,
    ) -> Option<Option<T>> {
        match raw {
            None => Some(None),
            Some(raw) => self.take(field, parse(raw)).map(Some),
        }
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_error(self) -> ApiError {
        ApiError::validation(self.0)
    }
}

/// An optional query parameter parsed by `parse`; 400 naming the parameter when it does not parse.
pub fn query_param<T>(
    field: &str,
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, ValueError>,
) -> Result<Option<T>, ApiError> {
    raw.map(|r| {
        parse(r).map_err(|e| {
            ApiError::bad_request(format!("query parameter {field} {}", e.0))
                .with_errors(vec![FieldError::new(field, e.0)])
        })
    })
    .transpose()
}

/// Parses one of a fixed set of names (a status or relationship filter).
pub fn one_of<T>(
    from_name: impl Fn(&str) -> Option<T>,
    names: &'static str,
) -> impl Fn(&str) -> Result<T, ValueError> {
    move |raw| from_name(raw).ok_or_else(|| ValueError(format!("must be {names}")))
}

/// A tenant id in the path; 400 naming the parameter when it is not a UUID.
pub fn path_tenant(name: &str, raw: &str) -> Result<TenantId, ApiError> {
    TenantId::parse(raw).map_err(|e| {
        ApiError::bad_request(format!("path parameter {name} {e}"))
            .with_errors(vec![FieldError::new(name, e.0)])
    })
}

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Paging of every list: `limit` (1..=200, default 50) and the opaque `cursor` of the last page.
/// `limit` is read as text and parsed by `page`, so a bad one is a 400 naming it.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items to return, 1 to 200 (default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A `limit` as the document declares it: an integer from 1 to 200, in plain decimal digits.
fn parse_limit(raw: &str) -> Option<i64> {
    let digits = raw.bytes().all(|b| b.is_ascii_digit()) && !raw.starts_with('0');
    let limit = raw.parse().ok().filter(|_| digits)?;
    (1..=MAX_LIMIT).contains(&limit).then_some(limit)
}

impl PageParams {
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let limit = match self.limit.as_deref() {
            None => DEFAULT_LIMIT,
            Some(raw) => parse_limit(raw).ok_or_else(|| {
                let message = format!("must be an integer from 1 to {MAX_LIMIT}");
                ApiError::bad_request(format!("query parameter limit {message}"))
                    .with_errors(vec![FieldError::new("limit", message)])
            })?,
        };
        let after = match &self.cursor {
            None => None,
            Some(c) => Some(decode_cursor(c).ok_or_else(|| {
                ApiError::bad_request("cursor is not one this service issued").with_errors(vec![
                    FieldError::new("cursor", "must be a next_cursor from a previous page"),
                ])
            })?),
        };
        Ok(PageRequest { limit, after })
    }
}

/// An empty query parameter (`cursor=`, `limit=`, a bare `status`) counts as absent: such pairs
/// are dropped from the URI before routing, so every extractor and the idempotency fingerprint
/// see the query without them.
pub async fn drop_empty_query_params(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if let Some(uri) = without_empty_params(req.uri()) {
        req.match_info_mut().get_mut().update(&uri);
        req.head_mut().uri = uri;
    }
    next.call(req).await
}

/// The URI without its empty query pairs, or None when it has none.
fn without_empty_params(uri: &Uri) -> Option<Uri> {
    let query = uri.query()?;
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| {
            pair.split_once('=')
                .is_some_and(|(_, value)| !value.is_empty())
        })
        .collect();
    let kept = kept.join("&");
    if kept.len() == query.len() {
        return None;
    }
    let path_and_query = if kept.is_empty() {
        uri.path().to_owned()
    } else {
        format!("{}?{kept}", uri.path())
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

/// Query string errors as problem+json 400 naming the parameter. Every parameter is text (a
/// `limit` too, see `PageParams`), so what is left to fail here is a parameter that is missing
/// or given twice; serde says which only in its message ("missing field `token`").
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    query_problem(&err.to_string()).into()
}

fn query_problem(message: &str) -> ApiError {
    let named = |prefix: &str| {
        message
            .split_once(prefix)
            .and_then(|(_, rest)| rest.split('`').next())
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
    };
    let (field, problem) = if let Some(field) = named("missing field `") {
        (field, "is required")
    } else if let Some(field) = named("duplicate field `") {
        (field, "must be given once")
    } else {
        return ApiError::bad_request("the query string could not be read");
    };
    ApiError::bad_request(format!("query parameter {field} {problem}"))
        .with_errors(vec![FieldError::new(field, problem)])
}

pub fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(format!("invalid path parameters: {err}")).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "application/merge-patch+json",
            "Application/JSON",
        ] {
            assert!(is_json(ok), "{ok}");
        }
        for bad in ["text/plain", "application/x-www-form-urlencoded", ""] {
            assert!(!is_json(bad), "{bad}");
        }
    }

    #[test]
    fn json_must_be_utf8() {
        for ok in [
            "application/json",
            "application/json; charset=utf-8",
            "application/json;charset=UTF-8",
            "application/json; charset=\"Utf-8\"",
            "application/merge-patch+json; charset=utf-8",
        ] {
            assert!(is_utf8(ok), "{ok}");
        }
        for bad in [
            "application/json; charset=latin1",
            "application/json; charset=iso-8859-1",
            "application/json; CHARSET=utf-16",
            "application/json; charset=utf8",
            "application/json; charset=",
            "application/json; charset=utf-8; charset=latin1",
        ] {
            assert!(!is_utf8(bad), "{bad}");
        }
    }

    #[test]
    fn empty_query_params_are_dropped() {
        let cases = [
            ("/v1/x", None),
            ("/v1/x?limit=5", None),
            ("/v1/x?limit=5&cursor=abc", None),
            ("/v1/x?cursor=", Some("/v1/x")),
            ("/v1/x?limit=&cursor=", Some("/v1/x")),
            ("/v1/x?status=&limit=5", Some("/v1/x?limit=5")),
            ("/v1/x?limit=5&status", Some("/v1/x?limit=5")),
            ("/v1/x?&&limit=5&", Some("/v1/x?limit=5")),
            ("/v1/x?", None),
        ];
        for (raw, want) in cases {
            let uri: Uri = raw.parse().expect("uri");
            let got = without_empty_params(&uri).map(|u| u.to_string());
            assert_eq!(got.as_deref(), want, "{raw}");
        }
    }

    #[test]
    fn page_params_are_bounded() {
        let p = |limit: Option<&str>, cursor: Option<&str>| {
            PageParams {
                limit: limit.map(str::to_owned),
                cursor: cursor.map(str::to_owned),
            }
            .page()
        };
        assert_eq!(p(None, None).map(|r| r.limit).ok(), Some(DEFAULT_LIMIT));
        assert_eq!(p(Some("200"), None).map(|r| r.limit).ok(), Some(200));
        assert_eq!(p(Some("1"), None).map(|r| r.limit).ok(), Some(1));
        for bad in [
            "0",
            "201",
            "-5",
            "+5",
            "05",
            "1.0",
            "1e2",
            "ten",
            "99999999999999999999",
        ] {
            let e = p(Some(bad), None).expect_err(bad);
            assert_eq!(
                e.status(),
                actix_web::http::StatusCode::BAD_REQUEST,
                "{bad}"
            );
            assert_eq!(
                e.problem().errors,
                vec![FieldError::new("limit", "must be an integer from 1 to 200")],
                "{bad}"
            );
        }
        assert!(p(None, Some("garbage")).is_err());
    }

    #[test]
    fn query_errors_name_the_parameter_without_library_text() {
        let missing = query_problem("Query deserialize error: missing field `token`");
        assert_eq!(missing.status(), actix_web::http::StatusCode::BAD_REQUEST);
        assert_eq!(
            missing.problem().errors,
            vec![FieldError::new("token", "is required")]
        );
        assert_eq!(
            missing.problem().detail,
            "query parameter token is required"
        );
        let twice = query_problem("Query deserialize error: duplicate field `limit`");
        assert_eq!(
            twice.problem().detail,
            "query parameter limit must be given once"
        );
        let other = query_problem("Query deserialize error: something else");
        assert_eq!(other.problem().detail, "the query string could not be read");
    }

    #[test]
    fn validator_rules_without_a_message_get_a_human_one() {
        #[derive(Validate)]
        struct Shape {
            #[validate(length(min = 1, max = 64))]
            text: String,
            #[validate(length(min = 1, max = 3))]
            items: Vec<String>,
        }
        let errors = Shape {
            text: String::new(),
            items: vec![],
        }
        .validate()
        .expect_err("invalid");
        let mut messages: Vec<(String, String)> = validation_errors(&errors, "")
            .into_iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect();
        messages.sort();
        assert_eq!(
            messages,
            vec![
                ("items".into(), "must be 1 to 3 items".into()),
                ("text".into(), "must be 1 to 64 characters".into()),
            ]
        );
    }
}
