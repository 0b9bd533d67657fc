//! Who may call what (DOMAIN.md "Roles", API.md "who" columns). One exhaustive table.

use super::role::Role;
use super::values::TenantId;
use Role::*;

/// Every role a partner, provider or customer tenant can hold ("any" in API.md).
const ANY: &[Role] = &[
    GlobalAdmin,
    AccountAdmin,
    AdminAgent,
    SalesAgent,
    BillingAdmin,
    IncentiveAdmin,
    HelpdeskAgent,
];
const GA: &[Role] = &[GlobalAdmin];
const GA_ACA: &[Role] = &[GlobalAdmin, AccountAdmin];
const GA_AA: &[Role] = &[GlobalAdmin, AdminAgent];
const GA_AA_SA: &[Role] = &[GlobalAdmin, AdminAgent, SalesAgent];
const GA_IA: &[Role] = &[GlobalAdmin, IncentiveAdmin];
const NONE: &[Role] = &[];

/// An API operation, named for what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    RegisterPartner,
    ReadPartner,
    EditPartnerProfile,
    /// `offboarding_identified` and `direct_bill`: the operator's call (R2).
    EditPartnerStanding,
    SubmitEnrollment,
    ReadEnrollment,
    WithdrawEnrollment,
    DecideEnrollment,
    ReadAgreement,
    AcceptAgreement,
    ReadProgramInfo,
    RegisterProvider,
    SearchProviders,
    ReadIncentives,
    EnrollIncentive,
    ReadNotifications,
    ReadAuditEvents,
    /// R34: a tenant's event feed.
    ReadEvents,
    /// R15: a provider's GlobalAdmin or AdminAgent invites a partner.
    InvitePartner,
    ReadPartnershipInvitations,
    /// R15: only the invited partner's GlobalAdmin accepts or declines.
    RespondToPartnership,
    /// Anyone holding the link may see what it offers.
    ViewInvitationLink,
    ReadProviderRelationships,
    ReadResellers,
    /// R19: a direct bill partner creates customer tenants.
    CreateDirectCustomer,
    /// R19: the provider creates the tenant for its reseller.
    CreateIndirectCustomer,
    ReadCustomers,
    /// R17: draft, edit and send customer invitations.
    InviteCustomer,
    RevokeCustomerInvitation,
    /// R18: the customer's GlobalAdmin authorises both resellers.
    AcceptCustomerInvitation,
    /// R35: a tenant's GlobalAdmin manages its webhook endpoints.
    ManageWebhooks,
    /// R31: a partner reads its admin relationships with a customer.
    ReadAdminRelationships,
    /// R32: a partner asks its customer for admin roles.
    RequestAdminRelationship,
    /// R32: either side's GlobalAdmin ends an admin relationship.
    TerminateAdminRelationship,
    /// R32: the customer's GlobalAdmin approves a request with its link.
    ApproveAdminRelationship,
    /// R32: the customer's GlobalAdmin sees which partners hold which roles until when.
    ReadGrantedAdminRelationships,
    /// R36: plan the move of many direct bill customers.
    PlanTransition,
    ReadTransitionPlans,
    /// R39: the whole transition in one answer.
    ReadTransitionOverview,
}

/// Who an operation is open to: roles of the owning tenant, and whether the operator's
/// ProgramAdmin may too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub roles: &'static [Role],
    pub operator: bool,
}

