//! Customers and the partner's relationship with each (R16-R22).

use chrono::{DateTime, Utc};

use super::DomainError;
use super::capability::Relationship;
use super::partner::Partner;
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
    /// R18: the reseller holds administrator permissions.
    pub delegated_admin: bool,
    pub since: DateTime<Utc>,
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
        delegated_admin: true,
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

/// R16, R18, R19, R21: the partner is the customer's indirect reseller with administrator
/// permissions, through `provider`: after the customer's GlobalAdmin accepts an invitation, or
/// when the provider creates the customer for its reseller.
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
        delegated_admin: true,
        since: now,
    }
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
            delegated_admin: true,
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
}
