//! What only a PostgreSQL server shows: outages (through a TCP proxy the test cuts), row locks
//! held across requests, and two replica processes on one database. `.ci/run` runs these with
//! `--ignored` in its PostgreSQL leg; they fail, not skip, without PostgreSQL.

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::Method;
use serde_json::json;
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use crate::helpers::{SECRET, TestApp, TestDb, token_of};

const IGNORED: &str = "PostgreSQL only: .ci/run runs it with --ignored";

fn require_postgres(db: &TestDb) {
    assert!(
        db.is_postgres(),
        "{IGNORED}; set TEST_DATABASE_URL to a postgres:// URL"
    );
}

/// A TCP proxy in front of PostgreSQL that the test can cut (every connection dropped, new ones
/// closed at once) and restore.
struct Proxy {
    addr: SocketAddr,
    cut: Arc<Mutex<bool>>,
    links: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cut = Arc::new(Mutex::new(false));
        let links = Arc::new(Mutex::new(Vec::new()));
        let (c, l) = (cut.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if *c.lock().unwrap() {
                    continue; // dropped: the connection closes at once
                }
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                l.lock().unwrap().push(link.abort_handle());
            }
        });
        Proxy { addr, cut, links }
    }

    fn cut(&self) {
        *self.cut.lock().unwrap() = true;
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        *self.cut.lock().unwrap() = false;
    }
}

/// The service on a fresh database, reaching PostgreSQL through `proxy`.
async fn through(proxy: &Proxy) -> TestApp {
    let host = proxy.addr.to_string();
    TestApp::spawn_with(move |a| {
        let (user, rest) = a.database_url.split_once('@').unwrap();
        let db = rest.split_once('/').unwrap().1;
        a.database_url = format!("{user}@{host}/{db}");
    })
    .await
}

fn server_of(url: &str) -> SocketAddr {
    let host = url.split_once('@').unwrap().1.split('/').next().unwrap();
    let host = if host.contains(':') {
        host.to_owned()
    } else {
        format!("{host}:5432")
    };
    host.replace("localhost", "127.0.0.1").parse().unwrap()
}

/// Holds `SELECT ... FOR UPDATE` on a partner row from a connection of the test's own, until
/// the returned sender is dropped or signalled.
fn hold_partner_lock(url: &str, partner: &str) -> std::sync::mpsc::Sender<()> {
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let (url, partner) = (url.to_owned(), partner.to_owned());
    std::thread::spawn(move || {
        let mut conn = PgConnection::establish(&url).unwrap();
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            diesel::sql_query(format!(
                "SELECT tenant_id FROM partners WHERE tenant_id = '{partner}' FOR UPDATE"
            ))
            .execute(conn)?;
            locked_tx.send(()).unwrap();
            let _ = release_rx.recv();
            Ok(())
        })
        .unwrap();
    });
    locked_rx.recv().unwrap();
    release_tx
}

