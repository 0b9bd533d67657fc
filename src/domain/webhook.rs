//! Webhook endpoints (R34, R35): a tenant's receivers of its events, each with a signing secret
//! that rotates with an overlap, disabled after days of failures.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::DomainError;
use super::event::EventType;
use super::notification::{Notification, NotificationKind};
use super::outcome::{Author, Change, Event, Outcome, Subject};
use super::values::{Email, TenantId};

/// Who the sender acts as in the audit log (R29).
pub const SENDER: &str = "system:webhook-sender";

/// An old secret still signs for this long after a rotation.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);

/// An endpoint whose deliveries have all failed for this long is disabled.
pub const FAILING_WINDOW: Duration = Duration::days(3);

/// What a receiver wants: every event, or the types named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    All,
    Only(Vec<EventType>),
}

impl EventFilter {
    /// A non-empty list of known types, or `*` (with or without others) for every event; `Err`
    /// names the first unknown one.
    pub fn parse(names: &[String]) -> Result<EventFilter, String> {
        if names.is_empty() {
            return Err("must name at least one event type, or be [\"*\"]".into());
        }
        if names.iter().any(|n| n == "*") {
            return Ok(EventFilter::All);
        }
        let mut types = Vec::new();
        for name in names {
            let t = EventType::from_name(name)
                .ok_or_else(|| format!("{name:?} is not an event type (or \"*\" alone)"))?;
            if !types.contains(&t) {
                types.push(t);
            }
        }
        Ok(EventFilter::Only(types))
    }

    pub fn names(&self) -> Vec<String> {
        match self {
            EventFilter::All => vec!["*".to_owned()],
            EventFilter::Only(types) => types.iter().map(|t| t.name().to_owned()).collect(),
        }
    }

