//! A provider invites a partner; the partner's GlobalAdmin accepts or declines (R12, R15).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::DomainError;
use super::event::EventType;
use super::invitation::{self, PartnershipInvitation, PartnershipStatus};
use super::notification::{Notification, NotificationKind};
use super::outcome::{Change, Event, Outcome, Subject};
use super::partner::Partner;
use super::provider::{Provider, ProviderRelationship};

/// What inviting a partner is decided on, read in the write transaction.
#[derive(Debug, Clone)]
pub struct InviteContext {
    pub provider: Provider,
    /// The invited tenant's partner, if one is registered.
    pub partner: Option<Partner>,
    /// The pair's pending invitation (one at most), whether or not it has expired.
    pub pending: Option<PartnershipInvitation>,
    pub relationship_exists: bool,
}

/// The new invitation as the handler prepared it: the token is issued outside the domain.
#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub id: Uuid,
    pub token_hash: String,
    pub link: String,
    pub message: Option<String>,
}

/// The invitation sent, and the e-mail that carries its link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invited {
    pub invitation: PartnershipInvitation,
    pub email: Notification,
}

/// R12, R15: a provider invites an indirect reseller by e-mail to its primary contact; an expired
/// pending invitation of the pair is closed first, an open one refuses a second.
pub fn invite(
    ctx: InviteContext,
    new: NewInvitation,
    email_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Outcome<Invited>, DomainError> {
    // R12: only indirect resellers are invited; any other id looks absent, so providers cannot
    // probe who is registered.
    let partner = ctx
        .partner
        .filter(|p| p.require_indirect_reseller().is_ok())
        .ok_or_else(|| DomainError::NotFound("no indirect reseller with this id".into()))?;
    let expired = ctx
        .pending
        .as_ref()
        .filter(|p| p.effective_status(now) == PartnershipStatus::Expired)
        .map(|p| PartnershipInvitation {
            status: PartnershipStatus::Expired,
            ..p.clone()
        });
    let open = ctx.pending.is_some() && expired.is_none();
    PartnershipInvitation::check_can_invite(open, ctx.relationship_exists)?;
    let (to, subject, body) =
        invitation::partnership_email(&ctx.provider, &partner, &new.link, new.message.as_deref())?;
    let inv = PartnershipInvitation {
        id: new.id,
        provider_id: ctx.provider.tenant_id,
        partner_id: partner.tenant_id,
        status: PartnershipStatus::Pending,
        token_hash: new.token_hash,
        message: new.message,
        expires_at: invitation::expiry(now),
        created_at: now,
    };
    let email = Notification {
        id: email_id,
        tenant_id: partner.tenant_id,
        kind: NotificationKind::PartnershipInvitation,
        to,
        subject,
        body,
        created_at: now,
    };
    let mut decided = Outcome::new(Invited {
        invitation: inv.clone(),
        email: email.clone(),
    });
    if let Some(expired) = expired {
        decided = decided.change(Change::UpdatePartnershipInvitation(expired));
    }
    Ok(decided
        .change(Change::InsertPartnershipInvitation(inv.clone()))
        .event(
            Event::new(
                EventType::PartnershipInvitationCreated,
                vec![inv.provider_id, inv.partner_id],
                Subject::PartnershipInvitation(inv),
            )
            .sending(Some(email)),
        ))
}

/// What accepting a partnership invitation is decided on, read in the write transaction.
#[derive(Debug, Clone)]
pub struct AcceptContext {
    pub invitation: PartnershipInvitation,
    pub partner: Partner,
    pub provider: Provider,
    pub relationship_exists: bool,
}

/// The provider now in the partner's indirect provider list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Established {
    pub provider: Provider,
    pub relationship: ProviderRelationship,
}

/// R12, R15: the invited partner's GlobalAdmin accepts; the provider joins its indirect providers.
pub fn accept(
    ctx: AcceptContext,
    offered_hash: &str,
    now: DateTime<Utc>,
) -> Result<Outcome<Established>, DomainError> {
    let inv = ctx.invitation.respond(offered_hash, true, now)?;
    ctx.partner.require_indirect_reseller()?;
    if ctx.relationship_exists {
        return Err(DomainError::RelationshipExists);
    }
    let relationship = ProviderRelationship {
        partner_id: inv.partner_id,
        provider_id: inv.provider_id,
        established_at: now,
    };
    Ok(Outcome::new(Established {
        provider: ctx.provider,
        relationship: relationship.clone(),
    })
    .change(Change::UpdatePartnershipInvitation(inv.clone()))
    .change(Change::InsertProviderRelationship(relationship))
    .event(Event::new(
        EventType::PartnershipInvitationAccepted,
        vec![inv.partner_id, inv.provider_id],
        Subject::PartnershipInvitation(inv),
    )))
}

