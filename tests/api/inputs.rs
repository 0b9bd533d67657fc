//! Input rules of API.md "Conventions": text bound for e-mail headers, the nil UUID, the whole
//! invitation link, empty query parameters.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::TestApp;

const NIL: &str = "00000000-0000-0000-0000-000000000000";

#[tokio::test]
async fn header_text_with_control_characters_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let op = app.operator();
    let partner = |field: &str, value: &str| {
        let mut body = json!({
            "tenant_id": Uuid::new_v4(),
            "company_name": "Contoso Ltd",
            "region": "DE",
            "mpn_id": "4433221",
            "primary_contact_email": "ops@contoso.com",
            "mpn_account_email": "mpn@contoso.com",
        });
        body[field] = Value::from(value);
        body
    };
    for (field, value) in [
        ("company_name", "Contoso Ltd\r\n"),
        ("company_name", "Contoso\r\nBcc: evil@example.com"),
        ("company_name", "\nContoso"),
        ("primary_contact_email", "ops@contoso.com\r\n"),
        ("mpn_account_email", "\tmpn@contoso.com"),
    ] {
        let r = op.post("/v1/partners", partner(field, value)).await;
        r.expect_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec![field], "{value:?}");
    }
    let id = app.partner().await;
    let r = app
        .ga(&id)
        .patch(
            &format!("/v1/partners/{id}"),
            json!({"company_name": "Fabrikam\n"}),
        )
        .await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["company_name"]);

    let r = op
        .post(
            "/v1/indirect-providers",
            json!({
                "tenant_id": Uuid::new_v4(),
                "name": "Northwind\r\nDistribution",
                "regions": ["DE"],
                "services": ["marketing"],
                "contact_email": "partners@northwind.example\n",
            }),
        )
        .await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["name", "contact_email"]);

    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let inv = app
        .ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            json!({"provider_id": provider, "customer_email": "admin@fabrikam.example\r\n"}),
        )
        .await;
    inv.expect_problem(422, "validation_failed");
    assert_eq!(inv.error_fields(), vec!["customer_email"]);
    let inv = app
        .ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            json!({"provider_id": provider, "customer_email": "admin@fabrikam.example"}),
        )
        .await
        .expect(201);
    let link = inv["link"].as_str().unwrap();
    let path = format!(
        "/v1/partners/{partner}/customer-invitations/{}/email",
        inv["id"].as_str().unwrap()
    );
    for subject in [
        "Join us\r\nBcc: evil@example.com",
        "Join us\r\n",
        "Join\nus",
        "Join\0us",
        " Join us",
        "Join us ",
    ] {
        let r = app
            .ga(&partner)
            .put(&path, json!({"subject": subject, "body": link}))
            .await;
        r.expect_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec!["subject"], "{subject:?}");
    }
    app.ga(&partner)
        .put(&path, json!({"subject": "Join us", "body": link}))
        .await
        .expect(200);
}

#[tokio::test]
async fn r17_an_edited_email_must_hold_the_link_whole() {
    let app = TestApp::spawn().await;
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
    let link = inv["link"].as_str().unwrap();
    let path = format!(
        "/v1/partners/{partner}/customer-invitations/{}/email",
        inv["id"].as_str().unwrap()
    );
    let ga = app.ga(&partner);
    let edit = |body: String| ga.put(&path, json!({"subject": "Join us", "body": body}));
    for extended in [
        format!("Click {link}x"),
        format!("Click {link}0 now"),
        format!("Click {link}&utm=1"),
        format!("Click {link}/"),
    ] {
        edit(extended)
            .await
            .expect_problem(422, "invitation_link_missing");
    }
    for whole in [
        format!("Click {link}"),
        format!("Click {link}\nThanks"),
        format!("<a href=\"{link}\">Accept</a>"),
        format!("(<{link}>)"),
        format!("{link}x and again {link} here"),
    ] {
        edit(whole).await.expect(200);
    }
}

#[tokio::test]
async fn the_nil_uuid_is_never_a_tenant_id() {
    let app = TestApp::spawn().await;
    let op = app.operator();
    let r = op
        .post(
            "/v1/partners",
            json!({"tenant_id": NIL, "company_name": "Nil Ltd", "region": "DE"}),
        )
        .await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["tenant_id"]);
    let r = op
        .post(
            "/v1/indirect-providers",
            json!({
                "tenant_id": NIL,
                "name": "Nil Distribution",
                "regions": ["DE"],
                "services": ["marketing"],
                "contact_email": "p@nil.example",
            }),
        )
        .await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["tenant_id"]);
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let r = app
        .ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/customer-invitations"),
            json!({"provider_id": NIL}),
        )
        .await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["provider_id"]);
    let r = app
        .ga(&provider)
        .post(
            &format!("/v1/indirect-providers/{provider}/partnership-invitations"),
            json!({"partner_id": NIL}),
        )
        .await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["partner_id"]);
}

