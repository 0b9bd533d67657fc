//! The transition overview over HTTP (R39): one answer for a dashboard, step by step.

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn overview_path(partner: &str) -> String {
    format!("/v1/partners/{partner}/transition")
}

async fn overview(app: &TestApp, partner: &str) -> Value {
    app.as_(partner, &["HelpdeskAgent"])
        .get(&overview_path(partner))
        .await
        .expect(200)
}

/// The deadlines as (kind, at, subject kind, subject id).
fn deadlines(o: &Value) -> Vec<(String, String, String, String)> {
    o["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["kind"].as_str().unwrap().to_owned(),
                d["at"].as_str().unwrap().to_owned(),
                d["subject"]["kind"].as_str().unwrap().to_owned(),
                d["subject"]["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn deadline(kind: &str, at: &Value, subject: &str, id: &Value) -> (String, String, String, String) {
    (
        kind.to_owned(),
        at.as_str().unwrap().to_owned(),
        subject.to_owned(),
        id.as_str().unwrap().to_owned(),
    )
}

async fn invite(app: &TestApp, partner: &str, body: Value) -> String {
    let inv = app
        .ga(partner)
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            body,
        )
        .await
        .expect(201);
    inv["id"].as_str().unwrap().to_owned()
}

/// The partner's invitation `id` as stored (the list reads it back from the database).
async fn stored_invitation(app: &TestApp, partner: &str, id: &str) -> Value {
    let list = app
        .ga(partner)
        .get(&format!(
            "/v1/partners/{partner}/customer-invitations?limit=200"
        ))
        .await
        .expect(200);
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .cloned()
        .expect("listed")
}

/// The customer's one admin relationship with the partner (R33: created with the customer).
async fn admin_relationship(app: &TestApp, partner: &str, customer: &str) -> Value {
    let list = app
        .ga(partner)
        .get(&format!(
            "/v1/partners/{partner}/customers/{customer}/admin-relationships"
        ))
        .await
        .expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    list["items"][0].clone()
}

#[tokio::test]
async fn r39_r6_r26_the_overview_follows_the_partner_from_enrollment_to_a_provider() {
    let app = TestApp::spawn_with(|a| a.enrollment_review = "manual".into()).await;
    let partner = app.partner().await;
    let enrollment = format!("/v1/partners/{partner}/indirect-reseller-enrollment");

    // Nothing yet: enroll first.
    let o = overview(&app, &partner).await;
    assert_eq!(
        o,
        json!({
            "next_step": "enroll",
            "enrollment": null,
            "agreement_accepted": false,
            "providers": {"active": 0},
            "customers": {"direct_bill": 0, "indirect_reseller": 0, "moving": 0, "blocked": []},
            "invitations": {"draft": 0, "sent": 0, "expired": 0},
            "deadlines": []
        })
    );

    // R6: pending, the approval is due within five business days.
    app.ga(&partner)
        .post(&enrollment, json!({}))
        .await
        .expect(201);
    let e = app.ga(&partner).get(&enrollment).await.expect(200);
    let o = overview(&app, &partner).await;
    assert_eq!(o["next_step"], "await_approval");
    assert_eq!(
        o["enrollment"],
        json!({"status": "pending_approval", "approval_due_by": e["approval_due_by"]})
    );
    assert_eq!(
        deadlines(&o),
        vec![deadline(
            "approval_due",
            &e["approval_due_by"],
            "enrollment",
            &e["id"]
        )]
    );

    // R26: approved, the incentive invitation is expected within 30 days; nothing is due any more.
    app.operator()
        .post_empty(&format!("{enrollment}/approve"))
        .await
        .expect(200);
    let incentives = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/incentive-enrollments"))
        .await
        .expect(200);
    let invitation = &incentives["invitations"][0];
    let o = overview(&app, &partner).await;
    assert_eq!(o["next_step"], "accept_agreement");
    assert_eq!(o["enrollment"]["status"], "approved");
    assert_eq!(
        deadlines(&o),
        vec![deadline(
            "incentive_invitation_expected",
            &invitation["expected_by"],
            "incentive",
            &invitation["id"]
        )]
    );

    // The agreement, then a provider.
    let version = app
        .ga(&partner)
        .get("/v1/agreements/indirect-reseller")
        .await
        .expect(200)["version"]
        .clone();
    app.ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/agreement-acceptances"),
            json!({ "agreement_version": version }),
        )
        .await
        .expect(201);
    let o = overview(&app, &partner).await;
    assert_eq!(
        (&o["next_step"], &o["agreement_accepted"]),
        (&json!("find_provider"), &json!(true))
    );
    let provider = app.provider().await;
    let (id, token) = app.invite_partner(&provider, &partner).await;
    app.ga(&partner)
        .post(
            &format!("/v1/partnership-invitations/{id}/accept"),
            json!({ "token": token }),
        )
        .await
        .expect(200);
    let o = overview(&app, &partner).await;
    assert_eq!(o["next_step"], "invite_customers");
    assert_eq!(o["providers"], json!({"active": 1}));

    // R26: enrolling in the program closes the wait for its invitation.
    app.ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/incentive-enrollments"),
            json!({"program": "indirect_reseller"}),
        )
        .await
        .expect(201);
    assert_eq!(overview(&app, &partner).await["deadlines"], json!([]));
}

