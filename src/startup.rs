//! Builds the application (routes and OpenAPI from one list), binds and runs it.

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, web};
use thiserror::Error;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::doc::{
    ApiDoc, add_idempotency_header, add_problem_examples, add_shared_responses,
    add_value_constraints, forbid_auto_extend_with_global_administrator, mark_optional_bodies,
    qualify_operation_ids,
};
use crate::api::extract::{BODY_LIMIT, drop_empty_query_params, path_error, query_error};
use crate::api::fallback;
use crate::api::metrics::{self, Metrics};
use crate::api::rate_limit::{self, RateLimits};
use crate::api::{self, idempotency, limits, request_id};
use crate::auth::Verifier;
use crate::clock::Clock;
use crate::config::{ConfigError, Settings};
use crate::delivery;
use crate::delivery::mail::MailSender;
use crate::operation_runner;
use crate::route_table::RouteTable;
use crate::sealing::DataKey;
use crate::state::AppState;
use crate::store::{Db, StoreError};

#[derive(Debug, Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("DATABASE_URL: {0}")]
    Store(StoreError),
    /// Reported as what it is: the URL was fine, a migration was not (API.md "Process").
    #[error("{0}")]
    Migration(StoreError),
    #[error("BIND_ADDR: {0}")]
    Bind(#[from] std::io::Error),
}

impl From<StoreError> for StartupError {
    fn from(e: StoreError) -> StartupError {
        match e {
            StoreError::Migration(_) => StartupError::Migration(e),
            other => StartupError::Store(other),
        }
    }
}

/// The OpenAPI document, collected from the same route list the server uses.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(api::routes)
        .split_for_parts();
    add_idempotency_header(&mut doc);
    add_shared_responses(&mut doc);
    add_problem_examples(&mut doc);
    mark_optional_bodies(&mut doc);
    let patches = [
        <api::partners::PatchPartner as utoipa::ToSchema>::name(),
        <api::webhooks::PatchWebhookEndpoint as utoipa::ToSchema>::name(),
    ];
    add_value_constraints(
        &mut doc,
        &patches.iter().map(|p| p.as_ref()).collect::<Vec<_>>(),
    );
    forbid_auto_extend_with_global_administrator(
        &mut doc,
        &<api::admin_relationships::RequestAdminRelationship as utoipa::ToSchema>::name(),
    );
    qualify_operation_ids(&mut doc);
    doc
}

pub struct Application {
    server: Server,
    port: u16,
    base_url: String,
    /// None with SENDERS=off: this replica only serves requests (no senders, no operations).
    background: Option<web::Data<AppState>>,
    /// For the metrics' upkeep, which every replica runs.
    state: web::Data<AppState>,
    operation_pace: Option<std::time::Duration>,
    /// None: no SMTP_URL, or SENDERS=off.
    mail: Option<MailSender>,
}

