//! R30, R35: outbox e-mails delivered over SMTP to a real server (`smtp_sink`), retried on the
//! shared schedule as the test clock passes each attempt, and shown in `notifications`.

use std::time::{Duration as Std, Instant};

use std::collections::BTreeSet;

use base64::Engine;
use chrono::{Duration, Utc};
use csp_transition::delivery::mail::build_message;
use csp_transition::domain::delivery::{LEASE, RETRY_DELAYS_SECONDS};
use csp_transition::store::mail::{claim_due, record_sent};
use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::smtp_sink::{Behaviour, SmtpSink};

const FROM: &str = "Contoso Transition <transition@csp.example>";

async fn notes(app: &TestApp, partner: &str) -> Vec<Value> {
    app.ga(partner)
        .get(&format!("/v1/partners/{partner}/notifications"))
        .await
        .expect(200)["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Polls the partner's notifications (real time, 20 s at most) until `done` holds for each.
async fn notes_when(app: &TestApp, partner: &str, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    let deadline = Instant::now() + Std::from_secs(20);
    loop {
        let items = notes(app, partner).await;
        if !items.is_empty() && items.iter().all(&done) {
            return items;
        }
        assert!(Instant::now() < deadline, "still waiting: {items:#?}");
        tokio::time::sleep(Std::from_millis(100)).await;
    }
}

fn attempts(note: &Value) -> i64 {
    note["delivery"]["attempts"].as_i64().unwrap()
}

fn status(note: &Value) -> &str {
    note["delivery"]["status"].as_str().unwrap()
}

/// Submits the partner's enrollment; auto review approves it and sends two e-mails (R7, R26).
async fn approved(app: &TestApp) -> String {
    let partner = app.partner().await;
    app.ga(&partner)
        .post(
            &format!("/v1/partners/{partner}/indirect-reseller-enrollment"),
            json!({}),
        )
        .await
        .expect(201);
    partner
}

/// The test clock moves past the latest retry after `attempts` failures (the schedule's wait
/// plus its 20 % jitter).
fn past_retry(app: &TestApp, attempts: usize) {
    let wait = RETRY_DELAYS_SECONDS[attempts - 1];
    app.advance(Duration::seconds(wait * 6 / 5 + 1));
}

#[tokio::test]
async fn r30_the_e_mails_of_a_transition_arrive_with_their_links_and_show_as_sent() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn_mailing(&sink, FROM).await;
    let provider = app.provider().await;
    let w = app.walk_through(&provider).await;
    let (partner, ptoken, token) = (&w.partner, &w.partnership_token, &w.token);

    let notes = notes_when(&app, partner, |n| status(n) == "sent").await;
    let kinds: Vec<&str> = notes.iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "enrollment_approved",
            "incentive_invitation",
            "partnership_invitation",
            "customer_invitation",
            "customer_accepted"
        ]
    );
    let received = sink.received();
    for note in &notes {
        let kind = note["kind"].as_str().unwrap();
        let to = note["to"].as_str().unwrap();
        let subject = note["subject"].as_str().unwrap();
        assert_eq!(note["delivery"]["attempts"], 1, "{kind}");
        assert!(note["delivery"]["sent_at"].is_string(), "{kind}");
        assert_eq!(note["delivery"]["last_error"], Value::Null, "{kind}");
        let mut copies = received
            .iter()
            .filter(|m| m.rcpt_to == [to] && m.header("subject").as_deref() == Some(subject));
        let mail = copies
            .next()
            .unwrap_or_else(|| panic!("{kind} not received"));
        assert!(copies.next().is_none(), "{kind} sent once");
        assert_eq!(mail.mail_from, "transition@csp.example");
        assert_eq!(
            mail.header("from").as_deref(),
            Some("\"Contoso Transition\" <transition@csp.example>")
        );
        assert_eq!(mail.header("to").as_deref(), Some(to));
        assert_eq!(
            mail.header("message-id"),
            Some(format!("<{}@csp.example>", note["id"].as_str().unwrap())),
            "stable across attempts"
        );
        // The API hides every token; the e-mail carries it (API.md "Secrets at rest").
        let body = mail.body().replace("\r\n", "\n");
        let shown = note["body"].as_str().unwrap();
        let secret = match kind {
            "partnership_invitation" => Some(&ptoken),
            "customer_invitation" => Some(&token),
            _ => None,
        };
        if let Some(secret) = secret {
            assert!(body.contains(&format!("token={secret}")), "{kind}: {body}");
            assert!(shown.contains("token=[hidden]") && !shown.contains(secret.as_str()));
            assert_eq!(body.replace(secret.as_str(), "[hidden]").trim_end(), shown);
        } else {
            assert_eq!(body.trim_end(), shown, "{kind}");
        }
    }
}

