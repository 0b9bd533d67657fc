//! `TestApp`: the real server on port 0 over a fresh database, and callers with real tokens.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{Duration, Utc};
use csp_transition::auth::{Claims, mint};
use csp_transition::clock::Clock;
use csp_transition::config::{ConfigArgs, Settings};
use csp_transition::startup::Application;
use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::smtp_sink::SmtpSink;

pub const OPERATOR: &str = "00000000-0000-0000-0000-000000000001";
pub const SECRET: &str = "test-secret-test-secret-test-secret-0123456789";

/// A database of its own: a temporary SQLite file, or a new PostgreSQL database when
/// `TEST_DATABASE_URL` names a server.
pub struct TestDb {
    pub url: String,
    admin_url: Option<String>,
    name: String,
    _dir: tempfile::TempDir,
}

impl TestDb {
    pub fn new() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                // As `Db::connect` does: OpenSSL without its atexit cleanup, before libpq uses it.
                openssl_sys::init();
                let name = format!("csp_test_{}", Uuid::new_v4().simple());
                let mut conn =
                    PgConnection::establish(&admin_url).expect("TEST_DATABASE_URL reachable");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create database");
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b.to_owned())
                    .expect("URL with a database");
                TestDb {
                    url: format!("{base}/{name}"),
                    admin_url: Some(admin_url),
                    name,
                    _dir: dir,
                }
            }
            _ => {
                let url = dir.path().join("test.db").to_string_lossy().into_owned();
                TestDb {
                    url,
                    admin_url: None,
                    name: String::new(),
                    _dir: dir,
                }
            }
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.admin_url.is_some()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(admin) = &self.admin_url {
            if let Ok(mut conn) = PgConnection::establish(admin) {
                let _ = diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .execute(&mut conn);
            }
        }
    }
}

