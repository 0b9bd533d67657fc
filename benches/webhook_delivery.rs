//! Issue 8: webhook deliveries per second to a local receiver that answers at once. The sender
//! must keep up with 500 events/s on SQLite and on PostgreSQL.
//!
//! For each backend, a replica with `SENDERS=off` builds a backlog of about `DELIVERIES` pending
//! deliveries (one endpoint, ~100 events, replayed until the backlog is large enough) without
//! sending any; then a second replica with `SENDERS=on` starts on the same database and data key,
//! and the figure is the time from its start until the receiver has counted every delivery (and
//! until the database has recorded each as succeeded). A steady case follows: deliveries offered
//! at 500/s (replays of 50 events every 100 ms) while the sender runs.
//!
//! `cargo bench --bench webhook_delivery` runs SQLite (a temporary file); PostgreSQL too when
//! `BENCH_DATABASE_URL` names a server's admin database (postgres://postgres@127.0.0.1:5432/
//! postgres): the bench creates a database of its own there and drops it afterwards.

#![allow(clippy::unwrap_used, clippy::expect_used)] // bench code: a failed unwrap is a failed run

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use csp_transition::store::{self, AnyConnection};
use diesel::{QueryableByName, RunQueryDsl};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

use common::{Api, BenchDb, OPERATOR, backends, secs, start, token};

/// The backlog the sending replica drains (about: whole replays of the endpoint's feed).
const DELIVERIES: i64 = 5000;
/// Events of the partner's feed made by PATCH (besides its registration).
const EVENTS: usize = 100;
/// What the sender must sustain (issue 8).
const TARGET: f64 = 500.0;
/// The steady case: 50 deliveries every 100 ms for 10 s.
const STEADY_BATCH: i64 = 50;
const STEADY_EVERY: Duration = Duration::from_millis(100);
const STEADY_ROUNDS: usize = 100;
/// A run that has not finished by then is reported as such.
const GIVE_UP: Duration = Duration::from_secs(180);

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let mut rows = Vec::new();
    for db in backends() {
        rows.push(run(db).await);
    }
    println!();
    println!(
        "{:<9} {:>10} {:>9} {:>10} {:>10} {:>12} {:>6} | {:>14} {:>10}",
        "backend",
        "deliveries",
        "first s",
        "received s",
        "recorded s",
        "deliveries/s",
        "≥500/s",
        "steady offered",
        "steady lag"
    );
    for r in &rows {
        println!("{r}");
    }
    println!();
    println!(
        "deliveries/s = deliveries / seconds from the sending replica's start until the receiver \
         counted them all (recorded s: until the database recorded each as succeeded). Steady: \
         {} deliveries/s offered for {} s; lag = seconds after the last offer until all arrived.",
        (STEADY_BATCH as f64 / STEADY_EVERY.as_secs_f64()) as u64,
        (STEADY_EVERY * STEADY_ROUNDS as u32).as_secs()
    );
}

/// One backend's figures.
struct Row {
    backend: &'static str,
    deliveries: i64,
    first: Option<Duration>,
    received: Option<Duration>,
    recorded: Option<Duration>,
    duplicates: usize,
    steady: Option<(f64, Option<Duration>)>,
}

impl std::fmt::Display for Row {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rate = self
            .received
            .map(|d| self.deliveries as f64 / d.as_secs_f64());
        let meets = match rate {
            Some(r) if r >= TARGET && self.duplicates == 0 => "yes",
            _ => "NO",
        };
        let (offered, lag) = match self.steady {
            Some((offered, lag)) => (format!("{offered:.0}/s"), secs(lag)),
            None => ("—".into(), "—".into()),
        };
        write!(
            f,
            "{:<9} {:>10} {:>9} {:>10} {:>10} {:>12} {:>6} | {:>14} {:>10}",
            self.backend,
            self.deliveries,
            secs(self.first),
            secs(self.received),
            secs(self.recorded),
            rate.map(|r| format!("{r:.0}"))
                .unwrap_or_else(|| "—".into()),
            meets,
            offered,
            lag
        )?;
        if self.duplicates > 0 {
            write!(f, "  ({} duplicate requests!)", self.duplicates)?;
        }
        Ok(())
    }
}

/// A receiver that answers 204 at once, over keep-alive connections, and counts requests.
#[derive(Clone)]
struct Receiver {
    url: String,
    count: Arc<AtomicUsize>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Receiver {
            url: format!("http://{}/hooks", listener.local_addr().unwrap()),
            count: Arc::new(AtomicUsize::new(0)),
        };
        let count = receiver.count.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, count.clone()));
            }
        });
        receiver
    }

    fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
}

async fn serve(mut stream: TcpStream, count: Arc<AtomicUsize>) {
    let mut buf = Vec::new();
    while read_request(&mut stream, &mut buf).await.is_some() {
        count.fetch_add(1, Ordering::SeqCst);
        let answer = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n";
        if stream.write_all(answer).await.is_err() {
            return;
        }
    }
}

