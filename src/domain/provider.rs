//! Indirect providers, the directory, and partnerships (R14, R15).

use chrono::{DateTime, Utc};

use super::DomainError;
use super::event::EventType;
use super::outcome::{Change, Event, Outcome, Subject};
use super::region::Region;
use super::values::{CompanyName, Email, TenantId, ValueError};

/// R14: what a provider offers its resellers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Service {
    TechnicalTraining,
    Marketing,
    FinancingAndCredit,
}

impl Service {
    pub const ALL: [Service; 3] = [
        Service::TechnicalTraining,
        Service::Marketing,
        Service::FinancingAndCredit,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Service::TechnicalTraining => "technical_training",
            Service::Marketing => "marketing",
            Service::FinancingAndCredit => "financing_and_credit",
        }
    }

    pub fn parse(raw: &str) -> Result<Service, ValueError> {
        Service::ALL
            .into_iter()
            .find(|s| s.name() == raw)
            .ok_or_else(|| {
                ValueError("must be technical_training, marketing or financing_and_credit".into())
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub tenant_id: TenantId,
    pub name: CompanyName,
    pub regions: Vec<Region>,
    pub services: Vec<Service>,
    pub contact_email: Email,
    pub created_at: DateTime<Utc>,
}

/// Sorted, without duplicates, and not empty.
pub fn regions(raw: &[String]) -> Result<Vec<Region>, ValueError> {
    let mut out = raw
        .iter()
        .map(|r| Region::parse(r))
        .collect::<Result<Vec<_>, _>>()?;
    out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    out.dedup();
    if out.is_empty() {
        return Err(ValueError("must name at least one region".into()));
    }
    Ok(out)
}

/// Sorted, without duplicates, and not empty.
pub fn services(raw: &[String]) -> Result<Vec<Service>, ValueError> {
    let mut out = raw
        .iter()
        .map(|s| Service::parse(s))
        .collect::<Result<Vec<_>, _>>()?;
    out.sort();
    out.dedup();
    if out.is_empty() {
        return Err(ValueError("must name at least one service".into()));
    }
    Ok(out)
}

/// R15: a provider in the partner's indirect provider list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRelationship {
    pub partner_id: TenantId,
    pub provider_id: TenantId,
    pub established_at: DateTime<Utc>,
}

/// What registering a provider is decided on, read in the write transaction.
#[derive(Debug, Clone, Copy)]
pub struct RegistrationContext {
    pub tenant_is_partner: bool,
}

/// R14: the operator lists a provider in the directory; a tenant is a partner or a provider,
/// not both.
pub fn register(
    ctx: RegistrationContext,
    provider: Provider,
) -> Result<Outcome<Provider>, DomainError> {
    if ctx.tenant_is_partner {
        return Err(DomainError::PartnerExists(
            "this tenant is registered as a partner".into(),
        ));
    }
    Ok(Outcome::new(provider.clone())
        .change(Change::InsertProvider(provider.clone()))
        .event(Event::new(
            EventType::ProviderRegistered,
            vec![provider.tenant_id],
            Subject::Provider(provider),
        )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_are_checked_and_normalised() {
        assert_eq!(
            regions(&["DE".into(), "AT".into(), "DE".into()]).map(|r| r.len()),
            Ok(2)
        );
        assert!(regions(&[]).is_err());
        assert!(regions(&["Germany".into()]).is_err());
        assert!(services(&["catering".into()]).is_err());
        assert_eq!(
            services(&["marketing".into(), "marketing".into()]).map(|s| s.len()),
            Ok(1)
        );
    }

    #[test]
    fn r14_registration_refuses_a_partner_tenant_and_otherwise_inserts_and_tells() {
        let p = Provider {
            tenant_id: TenantId::from_uuid(uuid::Uuid::from_u128(7)),
            name: CompanyName::parse("Northwind").expect("name"),
            regions: regions(&["DE".into()]).expect("regions"),
            services: services(&["marketing".into()]).expect("services"),
            contact_email: Email::parse("p@northwind.example").expect("email"),
            created_at: chrono::Utc::now(),
        };
        let partner = RegistrationContext {
            tenant_is_partner: true,
        };
        assert!(matches!(
            register(partner, p.clone()),
            Err(DomainError::PartnerExists(_))
        ));
        let free = RegistrationContext {
            tenant_is_partner: false,
        };
        let out = register(free, p.clone()).expect("register");
        assert_eq!(out.changes, vec![Change::InsertProvider(p.clone())]);
        assert_eq!(
            out.events,
            vec![Event::new(
                EventType::ProviderRegistered,
                vec![p.tenant_id],
                Subject::Provider(p),
            )]
        );
    }
}
