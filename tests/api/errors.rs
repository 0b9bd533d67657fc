//! Every failure, framework ones included, is problem+json with a stable code.

use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn malformed_json_is_400_and_unknown_fields_422() {
    let app = TestApp::spawn().await;
    let op = app.operator();
    let r = op
        .send_raw(
            Method::POST,
            "/v1/partners",
            "application/json",
            b"{\"tenant_id\": ".to_vec(),
        )
        .await;
    r.expect_problem(400, "bad_request");
    let r = op
        .send_raw(
            Method::POST,
            "/v1/partners",
            "application/json",
            b"[1, 2]".to_vec(),
        )
        .await;
    r.expect_problem(422, "validation_failed");
    let r = op.post("/v1/partners", json!({"tenant_id": uuid::Uuid::new_v4(), "company_name": "A", "region": "DE", "colour": "red"})).await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["colour"]);
    let r = op.post("/v1/partners", json!({"tenant_id": uuid::Uuid::new_v4(), "company_name": "A", "region": "DE", "direct_bill": "yes"})).await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["direct_bill"]);
    let r = op
        .send_raw(
            Method::POST,
            "/v1/partners",
            "text/plain",
            b"hello".to_vec(),
        )
        .await;
    r.expect_problem(415, "unsupported_media_type");
}

#[tokio::test]
async fn bodies_over_256_kib_are_413() {
    let app = TestApp::spawn().await;
    let big = format!("{{\"company_name\": \"{}\"}}", "x".repeat(300 * 1024));
    let id = app.partner().await;
    let r = app
        .ga(&id)
        .send_raw(
            Method::PATCH,
            &format!("/v1/partners/{id}"),
            "application/json",
            big.into_bytes(),
        )
        .await;
    r.expect_problem(413, "payload_too_large");
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let app = TestApp::spawn().await;
    let r = app.anonymous().get("/v1/nowhere").await;
    r.expect_problem(404, "not_found");
    let id = app.partner().await;
    let r = app
        .ga(&id)
        .put(&format!("/v1/partners/{id}"), json!({}))
        .await;
    r.expect_problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, PATCH"));
    let r = app
        .ga(&id)
        .send(
            Method::PUT,
            &format!("/v1/partners/{id}/indirect-reseller-enrollment"),
            None,
        )
        .await;
    r.expect_problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, POST, DELETE"));
}

#[tokio::test]
async fn problems_have_the_rfc_9457_members() {
    let app = TestApp::spawn().await;
    let r = app
        .anonymous()
        .get("/v1/partners/00000000-0000-0000-0000-000000000002")
        .await;
    r.expect_problem(401, "unauthenticated");
    for member in ["type", "title", "detail", "code"] {
        assert!(
            r.body[member].as_str().is_some_and(|v| !v.is_empty()),
            "{member}: {}",
            r.body
        );
    }
    assert_eq!(r.body["status"], 401);
}

#[tokio::test]
async fn json_in_another_charset_is_415() {
    let app = TestApp::spawn().await;
    let body = |id: uuid::Uuid| {
        serde_json::to_vec(&json!({"tenant_id": id, "company_name": "A", "region": "DE"})).unwrap()
    };
    let op = app.operator();
    for charset in ["latin1", "iso-8859-1", "utf-16", "\"latin1\""] {
        let r = op
            .send_raw(
                Method::POST,
                "/v1/partners",
                &format!("application/json; charset={charset}"),
                body(uuid::Uuid::new_v4()),
            )
            .await;
        r.expect_problem(415, "unsupported_media_type");
    }
    for charset in ["utf-8", "UTF-8", "\"Utf-8\""] {
        op.send_raw(
            Method::POST,
            "/v1/partners",
            &format!("application/json; charset={charset}"),
            body(uuid::Uuid::new_v4()),
        )
        .await
        .expect(201);
    }
}

#[tokio::test]
async fn paths_are_exact_trailing_and_doubled_slashes_are_404() {
    let app = TestApp::spawn().await;
    let id = app.partner().await;
    let ga = app.ga(&id);
    ga.get(&format!("/v1/partners/{id}")).await.expect(200);
    for path in [
        format!("/v1/partners/{id}/"),
        format!("//v1/partners/{id}"),
        format!("/v1//partners/{id}"),
        format!("/v1/partners//{id}"),
        "/v1/partners/".to_owned(),
    ] {
        let r = ga.get(&path).await;
        r.expect_problem(404, "not_found");
        assert!(r.header("allow").is_none(), "{path}");
        assert!(r.header("x-request-id").is_some(), "{path}");
    }
}