impl Application {
    /// Connects, migrates, loads keys and binds; `run` then serves.
    pub fn build(settings: &Settings, clock: Clock) -> Result<Application, StartupError> {
        let verifier = Verifier::load(&settings.keys, &settings.data_dir)?;
        let data_key = DataKey::load(&settings.data_key, &settings.data_dir)?;
        let db = Db::connect(&settings.database, settings.pool_size)?;
        let applied = db.migrate(&data_key, clock.now())?;
        tracing::info!(
            backend = db.backend(),
            applied = applied.len(),
            "database ready"
        );
        let listener = TcpListener::bind(settings.bind_addr)?;
        let local = listener.local_addr()?;
        let base_url = settings
            .public_base_url
            .clone()
            .unwrap_or_else(|| format!("http://{local}"));
        let mail = mail_sender(settings, &db, &data_key, &clock);
        let doc = openapi();
        let rate_limits = RateLimits::new(settings.rate_limit_per_minute, clock.clone());
        let state = web::Data::new(AppState {
            db,
            verifier,
            operator_tenant: settings.operator_tenant,
            review: settings.review,
            public_base_url: base_url.clone(),
            clock,
            routes: RouteTable::from_openapi(&doc),
            data_key,
            webhook_allow_private: settings.webhook_allow_private,
            webhook_timeout: settings.webhook_timeout,
            rate_limits,
            metrics: Metrics::default(),
        });
        let app_state = state.clone();
        // Outermost last: metrics, request id, rate limits, head limits, empty query
        // parameters, idempotency.
        // A database call runs on a blocking thread and needs a pooled connection: the workers'
        // threads together are as many as the pool's connections, so a call waits in its
        // worker's queue, first come first served, rather than in the pool's, whose waiters are
        // woken in no set order (actix's default is hundreds of threads per worker). One
        // worker per core, as actix's default.
        let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
        let blocking_threads = (state.db.pool_state().size as usize).div_ceil(workers);
        let server = limits::serve(listener, workers, blocking_threads, move || {
            App::new()
                .app_data(state.clone())
                .app_data(web::PayloadConfig::new(BODY_LIMIT))
                .app_data(web::QueryConfig::default().error_handler(query_error))
                .app_data(web::PathConfig::default().error_handler(path_error))
                .wrap(from_fn(idempotency::middleware))
                .wrap(from_fn(drop_empty_query_params))
                .wrap(from_fn(limits::middleware))
                .wrap(from_fn(rate_limit::middleware))
                .wrap(from_fn(request_id::middleware))
                .wrap(from_fn(metrics::middleware))
                .service(SwaggerUi::new("/swagger-ui/{_:.*}").url("/openapi.json", doc.clone()))
                .route("/swagger-ui", web::get().to(swagger_redirect))
                .configure(|cfg| {
                    api::routes(&mut utoipa_actix_web::service_config::ServiceConfig::new(
                        cfg,
                    ))
                })
                .default_service(web::to(fallback::handler))
        })?;
        tracing::info!(address = %local, base_url = %base_url, "serving; Swagger UI at /swagger-ui/");
        Ok(Application {
            server,
            port: local.port(),
            base_url,
            background: settings.senders.then_some(app_state.clone()),
            state: app_state,
            operation_pace: settings.operation_pace,
            mail,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Stops the server (and with it the senders) from outside, as SIGTERM does.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves, with the background senders (R35) and operations (R37), and the metrics' upkeep,
    /// beside the server in the same runtime; they stop with it.
    pub async fn run(self) -> std::io::Result<()> {
        let pace = self.operation_pace;
        let webhooks = self
            .background
            .clone()
            .map(|state| tokio::spawn(delivery::webhook::run(state)));
        let operations = self
            .background
            .map(|state| tokio::spawn(operation_runner::run(state, pace)));
        let mail = self.mail.map(|sender| tokio::spawn(sender.run()));
        let state = self.state;
        let upkeep = Some(tokio::spawn(async move {
            let mut every = tokio::time::interval(api::metrics::UPKEEP_EVERY);
            loop {
                every.tick().await;
                state.metrics.upkeep();
            }
        }));
        let served = self.server.await;
        for task in [webhooks, operations, mail, upkeep].into_iter().flatten() {
            task.abort();
        }
        served
    }
}

/// R30: without SMTP_URL the e-mails wait in the outbox; start-up says so.
fn mail_sender(
    settings: &Settings,
    db: &Db,
    data_key: &DataKey,
    clock: &Clock,
) -> Option<MailSender> {
    let Some(smtp) = &settings.smtp_url else {
        tracing::warn!(
            "SMTP_URL not set: e-mails stay in the outbox (pending) and nothing is sent"
        );
        return None;
    };
    if !settings.senders {
        tracing::info!(smtp = %smtp, "SENDERS=off: this replica sends no e-mail; others with SENDERS=on do");
        return None;
    }
    tracing::info!(smtp = %smtp, from = %settings.mail_from, "delivering outbox e-mails by SMTP");
    Some(MailSender::new(
        db.clone(),
        data_key.clone(),
        clock.clone(),
        smtp,
        settings.mail_from.clone(),
    ))
}

async fn swagger_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header(("location", "/swagger-ui/"))
        .finish()
}
