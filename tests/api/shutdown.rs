//! API.md "Operations": on SIGTERM the service stops accepting connections, finishes the
//! requests in flight and exits 0. The real binary gets the signal while a request is half sent.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::helpers::{OPERATOR, SECRET, TestDb, token_for};

/// A port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn connect(port: u16) -> std::io::Result<TcpStream> {
    TcpStream::connect_timeout(
        &format!("127.0.0.1:{port}").parse().unwrap(),
        Duration::from_secs(1),
    )
}

#[test]
fn sigterm_finishes_the_request_in_flight_then_exits_0() {
    let db = TestDb::new();
    let data = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_csp-transition"))
        .arg("serve")
        .current_dir(data.path())
        .env("DATABASE_URL", &db.url)
        .env("BIND_ADDR", format!("127.0.0.1:{port}"))
        .env("JWT_SECRET", SECRET)
        .env("OPERATOR_TENANT_ID", OPERATOR)
        .env("SENDERS", "off")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let mut stream = (0..500)
        .find_map(|_| {
            connect(port).ok().or_else(|| {
                std::thread::sleep(Duration::from_millis(20));
                None
            })
        })
        .expect("the server listens");

    // A request whose body is still on its way when the signal comes.
    let body = serde_json::json!({
        "tenant_id": uuid::Uuid::new_v4().to_string(),
        "company_name": "Contoso Ltd",
        "region": "DE",
        "mpn_id": "4433221",
        "primary_contact_email": "ops@contoso.com",
        "mpn_account_email": "mpn@contoso.com",
        "offboarding_identified": true
    })
    .to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let head = format!(
        "POST /v1/partners HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer {}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nexpect: 100-continue\r\n\r\n",
        token_for(OPERATOR, &["ProgramAdmin"], "pat@operator.example"),
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.flush().unwrap();
    // 100 Continue: the server has the request and waits for its body.
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("\r\n\r\n") {
        let n = stream.read(&mut buf).expect("100 Continue");
        assert!(n > 0, "connection closed before 100 Continue");
        answer.extend_from_slice(&buf[..n]);
    }
    assert!(
        String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 100"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    stream.write_all(first.as_bytes()).unwrap();
    stream.flush().unwrap();

    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // The server stops accepting: a new connection is refused soon after the signal.
    let refused = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        connect(port).is_err()
    });
    assert!(refused, "still accepting after SIGTERM");

    // The request in flight completes.
    stream.write_all(rest.as_bytes()).unwrap();
    stream.flush().unwrap();
    let mut answer = Vec::new();
    while !String::from_utf8_lossy(&answer).contains("\r\n\r\n") {
        let n = stream.read(&mut buf).expect("an answer");
        assert!(n > 0, "connection closed without an answer");
        answer.extend_from_slice(&buf[..n]);
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    drop(stream);

    let status = server.wait().unwrap();
    assert_eq!(status.code(), Some(0), "exits 0 after SIGTERM");
}
