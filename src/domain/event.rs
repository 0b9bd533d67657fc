//! R34: every state change is one typed event. The `type` values are stable (API.md "Events").

macro_rules! closed_set {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            pub fn from_name(name: &str) -> Option<$name> {
                match name { $($text => Some($name::$variant),)* _ => None }
            }
        }
    };
}

closed_set! {
    /// What happened. Admin relationship, plan, operation and webhook types are reserved for the
    /// work that brings them (API.md lists them all).
    EventType {
        PartnerRegistered => "partner.registered",
        PartnerUpdated => "partner.updated",
        ProviderRegistered => "provider.registered",
        EnrollmentSubmitted => "enrollment.submitted",
        EnrollmentApproved => "enrollment.approved",
        EnrollmentRejected => "enrollment.rejected",
        EnrollmentWithdrawn => "enrollment.withdrawn",
        AgreementAccepted => "agreement.accepted",
        IncentiveInvited => "incentive.invited",
        IncentiveEnrolled => "incentive.enrolled",
        PartnershipInvitationCreated => "partnership_invitation.created",
        PartnershipInvitationAccepted => "partnership_invitation.accepted",
        PartnershipInvitationDeclined => "partnership_invitation.declined",
        CustomerCreated => "customer.created",
        CustomerInvitationCreated => "customer_invitation.created",
        CustomerInvitationEmailEdited => "customer_invitation.email_edited",
        CustomerInvitationSent => "customer_invitation.sent",
        CustomerInvitationRevoked => "customer_invitation.revoked",
        CustomerInvitationAccepted => "customer_invitation.accepted",
        CustomerRelationshipChanged => "customer.relationship_changed",
        AdminRelationshipCreated => "admin_relationship.created",
        AdminRelationshipActivated => "admin_relationship.activated",
        AdminRelationshipTerminated => "admin_relationship.terminated",
        TransitionPlanCreated => "transition_plan.created",
        OperationFinished => "operation.finished",
        WebhookEndpointDisabled => "webhook_endpoint.disabled",
        WebhookTest => "webhook.test",
    }
}

closed_set! {
    /// What an event is about.
    SubjectKind {
        Partner => "partner",
        Provider => "provider",
        Enrollment => "enrollment",
        Agreement => "agreement",
        Incentive => "incentive",
        PartnershipInvitation => "partnership_invitation",
        Customer => "customer",
        CustomerInvitation => "customer_invitation",
        AdminRelationship => "admin_relationship",
        TransitionPlan => "transition_plan",
        Operation => "operation",
        WebhookEndpoint => "webhook_endpoint",
    }
}

impl EventType {
    /// The kind of subject an event of this type is about.
    pub fn subject_kind(self) -> SubjectKind {
        use EventType::*;
        match self {
            PartnerRegistered | PartnerUpdated => SubjectKind::Partner,
            ProviderRegistered => SubjectKind::Provider,
            EnrollmentSubmitted | EnrollmentApproved | EnrollmentRejected | EnrollmentWithdrawn => {
                SubjectKind::Enrollment
            }
            AgreementAccepted => SubjectKind::Agreement,
            IncentiveInvited | IncentiveEnrolled => SubjectKind::Incentive,
            PartnershipInvitationCreated
            | PartnershipInvitationAccepted
            | PartnershipInvitationDeclined => SubjectKind::PartnershipInvitation,
            CustomerCreated | CustomerRelationshipChanged => SubjectKind::Customer,
            CustomerInvitationCreated
            | CustomerInvitationEmailEdited
            | CustomerInvitationSent
            | CustomerInvitationRevoked
            | CustomerInvitationAccepted => SubjectKind::CustomerInvitation,
            AdminRelationshipCreated | AdminRelationshipActivated | AdminRelationshipTerminated => {
                SubjectKind::AdminRelationship
            }
            TransitionPlanCreated => SubjectKind::TransitionPlan,
            OperationFinished => SubjectKind::Operation,
            WebhookEndpointDisabled | WebhookTest => SubjectKind::WebhookEndpoint,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r34_event_types_are_the_27_of_the_contract_and_round_trip() {
        assert_eq!(EventType::ALL.len(), 27);
        for t in EventType::ALL {
            assert_eq!(EventType::from_name(t.name()), Some(*t));
            let kind = t.subject_kind().name();
            // `webhook.test` is about the endpoint it tests.
            let about_itself = t.name().starts_with(kind) || *t == EventType::WebhookTest;
            assert!(about_itself, "{} is about a {kind}", t.name());
        }
        for k in SubjectKind::ALL {
            assert_eq!(SubjectKind::from_name(k.name()), Some(*k));
        }
        assert_eq!(EventType::from_name("partnership.invited"), None);
    }
}
