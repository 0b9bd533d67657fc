//! `Idempotency-Key` on POST: a retry with the same key and the same request gets the first
//! answer again instead of acting twice; the same key with another request is refused (422
//! `idempotency_key_reused`). Keys belong to the caller's tenant (R28) and live for 24 hours.

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, web};
use sha2::{Digest, Sha256};

use super::error::ApiError;
use crate::domain::values::TenantId;
use crate::startup::AppState;
use crate::store::idempotency::{self, Claim, StoredAnswer};

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED: &str = "idempotent-replayed";

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic())
}

/// The tenant of a verified bearer token; None leaves the request to the handler (it answers 401).
fn tenant(req: &ServiceRequest, state: &AppState) -> Option<TenantId> {
    let header = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let claims = state.verifier.verify(token.trim()).ok()?;
    TenantId::parse(&claims.tid).ok()
}

fn fingerprint(req: &ServiceRequest, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(req.method().as_str().as_bytes());
    hash.update(b" ");
    hash.update(req.uri().to_string().as_bytes());
    hash.update(b"\n");
    hash.update(body);
    hash.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn payload(body: web::Bytes) -> Payload {
    let (_, mut stream) = actix_http::h1::Payload::create(true);
    stream.unread_data(body);
    Payload::from(stream)
}

pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = match (req.method() == Method::POST, req.headers().get(HEADER)) {
        (true, Some(value)) => value.to_str().unwrap_or("").to_owned(),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    if !valid_key(&key) {
        let e = ApiError::bad_request("Idempotency-Key must be 1 to 255 visible ASCII characters")
            .with_errors(vec![super::error::FieldError::new(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )]);
        return Ok(req.error_response(e));
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(tenant) = tenant(&req, &state) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let body = match req.extract::<web::Bytes>().await {
        Ok(body) => body,
        // Too large or unreadable: the handler's own body parsing answers that.
        Err(_) => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let fingerprint = fingerprint(&req, &body);
    req.set_payload(payload(body));
    let now = state.clock.now();
    let claim_key = key.clone();
    let claim = state
        .db
        .write(move |conn| {
            idempotency::claim(conn, tenant, &claim_key, &fingerprint, now).map_err(ApiError::from)
        })
        .await;
    match claim {
        Err(e) => Ok(req.error_response(e)),
        Ok(Claim::Mismatch) => Ok(req.error_response(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different request",
        ))),
        Ok(Claim::InProgress) => Ok(req.error_response(ApiError::conflict(
            "invalid_state",
            "a request with this Idempotency-Key is still being processed; retry shortly",
        ))),
        Ok(Claim::Replay(answer)) => {
            let mut response =
                HttpResponse::build(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK));
            if let Some(content_type) = &answer.content_type {
                response.insert_header((CONTENT_TYPE, content_type.clone()));
            }
            response.insert_header((REPLAYED, "true"));
            Ok(req.into_response(response.body(answer.body)))
        }
        Ok(Claim::Claimed) => {
            let res = next.call(req).await?;
            let (http_req, http_res) = res.into_parts();
            let status = http_res.status();
            let content_type = http_res
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let (head, body) = http_res.into_parts();
            let bytes = to_bytes(body)
                .await
                .map_err(|_| ApiError::internal("response body could not be read"))?;
            let answer = StoredAnswer {
                status: status.as_u16(),
                content_type,
                body: String::from_utf8_lossy(&bytes).into_owned(),
            };
            // A server error is not an answer to keep: the retry should run again.
            let store = state.db.write(move |conn| {
                if answer.status >= 500 {
                    idempotency::release(conn, tenant, &key)
                } else {
                    idempotency::complete(conn, tenant, &key, &answer)
                }
                .map_err(ApiError::from)
            });
            if let Err(e) = store.await {
                tracing::error!(error = %e, "idempotency answer not stored");
            }
            Ok(ServiceResponse::new(
                http_req,
                head.set_body(bytes).map_into_boxed_body(),
            ))
        }
    }
}
