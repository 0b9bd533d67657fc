//! Admin relationships (R31-R33, after Microsoft's GDAP): a set of Entra roles a customer grants
//! one partner for a limited time, approved by the customer and terminable by either side.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::DomainError;
use super::invitation::{check_not_expired, check_token, expiry};
use super::values::TenantId;

/// R31: the roles a relationship may grant (Microsoft Entra role names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AdminRole {
    GlobalAdministrator,
    UserAdministrator,
    LicenseAdministrator,
    HelpdeskAdministrator,
    DirectoryReaders,
    ServiceSupportAdministrator,
}

impl AdminRole {
    pub const ALL: [AdminRole; 6] = [
        AdminRole::GlobalAdministrator,
        AdminRole::UserAdministrator,
        AdminRole::LicenseAdministrator,
        AdminRole::HelpdeskAdministrator,
        AdminRole::DirectoryReaders,
        AdminRole::ServiceSupportAdministrator,
    ];

    /// R32 (API.md): what an invitation grants unless it names roles.
    pub const DEFAULT: [AdminRole; 4] = [
        AdminRole::UserAdministrator,
        AdminRole::LicenseAdministrator,
        AdminRole::HelpdeskAdministrator,
        AdminRole::DirectoryReaders,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AdminRole::GlobalAdministrator => "Global Administrator",
            AdminRole::UserAdministrator => "User Administrator",
            AdminRole::LicenseAdministrator => "License Administrator",
            AdminRole::HelpdeskAdministrator => "Helpdesk Administrator",
            AdminRole::DirectoryReaders => "Directory Readers",
            AdminRole::ServiceSupportAdministrator => "Service Support Administrator",
        }
    }

    pub fn from_name(name: &str) -> Option<AdminRole> {
        AdminRole::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The roles an invitation or a plan grants: the names given, or `DEFAULT` when none are.
    pub fn requested(names: Option<&[String]>) -> Result<Vec<AdminRole>, String> {
        match names {
            None => Ok(AdminRole::DEFAULT.to_vec()),
            Some(names) => AdminRole::parse_set(names),
        }
    }

    /// A non-empty set of catalogue names, sorted and without repeats; `Err` says what is wrong.
    pub fn parse_set(names: &[String]) -> Result<Vec<AdminRole>, String> {
        if names.is_empty() {
            return Err("must name at least one role".into());
        }
        let mut roles = Vec::with_capacity(names.len());
        for name in names {
            let role = AdminRole::from_name(name)
                .ok_or_else(|| format!("{name:?} is not a role of the catalogue"))?;
            roles.push(role);
        }
        roles.sort();
        roles.dedup();
        Ok(roles)
    }
}

/// R31: 1 to 730 days, written as ISO 8601 days (`P1D`..`P730D`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminDuration(i64);

/// `AdminDuration` as the OpenAPI pattern.
pub const DURATION_PATTERN: &str = "^P([1-9][0-9]?|[1-6][0-9]{2}|7[0-2][0-9]|730)D$";

impl AdminDuration {
    pub const MAX: AdminDuration = AdminDuration(730);

    pub fn parse(raw: &str) -> Result<AdminDuration, String> {
        let days = raw
            .strip_prefix('P')
            .and_then(|d| d.strip_suffix('D'))
            .filter(|d| {
                !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
            })
            .and_then(|d| d.parse::<i64>().ok())
            .filter(|d| (1..=730).contains(d))
            .ok_or_else(|| "must be ISO 8601 days from P1D to P730D".to_owned())?;
        Ok(AdminDuration(days))
    }

    pub fn from_days(days: i64) -> Option<AdminDuration> {
        (1..=730).contains(&days).then_some(AdminDuration(days))
    }

    pub fn days(self) -> i64 {
        self.0
    }

    pub fn iso(self) -> String {
        format!("P{}D", self.0)
    }
}

/// R31: the last 30 days of a relationship read as `expiring`.
pub const EXPIRING_DAYS: i64 = 30;
/// R31: `auto_extend` adds this at each end.
pub const EXTENSION_DAYS: i64 = 180;

/// What is stored; `expiring` and `expired` are read with the clock (`status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminStatus {
    ApprovalPending,
    Active,
    Expiring,
    Expired,
    Terminated,
}

