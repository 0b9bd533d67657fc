//! R1-R9: enrollment, review, withdrawal, and the irreversibility of approval.

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};
use serde_json::json;

use crate::helpers::TestApp;

fn path(id: &str) -> String {
    format!("/v1/partners/{id}/indirect-reseller-enrollment")
}

fn manual() -> impl FnOnce(&mut csp_transition::config::ConfigArgs) {
    |args| args.enrollment_review = "manual".into()
}

#[tokio::test]
async fn r1_r6_auto_review_approves_on_the_same_tenant_with_a_due_date() {
    let app = TestApp::spawn().await;
    let id = app.partner().await;
    let e = app.ga(&id).post(&path(&id), json!({})).await.expect(201);
    assert_eq!(
        e["partner_id"],
        id.as_str(),
        "R1: the existing tenant enrolls"
    );
    assert_eq!(e["status"], "approved");
    assert_eq!(
        e["primary_contact_email"], "ops@contoso.com",
        "R5: defaults to the profile"
    );
    let submitted: DateTime<Utc> = e["submitted_at"].as_str().unwrap().parse().unwrap();
    let due: DateTime<Utc> = e["approval_due_by"].as_str().unwrap().parse().unwrap();
    assert!(
        !matches!(due.weekday(), Weekday::Sat | Weekday::Sun),
        "R6: due on a business day"
    );
    assert!(
        due - submitted >= Duration::days(5) && due - submitted <= Duration::days(9),
        "R6: {submitted} -> {due}"
    );
    assert_eq!(e["decided_by"], "system:auto-review");
    let log = app
        .ga(&id)
        .get(&format!("/v1/partners/{id}/audit-events"))
        .await
        .expect(200);
    let approved = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "enrollment.approved")
        .cloned()
        .expect("audited");
    assert_eq!(
        (
            approved["actor_sub"].as_str(),
            approved["actor_roles"].clone()
        ),
        (Some("system:auto-review"), serde_json::json!([]))
    );
    // The partner's tenant and id are unchanged (R1).
    let partner = app
        .ga(&id)
        .get(&format!("/v1/partners/{id}"))
        .await
        .expect(200);
    assert_eq!(partner["tenant_id"], id.as_str());
}

#[tokio::test]
async fn r5_the_form_contact_is_notified_on_approval_r7() {
    let app = TestApp::spawn_with(manual()).await;
    let id = app.partner().await;
    let e = app
        .ga(&id)
        .post(
            &path(&id),
            json!({"primary_contact_email": "it@contoso.com"}),
        )
        .await
        .expect(201);
    assert_eq!(e["status"], "pending_approval");
    assert_eq!(e["decided_at"], serde_json::Value::Null);
    let notes = app
        .ga(&id)
        .get(&format!("/v1/partners/{id}/notifications"))
        .await
        .expect(200);
    assert_eq!(
        notes["items"].as_array().unwrap().len(),
        0,
        "no approval notice before approval"
    );
    let approved = app
        .operator()
        .post_empty(&format!("{}/approve", path(&id)))
        .await
        .expect(200);
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["decided_by"], "user@test");
    let notes = app
        .ga(&id)
        .get(&format!("/v1/partners/{id}/notifications"))
        .await
        .expect(200);
    let approval = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "enrollment_approved")
        .cloned()
        .expect("R7 notice");
    assert_eq!(
        approval["to"], "it@contoso.com",
        "R7: to the contact given on the form"
    );
}

#[tokio::test]
async fn r2_only_flagged_direct_bill_partners_may_enroll() {
    let app = TestApp::spawn().await;
    let not_flagged = app
        .partner_with(json!({"offboarding_identified": false}))
        .await;
    let r = app
        .ga(&not_flagged)
        .post(&path(&not_flagged), json!({}))
        .await;
    r.expect_problem(403, "not_eligible");
    assert!(
        r.body["detail"].as_str().unwrap().contains("offboarding"),
        "a clear reason: {}",
        r.body
    );
    let not_direct = app.partner_with(json!({"direct_bill": false})).await;
    app.ga(&not_direct)
        .post(&path(&not_direct), json!({}))
        .await
        .expect_problem(403, "not_eligible");
    let unknown = uuid::Uuid::new_v4().to_string();
    app.ga(&unknown)
        .post(&path(&unknown), json!({}))
        .await
        .expect_problem(403, "not_eligible");
    // Once the operator flags the partner, it may enroll.
    app.operator()
        .patch(
            &format!("/v1/partners/{not_flagged}"),
            json!({"offboarding_identified": true}),
        )
        .await
        .expect(200);
    app.ga(&not_flagged)
        .post(&path(&not_flagged), json!({}))
        .await
        .expect(201);
}

