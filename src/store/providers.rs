//! The provider directory (R14).

use diesel::prelude::*;

use super::models::{ProviderRow, naive, tenant, utc};
use super::page::{Page, PageRequest, paginate};
use super::schema::{provider_regions, provider_services, providers};
use super::{AnyConnection, StoreError, insert_result, partners};
use crate::domain::DomainError;
use crate::domain::provider::{Provider, RegistrationContext, Service};
use crate::domain::region::Region;
use crate::domain::values::{CompanyName, Email, TenantId};

/// `StoreError::Duplicate` when the tenant is a provider already.
pub fn insert(conn: &mut AnyConnection, p: &Provider) -> Result<(), StoreError> {
    let id = p.tenant_id.to_string();
    insert_result(
        diesel::insert_into(providers::table)
            .values(ProviderRow {
                tenant_id: id.clone(),
                name: p.name.as_str().to_owned(),
                contact_email: p.contact_email.as_str().to_owned(),
                created_at: naive(p.created_at),
            })
            .execute(conn),
    )?;
    for r in &p.regions {
        diesel::insert_into(provider_regions::table)
            .values((
                provider_regions::provider_id.eq(&id),
                provider_regions::region.eq(r.as_str()),
            ))
            .execute(conn)?;
    }
    for s in &p.services {
        diesel::insert_into(provider_services::table)
            .values((
                provider_services::provider_id.eq(&id),
                provider_services::service.eq(s.name()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// What registering tenant `id` as a provider is decided on.
pub fn registration_context(
    conn: &mut AnyConnection,
    id: TenantId,
) -> Result<RegistrationContext, StoreError> {
    Ok(RegistrationContext {
        tenant_is_partner: partners::find(conn, id)?.is_some(),
    })
}

pub fn find(conn: &mut AnyConnection, id: TenantId) -> Result<Option<Provider>, StoreError> {
    let row = providers::table
        .find(id.to_string())
        .select(ProviderRow::as_select())
        .first(conn)
        .optional()?;
    match row {
        None => Ok(None),
        Some(row) => Ok(with_details(conn, vec![row])?.pop()),
    }
}

/// The registered provider of tenant `id` (the caller's own), or `NotFound`.
pub fn registered(conn: &mut AnyConnection, id: TenantId) -> Result<Provider, StoreError> {
    find(conn, id)?.ok_or_else(|| {
        StoreError::Refused(DomainError::NotFound(
            "your tenant is not a registered provider".into(),
        ))
    })
}

pub fn exists(conn: &mut AnyConnection, id: TenantId) -> Result<bool, StoreError> {
    let n: i64 = providers::table
        .filter(providers::tenant_id.eq(id.to_string()))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

/// R14: providers serving `region` and offering `service`, in id order.
pub fn search(
    conn: &mut AnyConnection,
    region: Option<&Region>,
    service: Option<Service>,
    page: &PageRequest,
) -> Result<Page<Provider>, StoreError> {
    let mut query = providers::table
        .order(providers::tenant_id.asc())
        .limit(page.limit + 1)
        .select(ProviderRow::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(providers::tenant_id.gt(after.clone()));
    }
    if let Some(region) = region {
        let serving = provider_regions::table
            .filter(provider_regions::region.eq(region.as_str().to_owned()))
            .select(provider_regions::provider_id);
        query = query.filter(providers::tenant_id.eq_any(serving));
    }
    if let Some(service) = service {
        let offering = provider_services::table
            .filter(provider_services::service.eq(service.name()))
            .select(provider_services::provider_id);
        query = query.filter(providers::tenant_id.eq_any(offering));
    }
    let rows = paginate(query.load(conn)?, page, |r| &r.tenant_id);
    let items = with_details(conn, rows.items)?;
    Ok(Page {
        items,
        next_cursor: rows.next_cursor,
    })
}

fn with_details(
    conn: &mut AnyConnection,
    rows: Vec<ProviderRow>,
) -> Result<Vec<Provider>, StoreError> {
    let ids: Vec<String> = rows.iter().map(|r| r.tenant_id.clone()).collect();
    let regions: Vec<(String, String)> = provider_regions::table
        .filter(provider_regions::provider_id.eq_any(&ids))
        .order((provider_regions::provider_id, provider_regions::region))
        .select((provider_regions::provider_id, provider_regions::region))
        .load(conn)?;
    let services: Vec<(String, String)> = provider_services::table
        .filter(provider_services::provider_id.eq_any(&ids))
        .select((provider_services::provider_id, provider_services::service))
        .load(conn)?;
    let corrupt =
        |column: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("{column}: {e}"));
    rows.into_iter()
        .map(|r| {
            let region_list = regions
                .iter()
                .filter(|(p, _)| *p == r.tenant_id)
                .map(|(_, code)| {
                    Region::parse(code).map_err(|e| corrupt("provider_regions.region", &e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let mut service_list = services
                .iter()
                .filter(|(p, _)| *p == r.tenant_id)
                .map(|(_, s)| {
                    Service::parse(s).map_err(|e| corrupt("provider_services.service", &e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            service_list.sort();
            Ok(Provider {
                tenant_id: tenant("providers.tenant_id", &r.tenant_id)?,
                name: CompanyName::parse(&r.name).map_err(|e| corrupt("providers.name", &e))?,
                regions: region_list,
                services: service_list,
                contact_email: Email::parse(&r.contact_email)
                    .map_err(|e| corrupt("providers.contact_email", &e))?,
                created_at: utc(r.created_at),
            })
        })
        .collect()
}
