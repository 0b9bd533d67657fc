//! What every request can reach: the pool, the clock, the verifier, the settings.

use crate::api::metrics::Metrics;
use crate::api::rate_limit::RateLimits;
use crate::auth::Verifier;
use crate::clock::Clock;
use crate::domain::enrollment::ReviewMode;
use crate::domain::values::TenantId;
use crate::route_table::RouteTable;
use crate::sealing::DataKey;
use crate::store::Db;

/// What every request can reach. No business state: that lives in the database.
pub struct AppState {
    pub db: Db,
    pub verifier: Verifier,
    pub operator_tenant: TenantId,
    pub review: ReviewMode,
    /// Base of invitation links, no trailing slash.
    pub public_base_url: String,
    pub clock: Clock,
    pub routes: RouteTable,
    /// Seals secrets kept at rest (API.md "Secrets at rest").
    pub data_key: DataKey,
    /// R35: webhook URLs may point at loopback and private addresses.
    pub webhook_allow_private: bool,
    /// R35: how long a receiver has to answer (10 s).
    pub webhook_timeout: std::time::Duration,
    /// None: limits are off (API.md "Rate limits").
    pub rate_limits: Option<RateLimits>,
    /// What `/metrics` shows; counts of this process only.
    pub metrics: Metrics,
}
