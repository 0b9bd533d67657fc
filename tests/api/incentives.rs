//! R26-R27: incentive invitations and enrollments.

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::helpers::TestApp;

fn path(id: &str) -> String {
    format!("/v1/partners/{id}/incentive-enrollments")
}

#[tokio::test]
async fn r26_approval_issues_the_invitation_to_the_mpn_account() {
    let app = TestApp::spawn_with(|a| a.enrollment_review = "manual".into()).await;
    let id = app.partner().await;
    app.ga(&id)
        .post(
            &format!("/v1/partners/{id}/indirect-reseller-enrollment"),
            json!({}),
        )
        .await
        .expect(201);
    let before = app.ga(&id).get(&path(&id)).await.expect(200);
    assert_eq!(before, json!({"invitations": [], "enrollments": []}));
    app.as_(&id, &["IncentiveAdmin"])
        .post(&path(&id), json!({"program": "indirect_reseller"}))
        .await
        .expect_problem(409, "incentive_not_invited");
    app.operator()
        .post_empty(&format!(
            "/v1/partners/{id}/indirect-reseller-enrollment/approve"
        ))
        .await
        .expect(200);
    let after = app.ga(&id).get(&path(&id)).await.expect(200);
    let inv = &after["invitations"][0];
    assert_eq!(inv["program"], "indirect_reseller");
    assert_eq!(inv["sent_to"], "mpn@contoso.com");
    let issued: DateTime<Utc> = inv["issued_at"].as_str().unwrap().parse().unwrap();
    let expected: DateTime<Utc> = inv["expected_by"].as_str().unwrap().parse().unwrap();
    assert_eq!(expected - issued, Duration::days(30));
    let notes = app
        .ga(&id)
        .get(&format!("/v1/partners/{id}/notifications"))
        .await
        .expect(200);
    let kinds: Vec<_> = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["kind"].clone(), n["to"].clone()))
        .collect();
    assert!(
        kinds.contains(&(json!("incentive_invitation"), json!("mpn@contoso.com"))),
        "{kinds:?}"
    );
}

#[tokio::test]
async fn r27_both_programs_are_separate_enrollments() {
    let app = TestApp::spawn().await;
    let id = app.indirect_partner().await;
    let ia = app.as_(&id, &["IncentiveAdmin"]);
    let e = ia
        .post(&path(&id), json!({"program": "indirect_reseller"}))
        .await
        .expect(201);
    assert_eq!(e["program"], "indirect_reseller");
    ia.post(&path(&id), json!({"program": "indirect_reseller"}))
        .await
        .expect_problem(409, "already_enrolled");
    let d = app
        .ga(&id)
        .post(&path(&id), json!({"program": "direct_bill"}))
        .await
        .expect(201);
    assert_eq!(d["program"], "direct_bill");
    let all = app
        .as_(&id, &["HelpdeskAgent"])
        .get(&path(&id))
        .await
        .expect(200);
    assert_eq!(all["enrollments"].as_array().unwrap().len(), 2);
    app.as_(&id, &["BillingAdmin"])
        .post(&path(&id), json!({"program": "direct_bill"}))
        .await
        .expect_problem(403, "forbidden");
    let bad = ia.post(&path(&id), json!({"program": "loyalty"})).await;
    bad.expect_problem(422, "validation_failed");
    assert_eq!(bad.error_fields(), vec!["program"]);
    let other = app.partner().await;
    app.ga(&other)
        .get(&path(&id))
        .await
        .expect_problem(403, "tenant_mismatch");
}
