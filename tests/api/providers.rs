//! R14, R15: the provider directory and partnerships.

use chrono::Duration;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::TestApp;

#[tokio::test]
async fn r14_the_directory_filters_by_region_and_service_and_pages() {
    let app = TestApp::spawn().await;
    let de = app.provider().await;
    let us = Uuid::new_v4().to_string();
    app.operator()
        .post("/v1/indirect-providers", json!({"tenant_id": us, "name": "Contoso Supply", "regions": ["US"], "services": ["financing_and_credit"], "contact_email": "p@supply.example"}))
        .await
        .expect(201);
    let partner = app.indirect_partner().await;
    let ga = app.as_(&partner, &["SalesAgent"]);
    let all = ga.get("/v1/indirect-providers").await.expect(200);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let ids = |v: &serde_json::Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["tenant_id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(&ga.get("/v1/indirect-providers?region=DE").await.expect(200)),
        vec![de.clone()]
    );
    // The enum's codes exactly: the document lists them in upper case.
    ga.get("/v1/indirect-providers?region=de")
        .await
        .expect_problem(400, "bad_request");
    assert_eq!(
        ids(&ga
            .get("/v1/indirect-providers?service=financing_and_credit")
            .await
            .expect(200)),
        vec![us.clone()]
    );
    assert_eq!(
        ids(&ga
            .get("/v1/indirect-providers?region=DE&service=financing_and_credit")
            .await
            .expect(200)),
        Vec::<String>::new()
    );
    let first = ga.get("/v1/indirect-providers?limit=1").await.expect(200);
    let next = ga
        .get(&format!(
            "/v1/indirect-providers?limit=1&cursor={}",
            first["next_cursor"].as_str().unwrap()
        ))
        .await
        .expect(200);
    assert_eq!(ids(&first).len() + ids(&next).len(), 2);
    assert_ne!(ids(&first), ids(&next));
    ga.get("/v1/indirect-providers?region=Germany")
        .await
        .expect_problem(400, "bad_request");
    ga.get("/v1/indirect-providers?service=catering")
        .await
        .expect_problem(400, "bad_request");
    let one = ga
        .get(&format!("/v1/indirect-providers/{de}"))
        .await
        .expect(200);
    assert_eq!(one["regions"], json!(["AT", "DE"]));
    assert_eq!(one["services"], json!(["technical_training", "marketing"]));
    ga.get(&format!("/v1/indirect-providers/{}", Uuid::new_v4()))
        .await
        .expect_problem(404, "not_found");
    let before = app.partner().await;
    app.ga(&before)
        .get(&format!("/v1/indirect-providers/{de}"))
        .await
        .expect_problem(403, "indirect_reseller_not_active");
}

#[tokio::test]
async fn providers_are_registered_by_the_operator_once() {
    let app = TestApp::spawn().await;
    let id = app.provider().await;
    let again = json!({"tenant_id": id, "name": "N", "regions": ["DE"], "services": ["marketing"], "contact_email": "a@b.example"});
    app.operator()
        .post("/v1/indirect-providers", again.clone())
        .await
        .expect_problem(409, "provider_exists");
    app.ga(&id)
        .post("/v1/indirect-providers", again)
        .await
        .expect_problem(403, "forbidden");
    let partner = app.partner().await;
    let as_partner = json!({"tenant_id": partner, "name": "N", "regions": ["DE"], "services": ["marketing"], "contact_email": "a@b.example"});
    app.operator()
        .post("/v1/indirect-providers", as_partner)
        .await
        .expect_problem(409, "partner_exists");
    let bad = app.operator().post("/v1/indirect-providers", json!({"tenant_id": Uuid::new_v4(), "name": "N", "regions": [], "services": ["catering"], "contact_email": "x"})).await;
    bad.expect_problem(422, "validation_failed");
}

