//! A real SMTP server for the tests, on a free port in the test's own runtime: the RFC 5321
//! commands a client sends (greeting, EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET,
//! NOOP, QUIT). It records the messages it accepts, and can refuse, drop or hang on demand.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// What the server does with the next DATA (or connection, for `Hang`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    Accept,
    /// Answers DATA with 451 (a temporary refusal).
    RefuseData,
    /// Closes the connection when DATA comes, without answering.
    DropAtData,
    /// Accepts connections and never says a word.
    Hang,
}

/// One accepted message, as it came over the wire.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub data: String,
}

impl Received {
    fn split(&self) -> (&str, &str) {
        self.data.split_once("\r\n\r\n").unwrap_or((&self.data, ""))
    }

    /// Every header, unfolded, in order.
    pub fn headers(&self) -> Vec<(String, String)> {
        let unfolded = self.split().0.replace("\r\n ", " ").replace("\r\n\t", "\t");
        unfolded
            .split("\r\n")
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.to_owned(), value.trim().to_owned()))
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers()
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The body, decoded from its transfer encoding.
    pub fn body(&self) -> String {
        let raw = self.split().1;
        let encoding = self
            .header("content-transfer-encoding")
            .unwrap_or_default()
            .to_ascii_lowercase();
        match encoding.as_str() {
            "quoted-printable" => quoted_printable(raw),
            "base64" => {
                let compact: String = raw.split_whitespace().collect();
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .expect("base64 body");
                String::from_utf8(bytes).expect("UTF-8 body")
            }
            _ => raw.to_owned(),
        }
    }
}

fn quoted_printable(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes[i + 1..].starts_with(b"\r\n") => i += 3,
            b'=' => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("hex"));
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).expect("UTF-8 body")
}

#[derive(Debug)]
struct Shared {
    behaviour: Mutex<Behaviour>,
    received: Mutex<Vec<Received>>,
    connections: AtomicUsize,
    refused: AtomicUsize,
}

pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
        let addr = listener.local_addr().expect("sink address");
        let shared = Arc::new(Shared {
            behaviour: Mutex::new(Behaviour::Accept),
            received: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
        });
        let state = shared.clone();
        // Dropping the sink aborts this task, and with it the sessions in its JoinSet.
        let task = tokio::spawn(async move {
            let mut sessions = JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                state.connections.fetch_add(1, Ordering::SeqCst);
                sessions.spawn(session(stream, state.clone()));
            }
        });
        SmtpSink { addr, shared, task }
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn set(&self, behaviour: Behaviour) {
        *self.shared.behaviour.lock().unwrap() = behaviour;
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// DATA commands refused so far.
    pub fn refused(&self) -> usize {
        self.shared.refused.load(Ordering::SeqCst)
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The path inside `<...>` of a MAIL FROM or RCPT TO argument.
fn path(argument: &str) -> Option<String> {
    let start = argument.find('<')?;
    let end = argument[start..].find('>')? + start;
    Some(argument[start + 1..end].to_owned())
}

async fn session(stream: TcpStream, shared: Arc<Shared>) {
    if *shared.behaviour.lock().unwrap() == Behaviour::Hang {
        let _held = stream;
        tokio::time::sleep(Duration::from_secs(3600)).await;
        return;
    }
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    let mut reply = async |text: &str| write.write_all(format!("{text}\r\n").as_bytes()).await;
    if reply("220 sink.test ESMTP ready").await.is_err() {
        return;
    }
    let mut mail_from: Option<String> = None;
    let mut rcpt_to: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match lines.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end_matches(['\r', '\n']);
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" => "250-sink.test\r\n250-8BITMIME\r\n250 HELP".to_owned(),
            "HELO" => "250 sink.test".to_owned(),
            "MAIL" => match path(command) {
                Some(from) => {
                    mail_from = Some(from);
                    rcpt_to.clear();
                    "250 2.1.0 OK".to_owned()
                }
                None => "501 5.5.4 MAIL FROM:<address>".to_owned(),
            },
            "RCPT" => match (&mail_from, path(command)) {
                (Some(_), Some(to)) => {
                    rcpt_to.push(to);
                    "250 2.1.5 OK".to_owned()
                }
                (None, _) => "503 5.5.1 MAIL first".to_owned(),
                (_, None) => "501 5.5.4 RCPT TO:<address>".to_owned(),
            },
            "DATA" if mail_from.is_none() || rcpt_to.is_empty() => {
                "503 5.5.1 MAIL and RCPT first".to_owned()
            }
            "DATA" => {
                let behaviour = *shared.behaviour.lock().unwrap();
                match behaviour {
                    Behaviour::RefuseData => {
                        shared.refused.fetch_add(1, Ordering::SeqCst);
                        mail_from = None;
                        rcpt_to.clear();
                        "451 4.3.0 try again later".to_owned()
                    }
                    Behaviour::DropAtData | Behaviour::Hang => return,
                    Behaviour::Accept => {
                        if reply("354 end with <CRLF>.<CRLF>").await.is_err() {
                            return;
                        }
                        let mut data = String::new();
                        loop {
                            line.clear();
                            match lines.read_line(&mut line).await {
                                Ok(0) | Err(_) => return,
                                Ok(_) => {}
                            }
                            if line == ".\r\n" || line == ".\n" {
                                break;
                            }
                            // Dot-unstuffing (RFC 5321 4.5.2).
                            data.push_str(line.strip_prefix('.').unwrap_or(&line));
                        }
                        shared.received.lock().unwrap().push(Received {
                            mail_from: mail_from.take().unwrap_or_default(),
                            rcpt_to: std::mem::take(&mut rcpt_to),
                            data,
                        });
                        "250 2.0.0 queued".to_owned()
                    }
                }
            }
            "RSET" => {
                mail_from = None;
                rcpt_to.clear();
                "250 2.0.0 OK".to_owned()
            }
            "NOOP" => "250 2.0.0 OK".to_owned(),
            "QUIT" => {
                let _ = reply("221 2.0.0 bye").await;
                return;
            }
            _ => "502 5.5.2 command not implemented".to_owned(),
        };
        if reply(&answer).await.is_err() {
            return;
        }
    }
}