impl AdminStatus {
    pub const ALL: [AdminStatus; 5] = [
        AdminStatus::ApprovalPending,
        AdminStatus::Active,
        AdminStatus::Expiring,
        AdminStatus::Expired,
        AdminStatus::Terminated,
    ];

    pub fn name(self) -> &'static str {
        match self {
            AdminStatus::ApprovalPending => "approval_pending",
            AdminStatus::Active => "active",
            AdminStatus::Expiring => "expiring",
            AdminStatus::Expired => "expired",
            AdminStatus::Terminated => "terminated",
        }
    }

    pub fn from_name(name: &str) -> Option<AdminStatus> {
        AdminStatus::ALL.into_iter().find(|s| s.name() == name)
    }

    /// R33: a relationship that grants its roles now.
    pub fn grants(self) -> bool {
        match self {
            AdminStatus::Active | AdminStatus::Expiring => true,
            AdminStatus::ApprovalPending | AdminStatus::Expired | AdminStatus::Terminated => false,
        }
    }
}

/// Which side ended a relationship (R32).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Partner,
    Customer,
}

impl Side {
    pub const ALL: [Side; 2] = [Side::Partner, Side::Customer];

    pub fn name(self) -> &'static str {
        match self {
            Side::Partner => "partner",
            Side::Customer => "customer",
        }
    }

    pub fn from_name(name: &str) -> Option<Side> {
        Side::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The customer's approval link of a request (R32): single use, 30 days, kept as a hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminRelationship {
    pub id: Uuid,
    pub partner_id: TenantId,
    pub customer_id: TenantId,
    pub roles: Vec<AdminRole>,
    pub duration: AdminDuration,
    pub auto_extend: bool,
    /// `ApprovalPending`, `Active` or `Terminated`; time does the rest.
    pub stored: AdminStatus,
    pub approval: Option<Approval>,
    pub created_at: DateTime<Utc>,
    pub activated_at: Option<DateTime<Utc>>,
    /// The end of the first term; `ends_at(now)` adds the extensions.
    pub first_end: Option<DateTime<Utc>>,
    pub terminated_at: Option<DateTime<Utc>>,
    pub terminated_by: Option<Side>,
}

/// What a partner asks for (R32).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminRequest {
    pub roles: Vec<AdminRole>,
    pub duration: AdminDuration,
    pub auto_extend: bool,
}

impl AdminRequest {
    /// R32, R33: what an invitation grants unless it names roles, and what a partner holds for a
    /// customer it created: the default roles for the longest term, without auto-extension.
    pub fn default_grant() -> AdminRequest {
        AdminRequest {
            roles: AdminRole::DEFAULT.to_vec(),
            duration: AdminDuration::MAX,
            auto_extend: false,
        }
    }

    /// R31: auto-extension is refused with Global Administrator.
    pub fn check(&self) -> Result<(), DomainError> {
        if self.auto_extend && self.roles.contains(&AdminRole::GlobalAdministrator) {
            return Err(DomainError::AutoExtendWithGlobalAdministrator);
        }
        Ok(())
    }
}

impl AdminRelationship {
    /// R32: a request waiting for the customer's GlobalAdmin.
    pub fn request(
        id: Uuid,
        partner: TenantId,
        customer: TenantId,
        r: AdminRequest,
        token_hash: String,
        now: DateTime<Utc>,
    ) -> Result<AdminRelationship, DomainError> {
        r.check()?;
        Ok(AdminRelationship {
            id,
            partner_id: partner,
            customer_id: customer,
            roles: r.roles,
            duration: r.duration,
            auto_extend: r.auto_extend,
            stored: AdminStatus::ApprovalPending,
            approval: Some(Approval {
                token_hash,
                expires_at: expiry(now),
            }),
            created_at: now,
            activated_at: None,
            first_end: None,
            terminated_at: None,
            terminated_by: None,
        })
    }

