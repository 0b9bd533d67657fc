//! Admin relationships over HTTP (R31-R33): granted at acceptance and at creation, requested and
//! approved once, expiring and expired with the clock, auto-extended, ended by either side.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, token_of};

const DEFAULT_ROLES: [&str; 4] = [
    "User Administrator",
    "License Administrator",
    "Helpdesk Administrator",
    "Directory Readers",
];

fn at(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().expect("a timestamp"))
        .expect("RFC 3339")
        .with_timezone(&Utc)
}

fn partner_path(partner: &str, customer: &str) -> String {
    format!("/v1/partners/{partner}/customers/{customer}/admin-relationships")
}

/// The statuses of the partner's relationships with the customer, oldest first.
async fn statuses(app: &TestApp, partner: &str, customer: &str) -> Vec<String> {
    let page = app
        .ga(partner)
        .get(&partner_path(partner, customer))
        .await
        .expect(200);
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_owned())
        .collect()
}

/// The partner asks for `body`; the answer holds the approval link.
async fn ask(app: &TestApp, partner: &str, customer: &str, body: Value) -> Value {
    app.as_(partner, &["AdminAgent"])
        .post(&partner_path(partner, customer), body)
        .await
        .expect(201)
}

async fn approve(app: &TestApp, customer: &str, requested: &Value) -> Value {
    let id = requested["id"].as_str().unwrap();
    app.ga(customer)
        .post(
            &format!("/v1/admin-relationships/{id}/approve"),
            json!({"token": token_of(&requested["approval_link"])}),
        )
        .await
        .expect(200)
}

fn types(feed: &Value) -> Vec<String> {
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .filter(|t| t.starts_with("admin_relationship."))
        .collect()
}

