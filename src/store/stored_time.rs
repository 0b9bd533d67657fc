//! Timestamps as the hot reads load them (issue 11).
//!
//! diesel keeps a `Timestamp` on SQLite as text it writes in one form, `%F %T%.f`, and reads it
//! back by trying up to 18 chrono format strings, each compiled anew for every value: on a list
//! of 50 customers that was a tenth of the request. `StoredTime` reads that one form by the
//! position of its fields (chrono's general parser, even with the format compiled once, still
//! took a tenth of the list), and hands anything else (a value written by hand, another form
//! SQLite accepts) to diesel's reading. On PostgreSQL, a binary timestamp, it is diesel's
//! reading. Rows name it with `#[diesel(deserialize_as = StoredTime)]` (or `MaybeStoredTime`
//! for a nullable column); their field stays a `NaiveDateTime`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow, Queryable};
use diesel::pg::Pg;
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::Sqlite;

use super::MultiBackend;

#[derive(Debug, Clone, Copy, PartialEq, Eq, FromSqlRow)]
pub struct StoredTime(pub NaiveDateTime);

impl From<StoredTime> for NaiveDateTime {
    fn from(t: StoredTime) -> NaiveDateTime {
        t.0
    }
}

/// A nullable timestamp column, read as `StoredTime` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybeStoredTime(pub Option<NaiveDateTime>);

impl From<MaybeStoredTime> for Option<NaiveDateTime> {
    fn from(t: MaybeStoredTime) -> Option<NaiveDateTime> {
        t.0
    }
}

impl<DB: Backend> Queryable<Nullable<Timestamp>, DB> for MaybeStoredTime
where
    Option<StoredTime>: FromSql<Nullable<Timestamp>, DB>,
{
    type Row = Option<StoredTime>;

    fn build(row: Option<StoredTime>) -> deserialize::Result<Self> {
        Ok(MaybeStoredTime(row.map(|t| t.0)))
    }
}

/// The form diesel writes on SQLite (its `ENCODE_NAIVE_DATETIME_FORMAT`, `%F %T%.f`:
/// `2026-12-05 09:05:07.000001`, a four-digit year, a fraction of 1 to 9 digits or none for a
/// whole second), each field read where it stands; `None` for any other form, or for a date or
/// time that does not exist (chrono decides that; a leap second goes to diesel's reading).
fn parse_written(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    let number = |from: usize, to: usize| -> Option<u32> {
        b.get(from..to)?.iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let separators = [(4, b'-'), (7, b'-'), (10, b' '), (13, b':'), (16, b':')];
    if b.len() < 19 || separators.iter().any(|&(at, c)| b[at] != c) {
        return None;
    }
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', digits @ ..] if (1..=9).contains(&digits.len()) => {
            number(20, b.len())? * 10u32.pow(9 - digits.len() as u32)
        }
        _ => return None,
    };
    let year = i32::try_from(number(0, 4)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(5, 7)?, number(8, 10)?)?.and_hms_nano_opt(
        number(11, 13)?,
        number(14, 16)?,
        number(17, 19)?,
        nanos,
    )
}

impl FromSql<Timestamp, Sqlite> for StoredTime {
    fn from_sql(mut value: diesel::sqlite::SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        if let Some(at) = parse_written(value.read_text()) {
            return Ok(StoredTime(at));
        }
        <NaiveDateTime as FromSql<Timestamp, Sqlite>>::from_sql(value).map(StoredTime)
    }
}

impl FromSql<Timestamp, Pg> for StoredTime {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> deserialize::Result<Self> {
        <NaiveDateTime as FromSql<Timestamp, Pg>>::from_sql(value).map(StoredTime)
    }
}

impl FromSql<Timestamp, MultiBackend> for StoredTime {
    fn from_sql(value: <MultiBackend as Backend>::RawValue<'_>) -> deserialize::Result<Self> {
        value.from_sql::<Self, Timestamp>()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveDateTime, Timelike};

    use super::parse_written;

    /// How diesel writes a `NaiveDateTime` on SQLite.
    const SQLITE_FORM: &str = "%F %T%.f";

