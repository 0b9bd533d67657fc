//! The indirect reseller agreement and its acceptance (R10-R12).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DomainError;
use super::enrollment::{Enrollment, EnrollmentStatus};
use super::event::EventType;
use super::outcome::{Change, Event, Outcome, Subject};
use super::partner::Partner;

/// A published version of the indirect reseller agreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agreement {
    pub version: &'static str,
    pub title: &'static str,
    pub url: &'static str,
    pub published_at: DateTime<Utc>,
}

/// 2026-10-01T00:00:00Z
const CURRENT_PUBLISHED_AT: i64 = 1_790_812_800;

/// The version partners accept today.
pub fn current() -> Agreement {
    Agreement {
        version: "2026-10",
        title: "Microsoft Cloud Solution Provider indirect reseller agreement",
        url: "https://partnercenter.microsoft.com/partner/agreements/indirect-reseller/2026-10",
        published_at: DateTime::from_timestamp(CURRENT_PUBLISHED_AT, 0)
            .unwrap_or(DateTime::UNIX_EPOCH),
    }
}

/// R10: who accepted which version, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    pub id: Uuid,
    pub agreement_version: String,
    pub accepted_by: String,
    pub accepted_at: DateTime<Utc>,
}

/// R10: the GlobalAdmin accepts the current version, once, after approval.
pub fn accept(
    current: &Agreement,
    latest_enrollment: Option<&Enrollment>,
    existing: Option<&Acceptance>,
    offered_version: &str,
    id: Uuid,
    by: String,
    now: DateTime<Utc>,
) -> Result<Acceptance, DomainError> {
    if latest_enrollment.map(|e| e.status) != Some(EnrollmentStatus::Approved) {
        return Err(DomainError::EnrollmentNotApproved);
    }
    if existing.is_some() {
        return Err(DomainError::AlreadyAccepted);
    }
    if offered_version != current.version {
        return Err(DomainError::AgreementVersionMismatch {
            offered: offered_version.to_owned(),
            current: current.version.to_owned(),
        });
    }
    Ok(Acceptance {
        id,
        agreement_version: offered_version.to_owned(),
        accepted_by: by,
        accepted_at: now,
    })
}

/// What accepting the agreement is decided on, read in the write transaction.
#[derive(Debug, Clone)]
pub struct AcceptanceContext {
    pub partner: Partner,
    pub latest_enrollment: Option<Enrollment>,
    pub existing: Option<Acceptance>,
}

/// R10, R11: accepting the current version turns on the indirect reseller program.
pub fn accept_and_activate(
    ctx: AcceptanceContext,
    offered_version: &str,
    id: Uuid,
    by: String,
    now: DateTime<Utc>,
) -> Result<Outcome<Acceptance>, DomainError> {
    let a = accept(
        &current(),
        ctx.latest_enrollment.as_ref(),
        ctx.existing.as_ref(),
        offered_version,
        id,
        by,
        now,
    )?;
    let partner = ctx.partner.activate_indirect_reseller(now);
    let tenant = partner.tenant_id;
    Ok(Outcome::new(a.clone())
        .change(Change::InsertAcceptance {
            partner: tenant,
            acceptance: a.clone(),
        })
        .change(Change::UpdatePartner(partner))
        .event(Event::new(
            EventType::AgreementAccepted,
            vec![tenant],
            Subject::Acceptance(a),
        )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::enrollment::{ReviewMode, Submission};
    use crate::domain::partner::tests::partner;

    fn enrollment(review: ReviewMode) -> Enrollment {
        let form = Submission {
            id: Uuid::from_u128(1),
            submitted_by: "ga".into(),
            primary_contact_email: None,
            now: Utc::now(),
        };
        Enrollment::submit(&partner(), None, form, review).expect("submit")
    }

    fn try_accept(
        latest: Option<&Enrollment>,
        existing: Option<&Acceptance>,
        version: &str,
    ) -> Result<Acceptance, DomainError> {
        accept(
            &current(),
            latest,
            existing,
            version,
            Uuid::from_u128(9),
            "ga".into(),
            Utc::now(),
        )
    }

    #[test]
    fn r10_acceptance_records_who_and_which_version() {
        let approved = enrollment(ReviewMode::Auto);
        let a = try_accept(Some(&approved), None, current().version).expect("accept");
        assert_eq!(a.agreement_version, current().version);
        assert_eq!(a.accepted_by, "ga");
        assert_eq!(
            try_accept(Some(&approved), Some(&a), current().version),
            Err(DomainError::AlreadyAccepted)
        );
    }

    #[test]
    fn r10_acceptance_waits_for_approval_and_the_current_version() {
        let pending = enrollment(ReviewMode::Manual);
        assert_eq!(
            try_accept(None, None, current().version),
            Err(DomainError::EnrollmentNotApproved)
        );
        assert_eq!(
            try_accept(Some(&pending), None, current().version),
            Err(DomainError::EnrollmentNotApproved)
        );
        let approved = enrollment(ReviewMode::Auto);
        assert!(matches!(
            try_accept(Some(&approved), None, "2019-01"),
            Err(DomainError::AgreementVersionMismatch { .. })
        ));
    }

    #[test]
    fn the_current_version_has_a_real_publication_date() {
        assert_eq!(
            current().published_at.to_rfc3339(),
            "2026-10-01T00:00:00+00:00"
        );
    }
}