#[tokio::test]
async fn empty_query_parameters_count_as_absent_on_every_list() {
    let app = TestApp::with_webhooks().await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let customer = app.direct_customer(&partner, false).await;
    let hook = app
        .ga(&partner)
        .post(
            "/v1/webhook-endpoints",
            json!({"url": "http://127.0.0.1:9/hooks", "event_types": ["*"]}),
        )
        .await
        .expect(201)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let doc = app.anonymous().get("/openapi.json").await.expect(200);
    let mut lists = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        let Some(params) = item["get"]["parameters"].as_array() else {
            continue;
        };
        let query: Vec<&str> = params
            .iter()
            .filter(|p| p["in"] == "query")
            .filter_map(|p| p["name"].as_str())
            .collect();
        if !query.contains(&"cursor") {
            continue;
        }
        lists += 1;
        let caller = if template.contains("{provider_id}") {
            app.ga(&provider)
        } else if template.starts_with("/v1/customers/") {
            app.ga(&customer)
        } else {
            app.ga(&partner)
        };
        let path = template
            .replace("{partner_id}", &partner)
            .replace("{provider_id}", &provider)
            .replace("{customer_id}", &customer)
            .replace("{endpoint_id}", &hook);
        let plain = caller.get(&path).await.expect(200);
        let empty: Vec<String> = query.iter().map(|name| format!("{name}=")).collect();
        let with_empty = caller
            .get(&format!("{path}?{}", empty.join("&")))
            .await
            .expect(200);
        assert_eq!(with_empty, plain, "{template}");
        let bare = caller
            .get(&format!("{path}?{}&limit=1", query.join("&")))
            .await
            .expect(200);
        assert!(bare["items"].as_array().unwrap().len() <= 1, "{template}");
    }
    assert!(lists >= 8, "every list endpoint: {lists}");
}

/// The message of the one field a 422 or 400 names.
fn field_message(r: &crate::helpers::Resp, field: &str) -> String {
    let errors = r.body["errors"].as_array().expect("errors");
    let e = errors
        .iter()
        .find(|e| e["field"] == field)
        .unwrap_or_else(|| panic!("{field} in {}", r.body));
    e["message"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_link_view_without_its_token_is_a_400_naming_token() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let partner = app.indirect_partner().await;
    let (id, _) = app.invite_partner(&provider, &partner).await;
    let ga = app.ga(&partner);
    for path in [
        format!("/v1/partnership-invitations/{id}"),
        format!("/v1/partnership-invitations/{id}?token="),
        format!("/v1/customer-invitations/{id}?token"),
    ] {
        let r = ga.get(&path).await;
        r.expect_problem(400, "bad_request");
        assert_eq!(r.error_fields(), vec!["token"], "{path}");
        assert_eq!(field_message(&r, "token"), "is required", "{path}");
        let detail = r.body["detail"].as_str().unwrap_or_default();
        assert_eq!(detail, "query parameter token is required", "{path}");
    }
}

#[tokio::test]
async fn a_bad_limit_is_a_400_naming_limit() {
    let app = TestApp::spawn().await;
    let partner = app.partner().await;
    for limit in ["ten", "0", "201", "1.5", "+5"] {
        let r = app
            .ga(&partner)
            .get(&format!("/v1/partners/{partner}/customers?limit={limit}"))
            .await;
        r.expect_problem(400, "bad_request");
        assert_eq!(r.error_fields(), vec!["limit"], "{limit}");
        assert_eq!(
            field_message(&r, "limit"),
            "must be an integer from 1 to 200",
            "{limit}"
        );
    }
    app.ga(&partner)
        .get(&format!("/v1/partners/{partner}/customers?limit=200"))
        .await
        .expect(200);
}

#[tokio::test]
async fn length_rules_answer_in_words() {
    let app = TestApp::spawn().await;
    let partner = app.partner().await;
    let r = app
        .ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/agreement-acceptances"),
            json!({"agreement_version": ""}),
        )
        .await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(
        field_message(&r, "agreement_version"),
        "must be 1 to 64 characters"
    );
    let r = app
        .ga(&partner)
        .post(
            &format!("/v1/partnership-invitations/{}/accept", Uuid::new_v4()),
            json!({"token": ""}),
        )
        .await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(field_message(&r, "token"), "must be 1 to 200 characters");
    let r = app
        .operator()
        .post(
            "/v1/indirect-providers",
            json!({"tenant_id": Uuid::new_v4(), "name": "N", "regions": [],
                   "services": ["marketing", "marketing", "marketing", "marketing"], "contact_email": "p@n.example"}),
        )
        .await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(field_message(&r, "regions"), "must name 1 to 250 regions");
    assert_eq!(field_message(&r, "services"), "must name 1 to 3 services");
}

#[tokio::test]
async fn a_partner_patch_names_at_least_one_field_and_no_nulls() {
    let app = TestApp::spawn().await;
    let partner = app.partner().await;
    let path = format!("/v1/partners/{partner}");
    let r = app.ga(&partner).patch(&path, json!({})).await;
    r.expect_problem(422, "validation_failed");
    for (body, field) in [
        (json!({"region": null}), "region"),
        (json!({"company_name": "X", "mpn_id": null}), "mpn_id"),
    ] {
        let r = app.ga(&partner).patch(&path, body.clone()).await;
        r.expect_problem(422, "validation_failed");
        assert_eq!(r.error_fields(), vec![field], "{body}");
        assert_eq!(
            field_message(&r, field),
            "must not be null: leave the field out to keep its value"
        );
    }
    app.ga(&partner)
        .patch(&path, json!({"company_name": "Contoso GmbH"}))
        .await
        .expect(200);
}

#[tokio::test]
async fn text_is_taken_as_sent_not_trimmed() {
    let app = TestApp::spawn().await;
    let id = Uuid::new_v4();
    let r = app
        .operator()
        .post(
            "/v1/partners",
            json!({"tenant_id": id, "company_name": " Contoso", "region": "DE",
                   "mpn_id": " 4433221", "primary_contact_email": "ops@contoso.com "}),
        )
        .await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(
        r.error_fields(),
        vec!["company_name", "mpn_id", "primary_contact_email"]
    );
    assert_eq!(
        field_message(&r, "company_name"),
        "must not start or end with whitespace"
    );
}
