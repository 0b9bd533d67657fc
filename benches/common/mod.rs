//! What the service benches share: a database of their own, tokens, a caller, a replica.

#![allow(dead_code)] // each bench uses its part

use std::time::Duration;

use csp_transition::auth::{Claims, mint};
use csp_transition::clock::Clock;
use csp_transition::config::{ConfigArgs, DEFAULT_MAIL_FROM, DatabaseUrl, Settings};
use csp_transition::startup::Application;
use csp_transition::store::{self, AnyConnection};
use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

pub const OPERATOR: &str = "00000000-0000-0000-0000-000000000001";
pub const SECRET: &str = "bench-secret-bench-secret-bench-secret-0123456789";

/// The backends to run: SQLite always; PostgreSQL when `BENCH_DATABASE_URL` names a server's
/// admin database (postgres://postgres@127.0.0.1:5432/postgres), else a line saying it was
/// skipped and how to run it.
pub fn backends() -> Vec<BenchDb> {
    let mut dbs = vec![BenchDb::sqlite()];
    match std::env::var("BENCH_DATABASE_URL") {
        Ok(admin) if !admin.trim().is_empty() => dbs.push(BenchDb::postgres(&admin)),
        _ => println!(
            "postgres: skipped, BENCH_DATABASE_URL is not set (set it to an admin URL such as \
             postgres://postgres@127.0.0.1:5432/postgres; the bench creates and drops a database \
             of its own there)"
        ),
    }
    dbs
}

/// A database of the bench's own: a temporary SQLite file, or a new PostgreSQL database that
/// is dropped with this value.
pub struct BenchDb {
    pub backend: &'static str,
    pub url: String,
    admin: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl BenchDb {
    pub fn sqlite() -> BenchDb {
        let dir = tempfile::tempdir().unwrap();
        BenchDb {
            backend: "sqlite",
            url: dir.path().join("bench.db").to_string_lossy().into_owned(),
            admin: None,
            _dir: dir,
        }
    }

    pub fn postgres(admin_url: &str) -> BenchDb {
        // As `Db::connect` does: OpenSSL without its atexit cleanup, before libpq uses it.
        openssl_sys::init();
        let name = format!("csp_bench_{}", Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(admin_url).expect("BENCH_DATABASE_URL reachable");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .expect("create the bench database");
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b.to_owned())
            .expect("BENCH_DATABASE_URL names a database");
        BenchDb {
            backend: "postgres",
            url: format!("{base}/{name}"),
            admin: Some((admin_url.to_owned(), name)),
            _dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn connect(&self) -> AnyConnection {
        store::establish(&DatabaseUrl::parse(&self.url).unwrap()).unwrap()
    }

    /// Settings for a replica on this database; its development data key lives in `data_dir`,
    /// so replicas given the same directory open each other's sealed values.
    pub fn settings(&self, data_dir: &std::path::Path, senders: bool) -> Settings {
        let args = ConfigArgs {
            database_url: self.url.clone(),
            bind_addr: "127.0.0.1:0".into(),
            public_base_url: None,
            jwt_secret: Some(SECRET.into()),
            jwt_public_key_file: None,
            jwt_jwks_file: None,
            jwt_issuer: None,
            jwt_audience: None,
            operator_tenant_id: OPERATOR.into(),
            enrollment_review: "auto".into(),
            data_key: None,
            data_key_file: None,
            webhook_allow_private: "true".into(),
            smtp_url: None,
            mail_from: DEFAULT_MAIL_FROM.into(),
            senders: if senders { "on" } else { "off" }.into(),
            operation_rate: "0".into(),
            // The benches measure the service, not its limits.
            rate_limit_per_minute: "0".into(),
            database_pool_size: "auto".into(),
        };
        let mut settings = Settings::from_args(&args).unwrap();
        settings.data_dir = data_dir.to_path_buf();
        settings
    }
}

impl Drop for BenchDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = &self.admin {
            if let Ok(mut conn) = PgConnection::establish(admin) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

pub fn token(tenant: &str, roles: &[&str]) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = Claims {
        sub: "bench@example.com".into(),
        tid: tenant.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        exp: now + 3600,
        iat: Some(now),
        iss: None,
        aud: None,
    };
    mint(SECRET, &claims).unwrap()
}

/// A caller of one replica's API.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
}

impl Api {
    pub fn new(base: String) -> Api {
        Api {
            base,
            client: reqwest::Client::new(),
        }
    }

    /// Sends a JSON request; anything but a success stops the bench.
    pub async fn send(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Value,
    ) -> Value {
        let mut req = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(token);
        if method != reqwest::Method::GET {
            req = req.json(&body);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{method} {path}: {status} {body}");
        body
    }

    pub async fn get(&self, token: &str, path: &str) -> Value {
        self.send(reqwest::Method::GET, token, path, Value::Null)
            .await
    }
}

/// Starts a replica on `settings`; it runs until the runtime ends.
pub fn start(settings: &Settings) -> String {
    let app = Application::build(settings, Clock::system()).expect("the replica starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run());
    base
}

/// Seconds, as the tables print them.
pub fn secs(d: Option<Duration>) -> String {
    d.map(|d| format!("{:.2}", d.as_secs_f64()))
        .unwrap_or_else(|| "gave up".into())
}
