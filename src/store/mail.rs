//! R30, R35: delivery of outbox e-mails. A sender claims due e-mails with a lease, so that one
//! replica sends each however many run; it records the outcome only while the lease is still
//! its own. A lease that runs out (the sender crashed) makes the e-mail claimable again: delivery
//! is at least once.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use super::models::{NotificationRow, naive};
use super::schema::notifications as n;
use super::{AnyConnection, StoreError, param};
use crate::domain::delivery::{LEASE, next_attempt};
use crate::domain::notification::MailStatus;

/// Claims up to `limit` pending e-mails that are due and not leased, oldest first, for `owner`
/// until `now + LEASE`.
pub fn claim_due(
    conn: &mut AnyConnection,
    owner: &str,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<NotificationRow>, StoreError> {
    // PostgreSQL: replicas claiming at once skip each other's locked rows instead of waiting
    // and sending them twice. SQLite has one writer at a time, so the plain update suffices.
    let lock = match conn {
        AnyConnection::Postgresql(_) => " FOR UPDATE SKIP LOCKED",
        AnyConnection::Sqlite(_) => "",
    };
    let p: Vec<String> = (1..=6).map(|i| param(conn, i)).collect();
    let sql = format!(
        "UPDATE notifications SET lease_until = {}, lease_owner = {} \
         WHERE id IN (SELECT id FROM notifications \
             WHERE delivery_status = {} \
             AND (next_attempt_at IS NULL OR next_attempt_at <= {}) \
             AND (lease_until IS NULL OR lease_until <= {}) \
             ORDER BY created_at LIMIT {}{lock}) \
         RETURNING *",
        p[0], p[1], p[2], p[3], p[4], p[5]
    );
    Ok(diesel::sql_query(sql)
        .bind::<Timestamp, _>(naive(now + LEASE))
        .bind::<Text, _>(owner)
        .bind::<Text, _>(MailStatus::Pending.name())
        .bind::<Timestamp, _>(naive(now))
        .bind::<Timestamp, _>(naive(now))
        .bind::<BigInt, _>(limit)
        .load(conn)?)
}

/// The claimed e-mail was accepted by the SMTP server. False: the lease was lost meanwhile, and
/// nothing is written.
pub fn record_sent(
    conn: &mut AnyConnection,
    id: &str,
    owner: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let updated = diesel::update(
        n::table
            .filter(n::id.eq(id))
            .filter(n::lease_owner.eq(owner)),
    )
    .set((
        n::delivery_status.eq(MailStatus::Sent.name()),
        n::attempts.eq(n::attempts + 1),
        n::delivered_at.eq(Some(naive(now))),
        n::next_attempt_at.eq(None::<NaiveDateTime>),
        n::lease_until.eq(None::<NaiveDateTime>),
        n::lease_owner.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(updated == 1)
}

/// The attempt failed: retried on the shared schedule (with `jitter` in [0, 1)), or given up as
/// `failed` after the last retry. Returns the status written, or None when the lease was lost.
pub fn record_failure(
    conn: &mut AnyConnection,
    claimed: &NotificationRow,
    owner: &str,
    error: &str,
    now: DateTime<Utc>,
    jitter: f64,
) -> Result<Option<MailStatus>, StoreError> {
    let attempts = claimed.attempts + 1;
    let next = u32::try_from(attempts)
        .ok()
        .and_then(|a| next_attempt(a, now, jitter));
    let status = match next {
        Some(_) => MailStatus::Pending,
        None => MailStatus::Failed,
    };
    let updated = diesel::update(
        n::table
            .filter(n::id.eq(&claimed.id))
            .filter(n::lease_owner.eq(owner)),
    )
    .set((
        n::delivery_status.eq(status.name()),
        n::attempts.eq(attempts),
        n::next_attempt_at.eq(next.map(naive)),
        n::last_error.eq(Some(error)),
        n::lease_until.eq(None::<NaiveDateTime>),
        n::lease_owner.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok((updated == 1).then_some(status))
}

/// E-mails waiting in the outbox (`/metrics`).
pub fn backlog(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(n::table
        .filter(n::delivery_status.eq(MailStatus::Pending.name()))
        .count()
        .get_result(conn)?)
}
