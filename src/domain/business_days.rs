//! R6: approval is due within five business days (Mon-Fri; design: no holiday calendar).

use chrono::{DateTime, Datelike, Duration, Utc, Weekday};

/// How many business days an enrollment review may take (R6).
pub const APPROVAL_BUSINESS_DAYS: u32 = 5;

/// `start` moved forward by `days` business days, keeping the time of day. A start on a
/// weekend counts from the next Monday.
pub fn add_business_days(start: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let mut at = start;
    let mut left = days;
    while left > 0 {
        at += Duration::days(1);
        if !matches!(at.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .expect("valid date")
    }

    #[test]
    fn five_business_days_skip_weekends() {
        // 2026-11-23 is a Monday.
        let cases = [
            (at(2026, 11, 23, 9), at(2026, 11, 30, 9)), // Mon -> next Mon
            (at(2026, 11, 25, 9), at(2026, 12, 2, 9)),  // Wed -> next Wed
            (at(2026, 11, 27, 17), at(2026, 12, 4, 17)), // Fri -> next Fri
            (at(2026, 11, 28, 10), at(2026, 12, 4, 10)), // Sat -> Fri after
            (at(2026, 11, 29, 23), at(2026, 12, 4, 23)), // Sun -> Fri after
            (at(2026, 12, 31, 8), at(2027, 1, 7, 8)),   // across the year end
        ];
        for (start, due) in cases {
            assert_eq!(
                add_business_days(start, APPROVAL_BUSINESS_DAYS),
                due,
                "from {start}"
            );
        }
    }

    #[test]
    fn zero_days_is_the_start() {
        let start = at(2026, 11, 28, 10);
        assert_eq!(add_business_days(start, 0), start);
    }

    #[test]
    fn the_due_date_never_falls_on_a_weekend() {
        let mut start = at(2026, 1, 1, 12);
        for _ in 0..60 {
            let due = add_business_days(start, APPROVAL_BUSINESS_DAYS);
            assert!(
                !matches!(due.weekday(), Weekday::Sat | Weekday::Sun),
                "{start} -> {due}"
            );
            assert!(due - start >= Duration::days(5) && due - start <= Duration::days(8));
            start += Duration::hours(13);
        }
    }
}
