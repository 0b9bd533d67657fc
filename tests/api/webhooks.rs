//! R35: webhooks to a real receiver: every event delivered, signed per Standard Webhooks and
//! verified here from the specification; retries on the schedule (test clock), disabling after
//! 3 days of failures, replay, rotation, SSRF refusals, isolation, and two replicas sending each
//! delivery once between them.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::receiver::{Mode, Receiver, verify};

/// Creates an endpoint for `tenant` (its GlobalAdmin) and answers (id, secret).
async fn endpoint(app: &TestApp, tenant: &str, url: &str, types: Value) -> (String, String) {
    let e = app
        .ga(tenant)
        .post(
            "/v1/webhook-endpoints",
            json!({"url": url, "event_types": types}),
        )
        .await
        .expect(201);
    assert!(e["secret"].as_str().unwrap().starts_with("whsec_"));
    (
        e["id"].as_str().unwrap().to_owned(),
        e["secret"].as_str().unwrap().to_owned(),
    )
}

async fn deliveries(app: &TestApp, tenant: &str, endpoint: &str) -> Vec<Value> {
    app.ga(tenant)
        .get(&format!(
            "/v1/webhook-endpoints/{endpoint}/deliveries?limit=200"
        ))
        .await
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Waits (real time, for the background sender) until the only delivery has `n` attempts.
async fn attempted(app: &TestApp, tenant: &str, endpoint: &str, n: i64) -> Value {
    for _ in 0..200 {
        let all = deliveries(app, tenant, endpoint).await;
        if let Some(d) = all.iter().find(|d| d["attempts"].as_i64() == Some(n)) {
            return d.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!(
        "no delivery reached {n} attempts: {:?}",
        deliveries(app, tenant, endpoint).await
    );
}

fn at(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

/// Seconds from the attempt (its `webhook-timestamp`) to the next one.
fn wait_after(delivery: &Value, sent_at: i64) -> i64 {
    at(&delivery["next_attempt_at"]).timestamp() - sent_at
}

#[tokio::test]
async fn r35_every_event_of_the_walk_through_is_delivered_signed_as_the_feed_shows_it() {
    let app = TestApp::with_webhooks().await;
    let receiver = Receiver::start().await;
    let provider = app.provider().await;
    let (provider_hook, provider_secret) =
        endpoint(&app, &provider, &receiver.url, json!(["*"])).await;
    let partner = app.walk_through(&provider).await.partner;

    // The provider's endpoint existed before: it got every later event, live.
    let provider_feed = app.ga(&provider).get("/v1/events").await.expect(200)["items"]
        .as_array()
        .unwrap()
        .clone();
    let live: Vec<&Value> = provider_feed.iter().skip(1).collect();
    let got = receiver.wait_for(live.len()).await;
    assert_eq!(
        deliveries(&app, &provider, &provider_hook).await.len(),
        live.len()
    );
    // The partner's endpoint, made afterwards, gets its whole feed by replay.
    let partner_receiver = Receiver::start().await;
    let (partner_hook, partner_secret) =
        endpoint(&app, &partner, &partner_receiver.url, json!(["*"])).await;
    app.ga(&partner)
        .post(
            &format!("/v1/webhook-endpoints/{partner_hook}/replay"),
            json!({"after_sequence": 0}),
        )
        .await
        .expect(202);
    let partner_feed = app
        .ga(&partner)
        .get("/v1/events?limit=200")
        .await
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(partner_feed.len(), 17, "the walk-through's events");
    let replayed = partner_receiver.wait_for(partner_feed.len()).await;

    for (feed, received, secret) in [
        (
            live.into_iter().cloned().collect::<Vec<_>>(),
            got,
            &provider_secret,
        ),
        (partner_feed, replayed, &partner_secret),
    ] {
        let by_id: HashMap<String, Value> = received
            .iter()
            .map(|r| {
                assert!(verify(secret, r), "signature of {}", r.header("webhook-id"));
                assert_eq!(r.header("content-type"), "application/json");
                assert!(r.header("webhook-timestamp").parse::<i64>().is_ok());
                assert_eq!(r.json()["id"], r.header("webhook-id"));
                (r.header("webhook-id").to_owned(), r.json())
            })
            .collect();
        assert_eq!(by_id.len(), feed.len(), "each event once");
        for event in &feed {
            assert_eq!(
                by_id[event["id"].as_str().unwrap()],
                *event,
                "delivered as the feed shows it"
            );
        }
    }
    // The receiver has them; the sender records each success right after.
    for _ in 0..200 {
        let all = deliveries(&app, &partner, &partner_hook).await;
        if all.iter().all(|d| d["status"] == "succeeded") {
            assert!(
                all.iter()
                    .all(|d| d["attempts"] == 1 && d["last_status_code"] == 204)
            );
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("not all deliveries succeeded");
}

#[tokio::test]
async fn r35_failures_are_retried_on_a_growing_schedule_after_500s_timeouts_and_garbage() {
    let app = TestApp::with_webhooks().await;
    let receiver = Receiver::start().await;
    let partner = app.partner().await;
    let (hook, _) = endpoint(&app, &partner, &receiver.url, json!(["*"])).await;
    receiver.answer(Mode::Status(500));
    app.ga(&partner)
        .post_empty(&format!("/v1/webhook-endpoints/{hook}/test"))
        .await
        .expect(202);
    let sent = receiver.wait_for(1).await;
    let first = attempted(&app, &partner, &hook, 1).await;
    assert_eq!(
        (first["status"].clone(), first["last_status_code"].clone()),
        (json!("pending"), json!(500))
    );
    let ts = |r: &crate::receiver::Received| r.header("webhook-timestamp").parse::<i64>().unwrap();
    let wait1 = wait_after(&first, ts(&sent[0]));
    assert!((4..=6).contains(&wait1), "about 5 s, was {wait1}");

    // Not retried before it is due.
    app.advance(Duration::seconds(2));
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(receiver.received().len(), 1);

    receiver.answer(Mode::Hang);
    app.advance(Duration::seconds(8));
    let sent = receiver.wait_for(2).await;
    let second = attempted(&app, &partner, &hook, 2).await;
    assert!(
        second["last_error"].as_str().unwrap().contains("no answer"),
        "{second}"
    );
    assert_eq!(second["last_status_code"], Value::Null);
    let wait2 = wait_after(&second, ts(&sent[1]));
    assert!((48..=72).contains(&wait2), "about 1 min, was {wait2}");

    receiver.answer(Mode::Garbage);
    app.advance(Duration::seconds(75));
    let sent = receiver.wait_for(3).await;
    let third = attempted(&app, &partner, &hook, 3).await;
    assert!(third["last_error"].as_str().is_some());
    let wait3 = wait_after(&third, ts(&sent[2]));
    assert!((240..=360).contains(&wait3), "about 5 min, was {wait3}");
    assert!(wait1 < wait2 && wait2 < wait3);

    receiver.answer(Mode::Ok);
    app.advance(Duration::seconds(400));
    receiver.wait_for(4).await;
    let done = attempted(&app, &partner, &hook, 4).await;
    assert_eq!(done["status"], "succeeded");
    assert_eq!(done["next_attempt_at"], Value::Null);
    assert!(done["delivered_at"].is_string());
    let all = receiver.received();
    assert!(
        all.iter()
            .all(|r| r.header("webhook-id") == all[0].header("webhook-id"))
    );
}

#[tokio::test]
async fn r35_redirects_are_not_followed() {
    let app = TestApp::with_webhooks().await;
    let receiver = Receiver::start().await;
    let partner = app.partner().await;
    let (hook, _) = endpoint(&app, &partner, &receiver.url, json!(["*"])).await;
    receiver.answer(Mode::Redirect);
    app.ga(&partner)
        .post_empty(&format!("/v1/webhook-endpoints/{hook}/test"))
        .await
        .expect(202);
    let d = attempted(&app, &partner, &hook, 1).await;
    assert_eq!(
        (d["status"].clone(), d["last_status_code"].clone()),
        (json!("pending"), json!(302))
    );
    let paths: Vec<String> = receiver.received().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, vec!["/hooks".to_owned()]);
}

#[tokio::test]
async fn r35_an_endpoint_failing_for_3_days_is_disabled_with_an_event_and_an_e_mail() {
    let app = TestApp::with_webhooks().await;
    let receiver = Receiver::start().await;
    let partner = app.partner().await;
    let (hook, _) = endpoint(&app, &partner, &receiver.url, json!(["*"])).await;
    receiver.answer(Mode::Status(503));
    for day in 0..4 {
        app.ga(&partner)
            .post_empty(&format!("/v1/webhook-endpoints/{hook}/test"))
            .await
            .expect(202);
        receiver.wait_for(day + 1).await;
        let failed = deliveries(&app, &partner, &hook).await;
        assert_eq!(failed.len(), day + 1);
        // Each new test delivery fails once before the clock moves on.
        for _ in 0..200 {
            let done = deliveries(&app, &partner, &hook).await;
            if done.iter().all(|d| d["attempts"].as_i64() >= Some(1)) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let e = app
            .ga(&partner)
            .get(&format!("/v1/webhook-endpoints/{hook}"))
            .await
            .expect(200);
        if day < 3 {
            assert_eq!(e["enabled"], true, "day {day}");
            app.advance(Duration::hours(25));
        } else {
            assert_eq!(
                (e["enabled"].clone(), e["disabled_reason"].clone()),
                (json!(false), json!("failing"))
            );
        }
    }
    let feed = app
        .ga(&partner)
        .get("/v1/events?type=webhook_endpoint.disabled")
        .await
        .expect(200);
    let disabled = &feed["items"][0];
    assert_eq!(disabled["subject"]["id"], hook.as_str());
    assert_eq!(disabled["actor"]["sub"], "system:webhook-sender");
    assert!(
        disabled["data"].get("secret").is_none(),
        "no event carries a secret"
    );
    let notes = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/notifications"))
        .await
        .expect(200);
    let note = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "webhook_endpoint_disabled")
        .expect("an e-mail to the partner");
    assert_eq!(note["to"], "ops@contoso.com");
    assert_eq!(note["event_id"], disabled["id"]);
    // A disabled endpoint cannot be tested; enabled again, it can.
    app.ga(&partner)
        .post_empty(&format!("/v1/webhook-endpoints/{hook}/test"))
        .await
        .expect_problem(409, "invalid_state");
    let on = app
        .ga(&partner)
        .patch(
            &format!("/v1/webhook-endpoints/{hook}"),
            json!({"enabled": true}),
        )
        .await
        .expect(200);
    assert_eq!(
        (on["enabled"].clone(), on["disabled_reason"].clone()),
        (json!(true), Value::Null)
    );
}

#[tokio::test]
async fn r35_a_rotated_secret_signs_beside_the_new_one_for_24_hours() {
    let app = TestApp::with_webhooks().await;
    let receiver = Receiver::start().await;
    let partner = app.partner().await;
    let (hook, old) = endpoint(&app, &partner, &receiver.url, json!(["*"])).await;
    let rotated = app
        .ga(&partner)
        .post_empty(&format!("/v1/webhook-endpoints/{hook}/rotate-secret"))
        .await
        .expect(200);
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let read = app
        .ga(&partner)
        .get(&format!("/v1/webhook-endpoints/{hook}"))
        .await
        .expect(200);
    assert!(read.get("secret").is_none(), "shown only when made");
    let test = format!("/v1/webhook-endpoints/{hook}/test");
    app.ga(&partner).post_empty(&test).await.expect(202);
    let during = receiver.wait_for(1).await.remove(0);
    assert_eq!(during.header("webhook-signature").split(' ').count(), 2);
    assert!(verify(&old, &during) && verify(&new, &during));
    app.advance(Duration::hours(25));
    app.ga(&partner).post_empty(&test).await.expect(202);
    let after = receiver.wait_for(2).await.remove(1);
    assert!(verify(&new, &after) && !verify(&old, &after));
}

#[tokio::test]
async fn r35_only_the_chosen_types_are_delivered_and_a_test_goes_to_its_endpoint_only() {
    let app = TestApp::with_webhooks().await;
    let (all, some) = (Receiver::start().await, Receiver::start().await);
    let partner = app.partner().await;
    let (all_hook, _) = endpoint(&app, &partner, &all.url, json!(["*"])).await;
    endpoint(&app, &partner, &some.url, json!(["enrollment.submitted"])).await;
    app.ga(&partner)
        .post_empty(&format!("/v1/webhook-endpoints/{all_hook}/test"))
        .await
        .expect(202);
    app.ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/indirect-reseller-enrollment"),
            json!({}),
        )
        .await
        .expect(201);
    let types = |r: &Receiver| -> Vec<String> {
        let mut t: Vec<String> = r
            .received()
            .iter()
            .map(|x| x.json()["type"].as_str().unwrap().to_owned())
            .collect();
        t.sort();
        t
    };
    all.wait_for(4).await;
    some.wait_for(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(
        types(&all),
        vec![
            "enrollment.approved",
            "enrollment.submitted",
            "incentive.invited",
            "webhook.test"
        ]
    );
    assert_eq!(types(&some), vec!["enrollment.submitted"]);
}

#[tokio::test]
async fn r35_internal_and_non_https_urls_are_refused_without_webhook_allow_private() {
    let app = TestApp::spawn().await;
    let partner = app.partner().await;
    for url in [
        "http://hooks.example.com/x",
        "https://127.0.0.1/x",
        "https://localhost:8443/x",
        "https://[::1]/x",
        "https://10.1.2.3/x",
        "https://169.254.169.254/latest/meta-data",
        "https://[fd00::1]/x",
        "https://user:pw@hooks.example.com/x",
    ] {
        let r = app
            .ga(&partner)
            .post(
                "/v1/webhook-endpoints",
                json!({"url": url, "event_types": ["*"]}),
            )
            .await;
        r.expect_problem(422, "webhook_url_refused");
        assert_eq!(r.error_fields(), vec!["url"], "{url}");
    }
    for (body, field) in [
        (
            json!({"url": "https://h.example.com", "event_types": []}),
            "event_types",
        ),
        (
            json!({"url": "https://h.example.com", "event_types": [""]}),
            "event_types",
        ),
        (
            json!({"url": "https://h.example.com", "event_types": ["partner.deleted"]}),
            "event_types",
        ),
    ] {
        let r = app.ga(&partner).post("/v1/webhook-endpoints", body).await;
        r.expect_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec![field]);
    }
}

#[tokio::test]
async fn r28_r35_endpoints_are_the_tenants_own_and_global_admins_only() {
    let app = TestApp::with_webhooks().await;
    let receiver = Receiver::start().await;
    let (a, b) = (app.partner().await, app.partner().await);
    let (hook, _) = endpoint(&app, &a, &receiver.url, json!(["*"])).await;
    let path = format!("/v1/webhook-endpoints/{hook}");
    let other = app.ga(&b);
    other.get(&path).await.expect_problem(404, "not_found");
    other
        .patch(&path, json!({"enabled": false}))
        .await
        .expect_problem(404, "not_found");
    other
        .post_empty(&format!("{path}/test"))
        .await
        .expect_problem(404, "not_found");
    other
        .post_empty(&format!("{path}/rotate-secret"))
        .await
        .expect_problem(404, "not_found");
    other
        .post(&format!("{path}/replay"), json!({"after_sequence": 0}))
        .await
        .expect_problem(404, "not_found");
    other
        .get(&format!("{path}/deliveries"))
        .await
        .expect_problem(404, "not_found");
    other.delete(&path).await.expect_problem(404, "not_found");
    let listed = other.get("/v1/webhook-endpoints").await.expect(200);
    assert_eq!(listed["items"], json!([]));
    app.as_(&a, &["AdminAgent"])
        .get("/v1/webhook-endpoints")
        .await
        .expect_problem(403, "forbidden");
    app.anonymous()
        .get("/v1/webhook-endpoints")
        .await
        .expect_problem(401, "unauthenticated");
    // The owner deletes it; it is gone.
    let deleted = app.ga(&a).delete(&path).await;
    assert_eq!(deleted.status, 204);
    app.ga(&a).get(&path).await.expect_problem(404, "not_found");
}

/// Two replicas on one database, both sending: every delivery arrives once between them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r35_two_replicas_deliver_each_event_once_between_them() {
    let app = TestApp::with_webhooks().await;
    let _second = app.replica(|_| {});
    let receiver = Receiver::start().await;
    let partner = app.partner().await;
    let (hook, _) = endpoint(&app, &partner, &receiver.url, json!(["*"])).await;
    let test = format!("/v1/webhook-endpoints/{hook}/test");
    for _ in 0..40 {
        app.ga(&partner).post_empty(&test).await.expect(202);
    }
    let got = receiver.wait_for(40).await;
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let mut ids: Vec<String> = receiver
        .received()
        .iter()
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(
        (got.len(), ids.len(), receiver.received().len()),
        (40, 40, 40)
    );
}

/// A replica with `SENDERS=off` only serves: what it writes waits in the database, and the next
/// replica that sends picks it up; that replica checks the address again when it sends (SSRF).
#[tokio::test]
async fn r35_deliveries_wait_for_a_sending_replica_which_checks_the_address_again() {
    let app = TestApp::spawn_full(
        |a| {
            a.webhook_allow_private = "true".into();
            a.senders = "off".into();
        },
        |_| {},
    )
    .await;
    let receiver = Receiver::start().await;
    let partner = app.partner().await;
    let (hook, _) = endpoint(&app, &partner, &receiver.url, json!(["*"])).await;
    app.ga(&partner)
        .post_empty(&format!("/v1/webhook-endpoints/{hook}/test"))
        .await
        .expect(202);
    tokio::time::sleep(std::time::Duration::from_millis(600)).await;
    assert!(receiver.received().is_empty(), "no sender runs");
    assert_eq!(deliveries(&app, &partner, &hook).await[0]["attempts"], 0);

    // A sending replica that does not allow private addresses refuses to send there.
    let strict = app.replica(|s| {
        s.senders = true;
        s.webhook_allow_private = false;
    });
    let refused = attempted(&app, &partner, &hook, 1).await;
    // (http:// to a loopback address: refused as not https before its address is looked at)
    assert_eq!(refused["last_error"], "url must be an https:// URL");
    assert!(receiver.received().is_empty());

    // Once it is gone, one that allows them delivers the retry when it is due.
    strict.stop().await;
    let _open = app.replica(|s| s.senders = true);
    app.advance(Duration::seconds(10));
    receiver.wait_for(1).await;
    let done = attempted(&app, &partner, &hook, 2).await;
    assert_eq!(done["status"], "succeeded");
}
