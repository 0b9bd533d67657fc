//! R10-R12: the indirect reseller agreement and what it turns on.

use serde_json::json;

use crate::helpers::TestApp;

fn accept_path(id: &str) -> String {
    format!("/v1/partners/{id}/agreement-acceptances")
}

async fn current_version(app: &TestApp, id: &str) -> String {
    app.ga(id)
        .get("/v1/agreements/indirect-reseller")
        .await
        .expect(200)["version"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_current_agreement_is_readable_by_any_role() {
    let app = TestApp::spawn().await;
    let id = app.partner().await;
    let a = app
        .as_(&id, &["HelpdeskAgent"])
        .get("/v1/agreements/indirect-reseller")
        .await
        .expect(200);
    for field in ["version", "title", "url", "published_at"] {
        assert!(
            a[field].as_str().is_some_and(|v| !v.is_empty()),
            "{field}: {a}"
        );
    }
    app.anonymous()
        .get("/v1/agreements/indirect-reseller")
        .await
        .expect_problem(401, "unauthenticated");
}

#[tokio::test]
async fn r10_acceptance_waits_for_approval() {
    let app = TestApp::spawn_with(|a| a.enrollment_review = "manual".into()).await;
    let id = app.partner().await;
    let version = current_version(&app, &id).await;
    app.ga(&id)
        .post(&accept_path(&id), json!({"agreement_version": version}))
        .await
        .expect_problem(409, "enrollment_not_approved");
    app.ga(&id)
        .post(
            &format!("/v1/partners/{id}/indirect-reseller-enrollment"),
            json!({}),
        )
        .await
        .expect(201);
    app.ga(&id)
        .post(&accept_path(&id), json!({"agreement_version": version}))
        .await
        .expect_problem(409, "enrollment_not_approved");
    app.operator()
        .post_empty(&format!(
            "/v1/partners/{id}/indirect-reseller-enrollment/approve"
        ))
        .await
        .expect(200);
    app.ga(&id)
        .post(&accept_path(&id), json!({"agreement_version": version}))
        .await
        .expect(201);
}

#[tokio::test]
async fn r10_r11_the_global_admin_accepts_the_current_version_once() {
    let app = TestApp::spawn().await;
    let id = app.partner().await;
    app.ga(&id)
        .post(
            &format!("/v1/partners/{id}/indirect-reseller-enrollment"),
            json!({}),
        )
        .await
        .expect(201);
    let version = current_version(&app, &id).await;
    app.as_(&id, &["AdminAgent"])
        .post(&accept_path(&id), json!({"agreement_version": version}))
        .await
        .expect_problem(403, "forbidden");
    let r = app
        .ga(&id)
        .post(&accept_path(&id), json!({"agreement_version": "1999-01"}))
        .await;
    r.expect_problem(422, "agreement_version_mismatch");
    assert_eq!(r.error_fields(), vec!["agreement_version"]);
    let before = app
        .ga(&id)
        .get(&format!("/v1/partners/{id}"))
        .await
        .expect(200);
    assert_eq!(
        before["programs"],
        json!(["direct_bill"]),
        "R12: nothing before acceptance"
    );
    let a = app
        .as_(&id, &["GlobalAdmin"])
        .post(&accept_path(&id), json!({"agreement_version": version}))
        .await
        .expect(201);
    assert_eq!(a["agreement_version"], version.as_str());
    assert_eq!(a["accepted_by"], "user@test");
    assert!(a["accepted_at"].as_str().is_some());
    let after = app
        .ga(&id)
        .get(&format!("/v1/partners/{id}"))
        .await
        .expect(200);
    assert_eq!(
        after["programs"],
        json!(["direct_bill", "indirect_reseller"]),
        "R11: both programs"
    );
    app.ga(&id)
        .post(&accept_path(&id), json!({"agreement_version": version}))
        .await
        .expect_problem(409, "already_accepted");
    let other = app.partner().await;
    app.ga(&other)
        .post(&accept_path(&id), json!({"agreement_version": version}))
        .await
        .expect_problem(403, "tenant_mismatch");
}

#[tokio::test]
async fn r12_the_provider_directory_opens_with_the_agreement() {
    let app = TestApp::spawn().await;
    let id = app.partner().await;
    app.ga(&id)
        .get("/v1/indirect-providers")
        .await
        .expect_problem(403, "indirect_reseller_not_active");
    app.ga(&id)
        .post(
            &format!("/v1/partners/{id}/indirect-reseller-enrollment"),
            json!({}),
        )
        .await
        .expect(201);
    app.ga(&id)
        .get("/v1/indirect-providers")
        .await
        .expect_problem(403, "indirect_reseller_not_active");
    let version = current_version(&app, &id).await;
    app.ga(&id)
        .post(&accept_path(&id), json!({"agreement_version": version}))
        .await
        .expect(201);
    let page = app
        .as_(&id, &["SalesAgent"])
        .get("/v1/indirect-providers")
        .await
        .expect(200);
    assert!(page["items"].is_array());
    app.operator()
        .get("/v1/indirect-providers")
        .await
        .expect(200);
}

#[tokio::test]
async fn r8_program_info_walks_the_steps() {
    let app = TestApp::spawn_with(|a| a.enrollment_review = "manual".into()).await;
    let id = app.partner().await;
    let i = info(&app, &id).await;
    assert_eq!(
        (i["next_step"].as_str(), i["enrollment"].is_null()),
        (Some("enroll"), true)
    );
    app.ga(&id)
        .post(
            &format!("/v1/partners/{id}/indirect-reseller-enrollment"),
            json!({}),
        )
        .await
        .expect(201);
    assert_eq!(info(&app, &id).await["next_step"], "await_approval");
    app.operator()
        .post_empty(&format!(
            "/v1/partners/{id}/indirect-reseller-enrollment/approve"
        ))
        .await
        .expect(200);
    let i = info(&app, &id).await;
    assert_eq!(
        (i["next_step"].as_str(), i["agreement_accepted"].as_bool()),
        (Some("accept_agreement"), Some(false))
    );
    assert_eq!(i["enrollment"]["status"], "approved");
    let version = current_version(&app, &id).await;
    app.ga(&id)
        .post(&accept_path(&id), json!({"agreement_version": version}))
        .await
        .expect(201);
    let i = info(&app, &id).await;
    assert_eq!(i["next_step"], "find_provider");
    assert_eq!(i["indirect_reseller_active"], true);
    assert_eq!(i["programs"], json!(["direct_bill", "indirect_reseller"]));
    assert_eq!(
        app.operator()
            .get(&format!("/v1/partners/{id}/program-info"))
            .await
            .expect(200)["next_step"],
        "find_provider"
    );
}

#[tokio::test]
async fn r13_direct_bill_stays_after_the_transition() {
    let app = TestApp::spawn().await;
    let id = app.indirect_partner().await;
    let p = app
        .ga(&id)
        .get(&format!("/v1/partners/{id}"))
        .await
        .expect(200);
    assert_eq!(p["direct_bill"], true);
    assert!(
        p["programs"]
            .as_array()
            .unwrap()
            .contains(&json!("direct_bill"))
    );
}

async fn info(app: &TestApp, id: &str) -> serde_json::Value {
    app.ga(id)
        .get(&format!("/v1/partners/{id}/program-info"))
        .await
        .expect(200)
}
