//! One integration test binary: the real server over HTTP, on SQLite by default and on
//! PostgreSQL when TEST_DATABASE_URL is set.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

mod admin_relationships;
mod agreement;
mod auth;
mod bulk_move;
mod cli;
mod crash_resume;
mod customers;
mod enrollment;
mod errors;
mod events;
mod helpers;
mod hot_reads;
mod idempotency;
mod incentives;
mod inputs;
mod isolation;
mod mail;
mod migrations;
mod openapi;
mod operations;
mod outbox_audit;
mod overview;
mod partners;
mod postgres;
mod providers;
mod races;
mod rate_limits;
mod receiver;
mod secrets;
mod shutdown;
mod smtp_sink;
mod transition_plans;
mod webhooks;