#[tokio::test]
async fn r32_acceptance_grants_the_invited_roles_and_a_request_is_approved_once_by_the_customer() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let inv = app
        .ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            json!({"provider_id": provider, "admin_roles": ["Helpdesk Administrator", "User Administrator"], "admin_duration": "P90D"}),
        )
        .await
        .expect(201);
    assert_eq!(
        (&inv["admin_roles"], &inv["admin_duration"]),
        (
            &json!(["User Administrator", "Helpdesk Administrator"]),
            &json!("P90D")
        )
    );
    let customer = Uuid::new_v4().to_string();
    let offered = app
        .ga(&customer)
        .get(&format!(
            "/v1/customer-invitations/{}?token={}",
            inv["id"].as_str().unwrap(),
            token_of(&inv["link"])
        ))
        .await
        .expect(200);
    assert_eq!(
        offered["admin_roles"], inv["admin_roles"],
        "the customer sees what it grants"
    );
    let accepted = app
        .ga(&customer)
        .post(
            &format!("/v1/customer-invitations/{}/accept", inv["id"].as_str().unwrap()),
            json!({"token": token_of(&inv["link"]), "company_name": "Fabrikam", "domain": "fabrikam.onmicrosoft.com"}),
        )
        .await
        .expect(200);
    assert_eq!(accepted["delegated_admin"], true);
    let granted = &accepted["admin_relationship"];
    assert_eq!(granted["roles"], inv["admin_roles"]);
    assert_eq!(granted["status"], "active");

    let listed = app
        .as_(&partner, &["HelpdeskAgent"])
        .get(&partner_path(&partner, &customer))
        .await
        .expect(200);
    let first = &listed["items"][0];
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    assert_eq!(first["id"], granted["id"]);
    assert_eq!(
        (&first["partner_id"], &first["customer_id"]),
        (&json!(partner), &json!(customer))
    );
    assert_eq!(
        (&first["duration"], &first["auto_extend"]),
        (&json!("P90D"), &json!(false))
    );
    assert_eq!(
        at(&first["ends_at"]) - at(&first["activated_at"]),
        Duration::days(90)
    );
    assert!(first.get("approval_link").is_none());

    // R32: more roles later, approved by the customer's GlobalAdmin with the link.
    let requested = ask(
        &app,
        &partner,
        &customer,
        json!({"roles": ["License Administrator"], "duration": "P60D"}),
    )
    .await;
    assert_eq!(requested["status"], "approval_pending");
    assert_eq!(requested["ends_at"], Value::Null);
    let id = requested["id"].as_str().unwrap();
    let link = requested["approval_link"].as_str().unwrap();
    assert!(
        link.starts_with(&format!("{}/v1/admin-relationships/{id}?token=", app.base)),
        "{link}"
    );
    let token = token_of(&requested["approval_link"]);
    let approve_path = format!("/v1/admin-relationships/{id}/approve");
    app.ga(&customer)
        .post(&approve_path, json!({"token": "wrong"}))
        .await
        .expect_problem(404, "invalid_invitation_token");
    app.ga(&customer)
        .post(
            &format!("/v1/admin-relationships/{}/approve", Uuid::now_v7()),
            json!({"token": token}),
        )
        .await
        .expect_problem(404, "invalid_invitation_token");
    app.ga(&partner)
        .post(&approve_path, json!({"token": token}))
        .await
        .expect_problem(403, "wrong_customer");
    app.as_(&customer, &["AdminAgent"])
        .post(&approve_path, json!({"token": token}))
        .await
        .expect_problem(403, "forbidden");
    let approved = approve(&app, &customer, &requested).await;
    assert_eq!(approved["status"], "active");
    assert_eq!(
        at(&approved["ends_at"]) - at(&approved["activated_at"]),
        Duration::days(60)
    );
    app.ga(&customer)
        .post(&approve_path, json!({"token": token}))
        .await
        .expect_problem(409, "invalid_state");

    let own = app
        .ga(&customer)
        .get(&format!("/v1/customers/{customer}/admin-relationships"))
        .await
        .expect(200);
    let ids: Vec<&Value> = own["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["id"])
        .collect();
    assert_eq!(ids, vec![&granted["id"], &approved["id"]]);

    // Both tenants hear of every step; no event carries the link.
    for tenant in [&partner, &customer] {
        let feed = app.ga(tenant).get("/v1/events?limit=200").await.expect(200);
        assert_eq!(
            types(&feed),
            vec![
                "admin_relationship.created",
                "admin_relationship.activated",
                "admin_relationship.created",
                "admin_relationship.activated",
            ],
            "{tenant}"
        );
        assert!(!feed.to_string().contains(&token));
        assert!(!feed.to_string().contains("approval_link"));
        let last = feed["items"].as_array().unwrap().last().unwrap();
        assert_eq!(
            last["subject"],
            json!({"kind": "admin_relationship", "id": id})
        );
        assert_eq!(last["data"]["status"], "active");
    }
}

