//! Operations (R37, R38): the row of each, and the results kept on the plan's items. Work is
//! claimed one item at a time, locked for the claiming transaction only (`FOR UPDATE SKIP
//! LOCKED` on PostgreSQL; SQLite admits one writer): a crash rolls the claim back with the work,
//! so the item is simply pending again for whichever replica looks next.

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use super::models::{naive, roles, tenant, utc, uuid};
use super::schema::{operations as ops, transition_plan_items as items};
use super::{AnyConnection, StoreError, insert_result, param, partners, transition_plans};
use crate::domain::DomainError;
use crate::domain::admin_relationship::AdminRole;
use crate::domain::operation::{
    ItemError, ItemResult, Operation, OperationKind, OperationStatus, Starter,
};
use crate::domain::transition_plan::TransitionPlan;
use crate::domain::values::TenantId;

/// An item's state once its plan executes.
const PENDING: &str = "pending";
const INVITED: &str = "invited";
const FAILED: &str = "failed";

#[derive(Debug, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = ops)]
struct OperationRow {
    id: String,
    tenant_id: String,
    kind: String,
    plan_id: String,
    status: String,
    actor_sub: String,
    actor_tenant: String,
    actor_roles: String,
    request_id: String,
    created_at: chrono::NaiveDateTime,
    finished_at: Option<chrono::NaiveDateTime>,
}

impl From<&Operation> for OperationRow {
    fn from(o: &Operation) -> OperationRow {
        OperationRow {
            id: o.id.to_string(),
            tenant_id: o.tenant_id.to_string(),
            kind: o.kind.name().to_owned(),
            plan_id: o.plan_id.to_string(),
            status: o.status.name().to_owned(),
            actor_sub: o.started_by.sub.clone(),
            actor_tenant: o.started_by.tenant.to_string(),
            actor_roles: o.started_by.roles.clone(),
            request_id: o.started_by.request_id.clone(),
            created_at: naive(o.created_at),
            finished_at: o.finished_at.map(naive),
        }
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = items)]
struct ResultRow {
    customer_id: String,
    state: Option<String>,
    invitation_id: Option<String>,
    error_code: Option<String>,
    error_detail: Option<String>,
}

fn corrupt(column: &str, raw: &str) -> StoreError {
    StoreError::Corrupt(format!("{column}: {raw}"))
}

impl OperationRow {
    /// The operation with its results: every item that has a state is one to handle.
    fn with(self, rows: Vec<ResultRow>) -> Result<Operation, StoreError> {
        let total = rows.len() as u64;
        let mut results = Vec::new();
        for r in rows {
            let customer_id = tenant("transition_plan_items.customer_id", &r.customer_id)?;
            let outcome = match r.state.as_deref() {
                Some(PENDING) => continue,
                Some(INVITED) => Ok(uuid(
                    "transition_plan_items.invitation_id",
                    r.invitation_id.as_deref().unwrap_or_default(),
                )?),
                Some(FAILED) => Err(ItemError {
                    code: r.error_code.unwrap_or_default(),
                    detail: r.error_detail.unwrap_or_default(),
                }),
                other => {
                    return Err(corrupt(
                        "transition_plan_items.state",
                        other.unwrap_or("null"),
                    ));
                }
            };
            results.push(ItemResult {
                customer_id,
                outcome,
            });
        }
        Ok(Operation {
            id: uuid("operations.id", &self.id)?,
            tenant_id: tenant("operations.tenant_id", &self.tenant_id)?,
            kind: OperationKind::from_name(&self.kind)
                .ok_or_else(|| corrupt("operations.kind", &self.kind))?,
            plan_id: uuid("operations.plan_id", &self.plan_id)?,
            status: OperationStatus::from_name(&self.status)
                .ok_or_else(|| corrupt("operations.status", &self.status))?,
            started_by: Starter {
                sub: self.actor_sub,
                tenant: tenant("operations.actor_tenant", &self.actor_tenant)?,
                roles: self.actor_roles,
                request_id: self.request_id,
            },
            created_at: utc(self.created_at),
            finished_at: self.finished_at.map(utc),
            total,
            results,
        })
    }
}

/// The operation and its results, read in two queries whatever its size.
fn load(conn: &mut AnyConnection, row: OperationRow) -> Result<Operation, StoreError> {
    let rows: Vec<ResultRow> = items::table
        .filter(items::plan_id.eq(&row.plan_id))
        .filter(items::state.is_not_null())
        .order(items::position.asc())
        .select(ResultRow::as_select())
        .load(conn)?;
    row.with(rows)
}

/// The caller's operation `id`; another tenant's is `NotFound` (R28).
pub fn owned(
    conn: &mut AnyConnection,
    tenant: TenantId,
    id: &str,
) -> Result<Operation, StoreError> {
    let row = ops::table
        .find(id)
        .filter(ops::tenant_id.eq(tenant.to_string()))
        .select(OperationRow::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| StoreError::Refused(DomainError::NotFound("no such operation".into())))?;
    load(conn, row)
}

/// Locks the partner and reads what executing its plan `id` is decided on: the plan, and the
/// operation executing it already, if any.
pub fn execute_context(
    conn: &mut AnyConnection,
    partner: TenantId,
    plan: &str,
) -> Result<(TransitionPlan, Option<(uuid::Uuid, OperationStatus)>), StoreError> {
    partners::lock(conn, partner)?;
    let plan = transition_plans::owned(conn, partner, plan)?;
    let current = ops::table
        .filter(ops::plan_id.eq(plan.id.to_string()))
        .select((ops::id, ops::status))
        .first::<(String, String)>(conn)
        .optional()?
        .map(|(id, status)| {
            Ok::<_, StoreError>((
                uuid("operations.id", &id)?,
                OperationStatus::from_name(&status)
                    .ok_or_else(|| corrupt("operations.status", &status))?,
            ))
        })
        .transpose()?;
    Ok((plan, current))
}