    /// `webhook.test` goes only to the endpoint tested, whatever its filter.
    pub fn matches(&self, t: EventType) -> bool {
        match self {
            EventFilter::All => t != EventType::WebhookTest,
            EventFilter::Only(types) => t != EventType::WebhookTest && types.contains(&t),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisabledReason {
    /// Turned off by the tenant.
    Manual,
    /// Every delivery failed for `FAILING_WINDOW`.
    Failing,
}

impl DisabledReason {
    pub const ALL: [DisabledReason; 2] = [DisabledReason::Manual, DisabledReason::Failing];

    pub fn name(self) -> &'static str {
        match self {
            DisabledReason::Manual => "manual",
            DisabledReason::Failing => "failing",
        }
    }

    pub fn from_name(name: &str) -> Option<DisabledReason> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Succeeded,
    Failed,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 3] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Succeeded,
        DeliveryStatus::Failed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn from_name(name: &str) -> Option<DeliveryStatus> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A signing secret: `whsec_` and the base64 of 32 random bytes (Standard Webhooks).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub const PREFIX: &'static str = "whsec_";

    pub fn from_bytes(bytes: &[u8; 32]) -> Secret {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        Secret(format!("{}{encoded}", Secret::PREFIX))
    }

    /// A stored secret, as written by `from_bytes`.
    pub fn parse(raw: &str) -> Option<Secret> {
        raw.starts_with(Secret::PREFIX)
            .then(|| Secret(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key bytes the signature is made with: the base64 after the prefix.
    pub fn key(&self) -> Option<Vec<u8>> {
        use base64::Engine;
        let b64 = self.0.strip_prefix(Secret::PREFIX)?;
        base64::engine::general_purpose::STANDARD.decode(b64).ok()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([hidden])")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub url: String,
    pub events: EventFilter,
    pub description: Option<String>,
    pub enabled: bool,
    pub disabled_reason: Option<DisabledReason>,
    pub secret: Secret,
    /// The secret before the last rotation, and until when it still signs.
    pub previous_secret: Option<(Secret, DateTime<Utc>)>,
    /// Since when every delivery has failed; cleared by a success.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What a tenant may change on its endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointChanges {
    pub url: Option<String>,
    pub events: Option<EventFilter>,
    pub description: Option<Option<String>>,
    pub enabled: Option<bool>,
}

impl WebhookEndpoint {
    pub fn create(
        id: Uuid,
        tenant: TenantId,
        url: String,
        events: EventFilter,
        description: Option<String>,
        secret: Secret,
        now: DateTime<Utc>,
    ) -> WebhookEndpoint {
        WebhookEndpoint {
            id,
            tenant_id: tenant,
            url,
            events,
            description,
            enabled: true,
            disabled_reason: None,
            secret,
            previous_secret: None,
            failing_since: None,
            created_at: now,
        }
    }

    /// Turning an endpoint on again forgets its failures; turning it off is `manual`.
    pub fn change(self, c: EndpointChanges) -> WebhookEndpoint {
        let (enabled, disabled_reason, failing_since) = match c.enabled {
            None => (self.enabled, self.disabled_reason, self.failing_since),
            Some(true) => (true, None, None),
            Some(false) if !self.enabled => (false, self.disabled_reason, self.failing_since),
            Some(false) => (false, Some(DisabledReason::Manual), self.failing_since),
        };
        WebhookEndpoint {
            url: c.url.unwrap_or(self.url),
            events: c.events.unwrap_or(self.events),
            description: c.description.unwrap_or(self.description),
            enabled,
            disabled_reason,
            failing_since,
            ..self
        }
    }

    /// A new secret; the old one keeps signing for `ROTATION_OVERLAP`.
    pub fn rotate(self, secret: Secret, now: DateTime<Utc>) -> WebhookEndpoint {
        let previous = self.secret.clone();
        WebhookEndpoint {
            secret,
            previous_secret: Some((previous, now + ROTATION_OVERLAP)),
            ..self
        }
    }

    /// The secrets that sign a delivery made at `now`: the current one, and during a rotation
    /// the previous one too (receivers verify with either).
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&Secret> {
        let mut secrets = vec![&self.secret];
        if let Some((old, until)) = &self.previous_secret {
            if now < *until {
                secrets.push(old);
            }
        }
        secrets
    }

    /// A delivery attempt failed at `now`: the endpoint is disabled once every delivery has
    /// failed for `FAILING_WINDOW` (the caller then sends the event and the e-mail).
    pub fn failed(self, now: DateTime<Utc>) -> (WebhookEndpoint, bool) {
        let since = self.failing_since.unwrap_or(now);
        if self.enabled && now - since >= FAILING_WINDOW {
            let disabled = WebhookEndpoint {
                enabled: false,
                disabled_reason: Some(DisabledReason::Failing),
                failing_since: Some(since),
                ..self
            };
            return (disabled, true);
        }
        let failing = WebhookEndpoint {
            failing_since: Some(since),
            ..self
        };
        (failing, false)
    }

    pub fn succeeded(self) -> WebhookEndpoint {
        WebhookEndpoint {
            failing_since: None,
            ..self
        }
    }

    pub fn require_enabled(&self) -> Result<(), DomainError> {
        if self.enabled {
            Ok(())
        } else {
            Err(DomainError::InvalidState(
                "the webhook endpoint is disabled; enable it first".into(),
            ))
        }
    }
}

/// R35: a new endpoint; its secret is shown once, in the answer.
pub fn create(e: WebhookEndpoint) -> Outcome<WebhookEndpoint> {
    Outcome::new(e.clone()).change(Change::InsertWebhookEndpoint(e))
}

fn saved(e: WebhookEndpoint) -> Outcome<WebhookEndpoint> {
    Outcome::new(e.clone()).change(Change::UpdateWebhookEndpoint(e))
}

pub fn edit(e: WebhookEndpoint, changes: EndpointChanges) -> Outcome<WebhookEndpoint> {
    saved(e.change(changes))
}

pub fn rotate_secret(
    e: WebhookEndpoint,
    secret: Secret,
    now: DateTime<Utc>,
) -> Outcome<WebhookEndpoint> {
    saved(e.rotate(secret, now))
}

pub fn delete(e: WebhookEndpoint) -> Outcome<()> {
    Outcome::new(()).change(Change::DeleteWebhookEndpoint(e))
}

/// A `webhook.test` event, delivered to this endpoint only.
pub fn test(e: WebhookEndpoint) -> Result<Outcome<WebhookEndpoint>, DomainError> {
    e.require_enabled()?;
    Ok(Outcome::new(e.clone()).event(Event::new(
        EventType::WebhookTest,
        vec![e.tenant_id],
        Subject::WebhookEndpoint(e),
    )))
}

/// Every event of the tenant after `after_sequence` that the endpoint wants, delivered again.
pub fn replay(
    e: WebhookEndpoint,
    after_sequence: i64,
    now: DateTime<Utc>,
) -> Result<Outcome<()>, DomainError> {
    e.require_enabled()?;
    Ok(Outcome::new(()).change(Change::ReplayWebhookEvents {
        endpoint: e,
        after_sequence,
        at: now,
    }))
}

/// A delivery succeeded: the endpoint is healthy again.
pub fn delivered(e: WebhookEndpoint) -> Outcome<()> {
    match e.failing_since {
        None => Outcome::new(()),
        Some(_) => saved(e.succeeded()).map(|_| ()),
    }
}

/// A delivery attempt failed at `now`. After `FAILING_WINDOW` of failures the endpoint is
/// disabled, with a `webhook_endpoint.disabled` event and an e-mail to the tenant's contact.
pub fn delivery_failed(
    e: WebhookEndpoint,
    contact: Option<Email>,
    email_id: Uuid,
    now: DateTime<Utc>,
) -> Outcome<()> {
    let (after, disabled) = e.failed(now);
    let outcome = saved(after.clone()).map(|_| ());
    if !disabled {
        return outcome;
    }
    let email = contact.map(|to| Notification {
        id: email_id,
        tenant_id: after.tenant_id,
        kind: NotificationKind::WebhookEndpointDisabled,
        to,
        subject: "A webhook endpoint was disabled".into(),
        body: format!(
            "Every delivery to your webhook endpoint {} has failed for 3 days, so it was              disabled. Fix the receiver, then enable the endpoint again (PATCH enabled: true);              replay what it missed with POST /v1/webhook-endpoints/{}/replay.",
            after.url, after.id
        ),
        created_at: now,
    });
    outcome.event(
        Event::new(
            EventType::WebhookEndpointDisabled,
            vec![after.tenant_id],
            Subject::WebhookEndpoint(after),
        )
        .by(Author::Service(SENDER))
        .sending(email),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(now: DateTime<Utc>) -> WebhookEndpoint {
        WebhookEndpoint::create(
            Uuid::from_u128(1),
            TenantId::from_uuid(Uuid::from_u128(2)),
            "https://hooks.example.com/csp".into(),
            EventFilter::All,
            None,
            Secret::from_bytes(&[7; 32]),
            now,
        )
    }

    #[test]
    fn filters_take_star_alone_or_known_types_and_never_pass_a_test_event_on() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(EventFilter::parse(&s(&["*"])), Ok(EventFilter::All));
        let only = EventFilter::parse(&s(&["enrollment.approved", "enrollment.approved"])).unwrap();
        assert_eq!(only, EventFilter::Only(vec![EventType::EnrollmentApproved]));
        assert!(only.matches(EventType::EnrollmentApproved));
        assert!(!only.matches(EventType::EnrollmentRejected));
        assert!(EventFilter::All.matches(EventType::CustomerCreated));
        assert!(!EventFilter::All.matches(EventType::WebhookTest));
        assert_eq!(
            EventFilter::parse(&s(&["enrollment.approved", "*"])),
            Ok(EventFilter::All)
        );
        for bad in [s(&[]), s(&[""]), s(&["enrollment.done"])] {
            assert!(EventFilter::parse(&bad).is_err(), "{bad:?}");
        }
        assert_eq!(only.names(), s(&["enrollment.approved"]));
    }

    #[test]
    fn r35_a_secret_is_whsec_and_32_bytes_and_never_printed() {
        let secret = Secret::from_bytes(&[7; 32]);
        assert!(secret.as_str().starts_with("whsec_"));
        assert_eq!(secret.key(), Some(vec![7; 32]));
        assert!(!format!("{secret:?}").contains(secret.as_str()));
        assert_eq!(Secret::parse("nope"), None);
    }

    #[test]
    fn r35_a_rotated_secret_signs_beside_the_new_one_for_24_hours() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let old = endpoint(now);
        let rotated = old.clone().rotate(Secret::from_bytes(&[8; 32]), now);
        assert_eq!(
            rotated.signing_secrets(now + Duration::hours(23)),
            vec![&rotated.secret, &old.secret]
        );
        assert_eq!(
            rotated.signing_secrets(now + ROTATION_OVERLAP),
            vec![&rotated.secret]
        );
    }

    #[test]
    fn r35_an_endpoint_failing_for_3_days_is_disabled_and_a_success_forgets_failures() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let (e, disabled) = endpoint(now).failed(now);
        assert!(!disabled && e.failing_since == Some(now));
        let (e, disabled) = e.failed(now + FAILING_WINDOW - Duration::seconds(1));
        assert!(!disabled && e.enabled);
        let healthy = e.clone().succeeded();
        assert_eq!(healthy.failing_since, None);
        let (e, disabled) = e.failed(now + FAILING_WINDOW);
        assert!(disabled && !e.enabled);
        assert_eq!(e.disabled_reason, Some(DisabledReason::Failing));
        let (_, again) = e.clone().failed(now + FAILING_WINDOW * 2);
        assert!(!again, "disabled once");
        let on = e.change(EndpointChanges {
            enabled: Some(true),
            ..EndpointChanges::default()
        });
        assert!(on.enabled && on.disabled_reason.is_none() && on.failing_since.is_none());
        let off = on.change(EndpointChanges {
            enabled: Some(false),
            ..EndpointChanges::default()
        });
        assert_eq!(off.disabled_reason, Some(DisabledReason::Manual));
    }
}
