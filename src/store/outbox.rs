//! R30: notifications are written here in the caller's transaction; delivery comes after.

use diesel::prelude::*;

use super::models::NotificationRow;
use super::page::{Page, PageRequest, paginate};
use super::schema::notifications;
use super::{AnyConnection, StoreError};
use crate::domain::notification::Notification;
use crate::domain::values::TenantId;
use crate::sealing::DataKey;

/// The e-mail `event_id` sends, kept sealed for delivery; what `notifications` shows hides its
/// tokens.
pub fn enqueue(
    conn: &mut AnyConnection,
    key: &DataKey,
    n: &Notification,
    event_id: &str,
) -> Result<(), StoreError> {
    diesel::insert_into(notifications::table)
        .values(NotificationRow::sealed(n, event_id, key))
        .execute(conn)?;
    Ok(())
}

pub fn list(
    conn: &mut AnyConnection,
    tenant: TenantId,
    page: &PageRequest,
) -> Result<Page<NotificationRow>, StoreError> {
    let mut query = notifications::table
        .filter(notifications::tenant_id.eq(tenant.to_string()))
        .order(notifications::id.asc())
        .limit(page.limit + 1)
        .select(NotificationRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(notifications::id.gt(after.clone()));
    }
    Ok(paginate(query.load(conn)?, page, |n| &n.id))
}
