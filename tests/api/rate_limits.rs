//! API.md "Rate limits": each tenant gets RATE_LIMIT_PER_MINUTE requests a minute per replica;
//! every answer says where it stands; past the limit, 429 `rate_limited` with `Retry-After`.
//! Time comes from the test clock.

use chrono::Duration;

use crate::helpers::{Resp, TestApp};

type Standing = (Option<String>, Option<String>, Option<String>);

fn standing(r: &Resp) -> Standing {
    let h = |name| r.header(name).map(str::to_owned);
    (
        h("ratelimit-limit"),
        h("ratelimit-remaining"),
        h("ratelimit-reset"),
    )
}

fn told(limit: &str, remaining: &str, reset: &str) -> Standing {
    (
        Some(limit.into()),
        Some(remaining.into()),
        Some(reset.into()),
    )
}

#[tokio::test]
async fn each_tenant_gets_its_minute_and_is_told_where_it_stands() {
    let app = TestApp::spawn_with(|a| a.rate_limit_per_minute = "3".into()).await;
    let partner = app.partner().await;
    let other = app.partner().await;
    let path = format!("/v1/partners/{partner}");
    let ga = app.ga(&partner);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let r = ga.get(&path).await;
        assert_eq!(r.status, 200);
        seen.push(standing(&r));
    }
    assert_eq!(
        seen,
        vec![
            told("3", "2", "20"),
            told("3", "1", "40"),
            told("3", "0", "60")
        ]
    );
    let refused = ga.get(&path).await;
    refused.expect_problem(429, "rate_limited");
    assert_eq!(refused.header("retry-after"), Some("20"));
    assert_eq!(standing(&refused).1.as_deref(), Some("0"));
    assert_eq!(
        refused.header("content-type"),
        Some("application/problem+json")
    );
    // Another tenant has a minute of its own.
    app.ga(&other)
        .get(&format!("/v1/partners/{other}"))
        .await
        .expect(200);
    // A request without a usable token counts against its address, and is told too.
    let anonymous = app.anonymous().get("/healthz").await;
    assert_eq!(anonymous.status, 200);
    assert_eq!(standing(&anonymous).0.as_deref(), Some("3"));
    // One request's share of the minute comes back after 20 s.
    app.advance(Duration::seconds(20));
    let again = ga.get(&path).await;
    assert_eq!(again.status, 200);
    assert_eq!(standing(&again).1.as_deref(), Some("0"));
    ga.get(&path).await.expect_problem(429, "rate_limited");
}

#[tokio::test]
async fn zero_turns_limits_off() {
    let app = TestApp::spawn_with(|a| a.rate_limit_per_minute = "0".into()).await;
    let partner = app.partner().await;
    for _ in 0..20 {
        let r = app
            .ga(&partner)
            .get(&format!("/v1/partners/{partner}"))
            .await;
        assert_eq!(r.status, 200);
        assert_eq!(standing(&r), (None, None, None));
    }
}
