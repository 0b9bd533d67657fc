//! Persistence: one diesel `MultiConnection` over SQLite and PostgreSQL, an r2d2 pool, the
//! embedded migrations, and one repository module per aggregate.

pub mod admin_relationships;
pub mod agreements;
pub mod customer_invitations;
pub mod customers;
pub mod enrollments;
pub mod events;
pub mod idempotency;
pub mod incentives;
pub mod mail;
pub mod models;
pub mod operations;
pub mod outbox;
pub mod outcome;
pub mod overview;
pub mod page;
pub mod partners;
pub mod partnerships;
pub mod providers;
pub mod schema;
pub mod sealing;
pub mod stored_time;
pub mod transition_plans;
pub mod webhooks;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::{
    AnsiTransactionManager, InstrumentationEvent, SimpleConnection, TransactionManager,
};
use diesel::prelude::*;
use diesel::r2d2::{self, Pool, R2D2Connection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use thiserror::Error;

use crate::config::DatabaseUrl;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// One connection type over both backends; portable SQL types only (Text ids, Timestamp).
#[derive(diesel::MultiConnection)]
pub enum AnyConnection {
    Postgresql(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Database(DieselError),
    /// A unique key refused the row: it exists already.
    #[error("duplicate row")]
    Duplicate,
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migration(String),
    /// A constraint refused the change, and the domain says what that means here.
    #[error(transparent)]
    Refused(#[from] crate::domain::DomainError),
}

/// What a unique key's refusal means to the caller: one way for every race a constraint decides
/// (STYLE.md "A constraint backs every race").
pub trait OrRefused<T> {
    fn or_refused(
        self,
        refusal: impl FnOnce() -> crate::domain::DomainError,
    ) -> Result<T, StoreError>;
}

impl<T> OrRefused<T> for Result<T, StoreError> {
    fn or_refused(
        self,
        refusal: impl FnOnce() -> crate::domain::DomainError,
    ) -> Result<T, StoreError> {
        match self {
            Err(StoreError::Duplicate) => Err(StoreError::Refused(refusal())),
            other => other,
        }
    }
}

impl From<DieselError> for StoreError {
    /// A connection lost mid-request is an outage (503), not a failure of the request (500).
    fn from(e: DieselError) -> StoreError {
        if lost_connection(&e) || matches!(e, DieselError::BrokenTransactionManager) {
            StoreError::Unavailable(e.to_string())
        } else {
            StoreError::Database(e)
        }
    }
}

impl From<r2d2::PoolError> for StoreError {
    fn from(e: r2d2::PoolError) -> StoreError {
        StoreError::Unavailable(e.to_string())
    }
}

/// A unique index refused the row: somebody else got there first.
pub fn is_unique_violation(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)
    )
}

/// Runs `$body` with `$c` bound to the backend's own connection (SQLite or PostgreSQL), for the
/// statements of the hot reads (issue 11). Through the `MultiConnection` every statement is
/// wrapped in a query that writes its whole SQL text at each pass diesel makes over it (the
/// check that it may be cached, the binding of its parameters): two SQL texts written per
/// execution, 45% of the capabilities read's database time in perf. On the backend's own
/// connection a statement is found in the cache by its type and its SQL is never written again.
/// `$body` is compiled once per backend, so it must be generic over both.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::store::AnyConnection::Sqlite($c) => $body,
            $crate::store::AnyConnection::Postgresql($c) => $body,
        }
    };
}

/// The `n`th bind parameter of raw SQL, as this connection's backend writes it.
pub fn param(conn: &AnyConnection, n: usize) -> String {
    match conn {
        AnyConnection::Postgresql(_) => format!("${n}"),
        AnyConnection::Sqlite(_) => "?".to_owned(),
    }
}

/// Maps a unique violation on insert to `StoreError::Duplicate`.
pub fn insert_result(result: QueryResult<usize>) -> Result<(), StoreError> {
    match result {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate),
        Err(e) => Err(e.into()),
    }
}

