//! `Idempotency-Key`: retries replay the first answer; a reused key with another request is 422.

use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::TestApp;

fn partner_body(id: &str) -> serde_json::Value {
    json!({"tenant_id": id, "company_name": "Contoso Ltd", "region": "DE"})
}

#[tokio::test]
async fn a_retry_with_the_same_key_replays_the_first_answer() {
    let app = TestApp::spawn().await;
    let id = Uuid::new_v4().to_string();
    let key = [("Idempotency-Key", "create-contoso-1")];
    let first = app
        .operator()
        .send_with(Method::POST, "/v1/partners", partner_body(&id), &key)
        .await;
    assert_eq!(first.status, 201);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = app
        .operator()
        .send_with(Method::POST, "/v1/partners", partner_body(&id), &key)
        .await;
    assert_eq!(
        again.status, 201,
        "replayed, not partner_exists: {}",
        again.body
    );
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    // Acted once: one registration in the audit log.
    let log = app
        .operator()
        .get(&format!("/v1/partners/{id}/audit-events"))
        .await
        .expect(200);
    assert_eq!(log["items"].as_array().unwrap().len(), 1);
    // Without the key the same request is a second attempt.
    app.operator()
        .post("/v1/partners", partner_body(&id))
        .await
        .expect_problem(409, "partner_exists");
}

#[tokio::test]
async fn the_same_key_with_another_request_is_refused() {
    let app = TestApp::spawn().await;
    let key = [("Idempotency-Key", "k-42")];
    let a = Uuid::new_v4().to_string();
    app.operator()
        .send_with(Method::POST, "/v1/partners", partner_body(&a), &key)
        .await
        .expect(201);
    let b = Uuid::new_v4().to_string();
    let r = app
        .operator()
        .send_with(Method::POST, "/v1/partners", partner_body(&b), &key)
        .await;
    r.expect_problem(422, "idempotency_key_reused");
    app.operator()
        .get(&format!("/v1/partners/{b}"))
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn keys_belong_to_the_tenant_and_errors_replay_too() {
    let app = TestApp::spawn().await;
    let a = app.partner().await;
    let b = app.partner().await;
    let key = [("Idempotency-Key", "enroll")];
    let ra = app
        .ga(&a)
        .send_with(
            Method::POST,
            &format!("/v1/partners/{a}/indirect-reseller-enrollment"),
            json!({}),
            &key,
        )
        .await;
    let rb = app
        .ga(&b)
        .send_with(
            Method::POST,
            &format!("/v1/partners/{b}/indirect-reseller-enrollment"),
            json!({}),
            &key,
        )
        .await;
    assert_eq!(
        (ra.status, rb.status),
        (201, 201),
        "one key, two tenants, two enrollments"
    );
    // A refused request is an answer as well: the retry gets the same refusal.
    let c = app.partner_with(json!({"mpn_id": null})).await;
    let path = format!("/v1/partners/{c}/indirect-reseller-enrollment");
    let first = app
        .ga(&c)
        .send_with(Method::POST, &path, json!({}), &[("Idempotency-Key", "x")])
        .await;
    first.expect_problem(422, "profile_incomplete");
    app.ga(&c)
        .patch(&format!("/v1/partners/{c}"), json!({"mpn_id": "4433221"}))
        .await
        .expect(200);
    let replay = app
        .ga(&c)
        .send_with(Method::POST, &path, json!({}), &[("Idempotency-Key", "x")])
        .await;
    replay.expect_problem(422, "profile_incomplete");
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    app.ga(&c)
        .send_with(Method::POST, &path, json!({}), &[("Idempotency-Key", "y")])
        .await
        .expect(201);
}

#[tokio::test]
async fn malformed_keys_are_400() {
    let app = TestApp::spawn().await;
    let long = "k".repeat(256);
    let r = app
        .operator()
        .send_with(
            Method::POST,
            "/v1/partners",
            partner_body(&Uuid::new_v4().to_string()),
            &[("Idempotency-Key", long.as_str())],
        )
        .await;
    r.expect_problem(400, "bad_request");
    assert_eq!(r.error_fields(), vec!["Idempotency-Key"]);
}

/// Invites a customer for `partner` with `key`, as `caller`.
async fn invite_with_key(
    caller: &crate::helpers::Caller<'_>,
    partner: &str,
    body_text: &str,
    key: &str,
) -> crate::helpers::Resp {
    caller
        .send_raw_with(
            Method::POST,
            &format!("/v1/partners/{partner}/customer-invitations"),
            "application/json",
            body_text.as_bytes().to_vec(),
            &[("Idempotency-Key", key)],
        )
        .await
}

#[tokio::test]
async fn a_caller_who_may_not_make_the_request_never_gets_a_stored_answer() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let body = json!({"provider_id": provider}).to_string();
    let first = invite_with_key(&app.ga(&partner), &partner, &body, "inv-1").await;
    assert_eq!(first.status, 201, "{}", first.body);
    // Same user (sub), same key and body, but roles that may not invite: 403, no link.
    for roles in [&["HelpdeskAgent"][..], &[][..]] {
        let r = invite_with_key(&app.as_(&partner, roles), &partner, &body, "inv-1").await;
        r.expect_problem(403, "forbidden");
        assert!(
            !r.body.to_string().contains("token="),
            "{roles:?}: {}",
            r.body
        );
    }
    // Another user of the tenant with the same key makes a request of its own.
    let other = app.with_token(crate::helpers::token_for(
        &partner,
        &["GlobalAdmin"],
        "bob@test",
    ));
    let second = invite_with_key(&other, &partner, &body, "inv-1").await;
    assert_eq!(second.status, 201, "{}", second.body);
    assert_eq!(second.header("idempotent-replayed"), None);
    assert_ne!(second.body["id"], first.body["id"], "bob's own invitation");
}

