//! Timestamps as the hot reads load them (issue 11).
//!
//! diesel keeps a `Timestamp` on SQLite as text it writes in one form, `%F %T%.f`, and reads it
//! back by trying up to 18 chrono format strings, each compiled anew for every value: on a list
//! of 50 customers that was a tenth of the request. `StoredTime` reads that one form with a
//! chrono format compiled once, and hands anything else (a value written by hand, another
//! form SQLite accepts) to diesel's reading. On PostgreSQL, a binary timestamp, it is diesel's
//! reading. Rows name it with `#[diesel(deserialize_as = StoredTime)]` (or `MaybeStoredTime`
//! for a nullable column); their field stays a `NaiveDateTime`.

use std::sync::LazyLock;

use chrono::NaiveDateTime;
use chrono::format::{Item, Parsed, StrftimeItems};
use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, FromSqlRow, Queryable};
use diesel::pg::Pg;
use diesel::sql_types::{Nullable, Timestamp};
use diesel::sqlite::Sqlite;

use super::MultiBackend;

/// How diesel writes a `NaiveDateTime` on SQLite (its `ENCODE_NAIVE_DATETIME_FORMAT`).
const SQLITE_FORM: &str = "%F %T%.f";

/// `SQLITE_FORM` compiled once: a constant of the program, not state. (`None` cannot happen, as
/// the unit tests show; every value would then go to diesel's reading.)
static SQLITE_ITEMS: LazyLock<Option<Vec<Item<'static>>>> =
    LazyLock::new(|| StrftimeItems::new(SQLITE_FORM).parse().ok());

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

/// The form diesel writes, read with the compiled items; `None` for any other form.
fn parse_written(text: &str) -> Option<NaiveDateTime> {
    let items = SQLITE_ITEMS.as_ref()?;
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, text, items.iter()).ok()?;
    parsed.to_naive_datetime_with_offset(0).ok()
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
    use chrono::{NaiveDate, NaiveDateTime};

    use super::{SQLITE_FORM, parse_written};

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
    fn leaves_other_forms_to_diesel() {
        for other in [
            "2026-12-05T09:05:07",
            "2026-12-05 09:05",
            "2026-12-05 09:05:07+01:00",
            "2461014.5",
            "",
        ] {
            assert_eq!(parse_written(other), None, "{other}");
        }
    }
}
