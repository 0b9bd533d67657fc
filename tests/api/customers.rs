//! R16-R25: customers, customer invitations, moves, and capabilities.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, token_of};

const R23_ORDER: [&str; 11] = [
    "create_order",
    "manage_azure_reservations",
    "manage_order_history",
    "purchase_software",
    "bill_directly",
    "add_products",
    "view_products",
    "view_subscriptions",
    "manage_licenses",
    "manage_users",
    "handle_renewals",
];

fn decision(caps: &Value, action: &str) -> (bool, String) {
    let d = caps
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["action"] == action)
        .unwrap();
    (
        d["allowed"].as_bool().unwrap(),
        d["reason"].as_str().unwrap().to_owned(),
    )
}

async fn invite(app: &TestApp, partner: &str, body: Value) -> Value {
    app.ga(partner)
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            body,
        )
        .await
        .expect(201)
}

#[tokio::test]
async fn r19_direct_bill_partners_create_direct_customers() {
    let app = TestApp::spawn().await;
    let partner = app.partner().await;
    let c = app
        .as_(&partner, &["SalesAgent"])
        .post(
            &format!("/v1/partners/{partner}/customers"),
            json!({"company_name": "Fourth Coffee", "domain": "FourthCoffee.onmicrosoft.com"}),
        )
        .await
        .expect(201);
    assert_eq!(
        (c["relationship"].as_str(), c["domain"].as_str()),
        (Some("direct_bill"), Some("fourthcoffee.onmicrosoft.com"))
    );
    app.as_(&partner, &["HelpdeskAgent"])
        .post(
            &format!("/v1/partners/{partner}/customers"),
            json!({"company_name": "X", "domain": "x.example"}),
        )
        .await
        .expect_problem(403, "forbidden");
    let bad = app
        .ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/customers"),
            json!({"company_name": "", "domain": "nodot"}),
        )
        .await;
    bad.expect_problem(422, "validation_failed");
    assert_eq!(bad.error_fields(), vec!["company_name", "domain"]);
    let no_direct = app.partner_with(json!({"direct_bill": false})).await;
    app.ga(&no_direct)
        .post(
            &format!("/v1/partners/{no_direct}/customers"),
            json!({"company_name": "X", "domain": "x.example"}),
        )
        .await
        .expect_problem(403, "direct_bill_required");
    // R28: another tenant sees nothing of it.
    let other = app.partner().await;
    let id = c["id"].as_str().unwrap();
    app.ga(&other)
        .get(&format!("/v1/partners/{other}/customers/{id}"))
        .await
        .expect_problem(404, "not_found");
    app.ga(&other)
        .get(&format!("/v1/partners/{partner}/customers/{id}"))
        .await
        .expect_problem(403, "tenant_mismatch");
    assert_eq!(
        app.ga(&other)
            .get(&format!("/v1/partners/{other}/customers"))
            .await
            .expect(200)["items"],
        json!([])
    );
}

#[tokio::test]
async fn r19_the_provider_creates_the_tenant_for_its_reseller() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let c = app
        .as_(&provider, &["SalesAgent"])
        .post(&format!("/v1/indirect-providers/{provider}/customers"), json!({"reseller_partner_id": partner, "company_name": "Alpine Ski House", "domain": "alpineski.onmicrosoft.com"}))
        .await
        .expect(201);
    assert_eq!(
        (c["relationship"].as_str(), c["provider_id"].as_str()),
        (Some("indirect_reseller"), Some(provider.as_str()))
    );
    let listed = app
        .ga(&partner)
        .get(&format!(
            "/v1/partners/{partner}/customers?relationship=indirect_reseller"
        ))
        .await
        .expect(200);
    assert_eq!(listed["items"][0]["id"], c["id"]);
    assert_eq!(
        app.ga(&partner)
            .get(&format!(
                "/v1/partners/{partner}/customers?relationship=direct_bill"
            ))
            .await
            .expect(200)["items"],
        json!([])
    );
    app.ga(&partner)
        .get(&format!(
            "/v1/partners/{partner}/customers?relationship=friends"
        ))
        .await
        .expect_problem(400, "bad_request");
    let stranger = app.indirect_partner().await;
    let r = app
        .ga(&provider)
        .post(
            &format!("/v1/indirect-providers/{provider}/customers"),
            json!({"reseller_partner_id": stranger, "company_name": "A", "domain": "a.example"}),
        )
        .await;
    r.expect_problem(409, "no_provider_relationship");
}

