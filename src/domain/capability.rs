//! R23-R25, R23a, R33: what the partner may do for a customer: relationship x admin relationship
//! x roles x action -> Decision.

use super::admin_relationship::{AdminGrant, AdminRole};
use super::role::Role;

/// How the partner is related to a customer (R21, R23).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relationship {
    DirectBill,
    IndirectReseller,
}

impl Relationship {
    pub const ALL: [Relationship; 2] = [Relationship::DirectBill, Relationship::IndirectReseller];

    pub fn name(self) -> &'static str {
        match self {
            Relationship::DirectBill => "direct_bill",
            Relationship::IndirectReseller => "indirect_reseller",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Relationship::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// A partner action on a customer, one per row of R23.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    CreateOrder,
    ManageAzureReservations,
    ManageOrderHistory,
    PurchaseSoftware,
    BillDirectly,
    AddProducts,
    ViewProducts,
    ViewSubscriptions,
    ManageLicenses,
    ManageUsers,
    HandleRenewals,
}

impl Action {
    /// R23 table order; API.md "Capabilities" lists actions in this order.
    pub const ALL: [Action; 11] = [
        Action::CreateOrder,
        Action::ManageAzureReservations,
        Action::ManageOrderHistory,
        Action::PurchaseSoftware,
        Action::BillDirectly,
        Action::AddProducts,
        Action::ViewProducts,
        Action::ViewSubscriptions,
        Action::ManageLicenses,
        Action::ManageUsers,
        Action::HandleRenewals,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Action::CreateOrder => "create_order",
            Action::ManageAzureReservations => "manage_azure_reservations",
            Action::ManageOrderHistory => "manage_order_history",
            Action::PurchaseSoftware => "purchase_software",
            Action::BillDirectly => "bill_directly",
            Action::AddProducts => "add_products",
            Action::ViewProducts => "view_products",
            Action::ViewSubscriptions => "view_subscriptions",
            Action::ManageLicenses => "manage_licenses",
            Action::ManageUsers => "manage_users",
            Action::HandleRenewals => "handle_renewals",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// Why a decision came out as it did (R25): stable codes, checked in R33 order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reason {
    Permitted,
    DirectBillOnly,
    OrderedByProvider,
    RoleNotPermitted,
    NoRelationship,
    /// R33: no active or expiring admin relationship.
    AdminRelationshipInactive,
    /// R33: the admin relationships lack a role that covers the action.
    AdminRoleMissing,
}

impl Reason {
    pub const ALL: [Reason; 7] = [
        Reason::Permitted,
        Reason::DirectBillOnly,
        Reason::OrderedByProvider,
        Reason::RoleNotPermitted,
        Reason::NoRelationship,
        Reason::AdminRelationshipInactive,
        Reason::AdminRoleMissing,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Reason::Permitted => "permitted",
            Reason::DirectBillOnly => "direct_bill_only",
            Reason::OrderedByProvider => "ordered_by_provider",
            Reason::RoleNotPermitted => "role_not_permitted",
            Reason::NoRelationship => "no_relationship",
            Reason::AdminRelationshipInactive => "admin_relationship_inactive",
            Reason::AdminRoleMissing => "admin_role_missing",
        }
    }

    const fn allows(self) -> bool {
        match self {
            Reason::Permitted => true,
            Reason::DirectBillOnly
            | Reason::OrderedByProvider
            | Reason::RoleNotPermitted
            | Reason::NoRelationship
            | Reason::AdminRelationshipInactive
            | Reason::AdminRoleMissing => false,
        }
    }
}

/// One action's verdict for one customer and one caller (R25).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub action: Action,
    pub allowed: bool,
    pub reason: Reason,
}

/// A set of roles as a bitmask, so `evaluate` checks 11 actions without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RoleSet(u16);

// Every role needs its own bit in a u16; fails to compile otherwise.
const _: () = {
    let mut i = 0;
    while i < Role::ALL.len() {
        assert!((Role::ALL[i] as u16) < 16);
        i += 1;
    }
};

