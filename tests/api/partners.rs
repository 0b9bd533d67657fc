//! Partner registration and profile (R2, R4, R11, R28).

use serde_json::json;
use uuid::Uuid;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_operator_registers_a_partner_that_may_start_incomplete() {
    let app = TestApp::spawn().await;
    let id = Uuid::new_v4().to_string();
    let lower = app
        .operator()
        .post(
            "/v1/partners",
            json!({"tenant_id": id, "company_name": "Fabrikam", "region": "us"}),
        )
        .await;
    lower.expect_problem(422, "validation_failed");
    assert_eq!(lower.error_fields(), vec!["region"]);
    let r = app
        .operator()
        .post(
            "/v1/partners",
            json!({"tenant_id": id, "company_name": "Fabrikam", "region": "US"}),
        )
        .await;
    assert_eq!(
        r.header("location"),
        Some(format!("/v1/partners/{id}").as_str())
    );
    let p = r.expect(201);
    assert_eq!(p["region"], "US");
    assert_eq!(p["direct_bill"], true);
    assert_eq!(p["offboarding_identified"], false);
    assert_eq!(p["programs"], json!(["direct_bill"]));
    assert_eq!(
        p["missing_profile_fields"],
        json!(["mpn_id", "primary_contact_email", "mpn_account_email"])
    );
    let again = app
        .operator()
        .post(
            "/v1/partners",
            json!({"tenant_id": id, "company_name": "Fabrikam", "region": "US"}),
        )
        .await;
    again.expect_problem(409, "partner_exists");
}

#[tokio::test]
async fn registration_names_every_bad_field() {
    let app = TestApp::spawn().await;
    let r = app
        .operator()
        .post("/v1/partners", json!({"tenant_id": "contoso", "company_name": "", "region": "XX", "mpn_id": "12", "primary_contact_email": "nope"}))
        .await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(
        r.error_fields(),
        vec![
            "tenant_id",
            "company_name",
            "region",
            "mpn_id",
            "primary_contact_email"
        ]
    );
    let missing = app
        .operator()
        .post("/v1/partners", json!({"tenant_id": Uuid::new_v4()}))
        .await;
    missing.expect_problem(422, "validation_failed");
    assert_eq!(missing.error_fields(), vec!["company_name"]);
}

#[tokio::test]
async fn only_the_operator_registers_partners() {
    let app = TestApp::spawn().await;
    let body = json!({"tenant_id": Uuid::new_v4(), "company_name": "Fabrikam", "region": "US"});
    let someone = Uuid::new_v4();
    app.as_(someone, &["GlobalAdmin"])
        .post("/v1/partners", body.clone())
        .await
        .expect_problem(403, "forbidden");
    app.as_(someone, &["ProgramAdmin"])
        .post("/v1/partners", body)
        .await
        .expect_problem(403, "forbidden");
}

#[tokio::test]
async fn r28_a_partner_reads_only_itself_and_the_operator_reads_all() {
    let app = TestApp::spawn().await;
    let a = app.partner().await;
    let b = app.partner().await;
    let p = app
        .as_(&a, &["HelpdeskAgent"])
        .get(&format!("/v1/partners/{a}"))
        .await
        .expect(200);
    assert_eq!(p["company_name"], "Contoso Ltd");
    let r = app.ga(&a).get(&format!("/v1/partners/{b}")).await;
    r.expect_problem(403, "tenant_mismatch");
    assert!(
        !r.body.to_string().contains("Contoso"),
        "nothing of the other tenant leaks"
    );
    app.operator()
        .get(&format!("/v1/partners/{b}"))
        .await
        .expect(200);
    app.operator()
        .get(&format!("/v1/partners/{}", Uuid::new_v4()))
        .await
        .expect_problem(404, "not_found");
    app.ga(&a)
        .get("/v1/partners/not-a-uuid")
        .await
        .expect_problem(400, "bad_request");
}

#[tokio::test]
async fn profile_edits_by_global_and_account_admins() {
    let app = TestApp::spawn().await;
    let id = app.partner().await;
    let p = app
        .as_(&id, &["AccountAdmin"])
        .patch(
            &format!("/v1/partners/{id}"),
            json!({"company_name": "Contoso GmbH", "mpn_id": "1234567890"}),
        )
        .await
        .expect(200);
    assert_eq!(
        (p["company_name"].as_str(), p["mpn_id"].as_str()),
        (Some("Contoso GmbH"), Some("1234567890"))
    );
    assert_eq!(
        p["primary_contact_email"], "ops@contoso.com",
        "fields left out stay"
    );
    app.as_(&id, &["SalesAgent"])
        .patch(&format!("/v1/partners/{id}"), json!({"company_name": "X"}))
        .await
        .expect_problem(403, "forbidden");
    let bad = app
        .ga(&id)
        .patch(
            &format!("/v1/partners/{id}"),
            json!({"mpn_id": "12345", "region": "Germany"}),
        )
        .await;
    bad.expect_problem(422, "validation_failed");
    assert_eq!(bad.error_fields(), vec!["region", "mpn_id"]);
    app.ga(&id)
        .patch(&format!("/v1/partners/{id}"), json!({}))
        .await
        .expect_problem(422, "validation_failed");
    let read = app
        .ga(&id)
        .get(&format!("/v1/partners/{id}"))
        .await
        .expect(200);
    assert_eq!(
        read["company_name"], "Contoso GmbH",
        "a refused edit changed nothing"
    );
}

#[tokio::test]
async fn r2_the_offboarding_flag_is_the_operators_alone() {
    let app = TestApp::spawn().await;
    let id = app
        .partner_with(json!({"offboarding_identified": false}))
        .await;
    let r = app
        .ga(&id)
        .patch(
            &format!("/v1/partners/{id}"),
            json!({"offboarding_identified": true}),
        )
        .await;
    r.expect_problem(403, "forbidden");
    let r = app
        .ga(&id)
        .patch(
            &format!("/v1/partners/{id}"),
            json!({"company_name": "X", "direct_bill": false}),
        )
        .await;
    r.expect_problem(403, "forbidden");
    assert_eq!(
        app.ga(&id)
            .get(&format!("/v1/partners/{id}"))
            .await
            .expect(200)["company_name"],
        "Contoso Ltd"
    );
    let p = app
        .operator()
        .patch(
            &format!("/v1/partners/{id}"),
            json!({"offboarding_identified": true}),
        )
        .await
        .expect(200);
    assert_eq!(p["offboarding_identified"], true);
}
