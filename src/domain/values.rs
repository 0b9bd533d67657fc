//! Value types that can only be built through `parse` ("parse, don't validate").

use std::fmt;
use thiserror::Error;
use uuid::Uuid;

/// Why a raw value was refused; the API adds the field name.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct ValueError(pub String);

fn invalid(message: impl Into<String>) -> ValueError {
    ValueError(message.into())
}

/// The id of any tenant: partner, provider, customer or operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(Uuid);

impl TenantId {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        Uuid::parse_str(raw.trim())
            .map(TenantId)
            .map_err(|_| invalid("must be a UUID"))
    }

    pub fn from_uuid(id: Uuid) -> Self {
        TenantId(id)
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// An e-mail address: one `@`, a non-empty local part, a dotted domain, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let value = raw.trim();
        if value.is_empty() || value.len() > 254 {
            return Err(invalid("must be an e-mail address of 1 to 254 characters"));
        }
        let Some((local, domain)) = value.split_once('@') else {
            return Err(invalid(
                "must be an e-mail address such as name@example.com",
            ));
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c == '@' || c.is_control());
        if !domain_ok || !local_ok {
            return Err(invalid(
                "must be an e-mail address such as name@example.com",
            ));
        }
        Ok(Email(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// R4 (design): an MPN ID is 6 to 10 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MpnId(String);

impl MpnId {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let value = raw.trim();
        if (6..=10).contains(&value.len()) && value.chars().all(|c| c.is_ascii_digit()) {
            Ok(MpnId(value.to_owned()))
        } else {
            Err(invalid("must be 6 to 10 digits"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A company's display name: trimmed, 1 to 200 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompanyName(String);

impl CompanyName {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let value = raw.trim();
        let count = value.chars().count();
        if count == 0 || count > 200 || value.chars().any(char::is_control) {
            return Err(invalid(
                "must be 1 to 200 characters without control characters",
            ));
        }
        Ok(CompanyName(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free text a person writes (a rejection reason): trimmed, 1 to `max` characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    pub fn parse(raw: &str, max: usize) -> Result<Self, ValueError> {
        let value = raw.trim();
        let count = value.chars().count();
        if count == 0 || count > max {
            return Err(invalid(format!("must be 1 to {max} characters")));
        }
        Ok(Text(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mpn_ids_are_six_to_ten_digits() {
        for ok in ["123456", "1234567890", " 4433221 "] {
            assert!(MpnId::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["12345", "12345678901", "12a456", "", "１２３４５６"] {
            assert!(MpnId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert_eq!(
            Email::parse(" Ops@Contoso.COM ").map(|e| e.to_string()),
            Ok("Ops@contoso.com".to_owned())
        );
        for bad in [
            "",
            "ops",
            "ops@",
            "@contoso.com",
            "ops@contoso",
            "o ps@contoso.com",
            "ops@contoso..com",
            "a@b@c.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tenant_ids_are_uuids() {
        assert!(TenantId::parse("7d8a3f2e-0b1c-4c55-9a57-2f3e4d5c6b7a").is_ok());
        assert!(TenantId::parse("contoso").is_err());
    }

    #[test]
    fn company_names_are_trimmed_and_bounded() {
        assert_eq!(
            CompanyName::parse("  Contoso  ").map(|n| n.as_str().to_owned()),
            Ok("Contoso".into())
        );
        assert!(CompanyName::parse("   ").is_err());
        assert!(CompanyName::parse(&"x".repeat(201)).is_err());
    }
}
