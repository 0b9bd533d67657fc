//! Idempotency keys: one row per (tenant, key), claimed before the request runs and completed
//! with its answer.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;

use super::models::{naive, utc};
use super::schema::idempotency_keys as keys;
use super::{AnyConnection, StoreError, insert_result};
use crate::domain::values::TenantId;

/// How long an answer is kept for replay.
pub const KEEP: Duration = Duration::hours(24);
/// A claim older than this whose request never finished (the process died) may be taken over.
pub const ABANDONED: Duration = Duration::minutes(1);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use: run the request, then `complete`.
    Claimed,
    /// Same key, same request, finished: replay this.
    Replay(StoredAnswer),
    /// Same key, same request, still running elsewhere.
    InProgress,
    /// Same key, another request.
    Mismatch,
}

#[derive(Queryable)]
struct Row {
    fingerprint: String,
    status_code: Option<i64>,
    content_type: Option<String>,
    response_body: Option<String>,
    created_at: chrono::NaiveDateTime,
}

fn key_filter(
    tenant: TenantId,
    key: &str,
) -> keys::BoxedQuery<'static, <AnyConnection as Connection>::Backend> {
    keys::table
        .filter(keys::tenant_id.eq(tenant.to_string()))
        .filter(keys::idempotency_key.eq(key.to_owned()))
        .into_boxed()
}

/// Claims `key` for a request with `fingerprint`, or says what happened to it before.
pub fn claim(
    conn: &mut AnyConnection,
    tenant: TenantId,
    key: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<Claim, StoreError> {
    let existing: Option<Row> = key_filter(tenant, key)
        .select((
            keys::fingerprint,
            keys::status_code,
            keys::content_type,
            keys::response_body,
            keys::created_at,
        ))
        .first(conn)
        .optional()?;
    if let Some(row) = existing {
        let age = now - utc(row.created_at);
        let stale = age > KEEP || (row.status_code.is_none() && age > ABANDONED);
        if !stale {
            if row.fingerprint != fingerprint {
                return Ok(Claim::Mismatch);
            }
            return Ok(match (row.status_code, row.response_body) {
                (Some(status), Some(body)) => Claim::Replay(StoredAnswer {
                    status: u16::try_from(status).unwrap_or(500),
                    content_type: row.content_type,
                    body,
                }),
                _ => Claim::InProgress,
            });
        }
        diesel::delete(
            keys::table
                .filter(keys::tenant_id.eq(tenant.to_string()))
                .filter(keys::idempotency_key.eq(key)),
        )
        .execute(conn)?;
    }
    let inserted = insert_result(
        diesel::insert_into(keys::table)
            .values((
                keys::tenant_id.eq(tenant.to_string()),
                keys::idempotency_key.eq(key),
                keys::fingerprint.eq(fingerprint),
                keys::created_at.eq(naive(now)),
            ))
            .execute(conn),
    );
    match inserted {
        Ok(()) => Ok(Claim::Claimed),
        // Another request claimed it between our read and our insert.
        Err(StoreError::Duplicate) => Ok(Claim::InProgress),
        Err(e) => Err(e),
    }
}

/// Stores the answer of a claimed request.
pub fn complete(
    conn: &mut AnyConnection,
    tenant: TenantId,
    key: &str,
    answer: &StoredAnswer,
) -> Result<(), StoreError> {
    diesel::update(
        keys::table
            .filter(keys::tenant_id.eq(tenant.to_string()))
            .filter(keys::idempotency_key.eq(key)),
    )
    .set((
        keys::status_code.eq(Some(i64::from(answer.status))),
        keys::content_type.eq(answer.content_type.clone()),
        keys::response_body.eq(Some(answer.body.clone())),
    ))
    .execute(conn)?;
    Ok(())
}

/// Gives the key up (the request failed on our side), so a retry runs again.
pub fn release(conn: &mut AnyConnection, tenant: TenantId, key: &str) -> Result<(), StoreError> {
    diesel::delete(
        keys::table
            .filter(keys::tenant_id.eq(tenant.to_string()))
            .filter(keys::idempotency_key.eq(key)),
    )
    .execute(conn)?;
    Ok(())
}
