//! Rows as stored, and their conversion to and from domain types.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::StoreError;
use super::schema::*;
use super::stored_time::{MaybeStoredTime, StoredTime};
use crate::domain::admin_relationship::{
    AdminDuration, AdminRelationship, AdminRole, AdminStatus, Approval, Side,
};
use crate::domain::agreement::Acceptance;
use crate::domain::capability::Relationship;
use crate::domain::customer::{Customer, CustomerRelationship, Domain};
use crate::domain::enrollment::{Enrollment, EnrollmentStatus};
use crate::domain::incentive::{IncentiveEnrollment, IncentiveInvitation};
use crate::domain::invitation::{
    CustomerInvitation, CustomerInvitationKind, CustomerInvitationStatus, InvitationEmail,
    PartnershipInvitation, PartnershipStatus,
};
use crate::domain::notification::{MailStatus, Notification, hide_tokens};
use crate::domain::partner::Partner;
use crate::domain::program::Program;
use crate::domain::region::Region;
use crate::domain::values::{CompanyName, Email, MpnId, TenantId, ValueError};
use crate::sealing::DataKey;

pub fn naive(at: DateTime<Utc>) -> NaiveDateTime {
    at.naive_utc()
}

pub fn utc(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

fn corrupt(column: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{column}: {e}"))
}

fn parse<T>(
    column: &str,
    raw: &str,
    f: impl Fn(&str) -> Result<T, ValueError>,
) -> Result<T, StoreError> {
    f(raw).map_err(|e| corrupt(column, e))
}

fn parse_opt<T>(
    column: &str,
    raw: Option<&str>,
    f: impl Fn(&str) -> Result<T, ValueError>,
) -> Result<Option<T>, StoreError> {
    raw.map(|r| parse(column, r, &f)).transpose()
}

pub fn uuid(column: &str, raw: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(raw).map_err(|e| corrupt(column, e))
}

pub fn tenant(column: &str, raw: &str) -> Result<TenantId, StoreError> {
    parse(column, raw, TenantId::parse)
}

pub fn program(column: &str, raw: &str) -> Result<Program, StoreError> {
    Program::from_name(raw).ok_or_else(|| corrupt(column, raw))
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = partners, treat_none_as_null = true)]
pub struct PartnerRow {
    pub tenant_id: String,
    pub company_name: String,
    pub region: String,
    pub mpn_id: Option<String>,
    pub primary_contact_email: Option<String>,
    pub mpn_account_email: Option<String>,
    pub direct_bill: bool,
    pub offboarding_identified: bool,
    pub indirect_reseller: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl From<&Partner> for PartnerRow {
    fn from(p: &Partner) -> Self {
        PartnerRow {
            tenant_id: p.tenant_id.to_string(),
            company_name: p.company_name.as_str().to_owned(),
            region: p.region.as_str().to_owned(),
            mpn_id: p.mpn_id.as_ref().map(|v| v.as_str().to_owned()),
            primary_contact_email: p
                .primary_contact_email
                .as_ref()
                .map(|v| v.as_str().to_owned()),
            mpn_account_email: p.mpn_account_email.as_ref().map(|v| v.as_str().to_owned()),
            direct_bill: p.direct_bill,
            offboarding_identified: p.offboarding_identified,
            indirect_reseller: p.indirect_reseller,
            created_at: naive(p.created_at),
            updated_at: naive(p.updated_at),
        }
    }
}

impl TryFrom<PartnerRow> for Partner {
    type Error = StoreError;