pub fn default_args(db: &TestDb, data_dir: &std::path::Path) -> ConfigArgs {
    let _ = data_dir;
    ConfigArgs {
        database_url: db.url.clone(),
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
        webhook_allow_private: "false".into(),
        smtp_url: None,
        mail_from: csp_transition::config::DEFAULT_MAIL_FROM.into(),
        senders: "on".into(),
        operation_rate: "0".into(),
        rate_limit_per_minute: "6000".into(),
        database_pool_size: "auto".into(),
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub db: TestDb,
    /// Seconds added to the real time: the service's clock in tests.
    offset_secs: Arc<AtomicI64>,
    settings: Settings,
    _data: tempfile::TempDir,
}

/// Another server on a `TestApp`'s database (`TestApp::replica`).
pub struct Replica {
    pub base: String,
    handle: actix_web::dev::ServerHandle,
}

impl Replica {
    /// Stops it, senders included, and waits until it has.
    pub async fn stop(self) {
        self.handle.stop(false).await;
    }
}

/// The real server on port 0, its clock `offset_secs` ahead of real time.
fn start(settings: &Settings, offset_secs: &Arc<AtomicI64>) -> Replica {
    let offset = offset_secs.clone();
    let clock =
        Clock::from_fn(move || Utc::now() + Duration::seconds(offset.load(Ordering::SeqCst)));
    let app = Application::build(settings, clock).expect("application starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run());
    Replica { base, handle }
}

pub struct Resp {
    pub status: u16,
    pub body: Value,
    pub headers: HeaderMap,
}

impl Resp {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `field`s named in a problem's `errors`.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status, status, "unexpected answer: {}", self.body);
        self.body
    }

    #[track_caller]
    pub fn expect_problem(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "answer: {}",
            self.body
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json")
        );
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(configure: impl FnOnce(&mut ConfigArgs)) -> TestApp {
        TestApp::spawn_full(configure, |_| {}).await
    }

    /// Webhooks to this machine's receivers (R35), each allowed 1 s to answer.
    pub async fn with_webhooks() -> TestApp {
        TestApp::spawn_full(
            |a| a.webhook_allow_private = "true".into(),
            |s| s.webhook_timeout = std::time::Duration::from_secs(1),
        )
        .await
    }

    pub async fn spawn_full(
        configure: impl FnOnce(&mut ConfigArgs),
        adjust: impl Fn(&mut Settings),
    ) -> TestApp {
        TestApp::spawn_on(TestDb::new(), configure, adjust).await
    }

    /// As `spawn_full`, on a database the test prepared (an older version's data to upgrade).
    pub async fn spawn_on(
        db: TestDb,
        configure: impl FnOnce(&mut ConfigArgs),
        adjust: impl Fn(&mut Settings),
    ) -> TestApp {
        let data = tempfile::tempdir().expect("temp dir");
        let mut args = default_args(&db, data.path());
        configure(&mut args);
        let mut settings = Settings::from_args(&args).expect("test settings");
        settings.data_dir = data.path().to_path_buf();
        adjust(&mut settings);
        let offset_secs = Arc::new(AtomicI64::new(0));
        let base = start(&settings, &offset_secs).base;
        TestApp {
            base,
            client: reqwest::Client::new(),
            db,
            offset_secs,
            settings,
            _data: data,
        }
    }

    /// Another replica on this app's database, data key and clock, with `adjust`ed settings.
    pub fn replica(&self, adjust: impl Fn(&mut Settings)) -> Replica {
        let mut settings = self.settings.clone();
        adjust(&mut settings);
        start(&settings, &self.offset_secs)
    }

    /// An app delivering its e-mails to `sink`, from `mail_from` (R30).
    pub async fn spawn_mailing(sink: &SmtpSink, mail_from: &str) -> TestApp {
        let url = sink.url();
        let from = mail_from.to_owned();
        TestApp::spawn_with(move |a| {
            a.smtp_url = Some(url);
            a.mail_from = from;
        })
        .await
    }

    /// Moves the service's clock forward.
    pub fn advance(&self, by: Duration) {
        self.offset_secs
            .fetch_add(by.num_seconds(), Ordering::SeqCst);
    }

    pub fn token(&self, tenant: &str, roles: &[&str]) -> String {
        token_for(tenant, roles, "user@test")
    }

    /// A caller acting for `tenant` with `roles`.
    pub fn as_(&self, tenant: impl ToString, roles: &[&str]) -> Caller<'_> {
        Caller {
            app: self,
            token: Some(self.token(&tenant.to_string(), roles)),
        }
    }

    pub fn with_token(&self, token: impl Into<String>) -> Caller<'_> {
        Caller {
            app: self,
            token: Some(token.into()),
        }
    }

    pub fn anonymous(&self) -> Caller<'_> {
        Caller {
            app: self,
            token: None,
        }
    }

    pub fn operator(&self) -> Caller<'_> {
        self.as_(OPERATOR, &["ProgramAdmin"])
    }

    pub fn ga(&self, tenant: impl ToString) -> Caller<'_> {
        self.as_(tenant, &["GlobalAdmin"])
    }

    /// Registers a partner with a complete profile, identified for offboarding (R2, R4).
    pub async fn partner(&self) -> String {
        self.partner_with(json!({})).await
    }

    /// Registers a partner; `overrides` replaces fields of the complete default profile.
    pub async fn partner_with(&self, overrides: Value) -> String {
        let id = Uuid::new_v4().to_string();
        let mut body = json!({
            "tenant_id": id,
            "company_name": "Contoso Ltd",
            "region": "DE",
            "mpn_id": "4433221",
            "primary_contact_email": "ops@contoso.com",
            "mpn_account_email": "mpn@contoso.com",
            "offboarding_identified": true
        });
        if let (Some(base), Some(extra)) = (body.as_object_mut(), overrides.as_object()) {
            for (k, v) in extra {
                if v.is_null() {
                    base.remove(k);
                } else {
                    base.insert(k.clone(), v.clone());
                }
            }
        }
        self.operator().post("/v1/partners", body).await.expect(201);
        id
    }

    /// A partner whose enrollment is approved (auto review) and agreement accepted (R11).
    pub async fn indirect_partner(&self) -> String {
        let id = self.partner().await;
        self.ga(&id)
            .post(
                &format!("/v1/partners/{id}/indirect-reseller-enrollment"),
                json!({}),
            )
            .await
            .expect(201);
        let version = self
            .ga(&id)
            .get("/v1/agreements/indirect-reseller")
            .await
            .expect(200)["version"]
            .clone();
        self.ga(&id)
            .post(
                &format!("/v1/partners/{id}/agreement-acceptances"),
                json!({ "agreement_version": version }),
            )
            .await
            .expect(201);
        id
    }
}

