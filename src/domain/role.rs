//! Roles a person holds in a tenant (DOMAIN.md, "Roles").

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    GlobalAdmin,
    AccountAdmin,
    AdminAgent,
    SalesAgent,
    BillingAdmin,
    IncentiveAdmin,
    HelpdeskAgent,
    /// Operator actions; counts only when the tenant is the operator tenant.
    ProgramAdmin,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::GlobalAdmin,
        Role::AccountAdmin,
        Role::AdminAgent,
        Role::SalesAgent,
        Role::BillingAdmin,
        Role::IncentiveAdmin,
        Role::HelpdeskAgent,
        Role::ProgramAdmin,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::GlobalAdmin => "GlobalAdmin",
            Role::AccountAdmin => "AccountAdmin",
            Role::AdminAgent => "AdminAgent",
            Role::SalesAgent => "SalesAgent",
            Role::BillingAdmin => "BillingAdmin",
            Role::IncentiveAdmin => "IncentiveAdmin",
            Role::HelpdeskAgent => "HelpdeskAgent",
            Role::ProgramAdmin => "ProgramAdmin",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_name(role.name()), Some(role));
        }
        assert_eq!(Role::from_name("globaladmin"), None);
    }
}
