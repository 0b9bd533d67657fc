//! Bearer tokens: HS256, RS256 from PEM and JWKS, iss/aud, and every way a token is refused.

use std::path::Path;

use csp_transition::auth::{Audience, Claims};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Resp, SECRET, TestApp, token_for};

/// A path any authenticated caller may read, whatever its tenant.
const OPEN_PATH: &str = "/v1/agreements/indirect-reseller";

/// Refused with 401 `unauthenticated`, exactly `detail`, and the Bearer challenge.
#[track_caller]
fn expect_refused(r: &Resp, detail: &str, why: &str) {
    assert_eq!(r.status, 401, "{why}: {}", r.body);
    assert_eq!(r.code(), "unauthenticated", "{why}");
    assert_eq!(r.body["detail"], detail, "{why}");
    assert_eq!(r.header("www-authenticate"), Some("Bearer"), "{why}");
}

/// `expect`: None for a token that is accepted, else the 401 `detail`.
#[track_caller]
fn expect_answer(r: &Resp, expect: Option<&str>, why: &str) {
    match expect {
        None => assert_eq!(r.status, 200, "{why}: {}", r.body),
        Some(detail) => expect_refused(r, detail, why),
    }
}

/// The claims of `claims(tenant, 600)` as JSON, with `changes` applied (a null removes a claim).
fn payload(tenant: &str, changes: Value) -> Value {
    let mut p = serde_json::to_value(claims(tenant, 600)).unwrap();
    for (k, v) in changes.as_object().expect("object") {
        if v.is_null() {
            p.as_object_mut().unwrap().remove(k);
        } else {
            p[k] = v.clone();
        }
    }
    p
}