pub fn token_for(tenant: &str, roles: &[&str], sub: &str) -> String {
    let now = jsonwebtoken::get_current_timestamp();
    let claims = Claims {
        sub: sub.into(),
        tid: tenant.into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        exp: now + 600,
        iat: Some(now),
        iss: None,
        aud: None,
    };
    mint(SECRET, &claims).expect("token")
}

pub struct Caller<'a> {
    app: &'a TestApp,
    token: Option<String>,
}

impl Caller<'_> {
    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Resp {
        let mut req = self
            .app
            .client
            .request(method, format!("{}{path}", self.app.base));
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        into_resp(req.send().await.expect("request sent")).await
    }

    /// A JSON request with extra headers.
    pub async fn send_with(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Value,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self
            .app
            .client
            .request(method, format!("{}{path}", self.app.base))
            .json(&body);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        into_resp(req.send().await.expect("request sent")).await
    }

    /// A body sent exactly as given.
    pub async fn send_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Resp {
        self.send_raw_with(method, path, content_type, body, &[])
            .await
    }

    /// A body sent exactly as given, with extra headers.
    pub async fn send_raw_with(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self
            .app
            .client
            .request(method, format!("{}{path}", self.app.base))
            .header("content-type", content_type)
            .body(body);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        into_resp(req.send().await.expect("request sent")).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn post_empty(&self, path: &str) -> Resp {
        self.send(reqwest::Method::POST, path, None).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.send(reqwest::Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Resp {
        self.send(reqwest::Method::DELETE, path, None).await
    }
}

async fn into_resp(res: reqwest::Response) -> Resp {
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Resp {
        status,
        body,
        headers,
    }
}

impl TestApp {
    /// Registers an indirect provider serving DE and AT with marketing and training.
    pub async fn provider(&self) -> String {
        let id = Uuid::new_v4().to_string();
        let body = json!({
            "tenant_id": id,
            "name": "Northwind Distribution",
            "regions": ["DE", "AT"],
            "services": ["marketing", "technical_training"],
            "contact_email": "partners@northwind.example"
        });
        self.operator()
            .post("/v1/indirect-providers", body)
            .await
            .expect(201);
        id
    }

    /// The provider invites the partner; returns (invitation id, token).
    pub async fn invite_partner(&self, provider: &str, partner: &str) -> (String, String) {
        let inv = self
            .ga(provider)
            .post(
                &format!("/v1/indirect-providers/{provider}/partnership-invitations"),
                json!({ "partner_id": partner }),
            )
            .await
            .expect(201);
        let link = inv["link"].as_str().expect("link").to_owned();
        let token = link
            .split("token=")
            .nth(1)
            .expect("token in link")
            .to_owned();
        (inv["id"].as_str().expect("id").to_owned(), token)
    }

    /// An indirect reseller with `provider` in its list (R15).
    pub async fn partnered(&self, provider: &str) -> String {
        self.partnered_by_token(provider).await.0
    }

    /// As `partnered`, with the partnership invitation's token: (partner, token).
    pub async fn partnered_by_token(&self, provider: &str) -> (String, String) {
        let partner = self.indirect_partner().await;
        let (id, token) = self.invite_partner(provider, &partner).await;
        self.ga(&partner)
            .post(
                &format!("/v1/partnership-invitations/{id}/accept"),
                json!({ "token": token }),
            )
            .await
            .expect(200);
        (partner, token)
    }

    /// A partner with `provider`, its direct bill customer, and a draft move invitation for it.
    pub async fn move_invitation(&self, provider: &str) -> (String, String, Value) {
        let partner = self.partnered(provider).await;
        let customer = self.direct_customer(&partner, false).await;
        let inv = self
            .ga(&partner)
            .post(
                &format!("/v1/partners/{partner}/customer-invitations"),
                json!({"provider_id": provider, "customer_id": customer}),
            )
            .await
            .expect(201);
        (partner, customer, inv)
    }

    /// The README walk-through after `provider` is registered: a partnered reseller, its direct
    /// bill customer, a move invitation with a recipient, its e-mail edited, sent and accepted.
    pub async fn walk_through(&self, provider: &str) -> WalkThrough {
        let (partner, partnership_token) = self.partnered_by_token(provider).await;
        let customer = self.direct_customer(&partner, false).await;
        let inv = self
            .ga(&partner)
            .post(
                &format!("/v1/partners/{partner}/customer-invitations"),
                json!({"provider_id": provider, "customer_id": customer, "customer_email": "it@fourthcoffee.example"}),
            )
            .await
            .expect(201);
        let invitation = inv["id"].as_str().expect("id").to_owned();
        let link = inv["link"].as_str().expect("link");
        let base = format!("/v1/partners/{partner}/customer-invitations/{invitation}");
        self.ga(&partner)
            .put(
                &format!("{base}/email"),
                json!({"subject": "Moving", "body": format!("Please accept: {link}")}),
            )
            .await
            .expect(200);
        self.ga(&partner)
            .post_empty(&format!("{base}/done"))
            .await
            .expect(200);
        let token = token_of(&inv["link"]);
        let accepted = self
            .ga(&customer)
            .post(
                &format!("/v1/customer-invitations/{invitation}/accept"),
                json!({"token": token}),
            )
            .await;
        let accept_request = accepted
            .header("x-request-id")
            .expect("request id")
            .to_owned();
        accepted.expect(200);
        WalkThrough {
            partner,
            customer,
            invitation,
            partnership_token,
            token,
            accept_request,
        }
    }

    /// A direct bill customer of `partner`.
    pub async fn direct_customer(&self, partner: &str, store_for_business: bool) -> String {
        let c = self
            .ga(partner)
            .post(
                &format!("/v1/partners/{partner}/customers"),
                json!({"company_name": "Fourth Coffee", "domain": "fourthcoffee.onmicrosoft.com", "store_for_business": store_for_business}),
            )
            .await
            .expect(201);
        c["id"].as_str().expect("id").to_owned()
    }
}

/// What `TestApp::walk_through` made.
pub struct WalkThrough {
    pub partner: String,
    pub customer: String,
    pub invitation: String,
    pub partnership_token: String,
    /// The customer invitation's token.
    pub token: String,
    /// The `x-request-id` of the acceptance.
    pub accept_request: String,
}

/// The token of an invitation link.
pub fn token_of(link: &serde_json::Value) -> String {
    link.as_str()
        .and_then(|l| l.split("token=").nth(1))
        .expect("token in link")
        .to_owned()
}

#[derive(diesel::QueryableByName)]
struct TextRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

impl TestDb {
    /// A connection of the test's own, beside the service's pool.
    pub fn connect(&self) -> csp_transition::store::AnyConnection {
        let url = csp_transition::config::DatabaseUrl::parse(&self.url).expect("test URL");
        csp_transition::store::establish(&url).expect("test database reachable")
    }

    /// Runs `sql`, which selects one text column named `v`.
    pub fn texts(&self, sql: &str) -> Vec<String> {
        let rows: Vec<TextRow> = diesel::sql_query(sql)
            .load(&mut self.connect())
            .expect("query");
        rows.into_iter().map(|r| r.v).collect()
    }

    pub fn execute(&self, sql: &str) {
        diesel::sql_query(sql)
            .execute(&mut self.connect())
            .expect("statement");
    }
}
