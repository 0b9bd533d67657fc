//! Table definitions, written by hand to match both migration sets.

diesel::table! {
    partners (tenant_id) {
        tenant_id -> Text,
        company_name -> Text,
        region -> Text,
        mpn_id -> Nullable<Text>,
        primary_contact_email -> Nullable<Text>,
        mpn_account_email -> Nullable<Text>,
        direct_bill -> Bool,
        offboarding_identified -> Bool,
        indirect_reseller -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    enrollments (id) {
        id -> Text,
        partner_id -> Text,
        status -> Text,
        submitted_by -> Text,
        submitted_at -> Timestamp,
        primary_contact_email -> Text,
        approval_due_by -> Timestamp,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
        rejection_reason -> Nullable<Text>,
    }
}

diesel::table! {
    agreement_acceptances (id) {
        id -> Text,
        partner_id -> Text,
        agreement_version -> Text,
        accepted_by -> Text,
        accepted_at -> Timestamp,
    }
}

diesel::table! {
    incentive_invitations (id) {
        id -> Text,
        partner_id -> Text,
        program -> Text,
        sent_to -> Text,
        issued_at -> Timestamp,
        expected_by -> Timestamp,
    }
}

diesel::table! {
    incentive_enrollments (id) {
        id -> Text,
        partner_id -> Text,
        program -> Text,
        enrolled_by -> Text,
        enrolled_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        tenant_id -> Text,
        kind -> Text,
        to_address -> Text,
        subject -> Text,
        body -> Text,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        tenant_id -> Text,
        at -> Timestamp,
        actor_sub -> Text,
        actor_tenant -> Text,
        actor_roles -> Text,
        action -> Text,
        subject -> Text,
        request_id -> Text,
    }
}
