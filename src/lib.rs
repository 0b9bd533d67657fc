//! csp-transition: moves a CSP direct bill partner to indirect reseller (see README.md).

pub mod api;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod delivery;
pub mod domain;
pub mod operation_runner;
pub mod route_table;
pub mod sealing;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod token;
pub mod webhooks;