pub fn grant(operation: Operation) -> Grant {
    let (roles, operator) = match operation {
        Operation::RegisterPartner => (NONE, true),
        Operation::ReadPartner => (ANY, true),
        Operation::EditPartnerProfile => (GA_ACA, true),
        Operation::EditPartnerStanding => (NONE, true),
        // R3: only the partner's GlobalAdmin submits.
        Operation::SubmitEnrollment => (GA, false),
        Operation::ReadEnrollment => (ANY, true),
        Operation::WithdrawEnrollment => (GA, false),
        Operation::DecideEnrollment => (NONE, true),
        Operation::ReadAgreement => (ANY, true),
        // R10: the GlobalAdmin accepts the agreement.
        Operation::AcceptAgreement => (GA, false),
        Operation::ReadProgramInfo => (ANY, true),
        Operation::RegisterProvider => (NONE, true),
        Operation::SearchProviders => (ANY, true),
        Operation::ReadIncentives => (ANY, false),
        Operation::EnrollIncentive => (GA_IA, false),
        Operation::ReadNotifications => (ANY, false),
        Operation::ReadAuditEvents => (GA, true),
        Operation::ReadEvents => (GA, true),
        Operation::ManageWebhooks => (GA, false),
        Operation::InvitePartner => (GA_AA, false),
        Operation::ReadPartnershipInvitations => (ANY, true),
        Operation::RespondToPartnership => (GA, false),
        Operation::ViewInvitationLink => (ANY, true),
        Operation::ReadProviderRelationships => (ANY, true),
        Operation::ReadResellers => (ANY, true),
        Operation::CreateDirectCustomer => (GA_AA_SA, false),
        Operation::CreateIndirectCustomer => (GA_AA_SA, false),
        Operation::ReadCustomers => (ANY, false),
        Operation::InviteCustomer => (GA_AA_SA, false),
        Operation::RevokeCustomerInvitation => (GA_AA, false),
        Operation::AcceptCustomerInvitation => (GA, false),
        Operation::ReadAdminRelationships => (ANY, false),
        Operation::RequestAdminRelationship => (GA_AA, false),
        Operation::TerminateAdminRelationship => (GA, false),
        Operation::ApproveAdminRelationship => (GA, false),
        Operation::ReadGrantedAdminRelationships => (GA, false),
        Operation::PlanTransition => (GA_AA, false),
        Operation::ReadTransitionPlans => (ANY, false),
        Operation::ReadTransitionOverview => (ANY, true),
    };
    Grant { roles, operator }
}

/// The caller, as far as access is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub tenant: TenantId,
    pub roles: Vec<Role>,
}

