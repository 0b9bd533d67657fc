//! The domain's closed sets as the API writes them: each is a named string enum in the OpenAPI
//! (so generated clients get real types) and serialises as its `name()`. The values come from
//! the domain's own `ALL` and `name()`, so a set is written down once.

use std::borrow::Cow;

use serde::{Serialize, Serializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::admin_relationship::{AdminRole, AdminStatus, Side};
use crate::domain::capability::{Action, Reason, Relationship};
use crate::domain::enrollment::{EnrollmentStatus, NextStep};
use crate::domain::event::{EventType, SubjectKind};
use crate::domain::invitation::{
    CustomerInvitationKind, CustomerInvitationStatus, PartnershipStatus,
};
use crate::domain::notification::{MailStatus, NotificationKind};
use crate::domain::operation::{OperationKind, OperationStatus};
use crate::domain::overview::DeadlineKind;
use crate::domain::program::Program;
use crate::domain::provider::Service;
use crate::domain::role::Role;
use crate::domain::transition_plan::{BlockedReason, PlanOutcome, PlanStatus};
use crate::domain::webhook::{DeliveryStatus, DisabledReason};

fn string_enum(description: &str, names: impl IntoIterator<Item = &'static str>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(names))
        .into()
}

macro_rules! closed_sets {
    ($($ty:ty => ($name:literal, $description:literal)),* $(,)?) => {
        $(
            impl PartialSchema for $ty {
                fn schema() -> RefOr<Schema> {
                    string_enum($description, <$ty>::ALL.iter().map(|v| v.name()))
                }
            }

            impl ToSchema for $ty {
                fn name() -> Cow<'static, str> {
                    Cow::Borrowed($name)
                }
            }

            impl Serialize for $ty {
                fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.name())
                }
            }
        )*
    };
}

closed_sets! {
    Relationship => ("Relationship", "How the partner serves the customer (R13)."),
    Action => ("Action", "What a partner may do for a customer (R23)."),
    Reason => ("Reason", "Why an action is or is not allowed (R25)."),
    EnrollmentStatus => ("EnrollmentStatus", "The indirect reseller enrollment's state (R8)."),
    NextStep => ("NextStep", "What the partner should do next."),
    PartnershipStatus => ("PartnershipStatus", "A partnership invitation's state (R15)."),
    CustomerInvitationKind => ("CustomerInvitationKind", "A new customer, or a direct bill customer to move (R21)."),
    CustomerInvitationStatus => ("CustomerInvitationStatus", "A customer invitation's state (R17)."),
    NotificationKind => ("NotificationKind", "Which e-mail it is (R30)."),
    MailStatus => ("MailStatus", "Where an outbox e-mail is on its way (R30, R35)."),
    Program => ("Program", "A partner program (R11, R27)."),
    Service => ("Service", "What an indirect provider offers (R14)."),
    Role => ("Role", "A role a person holds in a tenant."),
    EventType => ("EventType", "What happened (R34)."),
    SubjectKind => ("SubjectKind", "What an event is about."),
    DeliveryStatus => ("DeliveryStatus", "Where a webhook delivery stands (R35)."),
    DisabledReason => ("DisabledReason", "Why a webhook endpoint is off: by hand, or failing for 3 days (R35)."),
    AdminRole => ("AdminRole", "A Microsoft Entra role an admin relationship grants (R31)."),
    AdminStatus => ("AdminRelationshipStatus", "An admin relationship's state; time decides `expiring` (the last 30 days) and `expired` (R31)."),
    Side => ("AdminRelationshipSide", "Which side ended an admin relationship (R32)."),
    PlanStatus => ("TransitionPlanStatus", "A transition plan's state (R36-R38)."),
    PlanOutcome => ("PlanOutcome", "What executing a plan does for one customer (R36)."),
    BlockedReason => ("PlanBlockedReason", "Why a plan cannot invite a customer: R22, already indirect (R21), an invitation open (R17)."),
    OperationKind => ("OperationKind", "What an operation does (R37)."),
    OperationStatus => ("OperationStatus", "An operation's state: `running` until every customer is handled (R37)."),
    DeadlineKind => ("DeadlineKind", "What an open date of the transition is: approval (R6), the incentive invitation (R26), a customer invitation's expiry (R17), an admin relationship's end (R31)."),
}

/// An item of a webhook endpoint's `event_types`: an event type, or `*` for every event (R35).
pub struct WebhookEventType;

impl PartialSchema for WebhookEventType {
    fn schema() -> RefOr<Schema> {
        string_enum(
            "An event type, or `*` for every event (R35).",
            std::iter::once("*").chain(EventType::ALL.iter().map(|t| t.name())),
        )
    }
}

impl ToSchema for WebhookEventType {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("WebhookEventType")
    }
}
