//! Customers and how each partner and provider is tied to them (R16-R22).

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::models::{AdminRelationshipRow, CustomerRelationshipRow, CustomerRow, naive};
use super::page::{Page, PageRequest, paginate};
use super::schema::{admin_relationships as admin, customer_relationships as rel, customers};
use super::{
    AnyConnection, StoreError, admin_relationships, insert_result, param, partners, partnerships,
    providers,
};
use crate::domain::DomainError;
use crate::domain::admin_relationship::AdminRelationship;
use crate::domain::capability::Relationship;
use crate::domain::customer::{
    Customer, CustomerRelationship, DirectCustomerContext, PartnerCustomer, ResellerCustomerContext,
};
use crate::domain::values::TenantId;

pub fn insert(conn: &mut AnyConnection, c: &Customer) -> Result<(), StoreError> {
    insert_result(
        diesel::insert_into(customers::table)
            .values(CustomerRow::from(c))
            .execute(conn),
    )
}

pub fn find(conn: &mut AnyConnection, id: TenantId) -> Result<Option<Customer>, StoreError> {
    customers::table
        .find(id.to_string())
        .select(CustomerRow::as_select())
        .first(conn)
        .optional()?
        .map(Customer::try_from)
        .transpose()
}

/// Locks the partner and reads what creating its direct bill customer is decided on (R19).
pub fn direct_context(
    conn: &mut AnyConnection,
    partner: TenantId,
) -> Result<DirectCustomerContext, StoreError> {
    partners::lock(conn, partner)?;
    Ok(DirectCustomerContext {
        partner: partners::registered(conn, partner)?,
    })
}

/// Locks the reseller and reads what its provider's creating a customer for it is decided on
/// (R19).
pub fn reseller_context(
    conn: &mut AnyConnection,
    provider: TenantId,
    reseller: TenantId,
) -> Result<ResellerCustomerContext, StoreError> {
    partners::lock(conn, reseller)?;
    Ok(ResellerCustomerContext {
        provider: providers::registered(conn, provider)?,
        reseller,
        relationship_exists: partnerships::relationship_exists(conn, reseller, provider)?,
    })
}

/// The partner's customer, its relationship and admin relationships (oldest id first); another
/// tenant's customer is `NotFound` (R28). One query (a hot read: the customer's detail): the
/// customer and its relationship once per admin relationship, or once with none.
pub fn visible(
    conn: &mut AnyConnection,
    partner: TenantId,
    customer: TenantId,
) -> Result<PartnerCustomer, StoreError> {
    type Row = (
        CustomerRow,
        CustomerRelationshipRow,
        Option<AdminRelationshipRow>,
    );
    let rows: Vec<Row> = crate::on_backend!(conn, |c| rel::table
        .inner_join(customers::table)
        .left_join(admin::table.on(admin_of_the_pair()))
        .filter(the_pair(partner.to_string(), customer.to_string()))
        .select((
            CustomerRow::as_select(),
            CustomerRelationshipRow::as_select(),
            admin::all_columns.nullable(),
        ))
        .load(c))?;
    let rows = rows.into_iter().map(|(c, r, a)| ((c, r), a)).collect();
    let ((c, r), admin) = with_admin(rows)?;
    Ok(PartnerCustomer {
        customer: Customer::try_from(c)?,
        relationship: CustomerRelationship::try_from(r)?,
        admin,
    })
}

/// What a capability decision for the partner's customer is made on (R23, R33): the
/// relationship and the admin relationships (oldest id first), without the customer's own
/// columns; another tenant's customer is `NotFound` (R28). One query (a hot read:
/// capabilities): the relationship once per admin relationship, or once with none.
pub fn decision_facts(
    conn: &mut AnyConnection,
    partner: TenantId,
    customer: TenantId,
) -> Result<(CustomerRelationship, Vec<AdminRelationship>), StoreError> {
    let rows: Vec<(CustomerRelationshipRow, Option<AdminRelationshipRow>)> =
        crate::on_backend!(conn, |c| rel::table
            .left_join(admin::table.on(admin_of_the_pair()))
            .filter(the_pair(partner.to_string(), customer.to_string()))
            .select((
                CustomerRelationshipRow::as_select(),
                admin::all_columns.nullable(),
            ))
            .load(c))?;
    let (r, admin) = with_admin(rows)?;
    Ok((CustomerRelationship::try_from(r)?, admin))
}

/// The partner's relationship with the customer.
#[diesel::dsl::auto_type]
fn the_pair(partner: String, customer: String) -> _ {
    rel::partner_id
        .eq(partner)
        .and(rel::customer_id.eq(customer))
}

/// An admin relationship of the same partner and customer as the relationship (R31).
#[diesel::dsl::auto_type]
fn admin_of_the_pair() -> _ {
    admin::partner_id
        .eq(rel::partner_id)
        .and(admin::customer_id.eq(rel::customer_id))
}

