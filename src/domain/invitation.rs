//! Invitation links: partnerships (R15) and customer invitations (R16-R18, R21).

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::DomainError;
use super::admin_relationship::{AdminDuration, AdminRequest, AdminRole};
use super::partner::Partner;
use super::provider::Provider;
use super::values::{Email, TenantId};

/// R15 (design): a link is valid for 30 days.
pub const VALID_DAYS: i64 = 30;

pub fn expiry(now: DateTime<Utc>) -> DateTime<Utc> {
    now + Duration::days(VALID_DAYS)
}

pub(crate) fn check_token(stored_hash: &str, offered_hash: &str) -> Result<(), DomainError> {
    if stored_hash == offered_hash {
        Ok(())
    } else {
        Err(DomainError::InvalidInvitationToken)
    }
}

pub(crate) fn check_not_expired(
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    if now < expires_at {
        Ok(())
    } else {
        Err(DomainError::InvitationExpired(expires_at.to_rfc3339()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnershipStatus {
    Pending,
    Accepted,
    Declined,
    Expired,
}

impl PartnershipStatus {
    pub const ALL: [PartnershipStatus; 4] = [
        PartnershipStatus::Pending,
        PartnershipStatus::Accepted,
        PartnershipStatus::Declined,
        PartnershipStatus::Expired,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PartnershipStatus::Pending => "pending",
            PartnershipStatus::Accepted => "accepted",
            PartnershipStatus::Declined => "declined",
            PartnershipStatus::Expired => "expired",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnershipInvitation {
    pub id: Uuid,
    pub provider_id: TenantId,
    pub partner_id: TenantId,
    pub status: PartnershipStatus,
    /// SHA-256 of the link's token; the token itself is never stored (R15).
    pub token_hash: String,
    pub message: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

impl PartnershipInvitation {
    /// R15: one open invitation per pair, and none once the provider is in the list.
    pub fn check_can_invite(
        pending_exists: bool,
        relationship_exists: bool,
    ) -> Result<(), DomainError> {
        if relationship_exists {
            return Err(DomainError::RelationshipExists);
        }
        if pending_exists {
            return Err(DomainError::InvitationPending(
                "an open partnership invitation for this partner exists".into(),
            ));
        }
        Ok(())
    }

    /// Pending past its expiry reads as expired.
    pub fn effective_status(&self, now: DateTime<Utc>) -> PartnershipStatus {
        match self.status {
            PartnershipStatus::Pending if now >= self.expires_at => PartnershipStatus::Expired,
            other => other,
        }
    }

    pub fn check_token(&self, offered_hash: &str) -> Result<(), DomainError> {
        check_token(&self.token_hash, offered_hash)
    }

    /// R15: the invited partner's GlobalAdmin accepts or declines, once, before expiry.
    pub fn respond(
        self,
        offered_hash: &str,
        accept: bool,
        now: DateTime<Utc>,
    ) -> Result<PartnershipInvitation, DomainError> {
        self.check_token(offered_hash)?;
        // A link past its expiry answers 410, whatever was stored since.
        check_not_expired(self.expires_at, now)?;
        if self.status != PartnershipStatus::Pending {
            return Err(DomainError::InvalidState(format!(
                "the invitation is {}",
                self.status.name()
            )));
        }
        let status = if accept {
            PartnershipStatus::Accepted
        } else {
            PartnershipStatus::Declined
        };
        Ok(PartnershipInvitation { status, ..self })
    }
}

/// The e-mail a partnership invitation sends to the partner's primary contact (R15).
/// R15: the invitation e-mail (to, subject, body), to the partner's primary contact.
pub fn partnership_email(
    provider: &Provider,
    partner: &Partner,
    link: &str,
    message: Option<&str>,
) -> Result<(Email, String, String), DomainError> {
    let Some(to) = partner.primary_contact_email.clone() else {
        return Err(DomainError::ProfileIncomplete(vec![
            "primary_contact_email",
        ]));
    };
    let subject = format!(
        "{} invites you to become its indirect reseller",
        provider.name.as_str()
    );
    let note = message
        .map(|m| format!("\n\nMessage from {}:\n{m}", provider.name.as_str()))
        .unwrap_or_default();
    let body = format!(
        "Hello {},\n\n{} invites you to add it to your indirect providers. Your GlobalAdmin can accept \
         the invitation with this personal link, valid for {VALID_DAYS} days:\n\n{link}{note}",
        partner.company_name.as_str(),
        provider.name.as_str()
    );
    Ok((to, subject, body))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerInvitationKind {
    NewCustomer,
    /// R21: move an existing direct bill customer.
    MoveCustomer,
}

impl CustomerInvitationKind {
    pub const ALL: [CustomerInvitationKind; 2] = [
        CustomerInvitationKind::NewCustomer,
        CustomerInvitationKind::MoveCustomer,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CustomerInvitationKind::NewCustomer => "new_customer",
            CustomerInvitationKind::MoveCustomer => "move_customer",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [
            CustomerInvitationKind::NewCustomer,
            CustomerInvitationKind::MoveCustomer,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomerInvitationStatus {
    Draft,
    Sent,
    Accepted,
    Revoked,
    Expired,
}

impl CustomerInvitationStatus {
    pub const ALL: [CustomerInvitationStatus; 5] = [
        CustomerInvitationStatus::Draft,
        CustomerInvitationStatus::Sent,
        CustomerInvitationStatus::Accepted,
        CustomerInvitationStatus::Revoked,
        CustomerInvitationStatus::Expired,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CustomerInvitationStatus::Draft => "draft",
            CustomerInvitationStatus::Sent => "sent",
            CustomerInvitationStatus::Accepted => "accepted",
            CustomerInvitationStatus::Revoked => "revoked",
            CustomerInvitationStatus::Expired => "expired",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The statuses whose link still works, until `expires_at` (the store filters by them).
    pub fn open() -> impl Iterator<Item = CustomerInvitationStatus> {
        Self::ALL.into_iter().filter(|s| s.is_open())
    }

    /// The status a client sees: an open one whose `expires_at` has passed reads as expired.
    /// The one rule behind `CustomerInvitation::effective_status` and the store's counts.
    pub fn seen(self, past_expiry: bool) -> CustomerInvitationStatus {
        if self.is_open() && past_expiry {
            CustomerInvitationStatus::Expired
        } else {
            self
        }
    }

    /// A link can be accepted while draft or sent.
    pub fn is_open(self) -> bool {
        match self {
            CustomerInvitationStatus::Draft | CustomerInvitationStatus::Sent => true,
            CustomerInvitationStatus::Accepted
            | CustomerInvitationStatus::Revoked
            | CustomerInvitationStatus::Expired => false,
        }
    }
}

/// R17: the drafted e-mail; the reseller may edit it but not the link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitationEmail {
    pub to: Option<Email>,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerInvitation {
    pub id: Uuid,
    pub partner_id: TenantId,
    pub provider_id: TenantId,
    pub customer_id: Option<TenantId>,
    pub kind: CustomerInvitationKind,
    pub status: CustomerInvitationStatus,
    pub token_hash: String,
    pub link: String,
    pub email: InvitationEmail,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// R32: the roles and term accepting grants the reseller.
    pub admin_roles: Vec<AdminRole>,
    pub admin_duration: AdminDuration,
}

/// What the reseller submits to draft a customer invitation.
#[derive(Debug, Clone)]
pub struct CustomerInvitationDraft {
    pub id: Uuid,
    pub customer_id: Option<TenantId>,
    pub to: Option<Email>,
    pub token_hash: String,
    pub link: String,
    pub now: DateTime<Utc>,
    pub admin_roles: Vec<AdminRole>,
    pub admin_duration: AdminDuration,
    /// The partner's own words, after the greeting (a transition plan's `message`, R36).
    pub note: Option<String>,
}

impl CustomerInvitation {
    /// R16, R17: one invitation ties the customer to both the reseller and its provider.
    pub fn draft(
        partner: &Partner,
        provider: &Provider,
        customer_name: Option<&str>,
        d: CustomerInvitationDraft,
    ) -> CustomerInvitation {
        let kind = if d.customer_id.is_some() {
            CustomerInvitationKind::MoveCustomer
        } else {
            CustomerInvitationKind::NewCustomer
        };
        let greeting = customer_name
            .map(|n| format!("Hello {n},"))
            .unwrap_or_else(|| "Hello,".to_owned());
        let subject = format!(
            "{} invites you to work with it and {} as your Microsoft resellers",
            partner.company_name.as_str(),
            provider.name.as_str()
        );
        let greeting = match &d.note {
            Some(note) => format!("{greeting}\n\n{note}"),
            None => greeting,
        };
        let body = format!(
            "{greeting}\n\n{} would like to serve you as indirect reseller together with its indirect provider {}. \
             {} will manage your subscriptions, licenses and users; {} will order products and bill you.\n\n\
             Your Global Administrator can authorise both as resellers of record with this link:\n\n{}\n\n\
             The link is valid for {VALID_DAYS} days.",
            partner.company_name.as_str(),
            provider.name.as_str(),
            partner.company_name.as_str(),
            provider.name.as_str(),
            d.link
        );
        CustomerInvitation {
            id: d.id,
            partner_id: partner.tenant_id,
            provider_id: provider.tenant_id,
            customer_id: d.customer_id,
            kind,
            status: CustomerInvitationStatus::Draft,
            token_hash: d.token_hash,
            link: d.link,
            email: InvitationEmail {
                to: d.to,
                subject,
                body,
            },
            expires_at: expiry(d.now),
            created_at: d.now,
            admin_roles: d.admin_roles,
            admin_duration: d.admin_duration,
        }
    }

    /// R32: the admin relationship accepting grants (invitations do not auto-extend).
    pub fn admin_request(&self) -> AdminRequest {
        AdminRequest {
            roles: self.admin_roles.clone(),
            duration: self.admin_duration,
            auto_extend: false,
        }
    }

    pub fn effective_status(&self, now: DateTime<Utc>) -> CustomerInvitationStatus {
        self.status.seen(now >= self.expires_at)
    }

    fn require_status(
        &self,
        allowed: &[CustomerInvitationStatus],
        now: DateTime<Utc>,
        to: &str,
    ) -> Result<(), DomainError> {
        let status = self.effective_status(now);
        if allowed.contains(&status) {
            Ok(())
        } else {
            Err(DomainError::InvalidState(format!(
                "the invitation is {} and cannot be {to}",
                status.name()
            )))
        }
    }

    pub fn check_token(&self, offered_hash: &str) -> Result<(), DomainError> {
        check_token(&self.token_hash, offered_hash)
    }

    /// R17: the text may change, the link must stay in it unchanged.
    pub fn edit_email(
        self,
        subject: String,
        body: String,
        now: DateTime<Utc>,
    ) -> Result<CustomerInvitation, DomainError> {
        self.require_status(&[CustomerInvitationStatus::Draft], now, "edited")?;
        if !contains_whole(&body, &self.link) {
            return Err(DomainError::InvitationLinkMissing(self.link.clone()));
        }
        let to = self.email.to.clone();
        Ok(CustomerInvitation {
            email: InvitationEmail { to, subject, body },
            ..self
        })
    }

    /// R17: "Done" marks the invitation sent.
    pub fn mark_sent(self, now: DateTime<Utc>) -> Result<CustomerInvitation, DomainError> {
        self.require_status(&[CustomerInvitationStatus::Draft], now, "sent")?;
        Ok(CustomerInvitation {
            status: CustomerInvitationStatus::Sent,
            ..self
        })
    }

    pub fn revoke(self, now: DateTime<Utc>) -> Result<CustomerInvitation, DomainError> {
        self.require_status(
            &[
                CustomerInvitationStatus::Draft,
                CustomerInvitationStatus::Sent,
            ],
            now,
            "revoked",
        )?;
        Ok(CustomerInvitation {
            status: CustomerInvitationStatus::Revoked,
            ..self
        })
    }

    /// R18, R21: the link is valid, open, and (for a move) used by the named customer.
    pub fn accept(
        self,
        offered_hash: &str,
        customer: TenantId,
        now: DateTime<Utc>,
    ) -> Result<CustomerInvitation, DomainError> {
        self.check_token(offered_hash)?;
        check_not_expired(self.expires_at, now)?;
        if !self.status.is_open() {
            return Err(DomainError::InvalidState(format!(
                "the invitation is {}",
                self.status.name()
            )));
        }
        if self.customer_id.is_some_and(|named| named != customer) {
            return Err(DomainError::WrongCustomer);
        }
        Ok(CustomerInvitation {
            status: CustomerInvitationStatus::Accepted,
            customer_id: Some(customer),
            ..self
        })
    }
}

/// R17: `link` appears in `body` with nothing that would extend it: followed by the end of the
/// text or by a character that cannot continue a URL. `link?token=ab` inside `link?token=abc`
/// would send the customer to another, broken link.
fn contains_whole(body: &str, link: &str) -> bool {
    body.match_indices(link).any(|(at, _)| {
        body[at + link.len()..]
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ')'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::partner::tests::partner;
    use crate::domain::provider::{Service, regions};
    use crate::domain::values::CompanyName;

    fn provider() -> Provider {
        Provider {
            tenant_id: TenantId::from_uuid(Uuid::from_u128(9)),
            name: CompanyName::parse("Distri").expect("name"),
            regions: regions(&["DE".into()]).expect("regions"),
            services: vec![Service::Marketing],
            contact_email: Email::parse("p@distri.com").expect("email"),
            created_at: Utc::now(),
        }
    }

    fn pending(now: DateTime<Utc>) -> PartnershipInvitation {
        PartnershipInvitation {
            id: Uuid::from_u128(1),
            provider_id: provider().tenant_id,
            partner_id: partner().tenant_id,
            status: PartnershipStatus::Pending,
            token_hash: "h".into(),
            message: None,
            expires_at: expiry(now),
            created_at: now,
        }
    }

    #[test]
    fn r15_partnership_links_are_personal_single_use_and_expire() {
        let now = Utc::now();
        assert_eq!(
            pending(now).respond("x", true, now),
            Err(DomainError::InvalidInvitationToken)
        );
        let accepted = pending(now).respond("h", true, now).expect("accept");
        assert_eq!(accepted.status, PartnershipStatus::Accepted);
        assert!(matches!(
            accepted.respond("h", true, now),
            Err(DomainError::InvalidState(_))
        ));
        let late = now + Duration::days(VALID_DAYS);
        assert!(matches!(
            pending(now).respond("h", false, late),
            Err(DomainError::InvitationExpired(_))
        ));
        assert_eq!(
            pending(now).effective_status(late),
            PartnershipStatus::Expired
        );
        assert_eq!(
            pending(now).respond("h", false, now).map(|i| i.status),
            Ok(PartnershipStatus::Declined)
        );
    }

    #[test]
    fn r15_a_stored_expired_link_still_answers_expired() {
        let now = Utc::now();
        let late = now + Duration::days(VALID_DAYS);
        let stored = PartnershipInvitation {
            status: PartnershipStatus::Expired,
            ..pending(now)
        };
        assert!(matches!(
            stored.respond("h", true, late),
            Err(DomainError::InvitationExpired(_))
        ));
    }

    #[test]
    fn r15_duplicates_are_refused() {
        assert_eq!(
            PartnershipInvitation::check_can_invite(false, true),
            Err(DomainError::RelationshipExists)
        );
        assert!(matches!(
            PartnershipInvitation::check_can_invite(true, false),
            Err(DomainError::InvitationPending(_))
        ));
        assert_eq!(
            PartnershipInvitation::check_can_invite(false, false),
            Ok(())
        );
    }

    fn draft(customer: Option<TenantId>, now: DateTime<Utc>) -> CustomerInvitation {
        let d = CustomerInvitationDraft {
            id: Uuid::from_u128(2),
            customer_id: customer,
            to: None,
            token_hash: "h".into(),
            link: "https://x/v1/customer-invitations/2?token=t".into(),
            now,
            admin_roles: AdminRole::DEFAULT.to_vec(),
            admin_duration: AdminDuration::MAX,
            note: None,
        };
        CustomerInvitation::draft(&partner(), &provider(), Some("Fourth Coffee"), d)
    }

    #[test]
    fn r17_the_draft_holds_the_link_and_edits_must_keep_it() {
        let now = Utc::now();
        let inv = draft(None, now);
        assert_eq!(inv.kind, CustomerInvitationKind::NewCustomer);
        assert!(inv.email.body.contains(&inv.link));
        let edited = inv
            .clone()
            .edit_email("Hi".into(), format!("Please click {}", inv.link), now)
            .expect("edit");
        assert_eq!(edited.email.subject, "Hi");
        assert!(matches!(
            inv.clone().edit_email("Hi".into(), "no link".into(), now),
            Err(DomainError::InvitationLinkMissing(_))
        ));
        let altered = inv.link.replace("token=t", "token=u");
        assert!(matches!(
            inv.edit_email("Hi".into(), altered, now),
            Err(DomainError::InvitationLinkMissing(_))
        ));
    }

    #[test]
    fn r17_the_link_must_stand_whole() {
        let link = "https://x/v1/customer-invitations/2?token=t";
        let cases = [
            (link.to_owned(), true),
            (format!("Click {link}"), true),
            (format!("Click {link}\n\nThanks"), true),
            (format!("Click {link}\r\n"), true),
            (format!("Click {link}\tnow"), true),
            (format!("<a href=\"{link}\">here</a>"), true),
            (format!("<{link}>"), true),
            (format!("(see {link})"), true),
            (format!("{link}x {link}"), true),
            (format!("Click {link}x"), false),
            (format!("Click {link}0"), false),
            (format!("Click {link}&token=u"), false),
            (format!("Click {link}/"), false),
            (format!("Click {link}."), false),
            (format!("Click {link}%20"), false),
            (link[..link.len() - 1].to_owned(), false),
            (String::new(), false),
        ];
        for (body, whole) in cases {
            assert_eq!(contains_whole(&body, link), whole, "{body:?}");
        }
        let now = Utc::now();
        let inv = draft(None, now);
        assert!(contains_whole(&inv.email.body, &inv.link), "the draft");
        let extended = format!("Click {}abc", inv.link);
        assert!(matches!(
            inv.edit_email("Hi".into(), extended, now),
            Err(DomainError::InvitationLinkMissing(_))
        ));
    }

    #[test]
    fn customer_invitation_states() {
        use CustomerInvitationStatus::*;
        let now = Utc::now();
        let sent = draft(None, now).mark_sent(now).expect("sent");
        assert_eq!(sent.status, Sent);
        assert!(matches!(
            sent.clone().mark_sent(now),
            Err(DomainError::InvalidState(_))
        ));
        assert!(matches!(
            sent.clone().edit_email("s".into(), sent.link.clone(), now),
            Err(DomainError::InvalidState(_))
        ));
        let revoked = sent.clone().revoke(now).expect("revoke");
        assert!(matches!(
            revoked
                .clone()
                .accept("h", TenantId::from_uuid(Uuid::from_u128(3)), now),
            Err(DomainError::InvalidState(_))
        ));
        let customer = TenantId::from_uuid(Uuid::from_u128(3));
        let accepted = sent.clone().accept("h", customer, now).expect("accept");
        assert_eq!(
            (accepted.status, accepted.customer_id),
            (Accepted, Some(customer))
        );
        assert!(matches!(
            accepted.accept("h", customer, now),
            Err(DomainError::InvalidState(_))
        ));
        let late = now + Duration::days(VALID_DAYS);
        assert!(matches!(
            sent.clone().accept("h", customer, late),
            Err(DomainError::InvitationExpired(_))
        ));
        assert_eq!(sent.effective_status(late), Expired);
    }

    #[test]
    fn r21_a_move_invitation_is_for_the_named_customer_only() {
        let now = Utc::now();
        let named = TenantId::from_uuid(Uuid::from_u128(4));
        let inv = draft(Some(named), now);
        assert_eq!(inv.kind, CustomerInvitationKind::MoveCustomer);
        assert_eq!(
            inv.clone()
                .accept("h", TenantId::from_uuid(Uuid::from_u128(5)), now),
            Err(DomainError::WrongCustomer)
        );
        assert!(inv.accept("h", named, now).is_ok());
    }
}
