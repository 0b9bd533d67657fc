//! Admin relationships (R31-R33): rows, the contexts their commands are decided on, the lists,
//! and the upgrade that turns the old `delegated_admin` flag into relationships.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use uuid::Uuid;

use super::models::{AdminRelationshipRow, tenant};
use super::page::{Page, PageRequest, paginate};
use super::schema::{admin_relationships as admin, customer_relationships as rel};
use super::{
    AnyConnection, MIGRATION_LOCK, StoreError, customers, insert_result, partners,
    write_transaction,
};
use crate::domain::DomainError;
use crate::domain::admin_grant::RequestContext;
use crate::domain::admin_relationship::{AdminRelationship, AdminRequest, AdminStatus};
use crate::domain::values::TenantId;

fn missing() -> StoreError {
    StoreError::Refused(DomainError::NotFound("no such admin relationship".into()))
}

fn load(
    rows: QueryResult<Vec<AdminRelationshipRow>>,
) -> Result<Vec<AdminRelationship>, StoreError> {
    rows?.into_iter().map(AdminRelationship::try_from).collect()
}

/// `StoreError::Duplicate` when the approval token's hash is taken.
pub fn insert(conn: &mut AnyConnection, r: &AdminRelationship) -> Result<(), StoreError> {
    insert_result(
        diesel::insert_into(admin::table)
            .values(AdminRelationshipRow::from(r))
            .execute(conn),
    )
}

/// Writes `r` only if the stored row is still `expected`: of concurrent approvals with one link,
/// the affected-row count lets exactly one win (R32).
pub fn update_from(
    conn: &mut AnyConnection,
    r: &AdminRelationship,
    expected: AdminStatus,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        admin::table
            .filter(admin::id.eq(r.id.to_string()))
            .filter(admin::status.eq(expected.name())),
    )
    .set(AdminRelationshipRow::from(r))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn find(conn: &mut AnyConnection, id: &str) -> Result<Option<AdminRelationship>, StoreError> {
    admin::table
        .find(id)
        .select(AdminRelationshipRow::as_select())
        .first(conn)
        .optional()?
        .map(AdminRelationship::try_from)
        .transpose()
}

/// The partner's relationships with the customer, oldest first.
pub fn of_pair(
    conn: &mut AnyConnection,
    partner: TenantId,
    customer: TenantId,
) -> Result<Vec<AdminRelationship>, StoreError> {
    load(
        admin::table
            .filter(admin::partner_id.eq(partner.to_string()))
            .filter(admin::customer_id.eq(customer.to_string()))
            .order(admin::id.asc())
            .select(AdminRelationshipRow::as_select())
            .load(conn),
    )
}

/// The partner's relationships with each customer whose id is from `first` to `last`, each
/// customer's oldest first: for a page of customers in id order, by range rather than by a list
/// of ids, so that the statement is the same whatever the page (prepared once per connection). A
/// customer of the range not on the page (another relationship type) is left out by the
/// caller's lookup.
pub fn of_customer_range(
    conn: &mut AnyConnection,
    partner: TenantId,
    first: TenantId,
    last: TenantId,
) -> Result<HashMap<TenantId, Vec<AdminRelationship>>, StoreError> {
    let all = load(crate::on_backend!(conn, |c| admin::table
        .filter(admin::partner_id.eq(partner.to_string()))
        .filter(admin::customer_id.ge(first.to_string()))
        .filter(admin::customer_id.le(last.to_string()))
        // In the order of the (partner, customer, id) index the range is read from: no sort.
        .order((admin::customer_id.asc(), admin::id.asc()))
        .select(AdminRelationshipRow::as_select())
        .load(c)))?;
    let mut by_customer: HashMap<TenantId, Vec<AdminRelationship>> = HashMap::new();
    for r in all {
        by_customer.entry(r.customer_id).or_default().push(r);
    }
    Ok(by_customer)
}

/// Locks the partner and reads what its request for roles is decided on (R32).
pub fn request_context(
    conn: &mut AnyConnection,
    partner: TenantId,
    customer: TenantId,
) -> Result<RequestContext, StoreError> {
    partners::lock(conn, partner)?;
    Ok(RequestContext {
        relationship: customers::relationship(conn, partner, customer)?,
    })
}