impl Actor {
    /// ProgramAdmin counts only in the operator tenant.
    pub fn is_operator(&self, operator_tenant: TenantId) -> bool {
        self.tenant == operator_tenant && self.roles.contains(&ProgramAdmin)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// R28: the path names another tenant.
    TenantMismatch,
    /// The caller's roles do not allow the operation.
    Forbidden,
}

/// May `actor` perform `operation` on data owned by `owner` (None: not tenant-owned)?
pub fn authorize(
    operation: Operation,
    actor: &Actor,
    owner: Option<TenantId>,
    operator_tenant: TenantId,
) -> Result<(), Denial> {
    let grant = grant(operation);
    if grant.operator && actor.is_operator(operator_tenant) {
        return Ok(());
    }
    if owner.is_some_and(|owner| owner != actor.tenant) {
        return Err(Denial::TenantMismatch);
    }
    if actor.roles.iter().any(|role| grant.roles.contains(role)) {
        Ok(())
    } else {
        Err(Denial::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant(n: u128) -> TenantId {
        TenantId::from_uuid(uuid::Uuid::from_u128(n))
    }

    const OPERATOR: u128 = 1;
    const PARTNER: u128 = 2;
    const OTHER: u128 = 3;

    fn actor(t: u128, roles: &[Role]) -> Actor {
        Actor {
            tenant: tenant(t),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn decisions_follow_the_table() {
        use Operation::*;
        let ok = Ok(());
        let forbidden = Err(Denial::Forbidden);
        let mismatch = Err(Denial::TenantMismatch);
        type Case = (
            Operation,
            u128,
            &'static [Role],
            Option<u128>,
            Result<(), Denial>,
        );
        let cases: &[Case] = &[
            (RegisterPartner, OPERATOR, &[ProgramAdmin], None, ok),
            (RegisterPartner, PARTNER, &[GlobalAdmin], None, forbidden),
            // ProgramAdmin outside the operator tenant is nothing.
            (RegisterPartner, PARTNER, &[ProgramAdmin], None, forbidden),
            (ReadPartner, PARTNER, &[HelpdeskAgent], Some(PARTNER), ok),
            (ReadPartner, OTHER, &[GlobalAdmin], Some(PARTNER), mismatch),
            (ReadPartner, OPERATOR, &[ProgramAdmin], Some(PARTNER), ok),
            (ReadPartner, PARTNER, &[], Some(PARTNER), forbidden),
            (
                EditPartnerProfile,
                PARTNER,
                &[AccountAdmin],
                Some(PARTNER),
                ok,
            ),
            (
                EditPartnerProfile,
                PARTNER,
                &[SalesAgent],
                Some(PARTNER),
                forbidden,
            ),
            (
                EditPartnerStanding,
                PARTNER,
                &[GlobalAdmin],
                Some(PARTNER),
                forbidden,
            ),
            (
                EditPartnerStanding,
                OPERATOR,
                &[ProgramAdmin],
                Some(PARTNER),
                ok,
            ),
            // R3
            (SubmitEnrollment, PARTNER, &[GlobalAdmin], Some(PARTNER), ok),
            (
                SubmitEnrollment,
                PARTNER,
                &[AccountAdmin, AdminAgent],
                Some(PARTNER),
                forbidden,
            ),
            (
                SubmitEnrollment,
                OPERATOR,
                &[ProgramAdmin],
                Some(PARTNER),
                mismatch,
            ),
            (
                DecideEnrollment,
                PARTNER,
                &[GlobalAdmin],
                Some(PARTNER),
                forbidden,
            ),
            (
                DecideEnrollment,
                OPERATOR,
                &[ProgramAdmin],
                Some(PARTNER),
                ok,
            ),
            (
                AcceptAgreement,
                PARTNER,
                &[AdminAgent],
                Some(PARTNER),
                forbidden,
            ),
            (
                EnrollIncentive,
                PARTNER,
                &[IncentiveAdmin],
                Some(PARTNER),
                ok,
            ),
            (
                EnrollIncentive,
                PARTNER,
                &[BillingAdmin],
                Some(PARTNER),
                forbidden,
            ),
            (
                ReadNotifications,
                OPERATOR,
                &[ProgramAdmin],
                Some(PARTNER),
                mismatch,
            ),
            (
                ReadAuditEvents,
                PARTNER,
                &[HelpdeskAgent],
                Some(PARTNER),
                forbidden,
            ),
            (
                ReadAuditEvents,
                OPERATOR,
                &[ProgramAdmin],
                Some(PARTNER),
                ok,
            ),
            // R31, R32
            (
                ReadAdminRelationships,
                PARTNER,
                &[HelpdeskAgent],
                Some(PARTNER),
                ok,
            ),
            (
                ReadAdminRelationships,
                OPERATOR,
                &[ProgramAdmin],
                Some(PARTNER),
                mismatch,
            ),
            (
                RequestAdminRelationship,
                PARTNER,
                &[AdminAgent],
                Some(PARTNER),
                ok,
            ),
            (
                RequestAdminRelationship,
                PARTNER,
                &[SalesAgent],
                Some(PARTNER),
                forbidden,
            ),
            (
                TerminateAdminRelationship,
                PARTNER,
                &[AdminAgent],
                Some(PARTNER),
                forbidden,
            ),
            (ApproveAdminRelationship, OTHER, &[GlobalAdmin], None, ok),
            (
                ApproveAdminRelationship,
                OTHER,
                &[AdminAgent],
                None,
                forbidden,
            ),
            (
                ReadGrantedAdminRelationships,
                OTHER,
                &[GlobalAdmin],
                Some(OTHER),
                ok,
            ),
            (
                ReadGrantedAdminRelationships,
                PARTNER,
                &[GlobalAdmin],
                Some(OTHER),
                mismatch,
            ),
            // R36: GA and AA plan; any role of the partner reads.
            (PlanTransition, PARTNER, &[AdminAgent], Some(PARTNER), ok),
            (
                PlanTransition,
                PARTNER,
                &[SalesAgent],
                Some(PARTNER),
                forbidden,
            ),
            (
                ReadTransitionPlans,
                PARTNER,
                &[SalesAgent],
                Some(PARTNER),
                ok,
            ),
            (
                ReadTransitionPlans,
                OTHER,
                &[GlobalAdmin],
                Some(PARTNER),
                mismatch,
            ),
            // R39: any role of the partner, and the operator, read the overview.
            (
                ReadTransitionOverview,
                PARTNER,
                &[HelpdeskAgent],
                Some(PARTNER),
                ok,
            ),
            (
                ReadTransitionOverview,
                OPERATOR,
                &[ProgramAdmin],
                Some(PARTNER),
                ok,
            ),
            (
                ReadTransitionOverview,
                OTHER,
                &[GlobalAdmin],
                Some(PARTNER),
                mismatch,
            ),
        ];
        for (op, t, roles, owner, want) in cases {
            let got = authorize(*op, &actor(*t, roles), owner.map(tenant), tenant(OPERATOR));
            assert_eq!(got, *want, "{op:?} by tenant {t} {roles:?} on {owner:?}");
        }
    }
}
