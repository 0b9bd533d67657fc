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
                        .unwrap_or_else(|| e.code.to_string());
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
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// How many items to return, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageParams {
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(
                ApiError::bad_request(format!("limit must be between 1 and {MAX_LIMIT}"))
                    .with_errors(vec![FieldError::new(
                        "limit",
                        format!("must be between 1 and {MAX_LIMIT}"),
                    )]),
            );
        }
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

/// Query string errors (wrong types, unknown values) as problem+json 400.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(format!("invalid query parameters: {err}")).into()
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
        let p = |limit: Option<i64>, cursor: Option<&str>| {
            PageParams {
                limit,
                cursor: cursor.map(str::to_owned),
            }
            .page()
        };
        assert_eq!(p(None, None).map(|r| r.limit).ok(), Some(DEFAULT_LIMIT));
        assert_eq!(p(Some(200), None).map(|r| r.limit).ok(), Some(200));
        assert!(p(Some(0), None).is_err());
        assert!(p(Some(201), None).is_err());
        assert!(p(None, Some("garbage")).is_err());
    }
}