impl RoleSet {
    const fn of(roles: &[Role]) -> RoleSet {
        let mut bits = 0u16;
        let mut i = 0;
        while i < roles.len() {
            bits |= 1 << roles[i] as u16;
            i += 1;
        }
        RoleSet(bits)
    }

    const fn meets(self, allowed: RoleSet) -> bool {
        self.0 & allowed.0 != 0
    }
}

// R23a rows; ProgramAdmin, IncentiveAdmin and AccountAdmin are in none of them.
const ORDERING: RoleSet = RoleSet::of(&[Role::GlobalAdmin, Role::AdminAgent, Role::SalesAgent]);
const ADMINISTERING: RoleSet = RoleSet::of(&[Role::GlobalAdmin, Role::AdminAgent]);
const ORDER_HISTORY: RoleSet = RoleSet::of(&[
    Role::GlobalAdmin,
    Role::AdminAgent,
    Role::SalesAgent,
    Role::BillingAdmin,
]);
const BILLING: RoleSet = RoleSet::of(&[Role::GlobalAdmin, Role::BillingAdmin]);
const VIEWING: RoleSet = RoleSet::of(&[
    Role::GlobalAdmin,
    Role::AdminAgent,
    Role::SalesAgent,
    Role::BillingAdmin,
    Role::HelpdeskAgent,
]);

/// Entra roles as a bitmask, like `RoleSet`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AdminRoleSet(u8);

impl AdminRoleSet {
    const fn of(roles: &[AdminRole]) -> AdminRoleSet {
        let mut bits = 0u8;
        let mut i = 0;
        while i < roles.len() {
            bits |= 1 << roles[i] as u8;
            i += 1;
        }
        AdminRoleSet(bits)
    }

    const fn meets(self, needed: AdminRoleSet) -> bool {
        self.0 & needed.0 != 0
    }
}

/// What the partner's admin relationships with the customer grant now (R33).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Admin {
    active: bool,
    roles: AdminRoleSet,
}

impl Admin {
    fn of(grant: &AdminGrant) -> Admin {
        Admin {
            active: grant.active,
            roles: AdminRoleSet::of(&grant.roles),
        }
    }
}

/// R33: the Entra roles that cover an admin action; `None` for actions that need none.
const fn admin_roles_needed(action: Action) -> Option<AdminRoleSet> {
    match action {
        Action::ManageUsers => Some(AdminRoleSet::of(&[
            AdminRole::GlobalAdministrator,
            AdminRole::UserAdministrator,
        ])),
        Action::ManageLicenses => Some(AdminRoleSet::of(&[
            AdminRole::GlobalAdministrator,
            AdminRole::UserAdministrator,
            AdminRole::LicenseAdministrator,
        ])),
        Action::CreateOrder
        | Action::ManageAzureReservations
        | Action::ManageOrderHistory
        | Action::PurchaseSoftware
        | Action::BillDirectly
        | Action::AddProducts
        | Action::ViewProducts
        | Action::ViewSubscriptions
        | Action::HandleRenewals => None,
    }
}

/// R23a: the roles that may take an action once the relationship permits it.
const fn permitted_roles(action: Action) -> RoleSet {
    match action {
        Action::CreateOrder
        | Action::AddProducts
        | Action::PurchaseSoftware
        | Action::HandleRenewals => ORDERING,
        Action::ManageAzureReservations | Action::ManageLicenses | Action::ManageUsers => {
            ADMINISTERING
        }
        Action::ManageOrderHistory => ORDER_HISTORY,
        Action::BillDirectly => BILLING,
        Action::ViewProducts | Action::ViewSubscriptions => VIEWING,
    }
}

