//! `Idempotency-Key` on every POST, PUT, PATCH and DELETE (API.md "Idempotency").
//!
//! The middleware only checks the header and fingerprints the request (method, path, query and
//! the body as JSON, so key order and whitespace do not matter). The handler authenticates and
//! authorises as usual, then hands its change to `Once::write`: only there is the key claimed,
//! replayed or refused, so a caller who may not make the request never sees a stored answer. The
//! answer is stored in the change's own transaction.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_TYPE, LOCATION};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::caller::Caller;
use super::error::{ApiError, FieldError};
use super::error_code::ErrorCode;
use crate::state::AppState;
use crate::store::AnyConnection;
use crate::store::idempotency::{self, Claim, Scope, StoredAnswer};

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED: &str = "idempotent-replayed";

/// The key and the fingerprint of a request that carried one.
#[derive(Debug, Clone)]
struct Keyed {
    key: String,
    fingerprint: String,
}

fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic())
}

fn changes_state(method: &Method) -> bool {
    [Method::POST, Method::PUT, Method::PATCH, Method::DELETE].contains(method)
}

/// JSON with sorted keys and no spacing, so equal documents hash equally.
fn canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn fingerprint(method: &Method, path_and_query: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(method.as_str().as_bytes());
    hash.update(b" ");
    hash.update(path_and_query.as_bytes());
    hash.update(b"\n");
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(json) => {
            let mut text = String::new();
            canonical(&json, &mut text);
            hash.update(b"json:");
            hash.update(text.as_bytes());
        }
        // Not JSON: the handler refuses it; the bytes still tell requests apart.
        Err(_) => {
            hash.update(b"raw:");
            hash.update(body);
        }
    }
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
    let key = match (changes_state(req.method()), req.headers().get(HEADER)) {
        (true, Some(value)) => value.to_str().unwrap_or("").to_owned(),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    if !valid_key(&key) {
        let e = ApiError::bad_request("Idempotency-Key must be 1 to 255 visible ASCII characters")
            .with_errors(vec![FieldError::new(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            )]);
        return Ok(req.error_response(e));
    }
    let body = match req.extract::<web::Bytes>().await {
        Ok(body) => body,
        // Too large or unreadable: the handler's own body parsing answers that.
        Err(_) => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let fingerprint = fingerprint(req.method(), &path_and_query, &body);
    req.set_payload(payload(body));
    req.extensions_mut().insert(Keyed { key, fingerprint });
    let res = next.call(req).await?;
    if res.status().is_success() && res.request().extensions().get::<Keyed>().is_some() {
        // A state-changing handler that does not go through `Once` would act twice on retries.
        tracing::error!(path = %res.request().path(), "Idempotency-Key ignored by this handler");
    }
    Ok(res.map_into_boxed_body())
}

/// What a state-changing request answers: a status, a JSON body, maybe a `Location`.
#[derive(Debug, Clone)]
pub struct Answer {
    status: StatusCode,
    body: String,
    location: Option<String>,
}

impl Answer {
    pub fn new(status: StatusCode, dto: &impl Serialize) -> Result<Answer, ApiError> {
        Ok(Answer {
            status,
            body: serde_json::to_string(dto).map_err(ApiError::internal)?,
            location: None,
        })
    }

    pub fn ok(dto: &impl Serialize) -> Result<Answer, ApiError> {
        Answer::new(StatusCode::OK, dto)
    }

    pub fn created(dto: &impl Serialize) -> Result<Answer, ApiError> {
        Answer::new(StatusCode::CREATED, dto)
    }

    /// 204: nothing to show.
    pub fn no_content() -> Answer {
        Answer {
            status: StatusCode::NO_CONTENT,
            body: String::new(),
            location: None,
        }
    }

    pub fn at(mut self, location: impl Into<String>) -> Answer {
        self.location = Some(location.into());
        self
    }

    fn stored(&self) -> StoredAnswer {
        StoredAnswer {
            status: self.status.as_u16(),
            content_type: "application/json".to_owned(),
            location: self.location.clone(),
            body: self.body.clone(),
        }
    }
}

fn render(answer: StoredAnswer, replayed: bool) -> HttpResponse {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    if !answer.body.is_empty() {
        response.insert_header((CONTENT_TYPE, answer.content_type));
    }
    if let Some(location) = answer.location {
        response.insert_header((LOCATION, location));
    }
    if replayed {
        response.insert_header((REPLAYED, "true"));
    }
    response.body(answer.body)
}

/// A refusal is an answer too: a retry gets the same one. Server errors and the key's own
/// refusals are not kept (the request changed nothing; a retry runs again).
fn stored_refusal(e: &ApiError) -> Option<StoredAnswer> {
    let status = e.status();
    let own = matches!(
        e.code(),
        ErrorCode::IdempotencyKeyInUse | ErrorCode::IdempotencyKeyReused
    );
    (status.is_client_error() && !own).then(|| StoredAnswer {
        status: status.as_u16(),
        content_type: "application/problem+json".to_owned(),
        location: None,
        body: serde_json::to_string(&e.problem()).unwrap_or_default(),
    })
}

/// The request's change, run at most once per `Idempotency-Key`. Take it as a handler argument.
pub struct Once(Option<Keyed>);

impl FromRequest for Once {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Once, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Once(req.extensions_mut().remove::<Keyed>())))
    }
}