#[tokio::test]
async fn r31_r32_time_decides_expiring_expired_and_extension_and_either_side_ends_them() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let customer = app.direct_customer(&partner, false).await;
    let created = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/customers/{customer}"))
        .await
        .expect(200);
    // R33: the partner that created the customer holds the default roles.
    assert_eq!(created["delegated_admin"], true);
    assert_eq!(created["admin_relationship"]["roles"], json!(DEFAULT_ROLES));
    let ask_for = |auto_extend: bool, duration: &str| json!({"roles": ["User Administrator"], "duration": duration, "auto_extend": auto_extend});
    let plain = ask(&app, &partner, &customer, ask_for(false, "P40D")).await;
    let plain = approve(&app, &customer, &plain).await;
    let extended = ask(&app, &partner, &customer, ask_for(true, "P40D")).await;
    let extended = approve(&app, &customer, &extended).await;
    let waiting = ask(&app, &partner, &customer, ask_for(false, "P30D")).await;
    assert_eq!(
        statuses(&app, &partner, &customer).await,
        ["active", "active", "active", "approval_pending"]
    );

    // R31: the last 30 days read as expiring.
    app.advance(Duration::days(11));
    assert_eq!(
        statuses(&app, &partner, &customer).await,
        ["active", "expiring", "expiring", "approval_pending"]
    );

    // Past the end: expired, unless extended by 180 days; an unapproved link lapses too.
    app.advance(Duration::days(30));
    assert_eq!(
        statuses(&app, &partner, &customer).await,
        ["active", "expired", "active", "expired"]
    );
    let page = app
        .ga(&partner)
        .get(&partner_path(&partner, &customer))
        .await
        .expect(200);
    let now_extended = &page["items"][2];
    assert_eq!(
        at(&now_extended["ends_at"]) - at(&extended["activated_at"]),
        Duration::days(220)
    );
    let waiting_id = waiting["id"].as_str().unwrap();
    app.ga(&customer)
        .post(
            &format!("/v1/admin-relationships/{waiting_id}/approve"),
            json!({"token": token_of(&waiting["approval_link"])}),
        )
        .await
        .expect_problem(410, "invitation_expired");
    let terminate = |r: &Value| {
        format!(
            "{}/{}/terminate",
            partner_path(&partner, &customer),
            r["id"].as_str().unwrap()
        )
    };
    app.ga(&partner)
        .post_empty(&terminate(&plain))
        .await
        .expect_problem(409, "invalid_state");

    // R32: either side's GlobalAdmin ends a relationship, for good.
    let default = &page["items"][0];
    app.as_(&partner, &["AdminAgent"])
        .post_empty(&terminate(default))
        .await
        .expect_problem(403, "forbidden");
    let ended = app
        .ga(&partner)
        .post_empty(&terminate(default))
        .await
        .expect(200);
    assert_eq!(
        (&ended["status"], &ended["terminated_by"]),
        (&json!("terminated"), &json!("partner"))
    );
    let customer_end = format!(
        "/v1/customers/{customer}/admin-relationships/{}/terminate",
        extended["id"].as_str().unwrap()
    );
    let ended = app
        .ga(&customer)
        .post(&customer_end, json!({}))
        .await
        .expect(200);
    assert_eq!(
        (&ended["status"], &ended["terminated_by"]),
        (&json!("terminated"), &json!("customer"))
    );
    assert!(ended["terminated_at"].is_string());
    app.ga(&customer)
        .post(&customer_end, json!({}))
        .await
        .expect_problem(409, "invalid_state");
    app.ga(&partner)
        .post_empty(&terminate(default))
        .await
        .expect_problem(409, "invalid_state");

    // Nothing grants any more: no delegated admin; the customer shows the latest relationship.
    let now = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/customers/{customer}"))
        .await
        .expect(200);
    assert_eq!(now["delegated_admin"], false);
    assert_eq!(now["admin_relationship"]["id"], waiting["id"]);
    assert_eq!(now["admin_relationship"]["status"], "expired");
    for tenant in [&partner, &customer] {
        let feed = app.ga(tenant).get("/v1/events?limit=200").await.expect(200);
        let ended = types(&feed)
            .iter()
            .filter(|t| *t == "admin_relationship.terminated")
            .count();
        assert_eq!(ended, 2, "{tenant}");
    }
}

#[tokio::test]
async fn r33_a_customer_the_provider_creates_grants_its_reseller_the_default_roles() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let reseller = app.partnered(&provider).await;
    let created = app
        .ga(&provider)
        .post(
            &format!("/v1/indirect-providers/{provider}/customers"),
            json!({"reseller_partner_id": reseller, "company_name": "Alpine Ski House", "domain": "alpineskihouse.onmicrosoft.com"}),
        )
        .await
        .expect(201);
    assert_eq!(created["delegated_admin"], true);
    let admin = &created["admin_relationship"];
    assert_eq!(
        (&admin["roles"], &admin["status"]),
        (&json!(DEFAULT_ROLES), &json!("active"))
    );
    let customer = created["id"].as_str().unwrap();
    let listed = app
        .ga(&reseller)
        .get(&partner_path(&reseller, customer))
        .await
        .expect(200);
    assert_eq!(listed["items"][0]["duration"], "P730D");
    assert_eq!(listed["items"][0]["partner_id"], reseller.as_str());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r32_an_approval_link_works_once_under_16_concurrent_approvals() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let customer = app.direct_customer(&partner, false).await;
    let requested = ask(
        &app,
        &partner,
        &customer,
        json!({"roles": ["Global Administrator"], "duration": "P7D"}),
    )
    .await;
    let path = format!(
        "/v1/admin-relationships/{}/approve",
        requested["id"].as_str().unwrap()
    );
    let body = json!({"token": token_of(&requested["approval_link"])});
    let ga = app.ga(&customer);
    let answers = futures::future::join_all((0..16).map(|_| ga.post(&path, body.clone()))).await;
    let mut outcomes: Vec<(u16, String)> = answers
        .iter()
        .map(|r| (r.status, r.code().to_owned()))
        .collect();
    outcomes.sort();
    let mut expected = vec![(200, String::new())];
    expected.extend(std::iter::repeat_n((409, "invalid_state".to_owned()), 15));
    assert_eq!(outcomes, expected);
    let feed = app
        .ga(&customer)
        .get("/v1/events?limit=200")
        .await
        .expect(200);
    let activated = types(&feed)
        .iter()
        .filter(|t| *t == "admin_relationship.activated")
        .count();
    assert_eq!(activated, 2, "the creation's grant and this approval, once");
}

