//! R30, R35: the SMTP sender. Every outbox e-mail is claimed by one sender, sent with a
//! timeout, and its attempt recorded; failures are retried on the shared schedule.

use std::time::Duration;

use actix_web::error::BlockingError;
use lettre::message::{Mailbox, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use thiserror::Error;
use uuid::Uuid;

use super::TICK;
use crate::clock::Clock;
use crate::config::SmtpUrl;
use crate::domain::delivery::LEASE;
use crate::domain::notification::MailStatus;
use crate::sealing::DataKey;
use crate::store::mail::{claim_due, record_failure, record_sent};
use crate::store::models::NotificationRow;
use crate::store::{Db, StoreError};

/// One attempt: a server that does not answer within this counts as a failure.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// E-mails claimed at once, sent one after the other: even against a server that hangs, the
/// batch ends within its lease (4 x 10 s < 60 s), so no other replica takes them over meanwhile.
const BATCH: i64 = 4;
/// `last_error` keeps the start of a long server answer.
const ERROR_CHARS: usize = 500;

#[derive(Debug, Error)]
enum SenderError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("database task: {0}")]
    Blocking(#[from] BlockingError),
}

/// The e-mail as it goes out. Every header is written by the mail library from parsed values,
/// which encodes what a header must not carry (CR, LF): a subject cannot add a header.
pub fn build_message(
    from: &Mailbox,
    id: &str,
    to: &str,
    subject: &str,
    body: String,
) -> Result<Message, String> {
    let to: Mailbox = to
        .parse()
        .map_err(|e| format!("recipient {to:?} refused: {e}"))?;
    // Stable across attempts, so a receiver can drop the duplicate an at-least-once retry makes.
    let message_id = format!("<{id}@{}>", from.email.domain());
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(message_id))
        .singlepart(SinglePart::plain(body))
        .map_err(|e| format!("message not built: {e}"))
}

/// The background task of one replica; `run` until the server stops.
pub struct MailSender {
    db: Db,
    data_key: DataKey,
    clock: Clock,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl MailSender {
    pub fn new(db: Db, data_key: DataKey, clock: Clock, smtp: &SmtpUrl, from: Mailbox) -> Self {
        let transport = smtp.transport().timeout(Some(SEND_TIMEOUT)).build();
        MailSender {
            db,
            data_key,
            clock,
            transport,
            from,
        }
    }

    pub async fn run(self) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // A full batch means more may be due: claim again without waiting for the tick.
            loop {
                match self.round().await {
                    Ok(claimed) if claimed == BATCH => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "e-mail delivery round failed; trying again");
                        break;
                    }
                }
            }
        }
    }

    /// Claims due e-mails and attempts each; returns how many were claimed.
    async fn round(&self) -> Result<i64, SenderError> {
        // A new owner per claim: a record from an older claim can never land on a newer one.
        let owner = Uuid::now_v7().to_string();
        let now = self.clock.now();
        let lease_owner = owner.clone();
        let claimed = self
            .db
            .write(move |conn| claim_due(conn, &lease_owner, now, BATCH).map_err(SenderError::from))
            .await?;
        let count = i64::try_from(claimed.len()).unwrap_or(BATCH);
        for row in claimed {
            self.attempt(row, &owner).await?;
        }
        Ok(count)
    }

    async fn attempt(&self, row: NotificationRow, owner: &str) -> Result<(), SenderError> {
        let outcome = match self.message(&row) {
            Ok(message) => self.send(message).await,
            Err(e) => Err(e),
        };
        let now = self.clock.now();
        let owner = owner.to_owned();
        let id = row.id.clone();
        let status = match outcome {
            Ok(()) => {
                let sent = self
                    .db
                    .write(move |conn| {
                        record_sent(conn, &row.id, &owner, now).map_err(SenderError::from)
                    })
                    .await?;
                sent.then_some(MailStatus::Sent)
            }
            Err(error) => {
                tracing::warn!(notification = %id, error = %error, "e-mail not delivered");
                let error: String = error.chars().take(ERROR_CHARS).collect();
                let jitter: f64 = rand::random();
                self.db
                    .write(move |conn| {
                        record_failure(conn, &row, &owner, &error, now, jitter)
                            .map_err(SenderError::from)
                    })
                    .await?
            }
        };
        match status {
            Some(status) => {
                tracing::info!(notification = %id, status = status.name(), "e-mail attempt recorded")
            }
            None => tracing::warn!(
                notification = %id,
                lease = LEASE.num_seconds(),
                "e-mail lease ran out before its attempt was recorded; another sender has it"
            ),
        }
        Ok(())
    }

    fn message(&self, row: &NotificationRow) -> Result<Message, String> {
        let sealed = row.body_sealed.as_deref().unwrap_or(&row.body);
        let body = self
            .data_key
            .open(sealed)
            .map_err(|e| format!("the e-mail body cannot be opened with DATA_KEY: {e}"))?;
        build_message(&self.from, &row.id, &row.to_address, &row.subject, body)
    }

    async fn send(&self, message: Message) -> Result<(), String> {
        match tokio::time::timeout(SEND_TIMEOUT, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err(format!(
                "no answer from the SMTP server within {} s",
                SEND_TIMEOUT.as_secs()
            )),
        }
    }
}
