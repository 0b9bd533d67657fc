//! R35: webhook endpoints (secrets sealed with `DATA_KEY`), one delivery per event and endpoint
//! written beside the event, and the claims that let exactly one replica send each.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use uuid::Uuid;

use super::models::{EventRow, naive, tenant, utc};
use super::page::{Page, PageRequest, paginate};
use super::schema::{events, webhook_attempts, webhook_deliveries as dl, webhook_endpoints as ep};
use super::{AnyConnection, StoreError, param, partners, providers};
use crate::domain::DomainError;
use crate::domain::delivery::LEASE;
use crate::domain::event::EventType;
use crate::domain::values::{Email, TenantId};
use crate::domain::webhook::{
    DeliveryStatus, DisabledReason, EventFilter, Secret, WebhookEndpoint,
};
use crate::sealing::DataKey;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ep, treat_none_as_null = true)]
struct EndpointRow {
    id: String,
    tenant_id: String,
    url: String,
    event_types: String,
    description: Option<String>,
    enabled: bool,
    disabled_reason: Option<String>,
    secret_sealed: String,
    previous_secret_sealed: Option<String>,
    previous_secret_until: Option<chrono::NaiveDateTime>,
    failing_since: Option<chrono::NaiveDateTime>,
    created_at: chrono::NaiveDateTime,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("webhook_endpoints.{what}"))
}

/// The stored `event_types` (a JSON array of names) as the filter it was saved from.
fn filter_of(stored: &str) -> Result<EventFilter, StoreError> {
    let names: Vec<String> = serde_json::from_str(stored).map_err(|_| corrupt("event_types"))?;
    EventFilter::parse(&names).map_err(|_| corrupt("event_types"))
}

impl EndpointRow {
    fn sealed(e: &WebhookEndpoint, key: &DataKey) -> EndpointRow {
        let names = serde_json::to_string(&e.events.names()).unwrap_or_else(|_| "[]".into());
        EndpointRow {
            id: e.id.to_string(),
            tenant_id: e.tenant_id.to_string(),
            url: e.url.clone(),
            event_types: names,
            description: e.description.clone(),
            enabled: e.enabled,
            disabled_reason: e.disabled_reason.map(|r| r.name().to_owned()),
            secret_sealed: key.seal(e.secret.as_str()),
            previous_secret_sealed: e
                .previous_secret
                .as_ref()
                .map(|(s, _)| key.seal(s.as_str())),
            previous_secret_until: e.previous_secret.as_ref().map(|(_, until)| naive(*until)),
            failing_since: e.failing_since.map(naive),
            created_at: naive(e.created_at),
        }
    }

    fn open(self, key: &DataKey) -> Result<WebhookEndpoint, StoreError> {
        let secret = |sealed: &str| {
            key.open(sealed)
                .ok()
                .and_then(|s| Secret::parse(&s))
                .ok_or_else(|| corrupt("secret_sealed"))
        };
        let previous = match (&self.previous_secret_sealed, self.previous_secret_until) {
            (Some(sealed), Some(until)) => Some((secret(sealed)?, utc(until))),
            _ => None,
        };
        Ok(WebhookEndpoint {
            id: Uuid::parse_str(&self.id).map_err(|_| corrupt("id"))?,
            tenant_id: tenant("webhook_endpoints.tenant_id", &self.tenant_id)?,
            events: filter_of(&self.event_types)?,
            description: self.description,
            enabled: self.enabled,
            disabled_reason: self
                .disabled_reason
                .as_deref()
                .map(|r| DisabledReason::from_name(r).ok_or_else(|| corrupt("disabled_reason")))
                .transpose()?,
            secret: secret(&self.secret_sealed)?,
            previous_secret: previous,
            failing_since: self.failing_since.map(utc),
            created_at: utc(self.created_at),
            url: self.url,
        })
    }
}

/// One delivery, as the API shows it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dl)]
pub struct DeliveryRow {
    pub id: String,
    pub tenant_id: String,
    pub endpoint_id: String,
    pub event_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<chrono::NaiveDateTime>,
    pub delivered_at: Option<chrono::NaiveDateTime>,
    pub created_at: chrono::NaiveDateTime,
    pub lease_owner: Option<String>,
    pub lease_until: Option<chrono::NaiveDateTime>,
}