/// Consumes one HTTP/1.1 request with a `content-length` body; None when the connection ends.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<()> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        fill(stream, buf).await?;
    };
    let length: usize = String::from_utf8_lossy(&buf[..head_end])
        .split("\r\n")
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    let end = head_end + 4 + length;
    while buf.len() < end {
        fill(stream, buf).await?;
    }
    buf.drain(..end);
    Some(())
}

async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 8192];
    let n = stream.read(&mut chunk).await.ok()?;
    if n == 0 {
        return None;
    }
    buf.extend_from_slice(&chunk[..n]);
    Some(())
}

fn pending(conn: &mut AnyConnection) -> i64 {
    store::webhooks::backlog(conn).unwrap()
}

#[derive(QueryableByName)]
struct Sequence {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    sequence: i64,
}

/// The `after_sequence` that replays the tenant's last `n` events.
fn before_last(conn: &mut AnyConnection, tenant: &str, n: i64) -> i64 {
    let sql = format!(
        "SELECT sequence FROM events WHERE tenant_id = '{tenant}' ORDER BY sequence DESC \
         LIMIT 1 OFFSET {n}"
    );
    let rows: Vec<Sequence> = diesel::sql_query(sql).load(conn).unwrap();
    rows.first().map(|r| r.sequence).unwrap_or(0)
}

/// Polls until `done` holds, or `GIVE_UP` after `since`; answers when it held.
async fn until(since: Instant, mut done: impl FnMut() -> bool) -> Option<Duration> {
    loop {
        if done() {
            return Some(since.elapsed());
        }
        if since.elapsed() > GIVE_UP {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

async fn run(db: BenchDb) -> Row {
    println!(
        "{}: building a backlog of about {DELIVERIES} deliveries…",
        db.backend
    );
    let data = tempfile::tempdir().unwrap();
    // Both replicas use the development data key made here, so B opens A's sealed secrets.
    let settings = db.settings(data.path(), false);
    let receiver = Receiver::start().await;
    let api = Api::new(start(&settings));

    let partner = Uuid::new_v4().to_string();
    let operator = token(OPERATOR, &["ProgramAdmin"]);
    let admin = token(&partner, &["GlobalAdmin"]);
    api.send(
        reqwest::Method::POST,
        &operator,
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
    let endpoint = api
        .send(
            reqwest::Method::POST,
            &admin,
            "/v1/webhook-endpoints",
            json!({"url": receiver.url, "event_types": ["*"]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for i in 0..EVENTS {
        let name = if i % 2 == 0 {
            "Contoso GmbH"
        } else {
            "Contoso Ltd"
        };
        api.send(
            reqwest::Method::PATCH,
            &admin,
            &format!("/v1/partners/{partner}"),
            json!({"company_name": name}),
        )
        .await;
    }
    let mut conn = db.connect();
    let replay = format!("/v1/webhook-endpoints/{endpoint}/replay");
    while pending(&mut conn) < DELIVERIES {
        api.send(
            reqwest::Method::POST,
            &admin,
            &replay,
            json!({"after_sequence": 0}),
        )
        .await;
    }
    let deliveries = pending(&mut conn);
    assert_eq!(receiver.count(), 0, "SENDERS=off sends nothing");

    println!(
        "{}: {deliveries} pending; starting the sending replica",
        db.backend
    );
    let mut sending = settings.clone();
    sending.senders = true;
    let started = Instant::now();
    start(&sending);
    let first = until(started, || receiver.count() > 0).await;
    let received = until(started, || receiver.count() >= deliveries as usize).await;
    let recorded = until(started, || pending(&mut conn) == 0).await;
    // Anything sent twice would arrive by now.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let duplicates = receiver.count().saturating_sub(deliveries as usize);

    let steady = if recorded.is_some() {
        Some(steady(&api, &admin, &replay, &partner, &receiver, &mut conn).await)
    } else {
        None
    };
    Row {
        backend: db.backend,
        deliveries,
        first,
        received,
        recorded,
        duplicates,
        steady,
    }
}

/// Offers `STEADY_BATCH` deliveries every `STEADY_EVERY` while the sender runs; answers the
/// rate actually offered and how long after the last offer every delivery had arrived.
async fn steady(
    api: &Api,
    admin: &str,
    replay: &str,
    partner: &str,
    receiver: &Receiver,
    conn: &mut AnyConnection,
) -> (f64, Option<Duration>) {
    let after = before_last(conn, partner, STEADY_BATCH);
    let base = receiver.count();
    let mut offered = 0i64;
    let started = Instant::now();
    let mut ticks = tokio::time::interval(STEADY_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    for _ in 0..STEADY_ROUNDS {
        ticks.tick().await;
        api.send(
            reqwest::Method::POST,
            admin,
            replay,
            json!({"after_sequence": after}),
        )
        .await;
        offered += STEADY_BATCH;
    }
    let rate = offered as f64 / started.elapsed().as_secs_f64();
    let last = Instant::now();
    let lag = until(last, || receiver.count() >= base + offered as usize).await;
    (rate, lag)
}