#[tokio::test]
async fn r3_only_the_global_admin_submits() {
    let app = TestApp::spawn().await;
    let id = app.partner().await;
    for role in [
        "AccountAdmin",
        "AdminAgent",
        "SalesAgent",
        "BillingAdmin",
        "IncentiveAdmin",
        "HelpdeskAgent",
        "ProgramAdmin",
    ] {
        app.as_(&id, &[role])
            .post(&path(&id), json!({}))
            .await
            .expect_problem(403, "forbidden");
    }
    app.operator()
        .post(&path(&id), json!({}))
        .await
        .expect_problem(403, "tenant_mismatch");
    app.ga(&id).post(&path(&id), json!({})).await.expect(201);
}

#[tokio::test]
async fn r4_an_incomplete_profile_is_refused_naming_each_field() {
    let app = TestApp::spawn().await;
    let id = app
        .partner_with(json!({"mpn_id": null, "mpn_account_email": null}))
        .await;
    let r = app.ga(&id).post(&path(&id), json!({})).await;
    r.expect_problem(422, "profile_incomplete");
    assert_eq!(r.error_fields(), vec!["mpn_id", "mpn_account_email"]);
    app.ga(&id)
        .get(&path(&id))
        .await
        .expect_problem(404, "not_found");
    app.ga(&id)
        .patch(
            &format!("/v1/partners/{id}"),
            json!({"mpn_id": "4433221", "mpn_account_email": "mpn@contoso.com"}),
        )
        .await
        .expect(200);
    app.ga(&id).post(&path(&id), json!({})).await.expect(201);
}

#[tokio::test]
async fn r5_a_bad_contact_email_names_the_field() {
    let app = TestApp::spawn().await;
    let id = app.partner().await;
    let r = app
        .ga(&id)
        .post(&path(&id), json!({"primary_contact_email": "not-an-email"}))
        .await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["primary_contact_email"]);
}

#[tokio::test]
async fn r8_status_is_readable_by_the_tenant_and_the_operator_only() {
    let app = TestApp::spawn_with(manual()).await;
    let id = app.partner().await;
    app.ga(&id).post(&path(&id), json!({})).await.expect(201);
    let e = app
        .as_(&id, &["HelpdeskAgent"])
        .get(&path(&id))
        .await
        .expect(200);
    assert_eq!(e["status"], "pending_approval");
    assert_eq!(
        app.operator().get(&path(&id)).await.expect(200)["status"],
        "pending_approval"
    );
    let other = app.partner().await;
    app.ga(&other)
        .get(&path(&id))
        .await
        .expect_problem(403, "tenant_mismatch");
}

#[tokio::test]
async fn already_enrolled_while_pending_or_approved() {
    let app = TestApp::spawn_with(manual()).await;
    let id = app.partner().await;
    app.ga(&id).post(&path(&id), json!({})).await.expect(201);
    app.ga(&id)
        .post(&path(&id), json!({}))
        .await
        .expect_problem(409, "already_enrolled");
    app.operator()
        .post_empty(&format!("{}/approve", path(&id)))
        .await
        .expect(200);
    app.ga(&id)
        .post(&path(&id), json!({}))
        .await
        .expect_problem(409, "already_enrolled");
}

#[tokio::test]
async fn r9_approved_is_irreversible_and_pending_can_be_withdrawn() {
    let app = TestApp::spawn_with(manual()).await;
    let id = app.partner().await;
    app.ga(&id)
        .delete(&path(&id))
        .await
        .expect_problem(404, "not_found");
    app.ga(&id).post(&path(&id), json!({})).await.expect(201);
    app.as_(&id, &["AccountAdmin"])
        .delete(&path(&id))
        .await
        .expect_problem(403, "forbidden");
    let w = app.ga(&id).delete(&path(&id)).await.expect(200);
    assert_eq!(w["status"], "withdrawn");
    app.ga(&id)
        .delete(&path(&id))
        .await
        .expect_problem(409, "invalid_state");
    // Withdrawn: a new enrollment may follow; once approved it cannot be removed.
    app.ga(&id).post(&path(&id), json!({})).await.expect(201);
    app.operator()
        .post_empty(&format!("{}/approve", path(&id)))
        .await
        .expect(200);
    app.ga(&id)
        .delete(&path(&id))
        .await
        .expect_problem(409, "irreversible");
    assert_eq!(
        app.ga(&id).get(&path(&id)).await.expect(200)["status"],
        "approved"
    );
}

