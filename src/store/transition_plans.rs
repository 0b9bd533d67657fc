//! Transition plans (R36): a plan and its items, in the order the plan gave them.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::models::{
    CustomerInvitationRow, CustomerRelationshipRow, CustomerRow, naive, roles, roles_json, tenant,
    utc, uuid,
};
use super::schema::{
    customer_invitations as inv, customer_relationships as rel, customers,
    transition_plan_items as items, transition_plans as plans,
};
use super::{AnyConnection, StoreError, insert_result, param, partners, partnerships, providers};
use crate::domain::DomainError;
use crate::domain::customer::{Customer, CustomerRelationship};
use crate::domain::invitation::CustomerInvitationStatus;
use crate::domain::transition_plan::{
    BlockedReason, PlanContext, PlanItem, PlanStatus, TransitionPlan,
};
use crate::domain::values::{CompanyName, TenantId};
use crate::sealing::DataKey;

#[derive(Debug, Queryable, Selectable, Insertable)]
#[diesel(table_name = plans)]
struct PlanRow {
    id: String,
    partner_id: String,
    provider_id: String,
    status: String,
    admin_roles: Option<String>,
    message: Option<String>,
    created_at: chrono::NaiveDateTime,
}

/// An item as a plan shows it; its outcome follows from its reason.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = items)]
struct ItemRow {
    customer_id: String,
    company_name: String,
    reason: Option<String>,
}

fn corrupt(column: &str, raw: &str) -> StoreError {
    StoreError::Corrupt(format!("{column}: {raw}"))
}

/// Locks the partner and reads what planning is decided on, in a bounded number of queries
/// whatever the number of customers: one join for the partner's customers with their
/// relationships, one for its open invitations.
pub fn plan_context(
    conn: &mut AnyConnection,
    key: &DataKey,
    partner: TenantId,
    provider: TenantId,
) -> Result<PlanContext, StoreError> {
    partners::lock(conn, partner)?;
    let p = partners::indirect(conn, partner)?;
    let provider = if partnerships::relationship_exists(conn, partner, provider)? {
        providers::find(conn, provider)?
    } else {
        None
    };
    let rows: Vec<(CustomerRow, CustomerRelationshipRow)> = rel::table
        .inner_join(customers::table)
        .filter(rel::partner_id.eq(partner.to_string()))
        .order(rel::customer_id.asc())
        .select((
            CustomerRow::as_select(),
            CustomerRelationshipRow::as_select(),
        ))
        .load(conn)?;
    let customers = rows
        .into_iter()
        .map(|(c, r)| Ok((Customer::try_from(c)?, CustomerRelationship::try_from(r)?)))
        .collect::<Result<Vec<_>, StoreError>>()?;
    let open: Vec<&str> = CustomerInvitationStatus::open().map(|s| s.name()).collect();
    let invitations = inv::table
        .filter(inv::partner_id.eq(partner.to_string()))
        .filter(inv::customer_id.is_not_null())
        .filter(inv::status.eq_any(open))
        .select(CustomerInvitationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| r.open(key))
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(PlanContext {
        partner: p,
        provider,
        customers,
        invitations,
    })
}

/// Items written per statement: a plan of 10,000 customers is 20 statements, not 10,000.
const ITEMS_PER_INSERT: usize = 500;
const ITEM_COLUMNS: usize = 6;

/// The plan, then its items, many rows a statement (raw SQL: diesel's batch inserts do not
/// reach through the MultiConnection).
pub fn insert(conn: &mut AnyConnection, p: &TransitionPlan) -> Result<(), StoreError> {
    let id = p.id.to_string();
    insert_result(
        diesel::insert_into(plans::table)
            .values(PlanRow {
                id: id.clone(),
                partner_id: p.partner_id.to_string(),
                provider_id: p.provider_id.to_string(),
                status: p.status.name().to_owned(),
                admin_roles: Some(roles_json(&p.admin_roles)),
                message: p.message.clone(),
                created_at: naive(p.created_at),
            })
            .execute(conn),
    )?;
    for (first, chunk) in (0_i64..)
        .step_by(ITEMS_PER_INSERT)
        .zip(p.items.chunks(ITEMS_PER_INSERT))
    {
        let rows: Vec<String> = (0..chunk.len())
            .map(|row| {
                let params: Vec<String> = (1..=ITEM_COLUMNS)
                    .map(|col| param(conn, row * ITEM_COLUMNS + col))
                    .collect();
                format!("({})", params.join(", "))
            })
            .collect();
        let mut query = diesel::sql_query(format!(
            "INSERT INTO transition_plan_items \
             (plan_id, customer_id, company_name, outcome, reason, position) VALUES {}",
            rows.join(", ")
        ))
        .into_boxed::<<AnyConnection as diesel::Connection>::Backend>();
        for (position, item) in (first..).zip(chunk) {
            query = query
                .bind::<Text, _>(id.clone())
                .bind::<Text, _>(item.customer_id.to_string())
                .bind::<Text, _>(item.company_name.as_str().to_owned())
                .bind::<Text, _>(item.outcome().name())
                .bind::<Nullable<Text>, _>(item.reason.map(|r| r.name()))
                .bind::<BigInt, _>(position);
        }
        query.execute(conn)?;
    }
    Ok(())
}

/// The partner's plan `id`; another tenant's is `NotFound` (R28).
pub fn owned(
    conn: &mut AnyConnection,
    partner: TenantId,
    id: &str,
) -> Result<TransitionPlan, StoreError> {
    let row = plans::table
        .find(id)
        .filter(plans::partner_id.eq(partner.to_string()))
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::Refused(DomainError::NotFound("no such plan".into())))?;
    let item_rows: Vec<ItemRow> = items::table
        .filter(items::plan_id.eq(id))
        .order(items::position.asc())
        .select(ItemRow::as_select())
        .load(conn)?;
    let items = item_rows
        .into_iter()
        .map(|r| {
            Ok(PlanItem {
                customer_id: tenant("transition_plan_items.customer_id", &r.customer_id)?,
                company_name: CompanyName::parse(&r.company_name)
                    .map_err(|_| corrupt("transition_plan_items.company_name", &r.company_name))?,
                reason: match r.reason.as_deref() {
                    None => None,
                    Some(raw) => Some(
                        BlockedReason::from_name(raw)
                            .ok_or_else(|| corrupt("transition_plan_items.reason", raw))?,
                    ),
                },
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(TransitionPlan {
        id: uuid("transition_plans.id", &row.id)?,
        partner_id: tenant("transition_plans.partner_id", &row.partner_id)?,
        provider_id: tenant("transition_plans.provider_id", &row.provider_id)?,
        status: PlanStatus::from_name(&row.status)
            .ok_or_else(|| corrupt("transition_plans.status", &row.status))?,
        admin_roles: match row.admin_roles.as_deref() {
            Some(raw) => roles("transition_plans.admin_roles", raw)?,
            None => crate::domain::admin_relationship::AdminRole::DEFAULT.to_vec(),
        },
        message: row.message,
        created_at: utc(row.created_at),
        items,
    })
}

/// Only while the stored plan is still `from` (R38); false when it is not.
pub fn update_status(
    conn: &mut AnyConnection,
    plan: uuid::Uuid,
    from: PlanStatus,
    to: PlanStatus,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        plans::table
            .find(plan.to_string())
            .filter(plans::status.eq(from.name())),
    )
    .set(plans::status.eq(to.name()))
    .execute(conn)?;
    Ok(n == 1)
}
