//! Background senders (R35): each claims due work from the database, so that one replica sends
//! each message however many run, and keeps going whatever the receiver does.

pub mod mail;
pub mod webhook;

use std::time::Duration;

/// How often a sender looks for due work (real time; whether work is due is the app clock's).
pub const TICK: Duration = Duration::from_millis(250);
