//! Issue 10: moving a book of 10,000 direct bill customers. A partner goes through the whole
//! transition over HTTP (enrollment, agreement, a provider), registers `CUSTOMERS` direct bill
//! customers (one in a hundred on Store for Business, so blocked), then:
//!
//! - plans the move of all of them (one request; goal under 2 s),
//! - executes the plan: from the request until the operation has finished in the background,
//!   every customer invited and sent in its own transaction (goal under 60 s),
//! - reads the transition overview with 10,000 open invitations (goal under 100 ms).
//!
//! `cargo bench --bench transition_at_scale` runs SQLite (a temporary file); PostgreSQL too when
//! `BENCH_DATABASE_URL` names a server's admin database (postgres://postgres@127.0.0.1:5432/
//! postgres): the bench creates a database of its own there and drops it afterwards.
//! `BENCH_CUSTOMERS` changes the number of customers (default 10,000).

#![allow(clippy::unwrap_used, clippy::expect_used)] // bench code: a failed unwrap is a failed run

mod common;

use std::time::{Duration, Instant};

use diesel::{QueryableByName, RunQueryDsl};
use futures::StreamExt;
use serde_json::{Value, json};
use uuid::Uuid;

use common::{Api, BenchDb, OPERATOR, backends, secs, start, token};

/// How many overview reads the figure is the median of.
const OVERVIEW_READS: usize = 21;
/// Requests in flight while registering the customers.
const IN_FLIGHT: usize = 32;
/// A run that has not finished by then is reported as such.
const GIVE_UP: Duration = Duration::from_secs(600);

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let customers: usize = std::env::var("BENCH_CUSTOMERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let mut rows = Vec::new();
    for db in backends() {
        rows.push(run(db, customers).await);
    }
    println!();
    println!(
        "{:<9} {:>9} {:>9} {:>8} {:>10} {:>11} {:>10} {:>12} {:>12}",
        "backend",
        "customers",
        "invite",
        "plan s",
        "execute s",
        "customers/s",
        "status",
        "overview ms",
        "(max ms)"
    );
    for r in &rows {
        println!("{r}");
    }
    println!();
    println!(
        "plan s: the POST that plans every customer (goal < 2 s). execute s: from the execute \
         request until the operation finished in the background (goal < 60 s). overview ms: \
         median of {OVERVIEW_READS} reads of GET /v1/partners/{{id}}/transition afterwards \
         (goal < 100 ms)."
    );
}

/// One backend's figures.
struct Row {
    backend: &'static str,
    customers: usize,
    invite: u64,
    plan: Duration,
    execute: Option<Duration>,
    status: String,
    overview: Duration,
    overview_max: Duration,
}

impl std::fmt::Display for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
        let rate = self
            .execute
            .map(|d| format!("{:.0}", self.invite as f64 / d.as_secs_f64()))
            .unwrap_or_else(|| "—".into());
        write!(
            f,
            "{:<9} {:>9} {:>9} {:>8} {:>10} {:>11} {:>10} {:>12} {:>12}",
            self.backend,
            self.customers,
            self.invite,
            secs(Some(self.plan)),
            secs(self.execute),
            rate,
            self.status,
            ms(self.overview),
            ms(self.overview_max),
        )
    }
}

#[derive(QueryableByName)]
struct Status {
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
}

/// A partner through the transition, with `provider` in its list (R1-R15).
async fn indirect_partner(api: &Api, operator: &str) -> (String, String) {
    let partner = Uuid::new_v4().to_string();
    let provider = Uuid::new_v4().to_string();
    let ga = token(&partner, &["GlobalAdmin"]);
    let post = reqwest::Method::POST;
    api.send(
        post.clone(),
        operator,
        "/v1/partners",
        json!({
            "tenant_id": partner,
            "company_name": "Contoso Ltd",
            "region": "DE",
            "mpn_id": "4433221",
            "primary_contact_email": "ops@contoso.com",
            "mpn_account_email": "mpn@contoso.com",
            "offboarding_identified": true
        }),
    )
    .await;
    api.send(
        post.clone(),
        &ga,
        &format!("/v1/partners/{partner}/indirect-reseller-enrollment"),
        json!({}),
    )
    .await;
    let version = api.get(&ga, "/v1/agreements/indirect-reseller").await["version"].clone();
    api.send(
        post.clone(),
        &ga,
        &format!("/v1/partners/{partner}/agreement-acceptances"),
        json!({"agreement_version": version}),
    )
    .await;
    api.send(
        post.clone(),
        operator,
        "/v1/indirect-providers",
        json!({
            "tenant_id": provider,
            "name": "Northwind Distribution",
            "regions": ["DE", "AT"],
            "services": ["marketing"],
            "contact_email": "partners@northwind.example"
        }),
    )
    .await;
    let invitation = api
        .send(
            post.clone(),
            &token(&provider, &["GlobalAdmin"]),
            &format!("/v1/indirect-providers/{provider}/partnership-invitations"),
            json!({"partner_id": partner}),
        )
        .await;
    let link = invitation["link"].as_str().unwrap();
    let partnership_token = link.split("token=").nth(1).unwrap();
    api.send(
        post,
        &ga,
        &format!(
            "/v1/partnership-invitations/{}/accept",
            invitation["id"].as_str().unwrap()
        ),
        json!({"token": partnership_token}),
    )
    .await;
    (partner, provider)
}