fn not_found() -> StoreError {
    StoreError::Refused(DomainError::NotFound("no such webhook endpoint".into()))
}

pub fn insert(
    conn: &mut AnyConnection,
    key: &DataKey,
    e: &WebhookEndpoint,
) -> Result<(), StoreError> {
    diesel::insert_into(ep::table)
        .values(EndpointRow::sealed(e, key))
        .execute(conn)?;
    Ok(())
}

pub fn update(
    conn: &mut AnyConnection,
    key: &DataKey,
    e: &WebhookEndpoint,
) -> Result<(), StoreError> {
    let n = diesel::update(
        ep::table
            .filter(ep::id.eq(e.id.to_string()))
            .filter(ep::tenant_id.eq(e.tenant_id.to_string())),
    )
    .set(EndpointRow::sealed(e, key))
    .execute(conn)?;
    if n == 1 { Ok(()) } else { Err(not_found()) }
}

/// Removes the endpoint with its deliveries and their attempts.
pub fn delete(conn: &mut AnyConnection, tenant: TenantId, id: Uuid) -> Result<(), StoreError> {
    let (tenant, id) = (tenant.to_string(), id.to_string());
    let deliveries: Vec<String> = dl::table
        .filter(dl::endpoint_id.eq(&id))
        .filter(dl::tenant_id.eq(&tenant))
        .select(dl::id)
        .load(conn)?;
    for chunk in deliveries.chunks(500) {
        diesel::delete(webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(chunk)))
            .execute(conn)?;
    }
    diesel::delete(
        dl::table
            .filter(dl::endpoint_id.eq(&id))
            .filter(dl::tenant_id.eq(&tenant)),
    )
    .execute(conn)?;
    let n = diesel::delete(
        ep::table
            .filter(ep::id.eq(&id))
            .filter(ep::tenant_id.eq(&tenant)),
    )
    .execute(conn)?;
    if n == 1 { Ok(()) } else { Err(not_found()) }
}

