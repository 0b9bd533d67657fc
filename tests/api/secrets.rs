//! Secrets at rest (API.md "Secrets at rest"): tokens never rest in clear, links are shown only to
//! the roles that may act on them, and token endpoints do not reveal which ids exist.

use base64::Engine;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{TestApp, TestDb, token_of};

/// Every stored text a token could end up in.
fn stored_texts(db: &TestDb) -> Vec<String> {
    [
        "SELECT link AS v FROM customer_invitations",
        "SELECT email_body AS v FROM customer_invitations",
        "SELECT body AS v FROM notifications",
        "SELECT COALESCE(body_sealed, '') AS v FROM notifications",
        "SELECT COALESCE(answer, '') AS v FROM idempotency_keys",
        "SELECT subject_id AS v FROM events",
        "SELECT data AS v FROM events",
    ]
    .iter()
    .flat_map(|sql| db.texts(sql))
    .collect()
}

/// A partner with a provider, a customer invitation marked done (its e-mail in the outbox), and
/// the partnership invitation it came through. Returns (partner, invitation, its token, the
/// partnership token).
async fn invitation_sent(app: &TestApp) -> (String, serde_json::Value, String, String) {
    let provider = app.provider().await;
    let (partner, ptoken) = app.partnered_by_token(&provider).await;
    let customer = app.direct_customer(&partner, false).await;
    let inv = app
        .as_(&partner, &["SalesAgent"])
        .send_with(
            Method::POST,
            &format!("/v1/partners/{partner}/customer-invitations"),
            json!({"provider_id": provider, "customer_id": customer, "customer_email": "it@fourthcoffee.example"}),
            &[("Idempotency-Key", "invite-fourth-coffee")],
        )
        .await
        .expect(201);
    let token = token_of(&inv["link"]);
    let id = inv["id"].as_str().unwrap();
    app.ga(&partner)
        .post_empty(&format!(
            "/v1/partners/{partner}/customer-invitations/{id}/done"
        ))
        .await
        .expect(200);
    (partner, inv, token, ptoken)
}

#[tokio::test]
async fn no_token_rests_in_clear_and_notifications_hide_them() {
    let app = TestApp::spawn().await;
    let (partner, inv, token, ptoken) = invitation_sent(&app).await;
    for text in stored_texts(&app.db) {
        assert!(
            !text.contains(&token) && !text.contains(&ptoken),
            "a token in clear: {text}"
        );
    }
    // The outbox keeps the whole e-mail for delivery, sealed; the list shows it without tokens.
    let notes = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/notifications"))
        .await
        .expect(200);
    let bodies: Vec<&str> = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["body"].as_str().unwrap())
        .collect();
    let invitation_mail = bodies
        .iter()
        .find(|b| {
            b.contains(&format!(
                "customer-invitations/{}",
                inv["id"].as_str().unwrap()
            ))
        })
        .expect("the customer invitation e-mail is listed");
    assert!(
        invitation_mail.contains("token=[hidden]"),
        "{invitation_mail}"
    );
    assert!(
        bodies
            .iter()
            .all(|b| !b.contains(&token) && !b.contains(&ptoken))
    );
    let sealed = app
        .db
        .texts("SELECT COALESCE(body_sealed, '') AS v FROM notifications");
    assert!(
        sealed.iter().all(|s| s.starts_with("sealed:v1:")),
        "{sealed:?}"
    );
}

#[tokio::test]
async fn links_show_only_to_roles_that_may_act_on_them() {
    let app = TestApp::spawn().await;
    let (partner, inv, token, _) = invitation_sent(&app).await;
    let path = format!("/v1/partners/{partner}/customer-invitations");
    for roles in [["GlobalAdmin"], ["AdminAgent"], ["SalesAgent"]] {
        let page = app.as_(&partner, &roles).get(&path).await.expect(200);
        let item = &page["items"][0];
        assert_eq!(item["link"], inv["link"], "{roles:?}");
        assert!(item["email"]["body"].as_str().unwrap().contains(&token));
    }
    for roles in [["HelpdeskAgent"], ["BillingAdmin"], ["IncentiveAdmin"]] {
        let page = app.as_(&partner, &roles).get(&path).await.expect(200);
        let item = &page["items"][0];
        assert_eq!(item["link"], serde_json::Value::Null, "{roles:?}");
        let body = item["email"]["body"].as_str().unwrap();
        assert!(!body.contains(&token), "{roles:?}: {body}");
        assert!(body.contains("[link hidden]"), "{roles:?}: {body}");
    }
}

#[tokio::test]
async fn token_endpoints_answer_an_unknown_id_as_a_wrong_token() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.indirect_partner().await;
    let (pid, ptoken) = app.invite_partner(&provider, &partner).await;
    let unknown = Uuid::new_v4();
    let ga = app.ga(&partner);
    for (method, path, body) in [
        (
            "GET",
            format!("/v1/partnership-invitations/{unknown}?token={ptoken}"),
            None,
        ),
        (
            "GET",
            format!("/v1/partnership-invitations/{pid}?token=wrong"),
            None,
        ),
        (
            "POST",
            format!("/v1/partnership-invitations/{unknown}/accept"),
            Some(json!({"token": ptoken})),
        ),
        (
            "POST",
            format!("/v1/partnership-invitations/{pid}/accept"),
            Some(json!({"token": "wrong"})),
        ),
        (
            "POST",
            format!("/v1/partnership-invitations/{unknown}/decline"),
            Some(json!({"token": ptoken})),
        ),
        (
            "POST",
            format!("/v1/partnership-invitations/{pid}/decline"),
            Some(json!({"token": "wrong"})),
        ),
        (
            "GET",
            format!("/v1/customer-invitations/{unknown}?token={ptoken}"),
            None,
        ),
        (
            "POST",
            format!("/v1/customer-invitations/{unknown}/accept"),
            Some(json!({"token": ptoken})),
        ),
    ] {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let r = ga.send(method.clone(), &path, body).await;
        r.expect_problem(404, "invalid_invitation_token");
        assert_eq!(
            r.body["detail"], "the invitation token does not match",
            "{method} {path}: one answer for both"
        );
    }
}

#[tokio::test]
async fn rows_written_in_clear_by_an_older_version_are_sealed_at_start() {
    let key = base64::engine::general_purpose::STANDARD.encode([42u8; 32]);
    let first_key = key.clone();
    let app = TestApp::spawn_with(move |args| args.data_key = Some(first_key)).await;
    let (partner, inv, token, _) = invitation_sent(&app).await;
    // As an older version left them: the link, the draft and the outbox e-mail in clear.
    let link = inv["link"].as_str().unwrap();
    let id = inv["id"].as_str().unwrap();
    app.db.execute(&format!(
        "UPDATE customer_invitations SET link = '{link}', email_body = 'open {link}' WHERE id = '{id}'"
    ));
    app.db.execute(&format!(
        "UPDATE notifications SET body = 'open {link}', body_sealed = NULL"
    ));
    let url = app.db.url.clone();
    let again = TestApp::spawn_with(move |args| {
        args.data_key = Some(key);
        args.database_url = url;
    })
    .await;
    for text in stored_texts(&app.db) {
        assert!(!text.contains(&token), "still in clear: {text}");
    }
    let page = again
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/customer-invitations"))
        .await
        .expect(200);
    assert_eq!(page["items"][0]["link"], inv["link"]);
    assert_eq!(page["items"][0]["email"]["body"], format!("open {link}"));
}
