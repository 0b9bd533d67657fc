//! Customers and the partner's relationship with each (R16-R22).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DomainError;
use super::admin_grant;
use super::admin_relationship::{AdminRelationship, AdminRequest};
use super::capability::Relationship;
use super::event::EventType;
use super::outcome::{Change, Event, Outcome, Subject};
use super::partner::Partner;
use super::provider::Provider;
use super::values::{CompanyName, TenantId, ValueError};

/// A customer's primary domain, such as `contoso.onmicrosoft.com`: dot-separated labels of 1 to 63
/// letters, digits and inner hyphens, at most 253 characters, taken as sent (no surrounding
/// spaces, no trailing dot) and kept in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Domain(String);

/// `Domain` as the OpenAPI pattern (with `maxLength: 253`).
pub const DOMAIN_PATTERN: &str = "^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";

impl Domain {
    pub const MAX: usize = 253;

    pub fn parse(raw: &str) -> Result<Domain, ValueError> {
        let labels_ok = raw.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        if raw.len() > Self::MAX || !raw.contains('.') || !labels_ok {
            return Err(ValueError(
                "must be a domain name such as contoso.onmicrosoft.com".into(),
            ));
        }
        Ok(Domain(raw.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    pub tenant_id: TenantId,
    pub company_name: CompanyName,
    pub domain: Domain,
    /// R22: buys through Microsoft Store for Business.
    pub store_for_business: bool,
    pub created_at: DateTime<Utc>,
}

/// How one partner is tied to one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRelationship {
    pub customer_id: TenantId,
    pub partner_id: TenantId,
    pub relationship: Relationship,
    /// Indirect only: the provider that orders and bills (R16, R23).
    pub provider_id: Option<TenantId>,
    pub since: DateTime<Utc>,
}

/// A customer as one partner has it: how they are tied, and the admin relationships the
/// customer granted that partner (R18, R31), oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerCustomer {
    pub customer: Customer,
    pub relationship: CustomerRelationship,
    pub admin: Vec<AdminRelationship>,
}

/// R19: a direct bill partner creates customer tenants, as direct bill customers.
pub fn create_direct(
    partner: &Partner,
    customer: &Customer,
    now: DateTime<Utc>,
) -> Result<CustomerRelationship, DomainError> {
    if !partner.direct_bill {
        return Err(DomainError::DirectBillRequired);
    }
    Ok(CustomerRelationship {
        customer_id: customer.tenant_id,
        partner_id: partner.tenant_id,
        relationship: Relationship::DirectBill,
        provider_id: None,
        since: now,
    })
}

/// R21, R22: may this customer be moved to (or start as) an indirect reseller customer of the partner?
pub fn check_can_become_indirect(
    customer: Option<&Customer>,
    existing: Option<&CustomerRelationship>,
) -> Result<(), DomainError> {
    match existing.map(|r| r.relationship) {
        Some(Relationship::IndirectReseller) => Err(DomainError::AlreadyIndirect),
        Some(Relationship::DirectBill) if customer.is_some_and(|c| c.store_for_business) => {
            Err(DomainError::StoreForBusinessUnsupported)
        }
        Some(Relationship::DirectBill) | None => Ok(()),
    }
}

/// R16: a customer invitation is for a customer tenant; partners and providers cannot accept one.
pub fn check_is_customer_tenant(is_partner: bool, is_provider: bool) -> Result<(), DomainError> {
    if is_partner || is_provider {
        Err(DomainError::WrongCustomer)
    } else {
        Ok(())
    }
}

/// R16, R18, R19, R21: the partner is the customer's indirect reseller, through `provider`:
/// after the customer's GlobalAdmin accepts an invitation, or when the provider creates the
/// customer for its reseller. Administrator permissions come with an admin relationship (R32).
pub fn become_indirect(
    customer: TenantId,
    partner: TenantId,
    provider: TenantId,
    now: DateTime<Utc>,
) -> CustomerRelationship {
    CustomerRelationship {
        customer_id: customer,
        partner_id: partner,
        relationship: Relationship::IndirectReseller,
        provider_id: Some(provider),
        since: now,
    }
}

/// What a direct bill partner's creating a customer is decided on, read in the write transaction.
#[derive(Debug, Clone)]
pub struct DirectCustomerContext {
    pub partner: Partner,
}

/// R19: a direct bill partner creates a customer tenant as its direct bill customer; R33: with
/// an admin relationship `grant_id` holding the default roles.
pub fn create_direct_customer(
    ctx: DirectCustomerContext,
    customer: Customer,
    grant_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Outcome<PartnerCustomer>, DomainError> {
    let r = create_direct(&ctx.partner, &customer, now)?;
    created(customer, r, vec![ctx.partner.tenant_id], grant_id, now)
}

/// What a provider's creating a customer for its reseller is decided on, read in the write
/// transaction.
#[derive(Debug, Clone)]
pub struct ResellerCustomerContext {
    pub provider: Provider,
    pub reseller: TenantId,
    /// The provider is in the reseller's indirect provider list (R15).
    pub relationship_exists: bool,
}

/// R16, R19: the provider creates the tenant for its reseller, and both become its resellers;
/// R33: the reseller holds the default roles in admin relationship `grant_id`.
pub fn create_reseller_customer(
    ctx: ResellerCustomerContext,
    customer: Customer,
    grant_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Outcome<PartnerCustomer>, DomainError> {
    if !ctx.relationship_exists {
        return Err(DomainError::NoProviderRelationship);
    }
    let provider = ctx.provider.tenant_id;
    let r = become_indirect(customer.tenant_id, ctx.reseller, provider, now);
    let link = Change::LinkProviderCustomer {
        provider,
        customer: customer.tenant_id,
        at: now,
    };
    Ok(created(customer, r, vec![provider, ctx.reseller], grant_id, now)?.change(link))
}

/// The new customer, its first relationship and the partner's admin relationship (R33), the
/// customer announced to `tenants`.
fn created(
    customer: Customer,
    r: CustomerRelationship,
    tenants: Vec<TenantId>,
    grant_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Outcome<PartnerCustomer>, DomainError> {
    let grant = admin_grant::grant(
        grant_id,
        r.partner_id,
        customer.tenant_id,
        AdminRequest::default_grant(),
        now,
    )?;
    let pc = PartnerCustomer {
        customer: customer.clone(),
        relationship: r.clone(),
        admin: vec![grant.value.clone()],
    };
    Ok(Outcome::new(())
        .change(Change::InsertCustomer(customer))
        .change(Change::PutCustomerRelationship(r))
        .event(Event::new(
            EventType::CustomerCreated,
            tenants,
            Subject::Customer(pc.clone()),
        ))
        .then(grant)
        .map(|_| pc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::partner::tests::partner;

    fn customer(store_for_business: bool) -> Customer {
        Customer {
            tenant_id: TenantId::from_uuid(uuid::Uuid::from_u128(77)),
            company_name: CompanyName::parse("Fourth Coffee").expect("name"),
            domain: Domain::parse("fourthcoffee.onmicrosoft.com").expect("domain"),
            store_for_business,
            created_at: Utc::now(),
        }
    }

    fn relation(kind: Relationship) -> CustomerRelationship {
        CustomerRelationship {
            customer_id: customer(false).tenant_id,
            partner_id: partner().tenant_id,
            relationship: kind,
            provider_id: None,
            since: Utc::now(),
        }
    }

    #[test]
    fn r16_partners_and_providers_are_not_customers() {
        assert_eq!(check_is_customer_tenant(false, false), Ok(()));
        assert_eq!(
            check_is_customer_tenant(true, false),
            Err(DomainError::WrongCustomer)
        );
        assert_eq!(
            check_is_customer_tenant(false, true),
            Err(DomainError::WrongCustomer)
        );
    }

    #[test]
    fn domains_are_dns_names() {
        assert_eq!(
            Domain::parse("Contoso.OnMicrosoft.com").map(|d| d.as_str().to_owned()),
            Ok("contoso.onmicrosoft.com".into())
        );
        let bad = [
            "contoso",
            "-a.com",
            "a-.com",
            "a..com",
            "a b.com",
            "",
            "contoso.com.",
            " contoso.com",
            "contoso.com\n",
            "müller.de",
        ];
        for raw in bad {
            assert!(Domain::parse(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn the_domain_pattern_agrees_with_the_parser() {
        let pattern = regex::Regex::new(DOMAIN_PATTERN).expect("DOMAIN_PATTERN");
        let label = |n: usize| "a".repeat(n);
        let mut samples: Vec<String> = [
            "a.b",
            "A-1.b2",
            "a.b.c",
            "1.2",
            "a",
            ".a",
            "a.",
            "a..b",
            "-a.b",
            "a-.b",
            "a_b.c",
            "a.b-",
            "a. b",
            "a.b\n",
            "xn--bcher-kva.example",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        samples.push(format!("{}.com", label(63)));
        samples.push(format!("{}.com", label(64)));
        // 253 and 254 characters: four labels of 63 with dots, then one of 1 or 2.
        let long = [label(63), label(63), label(63), label(61)].join(".");
        samples.push(long.clone());
        samples.push(format!("{long}a"));
        for raw in samples {
            let within = raw.chars().count() <= Domain::MAX;
            assert_eq!(
                pattern.is_match(&raw) && within,
                Domain::parse(&raw).is_ok(),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn r19_only_direct_bill_partners_create_tenants() {
        let c = customer(false);
        assert_eq!(
            create_direct(&partner(), &c, Utc::now()).map(|r| r.relationship),
            Ok(Relationship::DirectBill)
        );
        let indirect_only = Partner {
            direct_bill: false,
            ..partner()
        };
        assert_eq!(
            create_direct(&indirect_only, &c, Utc::now()),
            Err(DomainError::DirectBillRequired)
        );
    }

    #[test]
    fn r21_r22_who_can_become_indirect() {
        use Relationship::*;
        let cases = [
            (false, None, Ok(())),
            (true, None, Ok(())), // R22: a new Store for Business customer is not affected
            (false, Some(DirectBill), Ok(())),
            (
                true,
                Some(DirectBill),
                Err(DomainError::StoreForBusinessUnsupported),
            ),
            (
                false,
                Some(IndirectReseller),
                Err(DomainError::AlreadyIndirect),
            ),
            (
                true,
                Some(IndirectReseller),
                Err(DomainError::AlreadyIndirect),
            ),
        ];
        for (sfb, existing, want) in cases {
            let c = customer(sfb);
            let r = existing.map(relation);
            assert_eq!(
                check_can_become_indirect(Some(&c), r.as_ref()),
                want,
                "sfb={sfb} existing={existing:?}"
            );
        }
    }

    fn provider() -> Provider {
        Provider {
            tenant_id: TenantId::from_uuid(uuid::Uuid::from_u128(9)),
            name: CompanyName::parse("Distri").expect("name"),
            regions: crate::domain::provider::regions(&["DE".into()]).expect("regions"),
            services: vec![crate::domain::provider::Service::Marketing],
            contact_email: crate::domain::values::Email::parse("p@distri.com").expect("email"),
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    /// R33: the partner that created the customer holds the default roles from the start.
    fn default_grant(
        partner: TenantId,
        customer: TenantId,
        now: DateTime<Utc>,
    ) -> AdminRelationship {
        let r = AdminRequest::default_grant();
        AdminRelationship::granted(Uuid::from_u128(5), partner, customer, r, now).expect("grant")
    }

    fn types<T>(o: &Outcome<T>) -> Vec<(EventType, Vec<TenantId>)> {
        o.events
            .iter()
            .map(|e| (e.event_type, e.tenants.clone()))
            .collect()
    }

    #[test]
    fn r19_r33_a_direct_bill_partner_creates_its_direct_bill_customer() {
        let (now, c) = (Utc::now(), customer(false));
        let p = partner().tenant_id;
        let ctx = DirectCustomerContext { partner: partner() };
        let decided =
            create_direct_customer(ctx, c.clone(), Uuid::from_u128(5), now).expect("create");
        let r = CustomerRelationship {
            since: now,
            ..relation(Relationship::DirectBill)
        };
        let grant = default_grant(p, c.tenant_id, now);
        let pc = PartnerCustomer {
            customer: c.clone(),
            relationship: r.clone(),
            admin: vec![grant.clone()],
        };
        assert_eq!(decided.value, pc);
        assert_eq!(
            decided.changes,
            vec![
                Change::InsertCustomer(c.clone()),
                Change::PutCustomerRelationship(r.clone()),
                Change::InsertAdminRelationship(grant),
            ]
        );
        assert_eq!(
            decided.events[0],
            Event::new(EventType::CustomerCreated, vec![p], Subject::Customer(pc),)
        );
        assert_eq!(
            types(&decided)[1..],
            [
                (EventType::AdminRelationshipCreated, vec![p, c.tenant_id]),
                (EventType::AdminRelationshipActivated, vec![p, c.tenant_id]),
            ]
        );
        let indirect_only = DirectCustomerContext {
            partner: Partner {
                direct_bill: false,
                ..partner()
            },
        };
        assert_eq!(
            create_direct_customer(indirect_only, c, Uuid::from_u128(5), now),
            Err(DomainError::DirectBillRequired)
        );
    }

    #[test]
    fn r16_r19_r33_the_provider_creates_the_customer_for_its_reseller() {
        let (now, c) = (Utc::now(), customer(false));
        let (provider_id, reseller) = (provider().tenant_id, partner().tenant_id);
        let ctx = ResellerCustomerContext {
            provider: provider(),
            reseller,
            relationship_exists: true,
        };
        let grant_id = Uuid::from_u128(5);
        let decided =
            create_reseller_customer(ctx.clone(), c.clone(), grant_id, now).expect("create");
        let r = become_indirect(c.tenant_id, reseller, provider_id, now);
        let grant = default_grant(reseller, c.tenant_id, now);
        let pc = PartnerCustomer {
            customer: c.clone(),
            relationship: r.clone(),
            admin: vec![grant.clone()],
        };
        assert_eq!(decided.value, pc);
        assert_eq!(
            decided.changes,
            vec![
                Change::InsertCustomer(c.clone()),
                Change::PutCustomerRelationship(r.clone()),
                Change::InsertAdminRelationship(grant),
                Change::LinkProviderCustomer {
                    provider: provider_id,
                    customer: c.tenant_id,
                    at: now,
                },
            ]
        );
        assert_eq!(
            decided.events[0],
            Event::new(
                EventType::CustomerCreated,
                vec![provider_id, reseller],
                Subject::Customer(pc),
            )
        );
        assert_eq!(
            types(&decided)[1..],
            [
                (
                    EventType::AdminRelationshipCreated,
                    vec![reseller, c.tenant_id]
                ),
                (
                    EventType::AdminRelationshipActivated,
                    vec![reseller, c.tenant_id]
                ),
            ]
        );
        let stranger = ResellerCustomerContext {
            relationship_exists: false,
            ..ctx
        };
        assert_eq!(
            create_reseller_customer(stranger, c, grant_id, now),
            Err(DomainError::NoProviderRelationship)
        );
    }
}