/// The operation, and its plan's `invite` items pending. The unique plan id refuses a second
/// operation for one plan (R38).
pub fn insert(conn: &mut AnyConnection, op: &Operation) -> Result<(), StoreError> {
    insert_result(
        diesel::insert_into(ops::table)
            .values(OperationRow::from(op))
            .execute(conn),
    )?;
    diesel::update(
        items::table
            .filter(items::plan_id.eq(op.plan_id.to_string()))
            .filter(items::outcome.eq("invite")),
    )
    .set(items::state.eq(PENDING))
    .execute(conn)?;
    Ok(())
}

/// Only while the stored operation is still `from`; false when it is not.
pub fn update_from(
    conn: &mut AnyConnection,
    op: &Operation,
    from: OperationStatus,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        ops::table
            .find(op.id.to_string())
            .filter(ops::status.eq(from.name())),
    )
    .set((
        ops::status.eq(op.status.name()),
        ops::finished_at.eq(op.finished_at.map(naive)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records one item's result, only while it is still pending; false when it is not.
pub fn complete_item(
    conn: &mut AnyConnection,
    plan: uuid::Uuid,
    result: &ItemResult,
) -> Result<bool, StoreError> {
    let (state, invitation, code, detail) = match &result.outcome {
        Ok(id) => (INVITED, Some(id.to_string()), None, None),
        Err(e) => (FAILED, None, Some(e.code.clone()), Some(e.detail.clone())),
    };
    let n = diesel::update(
        items::table
            .filter(items::plan_id.eq(plan.to_string()))
            .filter(items::customer_id.eq(result.customer_id.to_string()))
            .filter(items::state.eq(PENDING)),
    )
    .set((
        items::state.eq(state),
        items::invitation_id.eq(invitation),
        items::error_code.eq(code),
        items::error_detail.eq(detail),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// One pending customer of a running operation, claimed by the calling transaction.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// Without its results: the work needs who started it and the plan.
    pub operation: Operation,
    pub provider_id: TenantId,
    pub admin_roles: Vec<AdminRole>,
    pub message: Option<String>,
    pub customer_id: TenantId,
}

#[derive(QueryableByName)]
struct ClaimedItem {
    #[diesel(sql_type = Text)]
    customer_id: String,
    #[diesel(sql_type = Text)]
    provider_id: String,
    #[diesel(sql_type = Nullable<Text>)]
    admin_roles: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    message: Option<String>,
}

/// Claims the next pending item, oldest operation first, in plan order; None when there is no
/// work. On PostgreSQL an item another replica is working on is skipped, not waited for.
pub fn claim_next(conn: &mut AnyConnection) -> Result<Option<Claimed>, StoreError> {
    let running: Vec<OperationRow> = ops::table
        .filter(ops::status.eq(OperationStatus::Running.name()))
        .order(ops::created_at.asc())
        .select(OperationRow::as_select())
        .load(conn)?;
    let skip_locked = match conn {
        AnyConnection::Postgresql(_) => "FOR UPDATE OF i SKIP LOCKED",
        AnyConnection::Sqlite(_) => "",
    };
    for row in running {
        // The item with what its plan asks for, in one round trip.
        let item: Option<ClaimedItem> = diesel::sql_query(format!(
            "SELECT i.customer_id, p.provider_id, p.admin_roles, p.message \
             FROM transition_plan_items i JOIN transition_plans p ON p.id = i.plan_id \
             WHERE i.plan_id = {} AND i.state = {} ORDER BY i.position LIMIT 1 {skip_locked}",
            param(conn, 1),
            param(conn, 2),
        ))
        .bind::<Text, _>(&row.plan_id)
        .bind::<Text, _>(PENDING)
        .get_result(conn)
        .optional()?;
        let Some(item) = item else { continue };
        return Ok(Some(Claimed {
            provider_id: tenant("transition_plans.provider_id", &item.provider_id)?,
            admin_roles: match item.admin_roles.as_deref() {
                Some(raw) => roles("transition_plans.admin_roles", raw)?,
                None => AdminRole::DEFAULT.to_vec(),
            },
            message: item.message,
            customer_id: tenant("transition_plan_items.customer_id", &item.customer_id)?,
            operation: row.with(Vec::new())?,
        }));
    }
    Ok(None)
}

/// Running operations with no item pending: ready to finish (R37), oldest first.
pub fn finishable(conn: &mut AnyConnection) -> Result<Vec<(TenantId, String)>, StoreError> {
    let running: Vec<(String, String, String)> = ops::table
        .filter(ops::status.eq(OperationStatus::Running.name()))
        .order(ops::created_at.asc())
        .select((ops::tenant_id, ops::id, ops::plan_id))
        .load(conn)?;
    let mut ready = Vec::new();
    for (tenant_id, id, plan_id) in running {
        let pending: i64 = items::table
            .filter(items::plan_id.eq(&plan_id))
            .filter(items::state.eq(PENDING))
            .count()
            .get_result(conn)?;
        if pending == 0 {
            ready.push((tenant("operations.tenant_id", &tenant_id)?, id));
        }
    }
    Ok(ready)
}

/// Locks the partner and reads its operation `id` with every result, to finish it.
pub fn finish_context(
    conn: &mut AnyConnection,
    partner: TenantId,
    id: &str,
) -> Result<Operation, StoreError> {
    partners::lock(conn, partner)?;
    owned(conn, partner, id)
}