#[tokio::test]
async fn json_equal_bodies_replay_whatever_their_key_order_and_spacing() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let customer = app.direct_customer(&partner, false).await;
    let ga = app.ga(&partner);
    let a = format!(r#"{{"provider_id":"{provider}","customer_id":"{customer}"}}"#);
    let b = format!("{{ \"customer_id\" : \"{customer}\",\n  \"provider_id\": \"{provider}\" }}");
    let first = invite_with_key(&ga, &partner, &a, "move-1").await;
    assert_eq!(first.status, 201, "{}", first.body);
    let again = invite_with_key(&ga, &partner, &b, "move-1").await;
    assert_eq!((again.status, &again.body), (201, &first.body));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn put_patch_and_delete_replay_too() {
    let app = TestApp::spawn().await;
    let partner = app.partner().await;
    let ga = app.ga(&partner);
    let key = [("Idempotency-Key", "rename")];
    let path = format!("/v1/partners/{partner}");
    let first = ga
        .send_with(
            Method::PATCH,
            &path,
            json!({"company_name": "Contoso GmbH"}),
            &key,
        )
        .await
        .expect(200);
    let again = ga
        .send_with(
            Method::PATCH,
            &path,
            json!({"company_name": "Contoso GmbH"}),
            &key,
        )
        .await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, first);
    // DELETE: a withdrawn enrollment withdrawn again by a retry is the first answer, not 409.
    let manual = TestApp::spawn_with(|a| a.enrollment_review = "manual".into()).await;
    let p = manual.partner().await;
    let enroll = format!("/v1/partners/{p}/indirect-reseller-enrollment");
    manual.ga(&p).post(&enroll, json!({})).await.expect(201);
    let key = [("Idempotency-Key", "withdraw")];
    let first = manual
        .ga(&p)
        .send_with(Method::DELETE, &enroll, json!({}), &key)
        .await
        .expect(200);
    let again = manual
        .ga(&p)
        .send_with(Method::DELETE, &enroll, json!({}), &key)
        .await;
    assert_eq!((again.status, &again.body), (200, &first));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    // PUT: the e-mail edit.
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let inv = app
        .ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            json!({"provider_id": provider}),
        )
        .await
        .expect(201);
    let edit = format!(
        "/v1/partners/{partner}/customer-invitations/{}/email",
        inv["id"].as_str().unwrap()
    );
    let body =
        json!({"subject": "Hello", "body": format!("Join: {}", inv["link"].as_str().unwrap())});
    let key = [("Idempotency-Key", "edit")];
    let first = app
        .ga(&partner)
        .send_with(Method::PUT, &edit, body.clone(), &key)
        .await
        .expect(200);
    let again = app
        .ga(&partner)
        .send_with(Method::PUT, &edit, body, &key)
        .await;
    assert_eq!((again.status, &again.body), (200, &first));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
}