#[tokio::test]
async fn r39_r21_r22_r17_r31_customers_invitations_and_deadlines_by_date() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let incentive_expected = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/incentive-enrollments"))
        .await
        .expect(200)["invitations"][0]["expected_by"]
        .clone();

    // B's invitation expires by the clock (R17), and with the 31 days the incentive date passes.
    let b = app.direct_customer(&partner, false).await;
    let b_inv = invite(
        &app,
        &partner,
        json!({"provider_id": provider, "customer_id": b}),
    )
    .await;
    app.advance(Duration::days(31));
    assert!(
        overview(&app, &partner).await["deadlines"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["kind"] != "incentive_invitation_expected"
                && d["subject"]["id"] != b_inv.as_str())
    );

    let a = app.direct_customer(&partner, false).await;
    let sfb = app.direct_customer(&partner, true).await;
    let indirect = app
        .ga(&provider)
        .post(
            &format!("/v1/indirect-providers/{provider}/customers"),
            json!({"reseller_partner_id": partner, "company_name": "Alpine Ski House", "domain": "alpineski.onmicrosoft.com"}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A draft move invitation for A, and a new-customer invitation marked sent.
    let a_inv = invite(
        &app,
        &partner,
        json!({"provider_id": provider, "customer_id": a}),
    )
    .await;
    let new_inv = invite(
        &app,
        &partner,
        json!({"provider_id": provider, "customer_email": "it@tailspin.example"}),
    )
    .await;
    app.ga(&partner)
        .post_empty(&format!(
            "/v1/partners/{partner}/customer-invitations/{new_inv}/done"
        ))
        .await
        .expect(200);
    // R22: the Store for Business customer cannot be invited.
    app.ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            json!({"provider_id": provider, "customer_id": sfb}),
        )
        .await
        .expect_problem(409, "store_for_business_unsupported");

    let o = overview(&app, &partner).await;
    assert_eq!(o["next_step"], "invite_customers");
    assert_eq!(
        o["customers"],
        json!({
            "direct_bill": 3,
            "indirect_reseller": 1,
            "moving": 1,
            "blocked": [{"customer_id": sfb, "company_name": "Fourth Coffee", "reason": "store_for_business_unsupported"}]
        })
    );
    assert_eq!(
        o["invitations"],
        json!({"draft": 1, "sent": 1, "expired": 1})
    );

    // Open dates only, by date: the two open links (R17), then the admin relationships (R31).
    let mut want = vec![
        deadline(
            "invitation_expires",
            &stored_invitation(&app, &partner, &a_inv).await["expires_at"],
            "customer_invitation",
            &json!(a_inv),
        ),
        deadline(
            "invitation_expires",
            &stored_invitation(&app, &partner, &new_inv).await["expires_at"],
            "customer_invitation",
            &json!(new_inv),
        ),
    ];
    let mut ends = Vec::new();
    for c in [&a, &b, &sfb, &indirect] {
        let r = admin_relationship(&app, &partner, c).await;
        ends.push(deadline(
            "admin_relationship_ends",
            &r["ends_at"],
            "admin_relationship",
            &r["id"],
        ));
    }
    ends.sort_by(|x, y| (&x.1, &x.3).cmp(&(&y.1, &y.3)));
    want.extend(ends);
    let got = deadlines(&o);
    assert_eq!(got, want);
    assert!(
        !got.iter()
            .any(|d| d.1 == incentive_expected.as_str().unwrap())
    );

    // R31: a terminated relationship has no end ahead; R21: an accepted move is no longer moving.
    let r = admin_relationship(&app, &partner, &sfb).await;
    app.ga(&partner)
        .post_empty(&format!(
            "/v1/partners/{partner}/customers/{sfb}/admin-relationships/{}/terminate",
            r["id"].as_str().unwrap()
        ))
        .await
        .expect(200);
    let token = crate::helpers::token_of(&stored_link(&app, &partner, &a_inv).await);
    app.ga(&a)
        .post(
            &format!("/v1/customer-invitations/{a_inv}/accept"),
            json!({ "token": token }),
        )
        .await
        .expect(200);
    let o = overview(&app, &partner).await;
    assert_eq!(
        (
            &o["customers"]["direct_bill"],
            &o["customers"]["indirect_reseller"],
            &o["customers"]["moving"]
        ),
        (&json!(2), &json!(2), &json!(0))
    );
    assert_eq!(
        o["invitations"],
        json!({"draft": 0, "sent": 1, "expired": 1})
    );
    let kinds_and_ids: Vec<(String, String)> =
        deadlines(&o).into_iter().map(|d| (d.0, d.3)).collect();
    assert!(!kinds_and_ids.contains(&("invitation_expires".into(), a_inv.clone())));
    assert!(!kinds_and_ids.contains(&(
        "admin_relationship_ends".into(),
        r["id"].as_str().unwrap().to_owned()
    )));
    assert!(kinds_and_ids.contains(&("invitation_expires".into(), new_inv.clone())));
}

