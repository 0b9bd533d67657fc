//! What the API answers with, where more than one module shows it: the handlers and the event
//! feed (`events::apply`) render a subject through the same type. DTOs depend on the domain
//! only, never on a handler (STYLE.md "Rooms that do not call upward").

pub mod admin_relationship;
pub mod agreement;
pub mod customer;
pub mod customer_invitation;
pub mod email;
pub mod enrollment;
pub mod incentive;
pub mod operation;
pub mod overview;
pub mod partner;
pub mod partnership;
pub mod provider;
pub mod time;
pub mod transition_plan;
pub mod webhook;

/// A body that may be left out or sent as `{}`: the steps that take no input.
#[derive(Debug, serde::Deserialize, validator::Validate, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}