#[tokio::test]
async fn concurrent_duplicates_act_once() {
    let app = TestApp::spawn().await;
    let partner = app.partner().await;
    let ga = app.ga(&partner);
    let path = format!("/v1/partners/{partner}/customers");
    let body = json!({"company_name": "Fourth Coffee", "domain": "fourthcoffee.example"});
    let key = [("Idempotency-Key", "create-fourth-coffee")];
    let answers = futures::future::join_all(
        (0..16).map(|_| ga.send_with(Method::POST, &path, body.clone(), &key)),
    )
    .await;
    let fresh: Vec<_> = answers
        .iter()
        .filter(|r| r.status == 201 && r.header("idempotent-replayed").is_none())
        .collect();
    assert_eq!(fresh.len(), 1, "exactly one request acted");
    for r in &answers {
        match r.status {
            201 => assert_eq!(r.body, fresh[0].body),
            409 => {
                r.expect_problem(409, "idempotency_key_in_use");
                assert_eq!(r.header("retry-after"), Some("1"));
            }
            other => panic!("unexpected {other}: {}", r.body),
        }
    }
    let list = ga.get(&path).await.expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "one customer");
}

#[tokio::test]
async fn keys_are_purged_after_24_hours() {
    let app = TestApp::spawn().await;
    let key = [("Idempotency-Key", "daily")];
    let a = Uuid::new_v4().to_string();
    app.operator()
        .send_with(Method::POST, "/v1/partners", partner_body(&a), &key)
        .await
        .expect(201);
    app.advance(chrono::Duration::hours(25));
    // A day later the key is free again: another request with it acts.
    let b = Uuid::new_v4().to_string();
    let r = app
        .operator()
        .send_with(Method::POST, "/v1/partners", partner_body(&b), &key)
        .await;
    assert_eq!(
        (r.status, r.header("idempotent-replayed")),
        (201, None),
        "{}",
        r.body
    );
    let kept = app
        .db
        .texts("SELECT idempotency_key AS v FROM idempotency_keys");
    assert_eq!(
        kept,
        vec!["daily".to_owned()],
        "the old row is gone, the new one kept"
    );
}

#[tokio::test]
async fn a_partnership_answer_replays_only_to_roles_that_may_answer() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.indirect_partner().await;
    let (id, token) = app.invite_partner(&provider, &partner).await;
    let path = format!("/v1/partnership-invitations/{id}/accept");
    let key = [("Idempotency-Key", "accept-northwind")];
    let first = app
        .ga(&partner)
        .send_with(Method::POST, &path, json!({"token": token}), &key)
        .await
        .expect(200);
    // Same sub, same key and body, a role that may not accept: 403, not the stored answer.
    let r = app
        .as_(&partner, &["HelpdeskAgent"])
        .send_with(Method::POST, &path, json!({"token": token}), &key)
        .await;
    r.expect_problem(403, "forbidden");
    let again = app
        .ga(&partner)
        .send_with(Method::POST, &path, json!({"token": token}), &key)
        .await;
    assert_eq!((again.status, &again.body), (200, &first));
}
