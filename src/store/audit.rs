//! R29: the append-only audit log (the migrations refuse UPDATE and DELETE on it).

use diesel::prelude::*;

use super::models::AuditRow;
use super::page::{Page, PageRequest, paginate};
use super::schema::audit_events;
use super::{AnyConnection, StoreError};
use crate::domain::values::TenantId;

pub fn record(conn: &mut AnyConnection, row: &AuditRow) -> Result<(), StoreError> {
    diesel::insert_into(audit_events::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

pub fn list(
    conn: &mut AnyConnection,
    tenant: TenantId,
    page: &PageRequest,
) -> Result<Page<AuditRow>, StoreError> {
    let mut query = audit_events::table
        .filter(audit_events::tenant_id.eq(tenant.to_string()))
        .order(audit_events::id.asc())
        .limit(page.limit + 1)
        .select(AuditRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(audit_events::id.gt(after.clone()));
    }
    Ok(paginate(query.load(conn)?, page, |r| &r.id))
}
