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

/// The value of the one series of `name` whose labels include every `label`.
fn series(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .find(|l| labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_show_the_pool_and_backlogs() {
    let app = TestApp::spawn_with(|a| a.database_pool_size = "3".into()).await;
    let partner = app.indirect_partner().await;
    for _ in 0..2 {
        app.ga(&partner)
            .get(&format!("/v1/partners/{partner}"))
            .await
            .expect(200);
    }
    app.ga(&partner)
        .get("/v1/partners/not-a-uuid")
        .await
        .expect_problem(400, "bad_request");
    app.anonymous().get("/v1/nothing").await;
    let r = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = r.text().await.unwrap();
    let route = r#"route="/v1/partners/{partner_id}""#;
    assert_eq!(
        series(
            &text,
            "http_requests_total",
            &[route, r#"method="GET""#, r#"status="200""#]
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        series(&text, "http_requests_total", &[route, r#"status="400""#]),
        Some(1.0)
    );
    assert_eq!(
        series(
            &text,
            "http_requests_total",
            &[r#"route="unmatched""#, r#"status="404""#]
        ),
        Some(1.0)
    );
    // By template only: no raw id becomes a label.
    assert!(!text.contains(&partner) && !text.contains("not-a-uuid"));
    assert_eq!(
        series(
            &text,
            "http_request_duration_seconds_count",
            &[route, r#"method="GET""#]
        ),
        Some(3.0)
    );
    assert!(
        series(
            &text,
            "http_request_duration_seconds_bucket",
            &[route, "le=\"+Inf\""]
        )
        .is_some()
    );
    // DATABASE_POOL_SIZE is the pool's size.
    assert_eq!(series(&text, "db_pool_connections", &[]), Some(3.0));
    assert!(series(&text, "db_pool_connections_in_use", &[]).is_some());
    assert_eq!(series(&text, "db_pool_waiting", &[]), Some(0.0));
    // The approval notice waits in the outbox (no SMTP_URL); no webhook endpoint, no backlog.
    assert!(series(&text, "outbox_pending_emails", &[]).unwrap() >= 1.0);
    assert_eq!(series(&text, "webhook_pending_deliveries", &[]), Some(0.0));
}

/// DATABASE_POOL_SIZE=auto (the default): two connections per core of the machine, at least 4.
#[tokio::test]
async fn the_pool_has_two_connections_per_core_by_default() {
    let app = TestApp::spawn().await;
    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let cores = std::thread::available_parallelism().unwrap().get();
    let want = (2 * cores).max(4) as f64;
    assert_eq!(series(&text, "db_pool_connections", &[]), Some(want));
}