#[tokio::test]
async fn r23_capabilities_list_every_action_for_the_caller() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let direct = app.direct_customer(&partner, false).await;
    let indirect = app
        .ga(&provider)
        .post(&format!("/v1/indirect-providers/{provider}/customers"), json!({"reseller_partner_id": partner, "company_name": "Alpine", "domain": "alpine.example"}))
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let caps = app
        .ga(&partner)
        .get(&format!(
            "/v1/partners/{partner}/customers/{direct}/capabilities"
        ))
        .await
        .expect(200);
    let order: Vec<&str> = caps["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["action"].as_str().unwrap())
        .collect();
    assert_eq!(order, R23_ORDER);
    assert!(
        caps["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["allowed"] == true),
        "R13: direct bill keeps everything"
    );
    let caps = app
        .ga(&partner)
        .get(&format!(
            "/v1/partners/{partner}/customers/{indirect}/capabilities"
        ))
        .await
        .expect(200);
    assert_eq!(caps["relationship"], "indirect_reseller");
    assert_eq!(
        decision(&caps["actions"], "create_order"),
        (false, "ordered_by_provider".into())
    );
    assert_eq!(
        decision(&caps["actions"], "bill_directly"),
        (false, "direct_bill_only".into()),
        "R20"
    );
    assert_eq!(
        decision(&caps["actions"], "manage_licenses"),
        (true, "permitted".into())
    );
    let helpdesk = app
        .as_(&partner, &["HelpdeskAgent"])
        .get(&format!("/v1/partners/{partner}/customers/{direct}"))
        .await
        .expect(200);
    assert_eq!(
        decision(&helpdesk["capabilities"], "view_subscriptions"),
        (true, "permitted".into())
    );
    assert_eq!(
        decision(&helpdesk["capabilities"], "manage_users"),
        (false, "role_not_permitted".into())
    );
    let billing = app
        .as_(&partner, &["BillingAdmin"])
        .get(&format!(
            "/v1/partners/{partner}/customers/{direct}/capabilities"
        ))
        .await
        .expect(200);
    assert_eq!(
        decision(&billing["actions"], "bill_directly"),
        (true, "permitted".into())
    );
    app.ga(&partner)
        .get(&format!(
            "/v1/partners/{partner}/customers/{}/capabilities",
            Uuid::new_v4()
        ))
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn r16_r18_a_new_customer_accepts_and_both_relationships_exist() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let inv = invite(
        &app,
        &partner,
        json!({"provider_id": provider, "customer_email": "admin@fabrikam.example"}),
    )
    .await;
    assert_eq!(
        (inv["kind"].as_str(), inv["status"].as_str()),
        (Some("new_customer"), Some("draft"))
    );
    let link = inv["link"].as_str().unwrap().to_owned();
    assert!(link.contains("/v1/customer-invitations/"));
    assert!(
        inv["email"]["body"].as_str().unwrap().contains(&link),
        "R17: the drafted e-mail holds the link"
    );
    let id = inv["id"].as_str().unwrap().to_owned();
    let path = format!("/v1/partners/{partner}/customer-invitations/{id}");
    // R17: edits keep the link.
    app.ga(&partner)
        .put(
            &format!("{path}/email"),
            json!({"subject": "Join us", "body": "no link here"}),
        )
        .await
        .expect_problem(422, "invitation_link_missing");
    let edited = app
        .ga(&partner)
        .put(
            &format!("{path}/email"),
            json!({"subject": "Join us", "body": format!("Dear Fabrikam,\n{link}\nThanks")}),
        )
        .await
        .expect(200);
    assert_eq!(edited["email"]["subject"], "Join us");
    let sent = app
        .as_(&partner, &["SalesAgent"])
        .post_empty(&format!("{path}/done"))
        .await
        .expect(200);
    assert_eq!(sent["status"], "sent");
    app.ga(&partner)
        .put(
            &format!("{path}/email"),
            json!({"subject": "x", "body": link}),
        )
        .await
        .expect_problem(409, "invalid_state");
    let notes = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/notifications"))
        .await
        .expect(200);
    let mail = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "customer_invitation")
        .cloned()
        .expect("R30: queued");
    assert_eq!(
        (mail["to"].as_str(), mail["subject"].as_str()),
        (Some("admin@fabrikam.example"), Some("Join us"))
    );
    // The customer's GlobalAdmin accepts.
    let customer = Uuid::new_v4().to_string();
    let token = token_of(&inv["link"]);
    let view = app
        .as_(&customer, &["GlobalAdmin"])
        .get(&format!("/v1/customer-invitations/{id}?token={token}"))
        .await
        .expect(200);
    assert_eq!(view["partner_name"], "Contoso Ltd");
    app.as_(&customer, &["AdminAgent"])
        .post(
            &format!("/v1/customer-invitations/{id}/accept"),
            json!({"token": token}),
        )
        .await
        .expect_problem(403, "forbidden");
    let missing = app
        .ga(&customer)
        .post(
            &format!("/v1/customer-invitations/{id}/accept"),
            json!({"token": token}),
        )
        .await;
    missing.expect_problem(422, "validation_failed");
    assert_eq!(missing.error_fields(), vec!["company_name", "domain"]);
    let accepted = app
        .ga(&customer)
        .post(&format!("/v1/customer-invitations/{id}/accept"), json!({"token": token, "company_name": "Fabrikam", "domain": "fabrikam.onmicrosoft.com"}))
        .await
        .expect(200);
    assert_eq!(
        (
            accepted["relationship"].as_str(),
            accepted["delegated_admin"].as_bool()
        ),
        (Some("indirect_reseller"), Some(true))
    );
    assert_eq!(accepted["provider_id"], provider.as_str());
    let seen = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/customers/{customer}"))
        .await
        .expect(200);
    assert_eq!(seen["relationship"], "indirect_reseller");
    assert_eq!(
        app.ga(&partner)
            .get(&format!(
                "/v1/partners/{partner}/customer-invitations?status=accepted"
            ))
            .await
            .expect(200)["items"][0]["id"],
        id.as_str()
    );
    let log = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/audit-events"))
        .await
        .expect(200);
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "customer_invitation.accepted")
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
            .any(|n| n["kind"] == "customer_accepted")
    );
    // Used links are refused.
    app.ga(&customer)
        .post(
            &format!("/v1/customer-invitations/{id}/accept"),
            json!({"token": token}),
        )
        .await
        .expect_problem(409, "invalid_state");
}

