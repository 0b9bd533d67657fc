//! Transition plans over HTTP (R36): a dry run listing every customer with its outcome.

use chrono::Duration;
use serde_json::{Value, json};

use crate::helpers::TestApp;

fn plans(partner: &str) -> String {
    format!("/v1/partners/{partner}/transition-plans")
}

async fn types(app: &TestApp, tenant: &str) -> Vec<String> {
    let feed = app.ga(tenant).get("/v1/events?limit=200").await.expect(200);
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

async fn invitations(app: &TestApp, partner: &str) -> Value {
    app.ga(partner)
        .get(&format!("/v1/partners/{partner}/customer-invitations"))
        .await
        .expect(200)
}

async fn invite(app: &TestApp, partner: &str, provider: &str, customer: &str) {
    app.ga(partner)
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            json!({"provider_id": provider, "customer_id": customer}),
        )
        .await
        .expect(201);
}

fn outcomes(plan: &Value) -> Vec<(String, String, Value)> {
    plan["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["customer_id"].as_str().unwrap().to_owned(),
                i["outcome"].as_str().unwrap().to_owned(),
                i["reason"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn r36_r22_r21_r17_transition_plan_lists_every_customer_with_its_outcome() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    // The walk-through's customer is an indirect customer of the partner now (R21).
    let w = app.walk_through(&provider).await;
    let partner = w.partner.clone();
    let expired = app.direct_customer(&partner, false).await;
    invite(&app, &partner, &provider, &expired).await;
    app.advance(Duration::days(31));
    let open = app.direct_customer(&partner, false).await;
    invite(&app, &partner, &provider, &open).await;
    let sfb = app.direct_customer(&partner, true).await;
    let plain = app.direct_customer(&partner, false).await;
    let before = invitations(&app, &partner).await;

    // Every direct bill customer by default, in customer id order; never the indirect one.
    let plan = app
        .as_(&partner, &["AdminAgent"])
        .post(&plans(&partner), json!({"provider_id": provider}))
        .await
        .expect(201);
    let mut want = vec![
        (expired.clone(), "invite".to_owned(), Value::Null),
        (open.clone(), "blocked".into(), json!("invitation_open")),
        (
            sfb.clone(),
            "blocked".into(),
            json!("store_for_business_unsupported"),
        ),
        (plain.clone(), "invite".into(), Value::Null),
    ];
    want.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(outcomes(&plan), want);
    assert_eq!(
        plan["summary"],
        json!({"total": 4, "invite": 2, "blocked": 2})
    );
    assert_eq!(plan["status"], "draft");
    assert_eq!(
        (plan["partner_id"].as_str(), plan["provider_id"].as_str()),
        (Some(partner.as_str()), Some(provider.as_str()))
    );

    // Named explicitly, the indirect customer is blocked (R21), in the order given.
    let named = app
        .ga(&partner)
        .post(
            &plans(&partner),
            json!({"provider_id": provider, "customer_ids": [w.customer, plain], "admin_roles": ["User Administrator"], "message": "Moving to Northwind"}),
        )
        .await
        .expect(201);
    assert_eq!(
        outcomes(&named),
        vec![
            (
                w.customer.clone(),
                "blocked".into(),
                json!("already_indirect")
            ),
            (plain.clone(), "invite".into(), Value::Null),
        ]
    );
    assert_eq!(
        named["summary"],
        json!({"total": 2, "invite": 1, "blocked": 1})
    );
    assert_eq!(named["admin_roles"], json!(["User Administrator"]));

    // Any role of the partner reads it back as planned.
    let id = plan["id"].as_str().unwrap();
    let read = app
        .as_(&partner, &["SalesAgent"])
        .get(&format!("{}/{id}", plans(&partner)))
        .await
        .expect(200);
    assert_eq!(read, plan);

    // R36: planning invited nobody; the feed tells of each plan.
    assert_eq!(invitations(&app, &partner).await, before);
    let feed = types(&app, &partner).await;
    assert_eq!(
        feed.iter()
            .filter(|t| *t == "transition_plan.created")
            .count(),
        2
    );
    assert_eq!(
        feed.last().map(String::as_str),
        Some("transition_plan.created")
    );
}

#[tokio::test]
async fn r36_r28_transition_plan_refuses_foreign_or_unknown_customers_as_a_whole() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let other = app.partnered(&provider).await;
    let mine = app.direct_customer(&partner, false).await;
    let theirs = app.direct_customer(&other, false).await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let before = types(&app, &partner).await;
    let refused = app
        .ga(&partner)
        .post(
            &plans(&partner),
            json!({"provider_id": provider, "customer_ids": [mine, theirs, unknown]}),
        )
        .await;
    refused.expect_problem(422, "validation_failed");
    assert_eq!(refused.error_fields(), vec!["customer_ids"]);
    let message = refused.body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains(&theirs) && message.contains(&unknown) && !message.contains(&mine));
    // Nothing written: no event.
    assert_eq!(types(&app, &partner).await, before);

    // Isolation: another partner's GlobalAdmin cannot read a plan (R28).
    let plan = app
        .ga(&partner)
        .post(&plans(&partner), json!({"provider_id": provider}))
        .await
        .expect(201);
    let id = plan["id"].as_str().unwrap();
    app.ga(&other)
        .get(&format!("{}/{id}", plans(&other)))
        .await
        .expect_problem(404, "not_found");
    app.ga(&other)
        .get(&format!("{}/{id}", plans(&partner)))
        .await
        .expect_problem(403, "tenant_mismatch");
}

#[tokio::test]
async fn r12_r17_transition_plan_needs_the_program_a_provider_and_the_role() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let direct = app.partner().await;
    app.ga(&direct)
        .post(&plans(&direct), json!({"provider_id": provider}))
        .await
        .expect_problem(403, "indirect_reseller_not_active");
    let unpartnered = app.indirect_partner().await;
    app.ga(&unpartnered)
        .post(&plans(&unpartnered), json!({"provider_id": provider}))
        .await
        .expect_problem(409, "no_provider_relationship");
    let partner = app.partnered(&provider).await;
    app.as_(&partner, &["SalesAgent"])
        .post(&plans(&partner), json!({"provider_id": provider}))
        .await
        .expect_problem(403, "forbidden");
    let bad = app
        .ga(&partner)
        .post(
            &plans(&partner),
            json!({"provider_id": provider, "customer_ids": ["nope"], "message": "x".repeat(1001)}),
        )
        .await;
    bad.expect_problem(422, "validation_failed");
    let mut fields = bad.error_fields();
    fields.sort();
    assert_eq!(fields, vec!["customer_ids", "message"]);
}