#[tokio::test]
async fn r35_a_refused_e_mail_is_retried_when_its_time_comes_then_sent() {
    let sink = SmtpSink::start().await;
    sink.set(Behaviour::RefuseData);
    let app = TestApp::spawn_mailing(&sink, FROM).await;
    let partner = approved(&app).await;

    let notes = notes_when(&app, &partner, |n| attempts(n) == 1).await;
    assert_eq!(notes.len(), 2);
    for note in &notes {
        assert_eq!(status(note), "pending");
        let error = note["delivery"]["last_error"].as_str().unwrap();
        assert!(error.contains("451"), "{error}");
        assert_eq!(note["delivery"]["sent_at"], Value::Null);
    }
    assert_eq!(sink.refused(), 2);
    // Not due yet: the sender keeps looking, and leaves them alone.
    tokio::time::sleep(Std::from_secs(1)).await;
    assert_eq!(sink.refused(), 2);
    assert!(notes_when(&app, &partner, |n| attempts(n) == 1).await.len() == 2);

    // Second attempt: the server drops the connection.
    sink.set(Behaviour::DropAtData);
    past_retry(&app, 1);
    let notes = notes_when(&app, &partner, |n| attempts(n) == 2).await;
    for note in &notes {
        assert_eq!(status(note), "pending");
        let error = note["delivery"]["last_error"].as_str().unwrap();
        assert!(!error.is_empty() && !error.contains("451"), "{error}");
    }

    sink.set(Behaviour::Accept);
    past_retry(&app, 2);
    let notes = notes_when(&app, &partner, |n| status(n) == "sent").await;
    for note in &notes {
        assert_eq!(attempts(note), 3);
        assert!(note["delivery"]["sent_at"].is_string());
    }
    assert_eq!(sink.received().len(), 2);
}

#[tokio::test]
async fn r35_after_the_last_retry_an_e_mail_is_failed_and_left_alone() {
    let sink = SmtpSink::start().await;
    sink.set(Behaviour::RefuseData);
    let app = TestApp::spawn_mailing(&sink, FROM).await;
    let partner = approved(&app).await;

    let tries = RETRY_DELAYS_SECONDS.len() + 1;
    for attempt in 1..tries {
        let notes = notes_when(&app, &partner, |n| attempts(n) == attempt as i64).await;
        assert!(notes.iter().all(|n| status(n) == "pending"), "{notes:#?}");
        past_retry(&app, attempt);
    }
    let notes = notes_when(&app, &partner, |n| status(n) == "failed").await;
    for note in &notes {
        assert_eq!(attempts(note), tries as i64);
        assert!(note["delivery"]["last_error"].is_string());
        assert_eq!(note["delivery"]["sent_at"], Value::Null);
    }
    assert_eq!(sink.refused(), 2 * tries);
    app.advance(Duration::days(30));
    tokio::time::sleep(Std::from_secs(1)).await;
    assert_eq!(sink.refused(), 2 * tries, "given up");
    assert!(sink.received().is_empty());
}

#[tokio::test]
async fn r30_without_smtp_url_nothing_is_sent_and_e_mails_stay_pending() {
    let sink = SmtpSink::start().await;
    let app = TestApp::spawn().await;
    let partner = approved(&app).await;
    tokio::time::sleep(Std::from_secs(1)).await;
    let notes = notes(&app, &partner).await;
    assert_eq!(notes.len(), 2);
    for note in &notes {
        assert_eq!(
            note["delivery"],
            json!({"status": "pending", "attempts": 0, "sent_at": null, "last_error": null})
        );
    }
    assert_eq!(sink.connections(), 0);
}

#[tokio::test]
async fn r35_a_server_that_hangs_times_out_without_holding_up_requests() {
    let sink = SmtpSink::start().await;
    sink.set(Behaviour::Hang);
    let url = sink.url();
    let app = TestApp::spawn_with(move |a| {
        a.smtp_url = Some(url);
        a.enrollment_review = "manual".into();
    })
    .await;
    let partner = app.partner().await;
    let enrollment = format!("/v1/partners/{partner}/indirect-reseller-enrollment");
    app.ga(&partner)
        .post(&enrollment, json!({}))
        .await
        .expect(201);
    // The rejection sends one e-mail (R9).
    app.operator()
        .post(
            &format!("{enrollment}/reject"),
            json!({"reason": "MPN ID does not match"}),
        )
        .await
        .expect(200);
    let deadline = Instant::now() + Std::from_secs(10);
    while sink.connections() == 0 {
        assert!(Instant::now() < deadline, "the sender never connected");
        tokio::time::sleep(Std::from_millis(50)).await;
    }
    let asked = Instant::now();
    let pending = notes(&app, &partner).await;
    assert!(asked.elapsed() < Std::from_secs(2), "requests do not wait");
    assert_eq!(status(&pending[0]), "pending");

    let notes = notes_when(&app, &partner, |n| attempts(n) == 1).await;
    assert_eq!(status(&notes[0]), "pending");
    assert!(notes[0]["delivery"]["last_error"].is_string());

    sink.set(Behaviour::Accept);
    past_retry(&app, 1);
    notes_when(&app, &partner, |n| status(n) == "sent").await;
    assert_eq!(sink.received().len(), 1);
    assert_eq!(sink.received()[0].rcpt_to, ["ops@contoso.com"]);
}

