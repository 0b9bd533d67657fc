//! Executing transition plans over HTTP (R37, R38): the operation answers at once, the work runs
//! in the background (one customer per transaction), each customer gets one sent move invitation
//! or the reason it could not, a plan executes once, replicas share the work, and another
//! partner sees none of it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::helpers::{Replica, TestApp, token_for};
use crate::receiver::Receiver;

fn plans(partner: &str) -> String {
    format!("/v1/partners/{partner}/transition-plans")
}

async fn plan(app: &TestApp, partner: &str, body: Value) -> String {
    let p = app
        .ga(partner)
        .post(&plans(partner), body)
        .await
        .expect(201);
    p["id"].as_str().unwrap().to_owned()
}

fn execute_path(partner: &str, plan: &str) -> String {
    format!("{}/{plan}/execute", plans(partner))
}

/// Polls the operation (real time: the work is the background runner's) until it has finished.
pub async fn finished(app: &TestApp, tenant: &str, id: &str) -> Value {
    for _ in 0..1500 {
        let op = app
            .ga(tenant)
            .get(&format!("/v1/operations/{id}"))
            .await
            .expect(200);
        if op["status"] != "running" {
            return op;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("operation {id} still running");
}

/// The partner's invitations by customer: how many each has.
pub fn invitations_per_customer(app: &TestApp, partner: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for c in app.db.texts(&format!(
        "SELECT customer_id AS v FROM customer_invitations WHERE partner_id = '{partner}' AND customer_id IS NOT NULL"
    )) {
        *counts.entry(c).or_insert(0) += 1;
    }
    counts
}

async fn events_of(app: &TestApp, tenant: &str) -> Vec<Value> {
    app.ga(tenant).get("/v1/events?limit=200").await.expect(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn count(events: &[Value], kind: &str) -> usize {
    events.iter().filter(|e| e["type"] == kind).count()
}

fn results(op: &Value) -> Vec<(String, Value, Value)> {
    op["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["customer_id"].as_str().unwrap().to_owned(),
                r["invitation_id"].clone(),
                r["error"]["code"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn r37_r38_executing_a_plan_invites_each_customer_once_in_the_background() {
    let app = TestApp::with_webhooks().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let receiver = Receiver::start().await;
    app.ga(&partner)
        .post(
            "/v1/webhook-endpoints",
            json!({"url": receiver.url, "event_types": ["operation.finished"]}),
        )
        .await
        .expect(201);
    let mut plain = vec![
        app.direct_customer(&partner, false).await,
        app.direct_customer(&partner, false).await,
    ];
    plain.sort();
    app.direct_customer(&partner, true).await;
    let id = plan(
        &app,
        &partner,
        json!({"provider_id": provider, "message": "We move our customers to Northwind in May."}),
    )
    .await;

    let ops = app.with_token(token_for(&partner, &["AdminAgent"], "ops@partner.example"));
    let started = ops
        .send_with(
            reqwest::Method::POST,
            &execute_path(&partner, &id),
            json!({}),
            &[("x-request-id", "bulk-move-1")],
        )
        .await;
    assert_eq!(started.status, 202, "{}", started.body);
    let op_id = started.body["id"].as_str().unwrap().to_owned();
    assert_eq!(
        started.header("location"),
        Some(format!("/v1/operations/{op_id}").as_str())
    );
    assert_eq!(started.body["kind"], "transition_plan.execute");
    assert_eq!(started.body["plan_id"], id.as_str());
    assert_eq!(started.body["status"], "running");
    assert_eq!(
        started.body["progress"],
        json!({"total": 2, "done": 0, "failed": 0})
    );

    let op = finished(&app, &partner, &op_id).await;
    assert_eq!(op["status"], "succeeded");
    assert_eq!(op["progress"], json!({"total": 2, "done": 2, "failed": 0}));
    assert!(op["finished_at"].is_string());
    let got = results(&op);
    assert_eq!(
        got.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
        plain,
        "one result per invite customer, in the plan's order; the blocked one is left alone"
    );
    assert!(got.iter().all(|r| r.1.is_string() && r.2.is_null()));

    // R37: each has one move invitation, marked sent, with the plan's message and the link.
    let list = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/customer-invitations"))
        .await
        .expect(200);
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    for inv in items {
        assert_eq!(inv["status"], "sent");
        assert_eq!(inv["kind"], "move_customer");
        let body = inv["email"]["body"].as_str().unwrap();
        assert!(body.contains("We move our customers to Northwind in May."));
        assert!(body.contains(inv["link"].as_str().unwrap()));
        assert!(
            got.iter()
                .any(|r| r.0 == inv["customer_id"] && r.1 == inv["id"])
        );
    }
    // R38: the plan is executed, once.
    let read = app
        .ga(&partner)
        .get(&format!("{}/{id}", plans(&partner)))
        .await
        .expect(200);
    assert_eq!(read["status"], "executed");
    app.ga(&partner)
        .post(&execute_path(&partner, &id), json!({}))
        .await
        .expect_problem(409, "invalid_state");

    // R29, R34: the work is in the feed, as the person who started it, under their request.
    let events = events_of(&app, &partner).await;
    assert_eq!(count(&events, "customer_invitation.created"), 2);
    assert_eq!(count(&events, "customer_invitation.sent"), 2);
    assert_eq!(count(&events, "operation.finished"), 1);
    for e in events
        .iter()
        .filter(|e| e["type"] == "customer_invitation.sent" || e["type"] == "operation.finished")
    {
        assert_eq!(e["actor"]["sub"], "ops@partner.example");
        assert_eq!(e["request_id"], "bulk-move-1");
    }
    let done = events
        .iter()
        .find(|e| e["type"] == "operation.finished")
        .unwrap();
    assert_eq!(done["subject"], json!({"kind": "operation", "id": op_id}));
    assert_eq!(done["data"], op);
    // ... and delivered by webhook.
    let delivered = receiver.wait_for(1).await;
    assert_eq!(delivered[0].json()["type"], "operation.finished");
    assert_eq!(delivered[0].json()["data"]["status"], "succeeded");
}

#[tokio::test]
async fn r38_a_plan_executes_once_with_or_without_an_idempotency_key() {
    // SENDERS=off: the operation stays running until a working replica comes.
    let app = TestApp::spawn_with(|a| a.senders = "off".into()).await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let customer = app.direct_customer(&partner, false).await;
    let id = plan(&app, &partner, json!({"provider_id": provider})).await;
    let path = execute_path(&partner, &id);
    let ga = app.ga(&partner);
    let first = ga
        .send_with(
            reqwest::Method::POST,
            &path,
            json!({}),
            &[("idempotency-key", "k1")],
        )
        .await;
    assert_eq!(first.status, 202);
    // The same request with the same key: the first answer again, nothing done twice.
    let again = ga
        .send_with(
            reqwest::Method::POST,
            &path,
            json!({}),
            &[("idempotency-key", "k1")],
        )
        .await;
    assert_eq!(again.status, 202);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["id"], first.body["id"]);
    // Another key, or none: the plan is being executed.
    for headers in [vec![("idempotency-key", "k2")], vec![]] {
        let r = ga
            .send_with(reqwest::Method::POST, &path, json!({}), &headers)
            .await;
        r.expect_problem(409, "operation_not_finished");
        let op_id = first.body["id"].as_str().unwrap();
        assert!(r.body["detail"].as_str().unwrap().contains(op_id));
    }
    let op_id = first.body["id"].as_str().unwrap().to_owned();
    let op = ga.get(&format!("/v1/operations/{op_id}")).await.expect(200);
    assert_eq!(op["status"], "running");
    assert_eq!(op["progress"], json!({"total": 1, "done": 0, "failed": 0}));

    // A replica that runs background work picks it up.
    let worker = app.replica(|s| s.senders = true);
    let op = finished(&app, &partner, &op_id).await;
    assert_eq!(op["status"], "succeeded");
    assert_eq!(
        invitations_per_customer(&app, &partner),
        BTreeMap::from([(customer, 1)])
    );
    worker.stop().await;
}

#[tokio::test]
async fn r37_r17_one_customers_failure_does_not_stop_the_others() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let mut customers = Vec::new();
    for _ in 0..3 {
        customers.push(app.direct_customer(&partner, false).await);
    }
    let changed = customers[1].clone();
    let all = plan(
        &app,
        &partner,
        json!({"provider_id": provider, "customer_ids": customers}),
    )
    .await;
    let only_changed = plan(
        &app,
        &partner,
        json!({"provider_id": provider, "customer_ids": [changed]}),
    )
    .await;
    // Meanwhile the partner invites one of them by hand (R17: one open invitation each).
    app.ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            json!({"provider_id": provider, "customer_id": changed}),
        )
        .await
        .expect(201);

    let started = app
        .ga(&partner)
        .post(&execute_path(&partner, &all), json!({}))
        .await
        .expect(202);
    let op = finished(&app, &partner, started["id"].as_str().unwrap()).await;
    assert_eq!(op["status"], "partially_succeeded");
    assert_eq!(op["progress"], json!({"total": 3, "done": 3, "failed": 1}));
    let got = results(&op);
    assert_eq!(
        got.iter().map(|r| r.0.clone()).collect::<Vec<_>>(),
        customers
    );
    assert_eq!(got[1].1, Value::Null);
    assert_eq!(got[1].2, "invitation_pending");
    assert!(got[0].1.is_string() && got[2].1.is_string());
    let detail = &op["results"][1]["error"]["detail"];
    assert!(detail.as_str().unwrap().contains("open invitation"));

    // Nobody could be invited: the operation failed, and said why.
    let started = app
        .ga(&partner)
        .post(&execute_path(&partner, &only_changed), json!({}))
        .await
        .expect(202);
    let op = finished(&app, &partner, started["id"].as_str().unwrap()).await;
    assert_eq!(op["status"], "failed");
    assert_eq!(op["progress"], json!({"total": 1, "done": 1, "failed": 1}));
    // Every customer has exactly one invitation: the hand-made one for the changed customer.
    let per_customer = invitations_per_customer(&app, &partner);
    assert_eq!(
        per_customer.keys().cloned().collect::<BTreeSet<_>>(),
        customers.iter().cloned().collect()
    );
    assert!(per_customer.values().all(|n| *n == 1));
}

#[tokio::test]
async fn r28_another_partner_cannot_execute_or_read_and_roles_are_checked() {
    let app = TestApp::spawn_with(|a| a.senders = "off".into()).await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let other = app.partnered(&provider).await;
    app.direct_customer(&partner, false).await;
    let id = plan(&app, &partner, json!({"provider_id": provider})).await;
    app.ga(&other)
        .post(&execute_path(&partner, &id), json!({}))
        .await
        .expect_problem(403, "tenant_mismatch");
    app.ga(&other)
        .post(&execute_path(&other, &id), json!({}))
        .await
        .expect_problem(404, "not_found");
    app.as_(&partner, &["SalesAgent"])
        .post(&execute_path(&partner, &id), json!({}))
        .await
        .expect_problem(403, "forbidden");
    app.ga(&partner)
        .post(&execute_path(&partner, &id), json!({"now": true}))
        .await
        .expect_problem(422, "validation_failed");
    let op = app
        .ga(&partner)
        .post(&execute_path(&partner, &id), json!({}))
        .await
        .expect(202);
    let op_path = format!("/v1/operations/{}", op["id"].as_str().unwrap());
    // Any role of the partner reads it; another tenant cannot tell it exists.
    app.as_(&partner, &["SalesAgent"])
        .get(&op_path)
        .await
        .expect(200);
    app.ga(&other)
        .get(&op_path)
        .await
        .expect_problem(404, "not_found");
    app.ga(&provider)
        .get(&op_path)
        .await
        .expect_problem(404, "not_found");
    app.ga(&partner)
        .get(&format!("/v1/operations/{}", uuid::Uuid::new_v4()))
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r37_two_replicas_share_one_operation_and_invite_each_customer_once() {
    let app = TestApp::spawn_with(|a| a.senders = "off".into()).await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let mut customers = BTreeSet::new();
    for _ in 0..30 {
        customers.insert(app.direct_customer(&partner, false).await);
    }
    let id = plan(&app, &partner, json!({"provider_id": provider})).await;
    let op = app
        .ga(&partner)
        .post(&execute_path(&partner, &id), json!({}))
        .await
        .expect(202);
    let workers: Vec<Replica> = (0..2).map(|_| app.replica(|s| s.senders = true)).collect();
    let op = finished(&app, &partner, op["id"].as_str().unwrap()).await;
    assert_eq!(op["status"], "succeeded");
    assert_eq!(
        op["progress"],
        json!({"total": 30, "done": 30, "failed": 0})
    );
    let per_customer = invitations_per_customer(&app, &partner);
    assert_eq!(
        per_customer.keys().cloned().collect::<BTreeSet<_>>(),
        customers
    );
    assert!(per_customer.values().all(|n| *n == 1), "{per_customer:?}");
    let events = events_of(&app, &partner).await;
    assert_eq!(count(&events, "customer_invitation.sent"), 30);
    assert_eq!(count(&events, "operation.finished"), 1);
    for w in workers {
        w.stop().await;
    }
}
