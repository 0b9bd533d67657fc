//! A CSP partner tenant and its profile (R1, R2, R4, R11).

use chrono::{DateTime, Utc};

use super::DomainError;
use super::event::EventType;
use super::outcome::{Change, Event, Outcome, Subject};
use super::program::Program;
use super::region::Region;
use super::values::{CompanyName, Email, MpnId, TenantId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partner {
    /// R1: the partner's existing tenant is its identity; enrollment never changes it.
    pub tenant_id: TenantId,
    pub company_name: CompanyName,
    pub region: Region,
    pub mpn_id: Option<MpnId>,
    pub primary_contact_email: Option<Email>,
    pub mpn_account_email: Option<Email>,
    pub direct_bill: bool,
    pub offboarding_identified: bool,
    /// R11: set once the indirect reseller agreement is accepted; never cleared (R9).
    pub indirect_reseller: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Profile fields the partner's GlobalAdmin or AccountAdmin may change (None: unchanged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileChanges {
    pub company_name: Option<CompanyName>,
    pub region: Option<Region>,
    pub mpn_id: Option<MpnId>,
    pub primary_contact_email: Option<Email>,
    pub mpn_account_email: Option<Email>,
}

/// The partner's standing in the programs, which only the operator sets (R2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StandingChanges {
    pub direct_bill: Option<bool>,
    pub offboarding_identified: Option<bool>,
}

impl StandingChanges {
    pub fn is_empty(&self) -> bool {
        self.direct_bill.is_none() && self.offboarding_identified.is_none()
    }
}

impl Partner {
    /// R11: direct bill first, then indirect reseller once the agreement is accepted.
    pub fn programs(&self) -> Vec<Program> {
        let mut programs = Vec::with_capacity(2);
        if self.direct_bill {
            programs.push(Program::DirectBill);
        }
        if self.indirect_reseller {
            programs.push(Program::IndirectReseller);
        }
        programs
    }

    /// R4: the profile fields that must be set before enrollment, in form order.
    pub fn missing_profile_fields(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.mpn_id.is_none() {
            missing.push("mpn_id");
        }
        if self.primary_contact_email.is_none() {
            missing.push("primary_contact_email");
        }
        if self.mpn_account_email.is_none() {
            missing.push("mpn_account_email");
        }
        missing
    }

    /// R2: only a direct bill partner identified for direct bill offboarding may enroll.
    pub fn check_eligible(&self) -> Result<(), DomainError> {
        if !self.direct_bill {
            return Err(DomainError::NotEligible(
                "only a direct bill partner can enroll as indirect reseller".into(),
            ));
        }
        if !self.offboarding_identified {
            return Err(DomainError::NotEligible(
                "this partner has not been identified for direct bill offboarding".into(),
            ));
        }
        Ok(())
    }

    /// R4: the profile is complete enough to enroll.
    pub fn check_profile_complete(&self) -> Result<(), DomainError> {
        let missing = self.missing_profile_fields();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(DomainError::ProfileIncomplete(missing))
        }
    }

    pub fn edit_profile(mut self, changes: ProfileChanges, now: DateTime<Utc>) -> Partner {
        let ProfileChanges {
            company_name,
            region,
            mpn_id,
            primary_contact_email,
            mpn_account_email,
        } = changes;
        if let Some(v) = company_name {
            self.company_name = v;
        }
        if let Some(v) = region {
            self.region = v;
        }
        if mpn_id.is_some() {
            self.mpn_id = mpn_id;
        }
        if primary_contact_email.is_some() {
            self.primary_contact_email = primary_contact_email;
        }
        if mpn_account_email.is_some() {
            self.mpn_account_email = mpn_account_email;
        }
        self.updated_at = now;
        self
    }

    /// R9: the direct bill flag may change, but the indirect reseller program never goes away.
    pub fn set_standing(mut self, changes: StandingChanges, now: DateTime<Utc>) -> Partner {
        if let Some(v) = changes.direct_bill {
            self.direct_bill = v;
        }
        if let Some(v) = changes.offboarding_identified {
            self.offboarding_identified = v;
        }
        self.updated_at = now;
        self
    }

    /// R11: accepting the agreement turns the indirect reseller program on.
    pub fn activate_indirect_reseller(mut self, now: DateTime<Utc>) -> Partner {
        self.indirect_reseller = true;
        self.updated_at = now;
        self
    }

    /// R12: indirect reseller capabilities need the accepted agreement.
    pub fn require_indirect_reseller(&self) -> Result<(), DomainError> {
        if self.indirect_reseller {
            Ok(())
        } else {
            Err(DomainError::IndirectResellerNotActive)
        }
    }
}

/// What registering a partner is decided on, read in the write transaction.
#[derive(Debug, Clone, Copy)]
pub struct RegistrationContext {
    pub tenant_is_provider: bool,
}

/// The operator registers a direct bill partner; a tenant is a partner or a provider, not both.
pub fn register(
    ctx: RegistrationContext,
    partner: Partner,
) -> Result<Outcome<Partner>, DomainError> {
    if ctx.tenant_is_provider {
        return Err(DomainError::ProviderExists(
            "this tenant is registered as an indirect provider".into(),
        ));
    }
    Ok(Outcome::new(partner.clone())
        .change(Change::InsertPartner(partner.clone()))
        .event(Event::new(
            EventType::PartnerRegistered,
            vec![partner.tenant_id],
            Subject::Partner(partner),
        )))
}