/// The tenant's endpoint `id`; another tenant's is `NotFound` (R28).
pub fn owned(
    conn: &mut AnyConnection,
    key: &DataKey,
    tenant: TenantId,
    id: &str,
) -> Result<WebhookEndpoint, StoreError> {
    ep::table
        .filter(ep::id.eq(id))
        .filter(ep::tenant_id.eq(tenant.to_string()))
        .select(EndpointRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(not_found)?
        .open(key)
}

/// As `owned`, holding the row until the transaction ends (PostgreSQL; SQLite has one writer),
/// so that a request and the sender, or two sends, decide on the endpoint one after the other.
pub fn locked(
    conn: &mut AnyConnection,
    key: &DataKey,
    tenant: TenantId,
    id: &str,
) -> Result<WebhookEndpoint, StoreError> {
    if let AnyConnection::Postgresql(pg) = conn {
        diesel::sql_query("SELECT id FROM webhook_endpoints WHERE id = $1 FOR UPDATE")
            .bind::<Text, _>(id)
            .execute(pg)?;
    }
    owned(conn, key, tenant, id)
}

pub fn list(
    conn: &mut AnyConnection,
    key: &DataKey,
    tenant: TenantId,
    page: &PageRequest,
) -> Result<Page<WebhookEndpoint>, StoreError> {
    let mut query = ep::table
        .filter(ep::tenant_id.eq(tenant.to_string()))
        .order(ep::id.asc())
        .limit(page.limit + 1)
        .select(EndpointRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(ep::id.gt(after.clone()));
    }
    paginate(query.load(conn)?, page, |r| &r.id).try_map(|r| r.open(key))
}

fn new_delivery(endpoint: &str, event: &EventRow, now: DateTime<Utc>) -> DeliveryRow {
    DeliveryRow {
        id: Uuid::now_v7().to_string(),
        tenant_id: event.tenant_id.clone(),
        endpoint_id: endpoint.to_owned(),
        event_id: event.id.clone(),
        event_type: event.event_type.clone(),
        status: DeliveryStatus::Pending.name().to_owned(),
        attempts: 0,
        last_status_code: None,
        last_error: None,
        next_attempt_at: Some(naive(now)),
        delivered_at: None,
        created_at: naive(now),
        lease_owner: None,
        lease_until: None,
    }
}

// Batch inserts do not reach through the MultiConnection: one statement per row.
fn insert_deliveries(conn: &mut AnyConnection, rows: &[DeliveryRow]) -> Result<(), StoreError> {
    for row in rows {
        diesel::insert_into(dl::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// A tenant's enabled endpoints, each with what it wants.
pub type Receivers = Vec<(String, EventFilter)>;

/// The tenant's enabled endpoints with their filters (no secrets needed to decide who wants what).
pub fn receivers(conn: &mut AnyConnection, tenant: &str) -> Result<Receivers, StoreError> {
    let rows: Vec<(String, String)> = ep::table
        .filter(ep::tenant_id.eq(tenant))
        .filter(ep::enabled.eq(true))
        .select((ep::id, ep::event_types))
        .load(conn)?;
    rows.into_iter()
        .map(|(id, types)| Ok((id, filter_of(&types)?)))
        .collect()
}

/// R35: one delivery of `event` to every enabled endpoint of its tenant (`receivers`, read in
/// the event's transaction) that wants it; `webhook.test` only to the endpoint it tests.
pub fn fan_out(
    conn: &mut AnyConnection,
    event: &EventRow,
    receivers: &Receivers,
) -> Result<(), StoreError> {
    let Some(t) = EventType::from_name(&event.event_type) else {
        return Err(StoreError::Corrupt(format!(
            "event type {}",
            event.event_type
        )));
    };
    let rows: Vec<DeliveryRow> = receivers
        .iter()
        .filter(|(id, filter)| {
            filter.matches(t) || (t == EventType::WebhookTest && *id == event.subject_id)
        })
        .map(|(id, _)| new_delivery(id, event, utc(event.occurred_at)))
        .collect();
    insert_deliveries(conn, &rows)
}

/// Delivers again every event of the endpoint's tenant after `after_sequence` that it wants;
/// answers how many deliveries were made.
pub fn replay(
    conn: &mut AnyConnection,
    e: &WebhookEndpoint,
    after_sequence: i64,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let rows: Vec<EventRow> = events::table
        .filter(events::tenant_id.eq(e.tenant_id.to_string()))
        .filter(events::sequence.gt(after_sequence))
        .order(events::sequence.asc())
        .select(EventRow::as_select())
        .load(conn)?;
    let id = e.id.to_string();
    let deliveries: Vec<DeliveryRow> = rows
        .iter()
        .filter(|r| EventType::from_name(&r.event_type).is_some_and(|t| e.events.matches(t)))
        .map(|r| new_delivery(&id, r, now))
        .collect();
    insert_deliveries(conn, &deliveries)?;
    Ok(deliveries.len())
}

pub fn deliveries(
    conn: &mut AnyConnection,
    tenant: TenantId,
    endpoint: Uuid,
    status: Option<DeliveryStatus>,
    page: &PageRequest,
) -> Result<Page<DeliveryRow>, StoreError> {
    let mut query = dl::table
        .filter(dl::tenant_id.eq(tenant.to_string()))
        .filter(dl::endpoint_id.eq(endpoint.to_string()))
        .order(dl::id.asc())
        .limit(page.limit + 1)
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(dl::id.gt(after.clone()));
    }
    if let Some(s) = status {
        query = query.filter(dl::status.eq(s.name()));
    }
    Ok(paginate(query.load(conn)?, page, |r| &r.id))
}

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = Text)]
    id: String,
}

/// A due delivery this sender holds, with what sending it needs.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: DeliveryRow,
    pub endpoint: WebhookEndpoint,
    pub event: EventRow,
}

