//! Seals secrets that were written in clear before sealing existed (API.md "Secrets at rest"):
//! customer invitation links and e-mail bodies, and outbox e-mails. Runs after the migrations;
//! each row is updated only if it is still as read, so replicas starting at once seal it once.

use diesel::prelude::*;

use super::schema::{customer_invitations as inv, notifications};
use super::{AnyConnection, StoreError};
use crate::domain::notification::hide_tokens;
use crate::sealing::{DataKey, PREFIX};

/// Returns how many rows it sealed.
pub fn seal_existing(conn: &mut AnyConnection, key: &DataKey) -> Result<usize, StoreError> {
    let mut sealed = 0;
    let clear: Vec<(String, String, String)> = inv::table
        .filter(inv::link.not_like(format!("{PREFIX}%")))
        .select((inv::id, inv::link, inv::email_body))
        .load(conn)?;
    for (id, link, body) in clear {
        sealed += diesel::update(
            inv::table
                .filter(inv::id.eq(&id))
                .filter(inv::link.eq(&link)),
        )
        .set((
            inv::link.eq(key.seal(&link)),
            inv::email_body.eq(key.seal(&body)),
        ))
        .execute(conn)?;
    }
    let unsealed: Vec<(String, String)> = notifications::table
        .filter(notifications::body_sealed.is_null())
        .select((notifications::id, notifications::body))
        .load(conn)?;
    for (id, body) in unsealed {
        sealed += diesel::update(
            notifications::table
                .filter(notifications::id.eq(&id))
                .filter(notifications::body_sealed.is_null()),
        )
        .set((
            notifications::body.eq(hide_tokens(&body)),
            notifications::body_sealed.eq(Some(key.seal(&body))),
        ))
        .execute(conn)?;
    }
    Ok(sealed)
}