/// R23: the denial the relationship type alone imposes, if any.
const fn relationship_denial(relationship: Relationship, action: Action) -> Option<Reason> {
    match relationship {
        // R23: a direct bill customer permits every action; only roles can stop it.
        Relationship::DirectBill => match action {
            Action::CreateOrder
            | Action::ManageAzureReservations
            | Action::ManageOrderHistory
            | Action::PurchaseSoftware
            | Action::BillDirectly
            | Action::AddProducts
            | Action::ViewProducts
            | Action::ViewSubscriptions
            | Action::ManageLicenses
            | Action::ManageUsers
            | Action::HandleRenewals => None,
        },
        Relationship::IndirectReseller => match action {
            // R23a, R24: for an indirect customer the provider orders, not the partner.
            Action::CreateOrder | Action::AddProducts => Some(Reason::OrderedByProvider),
            // R23: the rest of what the partner "won't do as an indirect reseller".
            Action::ManageAzureReservations
            | Action::ManageOrderHistory
            | Action::PurchaseSoftware
            | Action::BillDirectly
            | Action::ViewProducts => Some(Reason::DirectBillOnly),
            Action::ViewSubscriptions
            | Action::ManageLicenses
            | Action::ManageUsers
            | Action::HandleRenewals => None,
        },
    }
}

const fn decide_for(
    relationship: Option<Relationship>,
    admin: Admin,
    held: RoleSet,
    action: Action,
) -> Decision {
    // R33: no relationship, the relationship type, the admin relationship, its roles, the
    // caller's role.
    let reason = match relationship {
        None => Reason::NoRelationship,
        Some(relationship) => match relationship_denial(relationship, action) {
            Some(denial) => denial,
            None => match admin_roles_needed(action) {
                Some(_) if !admin.active => Reason::AdminRelationshipInactive,
                Some(needed) if !admin.roles.meets(needed) => Reason::AdminRoleMissing,
                Some(_) | None if held.meets(permitted_roles(action)) => Reason::Permitted,
                Some(_) | None => Reason::RoleNotPermitted,
            },
        },
    };
    Decision {
        action,
        allowed: reason.allows(),
        reason,
    }
}

/// R23, R23a, R25, R33: relationship x admin relationships x roles x action. `None` = the
/// partner has no relationship with the customer.
pub fn decide(
    relationship: Option<Relationship>,
    admin: &AdminGrant,
    roles: &[Role],
    action: Action,
) -> Decision {
    decide_for(relationship, Admin::of(admin), RoleSet::of(roles), action)
}

/// Every action of R23, in that order, for one customer and one caller.
pub fn evaluate(
    relationship: Option<Relationship>,
    admin: &AdminGrant,
    roles: &[Role],
) -> [Decision; 11] {
    let (admin, held) = (Admin::of(admin), RoleSet::of(roles));
    Action::ALL.map(|action| decide_for(relationship, admin, held, action))
}