/// R35: claims up to `limit` due deliveries of enabled endpoints for `owner` until the lease
/// runs out, so that however many replicas poll, each is sent by one. On PostgreSQL concurrent
/// claimers skip each other's rows (`FOR UPDATE SKIP LOCKED`); SQLite has one writer at a time.
pub fn claim_due(
    conn: &mut AnyConnection,
    key: &DataKey,
    owner: &str,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Claimed>, StoreError> {
    let skip_locked = match conn {
        AnyConnection::Postgresql(_) => "FOR UPDATE OF d SKIP LOCKED",
        AnyConnection::Sqlite(_) => "",
    };
    let p: Vec<String> = (1..=5).map(|n| param(conn, n)).collect();
    let ids: Vec<ClaimedId> = diesel::sql_query(format!(
        "UPDATE webhook_deliveries SET lease_owner = {owner}, lease_until = {until} \
         WHERE id IN (SELECT d.id FROM webhook_deliveries d \
           JOIN webhook_endpoints e ON e.id = d.endpoint_id \
           WHERE d.status = 'pending' AND e.enabled AND d.next_attempt_at <= {now} \
           AND (d.lease_until IS NULL OR d.lease_until <= {now2}) \
           ORDER BY d.next_attempt_at LIMIT {limit} {skip_locked}) \
         RETURNING id",
        owner = p[0],
        until = p[1],
        now = p[2],
        now2 = p[3],
        limit = p[4],
    ))
    .bind::<Text, _>(owner)
    .bind::<Timestamp, _>(naive(now + LEASE))
    .bind::<Timestamp, _>(naive(now))
    .bind::<Timestamp, _>(naive(now))
    .bind::<BigInt, _>(limit)
    .load(conn)?;
    let ids: Vec<String> = ids.into_iter().map(|c| c.id).collect();
    let rows: Vec<(DeliveryRow, EndpointRow, EventRow)> = dl::table
        .inner_join(ep::table)
        .inner_join(events::table.on(events::id.eq(dl::event_id)))
        .filter(dl::id.eq_any(&ids))
        .select((
            DeliveryRow::as_select(),
            EndpointRow::as_select(),
            EventRow::as_select(),
        ))
        .load(conn)?;
    rows.into_iter()
        .map(|(delivery, endpoint, event)| {
            Ok(Claimed {
                delivery,
                endpoint: endpoint.open(key)?,
                event,
            })
        })
        .collect()
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
    /// `Some(when)` to try again, `None` when done (delivered or given up).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub status: DeliveryStatus,
}

/// Records an attempt of a delivery this sender still holds; false when its lease was lost
/// (another sender took over), and then nothing is written.
pub fn record_attempt(
    conn: &mut AnyConnection,
    delivery: &DeliveryRow,
    owner: &str,
    a: &Attempt,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        dl::table
            .filter(dl::id.eq(&delivery.id))
            .filter(dl::lease_owner.eq(owner))
            .filter(dl::status.eq(DeliveryStatus::Pending.name())),
    )
    .set((
        dl::status.eq(a.status.name()),
        dl::attempts.eq(dl::attempts + 1),
        dl::last_status_code.eq(a.status_code.map(i64::from)),
        dl::last_error.eq(a.error.clone()),
        dl::next_attempt_at.eq(a.next_attempt_at.map(naive)),
        dl::delivered_at.eq((a.status == DeliveryStatus::Succeeded).then(|| naive(a.at))),
        dl::lease_owner.eq(None::<String>),
        dl::lease_until.eq(None::<chrono::NaiveDateTime>),
    ))
    .execute(conn)?;
    if n != 1 {
        return Ok(false);
    }
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::id.eq(Uuid::now_v7().to_string()),
            webhook_attempts::delivery_id.eq(&delivery.id),
            webhook_attempts::tenant_id.eq(&delivery.tenant_id),
            webhook_attempts::attempted_at.eq(naive(a.at)),
            webhook_attempts::status_code.eq(a.status_code.map(i64::from)),
            webhook_attempts::error.eq(a.error.clone()),
            webhook_attempts::duration_ms.eq(a.duration_ms),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Who hears that a tenant's endpoint was disabled: a partner's primary contact, or a
/// provider's contact.
pub fn contact(conn: &mut AnyConnection, tenant: TenantId) -> Result<Option<Email>, StoreError> {
    if let Some(p) = partners::find(conn, tenant)? {
        return Ok(p.primary_contact_email);
    }
    Ok(providers::find(conn, tenant)?.map(|p| p.contact_email))
}

/// Deliveries still pending (the delivery benchmark watches the backlog drain).
pub fn backlog(conn: &mut AnyConnection) -> Result<i64, StoreError> {
    Ok(dl::table
        .filter(dl::status.eq(DeliveryStatus::Pending.name()))
        .count()
        .get_result(conn)?)
}