/// Any JSON payload, signed HS256 with the test secret under `header`.
fn signed(header: Header, payload: &Value) -> String {
    encode(
        &header,
        payload,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

fn now() -> i64 {
    jsonwebtoken::get_current_timestamp() as i64
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn claims(tenant: &str, exp_in: i64) -> Claims {
    let now = jsonwebtoken::get_current_timestamp() as i64;
    Claims {
        sub: "alice@test".into(),
        tid: tenant.into(),
        roles: vec!["GlobalAdmin".into()],
        exp: (now + exp_in) as u64,
        iat: Some(now as u64),
        iss: None,
        aud: None,
    }
}

fn rs256(claims: &Claims, kid: Option<&str>) -> String {
    let key =
        EncodingKey::from_rsa_pem(&std::fs::read(fixture("rsa-private.pem")).unwrap()).unwrap();
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    encode(&header, claims, &key).unwrap()
}

fn hs256(claims: &Claims, secret: &str) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

#[tokio::test]
async fn refused_tokens_get_401_with_a_fixed_detail() {
    let app = TestApp::spawn().await;
    let id = app.partner().await;
    let path = format!("/v1/partners/{id}");
    let none_alg = {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let head = b64.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let body = b64.encode(serde_json::to_vec(&claims(&id, 600)).unwrap());
        format!("{head}.{body}.")
    };
    let crit = {
        let mut header = Header::new(Algorithm::HS256);
        header.crit = Some(vec!["exp".into()]);
        signed(header, &payload(&id, json!({})))
    };
    let cases = [
        (
            "expired",
            hs256(&claims(&id, -3600), SECRET),
            "token expired",
        ),
        (
            "wrong key",
            hs256(
                &claims(&id, 600),
                "another-secret-another-secret-0123456789",
            ),
            "bad signature",
        ),
        ("garbage", "not.a.token".to_owned(), "malformed token"),
        ("crit header", crit, "malformed token"),
        ("alg none", none_alg, "algorithm not allowed"),
        (
            "HS512",
            signed(Header::new(Algorithm::HS512), &payload(&id, json!({}))),
            "algorithm not allowed",
        ),
        (
            "RS256 not configured",
            rs256(&claims(&id, 600), None),
            "algorithm not allowed",
        ),
        (
            "tid not a uuid",
            hs256(&claims("contoso", 600), SECRET),
            "invalid claim tid",
        ),
        (
            "tid the nil uuid",
            hs256(&claims("00000000-0000-0000-0000-000000000000", 600), SECRET),
            "invalid claim tid",
        ),
        (
            "tid not a string",
            signed(
                Header::new(Algorithm::HS256),
                &payload(&id, json!({"tid": 7})),
            ),
            "invalid claim tid",
        ),
        (
            "roles a string",
            signed(
                Header::new(Algorithm::HS256),
                &payload(&id, json!({"roles": "GlobalAdmin"})),
            ),
            "invalid claim roles",
        ),
        (
            "roles missing",
            signed(
                Header::new(Algorithm::HS256),
                &payload(&id, json!({"roles": null})),
            ),
            "missing claim roles",
        ),
        (
            "sub missing",
            signed(
                Header::new(Algorithm::HS256),
                &payload(&id, json!({"sub": null})),
            ),
            "missing claim sub",
        ),
        (
            "exp missing",
            signed(
                Header::new(Algorithm::HS256),
                &payload(&id, json!({"exp": null})),
            ),
            "missing claim exp",
        ),
        (
            "nbf not a number",
            signed(
                Header::new(Algorithm::HS256),
                &payload(&id, json!({"nbf": "now"})),
            ),
            "invalid claim nbf",
        ),
    ];
    for (why, token, detail) in cases {
        let r = app.with_token(token).get(&path).await;
        expect_refused(&r, detail, why);
    }
    let r = app.anonymous().get(&path).await;
    r.expect_problem(401, "unauthenticated");
    expect_refused(&r, "missing bearer token", "no Authorization header");
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .header("authorization", "Basic dXNlcjpwdw==")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(
        r.headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["detail"], "missing bearer token", "Basic scheme");
    app.with_token(token_for(&id, &["GlobalAdmin"], "alice"))
        .get(&path)
        .await
        .expect(200);
}

#[tokio::test]
async fn exp_and_nbf_are_honoured_with_60_seconds_of_leeway() {
    let app = TestApp::spawn().await;
    let tenant = Uuid::new_v4().to_string();
    let now = now();
    let cases = [
        (
            "exp just past, within leeway",
            json!({"exp": now - 45}),
            None,
        ),
        (
            "exp past the leeway",
            json!({"exp": now - 120}),
            Some("token expired"),
        ),
        ("nbf in the past", json!({"nbf": now - 3600}), None),
        ("nbf ahead, within leeway", json!({"nbf": now + 45}), None),
        (
            "nbf ahead, beyond leeway",
            json!({"nbf": now + 300}),
            Some("token not yet valid"),
        ),
    ];
    for (why, changes, expect) in cases {
        let token = signed(Header::new(Algorithm::HS256), &payload(&tenant, changes));
        let r = app.with_token(token).get(OPEN_PATH).await;
        expect_answer(&r, expect, why);
    }
}

#[tokio::test]
async fn rs256_tokens_verify_with_a_pem_key() {
    let pem = fixture("rsa-public.pem");
    let app = TestApp::spawn_with(|a| a.jwt_public_key_file = Some(pem)).await;
    let id = app.partner().await;
    let path = format!("/v1/partners/{id}");
    app.with_token(rs256(&claims(&id, 600), None))
        .get(&path)
        .await
        .expect(200);
    let r = app
        .with_token(rs256(&claims(&id, -3600), None))
        .get(&path)
        .await;
    expect_refused(&r, "token expired", "expired RS256");
    // The HS256 secret stays valid beside it; an HS256 token signed with the public key is refused.
    app.with_token(hs256(&claims(&id, 600), SECRET))
        .get(&path)
        .await
        .expect(200);
    let pem_text = std::fs::read_to_string(fixture("rsa-public.pem")).unwrap();
    let r = app
        .with_token(hs256(&claims(&id, 600), &pem_text))
        .get(&path)
        .await;
    expect_refused(&r, "bad signature", "HS256 signed with the public key");
}

#[tokio::test]
async fn rs256_tokens_verify_with_a_jwks_kid() {
    let jwks = fixture("jwks.json");
    let app = TestApp::spawn_with(|a| {
        a.jwt_jwks_file = Some(jwks);
        a.jwt_secret = None;
    })
    .await;
    let tenant = Uuid::new_v4().to_string();
    let cases = [
        (
            "known kid",
            rs256(&claims(&tenant, 600), Some("test-key-1")),
            None,
        ),
        (
            "unknown kid",
            rs256(&claims(&tenant, 600), Some("unknown-kid")),
            Some("unknown key id"),
        ),
        // Only RS256 keys are configured: HS256 is not an accepted algorithm here.
        (
            "HS256 without a secret",
            hs256(&claims(&tenant, 600), SECRET),
            Some("algorithm not allowed"),
        ),
    ];
    for (why, token, expect) in cases {
        let r = app.with_token(token).get(OPEN_PATH).await;
        expect_answer(&r, expect, why);
    }
}

#[tokio::test]
async fn issuer_and_audience_are_checked_when_set() {
    let app = TestApp::spawn_with(|a| {
        a.jwt_issuer = Some("https://login.example.com".into());
        a.jwt_audience = Some("csp-transition".into());
    })
    .await;
    let tenant = Uuid::new_v4().to_string();
    let good = Claims {
        iss: Some("https://login.example.com".into()),
        aud: Some("csp-transition".into()),
        ..claims(&tenant, 600)
    };
    let many = |auds: &[&str]| Some(Audience::Many(auds.iter().map(|a| a.to_string()).collect()));
    let cases = [
        ("aud and iss match", good.clone(), None),
        (
            "aud an array containing the audience",
            Claims {
                aud: many(&["other-api", "csp-transition"]),
                ..good.clone()
            },
            None,
        ),
        (
            "aud an array without the audience",
            Claims {
                aud: many(&["other-api", "another-api"]),
                ..good.clone()
            },
            Some("wrong audience"),
        ),
        (
            "aud another string",
            Claims {
                aud: Some("other-api".into()),
                ..good.clone()
            },
            Some("wrong audience"),
        ),
        (
            "aud missing",
            Claims {
                aud: None,
                ..good.clone()
            },
            Some("missing claim aud"),
        ),
        (
            "iss another issuer",
            Claims {
                iss: Some("https://evil.example.com".into()),
                ..good.clone()
            },
            Some("wrong issuer"),
        ),
        (
            "iss missing",
            Claims {
                iss: None,
                ..good.clone()
            },
            Some("missing claim iss"),
        ),
    ];
    for (why, c, expect) in cases {
        let r = app.with_token(hs256(&c, SECRET)).get(OPEN_PATH).await;
        expect_answer(&r, expect, why);
    }
}

#[tokio::test]
async fn without_jwt_audience_any_aud_is_accepted() {
    let app = TestApp::spawn().await;
    let tenant = Uuid::new_v4().to_string();
    for aud in [json!("some-api"), json!(["some-api", "other-api"])] {
        let token = signed(
            Header::new(Algorithm::HS256),
            &payload(&tenant, json!({ "aud": aud })),
        );
        let r = app.with_token(token).get(OPEN_PATH).await;
        expect_answer(&r, None, &aud.to_string());
    }
}

#[tokio::test]
async fn r28_roles_and_tenants_give_403() {
    let app = TestApp::spawn().await;
    let a = app.partner().await;
    let b = app.partner().await;
    app.ga(&a)
        .get(&format!("/v1/partners/{b}/program-info"))
        .await
        .expect_problem(403, "tenant_mismatch");
    app.as_(&a, &[])
        .get(&format!("/v1/partners/{a}"))
        .await
        .expect_problem(403, "forbidden");
    app.as_(&a, &["NotARole"])
        .get(&format!("/v1/partners/{a}"))
        .await
        .expect_problem(403, "forbidden");
    app.as_(&a, &["HelpdeskAgent"])
        .patch(&format!("/v1/partners/{a}"), json!({"company_name": "X"}))
        .await
        .expect_problem(403, "forbidden");
}
