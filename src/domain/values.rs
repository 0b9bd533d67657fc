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

/// Text that ends up in an e-mail header carries no control characters, not even at its ends:
/// a CR or LF there would start a header of the sender's choosing.
fn header_safe(raw: &str) -> Result<(), ValueError> {
    if raw.chars().any(char::is_control) {
        return Err(invalid("must not contain control characters"));
    }
    Ok(())
}

/// The id of any tenant: partner, provider, customer or operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(Uuid);

impl TenantId {
    /// Any UUID but the nil one, which names no tenant.
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        let id = Uuid::parse_str(raw.trim()).map_err(|_| invalid("must be a UUID"))?;
        if id.is_nil() {
            return Err(invalid("must not be the nil UUID"));
        }
        Ok(TenantId(id))
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

/// An e-mail address: one `@`, a non-empty local part, a dotted domain, no spaces, no control
/// characters (it is a header of every e-mail sent to it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        header_safe(raw)?;
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

/// A company's display name (partner, provider or customer): trimmed, 1 to 200 characters, no
/// control characters (e-mail subjects are made from it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompanyName(String);

impl CompanyName {
    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        header_safe(raw)?;
        let value = raw.trim();
        let count = value.chars().count();
        if count == 0 || count > 200 {
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

/// An e-mail subject a person writes: trimmed, 1 to 300 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject(String);

impl Subject {
    pub const MAX: usize = 300;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        header_safe(raw)?;
        let value = raw.trim();
        let count = value.chars().count();
        if count == 0 || count > Self::MAX {
            return Err(invalid(format!("must be 1 to {} characters", Self::MAX)));
        }
        Ok(Subject(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free text a person writes (a rejection reason, a message): trimmed, 1 to `max` characters;
/// it goes into e-mail bodies, where line breaks are fine.
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
    fn tenant_ids_are_uuids_but_never_the_nil_one() {
        assert!(TenantId::parse("7d8a3f2e-0b1c-4c55-9a57-2f3e4d5c6b7a").is_ok());
        for bad in [
            "contoso",
            "",
            "00000000-0000-0000-0000-000000000000",
            " 00000000000000000000000000000000 ",
        ] {
            assert!(TenantId::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            TenantId::parse("00000000-0000-0000-0000-000000000000"),
            Err(ValueError("must not be the nil UUID".into()))
        );
    }

    #[test]
    fn header_text_refuses_control_characters_anywhere() {
        type Parser = fn(&str) -> Result<(), ValueError>;
        let parsers: [(&str, Parser, &str); 3] = [
            ("email", |r| Email::parse(r).map(drop), "ops@contoso.com"),
            (
                "company",
                |r| CompanyName::parse(r).map(drop),
                "Contoso Ltd",
            ),
            (
                "subject",
                |r| Subject::parse(r).map(drop),
                "Let us work together",
            ),
        ];
        let controls = ["\r", "\n", "\r\n", "\t", "\0", "\x1b", "\u{7f}", "\u{85}"];
        for (name, parse, good) in parsers {
            assert_eq!(parse(good), Ok(()), "{name}: {good:?}");
            assert_eq!(parse(&format!("  {good}  ")), Ok(()), "{name}: spaces trim");
            for c in controls {
                let at_end = format!("{good}{c}");
                let at_start = format!("{c}{good}");
                let inside = format!("{good}{c}Bcc: evil@example.com");
                for raw in [at_end, at_start, inside] {
                    assert_eq!(
                        parse(&raw),
                        Err(ValueError("must not contain control characters".into())),
                        "{name}: {raw:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn subjects_are_trimmed_and_bounded() {
        assert_eq!(
            Subject::parse(" Hello ").map(|s| s.as_str().to_owned()),
            Ok("Hello".into())
        );
        assert!(Subject::parse("  ").is_err());
        assert!(Subject::parse(&"x".repeat(Subject::MAX)).is_ok());
        assert!(Subject::parse(&"x".repeat(Subject::MAX + 1)).is_err());
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