#[tokio::test]
async fn r31_requests_and_invitations_name_the_field_they_get_wrong() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let customer = app.direct_customer(&partner, false).await;
    let path = partner_path(&partner, &customer);
    let cases = [
        (json!({"roles": ["Root"]}), "roles"),
        (json!({"roles": []}), "roles"),
        (
            json!({"roles": ["Directory Readers"], "duration": "P731D"}),
            "duration",
        ),
        (
            json!({"roles": ["Directory Readers"], "duration": "90"}),
            "duration",
        ),
        (
            json!({"roles": ["Global Administrator"], "auto_extend": true}),
            "auto_extend",
        ),
    ];
    for (body, field) in cases {
        let r = app.ga(&partner).post(&path, body.clone()).await;
        r.expect_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec![field], "{body}");
    }
    let invitations = format!("/v1/partners/{partner}/customer-invitations");
    for (body, field) in [
        (
            json!({"provider_id": provider, "admin_roles": ["Root"]}),
            "admin_roles",
        ),
        (
            json!({"provider_id": provider, "admin_duration": "P0D"}),
            "admin_duration",
        ),
    ] {
        let r = app.ga(&partner).post(&invitations, body.clone()).await;
        r.expect_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec![field], "{body}");
    }
    // GA and AA ask; others may not. Only the partner's own customers can be asked.
    app.as_(&partner, &["SalesAgent"])
        .post(&path, json!({"roles": ["Directory Readers"]}))
        .await
        .expect_problem(403, "forbidden");
    app.ga(&partner)
        .post(
            &partner_path(&partner, &Uuid::new_v4().to_string()),
            json!({"roles": ["Directory Readers"]}),
        )
        .await
        .expect_problem(404, "not_found");
    let defaults = app
        .ga(&partner)
        .post(&path, json!({"roles": ["Directory Readers"]}))
        .await
        .expect(201);
    assert_eq!(
        (&defaults["duration"], &defaults["auto_extend"]),
        (&json!("P730D"), &json!(false))
    );
}