    fn try_from(r: PartnerRow) -> Result<Self, StoreError> {
        Ok(Partner {
            tenant_id: tenant("partners.tenant_id", &r.tenant_id)?,
            company_name: parse("partners.company_name", &r.company_name, CompanyName::parse)?,
            region: parse("partners.region", &r.region, Region::parse)?,
            mpn_id: parse_opt("partners.mpn_id", r.mpn_id.as_deref(), MpnId::parse)?,
            primary_contact_email: parse_opt(
                "partners.primary_contact_email",
                r.primary_contact_email.as_deref(),
                Email::parse,
            )?,
            mpn_account_email: parse_opt(
                "partners.mpn_account_email",
                r.mpn_account_email.as_deref(),
                Email::parse,
            )?,
            direct_bill: r.direct_bill,
            offboarding_identified: r.offboarding_identified,
            indirect_reseller: r.indirect_reseller,
            created_at: utc(r.created_at),
            updated_at: utc(r.updated_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = enrollments, treat_none_as_null = true)]
pub struct EnrollmentRow {
    pub id: String,
    pub partner_id: String,
    pub status: String,
    pub submitted_by: String,
    pub submitted_at: NaiveDateTime,
    pub primary_contact_email: String,
    pub approval_due_by: NaiveDateTime,
    pub decided_at: Option<NaiveDateTime>,
    pub decided_by: Option<String>,
    pub rejection_reason: Option<String>,
}

impl From<&Enrollment> for EnrollmentRow {
    fn from(e: &Enrollment) -> Self {
        EnrollmentRow {
            id: e.id.to_string(),
            partner_id: e.partner_id.to_string(),
            status: e.status.name().to_owned(),
            submitted_by: e.submitted_by.clone(),
            submitted_at: naive(e.submitted_at),
            primary_contact_email: e.primary_contact_email.as_str().to_owned(),
            approval_due_by: naive(e.approval_due_by),
            decided_at: e.decided_at.map(naive),
            decided_by: e.decided_by.clone(),
            rejection_reason: e.rejection_reason.clone(),
        }
    }
}

impl TryFrom<EnrollmentRow> for Enrollment {
    type Error = StoreError;

    fn try_from(r: EnrollmentRow) -> Result<Self, StoreError> {
        Ok(Enrollment {
            id: uuid("enrollments.id", &r.id)?,
            partner_id: tenant("enrollments.partner_id", &r.partner_id)?,
            status: EnrollmentStatus::from_name(&r.status)
                .ok_or_else(|| corrupt("enrollments.status", &r.status))?,
            submitted_by: r.submitted_by,
            submitted_at: utc(r.submitted_at),
            primary_contact_email: parse(
                "enrollments.primary_contact_email",
                &r.primary_contact_email,
                Email::parse,
            )?,
            approval_due_by: utc(r.approval_due_by),
            decided_at: r.decided_at.map(utc),
            decided_by: r.decided_by,
            rejection_reason: r.rejection_reason,
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = agreement_acceptances)]
pub struct AcceptanceRow {
    pub id: String,
    pub partner_id: String,
    pub agreement_version: String,
    pub accepted_by: String,
    pub accepted_at: NaiveDateTime,
}

impl AcceptanceRow {
    pub fn new(partner_id: TenantId, a: &Acceptance) -> Self {
        AcceptanceRow {
            id: a.id.to_string(),
            partner_id: partner_id.to_string(),
            agreement_version: a.agreement_version.clone(),
            accepted_by: a.accepted_by.clone(),
            accepted_at: naive(a.accepted_at),
        }
    }
}

impl TryFrom<AcceptanceRow> for Acceptance {
    type Error = StoreError;

    fn try_from(r: AcceptanceRow) -> Result<Self, StoreError> {
        Ok(Acceptance {
            id: uuid("agreement_acceptances.id", &r.id)?,
            agreement_version: r.agreement_version,
            accepted_by: r.accepted_by,
            accepted_at: utc(r.accepted_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = incentive_invitations)]
pub struct IncentiveInvitationRow {
    pub id: String,
    pub partner_id: String,
    pub program: String,
    pub sent_to: String,
    pub issued_at: NaiveDateTime,
    pub expected_by: NaiveDateTime,
}

impl IncentiveInvitationRow {
    pub fn new(partner_id: TenantId, i: &IncentiveInvitation) -> Self {
        IncentiveInvitationRow {
            id: i.id.to_string(),
            partner_id: partner_id.to_string(),
            program: i.program.name().to_owned(),
            sent_to: i.sent_to.as_str().to_owned(),
            issued_at: naive(i.issued_at),
            expected_by: naive(i.expected_by),
        }
    }
}

impl TryFrom<IncentiveInvitationRow> for IncentiveInvitation {
    type Error = StoreError;

    fn try_from(r: IncentiveInvitationRow) -> Result<Self, StoreError> {
        Ok(IncentiveInvitation {
            id: uuid("incentive_invitations.id", &r.id)?,
            program: program("incentive_invitations.program", &r.program)?,
            sent_to: parse("incentive_invitations.sent_to", &r.sent_to, Email::parse)?,
            issued_at: utc(r.issued_at),
            expected_by: utc(r.expected_by),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = incentive_enrollments)]
pub struct IncentiveEnrollmentRow {
    pub id: String,
    pub partner_id: String,
    pub program: String,
    pub enrolled_by: String,
    pub enrolled_at: NaiveDateTime,
}

impl IncentiveEnrollmentRow {
    pub fn new(partner_id: TenantId, e: &IncentiveEnrollment) -> Self {
        IncentiveEnrollmentRow {
            id: e.id.to_string(),
            partner_id: partner_id.to_string(),
            program: e.program.name().to_owned(),
            enrolled_by: e.enrolled_by.clone(),
            enrolled_at: naive(e.enrolled_at),
        }
    }
}

impl TryFrom<IncentiveEnrollmentRow> for IncentiveEnrollment {
    type Error = StoreError;

    fn try_from(r: IncentiveEnrollmentRow) -> Result<Self, StoreError> {
        Ok(IncentiveEnrollment {
            id: uuid("incentive_enrollments.id", &r.id)?,
            program: program("incentive_enrollments.program", &r.program)?,
            enrolled_by: r.enrolled_by,
            enrolled_at: utc(r.enrolled_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: String,
    pub tenant_id: String,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    /// What `notifications` shows: the body with every token hidden.
    pub body: String,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
    /// The whole e-mail body, sealed, for delivery.
    pub body_sealed: Option<String>,
    /// The event that sent it (R34); null for e-mails written before events existed.
    pub event_id: Option<String>,
    /// R35: `pending`, `sent` or `failed`; `delivered_at` is when it was sent.
    pub delivery_status: String,
    pub attempts: i64,
    /// Null: due now.
    pub next_attempt_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    /// The claim of the sender working on it (`store::mail`).
    pub lease_until: Option<NaiveDateTime>,
    pub lease_owner: Option<String>,
}

impl NotificationRow {
    pub fn sealed(n: &Notification, event_id: &str, key: &DataKey) -> Self {
        NotificationRow {
            id: n.id.to_string(),
            tenant_id: n.tenant_id.to_string(),
            kind: n.kind.name().to_owned(),
            to_address: n.to.as_str().to_owned(),
            subject: n.subject.clone(),
            body: hide_tokens(&n.body),
            created_at: naive(n.created_at),
            delivered_at: None,
            body_sealed: Some(key.seal(&n.body)),
            event_id: Some(event_id.to_owned()),
            delivery_status: MailStatus::Pending.name().to_owned(),
            attempts: 0,
            next_attempt_at: None,
            last_error: None,
            lease_until: None,
            lease_owner: None,
        }
    }

    pub fn status(&self) -> Result<MailStatus, StoreError> {
        MailStatus::from_name(&self.delivery_status)
            .ok_or_else(|| corrupt("notifications.delivery_status", &self.delivery_status))
    }
}

/// One event (R34); `actor_roles` is comma-separated, `data` JSON.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub id: String,
    pub tenant_id: String,
    pub sequence: i64,
    pub event_type: String,
    pub occurred_at: NaiveDateTime,
    pub actor_sub: String,
    pub actor_tenant: String,
    pub actor_roles: String,
    pub request_id: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub data: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = providers)]
pub struct ProviderRow {
    pub tenant_id: String,
    pub name: String,
    pub contact_email: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = partnership_invitations, treat_none_as_null = true)]
pub struct PartnershipInvitationRow {
    pub id: String,
    pub provider_id: String,
    pub partner_id: String,
    pub status: String,
    pub token_hash: String,
    pub message: Option<String>,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
}

impl From<&PartnershipInvitation> for PartnershipInvitationRow {
    fn from(i: &PartnershipInvitation) -> Self {
        PartnershipInvitationRow {
            id: i.id.to_string(),
            provider_id: i.provider_id.to_string(),
            partner_id: i.partner_id.to_string(),
            status: i.status.name().to_owned(),
            token_hash: i.token_hash.clone(),
            message: i.message.clone(),
            expires_at: naive(i.expires_at),
            created_at: naive(i.created_at),
        }
    }
}

impl TryFrom<PartnershipInvitationRow> for PartnershipInvitation {
    type Error = StoreError;

    fn try_from(r: PartnershipInvitationRow) -> Result<Self, StoreError> {
        Ok(PartnershipInvitation {
            id: uuid("partnership_invitations.id", &r.id)?,
            provider_id: tenant("partnership_invitations.provider_id", &r.provider_id)?,
            partner_id: tenant("partnership_invitations.partner_id", &r.partner_id)?,
            status: PartnershipStatus::from_name(&r.status)
                .ok_or_else(|| corrupt("partnership_invitations.status", &r.status))?,
            token_hash: r.token_hash,
            message: r.message,
            expires_at: utc(r.expires_at),
            created_at: utc(r.created_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customers)]
pub struct CustomerRow {
    pub tenant_id: String,
    pub company_name: String,
    pub domain: String,
    pub store_for_business: bool,
    #[diesel(deserialize_as = StoredTime)]
    pub created_at: NaiveDateTime,
}

impl From<&Customer> for CustomerRow {
    fn from(c: &Customer) -> Self {
        CustomerRow {
            tenant_id: c.tenant_id.to_string(),
            company_name: c.company_name.as_str().to_owned(),
            domain: c.domain.as_str().to_owned(),
            store_for_business: c.store_for_business,
            created_at: naive(c.created_at),
        }
    }
}

impl TryFrom<CustomerRow> for Customer {
    type Error = StoreError;

    fn try_from(r: CustomerRow) -> Result<Self, StoreError> {
        Ok(Customer {
            tenant_id: tenant("customers.tenant_id", &r.tenant_id)?,
            company_name: parse(
                "customers.company_name",
                &r.company_name,
                CompanyName::parse,
            )?,
            domain: parse("customers.domain", &r.domain, Domain::parse)?,
            store_for_business: r.store_for_business,
            created_at: utc(r.created_at),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = customer_relationships, treat_none_as_null = true)]
pub struct CustomerRelationshipRow {
    pub partner_id: String,
    pub customer_id: String,
    pub relationship: String,
    pub provider_id: Option<String>,
    /// The flag admin relationships replaced (R31); only the upgrade reads it
    /// (`admin_relationships::grant_existing`). Every relationship is made with an admin grant.
    pub delegated_admin: bool,
    #[diesel(deserialize_as = StoredTime)]
    pub since: NaiveDateTime,
}

impl From<&CustomerRelationship> for CustomerRelationshipRow {
    fn from(r: &CustomerRelationship) -> Self {
        CustomerRelationshipRow {
            partner_id: r.partner_id.to_string(),
            customer_id: r.customer_id.to_string(),
            relationship: r.relationship.name().to_owned(),
            provider_id: r.provider_id.map(|p| p.to_string()),
            delegated_admin: true,
            since: naive(r.since),
        }
    }
}

impl TryFrom<CustomerRelationshipRow> for CustomerRelationship {
    type Error = StoreError;

    fn try_from(r: CustomerRelationshipRow) -> Result<Self, StoreError> {
        Ok(CustomerRelationship {
            customer_id: tenant("customer_relationships.customer_id", &r.customer_id)?,
            partner_id: tenant("customer_relationships.partner_id", &r.partner_id)?,
            relationship: Relationship::from_name(&r.relationship)
                .ok_or_else(|| corrupt("customer_relationships.relationship", &r.relationship))?,
            provider_id: r
                .provider_id
                .as_deref()
                .map(|p| tenant("customer_relationships.provider_id", p))
                .transpose()?,
            since: utc(r.since),
        })
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = customer_invitations, treat_none_as_null = true)]
pub struct CustomerInvitationRow {
    pub id: String,
    pub partner_id: String,
    pub provider_id: String,
    pub customer_id: Option<String>,
    pub kind: String,
    pub status: String,
    pub token_hash: String,
    pub link: String,
    pub email_to: Option<String>,
    pub email_subject: String,
    pub email_body: String,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    /// JSON array of role names; null (older rows): the defaults (R32).
    pub admin_roles: Option<String>,
    pub admin_duration_days: Option<i64>,
}

impl CustomerInvitationRow {
    /// The link and the e-mail body hold the token: both are kept sealed.
    pub fn sealed(i: &CustomerInvitation, key: &DataKey) -> Self {
        CustomerInvitationRow {
            id: i.id.to_string(),
            partner_id: i.partner_id.to_string(),
            provider_id: i.provider_id.to_string(),
            customer_id: i.customer_id.map(|c| c.to_string()),
            kind: i.kind.name().to_owned(),
            status: i.status.name().to_owned(),
            token_hash: i.token_hash.clone(),
            link: key.seal(&i.link),
            email_to: i.email.to.as_ref().map(|e| e.as_str().to_owned()),
            email_subject: i.email.subject.clone(),
            email_body: key.seal(&i.email.body),
            expires_at: naive(i.expires_at),
            created_at: naive(i.created_at),
            admin_roles: Some(roles_json(&i.admin_roles)),
            admin_duration_days: Some(i.admin_duration.days()),
        }
    }
}

impl CustomerInvitationRow {
    pub fn open(self, key: &DataKey) -> Result<CustomerInvitation, StoreError> {
        let r = self;
        let open = |v: &str| key.open(v).map_err(|e| StoreError::Corrupt(e.to_string()));
        Ok(CustomerInvitation {
            id: uuid("customer_invitations.id", &r.id)?,
            partner_id: tenant("customer_invitations.partner_id", &r.partner_id)?,
            provider_id: tenant("customer_invitations.provider_id", &r.provider_id)?,
            customer_id: r
                .customer_id
                .as_deref()
                .map(|c| tenant("customer_invitations.customer_id", c))
                .transpose()?,
            kind: CustomerInvitationKind::from_name(&r.kind)
                .ok_or_else(|| corrupt("customer_invitations.kind", &r.kind))?,
            status: CustomerInvitationStatus::from_name(&r.status)
                .ok_or_else(|| corrupt("customer_invitations.status", &r.status))?,
            token_hash: r.token_hash,
            link: open(&r.link)?,
            email: InvitationEmail {
                to: parse_opt(
                    "customer_invitations.email_to",
                    r.email_to.as_deref(),
                    Email::parse,
                )?,
                subject: r.email_subject,
                body: open(&r.email_body)?,
            },
            expires_at: utc(r.expires_at),
            created_at: utc(r.created_at),
            admin_roles: match r.admin_roles.as_deref() {
                Some(raw) => roles("customer_invitations.admin_roles", raw)?,
                None => AdminRole::DEFAULT.to_vec(),
            },
            admin_duration: match r.admin_duration_days {
                Some(days) => duration("customer_invitations.admin_duration_days", days)?,
                None => AdminDuration::MAX,
            },
        })
    }
}

/// Admin roles as stored: a JSON array of their names (R31).
pub fn roles_json(roles: &[AdminRole]) -> String {
    serde_json::Value::from(roles.iter().map(|r| r.name()).collect::<Vec<_>>()).to_string()
}

pub fn roles(column: &str, raw: &str) -> Result<Vec<AdminRole>, StoreError> {
    let names: Vec<String> = serde_json::from_str(raw).map_err(|e| corrupt(column, e))?;
    names
        .iter()
        .map(|n| AdminRole::from_name(n).ok_or_else(|| corrupt(column, n)))
        .collect()
}

fn duration(column: &str, days: i64) -> Result<AdminDuration, StoreError> {
    AdminDuration::from_days(days).ok_or_else(|| corrupt(column, days))
}

/// One admin relationship (R31, R32). `status` is the stored one: approval_pending, active or
/// terminated.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = admin_relationships, treat_none_as_null = true)]
pub struct AdminRelationshipRow {
    pub id: String,
    pub partner_id: String,
    pub customer_id: String,
    pub roles: String,
    pub duration_days: i64,
    pub auto_extend: bool,
    pub status: String,
    pub approval_token_hash: Option<String>,
    #[diesel(deserialize_as = MaybeStoredTime)]
    pub approval_expires_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = StoredTime)]
    pub created_at: NaiveDateTime,
    #[diesel(deserialize_as = MaybeStoredTime)]
    pub activated_at: Option<NaiveDateTime>,
    #[diesel(deserialize_as = MaybeStoredTime)]
    pub first_end: Option<NaiveDateTime>,
    #[diesel(deserialize_as = MaybeStoredTime)]
    pub terminated_at: Option<NaiveDateTime>,
    pub terminated_by: Option<String>,
}

impl From<&AdminRelationship> for AdminRelationshipRow {
    fn from(r: &AdminRelationship) -> Self {
        AdminRelationshipRow {
            id: r.id.to_string(),
            partner_id: r.partner_id.to_string(),
            customer_id: r.customer_id.to_string(),
            roles: roles_json(&r.roles),
            duration_days: r.duration.days(),
            auto_extend: r.auto_extend,
            status: r.stored.name().to_owned(),
            approval_token_hash: r.approval.as_ref().map(|a| a.token_hash.clone()),
            approval_expires_at: r.approval.as_ref().map(|a| naive(a.expires_at)),
            created_at: naive(r.created_at),
            activated_at: r.activated_at.map(naive),
            first_end: r.first_end.map(naive),
            terminated_at: r.terminated_at.map(naive),
            terminated_by: r.terminated_by.map(|s| s.name().to_owned()),
        }
    }
}

impl TryFrom<AdminRelationshipRow> for AdminRelationship {
    type Error = StoreError;

    fn try_from(r: AdminRelationshipRow) -> Result<Self, StoreError> {
        let approval = match (r.approval_token_hash, r.approval_expires_at) {
            (Some(token_hash), Some(expires_at)) => Some(Approval {
                token_hash,
                expires_at: utc(expires_at),
            }),
            (None, None) => None,
            _ => return Err(corrupt("admin_relationships.approval_expires_at", &r.id)),
        };
        Ok(AdminRelationship {
            id: uuid("admin_relationships.id", &r.id)?,
            partner_id: tenant("admin_relationships.partner_id", &r.partner_id)?,
            customer_id: tenant("admin_relationships.customer_id", &r.customer_id)?,
            roles: roles("admin_relationships.roles", &r.roles)?,
            duration: duration("admin_relationships.duration_days", r.duration_days)?,
            auto_extend: r.auto_extend,
            stored: AdminStatus::from_name(&r.status)
                .ok_or_else(|| corrupt("admin_relationships.status", &r.status))?,
            approval,
            created_at: utc(r.created_at),
            activated_at: r.activated_at.map(utc),
            first_end: r.first_end.map(utc),
            terminated_at: r.terminated_at.map(utc),
            terminated_by: r
                .terminated_by
                .as_deref()
                .map(|s| {
                    Side::from_name(s)
                        .ok_or_else(|| corrupt("admin_relationships.terminated_by", s))
                })
                .transpose()?,
        })
    }
}
