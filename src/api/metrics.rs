//! `GET /metrics` (API.md "Operations"): Prometheus text from the `metrics` facade and its
//! Prometheus exporter. Requests are counted by route template (never by raw path, whose ids
//! would make a series per object), method and status, with a latency histogram; the pool and
//! the backlogs are read when scraped. Each app has a recorder of its own (no global one), so
//! replicas in one process, as in tests, keep their counts apart.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, get, web};
use metrics::{Key, Label, Level, Metadata, Recorder};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusRecorder};

use super::error::ApiError;
use crate::state::AppState;
use crate::store::{mail, webhooks};

static META: Metadata<'static> = Metadata::new("csp_transition", Level::INFO, None);

/// How often `serve` folds the latency samples into their histograms (`Metrics::upkeep`).
pub const UPKEEP_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Latency buckets in seconds: fine where a hot read lives, coarse for the slow tail.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub struct Metrics {
    recorder: PrometheusRecorder,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let builder = PrometheusBuilder::new();
        // The buckets are fixed and valid; a refusal would leave the default ones.
        let builder = match builder.set_buckets(&BUCKETS) {
            Ok(b) => b,
            Err(_) => PrometheusBuilder::new(),
        };
        Metrics {
            recorder: builder.build_recorder(),
        }
    }
}

impl Metrics {
    /// One answered request.
    pub fn request(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels = [
            Label::new("method", method.to_owned()),
            Label::new("route", route.to_owned()),
            Label::new("status", status.to_string()),
        ];
        self.recorder
            .register_counter(
                &Key::from_parts("http_requests_total", labels.to_vec()),
                &META,
            )
            .increment(1);
        self.recorder
            .register_histogram(
                &Key::from_parts("http_request_duration_seconds", labels[..2].to_vec()),
                &META,
            )
            .record(seconds);
    }

    fn gauge(&self, name: &'static str, value: f64) {
        self.recorder
            .register_gauge(&Key::from_name(name), &META)
            .set(value);
    }

    fn render(&self) -> String {
        self.recorder.handle().render()
    }

    /// Folds the latency samples recorded since the last call into their histograms. The
    /// recorder keeps every sample until then (about 20 bytes a request: without this, a
    /// replica under load that nobody scraped grew by megabytes a minute); `serve` calls it
    /// every `UPKEEP_EVERY`, as the exporter's own installer would.
    pub fn upkeep(&self) {
        self.recorder.handle().run_upkeep();
    }
}

/// Counts every answer, refusals included, under the route template actix matched.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let method = req.method().as_str().to_owned();
    let response = next.call(req).await?.map_into_boxed_body();
    if let Some(state) = state {
        let route = response
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        state.metrics.request(
            &method,
            &route,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(response)
}

/// Prometheus text: requests by route template, method and status; latency histograms; the
/// database pool (size, in use, idle, waiting); the outbox and webhook backlogs.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain"),
        (status = 503, description = "The database does not answer (`unavailable`)", body = super::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/metrics")]
pub async fn read(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let pool = state.db.pool_state();
    let m = &state.metrics;
    m.gauge("db_pool_connections", f64::from(pool.size));
    m.gauge("db_pool_connections_in_use", f64::from(pool.in_use));
    m.gauge("db_pool_connections_idle", f64::from(pool.idle));
    m.gauge("db_pool_waiting", pool.waiting as f64);
    let (outbox, hooks) = state
        .db
        .read(|conn| Ok::<_, ApiError>((mail::backlog(conn)?, webhooks::backlog(conn)?)))
        .await?;
    m.gauge("outbox_pending_emails", outbox as f64);
    m.gauge("webhook_pending_deliveries", hooks as f64);
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(m.render()))
}