impl Once {
    /// Runs `change` in one write transaction and renders its answer. With a key: replays the
    /// stored answer of an earlier identical request, refuses a different one (422) or one still
    /// running (409), and otherwise stores the answer in the change's transaction.
    pub async fn write<F>(
        self,
        state: &AppState,
        caller: Caller,
        change: F,
    ) -> Result<HttpResponse, ApiError>
    where
        F: FnOnce(&mut AnyConnection, &Caller) -> Result<Answer, ApiError> + Send + 'static,
    {
        let Some(keyed) = self.0 else {
            let answer = state.db.write(move |conn| change(conn, &caller)).await?;
            return Ok(render(answer.stored(), false));
        };
        let scope = Scope {
            tenant: caller.tenant(),
            sub: caller.sub.clone(),
            key: keyed.key,
        };
        let now = state.clock.now();
        let data_key = state.data_key.clone();
        let claim_scope = scope.clone();
        let claim = state
            .db
            .write(move |conn| {
                idempotency::claim(conn, &data_key, &claim_scope, &keyed.fingerprint, now)
                    .map_err(ApiError::from)
            })
            .await?;
        let mine = match claim {
            Claim::Replay(answer) => return Ok(render(answer, true)),
            Claim::Mismatch => return Err(ApiError::idempotency_key_reused()),
            Claim::InProgress => return Err(ApiError::idempotency_key_in_use()),
            Claim::Claimed(mine) => mine,
        };
        let data_key = state.data_key.clone();
        let (change_scope, change_claim) = (scope.clone(), mine.clone());
        let outcome = state
            .db
            .write(move |conn| {
                if !idempotency::hold(conn, &change_scope, &change_claim)? {
                    return Err(ApiError::idempotency_key_in_use());
                }
                let answer = change(conn, &caller)?.stored();
                if !idempotency::complete(conn, &data_key, &change_scope, &change_claim, &answer)? {
                    return Err(ApiError::idempotency_key_in_use());
                }
                Ok::<_, ApiError>(answer)
            })
            .await;
        match outcome {
            Ok(answer) => Ok(render(answer, false)),
            Err(e) => {
                let data_key = state.data_key.clone();
                let refusal = stored_refusal(&e);
                let settled = state
                    .db
                    .write(move |conn| {
                        match refusal {
                            Some(answer) => {
                                idempotency::complete(conn, &data_key, &scope, &mine, &answer)
                                    .map(|_| ())
                            }
                            None => idempotency::release(conn, &scope, &mine),
                        }
                        .map_err(ApiError::from)
                    })
                    .await;
                if let Err(settle) = settled {
                    // The claim then lapses after its lease; the change itself did not happen.
                    tracing::warn!(error = %settle, "idempotency key not settled");
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_equal_bodies_have_one_fingerprint() {
        let a = fingerprint(&Method::POST, "/v1/x", br#"{"a":1,"b":[1,{"c":2,"d":3}]}"#);
        let b = fingerprint(
            &Method::POST,
            "/v1/x",
            b"{ \"b\" : [1, {\"d\":3, \"c\":2}],\n \"a\": 1 }",
        );
        assert_eq!(a, b);
        for other in [
            fingerprint(&Method::POST, "/v1/x", br#"{"a":2,"b":[1,{"c":2,"d":3}]}"#),
            fingerprint(&Method::POST, "/v1/x", br#"{"a":1,"b":[{"c":2,"d":3},1]}"#),
            fingerprint(&Method::PUT, "/v1/x", br#"{"a":1,"b":[1,{"c":2,"d":3}]}"#),
            fingerprint(
                &Method::POST,
                "/v1/x?y=1",
                br#"{"a":1,"b":[1,{"c":2,"d":3}]}"#,
            ),
            fingerprint(&Method::POST, "/v1/x", b"not json"),
        ] {
            assert_ne!(a, other);
        }
    }

    #[test]
    fn keys_are_visible_ascii_up_to_255() {
        assert!(valid_key("a"));
        assert!(valid_key(&"k".repeat(255)));
        assert!(!valid_key(""));
        assert!(!valid_key(&"k".repeat(256)));
        assert!(!valid_key("with space"));
    }
}