#[tokio::test]
async fn r9_rejected_with_a_reason_and_submitted_again() {
    let app = TestApp::spawn_with(manual()).await;
    let id = app.partner().await;
    app.ga(&id).post(&path(&id), json!({})).await.expect(201);
    let bad = app
        .operator()
        .post(&format!("{}/reject", path(&id)), json!({"reason": "  "}))
        .await;
    bad.expect_problem(422, "validation_failed");
    assert_eq!(bad.error_fields(), vec!["reason"]);
    app.operator()
        .post(&format!("{}/reject", path(&id)), json!({}))
        .await
        .expect_problem(422, "validation_failed");
    let r = app
        .operator()
        .post(
            &format!("{}/reject", path(&id)),
            json!({"reason": "MPN ID does not match"}),
        )
        .await
        .expect(200);
    assert_eq!(r["status"], "rejected");
    assert_eq!(r["rejection_reason"], "MPN ID does not match");
    app.operator()
        .post_empty(&format!("{}/approve", path(&id)))
        .await
        .expect_problem(409, "invalid_state");
    let notes = app
        .ga(&id)
        .get(&format!("/v1/partners/{id}/notifications"))
        .await
        .expect(200);
    let rejected = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "enrollment_rejected")
        .cloned()
        .expect("notice");
    assert!(
        rejected["body"]
            .as_str()
            .unwrap()
            .contains("MPN ID does not match")
    );
    let again = app.ga(&id).post(&path(&id), json!({})).await.expect(201);
    assert_eq!(again["status"], "pending_approval");
    assert_ne!(again["id"], r["id"]);
    assert_eq!(
        app.ga(&id).get(&path(&id)).await.expect(200)["id"],
        again["id"],
        "R8: the latest is shown"
    );
}

#[tokio::test]
async fn review_decisions_are_the_operators() {
    let app = TestApp::spawn_with(manual()).await;
    let id = app.partner().await;
    app.ga(&id).post(&path(&id), json!({})).await.expect(201);
    app.ga(&id)
        .post_empty(&format!("{}/approve", path(&id)))
        .await
        .expect_problem(403, "forbidden");
    app.ga(&id)
        .post(&format!("{}/reject", path(&id)), json!({"reason": "x"}))
        .await
        .expect_problem(403, "forbidden");
    // ProgramAdmin outside the operator tenant counts for nothing.
    app.as_(&id, &["ProgramAdmin", "GlobalAdmin"])
        .post_empty(&format!("{}/approve", path(&id)))
        .await
        .expect_problem(403, "forbidden");
    let not_operator = uuid::Uuid::new_v4();
    app.as_(not_operator, &["ProgramAdmin"])
        .post_empty(&format!("{}/approve", path(&id)))
        .await
        .expect_problem(403, "tenant_mismatch");
}

#[tokio::test]
async fn concurrent_submissions_leave_one_enrollment() {
    let app = TestApp::spawn_with(manual()).await;
    let id = app.partner().await;
    let caller = app.ga(&id);
    let p = path(&id);
    let answers = futures::future::join_all((0..8).map(|_| caller.post(&p, json!({})))).await;
    let created = answers.iter().filter(|r| r.status == 201).count();
    let refused = answers
        .iter()
        .filter(|r| r.status == 409 && r.code() == "already_enrolled")
        .count();
    assert_eq!(
        (created, refused),
        (1, 7),
        "{:?}",
        answers
            .iter()
            .map(|r| (r.status, r.body.clone()))
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn concurrent_writes_to_many_partners_all_succeed() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for _ in 0..12 {
        ids.push(app.partner().await);
    }
    let app = &app;
    let answers = futures::future::join_all(ids.iter().map(|id| async move {
        let ga = app.ga(id);
        let a = ga.post(&path(id), json!({})).await.status;
        let b = ga
            .patch(
                &format!("/v1/partners/{id}"),
                json!({"company_name": "Renamed"}),
            )
            .await
            .status;
        (a, b)
    }))
    .await;
    assert!(
        answers.iter().all(|a| *a == (201, 200)),
        "no request may fail with a locked database: {answers:?}"
    );
}
