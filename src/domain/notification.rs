//! E-mails the service sends, written to the outbox first (R7, R26, R30).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::enrollment::Enrollment;
use super::incentive::IncentiveInvitation;
use super::partner::Partner;
use super::values::{Email, TenantId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    EnrollmentApproved,
    EnrollmentRejected,
    IncentiveInvitation,
    PartnershipInvitation,
    CustomerInvitation,
    CustomerAccepted,
    /// R35: an endpoint failing for 3 days was turned off.
    WebhookEndpointDisabled,
}

impl NotificationKind {
    pub const ALL: [NotificationKind; 7] = [
        NotificationKind::EnrollmentApproved,
        NotificationKind::EnrollmentRejected,
        NotificationKind::IncentiveInvitation,
        NotificationKind::PartnershipInvitation,
        NotificationKind::CustomerInvitation,
        NotificationKind::CustomerAccepted,
        NotificationKind::WebhookEndpointDisabled,
    ];

    pub fn name(self) -> &'static str {
        match self {
            NotificationKind::EnrollmentApproved => "enrollment_approved",
            NotificationKind::EnrollmentRejected => "enrollment_rejected",
            NotificationKind::IncentiveInvitation => "incentive_invitation",
            NotificationKind::PartnershipInvitation => "partnership_invitation",
            NotificationKind::CustomerInvitation => "customer_invitation",
            NotificationKind::CustomerAccepted => "customer_accepted",
            NotificationKind::WebhookEndpointDisabled => "webhook_endpoint_disabled",
        }
    }
}

/// Where an outbox e-mail is on its way (R30, R35): waiting for an attempt, sent, or given up
/// after the last retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    Pending,
    Sent,
    Failed,
}

impl MailStatus {
    pub const ALL: [MailStatus; 3] = [MailStatus::Pending, MailStatus::Sent, MailStatus::Failed];

    pub fn name(self) -> &'static str {
        match self {
            MailStatus::Pending => "pending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        MailStatus::ALL.into_iter().find(|s| s.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: Uuid,
    /// The tenant whose notification list shows it.
    pub tenant_id: TenantId,
    pub kind: NotificationKind,
    pub to: Email,
    pub subject: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

impl Notification {
    /// R7: the approval notice goes to the primary contact given on the form.
    pub fn enrollment_approved(
        partner: &Partner,
        e: &Enrollment,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Notification {
        Notification {
            id,
            tenant_id: partner.tenant_id,
            kind: NotificationKind::EnrollmentApproved,
            to: e.primary_contact_email.clone(),
            subject: "Your indirect reseller enrollment is approved".into(),
            body: format!(
                "Hello {},\n\nyour enrollment as indirect reseller was approved. Sign in and accept the \
                 indirect reseller agreement to turn on the indirect reseller capabilities.\n\n\
                 Once approved, the indirect reseller capabilities cannot be removed.",
                partner.company_name.as_str()
            ),
            created_at: now,
        }
    }

    pub fn enrollment_rejected(
        partner: &Partner,
        e: &Enrollment,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Notification {
        Notification {
            id,
            tenant_id: partner.tenant_id,
            kind: NotificationKind::EnrollmentRejected,
            to: e.primary_contact_email.clone(),
            subject: "Your indirect reseller enrollment was not approved".into(),
            body: format!(
                "Hello {},\n\nyour enrollment as indirect reseller was not approved.\n\nReason: {}\n\n\
                 You may correct the partner profile and submit the enrollment again.",
                partner.company_name.as_str(),
                e.rejection_reason.as_deref().unwrap_or("none given")
            ),
            created_at: now,
        }
    }

    /// R26: the incentive invitation goes to the MPN account's e-mail.
    pub fn incentive_invitation(
        partner: &Partner,
        inv: &IncentiveInvitation,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Notification {
        Notification {
            id,
            tenant_id: partner.tenant_id,
            kind: NotificationKind::IncentiveInvitation,
            to: inv.sent_to.clone(),
            subject: "Invitation to the indirect reseller incentive program".into(),
            body: format!(
                "Hello {},\n\nyou are invited to enroll in the indirect reseller incentive program. \
                 Enroll from the incentives page of your partner account.",
                partner.company_name.as_str()
            ),
            created_at: now,
        }
    }
}

/// What `notifications` shows of an e-mail: every invitation token replaced by `[hidden]` (the
/// e-mail itself, kept sealed for delivery, carries it). API.md "Secrets at rest".
pub fn hide_tokens(text: &str) -> String {
    const MARK: &str = "token=";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        let (before, after) = rest.split_at(at + MARK.len());
        out.push_str(before);
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(after.len());
        if end > 0 {
            out.push_str("[hidden]");
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod hide_tokens_tests {
    use super::hide_tokens;

    #[test]
    fn tokens_are_hidden_and_the_rest_kept() {
        let cases = [
            ("no link here", "no link here"),
            (
                "open https://x/v1/customer-invitations/1?token=q3Yh0c-1_uX to accept",
                "open https://x/v1/customer-invitations/1?token=[hidden] to accept",
            ),
            (
                "a ?token=AAA and b ?token=BBB.",
                "a ?token=[hidden] and b ?token=[hidden].",
            ),
            ("ends with token=", "ends with token="),
            ("token=abc", "token=[hidden]"),
        ];
        for (text, shown) in cases {
            assert_eq!(hide_tokens(text), shown, "{text}");
        }
    }
}
