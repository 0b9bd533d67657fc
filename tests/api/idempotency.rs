//! `Idempotency-Key`: retries replay the first answer; a reused key with another request is 422.

use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::TestApp;

fn partner_body(id: &str) -> serde_json::Value {
    json!({"tenant_id": id, "company_name": "Contoso Ltd", "region": "DE"})
}

#[tokio::test]
async fn a_retry_with_the_same_key_replays_the_first_answer() {
    let app = TestApp::spawn().await;
    let id = Uuid::new_v4().to_string();
    let key = [("Idempotency-Key", "create-contoso-1")];
    let first = app
        .operator()
        .send_with(Method::POST, "/v1/partners", partner_body(&id), &key)
        .await;
    assert_eq!(first.status, 201);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = app
        .operator()
        .send_with(Method::POST, "/v1/partners", partner_body(&id), &key)
        .await;
    assert_eq!(
        again.status, 201,
        "replayed, not partner_exists: {}",
        again.body
    );
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    // Acted once: one registration in the audit log.
    let log = app
        .operator()
        .get(&format!("/v1/partners/{id}/audit-events"))
        .await
        .expect(200);
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    // Without the key the same request is a second attempt.
    app.operator()
        .post("/v1/partners", partner_body(&id))
        .await
        .expect_problem(409, "partner_exists");
}

#[tokio::test]
async fn the_same_key_with_another_request_is_refused() {
    let app = TestApp::spawn().await;
    let key = [("Idempotency-Key", "k-42")];
    let a = Uuid::new_v4().to_string();
    app.operator()
        .send_with(Method::POST, "/v1/partners", partner_body(&a), &key)
        .await
        .expect(201);
    let b = Uuid::new_v4().to_string();
    let r = app
        .operator()
        .send_with(Method::POST, "/v1/partners", partner_body(&b), &key)
        .await;
    r.expect_problem(422, "idempotency_key_reused");
    app.operator()
        .get(&format!("/v1/partners/{b}"))
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn keys_belong_to_the_tenant_and_errors_replay_too() {
    let app = TestApp::spawn().await;
    let a = app.partner().await;
    let b = app.partner().await;
    let key = [("Idempotency-Key", "enroll")];
    let ra = app
        .ga(&a)
        .send_with(
            Method::POST,
            &format!("/v1/partners/{a}/indirect-reseller-enrollment"),
            json!({}),
            &key,
        )
        .await;
    let rb = app
        .ga(&b)
        .send_with(
            Method::POST,
            &format!("/v1/partners/{b}/indirect-reseller-enrollment"),
            json!({}),
            &key,
        )
        .await;
    assert_eq!(
        (ra.status, rb.status),
        (201, 201),
        "one key, two tenants, two enrollments"
    );
    // A refused request is an answer as well: the retry gets the same refusal.
    let c = app.partner_with(json!({"mpn_id": null})).await;
    let path = format!("/v1/partners/{c}/indirect-reseller-enrollment");
    let first = app
        .ga(&c)
        .send_with(Method::POST, &path, json!({}), &[("Idempotency-Key", "x")])
        .await;
    first.expect_problem(422, "profile_incomplete");
    app.ga(&c)
        .patch(&format!("/v1/partners/{c}"), json!({"mpn_id": "4433221"}))
        .await
        .expect(200);
    let replay = app
        .ga(&c)
        .send_with(Method::POST, &path, json!({}), &[("Idempotency-Key", "x")])
        .await;
    replay.expect_problem(422, "profile_incomplete");
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    app.ga(&c)
        .send_with(Method::POST, &path, json!({}), &[("Idempotency-Key", "y")])
        .await
        .expect(201);
}

#[tokio::test]
async fn malformed_keys_are_400() {
    let app = TestApp::spawn().await;
    let long = "k".repeat(256);
    let r = app
        .operator()
        .send_with(
            Method::POST,
            "/v1/partners",
            partner_body(&Uuid::new_v4().to_string()),
            &[("Idempotency-Key", long.as_str())],
        )
        .await;
    r.expect_problem(400, "bad_request");
    assert_eq!(r.error_fields(), vec!["Idempotency-Key"]);
}