/// R15: the invited partner's GlobalAdmin declines.
pub fn decline(
    invitation: PartnershipInvitation,
    offered_hash: &str,
    now: DateTime<Utc>,
) -> Result<Outcome<PartnershipInvitation>, DomainError> {
    let inv = invitation.respond(offered_hash, false, now)?;
    Ok(Outcome::new(inv.clone())
        .change(Change::UpdatePartnershipInvitation(inv.clone()))
        .event(Event::new(
            EventType::PartnershipInvitationDeclined,
            vec![inv.partner_id, inv.provider_id],
            Subject::PartnershipInvitation(inv),
        )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::invitation::VALID_DAYS;
    use crate::domain::partner::tests::partner;
    use crate::domain::provider::{Service, regions};
    use crate::domain::values::{CompanyName, Email, TenantId};
    use chrono::Duration;

    const LINK: &str = "https://x/v1/partnership-invitations/5?token=t";

    fn provider() -> Provider {
        Provider {
            tenant_id: TenantId::from_uuid(Uuid::from_u128(9)),
            name: CompanyName::parse("Distri").expect("name"),
            regions: regions(&["DE".into()]).expect("regions"),
            services: vec![Service::Marketing],
            contact_email: Email::parse("p@distri.com").expect("email"),
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    fn reseller() -> Partner {
        partner().activate_indirect_reseller(Utc::now())
    }

    fn pending(created: DateTime<Utc>) -> PartnershipInvitation {
        PartnershipInvitation {
            id: Uuid::from_u128(1),
            provider_id: provider().tenant_id,
            partner_id: partner().tenant_id,
            status: PartnershipStatus::Pending,
            token_hash: "h".into(),
            message: None,
            expires_at: invitation::expiry(created),
            created_at: created,
        }
    }

    fn invite_ctx() -> InviteContext {
        InviteContext {
            provider: provider(),
            partner: Some(reseller()),
            pending: None,
            relationship_exists: false,
        }
    }

    fn try_invite(ctx: InviteContext, now: DateTime<Utc>) -> Result<Outcome<Invited>, DomainError> {
        let new = NewInvitation {
            id: Uuid::from_u128(5),
            token_hash: "new".into(),
            link: LINK.into(),
            message: Some("Welcome".into()),
        };
        invite(ctx, new, Uuid::from_u128(6), now)
    }

    #[test]
    fn r15_an_invitation_is_created_for_both_and_e_mailed_to_the_partner() {
        let now = Utc::now();
        let decided = try_invite(invite_ctx(), now).expect("invite");
        let inv = decided.value.invitation.clone();
        assert_eq!(
            (inv.status, inv.expires_at),
            (PartnershipStatus::Pending, invitation::expiry(now))
        );
        assert_eq!(
            decided.changes,
            vec![Change::InsertPartnershipInvitation(inv.clone())]
        );
        let email = decided.value.email.clone();
        assert_eq!(
            decided.events,
            vec![
                Event::new(
                    EventType::PartnershipInvitationCreated,
                    vec![provider().tenant_id, partner().tenant_id],
                    Subject::PartnershipInvitation(inv),
                )
                .sending(Some(email.clone()))
            ]
        );
        assert_eq!(
            (email.id, email.tenant_id, email.kind),
            (
                Uuid::from_u128(6),
                partner().tenant_id,
                NotificationKind::PartnershipInvitation
            )
        );
        assert_eq!(email.to.as_str(), "ops@contoso.com");
        assert!(email.body.contains(LINK) && email.body.contains("Welcome"));
    }

    #[test]
    fn r15_an_expired_pending_invitation_is_closed_before_the_new_one() {
        let now = Utc::now();
        let old = pending(now - Duration::days(VALID_DAYS));
        let ctx = InviteContext {
            pending: Some(old.clone()),
            ..invite_ctx()
        };
        let decided = try_invite(ctx, now).expect("invite");
        let expired = PartnershipInvitation {
            status: PartnershipStatus::Expired,
            ..old
        };
        assert_eq!(
            decided.changes,
            vec![
                Change::UpdatePartnershipInvitation(expired),
                Change::InsertPartnershipInvitation(decided.value.invitation.clone()),
            ]
        );
    }

    #[test]
    fn r12_r15_who_cannot_be_invited() {
        let now = Utc::now();
        let absent = || DomainError::NotFound("no indirect reseller with this id".into());
        let pending_err = || {
            DomainError::InvitationPending(
                "an open partnership invitation for this partner exists".into(),
            )
        };
        let no_contact = Partner {
            primary_contact_email: None,
            ..reseller()
        };
        let cases = [
            ("R12: not registered", None, None, false, absent()),
            ("R12: not indirect", Some(partner()), None, false, absent()),
            (
                "R15: in the list",
                Some(reseller()),
                None,
                true,
                DomainError::RelationshipExists,
            ),
            (
                "R15: in the list, old link expired",
                Some(reseller()),
                Some(pending(now - Duration::days(VALID_DAYS))),
                true,
                DomainError::RelationshipExists,
            ),
            (
                "R15: one open link",
                Some(reseller()),
                Some(pending(now)),
                false,
                pending_err(),
            ),
            (
                "R15: no one to e-mail",
                Some(no_contact),
                None,
                false,
                DomainError::ProfileIncomplete(vec!["primary_contact_email"]),
            ),
        ];
        for (case, partner, pending, relationship_exists, want) in cases {
            let ctx = InviteContext {
                partner,
                pending,
                relationship_exists,
                ..invite_ctx()
            };
            assert_eq!(try_invite(ctx, now).map(|_| ()), Err(want), "{case}");
        }
    }

    fn accept_ctx(now: DateTime<Utc>) -> AcceptContext {
        AcceptContext {
            invitation: pending(now),
            partner: reseller(),
            provider: provider(),
            relationship_exists: false,
        }
    }

    #[test]
    fn r15_accepting_adds_the_provider_to_the_partners_list() {
        let now = Utc::now();
        let decided = accept(accept_ctx(now), "h", now).expect("accept");
        let accepted = PartnershipInvitation {
            status: PartnershipStatus::Accepted,
            ..pending(now)
        };
        let relationship = ProviderRelationship {
            partner_id: partner().tenant_id,
            provider_id: provider().tenant_id,
            established_at: now,
        };
        assert_eq!(
            decided.value,
            Established {
                provider: provider(),
                relationship: relationship.clone(),
            }
        );
        assert_eq!(
            decided.changes,
            vec![
                Change::UpdatePartnershipInvitation(accepted.clone()),
                Change::InsertProviderRelationship(relationship),
            ]
        );
        assert_eq!(
            decided.events,
            vec![Event::new(
                EventType::PartnershipInvitationAccepted,
                vec![partner().tenant_id, provider().tenant_id],
                Subject::PartnershipInvitation(accepted),
            )]
        );
    }

    #[test]
    fn r12_r15_who_cannot_accept() {
        let now = Utc::now();
        let late = now + Duration::days(VALID_DAYS);
        let not_indirect = AcceptContext {
            partner: partner(),
            ..accept_ctx(now)
        };
        let in_the_list = AcceptContext {
            relationship_exists: true,
            ..accept_ctx(now)
        };
        let expired = DomainError::InvitationExpired(invitation::expiry(now).to_rfc3339());
        let cases = [
            (
                "R15: wrong token",
                accept_ctx(now),
                "x",
                now,
                DomainError::InvalidInvitationToken,
            ),
            ("R15: expired", accept_ctx(now), "h", late, expired),
            (
                "R12: not indirect",
                not_indirect,
                "h",
                now,
                DomainError::IndirectResellerNotActive,
            ),
            (
                "R15: in the list",
                in_the_list,
                "h",
                now,
                DomainError::RelationshipExists,
            ),
        ];
        for (case, ctx, hash, at, want) in cases {
            assert_eq!(accept(ctx, hash, at).map(|_| ()), Err(want), "{case}");
        }
    }

    #[test]
    fn r15_declining_closes_the_invitation_for_both() {
        let now = Utc::now();
        let decided = decline(pending(now), "h", now).expect("decline");
        let declined = PartnershipInvitation {
            status: PartnershipStatus::Declined,
            ..pending(now)
        };
        assert_eq!(decided.value, declined);
        assert_eq!(
            decided.changes,
            vec![Change::UpdatePartnershipInvitation(declined.clone())]
        );
        assert_eq!(
            decided.events,
            vec![Event::new(
                EventType::PartnershipInvitationDeclined,
                vec![partner().tenant_id, provider().tenant_id],
                Subject::PartnershipInvitation(declined),
            )]
        );
        assert_eq!(
            decline(pending(now), "x", now).map(|_| ()),
            Err(DomainError::InvalidInvitationToken)
        );
    }
}