#[tokio::test]
async fn r21_moving_a_direct_bill_customer() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let customer = app.direct_customer(&partner, false).await;
    let inv = invite(
        &app,
        &partner,
        json!({"provider_id": provider, "customer_id": customer}),
    )
    .await;
    assert_eq!(inv["kind"], "move_customer");
    let id = inv["id"].as_str().unwrap();
    let token = token_of(&inv["link"]);
    app.ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            json!({"provider_id": provider, "customer_id": customer}),
        )
        .await
        .expect_problem(409, "invitation_pending");
    let intruder = Uuid::new_v4();
    app.ga(intruder)
        .post(
            &format!("/v1/customer-invitations/{id}/accept"),
            json!({"token": token}),
        )
        .await
        .expect_problem(403, "wrong_customer");
    app.ga(&customer)
        .post(
            &format!("/v1/customer-invitations/{id}/accept"),
            json!({"token": "nope"}),
        )
        .await
        .expect_problem(404, "invalid_invitation_token");
    let moved = app
        .ga(&customer)
        .post(
            &format!("/v1/customer-invitations/{id}/accept"),
            json!({"token": token}),
        )
        .await
        .expect(200);
    assert_eq!(moved["relationship"], "indirect_reseller");
    assert_eq!(moved["company_name"], "Fourth Coffee");
    let caps = app
        .ga(&partner)
        .get(&format!(
            "/v1/partners/{partner}/customers/{customer}/capabilities"
        ))
        .await
        .expect(200);
    assert_eq!(
        decision(&caps["actions"], "purchase_software"),
        (false, "direct_bill_only".into()),
        "R20"
    );
    app.ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            json!({"provider_id": provider, "customer_id": customer}),
        )
        .await
        .expect_problem(409, "already_indirect");
}