async fn run(db: BenchDb, customers: usize) -> Row {
    let data = tempfile::tempdir().unwrap();
    let api = Api::new(start(&db.settings(data.path(), true)));
    let operator = token(OPERATOR, &["ProgramAdmin"]);
    let (partner, provider) = indirect_partner(&api, &operator).await;
    let ga = token(&partner, &["GlobalAdmin"]);

    println!(
        "{}: registering {customers} direct bill customers…",
        db.backend
    );
    let seeded = Instant::now();
    let path = format!("/v1/partners/{partner}/customers");
    futures::stream::iter(0..customers)
        .map(|i| {
            let (api, ga, path) = (api.clone(), ga.clone(), path.clone());
            async move {
                api.send(
                    reqwest::Method::POST,
                    &ga,
                    &path,
                    json!({
                        "company_name": format!("Customer {i:05}"),
                        "domain": format!("customer{i:05}.onmicrosoft.com"),
                        // R22: one in a hundred cannot move.
                        "store_for_business": i % 100 == 0
                    }),
                )
                .await
            }
        })
        .buffer_unordered(IN_FLIGHT)
        .for_each(|_| async {})
        .await;
    println!(
        "{}: registered in {:.1} s; planning",
        db.backend,
        seeded.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let plan = api
        .send(
            reqwest::Method::POST,
            &ga,
            &format!("/v1/partners/{partner}/transition-plans"),
            json!({"provider_id": provider, "message": "We move to Northwind this month."}),
        )
        .await;
    let planned = started.elapsed();
    println!("{}: planned in {:.2} s", db.backend, planned.as_secs_f64());
    assert_eq!(plan["summary"]["total"], customers);
    let invite = plan["summary"]["invite"].as_u64().unwrap();

    println!("{}: executing the plan ({invite} to invite)…", db.backend);
    let started = Instant::now();
    let op = api
        .send(
            reqwest::Method::POST,
            &ga,
            &format!(
                "/v1/partners/{partner}/transition-plans/{}/execute",
                plan["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    let id = op["id"].as_str().unwrap().to_owned();
    let execute = until_finished(&db, &id, started).await;
    println!("{}: executed in {} s", db.backend, secs(execute));
    let op = api.get(&ga, &format!("/v1/operations/{id}")).await;
    assert_eq!(op["progress"]["done"], op["progress"]["total"]);

    let overview_path = format!("/v1/partners/{partner}/transition");
    let mut reads = Vec::new();
    let mut overview = Value::Null;
    for _ in 0..OVERVIEW_READS {
        let started = Instant::now();
        overview = api.get(&ga, &overview_path).await;
        reads.push(started.elapsed());
    }
    assert_eq!(overview["customers"]["moving"], invite);
    reads.sort();
    Row {
        backend: db.backend,
        customers,
        invite,
        plan: planned,
        execute,
        status: op["status"].as_str().unwrap().to_owned(),
        overview: reads[reads.len() / 2],
        overview_max: reads[reads.len() - 1],
    }
}

/// Polls the database (not the API, whose answer holds every result) until the operation is no
/// longer running; answers how long it took since `since`.
async fn until_finished(db: &BenchDb, id: &str, since: Instant) -> Option<Duration> {
    let mut conn = db.connect();
    let sql = format!("SELECT status FROM operations WHERE id = '{id}'");
    loop {
        let rows: Vec<Status> = diesel::sql_query(&sql).load(&mut conn).unwrap();
        if rows.first().is_some_and(|r| r.status != "running") {
            return Some(since.elapsed());
        }
        if since.elapsed() > GIVE_UP {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
