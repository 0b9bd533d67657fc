//! R35: what the service sends (webhooks, e-mails) is delivered at least once, retried with
//! backoff and jitter on one schedule, and given up after the last retry (API.md "Webhooks and
//! e-mail delivery").

use chrono::{DateTime, Duration, Utc};

/// The waits after the 1st, 2nd, ... failed attempt: about 5 s, 1 min, 5 min, 30 min, 2 h, 5 h,
/// 10 h, 10 h. After the 9th attempt fails the message is given up.
pub const RETRY_DELAYS_SECONDS: [i64; 8] = [5, 60, 300, 1800, 7200, 18000, 36000, 36000];

/// A claimed message that its sender did not finish (a crash) is claimed again after this.
pub const LEASE: Duration = Duration::seconds(60);

/// When to try again after `attempts` failed attempts (1 after the first failure), or `None`
/// when the message is given up. `jitter` in [0, 1) spreads retries by ±20 %, so that receivers
/// that come back are not hit by every sender at once.
pub fn next_attempt(attempts: u32, now: DateTime<Utc>, jitter: f64) -> Option<DateTime<Utc>> {
    let index = usize::try_from(attempts.checked_sub(1)?).ok()?;
    let base = *RETRY_DELAYS_SECONDS.get(index)? as f64;
    let spread = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    let millis = (base * 1000.0 * spread).round() as i64;
    Some(now + Duration::milliseconds(millis))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r35_retries_follow_the_schedule_within_the_jitter_and_then_give_up() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let mut previous = Duration::zero();
        for (i, seconds) in RETRY_DELAYS_SECONDS.iter().enumerate() {
            let attempts = u32::try_from(i + 1).unwrap();
            let low = next_attempt(attempts, now, 0.0).unwrap() - now;
            let high = next_attempt(attempts, now, 0.999_999).unwrap() - now;
            let mid = next_attempt(attempts, now, 0.5).unwrap() - now;
            assert_eq!(mid, Duration::seconds(*seconds), "attempt {attempts}");
            assert_eq!(low, Duration::milliseconds(seconds * 800));
            assert!(high <= Duration::milliseconds(seconds * 1200) && high > mid);
            assert!(mid >= previous, "the waits never shrink");
            previous = mid;
        }
        assert_eq!(next_attempt(9, now, 0.5), None, "given up after 9 attempts");
        assert_eq!(next_attempt(0, now, 0.5), None, "no failure, no retry");
    }
}
