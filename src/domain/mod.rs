//! The business rules (R1..R30 of DOMAIN.md): pure types, state machines and policy.
//! Nothing here does IO; time and ids are passed in.

pub mod access;
pub mod admin_grant;
pub mod admin_relationship;
pub mod agreement;
pub mod business_days;
pub mod capability;
pub mod customer;
pub mod customer_invitation;
pub mod delivery;
pub mod enrollment;
pub mod error;
pub mod event;
pub mod incentive;
pub mod invitation;
pub mod notification;
pub mod operation;
pub mod outcome;
pub mod overview;
pub mod partner;
pub mod partnership;
pub mod program;
pub mod provider;
pub mod region;
pub mod role;
pub mod transition_plan;
pub mod values;
pub mod webhook;

pub use error::DomainError;
