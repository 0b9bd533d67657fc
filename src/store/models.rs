//! Rows as stored, and their conversion to and from domain types.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::StoreError;
use super::schema::*;
use crate::domain::agreement::Acceptance;
use crate::domain::enrollment::{Enrollment, EnrollmentStatus};
use crate::domain::incentive::{IncentiveEnrollment, IncentiveInvitation};
use crate::domain::notification::Notification;
use crate::domain::partner::Partner;
use crate::domain::program::Program;
use crate::domain::region::Region;
use crate::domain::values::{CompanyName, Email, MpnId, TenantId, ValueError};

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

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct NotificationRow {
    pub id: String,
    pub tenant_id: String,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub created_at: NaiveDateTime,
    pub delivered_at: Option<NaiveDateTime>,
}

impl From<&Notification> for NotificationRow {
    fn from(n: &Notification) -> Self {
        NotificationRow {
            id: n.id.to_string(),
            tenant_id: n.tenant_id.to_string(),
            kind: n.kind.name().to_owned(),
            to_address: n.to.as_str().to_owned(),
            subject: n.subject.clone(),
            body: n.body.clone(),
            created_at: naive(n.created_at),
            delivered_at: None,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = audit_events)]
pub struct AuditRow {
    pub id: String,
    pub tenant_id: String,
    pub at: NaiveDateTime,
    pub actor_sub: String,
    pub actor_tenant: String,
    pub actor_roles: String,
    pub action: String,
    pub subject: String,
    pub request_id: String,
}