/// Opens a connection for the backend the URL names. The derived `establish` would try each
/// backend in turn and hide the real error.
pub fn establish(url: &DatabaseUrl) -> ConnectionResult<AnyConnection> {
    match url {
        DatabaseUrl::Postgres(url) => {
            diesel::PgConnection::establish(url).map(AnyConnection::Postgresql)
        }
        DatabaseUrl::Sqlite(path) => {
            let mut conn = diesel::SqliteConnection::establish(path)?;
            // Per connection: WAL lets readers run beside the writer, busy_timeout waits for the
            // write lock instead of failing with "database is locked".
            conn.batch_execute("PRAGMA busy_timeout = 10000;")
                .map_err(|e| ConnectionError::BadConnection(e.to_string()))?;
            // Switching a fresh file to WAL needs an exclusive lock, and SQLite answers "database
            // is locked" at once, without the busy handler, when processes opening the same new
            // file race for it (a deadlock it avoids): try again shortly.
            let mut attempts = 0;
            loop {
                match conn.batch_execute(
                    "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;",
                ) {
                    Ok(()) => return Ok(AnyConnection::Sqlite(conn)),
                    Err(e) if attempts < 100 && e.to_string().contains("locked") => {
                        attempts += 1;
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    Err(e) => return Err(ConnectionError::BadConnection(e.to_string())),
                }
            }
        }
    }
}

#[derive(Debug)]
pub struct Manager {
    url: DatabaseUrl,
    /// How many times a statement on any of the pool's connections found the server gone.
    losses: Arc<AtomicU64>,
}

/// A pooled connection, with what the pool knows of its health.
pub struct Pooled {
    conn: AnyConnection,
    /// `Manager::losses` when it was last known to work.
    losses_seen: u64,
    /// When it was last given back to the pool.
    returned: Instant,
}

impl std::ops::Deref for Pooled {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.conn
    }
}

/// A connection given back within this long is taken again without a ping, unless a statement
/// on the pool found the server gone since (HikariCP's `aliveBypassWindowMs`, 500 ms too). Under
/// load every checkout is within it: no round trip is added to a request.
pub const ALIVE_WITHOUT_PING: Duration = Duration::from_millis(500);

/// Whether a statement's error says the server or the network is gone (`StoreError::from`
/// answers 503 for it; the pool pings its connections again after one).
fn lost_connection(e: &DieselError) -> bool {
    matches!(
        e,
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        )
    )
}

impl r2d2::ManageConnection for Manager {
    type Connection = Pooled;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Pooled, r2d2::Error> {
        let mut conn = establish(&self.url).map_err(r2d2::Error::ConnectionError)?;
        let losses = self.losses.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::FinishQuery { error: Some(e), .. } = event {
                if lost_connection(e) {
                    losses.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        Ok(Pooled {
            conn,
            losses_seen: self.losses.load(Ordering::Relaxed),
            returned: Instant::now(),
        })
    }

    /// Called at checkout on PostgreSQL (`test_on_check_out`): pings a connection that was idle
    /// for longer than `ALIVE_WITHOUT_PING` (the server may have gone meanwhile), or any, once,
    /// after a statement of the pool found the server gone (an outage drops them all): a
    /// request after an outage gets a working connection, not an error.
    fn is_valid(&self, conn: &mut Pooled) -> Result<(), r2d2::Error> {
        let losses = self.losses.load(Ordering::Relaxed);
        if losses == conn.losses_seen && conn.returned.elapsed() < ALIVE_WITHOUT_PING {
            return Ok(());
        }
        conn.conn.ping().map_err(r2d2::Error::QueryError)?;
        conn.losses_seen = losses;
        Ok(())
    }

    /// r2d2 asks this when a connection is given back to the pool, its only hook there: the
    /// time of return is noted for `is_valid`.
    fn has_broken(&self, conn: &mut Pooled) -> bool {
        conn.returned = Instant::now();
        conn.conn.is_broken()
    }
}

pub const POOL_WAIT: Duration = Duration::from_millis(1200);
pub const READY_WAIT: Duration = Duration::from_millis(500);

/// The pool, and the one way handlers reach the database.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    url: DatabaseUrl,
    /// Requests waiting for a connection now (`/metrics`).
    waiting: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

/// The pool as `/metrics` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    pub size: u32,
    pub in_use: u32,
    pub idle: u32,
    pub waiting: i64,
}

/// The pool's size unless DATABASE_POOL_SIZE says otherwise: two connections per core of this
/// machine, at least 4. More connections than the cores can run at once only queue inside the
/// database: on 2 cores with PostgreSQL beside the service, a pool of 10 left the p99 of a point
/// read at 30-45 ms and single reads past 2 s (busy backends waiting on each other's buffer
/// locks), where 4 gave 12-16 ms at the same throughput (issue 11, "right-sized pools").
pub fn default_pool_size() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    u32::try_from(cores.saturating_mul(2))
        .unwrap_or(u32::MAX)
        .max(4)
}

