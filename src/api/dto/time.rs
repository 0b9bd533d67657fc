//! Timestamps as the hot reads write them (issue 11).
//!
//! chrono's `Serialize` hands its RFC 3339 text to `Serializer::collect_str` a piece at a time,
//! and serde_json escapes each piece on its own: on a list of 50 customers that was a twelfth of
//! the request. `#[serde(serialize_with = "time::rfc3339")]` writes the same text (chrono's,
//! `SecondsFormat::AutoSi` with `Z`, as its `Serialize` writes it) made whole first.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

/// `2026-12-05T09:05:07.000001Z`, exactly as chrono's `Serialize` writes it.
pub fn rfc3339<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

/// `rfc3339`, or `null`.
pub fn rfc3339_or_null<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => rfc3339(at, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use serde::Serialize;

    #[derive(Serialize)]
    struct Ours {
        #[serde(serialize_with = "super::rfc3339")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "super::rfc3339_or_null")]
        maybe: Option<DateTime<Utc>>,
    }

    #[derive(Serialize)]
    struct Chronos {
        at: DateTime<Utc>,
        maybe: Option<DateTime<Utc>>,
    }

    #[test]
    fn writes_what_chrono_writes() {
        let second = Utc.with_ymd_and_hms(2026, 12, 5, 9, 5, 7).unwrap();
        let year_end = Utc.with_ymd_and_hms(2016, 12, 31, 23, 59, 59).unwrap()
            + chrono::Duration::nanoseconds(999_999_999);
        let far = Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap();
        for nanos in [0, 500_000_000, 123_000_000, 1_000, 123_456_789, 1] {
            for at in [second, year_end, far] {
                let at = at + chrono::Duration::nanoseconds(nanos);
                for maybe in [None, Some(at)] {
                    let ours = serde_json::to_string(&Ours { at, maybe }).unwrap();
                    let chronos = serde_json::to_string(&Chronos { at, maybe }).unwrap();
                    assert_eq!(ours, chronos);
                }
            }
        }
        let shown = serde_json::to_value(Ours {
            at: second,
            maybe: None,
        })
        .unwrap();
        assert_eq!(
            shown,
            serde_json::json!({"at": "2026-12-05T09:05:07Z", "maybe": null})
        );
    }
}
