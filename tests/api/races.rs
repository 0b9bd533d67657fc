//! Writers racing on one partner's data (replicas on PostgreSQL): rules hold under concurrency.

use serde_json::json;

use crate::helpers::{TestApp, token_of};

#[tokio::test]
async fn r9_r11_a_profile_edit_racing_the_agreement_never_turns_the_program_off() {
    let app = TestApp::spawn().await;
    let mut partners = Vec::new();
    for _ in 0..10 {
        let id = app.partner().await;
        app.ga(&id)
            .post(
                &format!("/v1/partners/{id}/indirect-reseller-enrollment"),
                json!({}),
            )
            .await
            .expect(201);
        partners.push(id);
    }
    let version = app
        .ga(&partners[0])
        .get("/v1/agreements/indirect-reseller")
        .await
        .expect(200)["version"]
        .clone();
    let app = &app;
    let answers = futures::future::join_all(partners.iter().map(|id| {
        let version = version.clone();
        async move {
            let ga = app.ga(id);
            let accept_path = format!("/v1/partners/{id}/agreement-acceptances");
            let patch_path = format!("/v1/partners/{id}");
            let accept = ga.post(&accept_path, json!({"agreement_version": version}));
            let patch = ga.patch(&patch_path, json!({"company_name": "Renamed"}));
            let (a, p) = futures::join!(accept, patch);
            (a.status, p.status)
        }
    }))
    .await;
    assert!(answers.iter().all(|a| *a == (201, 200)), "{answers:?}");
    for id in &partners {
        let p = app
            .ga(id)
            .get(&format!("/v1/partners/{id}"))
            .await
            .expect(200);
        assert_eq!(
            p["programs"],
            json!(["direct_bill", "indirect_reseller"]),
            "R9: {id}"
        );
        assert_eq!(p["company_name"], "Renamed", "the edit is kept too");
    }
}

#[tokio::test]
async fn r16_two_invitations_for_one_customer_accepted_at_once_give_one_relationship() {
    let app = TestApp::spawn().await;
    let first = app.provider().await;
    let partner = app.partnered(&first).await;
    let second = app.provider().await;
    let (id, token) = app.invite_partner(&second, &partner).await;
    app.ga(&partner)
        .post(
            &format!("/v1/partnership-invitations/{id}/accept"),
            json!({"token": token}),
        )
        .await
        .expect(200);
    for round in 0..3 {
        let customer = app.direct_customer(&partner, false).await;
        let invitations = [
            json!({"provider_id": first, "customer_id": customer}),
            json!({"provider_id": second}),
        ];
        let mut links = Vec::new();
        for body in invitations {
            let inv = app
                .ga(&partner)
                .post(
                    &format!("/v1/partners/{partner}/customer-invitations"),
                    body,
                )
                .await
                .expect(201);
            links.push((
                inv["id"].as_str().unwrap().to_owned(),
                token_of(&inv["link"]),
            ));
        }
        let ga = app.ga(&customer);
        let paths: Vec<String> = links
            .iter()
            .map(|(id, _)| format!("/v1/customer-invitations/{id}/accept"))
            .collect();
        let answers = futures::future::join_all(
            paths
                .iter()
                .zip(&links)
                .map(|(path, (_, token))| ga.post(path, json!({"token": token}))),
        )
        .await;
        let mut statuses: Vec<(u16, String)> = answers
            .iter()
            .map(|r| (r.status, r.code().to_owned()))
            .collect();
        statuses.sort();
        assert_eq!(
            statuses,
            vec![(200, String::new()), (409, "already_indirect".to_owned())],
            "round {round}"
        );
    }
}

/// Two partners of one provider: the customer accepts both invitations at once. Both links the
/// provider to the same customer; the primary key decides, and neither answer is a 500.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_partners_of_one_provider_accepting_for_one_customer_at_once_both_succeed() {
    let app = TestApp::spawn().await;
    let provider = app.provider().await;
    for _ in 0..4 {
        // The customer is a direct bill customer of the first partner, which asks it to move;
        // the second partner invites it as a new customer of its own.
        let (first, customer, moving) = app.move_invitation(&provider).await;
        let second = app.partnered(&provider).await;
        let fresh = app
            .ga(&second)
            .post(
                &format!("/v1/partners/{second}/customer-invitations"),
                json!({"provider_id": provider}),
            )
            .await
            .expect(201);
        let ga = app.ga(&customer);
        let path = |inv: &serde_json::Value| {
            format!(
                "/v1/customer-invitations/{}/accept",
                inv["id"].as_str().unwrap()
            )
        };
        let (pa, pb) = (path(&moving), path(&fresh));
        let (ta, tb) = (token_of(&moving["link"]), token_of(&fresh["link"]));
        let (a, b) = futures::join!(
            ga.post(&pa, json!({"token": ta})),
            ga.post(&pb, json!({"token": tb}))
        );
        assert_eq!((a.status, b.status), (200, 200), "{} / {}", a.body, b.body);
        for partner in [&first, &second] {
            let c = app
                .ga(partner)
                .get(&format!("/v1/partners/{partner}/customers/{customer}"))
                .await
                .expect(200);
            assert_eq!(c["relationship"], "indirect_reseller");
        }
    }
}