    /// R32, R33: active at once, when the customer accepted an invitation or the partner created
    /// the customer (R19).
    pub fn granted(
        id: Uuid,
        partner: TenantId,
        customer: TenantId,
        r: AdminRequest,
        now: DateTime<Utc>,
    ) -> Result<AdminRelationship, DomainError> {
        r.check()?;
        Ok(AdminRelationship {
            id,
            partner_id: partner,
            customer_id: customer,
            roles: r.roles,
            duration: r.duration,
            auto_extend: r.auto_extend,
            stored: AdminStatus::Active,
            approval: None,
            created_at: now,
            activated_at: Some(now),
            first_end: Some(now + Duration::days(r.duration.days())),
            terminated_at: None,
            terminated_by: None,
        })
    }

    /// When it ends as seen at `now`: with `auto_extend`, one more `EXTENSION_DAYS` each time an
    /// end is reached.
    pub fn ends_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let first = self.first_end?;
        if !self.auto_extend || now < first || self.stored == AdminStatus::Terminated {
            return Some(first);
        }
        let step = Duration::days(EXTENSION_DAYS);
        let extensions = (now - first).num_seconds() / step.num_seconds() + 1;
        Some(first + step * i32::try_from(extensions).unwrap_or(i32::MAX))
    }

    /// R31: the status at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> AdminStatus {
        match self.stored {
            AdminStatus::Terminated => AdminStatus::Terminated,
            AdminStatus::ApprovalPending => match &self.approval {
                Some(a) if now >= a.expires_at => AdminStatus::Expired,
                _ => AdminStatus::ApprovalPending,
            },
            AdminStatus::Active | AdminStatus::Expiring | AdminStatus::Expired => {
                match self.ends_at(now) {
                    Some(end) if now >= end => AdminStatus::Expired,
                    Some(end) if now >= end - Duration::days(EXPIRING_DAYS) => {
                        AdminStatus::Expiring
                    }
                    _ => AdminStatus::Active,
                }
            }
        }
    }

    /// R32: the customer's GlobalAdmin approves with the link, once, within 30 days.
    pub fn approve(
        self,
        offered_hash: &str,
        customer: TenantId,
        now: DateTime<Utc>,
    ) -> Result<AdminRelationship, DomainError> {
        let Some(approval) = &self.approval else {
            return Err(DomainError::InvalidInvitationToken);
        };
        check_token(&approval.token_hash, offered_hash)?;
        if self.customer_id != customer {
            return Err(DomainError::WrongCustomer);
        }
        if self.stored != AdminStatus::ApprovalPending {
            return Err(DomainError::InvalidState(format!(
                "the admin relationship is {} and cannot be approved",
                self.status(now).name()
            )));
        }
        check_not_expired(approval.expires_at, now)?;
        Ok(AdminRelationship {
            stored: AdminStatus::Active,
            activated_at: Some(now),
            first_end: Some(now + Duration::days(self.duration.days())),
            ..self
        })
    }

    /// R32: either side ends a pending, active or expiring relationship; an expired or
    /// terminated one stays as it is.
    pub fn terminate(self, by: Side, now: DateTime<Utc>) -> Result<AdminRelationship, DomainError> {
        match self.status(now) {
            AdminStatus::ApprovalPending | AdminStatus::Active | AdminStatus::Expiring => {
                Ok(AdminRelationship {
                    stored: AdminStatus::Terminated,
                    terminated_at: Some(now),
                    terminated_by: Some(by),
                    ..self
                })
            }
            s @ (AdminStatus::Expired | AdminStatus::Terminated) => {
                Err(DomainError::InvalidState(format!(
                    "the admin relationship is {} and cannot be terminated",
                    s.name()
                )))
            }
        }
    }
}

/// The relationship a customer shows for its partner (API.md "Admin relationships"): the
/// latest that grants roles at `now`, else the latest of all.
pub fn current(
    relationships: &[AdminRelationship],
    now: DateTime<Utc>,
) -> Option<&AdminRelationship> {
    let latest = |r: &&AdminRelationship| (r.created_at, r.id);
    relationships
        .iter()
        .filter(|r| r.status(now).grants())
        .max_by_key(latest)
        .or_else(|| relationships.iter().max_by_key(latest))
}

/// R33: what the partner holds for one customer at `now`: whether any relationship grants
/// roles, and the union of their roles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AdminGrant {
    pub active: bool,
    pub roles: Vec<AdminRole>,
}

