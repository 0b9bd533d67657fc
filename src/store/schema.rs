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
        body_sealed -> Nullable<Text>,
        event_id -> Nullable<Text>,
        delivery_status -> Text,
        attempts -> BigInt,
        next_attempt_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        tenant_id -> Text,
        sequence -> BigInt,
        event_type -> Text,
        occurred_at -> Timestamp,
        actor_sub -> Text,
        actor_tenant -> Text,
        actor_roles -> Text,
        request_id -> Text,
        subject_kind -> Text,
        subject_id -> Text,
        data -> Text,
    }
}

diesel::table! {
    providers (tenant_id) {
        tenant_id -> Text,
        name -> Text,
        contact_email -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    provider_regions (provider_id, region) {
        provider_id -> Text,
        region -> Text,
    }
}

diesel::table! {
    provider_services (provider_id, service) {
        provider_id -> Text,
        service -> Text,
    }
}

diesel::table! {
    partnership_invitations (id) {
        id -> Text,
        provider_id -> Text,
        partner_id -> Text,
        status -> Text,
        token_hash -> Text,
        message -> Nullable<Text>,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    provider_relationships (partner_id, provider_id) {
        partner_id -> Text,
        provider_id -> Text,
        established_at -> Timestamp,
    }
}

diesel::table! {
    customers (tenant_id) {
        tenant_id -> Text,
        company_name -> Text,
        domain -> Text,
        store_for_business -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    customer_relationships (partner_id, customer_id) {
        partner_id -> Text,
        customer_id -> Text,
        relationship -> Text,
        provider_id -> Nullable<Text>,
        delegated_admin -> Bool,
        since -> Timestamp,
    }
}

diesel::table! {
    provider_customers (provider_id, customer_id) {
        provider_id -> Text,
        customer_id -> Text,
        since -> Timestamp,
    }
}

diesel::table! {
    customer_invitations (id) {
        id -> Text,
        partner_id -> Text,
        provider_id -> Text,
        customer_id -> Nullable<Text>,
        kind -> Text,
        status -> Text,
        token_hash -> Text,
        link -> Text,
        email_to -> Nullable<Text>,
        email_subject -> Text,
        email_body -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
        admin_roles -> Nullable<Text>,
        admin_duration_days -> Nullable<BigInt>,
    }
}

diesel::table! {
    admin_relationships (id) {
        id -> Text,
        partner_id -> Text,
        customer_id -> Text,
        roles -> Text,
        duration_days -> BigInt,
        auto_extend -> Bool,
        status -> Text,
        approval_token_hash -> Nullable<Text>,
        approval_expires_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        activated_at -> Nullable<Timestamp>,
        first_end -> Nullable<Timestamp>,
        terminated_at -> Nullable<Timestamp>,
        terminated_by -> Nullable<Text>,
    }
}

diesel::joinable!(customer_relationships -> customers (customer_id));
diesel::joinable!(provider_relationships -> providers (provider_id));
diesel::joinable!(provider_relationships -> partners (partner_id));
diesel::allow_tables_to_appear_in_same_query!(
    admin_relationships,
    customers,
    customer_relationships,
    providers,
    provider_relationships,
    provider_regions,
    provider_services,
    partners,
);

diesel::table! {
    idempotency_keys (tenant_id, subject, idempotency_key) {
        tenant_id -> Text,
        subject -> Text,
        idempotency_key -> Text,
        fingerprint -> Text,
        claim -> Text,
        claimed_at -> Timestamp,
        answer -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        tenant_id -> Text,
        url -> Text,
        event_types -> Text,
        description -> Nullable<Text>,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        secret_sealed -> Text,
        previous_secret_sealed -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        failing_since -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        tenant_id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        event_type -> Text,
        status -> Text,
        attempts -> BigInt,
        last_status_code -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        next_attempt_at -> Nullable<Timestamp>,
        delivered_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        tenant_id -> Text,
        attempted_at -> Timestamp,
        status_code -> Nullable<BigInt>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::allow_tables_to_appear_in_same_query!(webhook_endpoints, webhook_deliveries, events);

diesel::table! {
    transition_plans (id) {
        id -> Text,
        partner_id -> Text,
        provider_id -> Text,
        status -> Text,
        admin_roles -> Nullable<Text>,
        message -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    transition_plan_items (plan_id, customer_id) {
        plan_id -> Text,
        customer_id -> Text,
        company_name -> Text,
        outcome -> Text,
        reason -> Nullable<Text>,
        position -> BigInt,
        state -> Nullable<Text>,
        invitation_id -> Nullable<Text>,
        error_code -> Nullable<Text>,
        error_detail -> Nullable<Text>,
    }
}

diesel::table! {
    operations (id) {
        id -> Text,
        tenant_id -> Text,
        kind -> Text,
        plan_id -> Text,
        status -> Text,
        actor_sub -> Text,
        actor_tenant -> Text,
        actor_roles -> Text,
        request_id -> Text,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}
