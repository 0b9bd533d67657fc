use thiserror::Error;

/// A business rule said no. Each variant maps to one stable API error code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// R2: only a direct bill partner identified for offboarding may enroll.
    #[error("{0}")]
    NotEligible(String),
    /// R4: the listed profile fields are missing.
    #[error("the partner profile is incomplete: {} must be set", .0.join(", "))]
    ProfileIncomplete(Vec<&'static str>),
    #[error("{0}")]
    AlreadyEnrolled(String),
    #[error("{0}")]
    InvalidState(String),
    /// R9: an approved enrollment cannot be removed.
    #[error("the indirect reseller enrollment is approved and cannot be withdrawn or removed")]
    Irreversible,
    /// R10: the agreement comes after approval.
    #[error(
        "the indirect reseller agreement can be accepted only after the enrollment is approved"
    )]
    EnrollmentNotApproved,
    #[error("agreement version {offered} is not the current version {current}")]
    AgreementVersionMismatch { offered: String, current: String },
    #[error("the indirect reseller agreement was already accepted")]
    AlreadyAccepted,
    /// R12: indirect reseller capabilities need the accepted agreement.
    #[error(
        "the indirect reseller capabilities are not active: accept the indirect reseller agreement first"
    )]
    IndirectResellerNotActive,
    /// R26: the indirect incentive program needs its invitation.
    #[error(
        "no invitation to the indirect reseller incentive program has been issued to this partner yet"
    )]
    IncentiveNotInvited,
}
