//! Where "now" comes from. The domain never reads the time itself (STYLE.md).

use std::sync::Arc;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

type NowFn = dyn Fn() -> DateTime<Utc> + Send + Sync;

#[derive(Clone)]
pub struct Clock(Arc<NowFn>);

impl Clock {
    pub fn system() -> Clock {
        Clock(Arc::new(Utc::now))
    }

    /// A clock driven by the caller (tests move time forward with it).
    pub fn from_fn(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    /// The current time in whole microseconds, the precision both databases keep.
    pub fn now(&self) -> DateTime<Utc> {
        let now = (self.0)();
        now.duration_trunc(TimeDelta::microseconds(1))
            .unwrap_or(now)
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Clock")
    }
}
