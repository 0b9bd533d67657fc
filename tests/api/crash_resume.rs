//! R37: an operation interrupted by a crash is resumed, and nobody is invited twice. The real
//! binary works the operation; the test kills it (SIGKILL) mid-way, starts another process on
//! the same database, and checks that every customer has exactly one invitation.

use std::collections::BTreeSet;
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

use crate::bulk_move::{finished, invitations_per_customer};
use crate::helpers::{OPERATOR, SECRET, TestApp};

/// 32 bytes, base64: both this test's server and the processes seal and open with it.
const DATA_KEY: &str = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";

/// The service as deployed, working operations at `rate` customers a second.
fn worker(app: &TestApp, rate: u32) -> Child {
    Command::new(env!("CARGO_BIN_EXE_csp-transition"))
        .arg("serve")
        .env("DATABASE_URL", &app.db.url)
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("JWT_SECRET", SECRET)
        .env("OPERATOR_TENANT_ID", OPERATOR)
        .env("DATA_KEY", DATA_KEY)
        .env("SENDERS", "on")
        .env("OPERATION_RATE", rate.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts")
}

async fn operation(app: &TestApp, partner: &str, id: &str) -> Value {
    app.ga(partner)
        .get(&format!("/v1/operations/{id}"))
        .await
        .expect(200)
}

#[tokio::test]
async fn r37_a_crash_mid_operation_is_resumed_without_inviting_anyone_twice() {
    // This server only answers requests (SENDERS=off); the processes do the work.
    let app = TestApp::spawn_with(|a| {
        a.senders = "off".into();
        a.data_key = Some(DATA_KEY.into());
    })
    .await;
    let provider = app.provider().await;
    let partner = app.partnered(&provider).await;
    let mut customers = BTreeSet::new();
    for _ in 0..40 {
        customers.insert(app.direct_customer(&partner, false).await);
    }
    let plan = app
        .ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/transition-plans"),
            json!({"provider_id": provider}),
        )
        .await
        .expect(201);
    let op = app
        .ga(&partner)
        .post(
            &format!(
                "/v1/partners/{partner}/transition-plans/{}/execute",
                plan["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await
        .expect(202);
    let id = op["id"].as_str().unwrap().to_owned();

    // 20 customers a second: 2 s of work. Killed once a few are done.
    let mut first = worker(&app, 20);
    let mut done = 0;
    for _ in 0..1500 {
        done = operation(&app, &partner, &id).await["progress"]["done"]
            .as_u64()
            .unwrap();
        if done >= 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    first.kill().expect("killed");
    first.wait().expect("reaped");
    let at_crash = operation(&app, &partner, &id).await;
    let handled = at_crash["progress"]["done"].as_u64().unwrap();
    assert!(
        handled >= done && handled < 40,
        "killed mid-way: {handled} of 40 handled"
    );
    assert_eq!(at_crash["status"], "running");
    assert_eq!(
        invitations_per_customer(&app, &partner).len() as u64,
        handled,
        "each handled customer's invitation committed with its result, and no other"
    );

    // Another process resumes it where it stopped.
    let mut second = worker(&app, 0);
    let op = finished(&app, &partner, &id).await;
    second.kill().expect("killed");
    second.wait().expect("reaped");
    assert_eq!(op["status"], "succeeded");
    assert_eq!(
        op["progress"],
        json!({"total": 40, "done": 40, "failed": 0})
    );
    let per_customer = invitations_per_customer(&app, &partner);
    assert_eq!(
        per_customer.keys().cloned().collect::<BTreeSet<_>>(),
        customers
    );
    assert!(
        per_customer.values().all(|n| *n == 1),
        "nobody invited twice: {per_customer:?}"
    );
    let invitation_ids: BTreeSet<&str> = op["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["invitation_id"].as_str().unwrap())
        .collect();
    assert_eq!(invitation_ids.len(), 40);
    let feed = app
        .ga(&partner)
        .get("/v1/events?type=operation.finished,customer_invitation.sent&limit=200")
        .await
        .expect(200);
    let types: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "customer_invitation.sent")
            .count(),
        40
    );
    assert_eq!(
        types.iter().filter(|t| **t == "operation.finished").count(),
        1
    );
}
