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

/// Text is taken as sent, never trimmed: whitespace at either end is refused, so what the
/// OpenAPI pattern admits and what the parser accepts are the same strings.
fn no_edge_whitespace(raw: &str) -> Result<(), ValueError> {
    if raw.starts_with(char::is_whitespace) || raw.ends_with(char::is_whitespace) {
        return Err(invalid("must not start or end with whitespace"));
    }
    Ok(())
}

fn char_count(raw: &str, max: usize) -> Result<(), ValueError> {
    if (1..=max).contains(&raw.chars().count()) {
        Ok(())
    } else {
        Err(invalid(format!("must be 1 to {max} characters")))
    }
}

// Regex classes for the OpenAPI patterns below; ECMA-262, Python `re` and Rust `regex` read them
// alike. Controls are U+0000-U+001F and U+007F-U+009F (`char::is_control`); whitespace is
// `char::is_whitespace`. The tests compare both with the parsers over every character.
macro_rules! not_space_or_control {
    () => {
        "[^\\x00-\\x20\\x7F-\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]"
    };
}

/// A line of header-safe text (names, subjects): no control characters, no whitespace at either
/// end. The length is declared apart (`minLength`, `maxLength`).
pub const LINE_PATTERN: &str = concat!(
    "^",
    not_space_or_control!(),
    "(?:[^\\x00-\\x1F\\x7F-\\x9F]*",
    not_space_or_control!(),
    ")?$"
);

/// Free text (a reason, a message): line breaks and tabs inside are fine, other control
/// characters (NUL among them, which PostgreSQL refuses in text) are not, and neither is
/// whitespace at either end.
pub const TEXT_PATTERN: &str = concat!(
    "^",
    not_space_or_control!(),
    "(?:[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*",
    not_space_or_control!(),
    ")?$"
);

/// R4 (design): an MPN ID is 6 to 10 digits.
pub const MPN_ID_PATTERN: &str = "^[0-9]{6,10}$";

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
/// characters (it is a header of every e-mail sent to it). Taken as sent, not trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        header_safe(raw)?;
        if raw.is_empty() || raw.chars().count() > Self::MAX {
            return Err(invalid("must be an e-mail address of 1 to 254 characters"));
        }
        let Some((local, domain)) = raw.split_once('@') else {
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
        if (6..=10).contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_digit()) {
            Ok(MpnId(raw.to_owned()))
        } else {
            Err(invalid("must be 6 to 10 digits"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A company's display name (partner, provider or customer): 1 to 200 characters, no control
/// characters (e-mail subjects are made from it), no whitespace at either end (`LINE_PATTERN`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CompanyName(String);

impl CompanyName {
    pub const MAX: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        char_count(raw, Self::MAX)?;
        header_safe(raw)?;
        no_edge_whitespace(raw)?;
        Ok(CompanyName(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An e-mail subject a person writes: 1 to 300 characters, no control characters, no whitespace
/// at either end (`LINE_PATTERN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject(String);

impl Subject {
    pub const MAX: usize = 300;

    pub fn parse(raw: &str) -> Result<Self, ValueError> {
        char_count(raw, Self::MAX)?;
        header_safe(raw)?;
        no_edge_whitespace(raw)?;
        Ok(Subject(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Free text a person writes (a rejection reason, a message): 1 to `max` characters, no
/// whitespace at either end (`TEXT_PATTERN`); it goes into e-mail bodies, where line breaks are
/// fine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    pub fn parse(raw: &str, max: usize) -> Result<Self, ValueError> {
        char_count(raw, max)?;
        no_edge_whitespace(raw)?;
        if raw
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            return Err(invalid(
                "must not contain control characters other than line breaks and tabs",
            ));
        }
        Ok(Text(raw.to_owned()))
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
        for ok in ["123456", "1234567890", "0044332"] {
            assert!(MpnId::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "12345",
            "12345678901",
            "12a456",
            "",
            "１２３４５６",
            " 4433221",
            "4433221\n",
        ] {
            assert!(MpnId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert_eq!(
            Email::parse("Ops@Contoso.COM").map(|e| e.to_string()),
            Ok("Ops@contoso.com".to_owned())
        );
        for bad in [
            "",
            " ops@contoso.com",
            "ops@contoso.com ",
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
            assert!(parse(&format!(" {good}")).is_err(), "{name}: not trimmed");
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
    fn text_is_taken_as_sent_and_bounded_in_characters() {
        let edge = Err(ValueError("must not start or end with whitespace".into()));
        for raw in [" Hello", "Hello ", "\u{a0}Hello", "Hello\u{3000}", "  "] {
            assert_eq!(Subject::parse(raw).map(drop), edge, "{raw:?}");
            assert_eq!(CompanyName::parse(raw).map(drop), edge, "{raw:?}");
            assert_eq!(Text::parse(raw, 10).map(drop), edge, "{raw:?}");
        }
        assert_eq!(Text::parse("Hello\n", 10).map(drop), edge);
        assert!(Text::parse("Dear all,\n\nno.", 20).is_ok());
        assert!(Subject::parse(&"é".repeat(Subject::MAX)).is_ok());
        assert!(Subject::parse(&"x".repeat(Subject::MAX + 1)).is_err());
        assert!(CompanyName::parse(&"x".repeat(CompanyName::MAX)).is_ok());
        assert!(CompanyName::parse(&"x".repeat(CompanyName::MAX + 1)).is_err());
        assert_eq!(
            CompanyName::parse(""),
            Err(ValueError("must be 1 to 200 characters".into()))
        );
    }

    /// The OpenAPI patterns accept exactly what the parsers accept (lengths aside, which the
    /// document declares as `minLength` / `maxLength`).
    #[test]
    fn the_patterns_agree_with_the_parsers_on_every_character() {
        let line = regex::Regex::new(LINE_PATTERN).expect("LINE_PATTERN");
        let text = regex::Regex::new(TEXT_PATTERN).expect("TEXT_PATTERN");
        let mpn = regex::Regex::new(MPN_ID_PATTERN).expect("MPN_ID_PATTERN");
        for c in (0..=0x10FFFF_u32).filter_map(char::from_u32) {
            for raw in [
                format!("{c}"),
                format!("a{c}"),
                format!("{c}a"),
                format!("a{c}a"),
            ] {
                assert_eq!(
                    line.is_match(&raw),
                    CompanyName::parse(&raw).is_ok(),
                    "LINE_PATTERN vs CompanyName: {raw:?}"
                );
                assert_eq!(
                    text.is_match(&raw),
                    Text::parse(&raw, 3).is_ok(),
                    "TEXT_PATTERN vs Text: {raw:?}"
                );
            }
            let digits = format!("12345{c}");
            assert_eq!(
                mpn.is_match(&digits),
                MpnId::parse(&digits).is_ok(),
                "{digits:?}"
            );
        }
    }

    #[test]
    fn free_text_keeps_line_breaks_and_tabs_but_no_other_control_characters() {
        assert!(Text::parse("line one\nline two\r\n\tindented", 100).is_ok());
        for bad in [
            "nul\u{0}inside",
            "bell\u{7}",
            "escape\u{1b}[0m",
            "next\u{85}line",
        ] {
            assert!(Text::parse(bad, 100).is_err(), "{bad:?}");
        }
    }
}
