//! R34: the event log. Appending takes the tenant's next sequence number from
//! `event_sequences` with one upsert, whose row lock holds until the transaction ends: writers of
//! one tenant queue there, so sequences are gapless and follow commit order, on any replica.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::models::EventRow;
use super::page::{Page, PageRequest, paginate};
use super::schema::events;
use super::{AnyConnection, StoreError, param};
use crate::domain::event::EventType;
use crate::domain::values::TenantId;

#[derive(QueryableByName)]
struct Next {
    #[diesel(sql_type = BigInt)]
    last_sequence: i64,
}

fn next_sequence(conn: &mut AnyConnection, tenant: TenantId) -> Result<i64, StoreError> {
    let placeholder = param(conn, 1);
    let next: Next = diesel::sql_query(format!(
        "INSERT INTO event_sequences (tenant_id, last_sequence) VALUES ({placeholder}, 1) \
         ON CONFLICT (tenant_id) DO UPDATE SET last_sequence = event_sequences.last_sequence + 1 \
         RETURNING last_sequence"
    ))
    .bind::<Text, _>(tenant.to_string())
    .get_result(conn)?;
    Ok(next.last_sequence)
}

/// Appends `row` as the tenant's next event; its `sequence` is set here.
pub fn append(conn: &mut AnyConnection, mut row: EventRow) -> Result<EventRow, StoreError> {
    let tenant = TenantId::parse(&row.tenant_id)
        .map_err(|e| StoreError::Corrupt(format!("events.tenant_id: {e}")))?;
    row.sequence = next_sequence(conn, tenant)?;
    diesel::insert_into(events::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

/// The tenant's events after `after` (a sequence), oldest first, of the given types (all when
/// empty). The cursor carries the last sequence.
pub fn list(
    conn: &mut AnyConnection,
    tenant: TenantId,
    types: &[EventType],
    after: i64,
    limit: i64,
) -> Result<Page<EventRow>, StoreError> {
    let mut query = events::table
        .filter(events::tenant_id.eq(tenant.to_string()))
        .filter(events::sequence.gt(after))
        .order(events::sequence.asc())
        .limit(limit + 1)
        .select(EventRow::as_select())
        .into_boxed();
    if !types.is_empty() {
        query = query.filter(events::event_type.eq_any(types.iter().map(|t| t.name())));
    }
    let rows: Vec<(String, EventRow)> = query
        .load(conn)?
        .into_iter()
        .map(|r: EventRow| (r.sequence.to_string(), r))
        .collect();
    let page = paginate(rows, &PageRequest { limit, after: None }, |(seq, _)| seq);
    Ok(page.map(|(_, row)| row))
}

pub fn find(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: &str,
) -> Result<Option<EventRow>, StoreError> {
    Ok(events::table
        .filter(events::tenant_id.eq(tenant.to_string()))
        .filter(events::id.eq(id))
        .select(EventRow::as_select())
        .first(conn)
        .optional()?)
}
