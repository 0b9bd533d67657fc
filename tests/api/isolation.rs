//! R28 on every partner and provider endpoint: another tenant gets 403 `tenant_mismatch` on a
//! path naming the owner, and 404 for objects reached through its own path; nothing leaks.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, token_of};

struct World {
    provider: String,
    partner: String,
    customer: String,
    invitation: String,
    token: String,
    intruder: String,
    intruder_provider: String,
}

async fn world(app: &TestApp) -> World {
    let provider = app.provider().await;
    let (partner, customer, inv) = app.move_invitation(&provider).await;
    let intruder_provider = app.provider().await;
    let intruder = app.partnered(&intruder_provider).await;
    World {
        provider,
        partner,
        customer,
        invitation: inv["id"].as_str().unwrap().to_owned(),
        token: token_of(&inv["link"]),
        intruder,
        intruder_provider,
    }
}

#[tokio::test]
async fn r28_paths_naming_another_tenant_are_tenant_mismatch() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let (p, c, i, pr) = (&w.partner, &w.customer, &w.invitation, &w.provider);
    let cases: Vec<(reqwest::Method, String, Option<Value>)> = vec![
        (
            reqwest::Method::GET,
            format!("/v1/partners/{p}/partnership-invitations"),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/v1/partners/{p}/indirect-providers"),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/v1/partners/{p}/customers"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/v1/partners/{p}/customers"),
            Some(json!({"company_name": "X", "domain": "x.example"})),
        ),
        (
            reqwest::Method::GET,
            format!("/v1/partners/{p}/customers/{c}"),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/v1/partners/{p}/customers/{c}/capabilities"),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/v1/partners/{p}/customer-invitations"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/v1/partners/{p}/customer-invitations"),
            Some(json!({"provider_id": pr})),
        ),
        (
            reqwest::Method::PUT,
            format!("/v1/partners/{p}/customer-invitations/{i}/email"),
            Some(json!({"subject": "s", "body": "b"})),
        ),
        (
            reqwest::Method::POST,
            format!("/v1/partners/{p}/customer-invitations/{i}/done"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/v1/partners/{p}/customer-invitations/{i}/revoke"),
            None,
        ),
        (
            reqwest::Method::GET,
            format!("/v1/indirect-providers/{pr}/resellers"),
            None,
        ),
        (
            reqwest::Method::POST,
            format!("/v1/indirect-providers/{pr}/customers"),
            Some(json!({"reseller_partner_id": p, "company_name": "X", "domain": "x.example"})),
        ),
        (
            reqwest::Method::POST,
            format!("/v1/indirect-providers/{pr}/partnership-invitations"),
            Some(json!({"partner_id": w.intruder})),
        ),
    ];
    for intruder in [&w.intruder, &w.intruder_provider] {
        for (method, path, body) in &cases {
            let r = app
                .ga(intruder)
                .send(method.clone(), path, body.clone())
                .await;
            assert_eq!(
                (r.status, r.code()),
                (403, "tenant_mismatch"),
                "{method} {path}: {}",
                r.body
            );
            assert!(
                !r.body.to_string().contains("Fourth Coffee"),
                "{method} {path} leaks"
            );
        }
    }
    // Nothing was changed by the refused calls.
    let inv = app
        .ga(p)
        .get(&format!("/v1/partners/{p}/customer-invitations"))
        .await
        .expect(200);
    assert_eq!(inv["items"][0]["status"], "draft");
}

#[tokio::test]
async fn r28_other_tenants_objects_through_ones_own_path_are_not_found() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let (x, c, i) = (&w.intruder, &w.customer, &w.invitation);
    let ga = app.ga(x);
    ga.get(&format!("/v1/partners/{x}/customers/{c}"))
        .await
        .expect_problem(404, "not_found");
    ga.get(&format!("/v1/partners/{x}/customers/{c}/capabilities"))
        .await
        .expect_problem(404, "not_found");
    ga.put(
        &format!("/v1/partners/{x}/customer-invitations/{i}/email"),
        json!({"subject": "s", "body": "b"}),
    )
    .await
    .expect_problem(404, "not_found");
    ga.post_empty(&format!("/v1/partners/{x}/customer-invitations/{i}/done"))
        .await
        .expect_problem(404, "not_found");
    ga.post_empty(&format!("/v1/partners/{x}/customer-invitations/{i}/revoke"))
        .await
        .expect_problem(404, "not_found");
    // Inviting another partner's customer reveals nothing either.
    let r = ga
        .post(
            &format!("/v1/partners/{x}/customer-invitations"),
            json!({"provider_id": w.intruder_provider, "customer_id": c}),
        )
        .await;
    r.expect_problem(404, "not_found");
    // A partnership invitation of another partner: declining it is 404, as accepting is.
    let (pid, ptoken) = app.invite_partner(&w.intruder_provider, &w.partner).await;
    ga.post(
        &format!("/v1/partnership-invitations/{pid}/decline"),
        json!({"token": ptoken}),
    )
    .await
    .expect_problem(404, "not_found");
    // Without the token, a link shows nothing.
    ga.get(&format!("/v1/customer-invitations/{i}?token=guess"))
        .await
        .expect_problem(404, "invalid_invitation_token");
    // An unknown id answers as a wrong token: ids cannot be probed (API.md "Secrets at rest").
    ga.get(&format!(
        "/v1/customer-invitations/{}?token={}",
        Uuid::new_v4(),
        w.token
    ))
    .await
    .expect_problem(404, "invalid_invitation_token");
    assert_eq!(
        app.ga(&w.partner)
            .get(&format!("/v1/partners/{}/customer-invitations", w.partner))
            .await
            .expect(200)["items"][0]["status"],
        "draft"
    );
}