#[tokio::test]
async fn r28_each_tenant_sees_and_ends_only_its_own_admin_relationships() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let (one, other) = (
        app.partnered(&provider).await,
        app.partnered(&provider).await,
    );
    let (a, b) = (
        app.direct_customer(&one, false).await,
        app.direct_customer(&other, false).await,
    );
    let listed = |partner: &str, customer: &str| {
        let path = partner_path(partner, customer);
        let ga = app.ga(partner);
        async move { ga.get(&path).await.expect(200) }
    };
    let a_rel = listed(&one, &a).await["items"][0].clone();
    let b_rel = listed(&other, &b).await["items"][0].clone();

    // The customer sees its own relationships only, and only through its own path.
    let own = app
        .ga(&a)
        .get(&format!("/v1/customers/{a}/admin-relationships"))
        .await
        .expect(200);
    assert_eq!(own["items"].as_array().unwrap().len(), 1);
    assert_eq!(own["items"][0]["id"], a_rel["id"]);
    app.ga(&a)
        .get(&format!("/v1/customers/{b}/admin-relationships"))
        .await
        .expect_problem(403, "tenant_mismatch");
    app.as_(&a, &["AdminAgent"])
        .get(&format!("/v1/customers/{a}/admin-relationships"))
        .await
        .expect_problem(403, "forbidden");
    app.ga(&a)
        .post_empty(&format!(
            "/v1/customers/{a}/admin-relationships/{}/terminate",
            b_rel["id"].as_str().unwrap()
        ))
        .await
        .expect_problem(404, "not_found");

    // Another partner sees nothing of the first partner's customer.
    let ga = app.ga(&other);
    ga.get(&partner_path(&other, &a))
        .await
        .expect_problem(404, "not_found");
    ga.get(&partner_path(&one, &a))
        .await
        .expect_problem(403, "tenant_mismatch");
    for customer in [&a, &b] {
        ga.post_empty(&format!(
            "{}/{}/terminate",
            partner_path(&other, customer),
            a_rel["id"].as_str().unwrap()
        ))
        .await
        .expect_problem(404, "not_found");
    }
    ga.post(
        &partner_path(&other, &a),
        json!({"roles": ["Directory Readers"]}),
    )
    .await
    .expect_problem(404, "not_found");
    assert_eq!(listed(&one, &a).await["items"][0]["status"], "active");
}

/// The capability reasons of manage_users and manage_licenses for `partner`'s GlobalAdmin.
async fn admin_reasons(app: &TestApp, partner: &str, customer: &str) -> (String, String) {
    let caps = app
        .ga(partner)
        .get(&format!(
            "/v1/partners/{partner}/customers/{customer}/capabilities"
        ))
        .await
        .expect(200);
    let reason = |action: &str| {
        caps["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["action"] == action)
            .map(|a| a["reason"].as_str().unwrap().to_owned())
            .unwrap()
    };
    (reason("manage_users"), reason("manage_licenses"))
}

#[tokio::test]
async fn r33_the_admin_actions_follow_the_admin_relationships_at_each_step() {
    let app = TestApp::spawn().await;
    let partner = app.partner().await;
    let customer = app.direct_customer(&partner, false).await;
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    // Created by the partner (R19): the default roles cover both.
    assert_eq!(
        admin_reasons(&app, &partner, &customer).await,
        pair("permitted", "permitted")
    );
    let granted = app
        .ga(&partner)
        .get(&partner_path(&partner, &customer))
        .await
        .expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ga(&partner)
        .post_empty(&format!(
            "{}/{granted}/terminate",
            partner_path(&partner, &customer)
        ))
        .await
        .expect(200);
    assert_eq!(
        admin_reasons(&app, &partner, &customer).await,
        pair("admin_relationship_inactive", "admin_relationship_inactive")
    );
    let customer_view = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}/customers/{customer}"))
        .await
        .expect(200);
    assert_eq!(customer_view["delegated_admin"], false);
    // Actions outside R33 do not need one (R23: a direct bill customer).
    let create_order = customer_view["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["action"] == "create_order")
        .unwrap()
        .clone();
    assert_eq!(create_order["reason"], "permitted");

    let asked = ask(
        &app,
        &partner,
        &customer,
        json!({"roles": ["License Administrator"], "duration": "P90D"}),
    )
    .await;
    assert_eq!(
        admin_reasons(&app, &partner, &customer).await,
        pair("admin_relationship_inactive", "admin_relationship_inactive"),
        "a request grants nothing until approved"
    );
    approve(&app, &customer, &asked).await;
    assert_eq!(
        admin_reasons(&app, &partner, &customer).await,
        pair("admin_role_missing", "permitted")
    );
    app.advance(Duration::days(61));
    assert_eq!(
        admin_reasons(&app, &partner, &customer).await,
        pair("admin_role_missing", "permitted"),
        "expiring still grants"
    );
    app.advance(Duration::days(30));
    assert_eq!(
        admin_reasons(&app, &partner, &customer).await,
        pair("admin_relationship_inactive", "admin_relationship_inactive")
    );
}