impl AdminGrant {
    pub fn of<'a>(
        relationships: impl IntoIterator<Item = &'a AdminRelationship>,
        now: DateTime<Utc>,
    ) -> AdminGrant {
        let mut grant = AdminGrant::default();
        for r in relationships {
            if r.status(now).grants() {
                grant.active = true;
                grant.roles.extend(r.roles.iter().copied());
            }
        }
        grant.roles.sort();
        grant.roles.dedup();
        grant
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(n: u128) -> TenantId {
        TenantId::from_uuid(Uuid::from_u128(n))
    }

    fn request(roles: &[AdminRole], days: i64, auto_extend: bool) -> AdminRequest {
        AdminRequest {
            roles: roles.to_vec(),
            duration: AdminDuration::from_days(days).unwrap(),
            auto_extend,
        }
    }

    const DAY: fn(i64) -> Duration = Duration::days;

    #[test]
    fn r31_roles_and_durations_are_closed_sets() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            AdminRole::parse_set(&names(&[
                "User Administrator",
                "Directory Readers",
                "User Administrator"
            ])),
            Ok(vec![
                AdminRole::UserAdministrator,
                AdminRole::DirectoryReaders
            ])
        );
        assert!(AdminRole::parse_set(&names(&[])).is_err());
        assert!(AdminRole::parse_set(&names(&["Root"])).is_err());
        for ok in ["P1D", "P90D", "P730D"] {
            assert_eq!(AdminDuration::parse(ok).map(|d| d.iso()), Ok(ok.to_owned()));
        }
        for bad in [
            "P0D", "P731D", "P01D", "PD", "90", "P1Y", "p90d", " P90D", "P-1D",
        ] {
            assert!(AdminDuration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_duration_pattern_agrees_with_the_parser() {
        let pattern = regex::Regex::new(DURATION_PATTERN).unwrap();
        let mut samples: Vec<String> = (0..=1000).map(|d| format!("P{d}D")).collect();
        samples.extend(["P01D", "P1d", "PD", "P1DD", "1D", "P7300D"].map(String::from));
        for raw in samples {
            assert_eq!(
                pattern.is_match(&raw),
                AdminDuration::parse(&raw).is_ok(),
                "{raw}"
            );
        }
    }

    #[test]
    fn r31_auto_extend_is_refused_with_global_administrator() {
        let now = Utc::now();
        let ga = request(&[AdminRole::GlobalAdministrator], 30, true);
        assert_eq!(
            AdminRelationship::granted(Uuid::nil(), t(1), t(2), ga, now).err(),
            Some(DomainError::AutoExtendWithGlobalAdministrator)
        );
        let ga = request(&[AdminRole::GlobalAdministrator], 30, false);
        assert!(AdminRelationship::granted(Uuid::nil(), t(1), t(2), ga, now).is_ok());
    }

    #[test]
    fn r31_time_decides_active_expiring_expired_and_auto_extension() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let plain = request(&AdminRole::DEFAULT, 90, false);
        let r = AdminRelationship::granted(Uuid::nil(), t(1), t(2), plain, now).unwrap();
        let cases = [
            (DAY(0), AdminStatus::Active),
            (DAY(59), AdminStatus::Active),
            (DAY(60), AdminStatus::Expiring),
            (DAY(90) - Duration::seconds(1), AdminStatus::Expiring),
            (DAY(90), AdminStatus::Expired),
            (DAY(400), AdminStatus::Expired),
        ];
        for (later, status) in cases {
            assert_eq!(r.status(now + later), status, "after {later}");
        }
        let extended = request(&AdminRole::DEFAULT, 90, true);
        let r = AdminRelationship::granted(Uuid::nil(), t(1), t(2), extended, now).unwrap();
        assert_eq!(r.ends_at(now + DAY(10)), Some(now + DAY(90)));
        assert_eq!(r.ends_at(now + DAY(90)), Some(now + DAY(270)));
        assert_eq!(r.status(now + DAY(90)), AdminStatus::Active);
        assert_eq!(r.status(now + DAY(245)), AdminStatus::Expiring);
        assert_eq!(r.ends_at(now + DAY(500)), Some(now + DAY(630)));
        assert!(r.status(now + DAY(5000)).grants(), "extends for ever");
    }

    #[test]
    fn r32_a_request_is_approved_once_by_its_customer_within_30_days() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let req = request(&[AdminRole::UserAdministrator], 90, false);
        let pending =
            AdminRelationship::request(Uuid::nil(), t(1), t(2), req, "hash".into(), now).unwrap();
        assert_eq!(pending.status(now), AdminStatus::ApprovalPending);
        assert!(!pending.status(now).grants());
        let cases: [(&str, TenantId, Duration, Option<DomainError>); 4] = [
            (
                "other",
                t(2),
                DAY(1),
                Some(DomainError::InvalidInvitationToken),
            ),
            ("hash", t(3), DAY(1), Some(DomainError::WrongCustomer)),
            (
                "hash",
                t(2),
                DAY(30),
                Some(DomainError::InvitationExpired((now + DAY(30)).to_rfc3339())),
            ),
            ("hash", t(2), DAY(29), None),
        ];
        for (hash, customer, later, refusal) in cases {
            let got = pending.clone().approve(hash, customer, now + later);
            assert_eq!(got.as_ref().err(), refusal.as_ref(), "{hash} {later}");
        }
        let active = pending.approve("hash", t(2), now + DAY(1)).unwrap();
        assert_eq!(active.status(now + DAY(1)), AdminStatus::Active);
        assert_eq!(active.ends_at(now), Some(now + DAY(91)));
        assert!(matches!(
            active.clone().approve("hash", t(2), now + DAY(2)),
            Err(DomainError::InvalidState(_))
        ));
        assert_eq!(pending_expired_status(now), AdminStatus::Expired);
    }

    fn pending_expired_status(now: DateTime<Utc>) -> AdminStatus {
        let req = request(&[AdminRole::UserAdministrator], 30, false);
        let pending =
            AdminRelationship::request(Uuid::nil(), t(1), t(2), req, "h".into(), now).unwrap();
        pending.status(now + DAY(31))
    }

    #[test]
    fn r32_either_side_terminates_and_nothing_comes_back() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let r = AdminRelationship::granted(
            Uuid::nil(),
            t(1),
            t(2),
            request(&AdminRole::DEFAULT, 30, false),
            now,
        )
        .unwrap();
        for side in Side::ALL {
            let ended = r.clone().terminate(side, now + DAY(1)).unwrap();
            assert_eq!(ended.status(now + DAY(1)), AdminStatus::Terminated);
            assert_eq!(ended.terminated_by, Some(side));
            assert!(ended.terminate(side, now + DAY(2)).is_err());
        }
        assert!(
            r.terminate(Side::Customer, now + DAY(30)).is_err(),
            "expired"
        );
    }

    #[test]
    fn r33_the_grant_is_the_union_of_relationships_that_grant_now() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let users = AdminRelationship::granted(
            Uuid::nil(),
            t(1),
            t(2),
            request(&[AdminRole::UserAdministrator], 10, false),
            now,
        )
        .unwrap();
        let licenses = AdminRelationship::granted(
            Uuid::nil(),
            t(1),
            t(2),
            request(&[AdminRole::LicenseAdministrator], 100, false),
            now,
        )
        .unwrap();
        let both = [users, licenses];
        assert_eq!(
            AdminGrant::of(&both, now).roles,
            vec![
                AdminRole::UserAdministrator,
                AdminRole::LicenseAdministrator
            ]
        );
        let later = AdminGrant::of(&both, now + DAY(20));
        assert_eq!(
            (later.active, later.roles),
            (true, vec![AdminRole::LicenseAdministrator])
        );
        assert_eq!(AdminGrant::of(&both, now + DAY(200)), AdminGrant::default());
    }

    #[test]
    fn the_current_relationship_is_the_latest_granting_one_else_the_latest() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let grant = |n: u128, days: i64, at: Duration| {
            let r = request(&AdminRole::DEFAULT, days, false);
            AdminRelationship::granted(Uuid::from_u128(n), t(1), t(2), r, now + at).unwrap()
        };
        let (long, short) = (grant(1, 300, DAY(0)), grant(2, 10, DAY(1)));
        let both = [long.clone(), short.clone()];
        assert_eq!(current(&both, now + DAY(2)), Some(&short));
        assert_eq!(current(&both, now + DAY(20)), Some(&long), "granting");
        assert_eq!(current(&both, now + DAY(400)), Some(&short), "latest");
        assert_eq!(current(&[], now), None);
    }
}