#[tokio::test]
async fn r15_a_provider_invites_and_the_global_admin_accepts_with_the_token() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.indirect_partner().await;
    let inv = app
        .as_(&provider, &["AdminAgent"])
        .post(
            &format!("/v1/indirect-providers/{provider}/partnership-invitations"),
            json!({"partner_id": partner, "message": "Welcome"}),
        )
        .await
        .expect(201);
    let link = inv["link"].as_str().unwrap();
    let token = link.split("token=").nth(1).unwrap();
    assert!(link.starts_with(&format!(
        "{}/v1/partnership-invitations/{}?token=",
        app.base,
        inv["id"].as_str().unwrap()
    )));
    assert_eq!(token.len(), 43, "32 random bytes, base64url");
    assert_eq!(
        inv["email"]["to"], "ops@contoso.com",
        "the partner's primary contact"
    );
    assert!(inv["email"]["body"].as_str().unwrap().contains(link));
    assert_eq!(inv["status"], "pending");
    let id = inv["id"].as_str().unwrap();
    // The partner sees it (without the token) and in its notifications (R30).
    let listed = app
        .as_(&partner, &["HelpdeskAgent"])
        .get(&format!(
            "/v1/partners/{partner}/partnership-invitations?status=pending"
        ))
        .await
        .expect(200);
    assert_eq!(listed["items"][0]["id"], id);
    assert!(
        listed["items"][0].get("link").is_none() && !listed.to_string().contains(token),
        "no token in lists"
    );
    let notes = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/notifications"))
        .await
        .expect(200);
    assert!(
        notes["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "partnership_invitation")
    );
    // Anyone holding the link can see what it offers.
    let view = app
        .as_(&partner, &["HelpdeskAgent"])
        .get(&format!("/v1/partnership-invitations/{id}?token={token}"))
        .await
        .expect(200);
    assert_eq!(view["provider_name"], "Northwind Distribution");
    app.ga(&partner)
        .get(&format!("/v1/partnership-invitations/{id}?token=wrong"))
        .await
        .expect_problem(404, "invalid_invitation_token");
    // Only the GlobalAdmin, with the right token.
    app.as_(&partner, &["AdminAgent"])
        .post(
            &format!("/v1/partnership-invitations/{id}/accept"),
            json!({"token": token}),
        )
        .await
        .expect_problem(403, "forbidden");
    app.ga(&partner)
        .post(
            &format!("/v1/partnership-invitations/{id}/accept"),
            json!({"token": "wrong"}),
        )
        .await
        .expect_problem(404, "invalid_invitation_token");
    let other = app.indirect_partner().await;
    app.ga(&other)
        .post(
            &format!("/v1/partnership-invitations/{id}/accept"),
            json!({"token": token}),
        )
        .await
        .expect_problem(404, "not_found");
    let rel = app
        .ga(&partner)
        .post(
            &format!("/v1/partnership-invitations/{id}/accept"),
            json!({"token": token}),
        )
        .await
        .expect(200);
    assert_eq!(
        (
            rel["provider_id"].as_str(),
            rel["provider_name"].as_str(),
            rel["status"].as_str()
        ),
        (
            Some(provider.as_str()),
            Some("Northwind Distribution"),
            Some("active")
        )
    );
    app.ga(&partner)
        .post(
            &format!("/v1/partnership-invitations/{id}/accept"),
            json!({"token": token}),
        )
        .await
        .expect_problem(409, "invalid_state");
    let list = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/indirect-providers"))
        .await
        .expect(200);
    assert_eq!(list["items"][0]["provider_name"], "Northwind Distribution");
    let resellers = app
        .as_(&provider, &["HelpdeskAgent"])
        .get(&format!("/v1/indirect-providers/{provider}/resellers"))
        .await
        .expect(200);
    assert_eq!(resellers["items"][0]["partner_id"], partner.as_str());
    app.ga(&partner)
        .get(&format!("/v1/indirect-providers/{provider}/resellers"))
        .await
        .expect_problem(403, "tenant_mismatch");
    assert_eq!(
        app.ga(&partner)
            .get(&format!("/v1/partners/{partner}/program-info"))
            .await
            .expect(200)["next_step"],
        "invite_customers"
    );
    // Duplicates.
    let again = app
        .ga(&provider)
        .post(
            &format!("/v1/indirect-providers/{provider}/partnership-invitations"),
            json!({"partner_id": partner}),
        )
        .await;
    again.expect_problem(409, "relationship_exists");
}

#[tokio::test]
async fn r15_duplicates_expiry_and_decline() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.indirect_partner().await;
    let (id, token) = app.invite_partner(&provider, &partner).await;
    let dup = app
        .ga(&provider)
        .post(
            &format!("/v1/indirect-providers/{provider}/partnership-invitations"),
            json!({"partner_id": partner}),
        )
        .await;
    dup.expect_problem(409, "invitation_pending");
    app.ga(&partner)
        .post(
            &format!("/v1/indirect-providers/{provider}/partnership-invitations"),
            json!({"partner_id": partner}),
        )
        .await
        .expect_problem(403, "tenant_mismatch");
    app.advance(Duration::days(31));
    app.ga(&partner)
        .post(
            &format!("/v1/partnership-invitations/{id}/accept"),
            json!({"token": token}),
        )
        .await
        .expect_problem(410, "invitation_expired");
    let expired = app
        .ga(&partner)
        .get(&format!(
            "/v1/partners/{partner}/partnership-invitations?status=expired"
        ))
        .await
        .expect(200);
    assert_eq!(expired["items"][0]["id"], id.as_str());
    // Once expired, a new invitation may be sent; this one is declined.
    let (id2, token2) = app.invite_partner(&provider, &partner).await;
    let declined = app
        .ga(&partner)
        .post(
            &format!("/v1/partnership-invitations/{id2}/decline"),
            json!({"token": token2}),
        )
        .await
        .expect(200);
    assert_eq!(declined["status"], "declined");
    app.ga(&partner)
        .post(
            &format!("/v1/partnership-invitations/{id2}/accept"),
            json!({"token": token2}),
        )
        .await
        .expect_problem(409, "invalid_state");
    let list = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/indirect-providers"))
        .await
        .expect(200);
    assert_eq!(list["items"], json!([]));
}

#[tokio::test]
async fn r12_partners_without_the_agreement_cannot_be_invited() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partner().await;
    let path = format!("/v1/indirect-providers/{provider}/partnership-invitations");
    // A partner without the agreement looks like no partner at all to a provider.
    let r = app
        .ga(&provider)
        .post(&path, json!({"partner_id": partner}))
        .await;
    r.expect_problem(404, "not_found");
    assert!(
        !r.body.to_string().contains("ops@contoso.com"),
        "nothing of the partner leaks"
    );
    let unknown = app
        .ga(&provider)
        .post(&path, json!({"partner_id": Uuid::new_v4()}))
        .await;
    assert_eq!(
        (unknown.status, &unknown.body["detail"]),
        (404, &r.body["detail"]),
        "same answer as for an unknown id"
    );
    app.ga(&partner)
        .get(&format!("/v1/partners/{partner}/indirect-providers"))
        .await
        .expect_problem(403, "indirect_reseller_not_active");
}