/// Waits until `n` queries of the test database wait on a lock.
async fn until_waiting_on_locks(db: &TestDb, n: usize) {
    let name = db.url.rsplit('/').next().unwrap().to_owned();
    for _ in 0..500 {
        let waiting = db.texts(&format!(
            "SELECT pid::text AS v FROM pg_stat_activity WHERE datname = '{name}' AND wait_event_type = 'Lock'"
        ));
        if waiting.len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("no request came to wait on the lock");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL only: .ci/run runs it with --ignored"]
async fn an_outage_answers_503_quickly_and_the_service_recovers_by_itself() {
    let probe = TestDb::new();
    require_postgres(&probe);
    let proxy = Proxy::start(server_of(&probe.url)).await;
    let app = through(&proxy).await;
    let partner = app.partner().await;
    app.ga(&partner)
        .get(&format!("/v1/partners/{partner}"))
        .await
        .expect(200);

    proxy.cut();
    let started = Instant::now();
    let r = app
        .ga(&partner)
        .get(&format!("/v1/partners/{partner}"))
        .await;
    let took = started.elapsed();
    r.expect_problem(503, "unavailable");
    assert!(r.header("retry-after").is_some());
    assert!(r.header("x-request-id").is_some());
    assert!(took < Duration::from_secs(2), "503 after {took:?}");
    let started = Instant::now();
    let ready = app.anonymous().get("/readyz").await;
    let took = started.elapsed();
    ready.expect_problem(503, "unavailable");
    assert!(took < Duration::from_secs(1), "/readyz after {took:?}");
    let write = app
        .ga(&partner)
        .patch(
            &format!("/v1/partners/{partner}"),
            json!({"company_name": "Down"}),
        )
        .await;
    write.expect_problem(503, "unavailable");

    proxy.restore();
    // The pool reconnects in the background (r2d2 retries with a short backoff).
    let mut ready = app.anonymous().get("/readyz").await;
    for _ in 0..20 {
        if ready.status == 200 {
            break;
        }
        ready = app.anonymous().get("/readyz").await;
    }
    ready.expect(200);
    let back = app
        .ga(&partner)
        .patch(
            &format!("/v1/partners/{partner}"),
            json!({"company_name": "Back"}),
        )
        .await
        .expect(200);
    assert_eq!(back["company_name"], "Back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL only: .ci/run runs it with --ignored"]
async fn a_request_whose_connection_breaks_mid_flight_answers_503_not_500() {
    let probe = TestDb::new();
    require_postgres(&probe);
    let proxy = Proxy::start(server_of(&probe.url)).await;
    let app = through(&proxy).await;
    let partner = app.partner().await;
    let release = hold_partner_lock(&app.db.url, &partner);
    let path = format!("/v1/partners/{partner}");
    let ga = app.ga(&partner);
    let in_flight = ga.patch(&path, json!({"company_name": "Mid-flight"}));
    let cut_when_waiting = async {
        until_waiting_on_locks(&app.db, 1).await;
        proxy.cut();
    };
    let (r, ()) = futures::join!(in_flight, cut_when_waiting);
    r.expect_problem(503, "unavailable");
    drop(release);
    proxy.restore();
    let now = ga.get(&path).await.expect(200);
    assert_ne!(
        now["company_name"], "Mid-flight",
        "the broken change did not happen"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL only: .ci/run runs it with --ignored"]
async fn a_key_in_use_is_409_and_a_take_over_after_the_lease_never_acts_twice() {
    let app = TestApp::spawn().await;
    require_postgres(&app.db);
    let partner = app.partner().await;
    let release = hold_partner_lock(&app.db.url, &partner);
    let ga = app.ga(&partner);
    let path = format!("/v1/partners/{partner}/customers");
    let body = json!({"company_name": "Fourth Coffee", "domain": "fourthcoffee.example"});
    let key = [("Idempotency-Key", "slow-one")];
    let first = ga.send_with(Method::POST, &path, body.clone(), &key);
    let meanwhile = async {
        until_waiting_on_locks(&app.db, 1).await;
        // The first request holds its claim and waits on the partner lock.
        let busy = ga.send_with(Method::POST, &path, body.clone(), &key).await;
        busy.expect_problem(409, "idempotency_key_in_use");
        assert_eq!(busy.header("retry-after"), Some("1"));
        // Past the lease another request may take the key over; it waits for the first one
        // and then finds the key answered.
        app.advance(chrono::Duration::minutes(2));
        let taker = ga.send_with(Method::POST, &path, body.clone(), &key);
        let let_go = async {
            until_waiting_on_locks(&app.db, 2).await;
            release.send(()).unwrap();
        };
        let (taken, ()) = futures::join!(taker, let_go);
        taken
    };
    let (first, taken) = futures::join!(first, meanwhile);
    let first = first.expect(201);
    taken.expect_problem(409, "idempotency_key_in_use");
    let again = ga.send_with(Method::POST, &path, body, &key).await;
    assert_eq!((again.status, &again.body), (201, &first));
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let list = ga.get(&path).await.expect(200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "acted once");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Replica(Child);

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn replica(url: &str, port: u16, data_key: &str) -> Replica {
    Replica(
        Command::new(env!("CARGO_BIN_EXE_csp-transition"))
            .env("DATABASE_URL", url)
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .env("JWT_SECRET", SECRET)
            .env("DATA_KEY", data_key)
            .env("RUST_LOG", "warn")
            .env_remove("JWT_ISSUER")
            .env_remove("JWT_AUDIENCE")
            .env_remove("DATA_KEY_FILE")
            .arg("serve")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "PostgreSQL only: .ci/run runs it with --ignored"]
async fn two_replicas_start_at_once_on_a_fresh_database_and_a_link_is_accepted_once() {
    use base64::Engine;
    let db = TestDb::new();
    require_postgres(&db);
    let key = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
    let ports = [free_port(), free_port()];
    let _replicas: Vec<Replica> = ports.iter().map(|p| replica(&db.url, *p, &key)).collect();
    let client = reqwest::Client::new();
    for port in ports {
        let ready = format!("http://127.0.0.1:{port}/readyz");
        let mut up = false;
        for _ in 0..600 {
            if let Ok(r) = client.get(&ready).send().await {
                if r.status() == 200 {
                    up = true;
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(up, "replica on port {port} did not become ready");
    }
    // Set-up through a third process-internal instance on the same database.
    let (url, setup_key) = (db.url.clone(), key.clone());
    let app = TestApp::spawn_with(move |a| {
        a.database_url = url;
        a.data_key = Some(setup_key);
    })
    .await;
    let provider = app.provider().await;
    let (_, customer, inv) = app.move_invitation(&provider).await;
    let token = token_of(&inv["link"]);
    let id = inv["id"].as_str().unwrap().to_owned();
    let bearer = crate::helpers::token_for(&customer, &["GlobalAdmin"], "customer-admin");
    let answers = futures::future::join_all((0..32).map(|i| {
        let url = format!(
            "http://127.0.0.1:{}/v1/customer-invitations/{id}/accept",
            ports[i % 2]
        );
        let request = client
            .post(url)
            .bearer_auth(&bearer)
            .json(&json!({"token": token}));
        async move {
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            (status, body)
        }
    }))
    .await;
    let ok = answers.iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(ok, 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != 200) {
        assert_eq!(
            (*status, body["code"].as_str()),
            (409, Some("invalid_state")),
            "{body}"
        );
    }
}
