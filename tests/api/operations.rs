//! Health, readiness, Swagger UI, request ids.

use crate::helpers::TestApp;

#[tokio::test]
async fn health_and_readiness_need_no_token() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.anonymous().get("/healthz").await.expect(200)["status"],
        "ok"
    );
    let ready = app.anonymous().get("/readyz").await.expect(200);
    let backend = if app.db.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(ready["database"], backend);
}

#[tokio::test]
async fn swagger_ui_and_the_document_are_served() {
    let app = TestApp::spawn().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .get(format!("{}/swagger-ui", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 308);
    assert_eq!(r.headers()["location"], "/swagger-ui/");
    let page = client
        .get(format!("{}/swagger-ui/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("swagger-ui"));
    let doc = app.anonymous().get("/openapi.json").await.expect(200);
    assert!(
        doc["paths"]["/v1/partners/{partner_id}/indirect-reseller-enrollment"]["post"].is_object()
    );
}

#[tokio::test]
async fn request_ids_are_echoed_or_made() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "trace-abc-123");
    let a = app.anonymous().get("/healthz").await;
    let b = app.anonymous().get("/v1/nothing").await;
    let (a, b) = (
        a.header("x-request-id").unwrap().to_owned(),
        b.header("x-request-id").unwrap().to_owned(),
    );
    assert!(!a.is_empty() && a != b, "made, and unique: {a} {b}");
}
