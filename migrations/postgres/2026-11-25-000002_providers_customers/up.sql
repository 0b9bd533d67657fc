-- Providers, partnerships, customers and customer invitations (R14-R22).

CREATE TABLE providers (
    tenant_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE provider_regions (
    provider_id TEXT NOT NULL REFERENCES providers (tenant_id),
    region TEXT NOT NULL,
    PRIMARY KEY (provider_id, region)
);
CREATE INDEX provider_regions_region ON provider_regions (region);

CREATE TABLE provider_services (
    provider_id TEXT NOT NULL REFERENCES providers (tenant_id),
    service TEXT NOT NULL,
    PRIMARY KEY (provider_id, service)
);
CREATE INDEX provider_services_service ON provider_services (service);

CREATE TABLE partnership_invitations (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES providers (tenant_id),
    partner_id TEXT NOT NULL REFERENCES partners (tenant_id),
    status TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    message TEXT,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX partnership_invitations_partner ON partnership_invitations (partner_id, id);

CREATE TABLE provider_relationships (
    partner_id TEXT NOT NULL REFERENCES partners (tenant_id),
    provider_id TEXT NOT NULL REFERENCES providers (tenant_id),
    established_at TIMESTAMP NOT NULL,
    PRIMARY KEY (partner_id, provider_id)
);
CREATE INDEX provider_relationships_provider ON provider_relationships (provider_id, partner_id);

CREATE TABLE customers (
    tenant_id TEXT PRIMARY KEY,
    company_name TEXT NOT NULL,
    domain TEXT NOT NULL,
    store_for_business BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- How a partner is tied to a customer: at most one row per pair.
CREATE TABLE customer_relationships (
    partner_id TEXT NOT NULL REFERENCES partners (tenant_id),
    customer_id TEXT NOT NULL REFERENCES customers (tenant_id),
    relationship TEXT NOT NULL,
    provider_id TEXT REFERENCES providers (tenant_id),
    delegated_admin BOOLEAN NOT NULL,
    since TIMESTAMP NOT NULL,
    PRIMARY KEY (partner_id, customer_id)
);

-- R16: the provider's own reseller relationship with the customer.
CREATE TABLE provider_customers (
    provider_id TEXT NOT NULL REFERENCES providers (tenant_id),
    customer_id TEXT NOT NULL REFERENCES customers (tenant_id),
    since TIMESTAMP NOT NULL,
    PRIMARY KEY (provider_id, customer_id)
);

CREATE TABLE customer_invitations (
    id TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL REFERENCES partners (tenant_id),
    provider_id TEXT NOT NULL REFERENCES providers (tenant_id),
    customer_id TEXT,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    link TEXT NOT NULL,
    email_to TEXT,
    email_subject TEXT NOT NULL,
    email_body TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX customer_invitations_partner ON customer_invitations (partner_id, id);

-- One open invitation per pair, whichever replica writes it (expired ones are closed first).
CREATE UNIQUE INDEX partnership_invitations_one_pending ON partnership_invitations (provider_id, partner_id)
    WHERE status = 'pending';
CREATE UNIQUE INDEX customer_invitations_one_open ON customer_invitations (partner_id, customer_id)
    WHERE status IN ('draft', 'sent') AND customer_id IS NOT NULL;
