//! Idempotency keys (API.md "Idempotency"): one row per (tenant, sub, key). A request claims its
//! key in a short transaction of its own, so a duplicate arriving meanwhile can be told "in use";
//! its change then `hold`s the claim and `complete`s it with the answer in the change's own
//! transaction, so the change and its answer commit together or not at all.

use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::models::{naive, utc};
use super::schema::idempotency_keys as keys;
use super::{AnyConnection, StoreError, insert_result};
use crate::domain::values::TenantId;
use crate::sealing::DataKey;

/// How long a key and its answer are kept.
pub const KEEP: Duration = Duration::hours(24);
/// A claim not completed within this long (its process died) may be taken over. Taking over is
/// safe even while the first request still runs: its `hold` then fails and its change rolls back.
pub const LEASE: Duration = Duration::minutes(1);

/// Whose key: keys belong to one user of one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub tenant: TenantId,
    pub sub: String,
    pub key: String,
}

/// A stored answer: replayed as it was first given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAnswer {
    pub status: u16,
    pub content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use (or a dead claim taken over): run the request under this claim.
    Claimed(String),
    /// Same request, answered: replay this.
    Replay(StoredAnswer),
    /// Same request, still running.
    InProgress,
    /// Same key, another request.
    Mismatch,
}

#[derive(Queryable)]
struct Row {
    fingerprint: String,
    claim: String,
    claimed_at: chrono::NaiveDateTime,
    answer: Option<String>,
}

/// Claims the key for a request with `fingerprint`, or says what happened to it before.
/// Expired keys of every tenant are purged on the way (API.md: kept 24 hours).
pub fn claim(
    conn: &mut AnyConnection,
    data_key: &DataKey,
    scope: &Scope,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<Claim, StoreError> {
    diesel::delete(keys::table.filter(keys::created_at.lt(naive(now - KEEP)))).execute(conn)?;
    let existing: Option<Row> = scoped(scope)
        .select((
            keys::fingerprint,
            keys::claim,
            keys::claimed_at,
            keys::answer,
        ))
        .first(conn)
        .optional()?;
    let mine = Uuid::new_v4().to_string();
    let Some(row) = existing else {
        let inserted = insert_result(
            diesel::insert_into(keys::table)
                .values((
                    keys::tenant_id.eq(scope.tenant.to_string()),
                    keys::subject.eq(&scope.sub),
                    keys::idempotency_key.eq(&scope.key),
                    keys::fingerprint.eq(fingerprint),
                    keys::claim.eq(&mine),
                    keys::claimed_at.eq(naive(now)),
                    keys::created_at.eq(naive(now)),
                ))
                .execute(conn),
        );
        return match inserted {
            Ok(()) => Ok(Claim::Claimed(mine)),
            // Another request claimed it between our read and our insert.
            Err(StoreError::Duplicate) => Ok(Claim::InProgress),
            Err(e) => Err(e),
        };
    };
    if row.fingerprint != fingerprint {
        return Ok(Claim::Mismatch);
    }
    if let Some(sealed) = row.answer {
        let plain = data_key
            .open(&sealed)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let answer = serde_json::from_str(&plain)
            .map_err(|e| StoreError::Corrupt(format!("idempotency_keys.answer: {e}")))?;
        return Ok(Claim::Replay(answer));
    }
    if now - utc(row.claimed_at) < LEASE {
        return Ok(Claim::InProgress);
    }
    let taken = diesel::update(
        scoped(scope)
            .filter(keys::claim.eq(row.claim))
            .filter(keys::answer.is_null()),
    )
    .set((keys::claim.eq(&mine), keys::claimed_at.eq(naive(now))))
    .execute(conn)?;
    Ok(if taken == 1 {
        Claim::Claimed(mine)
    } else {
        Claim::InProgress
    })
}

type ScopedUpdate = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<keys::table, diesel::dsl::Eq<keys::tenant_id, String>>,
        diesel::dsl::Eq<keys::subject, String>,
    >,
    diesel::dsl::Eq<keys::idempotency_key, String>,
>;

fn scoped(scope: &Scope) -> ScopedUpdate {
    keys::table
        .filter(keys::tenant_id.eq(scope.tenant.to_string()))
        .filter(keys::subject.eq(scope.sub.clone()))
        .filter(keys::idempotency_key.eq(scope.key.clone()))
}

/// First statement of the change's transaction: the claim is still this request's and not
/// answered. On PostgreSQL the row stays locked until the change commits, so a take-over waits
/// and then finds it answered. False: another request took the key over.
pub fn hold(conn: &mut AnyConnection, scope: &Scope, claim: &str) -> Result<bool, StoreError> {
    let n = diesel::update(
        scoped(scope)
            .filter(keys::claim.eq(claim.to_owned()))
            .filter(keys::answer.is_null()),
    )
    .set(keys::claim.eq(claim))
    .execute(conn)?;
    Ok(n == 1)
}

/// Stores the answer under the claim (sealed: an answer may hold an invitation link).
pub fn complete(
    conn: &mut AnyConnection,
    data_key: &DataKey,
    scope: &Scope,
    claim: &str,
    answer: &StoredAnswer,
) -> Result<bool, StoreError> {
    let plain = serde_json::to_string(answer)
        .map_err(|e| StoreError::Corrupt(format!("idempotency answer: {e}")))?;
    let n = diesel::update(
        scoped(scope)
            .filter(keys::claim.eq(claim.to_owned()))
            .filter(keys::answer.is_null()),
    )
    .set(keys::answer.eq(Some(data_key.seal(&plain))))
    .execute(conn)?;
    Ok(n == 1)
}

/// Gives the key up (the request failed on our side and changed nothing): a retry runs again.
pub fn release(conn: &mut AnyConnection, scope: &Scope, claim: &str) -> Result<(), StoreError> {
    diesel::delete(
        scoped(scope)
            .filter(keys::claim.eq(claim.to_owned()))
            .filter(keys::answer.is_null()),
    )
    .execute(conn)?;
    Ok(())
}
