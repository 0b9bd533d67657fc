use thiserror::Error;

/// A business rule said no. Each variant maps to one stable API error code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// Absent, or another tenant's (R28): the caller cannot tell which.
    #[error("{0}")]
    NotFound(String),
    /// R2: only a direct bill partner identified for offboarding may enroll.
    #[error("{0}")]
    NotEligible(String),
    /// R4: the listed profile fields are missing.
    #[error("the partner profile is incomplete: {} must be set", .0.join(", "))]
    ProfileIncomplete(Vec<&'static str>),
    #[error("{0}")]
    AlreadyEnrolled(String),
    /// One kind per tenant: the tenant is a partner already (or now).
    #[error("{0}")]
    PartnerExists(String),
    /// One kind per tenant: the tenant is a provider already (or now).
    #[error("{0}")]
    ProviderExists(String),
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
    /// R15/R17: the link's token does not match.
    #[error("the invitation token does not match")]
    InvalidInvitationToken,
    #[error("the invitation expired at {0}")]
    InvitationExpired(String),
    #[error("{0}")]
    InvitationPending(String),
    #[error("the provider is already in the partner's indirect provider list")]
    RelationshipExists,
    /// R17: the edited e-mail must keep the personal link.
    #[error("the e-mail body must contain the invitation link unchanged: {0}")]
    InvitationLinkMissing(String),
    /// R17/R19: the provider must be an active provider of the partner.
    #[error("the provider is not an active indirect provider of this partner")]
    NoProviderRelationship,
    /// R19: only a direct bill partner creates customer tenants.
    #[error(
        "only a direct bill partner can create customer tenants; as indirect reseller, your provider creates them"
    )]
    DirectBillRequired,
    #[error("the customer is already an indirect reseller customer of this partner")]
    AlreadyIndirect,
    #[error("this invitation names another customer")]
    WrongCustomer,
    /// R22: Store for Business customers stay with direct bill.
    #[error(
        "a customer that buys through Microsoft Store for Business cannot accept an indirect reseller invitation from a partner it already buys from through direct bill"
    )]
    StoreForBusinessUnsupported,
    /// R18: a customer tenant accepting for the first time names itself.
    #[error("a new customer must name itself: {} required", .0.join(", "))]
    NewCustomerDetailsMissing(Vec<&'static str>),
    /// R31: an admin relationship with Global Administrator cannot extend itself.
    #[error("auto_extend cannot be used with the Global Administrator role")]
    AutoExtendWithGlobalAdministrator,
    /// R36: a plan names customers that are not the partner's (R28: unknown or foreign alike).
    #[error("not customers of this partner: {}", .0.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(", "))]
    UnknownCustomers(Vec<crate::domain::values::TenantId>),
    /// R38: the plan's operation is still running.
    #[error("{0}")]
    OperationNotFinished(String),
}