impl Db {
    /// A pool of `pool_size` connections to `url` (an in-memory SQLite database keeps one).
    pub fn connect(url: &DatabaseUrl, pool_size: u32) -> Result<Db, StoreError> {
        if matches!(url, DatabaseUrl::Postgres(_)) {
            // libpq uses OpenSSL. Initialising it ourselves first, without its atexit cleanup,
            // keeps OpenSSL from freeing state at process exit while pool threads still use it
            // (seen as "double free" aborts when a test binary exited).
            openssl_sys::init();
        }
        let in_memory = matches!(url, DatabaseUrl::Sqlite(path) if path == ":memory:");
        if let DatabaseUrl::Sqlite(path) = url {
            if !in_memory {
                if let Some(dir) = std::path::Path::new(path)
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        StoreError::Unavailable(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
            }
        }
        if !in_memory {
            // One connection first: on SQLite it switches the file to WAL once, before the pool
            // opens connections side by side (several switching at once get "database is
            // locked"); on PostgreSQL it reports the real connection error, where the pool would
            // only say it timed out.
            establish(url).map_err(|e| StoreError::Unavailable(e.to_string()))?;
        }
        // A request waits at most this long for a connection: when the database is down it
        // answers 503 within 2 s (API.md "Availability") instead of hanging.
        let builder = Pool::builder().connection_timeout(POOL_WAIT);
        // A PostgreSQL connection can die with the server or the network: one idle for a while,
        // or any after an outage was seen, is pinged when taken from the pool
        // (`Manager::is_valid`), so a request after an outage gets a fresh one instead of an
        // error. A SQLite connection is a file handle that cannot die that way.
        let builder = builder.test_on_check_out(matches!(url, DatabaseUrl::Postgres(_)));
        // Each in-memory SQLite connection is its own database: keep exactly one, forever.
        let builder = if in_memory {
            builder
                .max_size(1)
                .min_idle(Some(1))
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            builder.max_size(pool_size.max(1))
        };
        let pool = builder
            .build(Manager {
                url: url.clone(),
                losses: Default::default(),
            })
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(Db {
            pool,
            url: url.clone(),
            waiting: Default::default(),
        })
    }

    pub fn backend(&self) -> &'static str {
        self.url.backend()
    }

