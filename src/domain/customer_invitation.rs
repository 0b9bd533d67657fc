//! Customer invitation commands (R16-R18, R21, R22, R30): each decides its whole outcome over a
//! context read in the write transaction.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DomainError;
use super::admin_grant;
use super::admin_relationship::AdminRelationship;
use super::customer::{self, Customer, CustomerRelationship, Domain, PartnerCustomer};
use super::event::EventType;
use super::invitation::{CustomerInvitation, CustomerInvitationDraft, CustomerInvitationStatus};
use super::notification::{Notification, NotificationKind};
use super::outcome::{Change, Event, Outcome, Subject};
use super::partner::Partner;
use super::provider::Provider;
use super::values::{CompanyName, TenantId};

/// The customer a draft names, as the partner sees it (R28).
#[derive(Debug, Clone)]
pub enum Named {
    /// A new customer (no `customer_id`).
    New,
    Visible(Customer, CustomerRelationship),
    /// Not the partner's customer, or no customer at all.
    Unknown,
}

/// What drafting an invitation is decided on.
#[derive(Debug, Clone)]
pub struct DraftContext {
    /// R12: the partner, with the indirect reseller program on.
    pub partner: Partner,
    /// The provider, when it is one of the partner's indirect providers (R17).
    pub provider: Option<Provider>,
    pub customer: Named,
    /// The named customer's open invitation from this partner, if any.
    pub open: Option<CustomerInvitation>,
}

fn pending() -> DomainError {
    DomainError::InvitationPending("an open invitation for this customer exists".into())
}

/// R16, R17, R21, R22: draft one invitation for a new customer or a direct bill customer to move.
/// An open invitation past its expiry is closed first, so the customer can be invited again.
pub fn draft(
    ctx: DraftContext,
    d: CustomerInvitationDraft,
) -> Result<Outcome<CustomerInvitation>, DomainError> {
    let provider = ctx.provider.ok_or(DomainError::NoProviderRelationship)?;
    let name = match &ctx.customer {
        Named::New => None,
        Named::Visible(c, r) => {
            customer::check_can_become_indirect(Some(c), Some(r))?;
            Some(c.company_name.as_str())
        }
        Named::Unknown => return Err(DomainError::NotFound("no such customer".into())),
    };
    let closed = match ctx.open {
        None => Outcome::new(()),
        Some(open) if open.effective_status(d.now).is_open() => return Err(pending()),
        Some(open) => Outcome::new(()).change(Change::UpdateCustomerInvitation {
            from: open.status,
            after: CustomerInvitation {
                status: CustomerInvitationStatus::Expired,
                ..open
            },
        }),
    };
    let inv = CustomerInvitation::draft(&ctx.partner, &provider, name, d);
    Ok(closed.then(
        Outcome::new(inv.clone())
            .change(Change::InsertCustomerInvitation(inv.clone()))
            .event(Event::new(
                EventType::CustomerInvitationCreated,
                vec![inv.partner_id],
                Subject::CustomerInvitation(inv),
            )),
    ))
}

/// One change of the partner's own invitation, seen by the partner.
fn changed(
    before: CustomerInvitationStatus,
    after: CustomerInvitation,
    event_type: EventType,
    email: Option<Notification>,
) -> Outcome<CustomerInvitation> {
    Outcome::new(after.clone())
        .change(Change::UpdateCustomerInvitation {
            after: after.clone(),
            from: before,
        })
        .event(
            Event::new(
                event_type,
                vec![after.partner_id],
                Subject::CustomerInvitation(after),
            )
            .sending(email),
        )
}

/// R17: the reseller edits the drafted e-mail; the link stays.
pub fn edit_email(
    inv: CustomerInvitation,
    subject: String,
    body: String,
    now: DateTime<Utc>,
) -> Result<Outcome<CustomerInvitation>, DomainError> {
    let before = inv.status;
    let after = inv.edit_email(subject, body, now)?;
    Ok(changed(
        before,
        after,
        EventType::CustomerInvitationEmailEdited,
        None,
    ))
}