/// Locks the partner and reads its relationship `id` with the customer; another tenant's, or
/// another customer's, is `NotFound` (R28).
pub fn of_partner(
    conn: &mut AnyConnection,
    partner: TenantId,
    customer: TenantId,
    id: &str,
) -> Result<AdminRelationship, StoreError> {
    partners::lock(conn, partner)?;
    find(conn, id)?
        .filter(|r| r.partner_id == partner && r.customer_id == customer)
        .ok_or_else(missing)
}

/// The customer's relationship `id`; another tenant's is `NotFound` (R28). The conditional
/// update decides between concurrent changes.
pub fn of_customer(
    conn: &mut AnyConnection,
    customer: TenantId,
    id: &str,
) -> Result<AdminRelationship, StoreError> {
    find(conn, id)?
        .filter(|r| r.customer_id == customer)
        .ok_or_else(missing)
}

/// The relationship an approval link names. An unknown id answers as a wrong token: ids cannot
/// be probed (API.md "Secrets at rest").
pub fn to_approve(conn: &mut AnyConnection, id: &str) -> Result<AdminRelationship, StoreError> {
    find(conn, id)?.ok_or(StoreError::Refused(DomainError::InvalidInvitationToken))
}

/// The partner's relationships with a customer it serves; `NotFound` for anyone else's (R28).
pub fn list_for_pair(
    conn: &mut AnyConnection,
    partner: TenantId,
    customer: TenantId,
    page: &PageRequest,
) -> Result<Page<AdminRelationship>, StoreError> {
    if customers::relationship(conn, partner, customer)?.is_none() {
        return Err(StoreError::Refused(DomainError::NotFound(
            "no such customer".into(),
        )));
    }
    let mut query = admin::table
        .filter(admin::partner_id.eq(partner.to_string()))
        .filter(admin::customer_id.eq(customer.to_string()))
        .order(admin::id.asc())
        .limit(page.limit + 1)
        .select(AdminRelationshipRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(admin::id.gt(after.clone()));
    }
    paginate(query.load(conn)?, page, |r| &r.id).try_map(AdminRelationship::try_from)
}

/// The customer's relationships with every partner (R32: who holds which roles until when).
pub fn list_for_customer(
    conn: &mut AnyConnection,
    customer: TenantId,
    page: &PageRequest,
) -> Result<Page<AdminRelationship>, StoreError> {
    let mut query = admin::table
        .filter(admin::customer_id.eq(customer.to_string()))
        .order(admin::id.asc())
        .limit(page.limit + 1)
        .select(AdminRelationshipRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(admin::id.gt(after.clone()));
    }
    paginate(query.load(conn)?, page, |r| &r.id).try_map(AdminRelationship::try_from)
}

/// R33 on upgrade: every customer an older version marked `delegated_admin` keeps its access as
/// an active relationship with the default roles for 730 days from `now`. Runs at each start-up
/// after the migrations and grants only pairs without any admin relationship, so it is done once;
/// replicas starting at once take turns (the migration lock on PostgreSQL, `BEGIN IMMEDIATE` on
/// SQLite). Returns how many it granted.
pub fn grant_existing(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<usize, StoreError> {
    write_transaction(conn, |conn| {
        if let AnyConnection::Postgresql(_) = conn {
            conn.batch_execute(&format!("SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))?;
        }
        let pairs: Vec<(String, String)> = rel::table
            .filter(rel::delegated_admin.eq(true))
            .filter(not(exists(
                admin::table
                    .filter(admin::partner_id.eq(rel::partner_id))
                    .filter(admin::customer_id.eq(rel::customer_id)),
            )))
            .order((rel::partner_id.asc(), rel::customer_id.asc()))
            .select((rel::partner_id, rel::customer_id))
            .load(conn)?;
        for (partner, customer) in &pairs {
            let (partner, customer) = (
                tenant("customer_relationships.partner_id", partner)?,
                tenant("customer_relationships.customer_id", customer)?,
            );
            let granted = AdminRelationship::granted(
                Uuid::now_v7(),
                partner,
                customer,
                AdminRequest::default_grant(),
                now,
            )?;
            insert(conn, &granted)?;
        }
        Ok(pairs.len())
    })
}