    pub fn pool_state(&self) -> PoolState {
        let s = self.pool.state();
        PoolState {
            size: self.pool.max_size(),
            in_use: s.connections - s.idle_connections,
            idle: s.idle_connections,
            waiting: self.waiting.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Runs the pending migrations of this backend, then seals secrets older rows kept in
    /// clear and turns older delegated admin flags into admin relationships from `now` (R33);
    /// returns the migrations' names.
    pub fn migrate(
        &self,
        key: &crate::sealing::DataKey,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let mut conn = self.pool.get()?;
        let applied = run_migrations(&mut conn)?;
        let sealed = sealing::seal_existing(&mut conn, key)?;
        if sealed > 0 {
            tracing::info!(
                rows = sealed,
                "sealed secrets kept in clear by an older version"
            );
        }
        let granted = admin_relationships::grant_existing(&mut conn, now)?;
        if granted > 0 {
            tracing::info!(
                customers = granted,
                "granted admin relationships for delegated admin of an older version"
            );
        }
        Ok(applied)
    }

    /// Whether the database answers, within `READY_WAIT` (API.md: `/readyz` within 1 s).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get_timeout(READY_WAIT)?;
            conn.batch_execute("SELECT 1").map_err(StoreError::from)
        })
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?
    }

    /// Reads on a pooled connection, off the async threads.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<actix_web::error::BlockingError> + Send + 'static,
    {
        let (pool, waiting) = (self.pool.clone(), self.waiting.clone());
        actix_web::web::block(move || {
            waiting.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let got = pool.get();
            waiting.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            let mut conn = got.map_err(StoreError::from)?;
            f(&mut conn)
        })
        .await?
    }

    /// Changes state in one transaction: all of it is written, or none.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut AnyConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + From<actix_web::error::BlockingError> + Send + 'static,
    {
        self.read(move |conn| write_transaction(conn, f)).await
    }
}

/// The PostgreSQL advisory lock every `serve` and `migrate` holds while it migrates, so
/// processes started at once on one database wait for each other (API.md "Process").
pub const MIGRATION_LOCK: i64 = 0x6373_705f_6d69_6772;

/// Runs the pending migrations, one process at a time per database.
pub fn run_migrations(conn: &mut AnyConnection) -> Result<Vec<String>, StoreError> {
    let failed = |e: &dyn std::fmt::Display| StoreError::Migration(e.to_string());
    match conn {
        AnyConnection::Postgresql(_) => {
            conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
                .map_err(|e| failed(&e))?;
            let applied = pending(conn, POSTGRES_MIGRATIONS);
            let unlocked =
                conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
            let applied = applied?;
            unlocked.map_err(|e| failed(&e))?;
            Ok(applied)
        }
        // One write transaction (BEGIN IMMEDIATE) around them all: a second process waits on
        // busy_timeout, then finds nothing left to do. Each migration nests as a savepoint.
        AnyConnection::Sqlite(_) => {
            write_transaction(conn, |conn| pending(conn, SQLITE_MIGRATIONS))
        }
    }
}

fn pending(
    conn: &mut AnyConnection,
    source: EmbeddedMigrations,
) -> Result<Vec<String>, StoreError> {
    conn.run_pending_migrations(source)
        .map(|done| done.iter().map(|v| v.to_string()).collect())
        .map_err(|e| StoreError::Migration(e.to_string()))
}

type AnyTransactions = <AnyConnection as Connection>::TransactionManager;

/// A write transaction. SQLite starts it with `BEGIN IMMEDIATE`, so two writers queue on
/// `busy_timeout` instead of one failing when its read lock cannot be upgraded.
pub fn write_transaction<T, E, F>(conn: &mut AnyConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut AnyConnection) -> Result<T, E>,
    E: From<StoreError>,
{
    let begun = match conn {
        AnyConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")
        }
        AnyConnection::Postgresql(_) => AnyTransactions::begin_transaction(conn),
    };
    begun.map_err(StoreError::from)?;
    match f(conn) {
        Ok(value) => match AnyTransactions::commit_transaction(conn) {
            Ok(()) => Ok(value),
            Err(e) => {
                // Best effort: the commit error is the one worth reporting.
                let _ = AnyTransactions::rollback_transaction(conn);
                Err(StoreError::from(e).into())
            }
        },
        Err(e) => {
            AnyTransactions::rollback_transaction(conn).map_err(StoreError::from)?;
            Err(e)
        }
    }
}