    fn at(h: u32, m: u32, s: u32, micro: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 5)
            .unwrap()
            .and_hms_micro_opt(h, m, s, micro)
            .unwrap()
    }

    #[test]
    fn reads_back_what_diesel_writes_on_sqlite() {
        for t in [at(0, 0, 0, 0), at(9, 5, 7, 1), at(23, 59, 59, 999_999)] {
            let written = t.format(SQLITE_FORM).to_string();
            assert_eq!(parse_written(&written), Some(t), "{written}");
        }
        // Whole seconds are written without a fraction.
        assert_eq!(parse_written("2026-12-05 09:05:07"), Some(at(9, 5, 7, 0)));
    }

    #[test]
    fn reads_every_form_as_diesel_does() {
        use diesel::prelude::*;
        use diesel::sql_types::Timestamp;

        use super::StoredTime;

        let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
        for (stored, want) in [
            ("2026-12-05 09:05:07.000001", at(9, 5, 7, 1)),
            ("2026-12-05T09:05:07", at(9, 5, 7, 0)),
            ("2026-12-05 09:05", at(9, 5, 0, 0)),
            ("2026-12-05T09:05:07.5Z", at(9, 5, 7, 500_000)),
        ] {
            let literal = diesel::dsl::sql::<Timestamp>(&format!("'{stored}'"));
            let got: StoredTime = diesel::select(literal.clone())
                .get_result(&mut conn)
                .unwrap();
            let diesels: NaiveDateTime = diesel::select(literal).get_result(&mut conn).unwrap();
            assert_eq!((got.0, diesels), (want, want), "{stored}");
        }
        let bad = diesel::select(diesel::dsl::sql::<Timestamp>("'not a time'"))
            .get_result::<StoredTime>(&mut conn);
        assert!(bad.is_err(), "{bad:?}");
    }

    #[test]
    fn reads_every_fraction_as_chrono_does() {
        for (text, nanos) in [
            ("2026-12-05 09:05:07.5", 500_000_000),
            ("2026-12-05 09:05:07.12", 120_000_000),
            ("2026-12-05 09:05:07.123", 123_000_000),
            ("2026-12-05 09:05:07.000001", 1_000),
            ("2026-12-05 09:05:07.1234567", 123_456_700),
            ("2026-12-05 09:05:07.123456789", 123_456_789),
        ] {
            let chronos = NaiveDateTime::parse_from_str(text, SQLITE_FORM).unwrap();
            let want = at(9, 5, 7, 0).with_nanosecond(nanos).unwrap();
            assert_eq!((parse_written(text), chronos), (Some(want), want), "{text}");
        }
        for (text, want) in [
            ("0001-01-01 00:00:00", NaiveDate::from_ymd_opt(1, 1, 1)),
            ("9999-12-31 23:59:59", NaiveDate::from_ymd_opt(9999, 12, 31)),
            ("2024-02-29 12:00:00", NaiveDate::from_ymd_opt(2024, 2, 29)),
        ] {
            let chronos = NaiveDateTime::parse_from_str(text, SQLITE_FORM).ok();
            assert_eq!(parse_written(text).map(|t| t.date()), want, "{text}");
            assert_eq!(parse_written(text), chronos, "{text}");
        }
    }

    #[test]
    fn leaves_other_forms_to_diesel() {
        for other in [
            "2026-12-05T09:05:07",
            "2026-12-05 09:05",
            "2026-12-05 09:05:07+01:00",
            "2461014.5",
            "",
            // No such date or time, a fraction too long or empty, a sign or digit out of place.
            "2026-02-30 09:05:07",
            "2026-12-05 24:00:00",
            "2026-12-05 09:60:07",
            "2026-12-05 09:05:07.1234567891",
            "2026-12-05 09:05:07.",
            "2026-12-05 09:05:07.12a",
            "+2026-12-05 09:05:07",
            "2026-1a-05 09:05:07",
            "2026-12-05 09:05:07 ",
        ] {
            assert_eq!(parse_written(other), None, "{other}");
        }
    }
}
