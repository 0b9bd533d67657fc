//! R29 audit log, R30 outbox, and paging of lists.

use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn r29_every_state_change_is_audited_with_actor_and_request_id() {
    let app = TestApp::spawn_with(|a| a.enrollment_review = "manual".into()).await;
    let id = app.partner().await;
    app.ga(&id)
        .patch(
            &format!("/v1/partners/{id}"),
            json!({"company_name": "Contoso AG"}),
        )
        .await
        .expect(200);
    let submit = app
        .ga(&id)
        .send_raw(
            reqwest::Method::POST,
            &format!("/v1/partners/{id}/indirect-reseller-enrollment"),
            "application/json",
            b"{}".to_vec(),
        )
        .await;
    let request_id = submit.header("x-request-id").unwrap().to_owned();
    assert_eq!(submit.status, 201);
    app.operator()
        .post_empty(&format!(
            "/v1/partners/{id}/indirect-reseller-enrollment/approve"
        ))
        .await
        .expect(200);
    let log = app
        .ga(&id)
        .get(&format!("/v1/partners/{id}/audit-events"))
        .await
        .expect(200);
    let items = log["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "partner.registered",
            "partner.updated",
            "enrollment.submitted",
            "enrollment.approved",
            "incentive.invited"
        ]
    );
    let submitted = &items[2];
    assert_eq!(submitted["request_id"], request_id.as_str());
    assert_eq!(submitted["actor_tenant"], id.as_str());
    assert_eq!(submitted["actor_roles"], json!(["GlobalAdmin"]));
    assert_eq!(items[3]["actor_tenant"], crate::helpers::OPERATOR);
    // A read changes nothing, so it leaves no trace.
    app.ga(&id)
        .get(&format!("/v1/partners/{id}"))
        .await
        .expect(200);
    let again = app
        .operator()
        .get(&format!("/v1/partners/{id}/audit-events"))
        .await
        .expect(200);
    assert_eq!(again["items"].as_array().unwrap().len(), 5);
    app.as_(&id, &["AdminAgent"])
        .get(&format!("/v1/partners/{id}/audit-events"))
        .await
        .expect_problem(403, "forbidden");
}

#[tokio::test]
async fn r29_refused_requests_write_nothing() {
    let app = TestApp::spawn().await;
    let id = app.partner_with(json!({"mpn_id": null})).await;
    app.ga(&id)
        .post(
            &format!("/v1/partners/{id}/indirect-reseller-enrollment"),
            json!({}),
        )
        .await
        .expect_problem(422, "profile_incomplete");
    let log = app
        .ga(&id)
        .get(&format!("/v1/partners/{id}/audit-events"))
        .await
        .expect(200);
    assert_eq!(
        log["items"].as_array().unwrap().len(),
        1,
        "only the registration: {log}"
    );
    let notes = app
        .ga(&id)
        .get(&format!("/v1/partners/{id}/notifications"))
        .await
        .expect(200);
    assert_eq!(notes["items"], json!([]));
}

#[tokio::test]
async fn r28_notifications_are_the_tenants_own() {
    let app = TestApp::spawn().await;
    let a = app.partner().await;
    let b = app.partner().await;
    app.ga(&a)
        .post(
            &format!("/v1/partners/{a}/indirect-reseller-enrollment"),
            json!({}),
        )
        .await
        .expect(201);
    let notes = app
        .as_(&a, &["HelpdeskAgent"])
        .get(&format!("/v1/partners/{a}/notifications"))
        .await
        .expect(200);
    assert_eq!(
        notes["items"].as_array().unwrap().len(),
        2,
        "R7 approval and R26 incentive invitation"
    );
    app.ga(&b)
        .get(&format!("/v1/partners/{a}/notifications"))
        .await
        .expect_problem(403, "tenant_mismatch");
    assert_eq!(
        app.ga(&b)
            .get(&format!("/v1/partners/{b}/notifications"))
            .await
            .expect(200)["items"],
        json!([])
    );
}

#[tokio::test]
async fn lists_page_with_an_opaque_cursor() {
    let app = TestApp::spawn().await;
    let id = app.partner().await;
    for n in 0..4 {
        app.ga(&id)
            .patch(
                &format!("/v1/partners/{id}"),
                json!({"company_name": format!("Contoso {n}")}),
            )
            .await
            .expect(200);
    }
    let path = format!("/v1/partners/{id}/audit-events");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?limit=2&cursor={c}"),
            None => format!("{path}?limit=2"),
        };
        let page = app.ga(&id).get(&url).await.expect(200);
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|e| e["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "registration and four edits, each once");
    let mut sorted = seen.clone();
    sorted.sort();
    assert_eq!(seen, sorted, "stable order");
    for bad in ["limit=0", "limit=201", "limit=ten", "cursor=bogus"] {
        let r = app.ga(&id).get(&format!("{path}?{bad}")).await;
        r.expect_problem(400, "bad_request");
    }
}
