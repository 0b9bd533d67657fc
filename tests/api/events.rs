//! R34: the event feed. Every state change of the walk-through is one event per tenant concerned,
//! in order, with gapless per-tenant sequences; a reader resuming by `after=` never misses one.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{OPERATOR, TestApp};

fn types(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect()
}

fn sequences(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["sequence"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn r34_the_walk_through_is_one_event_per_step_and_tenant_in_order() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let w = app.walk_through(&provider).await;
    let (partner, customer, inv_id) = (&w.partner, &w.customer, w.invitation.as_str());
    let (token, ptoken, request_id) = (
        w.token.as_str(),
        w.partnership_token.as_str(),
        &w.accept_request,
    );

    let feed = app
        .ga(partner)
        .get("/v1/events?limit=200")
        .await
        .expect(200);
    assert_eq!(
        types(&feed),
        vec![
            "partner.registered",
            "enrollment.submitted",
            "enrollment.approved",
            "incentive.invited",
            "agreement.accepted",
            "partnership_invitation.created",
            "partnership_invitation.accepted",
            "customer.created",
            "admin_relationship.created",
            "admin_relationship.activated",
            "customer_invitation.created",
            "customer_invitation.email_edited",
            "customer_invitation.sent",
            "customer.relationship_changed",
            "admin_relationship.created",
            "admin_relationship.activated",
            "customer_invitation.accepted",
        ]
    );
    let n = feed["items"].as_array().unwrap().len() as i64;
    assert_eq!(
        sequences(&feed),
        (1..=n).collect::<Vec<_>>(),
        "gapless from 1"
    );
    let last = feed["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["tenant_id"], partner.as_str());
    assert_eq!(last["request_id"], request_id.as_str());
    assert_eq!(last["actor"]["tenant_id"], customer.as_str());
    assert_eq!(last["actor"]["roles"], json!(["GlobalAdmin"]));
    assert_eq!(
        last["subject"],
        json!({"kind": "customer_invitation", "id": inv_id})
    );
    assert_eq!(last["data"]["status"], "accepted");
    assert_eq!(
        last["data"]["link"],
        Value::Null,
        "no event carries a token"
    );
    assert!(!feed.to_string().contains(token) && !feed.to_string().contains(ptoken));

    let provider_feed = app.ga(&provider).get("/v1/events").await.expect(200);
    assert_eq!(
        types(&provider_feed),
        vec![
            "provider.registered",
            "partnership_invitation.created",
            "partnership_invitation.accepted",
            "customer_invitation.accepted",
        ]
    );
    assert_eq!(sequences(&provider_feed), vec![1, 2, 3, 4]);
    let customer_feed = app.ga(customer).get("/v1/events").await.expect(200);
    // R33: the admin relationships of the creation and of the acceptance concern the customer too.
    assert_eq!(
        types(&customer_feed),
        vec![
            "admin_relationship.created",
            "admin_relationship.activated",
            "customer.relationship_changed",
            "admin_relationship.created",
            "admin_relationship.activated",
            "customer_invitation.accepted"
        ]
    );
    assert_eq!(
        customer_feed["items"][2]["data"]["relationship"],
        "indirect_reseller"
    );
    // Each tenant has its own copy, with its own id.
    assert_ne!(customer_feed["items"][5]["id"], last["id"]);
    // The audit log is the same events, one entry each, `action` being the type.
    let audit = app
        .ga(partner)
        .get(&format!("/v1/partners/{partner}/audit-events?limit=200"))
        .await
        .expect(200);
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, types(&feed));
    // The notifications are the e-mails these events sent, each naming its event.
    let notes = app
        .ga(partner)
        .get(&format!("/v1/partners/{partner}/notifications"))
        .await
        .expect(200);
    let mut sent_by = Vec::new();
    for note in notes["items"].as_array().unwrap() {
        let event_id = note["event_id"].as_str().expect("an event id");
        let event = app
            .ga(partner)
            .get(&format!("/v1/events/{event_id}"))
            .await
            .expect(200);
        sent_by.push((
            note["kind"].as_str().unwrap().to_owned(),
            event["type"].as_str().unwrap().to_owned(),
        ));
    }
    let pair = |k: &str, t: &str| (k.to_owned(), t.to_owned());
    assert_eq!(
        sent_by,
        vec![
            pair("enrollment_approved", "enrollment.approved"),
            pair("incentive_invitation", "incentive.invited"),
            pair("partnership_invitation", "partnership_invitation.created"),
            pair("customer_invitation", "customer_invitation.sent"),
            pair("customer_accepted", "customer_invitation.accepted"),
        ]
    );
}

#[tokio::test]
async fn r34_readers_resume_by_after_filter_by_type_and_read_one_event() {
    let app = TestApp::spawn().await;
    let partner = app.indirect_partner().await;
    let ga = app.ga(&partner);
    let all = ga.get("/v1/events").await.expect(200);
    let n = all["items"].as_array().unwrap().len();
    assert!(n >= 4);
    let rest = ga.get("/v1/events?after=2").await.expect(200);
    assert_eq!(sequences(&rest), (3..=n as i64).collect::<Vec<_>>());
    let paged = ga.get("/v1/events?limit=2").await.expect(200);
    assert_eq!(sequences(&paged), vec![1, 2]);
    let cursor = paged["next_cursor"].as_str().unwrap();
    let next = ga
        .get(&format!("/v1/events?limit=2&cursor={cursor}"))
        .await
        .expect(200);
    assert_eq!(sequences(&next), vec![3, 4]);
    let approved = ga
        .get("/v1/events?type=enrollment.approved,agreement.accepted")
        .await
        .expect(200);
    assert_eq!(
        types(&approved),
        vec!["enrollment.approved", "agreement.accepted"]
    );
    ga.get("/v1/events?type=partnership.invited")
        .await
        .expect_problem(400, "bad_request");
    let id = all["items"][0]["id"].as_str().unwrap();
    let one = ga.get(&format!("/v1/events/{id}")).await.expect(200);
    assert_eq!(one, all["items"][0]);
    // The operator reads a tenant's feed by naming it; its own feed is its own.
    let op = app
        .operator()
        .get(&format!("/v1/events?tenant_id={partner}"))
        .await
        .expect(200);
    assert_eq!(op["items"], all["items"]);
    app.operator()
        .get(&format!("/v1/events/{id}?tenant_id={partner}"))
        .await
        .expect(200);
    let own = app.operator().get("/v1/events").await.expect(200);
    assert_eq!(own["items"], json!([]));
    let _ = OPERATOR;
}

#[tokio::test]
async fn r28_events_are_the_tenants_own_and_global_admins_only() {
    let app = TestApp::spawn().await;
    let a = app.partner().await;
    let b = app.partner().await;
    let a_event = app.ga(&a).get("/v1/events").await.expect(200)["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.ga(&b)
        .get(&format!("/v1/events/{a_event}"))
        .await
        .expect_problem(404, "not_found");
    app.ga(&b)
        .get(&format!("/v1/events?tenant_id={a}"))
        .await
        .expect_problem(403, "tenant_mismatch");
    for roles in [&["AdminAgent"][..], &["HelpdeskAgent"][..], &[][..]] {
        app.as_(&a, roles)
            .get("/v1/events")
            .await
            .expect_problem(403, "forbidden");
    }
    app.ga(&a)
        .get(&format!("/v1/events/{}", Uuid::new_v4()))
        .await
        .expect_problem(404, "not_found");
}

/// Many writers add events to one tenant (a provider inviting partners at once) while a reader
/// follows with `after=`: it sees every sequence exactly once, in order, never one ahead of a gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r34_sequences_are_gapless_in_commit_order_under_concurrent_writers() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    let mut partners = Vec::new();
    for _ in 0..12 {
        partners.push(app.indirect_partner().await);
    }
    let ga = app.ga(&provider);
    let path = format!("/v1/indirect-providers/{provider}/partnership-invitations");
    let writers = futures::future::join_all(
        partners
            .iter()
            .map(|p| ga.post(&path, json!({"partner_id": p}))),
    );
    let expected = 1 + partners.len() as i64;
    let reader = async {
        let mut seen = Vec::new();
        let mut last = 0;
        for _ in 0..2000 {
            let page = app
                .ga(&provider)
                .get(&format!("/v1/events?after={last}"))
                .await
                .expect(200);
            for s in sequences(&page) {
                assert_eq!(s, last + 1, "no sequence missed or repeated");
                last = s;
                seen.push(s);
            }
            if last == expected {
                break;
            }
        }
        seen
    };
    let (answers, seen) = futures::join!(writers, reader);
    assert!(answers.iter().all(|r| r.status == 201));
    assert_eq!(seen, (1..=expected).collect::<Vec<_>>());
}