/// A replica of `first`: the same database and data key, delivering to `sink`.
async fn replica(first: &TestApp, key: &str, sink: &SmtpSink) -> TestApp {
    let (url, key, smtp) = (first.db.url.clone(), key.to_owned(), sink.url());
    TestApp::spawn_with(move |a| {
        a.database_url = url;
        a.data_key = Some(key);
        a.smtp_url = Some(smtp);
    })
    .await
}

#[tokio::test]
async fn r35_replicas_on_one_database_send_each_e_mail_once() {
    let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
    let sink = SmtpSink::start().await;
    let (smtp, first_key) = (sink.url(), key.clone());
    let first = TestApp::spawn_with(move |a| {
        a.data_key = Some(first_key);
        a.smtp_url = Some(smtp);
    })
    .await;
    let _second = replica(&first, &key, &sink).await;
    let _third = replica(&first, &key, &sink).await;
    let mut partners = Vec::new();
    for _ in 0..6 {
        partners.push(approved(&first).await);
    }
    for partner in &partners {
        notes_when(&first, partner, |n| status(n) == "sent" && attempts(n) == 1).await;
    }
    let ids: BTreeSet<String> = sink
        .received()
        .iter()
        .map(|m| m.header("message-id").unwrap())
        .collect();
    assert_eq!(sink.received().len(), 12, "each e-mail once");
    assert_eq!(ids.len(), 12);
}

#[tokio::test]
async fn r35_an_e_mail_whose_sender_died_is_sent_when_its_lease_runs_out() {
    let key = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
    let first_key = key.clone();
    // Writes the e-mails and sends nothing (no SMTP_URL).
    let writer = TestApp::spawn_with(move |a| a.data_key = Some(first_key)).await;
    let partner = approved(&writer).await;
    // A sender claims them and dies before recording anything.
    let claimed = claim_due(&mut writer.db.connect(), "dead-sender", Utc::now(), 10).unwrap();
    assert_eq!(claimed.len(), 2);
    let sink = SmtpSink::start().await;
    let sender = replica(&writer, &key, &sink).await;
    tokio::time::sleep(Std::from_secs(1)).await;
    assert_eq!(sink.connections(), 0, "leased: not taken over yet");

    sender.advance(LEASE + Duration::seconds(1));
    let notes = notes_when(&sender, &partner, |n| status(n) == "sent").await;
    assert!(notes.iter().all(|n| attempts(n) == 1));
    assert_eq!(sink.received().len(), 2);
    // The dead sender's late word does not overwrite the new owner's record.
    let mut conn = writer.db.connect();
    assert!(!record_sent(&mut conn, &claimed[0].id, "dead-sender", Utc::now()).unwrap());
}

/// API.md "Conventions": no CR/LF reaches a header. The domain refuses control characters in
/// subjects and addresses; the message builder encodes them all the same.
#[test]
fn a_subject_cannot_add_a_header() {
    let from = FROM.parse().unwrap();
    for subject in ["Moving\r\nBcc: x@y.example", "Moving\nBcc: x@y.example"] {
        let message = build_message(
            &from,
            "0190c2f4-0000-7000-8000-000000000001",
            "it@fourthcoffee.example",
            subject,
            "Please accept".into(),
        )
        .unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        let head = text.split("\r\n\r\n").next().unwrap();
        assert!(
            !head
                .split("\r\n")
                .any(|line| line.to_ascii_lowercase().starts_with("bcc")),
            "{head}"
        );
        let to: Vec<String> = message
            .envelope()
            .to()
            .iter()
            .map(|a| a.to_string())
            .collect();
        assert_eq!(to, ["it@fourthcoffee.example"]);
    }
    assert!(
        build_message(
            &from,
            "0190c2f4-0000-7000-8000-000000000001",
            "it@fourthcoffee.example\r\nBcc: x@y.example",
            "Moving",
            "Please accept".into(),
        )
        .is_err(),
        "a recipient with a line break is refused"
    );
}