/// R24: what the provider may do for an indirect reseller customer of its reseller (create orders, add licenses to existing subscriptions); false for a direct bill customer or no relationship.
pub fn provider_may(relationship: Option<Relationship>, action: Action) -> bool {
    match relationship {
        // R21: without an indirect reseller relationship the provider cannot order.
        None | Some(Relationship::DirectBill) => false,
        Some(Relationship::IndirectReseller) => match action {
            // R24: new licenses on an existing subscription are an order (add_products), per the seed.
            Action::CreateOrder | Action::AddProducts => true,
            // R23: the partner keeps these; the provider only orders.
            Action::ManageAzureReservations
            | Action::ManageOrderHistory
            | Action::PurchaseSoftware
            | Action::BillDirectly
            | Action::ViewProducts
            | Action::ViewSubscriptions
            | Action::ManageLicenses
            | Action::ManageUsers
            | Action::HandleRenewals => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Role::*;

    /// Every Entra role, active: R23 and R23a alone decide (R33 is tested below).
    fn full() -> AdminGrant {
        AdminGrant {
            active: true,
            roles: AdminRole::ALL.to_vec(),
        }
    }

    fn decide(relationship: Option<Relationship>, roles: &[Role], action: Action) -> Decision {
        super::decide(relationship, &full(), roles, action)
    }

    fn evaluate(relationship: Option<Relationship>, roles: &[Role]) -> [Decision; 11] {
        super::evaluate(relationship, &full(), roles)
    }

    /// R23 written out: (action, direct bill customer, indirect reseller customer).
    const R23: &[(Action, bool, bool)] = &[
        (CreateOrder, true, false),
        (ManageAzureReservations, true, false),
        (ManageOrderHistory, true, false),
        (PurchaseSoftware, true, false),
        (BillDirectly, true, false),
        (AddProducts, true, false),
        (ViewProducts, true, false),
        (ViewSubscriptions, true, true),
        (ManageLicenses, true, true),
        (ManageUsers, true, true),
        (HandleRenewals, true, true),
    ];

    /// R23a written out: the roles that may take each action.
    const R23A: &[(Action, &[Role])] = &[
        (CreateOrder, &[GlobalAdmin, AdminAgent, SalesAgent]),
        (AddProducts, &[GlobalAdmin, AdminAgent, SalesAgent]),
        (PurchaseSoftware, &[GlobalAdmin, AdminAgent, SalesAgent]),
        (HandleRenewals, &[GlobalAdmin, AdminAgent, SalesAgent]),
        (ManageAzureReservations, &[GlobalAdmin, AdminAgent]),
        (ManageLicenses, &[GlobalAdmin, AdminAgent]),
        (ManageUsers, &[GlobalAdmin, AdminAgent]),
        (
            ManageOrderHistory,
            &[GlobalAdmin, AdminAgent, SalesAgent, BillingAdmin],
        ),
        (BillDirectly, &[GlobalAdmin, BillingAdmin]),
        (
            ViewProducts,
            &[
                GlobalAdmin,
                AdminAgent,
                SalesAgent,
                BillingAdmin,
                HelpdeskAgent,
            ],
        ),
        (
            ViewSubscriptions,
            &[
                GlobalAdmin,
                AdminAgent,
                SalesAgent,
                BillingAdmin,
                HelpdeskAgent,
            ],
        ),
    ];

    /// R23a: the indirect-only denials that name the provider instead of direct bill.
    const ORDERED_BY_PROVIDER: &[Action] = &[CreateOrder, AddProducts];

    fn r23_row(action: Action) -> (bool, bool) {
        let rows: Vec<_> = R23.iter().filter(|(a, _, _)| *a == action).collect();
        assert_eq!(rows.len(), 1, "{action:?} must be in R23 exactly once");
        (rows[0].1, rows[0].2)
    }

    fn r23a_roles(action: Action) -> &'static [Role] {
        let rows: Vec<_> = R23A.iter().filter(|(a, _)| *a == action).collect();
        assert_eq!(rows.len(), 1, "{action:?} must be in R23a exactly once");
        rows[0].1
    }

    /// The expected reason, from the literal tables only (R23a precedence).
    fn expected(relationship: Option<Relationship>, roles: &[Role], action: Action) -> Reason {
        let Some(relationship) = relationship else {
            return Reason::NoRelationship;
        };
        let (direct, indirect) = r23_row(action);
        let by_relationship = match relationship {
            Relationship::DirectBill => direct,
            Relationship::IndirectReseller => indirect,
        };
        if !by_relationship {
            return if ORDERED_BY_PROVIDER.contains(&action) {
                Reason::OrderedByProvider
            } else {
                Reason::DirectBillOnly
            };
        }
        if roles.iter().any(|r| r23a_roles(action).contains(r)) {
            Reason::Permitted
        } else {
            Reason::RoleNotPermitted
        }
    }

    fn relationships_and_none() -> impl Iterator<Item = Option<Relationship>> {
        std::iter::once(None).chain(Relationship::ALL.into_iter().map(Some))
    }

    #[test]
    fn tables_cover_every_action_once() {
        assert_eq!(R23.len(), Action::ALL.len());
        assert_eq!(R23A.len(), Action::ALL.len());
        for action in Action::ALL {
            r23_row(action);
            r23a_roles(action);
        }
        // R23: the table rows are in Action::ALL order.
        let order: Vec<Action> = R23.iter().map(|(a, _, _)| *a).collect();
        assert_eq!(order, Action::ALL.to_vec());
    }

    #[test]
    fn r23_relationship_table_for_global_admin() {
        for &(action, direct, indirect) in R23 {
            let d = decide(Some(Relationship::DirectBill), &[GlobalAdmin], action);
            assert_eq!(d.allowed, direct, "R23 direct bill {action:?}: {d:?}");
            let i = decide(Some(Relationship::IndirectReseller), &[GlobalAdmin], action);
            assert_eq!(i.allowed, indirect, "R23 indirect {action:?}: {i:?}");
        }
    }

    #[test]
    fn r23a_role_table_for_every_role_on_direct_bill() {
        for &(action, roles) in R23A {
            for role in Role::ALL {
                let d = decide(Some(Relationship::DirectBill), &[role], action);
                let reason = if roles.contains(&role) {
                    Reason::Permitted
                } else {
                    Reason::RoleNotPermitted
                };
                assert_eq!(d.reason, reason, "R23a {action:?} as {role:?}");
                assert_eq!(
                    d.allowed,
                    roles.contains(&role),
                    "R23a {action:?} as {role:?}"
                );
                assert_eq!(d.action, action);
            }
        }
    }

    #[test]
    fn roles_outside_r23a_are_never_permitted() {
        for relationship in relationships_and_none() {
            for action in Action::ALL {
                let d = decide(
                    relationship,
                    &[ProgramAdmin, IncentiveAdmin, AccountAdmin],
                    action,
                );
                assert!(!d.allowed, "{relationship:?} {action:?}: {d:?}");
            }
        }
    }

    #[test]
    fn full_matrix_follows_r23a_precedence() {
        for relationship in relationships_and_none() {
            for role in Role::ALL {
                for action in Action::ALL {
                    let d = decide(relationship, &[role], action);
                    let reason = expected(relationship, &[role], action);
                    assert_eq!(d.reason, reason, "{relationship:?} {role:?} {action:?}");
                    assert_eq!(d.allowed, reason == Reason::Permitted);
                    assert_eq!(d.action, action);
                }
            }
        }
    }

    #[test]
    fn no_relationship_wins_over_everything() {
        for action in Action::ALL {
            for roles in [&[][..], &[GlobalAdmin], &Role::ALL] {
                assert_eq!(decide(None, roles, action).reason, Reason::NoRelationship);
            }
        }
    }

    #[test]
    fn relationship_type_wins_over_role_on_indirect() {
        let indirect = Some(Relationship::IndirectReseller);
        for roles in [&[][..], &[HelpdeskAgent], &Role::ALL] {
            for action in [CreateOrder, AddProducts] {
                assert_eq!(
                    decide(indirect, roles, action).reason,
                    Reason::OrderedByProvider
                );
            }
            for action in [
                ManageAzureReservations,
                ManageOrderHistory,
                PurchaseSoftware,
                BillDirectly,
                ViewProducts,
            ] {
                assert_eq!(
                    decide(indirect, roles, action).reason,
                    Reason::DirectBillOnly
                );
            }
        }
    }

    #[test]
    fn no_roles_are_never_permitted() {
        for relationship in Relationship::ALL {
            for action in Action::ALL {
                let d = decide(Some(relationship), &[], action);
                assert!(!d.allowed);
                assert_eq!(d.reason, expected(Some(relationship), &[], action));
            }
        }
    }

    #[test]
    fn multiple_roles_combine() {
        let direct = Some(Relationship::DirectBill);
        let helpdesk_billing = [HelpdeskAgent, BillingAdmin];
        assert!(decide(direct, &helpdesk_billing, BillDirectly).allowed);
        assert!(decide(direct, &helpdesk_billing, ViewProducts).allowed);
        assert!(decide(direct, &helpdesk_billing, ManageOrderHistory).allowed);
        let order = decide(direct, &helpdesk_billing, CreateOrder);
        assert_eq!(order.reason, Reason::RoleNotPermitted);
        // Duplicates and order do not matter.
        assert!(
            decide(
                direct,
                &[BillingAdmin, HelpdeskAgent, BillingAdmin],
                BillDirectly
            )
            .allowed
        );
    }

    #[test]
    fn any_role_pair_permits_what_either_role_permits() {
        for relationship in relationships_and_none() {
            for a in Role::ALL {
                for b in Role::ALL {
                    for action in Action::ALL {
                        let d = decide(relationship, &[a, b], action);
                        assert_eq!(d.reason, expected(relationship, &[a, b], action));
                        let either = decide(relationship, &[a], action).allowed
                            || decide(relationship, &[b], action).allowed;
                        assert_eq!(d.allowed, either, "{relationship:?} {a:?}+{b:?} {action:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn evaluate_lists_every_action_in_r23_order() {
        for relationship in relationships_and_none() {
            for roles in [
                &[][..],
                &[SalesAgent],
                &[AdminAgent, SalesAgent],
                &Role::ALL,
            ] {
                let all = evaluate(relationship, roles);
                let actions: Vec<Action> = all.iter().map(|d| d.action).collect();
                assert_eq!(actions, Action::ALL.to_vec());
                for d in all {
                    assert_eq!(d, decide(relationship, roles, d.action));
                }
            }
        }
    }

    #[test]
    fn names_round_trip() {
        let relationships = [
            (Relationship::DirectBill, "direct_bill"),
            (Relationship::IndirectReseller, "indirect_reseller"),
        ];
        for (relationship, name) in relationships {
            assert_eq!(relationship.name(), name);
            assert_eq!(Relationship::from_name(name), Some(relationship));
        }
        assert_eq!(relationships.len(), Relationship::ALL.len());

        let actions = [
            (CreateOrder, "create_order"),
            (ManageAzureReservations, "manage_azure_reservations"),
            (ManageOrderHistory, "manage_order_history"),
            (PurchaseSoftware, "purchase_software"),
            (BillDirectly, "bill_directly"),
            (AddProducts, "add_products"),
            (ViewProducts, "view_products"),
            (ViewSubscriptions, "view_subscriptions"),
            (ManageLicenses, "manage_licenses"),
            (ManageUsers, "manage_users"),
            (HandleRenewals, "handle_renewals"),
        ];
        for (action, name) in actions {
            assert_eq!(action.name(), name);
            assert_eq!(Action::from_name(name), Some(action));
        }
        assert_eq!(actions.map(|(a, _)| a), Action::ALL);

        let reasons = [
            (Reason::Permitted, "permitted"),
            (Reason::DirectBillOnly, "direct_bill_only"),
            (Reason::OrderedByProvider, "ordered_by_provider"),
            (Reason::RoleNotPermitted, "role_not_permitted"),
            (Reason::NoRelationship, "no_relationship"),
        ];
        for (reason, name) in reasons {
            assert_eq!(reason.name(), name);
        }

        for unknown in [
            "",
            "CreateOrder",
            "create-order",
            "Direct_Bill",
            "view_product",
        ] {
            assert_eq!(Action::from_name(unknown), None);
            assert_eq!(Relationship::from_name(unknown), None);
        }
    }

    #[test]
    fn provider_may_order_only_for_indirect_customers_r24() {
        for action in Action::ALL {
            let ordering = matches!(action, CreateOrder | AddProducts);
            assert_eq!(
                provider_may(Some(Relationship::IndirectReseller), action),
                ordering
            );
            // R21: no ordering for a direct bill customer until it has moved.
            assert!(!provider_may(Some(Relationship::DirectBill), action));
            assert!(!provider_may(None, action));
        }
    }

    #[test]
    fn provider_orders_exactly_where_the_partner_is_told_ordered_by_provider() {
        for role in Role::ALL {
            for action in Action::ALL {
                let d = decide(Some(Relationship::IndirectReseller), &[role], action);
                assert_eq!(
                    d.reason == Reason::OrderedByProvider,
                    provider_may(Some(Relationship::IndirectReseller), action),
                    "R24 vs R23a {action:?}"
                );
            }
        }
    }

    /// R33 written out: the Entra roles that cover each admin action.
    const R33: &[(Action, &[AdminRole])] = &[
        (
            ManageUsers,
            &[AdminRole::GlobalAdministrator, AdminRole::UserAdministrator],
        ),
        (
            ManageLicenses,
            &[
                AdminRole::GlobalAdministrator,
                AdminRole::UserAdministrator,
                AdminRole::LicenseAdministrator,
            ],
        ),
    ];

    /// The expected reason with admin relationships, from the literal tables only (R33 order).
    fn expected_r33(
        relationship: Option<Relationship>,
        admin: &AdminGrant,
        roles: &[Role],
        action: Action,
    ) -> Reason {
        let without_admin = expected(relationship, roles, action);
        let relationship_decided = matches!(
            without_admin,
            Reason::NoRelationship | Reason::OrderedByProvider | Reason::DirectBillOnly
        );
        let Some((_, covering)) = R33.iter().find(|(a, _)| *a == action) else {
            return without_admin;
        };
        if relationship_decided {
            without_admin
        } else if !admin.active {
            Reason::AdminRelationshipInactive
        } else if !admin.roles.iter().any(|r| covering.contains(r)) {
            Reason::AdminRoleMissing
        } else {
            without_admin
        }
    }

    /// Every subset of the catalogue, granted or not.
    fn grants() -> Vec<AdminGrant> {
        let mut out = Vec::new();
        for bits in 0u32..(1 << AdminRole::ALL.len()) {
            let roles: Vec<AdminRole> = AdminRole::ALL
                .into_iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .map(|(_, r)| r)
                .collect();
            for active in [false, true] {
                out.push(AdminGrant {
                    active,
                    roles: roles.clone(),
                });
            }
        }
        out
    }

    #[test]
    fn r33_full_matrix_of_relationship_admin_state_admin_roles_caller_role_and_action() {
        let grants = grants();
        assert_eq!(grants.len(), 128);
        for relationship in relationships_and_none() {
            for admin in &grants {
                for role in Role::ALL {
                    let all = super::evaluate(relationship, admin, &[role]);
                    for (d, action) in all.iter().zip(Action::ALL) {
                        let reason = expected_r33(relationship, admin, &[role], action);
                        assert_eq!(
                            d.reason, reason,
                            "{relationship:?} {admin:?} {role:?} {action:?}"
                        );
                        assert_eq!(d.allowed, reason == Reason::Permitted);
                        assert_eq!(*d, super::decide(relationship, admin, &[role], action));
                    }
                }
            }
        }
    }

    #[test]
    fn r33_examples_of_each_admin_reason() {
        let direct = Some(Relationship::DirectBill);
        let indirect = Some(Relationship::IndirectReseller);
        let none = AdminGrant::default();
        let expired = AdminGrant {
            active: false,
            roles: vec![AdminRole::UserAdministrator],
        };
        let licenses = AdminGrant {
            active: true,
            roles: vec![AdminRole::LicenseAdministrator],
        };
        // The relationship type comes first; other actions need no admin relationship.
        let cases: [(Option<Relationship>, &AdminGrant, Role, Action, Reason); 8] = [
            (
                indirect,
                &none,
                GlobalAdmin,
                ManageUsers,
                Reason::AdminRelationshipInactive,
            ),
            (
                direct,
                &expired,
                GlobalAdmin,
                ManageLicenses,
                Reason::AdminRelationshipInactive,
            ),
            (
                indirect,
                &licenses,
                GlobalAdmin,
                ManageUsers,
                Reason::AdminRoleMissing,
            ),
            (
                indirect,
                &licenses,
                GlobalAdmin,
                ManageLicenses,
                Reason::Permitted,
            ),
            (
                indirect,
                &licenses,
                SalesAgent,
                ManageLicenses,
                Reason::RoleNotPermitted,
            ),
            (
                indirect,
                &none,
                GlobalAdmin,
                CreateOrder,
                Reason::OrderedByProvider,
            ),
            (direct, &none, GlobalAdmin, CreateOrder, Reason::Permitted),
            (
                None,
                &none,
                GlobalAdmin,
                ManageUsers,
                Reason::NoRelationship,
            ),
        ];
        for (relationship, admin, role, action, reason) in cases {
            let d = super::decide(relationship, admin, &[role], action);
            assert_eq!(
                d.reason, reason,
                "{relationship:?} {admin:?} {role:?} {action:?}"
            );
        }
        assert_eq!(
            Reason::AdminRelationshipInactive.name(),
            "admin_relationship_inactive"
        );
        assert_eq!(Reason::AdminRoleMissing.name(), "admin_role_missing");
    }
}
