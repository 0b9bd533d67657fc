//! Rate limits per tenant (API.md "Rate limits"): `RATE_LIMIT_PER_MINUTE` requests a minute per
//! replica, counted by governor's GCRA on the app clock (so tests move time, not wait for it).
//! The tenant is the verified token's `tid`; a request without a usable token counts against its
//! client address. Every answer carries `RateLimit-Limit`, `RateLimit-Remaining` and
//! `RateLimit-Reset`; past the limit the answer is 429 `rate_limited` with `Retry-After`.
//!
//! The counters are per replica and in memory by design (the contract says "per replica"); they
//! hold no business state.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};
use governor::middleware::StateInformationMiddleware;
use governor::nanos::Nanos;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter};

use super::caller::Caller;
use super::error::ApiError;
use crate::clock::Clock;
use crate::state::AppState;

/// Forgotten keys are dropped after this many requests (governor keeps one entry per key).
const RETAIN_EVERY: u64 = 4096;

/// The app clock, as governor reads time.
#[derive(Clone)]
struct AppClock(Clock);

impl governor::clock::Clock for AppClock {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        let nanos = self.0.now().timestamp_nanos_opt().unwrap_or(0);
        Nanos::new(u64::try_from(nanos).unwrap_or(0))
    }
}

type Limiter = RateLimiter<String, DashMapStateStore<String>, AppClock, StateInformationMiddleware>;

pub struct RateLimits {
    limit: u32,
    /// How long one request's share of the minute takes to come back.
    per_request: Duration,
    limiter: Limiter,
    clock: AppClock,
    checked: AtomicU64,
}

/// What one request may do, and what its answer says about the rest of the minute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub remaining: u32,
    /// Seconds until the full minute's allowance is back.
    pub reset: u64,
    /// Seconds until the next request is allowed (0 when it is now).
    pub retry_after: u64,
}

fn ceil_secs(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

impl RateLimits {
    /// None: limits are off (`0`).
    pub fn new(per_minute: u32, clock: Clock) -> Option<RateLimits> {
        let limit = NonZeroU32::new(per_minute)?;
        let clock = AppClock(clock);
        let limiter = RateLimiter::dashmap_with_clock(Quota::per_minute(limit), clock.clone())
            .with_middleware::<StateInformationMiddleware>();
        Some(RateLimits {
            limit: per_minute,
            per_request: Duration::from_secs(60) / per_minute,
            limiter,
            clock,
            checked: AtomicU64::new(0),
        })
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Counts one request of `key`.
    pub fn check(&self, key: &str) -> Verdict {
        if self.checked.fetch_add(1, Ordering::Relaxed) % RETAIN_EVERY == RETAIN_EVERY - 1 {
            self.limiter.retain_recent();
        }
        match self.limiter.check_key(&key.to_owned()) {
            Ok(state) => {
                let remaining = state.remaining_burst_capacity();
                Verdict {
                    allowed: true,
                    remaining,
                    reset: ceil_secs(self.per_request * (self.limit - remaining)),
                    retry_after: 0,
                }
            }
            Err(not_until) => {
                use governor::clock::Clock as _;
                let wait = ceil_secs(not_until.wait_time_from(self.clock.now())).max(1);
                Verdict {
                    allowed: false,
                    remaining: 0,
                    reset: ceil_secs(self.per_request * self.limit),
                    retry_after: wait,
                }
            }
        }
    }

    fn headers(&self, v: Verdict, headers: &mut HeaderMap) {
        for (name, value) in [
            ("ratelimit-limit", u64::from(self.limit)),
            ("ratelimit-remaining", u64::from(v.remaining)),
            ("ratelimit-reset", v.reset),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
}

/// Whom a request counts against: its tenant, or else its client address. A verified caller is
/// kept for the handler, so the token is checked once.
fn key(req: &ServiceRequest) -> String {
    match Caller::identify(req.request()) {
        Ok(caller) => {
            let tenant = caller.tenant().to_string();
            req.extensions_mut().insert(caller);
            tenant
        }
        Err(_) => format!(
            "client:{}",
            req.peer_addr()
                .map(|a| a.ip().to_string())
                .unwrap_or_default()
        ),
    }
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let Some(limits) = state.rate_limits.as_ref() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let verdict = limits.check(&key(&req));
    let mut response = if verdict.allowed {
        next.call(req).await?.map_into_boxed_body()
    } else {
        let retry = u32::try_from(verdict.retry_after).unwrap_or(u32::MAX);
        let refused = ApiError::rate_limited(retry, limits.limit()).error_response();
        req.into_response(refused)
    };
    limits.headers(verdict, response.headers_mut());
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use std::sync::Arc;
    use std::sync::atomic::AtomicI64;

    #[test]
    fn each_key_gets_its_minute_and_time_brings_it_back() {
        let offset = Arc::new(AtomicI64::new(0));
        let o = offset.clone();
        let start = Utc::now();
        let clock =
            Clock::from_fn(move || start + chrono::Duration::seconds(o.load(Ordering::SeqCst)));
        let limits = RateLimits::new(3, clock).expect("on");
        let seen: Vec<(bool, u32)> = (0..4)
            .map(|_| limits.check("a"))
            .map(|v| (v.allowed, v.remaining))
            .collect();
        assert_eq!(seen, vec![(true, 2), (true, 1), (true, 0), (false, 0)]);
        let refused = limits.check("a");
        assert_eq!(refused.retry_after, 20, "one request's share of the minute");
        assert!(limits.check("b").allowed, "another key has its own minute");
        offset.store(20, Ordering::SeqCst);
        let back = limits.check("a");
        assert_eq!((back.allowed, back.remaining), (true, 0));
        offset.store(80, Ordering::SeqCst);
        let full = limits.check("a");
        assert_eq!((full.allowed, full.remaining, full.reset), (true, 2, 20));
        assert!(
            RateLimits::new(0, Clock::system()).is_none(),
            "0 turns limits off"
        );
    }
}