/// R17, R30: "Done" sends the invitation; with a recipient the e-mail goes out as written.
pub fn send(
    inv: CustomerInvitation,
    email_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Outcome<CustomerInvitation>, DomainError> {
    let before = inv.status;
    let sent = inv.mark_sent(now)?;
    let email = sent.email.to.clone().map(|to| Notification {
        id: email_id,
        tenant_id: sent.partner_id,
        kind: NotificationKind::CustomerInvitation,
        to,
        subject: sent.email.subject.clone(),
        body: sent.email.body.clone(),
        created_at: now,
    });
    Ok(changed(
        before,
        sent,
        EventType::CustomerInvitationSent,
        email,
    ))
}

/// The link of a revoked invitation stops working.
pub fn revoke(
    inv: CustomerInvitation,
    now: DateTime<Utc>,
) -> Result<Outcome<CustomerInvitation>, DomainError> {
    let before = inv.status;
    let revoked = inv.revoke(now)?;
    Ok(changed(
        before,
        revoked,
        EventType::CustomerInvitationRevoked,
        None,
    ))
}

/// What accepting a link is decided on, read after the partner is locked.
#[derive(Debug, Clone)]
pub struct AcceptContext {
    pub invitation: CustomerInvitation,
    /// The inviting partner, told by e-mail.
    pub partner: Partner,
    /// R16: whether the accepting tenant is a partner or a provider (neither may accept).
    pub tenant_is_partner: bool,
    pub tenant_is_provider: bool,
    pub customer: Option<Customer>,
    pub relationship: Option<CustomerRelationship>,
    /// The partner's admin relationships with the accepting tenant (R31).
    pub admin: Vec<AdminRelationship>,
}

/// The accepting customer's answer; a new customer names itself.
#[derive(Debug, Clone)]
pub struct AcceptForm {
    pub token_hash: String,
    pub tenant: TenantId,
    pub company_name: Option<CompanyName>,
    pub domain: Option<Domain>,
    pub email_id: Uuid,
    /// The admin relationship accepting grants (R32).
    pub grant_id: Uuid,
    pub now: DateTime<Utc>,
}

/// R16, R18, R21, R22, R32: the customer's GlobalAdmin authorises reseller and provider. The
/// link is used up (the conditional update comes first), a new customer is created, the partner
/// becomes its indirect reseller and holds the invitation's admin roles, the provider gets its
/// reseller relationship, and the partner is told.
pub fn accept(
    ctx: AcceptContext,
    form: AcceptForm,
) -> Result<Outcome<PartnerCustomer>, DomainError> {
    let AcceptForm { tenant, now, .. } = form;
    let before = ctx.invitation.status;
    let after = ctx.invitation.accept(&form.token_hash, tenant, now)?;
    customer::check_is_customer_tenant(ctx.tenant_is_partner, ctx.tenant_is_provider)?;
    // R21, R22: checked on what the customer is now, whatever the invitation said.
    customer::check_can_become_indirect(ctx.customer.as_ref(), ctx.relationship.as_ref())?;
    let mut outcome = Outcome::new(()).change(Change::UpdateCustomerInvitation {
        after: after.clone(),
        from: before,
    });
    let (c, created) = match ctx.customer {
        Some(c) => (c, false),
        None => {
            let c = new_customer(tenant, form.company_name, form.domain, now)?;
            outcome = outcome.change(Change::InsertCustomer(c.clone()));
            (c, true)
        }
    };
    let r = customer::become_indirect(tenant, after.partner_id, after.provider_id, now);
    let grant = admin_grant::grant(
        form.grant_id,
        after.partner_id,
        tenant,
        after.admin_request(),
        now,
    )?;
    // R34: a new customer is created; an existing one changes relationship.
    let change = if created {
        EventType::CustomerCreated
    } else {
        EventType::CustomerRelationshipChanged
    };
    let email = customer_accepted(&ctx.partner, &c, form.email_id, now);
    let mut admin = ctx.admin;
    admin.push(grant.value.clone());
    let pc = PartnerCustomer {
        customer: c,
        relationship: r.clone(),
        admin,
    };
    Ok(outcome
        .change(Change::PutCustomerRelationship(r))
        .change(Change::LinkProviderCustomer {
            provider: after.provider_id,
            customer: tenant,
            at: now,
        })
        .event(Event::new(
            change,
            vec![tenant, after.partner_id],
            Subject::Customer(pc.clone()),
        ))
        .then(grant)
        .event(
            Event::new(
                EventType::CustomerInvitationAccepted,
                vec![after.partner_id, tenant, after.provider_id],
                Subject::CustomerInvitation(after),
            )
            .sending(email),
        )
        .map(|_| pc))
}

/// A customer tenant accepting for the first time must name itself.
fn new_customer(
    tenant: TenantId,
    company_name: Option<CompanyName>,
    domain: Option<Domain>,
    now: DateTime<Utc>,
) -> Result<Customer, DomainError> {
    match (company_name, domain) {
        (Some(company_name), Some(domain)) => Ok(Customer {
            tenant_id: tenant,
            company_name,
            domain,
            store_for_business: false,
            created_at: now,
        }),
        (name, domain) => {
            let missing = [
                ("company_name", name.is_none()),
                ("domain", domain.is_none()),
            ];
            Err(DomainError::NewCustomerDetailsMissing(
                missing.iter().filter(|m| m.1).map(|m| m.0).collect(),
            ))
        }
    }
}

/// R30: the partner's primary contact learns that the customer accepted.
fn customer_accepted(
    partner: &Partner,
    c: &Customer,
    id: Uuid,
    now: DateTime<Utc>,
) -> Option<Notification> {
    let to = partner.primary_contact_email.clone()?;
    let name = c.company_name.as_str();
    Some(Notification {
        id,
        tenant_id: partner.tenant_id,
        kind: NotificationKind::CustomerAccepted,
        to,
        subject: format!("{name} accepted your invitation"),
        body: format!(
            "{name} authorised you and your provider as resellers of record. You now manage its \
             subscriptions, licenses and users."
        ),
        created_at: now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::admin_relationship::{AdminDuration, AdminRole, AdminStatus};
    use crate::domain::capability::Relationship;
    use crate::domain::partner::tests::partner;
    use crate::domain::provider::{Service, regions};
    use crate::domain::values::Email;
    use chrono::Duration;

    fn t(n: u128) -> TenantId {
        TenantId::from_uuid(Uuid::from_u128(n))
    }

    fn provider() -> Provider {
        Provider {
            tenant_id: t(9),
            name: CompanyName::parse("Distri").expect("name"),
            regions: regions(&["DE".into()]).expect("regions"),
            services: vec![Service::Marketing],
            contact_email: Email::parse("p@distri.com").expect("email"),
            created_at: Utc::now(),
        }
    }

    fn customer(store_for_business: bool) -> Customer {
        Customer {
            tenant_id: t(77),
            company_name: CompanyName::parse("Fourth Coffee").expect("name"),
            domain: Domain::parse("fourthcoffee.onmicrosoft.com").expect("domain"),
            store_for_business,
            created_at: Utc::now(),
        }
    }

    fn relationship(kind: Relationship) -> CustomerRelationship {
        CustomerRelationship {
            customer_id: t(77),
            partner_id: partner().tenant_id,
            relationship: kind,
            provider_id: None,
            since: Utc::now(),
        }
    }

    fn form(customer: Option<TenantId>, n: u128, now: DateTime<Utc>) -> CustomerInvitationDraft {
        CustomerInvitationDraft {
            id: Uuid::from_u128(n),
            customer_id: customer,
            to: Some(Email::parse("admin@fourthcoffee.example").expect("email")),
            token_hash: "hash".into(),
            link: format!("https://csp.example/v1/customer-invitations/{n}?token=tok"),
            now,
            admin_roles: vec![AdminRole::UserAdministrator],
            admin_duration: AdminDuration::from_days(90).expect("days"),
            note: None,
        }
    }

    fn context(customer: Named, open: Option<CustomerInvitation>) -> DraftContext {
        let mut p = partner();
        p.indirect_reseller = true;
        DraftContext {
            partner: p,
            provider: Some(provider()),
            customer,
            open,
        }
    }

    fn types<T>(o: &Outcome<T>) -> Vec<(EventType, Vec<TenantId>)> {
        o.events
            .iter()
            .map(|e| (e.event_type, e.tenants.clone()))
            .collect()
    }

    #[test]
    fn r17_r21_r22_a_draft_is_refused_for_the_reasons_of_its_context() {
        let now = Utc::now();
        let moved = Some(t(77));
        let visible = |sfb, kind| Named::Visible(customer(sfb), relationship(kind));
        let mut no_provider = context(Named::New, None);
        no_provider.provider = None;
        let cases: Vec<(DraftContext, Option<TenantId>, DomainError)> = vec![
            (no_provider, None, DomainError::NoProviderRelationship),
            (
                context(Named::Unknown, None),
                moved,
                DomainError::NotFound("no such customer".into()),
            ),
            (
                context(visible(false, Relationship::IndirectReseller), None),
                moved,
                DomainError::AlreadyIndirect,
            ),
            (
                context(visible(true, Relationship::DirectBill), None),
                moved,
                DomainError::StoreForBusinessUnsupported,
            ),
        ];
        for (ctx, customer, refusal) in cases {
            assert_eq!(draft(ctx, form(customer, 1, now)).err(), Some(refusal));
        }
    }

    #[test]
    fn r17_an_open_invitation_blocks_a_second_until_it_expires_then_it_is_closed() {
        let now = Utc::now();
        let visible = || Named::Visible(customer(false), relationship(Relationship::DirectBill));
        let open = draft(context(visible(), None), form(Some(t(77)), 1, now))
            .expect("first")
            .value;
        assert!(matches!(
            draft(
                context(visible(), Some(open.clone())),
                form(Some(t(77)), 2, now)
            ),
            Err(DomainError::InvitationPending(_))
        ));
        let later = open.expires_at + Duration::seconds(1);
        let second = draft(context(visible(), Some(open)), form(Some(t(77)), 2, later))
            .expect("after expiry");
        assert!(matches!(
            &second.changes[..],
            [
                Change::UpdateCustomerInvitation { after, from: CustomerInvitationStatus::Draft },
                Change::InsertCustomerInvitation(new),
            ] if after.status == CustomerInvitationStatus::Expired && new.id == Uuid::from_u128(2)
        ));
        assert_eq!(
            types(&second),
            vec![(
                EventType::CustomerInvitationCreated,
                vec![partner().tenant_id]
            )]
        );
    }

    #[test]
    fn r17_r30_done_sends_the_e_mail_as_edited_and_only_with_a_recipient() {
        let now = Utc::now();
        let inv = draft(context(Named::New, None), form(None, 1, now))
            .expect("draft")
            .value;
        let body = format!("Please use {}", inv.link);
        let edited = edit_email(inv.clone(), "Hi".into(), body.clone(), now).expect("edit");
        assert!(edited.events.iter().all(|e| e.email.is_none()));
        let sent = send(edited.value, Uuid::from_u128(5), now).expect("send");
        let email = sent.events[0].email.as_ref().expect("an e-mail");
        assert_eq!(
            (email.subject.as_str(), email.body.as_str()),
            ("Hi", body.as_str())
        );
        assert_eq!(email.tenant_id, partner().tenant_id);
        assert_eq!(types(&sent)[0].0, EventType::CustomerInvitationSent);
        let mut silent = inv;
        silent.email.to = None;
        let sent = send(silent, Uuid::from_u128(5), now).expect("send");
        assert!(sent.events[0].email.is_none());
        assert!(matches!(
            send(sent.value, Uuid::from_u128(6), now),
            Err(DomainError::InvalidState(_))
        ));
    }

    fn accept_context(
        customer: Option<Customer>,
        rel: Option<CustomerRelationship>,
    ) -> AcceptContext {
        let now = Utc::now();
        AcceptContext {
            invitation: draft(context(Named::New, None), form(None, 1, now))
                .expect("draft")
                .value,
            partner: partner(),
            tenant_is_partner: false,
            tenant_is_provider: false,
            customer,
            relationship: rel,
            admin: Vec::new(),
        }
    }

    fn answer(named: bool) -> AcceptForm {
        AcceptForm {
            token_hash: "hash".into(),
            tenant: t(77),
            company_name: named.then(|| CompanyName::parse("Fourth Coffee").expect("name")),
            domain: named.then(|| Domain::parse("fourthcoffee.onmicrosoft.com").expect("domain")),
            email_id: Uuid::from_u128(8),
            grant_id: Uuid::from_u128(6),
            now: Utc::now(),
        }
    }

    #[test]
    fn r16_r18_r32_a_new_customer_is_created_grants_the_invited_roles_and_all_see_it() {
        let out = accept(accept_context(None, None), answer(true)).expect("accept");
        let (partner_id, provider_id, customer_id) = (partner().tenant_id, t(9), t(77));
        assert!(matches!(
            &out.changes[..],
            [
                Change::UpdateCustomerInvitation { from: CustomerInvitationStatus::Draft, .. },
                Change::InsertCustomer(_),
                Change::PutCustomerRelationship(r),
                Change::LinkProviderCustomer { provider, customer, .. },
                Change::InsertAdminRelationship(a),
            ] if r.relationship == Relationship::IndirectReseller
                && *provider == provider_id && *customer == customer_id
                && a.roles == vec![AdminRole::UserAdministrator] && a.duration.days() == 90
                && a.status(a.created_at) == AdminStatus::Active
        ));
        assert_eq!(out.value.admin.len(), 1, "the customer shows the grant");
        let both = vec![partner_id, customer_id];
        assert_eq!(
            types(&out),
            vec![
                (EventType::CustomerCreated, vec![customer_id, partner_id]),
                (EventType::AdminRelationshipCreated, both.clone()),
                (EventType::AdminRelationshipActivated, both),
                (
                    EventType::CustomerInvitationAccepted,
                    vec![partner_id, customer_id, provider_id]
                ),
            ]
        );
        let email = out.events[3].email.as_ref().expect("the partner is told");
        assert_eq!(email.subject, "Fourth Coffee accepted your invitation");
        assert_eq!(email.tenant_id, partner_id);
    }

    #[test]
    fn r21_an_existing_direct_bill_customer_changes_relationship_and_is_not_created() {
        let ctx = accept_context(
            Some(customer(false)),
            Some(relationship(Relationship::DirectBill)),
        );
        let out = accept(ctx, answer(false)).expect("accept");
        assert!(
            !out.changes
                .iter()
                .any(|c| matches!(c, Change::InsertCustomer(_)))
        );
        assert_eq!(types(&out)[0].0, EventType::CustomerRelationshipChanged);
    }

    #[test]
    fn r16_r18_r22_acceptance_is_refused_for_the_reasons_of_its_context() {
        let mut by_partner = accept_context(None, None);
        by_partner.tenant_is_partner = true;
        let mut by_provider = accept_context(None, None);
        by_provider.tenant_is_provider = true;
        let mut wrong_token = answer(true);
        wrong_token.token_hash = "other".into();
        let cases = [
            (
                accept_context(None, None),
                wrong_token,
                DomainError::InvalidInvitationToken,
            ),
            (by_partner, answer(true), DomainError::WrongCustomer),
            (by_provider, answer(true), DomainError::WrongCustomer),
            (
                accept_context(
                    Some(customer(true)),
                    Some(relationship(Relationship::DirectBill)),
                ),
                answer(false),
                DomainError::StoreForBusinessUnsupported,
            ),
            (
                accept_context(None, None),
                answer(false),
                DomainError::NewCustomerDetailsMissing(vec!["company_name", "domain"]),
            ),
        ];
        for (ctx, form, refusal) in cases {
            assert_eq!(accept(ctx, form).err(), Some(refusal));
        }
    }
}
