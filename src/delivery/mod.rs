//! What `serve` sends in the background (R35): webhooks, claimed in the database so that however
//! many replicas run, each delivery is attempted by one.

pub mod webhook;