/// The link of the partner's invitation `id`, shown to its GlobalAdmin.
async fn stored_link(app: &TestApp, partner: &str, id: &str) -> Value {
    stored_invitation(app, partner, id).await["link"].clone()
}

#[tokio::test]
async fn r39_at_most_the_100_soonest_deadlines() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let mut ids = Vec::new();
    for _ in 0..101 {
        ids.push(
            invite(
                &app,
                &partner,
                json!({"provider_id": provider, "customer_email": "it@tailspin.example"}),
            )
            .await,
        );
        app.advance(Duration::seconds(1));
    }
    let incentive = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/incentive-enrollments"))
        .await
        .expect(200)["invitations"][0]["id"]
        .clone();
    let o = overview(&app, &partner).await;
    assert_eq!(o["invitations"]["draft"], 101);
    let got = deadlines(&o);
    assert_eq!(got.len(), 100);
    // The soonest: the incentive date (30 days after approval, before any link expires), then
    // the first 99 invitations in the order they expire; the last two are left out.
    let listed: Vec<&str> = got.iter().map(|d| d.3.as_str()).collect();
    let mut soonest = vec![incentive.as_str().unwrap()];
    soonest.extend(ids[..99].iter().map(String::as_str));
    assert_eq!(listed, soonest);
    assert_eq!(got[0].0, "incentive_invitation_expected");
    assert!(got.windows(2).all(|w| w[0].1 < w[1].1));
}

#[tokio::test]
async fn r39_r28_only_the_partner_and_the_operator_read_its_overview() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let other = app.partnered(&provider).await;
    // The other partner's customers and invitations never show in the first one's overview.
    let theirs = app.direct_customer(&other, true).await;
    let customer = app.direct_customer(&other, false).await;
    invite(
        &app,
        &other,
        json!({"provider_id": provider, "customer_id": customer}),
    )
    .await;
    let mine = overview(&app, &partner).await;
    assert_eq!(
        (&mine["customers"], &mine["invitations"]),
        (
            &json!({"direct_bill": 0, "indirect_reseller": 0, "moving": 0, "blocked": []}),
            &json!({"draft": 0, "sent": 0, "expired": 0})
        )
    );
    let kinds: Vec<String> = deadlines(&mine).into_iter().map(|d| d.0).collect();
    assert_eq!(kinds, vec!["incentive_invitation_expected"]);
    let theirs_seen = overview(&app, &other).await;
    assert_eq!(
        theirs_seen["customers"]["blocked"][0]["customer_id"],
        theirs.as_str()
    );
    assert_eq!(theirs_seen["customers"]["moving"], 1);

    // R28: another partner's GlobalAdmin is refused; the operator reads the same answer.
    app.ga(&other)
        .get(&overview_path(&partner))
        .await
        .expect_problem(403, "tenant_mismatch");
    assert_eq!(
        app.operator()
            .get(&overview_path(&partner))
            .await
            .expect(200),
        mine
    );
    app.as_(&partner, &[])
        .get(&overview_path(&partner))
        .await
        .expect_problem(403, "forbidden");

    // A tenant that is not a registered partner: 404, as program info.
    let stranger = uuid::Uuid::new_v4().to_string();
    app.operator()
        .get(&overview_path(&stranger))
        .await
        .expect_problem(404, "not_found");
    app.ga(&stranger)
        .get(&overview_path(&stranger))
        .await
        .expect_problem(404, "not_found");
}