/// The rows of a pair's relationship left-joined with its admin relationships: the pair's own
/// columns (the same on every row) and the admin relationships in id order (the order
/// `admin_relationships::list_for_pair` gives; a uuid's order is its text's). They are put in
/// order here: an `ORDER BY` made PostgreSQL set up a sort for every execution, a sixth of the
/// statement's cost there. No row: the partner has no such customer.
fn with_admin<T>(
    rows: Vec<(T, Option<AdminRelationshipRow>)>,
) -> Result<(T, Vec<AdminRelationship>), StoreError> {
    let mut rows = rows.into_iter();
    let Some((pair, first)) = rows.next() else {
        return Err(StoreError::Refused(DomainError::NotFound(
            "no such customer".into(),
        )));
    };
    let mut admin = first
        .into_iter()
        .chain(rows.filter_map(|(_, a)| a))
        .map(AdminRelationship::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    admin.sort_unstable_by_key(|a| a.id);
    Ok((pair, admin))
}

/// How `partner` is tied to `customer`, if at all.
pub fn relationship(
    conn: &mut AnyConnection,
    partner: TenantId,
    customer: TenantId,
) -> Result<Option<CustomerRelationship>, StoreError> {
    rel::table
        .find((partner.to_string(), customer.to_string()))
        .select(CustomerRelationshipRow::as_select())
        .first(conn)
        .optional()?
        .map(CustomerRelationship::try_from)
        .transpose()
}

/// Inserts the relationship, or replaces the pair's existing one (R21: a move), in one upsert.
pub fn put_relationship(
    conn: &mut AnyConnection,
    r: &CustomerRelationship,
) -> Result<(), StoreError> {
    use diesel::sql_types::{Bool, Nullable, Text, Timestamp};
    let row = CustomerRelationshipRow::from(r);
    let p: Vec<String> = (1..=6).map(|n| param(conn, n)).collect();
    diesel::sql_query(format!(
        "INSERT INTO customer_relationships \
         (partner_id, customer_id, relationship, provider_id, delegated_admin, since) \
         VALUES ({}, {}, {}, {}, {}, {}) ON CONFLICT (partner_id, customer_id) DO UPDATE SET \
         relationship = excluded.relationship, provider_id = excluded.provider_id, \
         delegated_admin = excluded.delegated_admin, since = excluded.since",
        p[0], p[1], p[2], p[3], p[4], p[5]
    ))
    .bind::<Text, _>(row.partner_id)
    .bind::<Text, _>(row.customer_id)
    .bind::<Text, _>(row.relationship)
    .bind::<Nullable<Text>, _>(row.provider_id)
    .bind::<Bool, _>(row.delegated_admin)
    .bind::<Timestamp, _>(row.since)
    .execute(conn)?;
    Ok(())
}

/// R16: the provider's own reseller relationship with the customer (kept if it exists).
pub fn link_provider(
    conn: &mut AnyConnection,
    provider: TenantId,
    customer: TenantId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // The primary key decides: two partners of one provider linking the same customer at once
    // both succeed, and the first link stays (no count-then-insert).
    // (diesel's on_conflict builder does not reach through the MultiConnection.)
    let (a, b, c) = (param(conn, 1), param(conn, 2), param(conn, 3));
    diesel::sql_query(format!(
        "INSERT INTO provider_customers (provider_id, customer_id, since) VALUES ({a}, {b}, {c}) \
         ON CONFLICT (provider_id, customer_id) DO NOTHING"
    ))
    .bind::<diesel::sql_types::Text, _>(provider.to_string())
    .bind::<diesel::sql_types::Text, _>(customer.to_string())
    .bind::<diesel::sql_types::Timestamp, _>(naive(now))
    .execute(conn)?;
    Ok(())
}

/// The partner's customers, in customer id order, optionally of one relationship type.
pub fn list_for_partner(
    conn: &mut AnyConnection,
    partner: TenantId,
    relationship: Option<Relationship>,
    page: &PageRequest,
) -> Result<Page<PartnerCustomer>, StoreError> {
    // Not boxed: each of the two statements has a type of its own, so diesel finds it in the
    // connection's statement cache by that type instead of writing its SQL on every request.
    // The first page starts after "", which sorts before every id.
    let after = page.after.clone().unwrap_or_default();
    let rows: Vec<(CustomerRow, CustomerRelationshipRow)> = crate::on_backend!(conn, |c| {
        let query = rel::table
            .inner_join(customers::table)
            .filter(rel::partner_id.eq(partner.to_string()))
            .filter(rel::customer_id.gt(after))
            .order(rel::customer_id.asc())
            .limit(page.limit + 1)
            .select((
                CustomerRow::as_select(),
                CustomerRelationshipRow::as_select(),
            ));
        match relationship {
            None => query.load(c),
            Some(kind) => query.filter(rel::relationship.eq(kind.name())).load(c),
        }
    })?;
    let page = paginate(rows, page, |(c, _)| &c.tenant_id).try_map(|(c, r)| {
        Ok::<_, StoreError>((Customer::try_from(c)?, CustomerRelationship::try_from(r)?))
    })?;
    let mut admin = match (page.items.first(), page.items.last()) {
        (Some((first, _)), Some((last, _))) => {
            admin_relationships::of_customer_range(conn, partner, first.tenant_id, last.tenant_id)?
        }
        _ => Default::default(),
    };
    Ok(page.map(|(customer, relationship)| PartnerCustomer {
        admin: admin.remove(&customer.tenant_id).unwrap_or_default(),
        customer,
        relationship,
    }))
}