/// R2, R4: the profile and, from the operator, the standing change together.
pub fn edit(
    partner: Partner,
    profile: ProfileChanges,
    standing: StandingChanges,
    now: DateTime<Utc>,
) -> Outcome<Partner> {
    let after = partner
        .edit_profile(profile, now)
        .set_standing(standing, now);
    Outcome::new(after.clone())
        .change(Change::UpdatePartner(after.clone()))
        .event(Event::new(
            EventType::PartnerUpdated,
            vec![after.tenant_id],
            Subject::Partner(after),
        ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn partner() -> Partner {
        let now = Utc::now();
        Partner {
            tenant_id: TenantId::from_uuid(uuid::Uuid::from_u128(42)),
            company_name: CompanyName::parse("Contoso").expect("name"),
            region: Region::parse("DE").expect("region"),
            mpn_id: Some(MpnId::parse("1234567").expect("mpn")),
            primary_contact_email: Some(Email::parse("ops@contoso.com").expect("email")),
            mpn_account_email: Some(Email::parse("mpn@contoso.com").expect("email")),
            direct_bill: true,
            offboarding_identified: true,
            indirect_reseller: false,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn r2_eligibility_needs_direct_bill_and_the_offboarding_flag() {
        let cases = [
            (true, true, true),
            (true, false, false),
            (false, true, false),
            (false, false, false),
        ];
        for (direct_bill, flagged, eligible) in cases {
            let p = Partner {
                direct_bill,
                offboarding_identified: flagged,
                ..partner()
            };
            assert_eq!(
                p.check_eligible().is_ok(),
                eligible,
                "direct_bill={direct_bill} flagged={flagged}"
            );
        }
    }

    #[test]
    fn r4_lists_every_missing_profile_field() {
        let p = Partner {
            mpn_id: None,
            mpn_account_email: None,
            ..partner()
        };
        assert_eq!(
            p.check_profile_complete(),
            Err(DomainError::ProfileIncomplete(vec![
                "mpn_id",
                "mpn_account_email"
            ]))
        );
        assert_eq!(partner().check_profile_complete(), Ok(()));
    }

    #[test]
    fn r11_programs_list_both_after_activation() {
        let p = partner();
        assert_eq!(p.programs(), vec![Program::DirectBill]);
        assert!(p.require_indirect_reseller().is_err());
        let p = p.activate_indirect_reseller(Utc::now());
        assert_eq!(
            p.programs(),
            vec![Program::DirectBill, Program::IndirectReseller]
        );
        assert!(p.require_indirect_reseller().is_ok());
    }

    #[test]
    fn r9_standing_changes_never_drop_the_indirect_program() {
        let p = partner().activate_indirect_reseller(Utc::now());
        let p = p.set_standing(
            StandingChanges {
                direct_bill: Some(false),
                offboarding_identified: Some(false),
            },
            Utc::now(),
        );
        assert_eq!(p.programs(), vec![Program::IndirectReseller]);
    }

    #[test]
    fn profile_edits_change_only_what_is_given() {
        let before = partner();
        let after = before.clone().edit_profile(
            ProfileChanges {
                company_name: Some(CompanyName::parse("Fabrikam").expect("name")),
                ..Default::default()
            },
            Utc::now(),
        );
        assert_eq!(after.company_name.as_str(), "Fabrikam");
        assert_eq!(after.mpn_id, before.mpn_id);
        assert_eq!(after.region, before.region);
    }

    #[test]
    fn registration_refuses_a_provider_tenant_and_otherwise_inserts_and_tells() {
        let provider = RegistrationContext {
            tenant_is_provider: true,
        };
        assert!(matches!(
            register(provider, partner()),
            Err(DomainError::ProviderExists(_))
        ));
        let free = RegistrationContext {
            tenant_is_provider: false,
        };
        let p = partner();
        let out = register(free, p.clone()).expect("register");
        assert_eq!(out.value, p);
        assert_eq!(out.changes, vec![Change::InsertPartner(p.clone())]);
        assert_eq!(
            out.events,
            vec![Event::new(
                EventType::PartnerRegistered,
                vec![p.tenant_id],
                Subject::Partner(p),
            )]
        );
    }

    #[test]
    fn r2_r4_an_edit_updates_the_partner_and_tells_it() {
        let profile = ProfileChanges {
            mpn_id: Some(MpnId::parse("7654321").expect("mpn")),
            ..Default::default()
        };
        let standing = StandingChanges {
            offboarding_identified: Some(false),
            ..Default::default()
        };
        let out = edit(partner(), profile, standing, Utc::now());
        assert_eq!(
            out.value.mpn_id.as_ref().map(MpnId::as_str),
            Some("7654321")
        );
        assert!(!out.value.offboarding_identified);
        assert_eq!(out.changes, vec![Change::UpdatePartner(out.value.clone())]);
        assert_eq!(
            out.events,
            vec![Event::new(
                EventType::PartnerUpdated,
                vec![out.value.tenant_id],
                Subject::Partner(out.value.clone()),
            )]
        );
    }
}
