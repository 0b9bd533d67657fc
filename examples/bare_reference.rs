//! The reference `scripts/load-bench` compares the service with: the same stack (actix-web 4,
//! diesel through `csp_transition::store`, the service's r2d2 pool and its settings, its
//! allocator) doing one point read by primary key, without authentication, policy or
//! middleware. Its throughput is what the stack gives before the service adds anything.
//!
//! `GET /customers/{id}` answers one row of `customers` as JSON (404 if there is none).
//! Configured by `DATABASE_URL` (a database the service has migrated) and `BIND_ADDR`.
//!
//! ```sh
//! DATABASE_URL=/tmp/x/bench.db BIND_ADDR=127.0.0.1:8091 target/release/examples/bare_reference
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)] // an example: a failed start is a panic

use std::fmt;

use actix_web::{App, HttpResponse, HttpServer, ResponseError, web};
use csp_transition::config::DatabaseUrl;
use csp_transition::domain::values::TenantId;
use csp_transition::store::{self, Db, StoreError, customers};

/// The service's allocator (src/main.rs): part of the stack the service is measured against.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Any failure is a 500 naming it: the load bench counts non-2xx answers and fails on them.
#[derive(Debug)]
struct Failed(String);

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ResponseError for Failed {}

impl From<StoreError> for Failed {
    fn from(e: StoreError) -> Failed {
        Failed(e.to_string())
    }
}

impl From<actix_web::error::BlockingError> for Failed {
    fn from(e: actix_web::error::BlockingError) -> Failed {
        Failed(e.to_string())
    }
}

/// One point read, on a pooled connection off the async threads (`Db::read`, as the service's
/// handlers do).
async fn customer(db: web::Data<Db>, id: web::Path<String>) -> Result<HttpResponse, Failed> {
    let Ok(id) = TenantId::parse(&id) else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let found = db
        .read(move |conn| customers::find(conn, id).map_err(Failed::from))
        .await?;
    Ok(match found {
        Some(c) => HttpResponse::Ok().json(serde_json::json!({
            "id": c.tenant_id.to_string(),
            "company_name": c.company_name.as_str(),
            "domain": c.domain.as_str(),
            "store_for_business": c.store_for_business,
            "created_at": c.created_at,
        })),
        None => HttpResponse::NotFound().finish(),
    })
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL: a database the service migrated");
    let bind = std::env::var("BIND_ADDR").unwrap_or_else(|_| "127.0.0.1:8081".to_owned());
    // The service's pool: the same `Db::connect`, its default size, the same timeouts.
    let url = DatabaseUrl::parse(&url).unwrap();
    let db = web::Data::new(Db::connect(&url, store::default_pool_size()).unwrap());
    // Workers: actix's default (one per available core), as the service's server has.
    HttpServer::new(move || {
        App::new()
            .app_data(db.clone())
            .route("/customers/{id}", web::get().to(customer))
    })
    .bind(&bind)?
    .run()
    .await
}
