//! Bearer tokens: HS256, RS256 from PEM and JWKS, iss/aud, and every way a token is refused.

use std::path::Path;

use csp_transition::auth::Claims;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{SECRET, TestApp, token_for};

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
async fn missing_malformed_expired_or_badly_signed_tokens_are_401() {
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
    let cases = [
        ("expired", hs256(&claims(&id, -3600), SECRET)),
        (
            "wrong key",
            hs256(
                &claims(&id, 600),
                "another-secret-another-secret-0123456789",
            ),
        ),
        ("garbage", "not.a.token".to_owned()),
        ("alg none", none_alg),
        ("RS256 not configured", rs256(&claims(&id, 600), None)),
        ("tid not a uuid", hs256(&claims("contoso", 600), SECRET)),
    ];
    for (why, token) in cases {
        let r = app.with_token(token).get(&path).await;
        assert_eq!(r.status, 401, "{why}: {}", r.body);
        assert_eq!(r.code(), "unauthenticated", "{why}");
        assert_eq!(r.header("www-authenticate"), Some("Bearer"), "{why}");
    }
    let r = app.anonymous().get(&path).await;
    r.expect_problem(401, "unauthenticated");
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .header("authorization", "Basic dXNlcjpwdw==")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 401);
    app.with_token(token_for(&id, &["GlobalAdmin"], "alice"))
        .get(&path)
        .await
        .expect(200);
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
    app.with_token(rs256(&claims(&id, -3600), None))
        .get(&path)
        .await
        .expect_problem(401, "unauthenticated");
    // The HS256 secret stays valid beside it; an HS256 token signed with the public key is refused.
    app.with_token(hs256(&claims(&id, 600), SECRET))
        .get(&path)
        .await
        .expect(200);
    let pem_text = std::fs::read_to_string(fixture("rsa-public.pem")).unwrap();
    app.with_token(hs256(&claims(&id, 600), &pem_text))
        .get(&path)
        .await
        .expect_problem(401, "unauthenticated");
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
    app.with_token(rs256(&claims(&tenant, 600), Some("test-key-1")))
        .get("/v1/agreements/indirect-reseller")
        .await
        .expect(200);
    app.with_token(rs256(&claims(&tenant, 600), Some("unknown-kid")))
        .get("/v1/agreements/indirect-reseller")
        .await
        .expect_problem(401, "unauthenticated");
    // Only RS256 keys are configured: HS256 is not an accepted algorithm here.
    app.with_token(hs256(&claims(&tenant, 600), SECRET))
        .get("/v1/agreements/indirect-reseller")
        .await
        .expect_problem(401, "unauthenticated");
}

#[tokio::test]
async fn issuer_and_audience_are_checked_when_set() {
    let app = TestApp::spawn_with(|a| {
        a.jwt_issuer = Some("https://login.example.com".into());
        a.jwt_audience = Some("csp-transition".into());
    })
    .await;
    let tenant = Uuid::new_v4().to_string();
    let path = "/v1/agreements/indirect-reseller";
    let good = Claims {
        iss: Some("https://login.example.com".into()),
        aud: Some("csp-transition".into()),
        ..claims(&tenant, 600)
    };
    app.with_token(hs256(&good, SECRET))
        .get(path)
        .await
        .expect(200);
    let cases = [
        Claims {
            iss: Some("https://evil.example.com".into()),
            ..good.clone()
        },
        Claims {
            aud: Some("other-api".into()),
            ..good.clone()
        },
        Claims {
            iss: None,
            ..good.clone()
        },
        Claims {
            aud: None,
            ..good.clone()
        },
    ];
    for c in cases {
        app.with_token(hs256(&c, SECRET))
            .get(path)
            .await
            .expect_problem(401, "unauthenticated");
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
