//! Webhook delivery (R35): signing, where a webhook may go, and the sender.

pub mod signature;
pub mod target;