#[tokio::test]
async fn r22_store_for_business_customers_stay_direct() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let sfb = app.direct_customer(&partner, true).await;
    app.ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            json!({"provider_id": provider, "customer_id": sfb}),
        )
        .await
        .expect_problem(409, "store_for_business_unsupported");
    // A new-customer link used by that Store for Business customer is refused too, and nothing changes.
    let inv = invite(&app, &partner, json!({"provider_id": provider})).await;
    let id = inv["id"].as_str().unwrap();
    let r = app
        .ga(&sfb)
        .post(
            &format!("/v1/customer-invitations/{id}/accept"),
            json!({"token": token_of(&inv["link"])}),
        )
        .await;
    r.expect_problem(409, "store_for_business_unsupported");
    let c = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/customers/{sfb}"))
        .await
        .expect(200);
    assert_eq!(c["relationship"], "direct_bill");
    let still = app
        .ga(&partner)
        .get(&format!(
            "/v1/partners/{partner}/customer-invitations?status=draft"
        ))
        .await
        .expect(200);
    assert_eq!(
        still["items"][0]["id"], id,
        "the refused accept left the invitation open"
    );
}

#[tokio::test]
async fn invitations_need_the_agreement_and_an_active_provider() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let not_yet = app.partner().await;
    app.ga(&not_yet)
        .post(
            &format!("/v1/partners/{not_yet}/customer-invitations"),
            json!({"provider_id": provider}),
        )
        .await
        .expect_problem(403, "indirect_reseller_not_active");
    let partner = app.indirect_partner().await;
    app.ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            json!({"provider_id": provider}),
        )
        .await
        .expect_problem(409, "no_provider_relationship");
    app.as_(&partner, &["HelpdeskAgent"])
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            json!({"provider_id": provider}),
        )
        .await
        .expect_problem(403, "forbidden");
}

#[tokio::test]
async fn revoked_links_are_refused() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let inv = invite(&app, &partner, json!({"provider_id": provider})).await;
    let id = inv["id"].as_str().unwrap();
    let path = format!("/v1/partners/{partner}/customer-invitations/{id}");
    app.as_(&partner, &["SalesAgent"])
        .post_empty(&format!("{path}/revoke"))
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(
        app.as_(&partner, &["AdminAgent"])
            .post_empty(&format!("{path}/revoke"))
            .await
            .expect(200)["status"],
        "revoked"
    );
    let customer = Uuid::new_v4();
    let r = app
        .ga(customer)
        .post(
            &format!("/v1/customer-invitations/{id}/accept"),
            json!({"token": token_of(&inv["link"]), "company_name": "A", "domain": "a.example"}),
        )
        .await;
    r.expect_problem(409, "invalid_state");
    let other = app.partner().await;
    app.ga(&other)
        .post_empty(&format!(
            "/v1/partners/{other}/customer-invitations/{id}/revoke"
        ))
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn a_link_is_single_use_under_16_concurrent_accepts() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let customer = app.direct_customer(&partner, false).await;
    let inv = invite(
        &app,
        &partner,
        json!({"provider_id": provider, "customer_id": customer}),
    )
    .await;
    let id = inv["id"].as_str().unwrap();
    let token = token_of(&inv["link"]);
    let path = format!("/v1/customer-invitations/{id}/accept");
    let caller = app.ga(&customer);
    let answers =
        futures::future::join_all((0..16).map(|_| caller.post(&path, json!({"token": token}))))
            .await;
    let ok = answers.iter().filter(|r| r.status == 200).count();
    let refused = answers.iter().filter(|r| r.status == 409).count();
    assert_eq!(
        (ok, refused),
        (1, 15),
        "{:?}",
        answers
            .iter()
            .map(|r| (r.status, r.body.clone()))
            .collect::<Vec<_>>()
    );
    let log = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/audit-events?limit=200"))
        .await
        .expect(200);
    let accepted = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "customer_invitation.accepted")
        .count();
    assert_eq!(accepted, 1, "exactly one acceptance written");
}

#[tokio::test]
async fn r16_partners_and_providers_cannot_accept_as_customers() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let inv = invite(&app, &partner, json!({"provider_id": provider})).await;
    let id = inv["id"].as_str().unwrap();
    let body =
        json!({"token": token_of(&inv["link"]), "company_name": "Self", "domain": "self.example"});
    for tenant in [&partner, &provider] {
        app.ga(tenant)
            .post(
                &format!("/v1/customer-invitations/{id}/accept"),
                body.clone(),
            )
            .await
            .expect_problem(403, "wrong_customer");
    }
    assert_eq!(
        app.ga(&partner)
            .get(&format!("/v1/partners/{partner}/customers"))
            .await
            .expect(200)["items"],
        json!([])
    );
    let as_partner = json!({"tenant_id": provider, "company_name": "Northwind", "region": "DE"});
    app.operator()
        .post("/v1/partners", as_partner)
        .await
        .expect_problem(409, "provider_exists");
}
