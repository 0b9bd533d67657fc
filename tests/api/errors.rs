//! Every failure, framework ones included, is problem+json with a stable code.

use reqwest::Method;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn malformed_json_is_400_and_unknown_fields_422() {
    let app = TestApp::spawn().await;
    let op = app.operator();
    let r = op
        .send_raw(
            Method::POST,
            "/v1/partners",
            "application/json",
            b"{\"tenant_id\": ".to_vec(),
        )
        .await;
    r.expect_problem(400, "bad_request");
    let r = op
        .send_raw(
            Method::POST,
            "/v1/partners",
            "application/json",
            b"[1, 2]".to_vec(),
        )
        .await;
    r.expect_problem(422, "validation_failed");
    let r = op.post("/v1/partners", json!({"tenant_id": uuid::Uuid::new_v4(), "company_name": "A", "region": "DE", "colour": "red"})).await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["colour"]);
    let r = op.post("/v1/partners", json!({"tenant_id": uuid::Uuid::new_v4(), "company_name": "A", "region": "DE", "direct_bill": "yes"})).await;
    r.expect_problem(422, "validation_failed");
    assert_eq!(r.error_fields(), vec!["direct_bill"]);
    let r = op
        .send_raw(
            Method::POST,
            "/v1/partners",
            "text/plain",
            b"hello".to_vec(),
        )
        .await;
    r.expect_problem(415, "unsupported_media_type");
}

#[tokio::test]
async fn bodies_over_256_kib_are_413() {
    let app = TestApp::spawn().await;
    let big = format!("{{\"company_name\": \"{}\"}}", "x".repeat(300 * 1024));
    let id = app.partner().await;
    let r = app
        .ga(&id)
        .send_raw(
            Method::PATCH,
            &format!("/v1/partners/{id}"),
            "application/json",
            big.into_bytes(),
        )
        .await;
    r.expect_problem(413, "payload_too_large");
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let app = TestApp::spawn().await;
    let r = app.anonymous().get("/v1/nowhere").await;
    r.expect_problem(404, "not_found");
    let id = app.partner().await;
    let r = app
        .ga(&id)
        .put(&format!("/v1/partners/{id}"), json!({}))
        .await;
    r.expect_problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, PATCH"));
    let r = app
        .ga(&id)
        .send(
            Method::PUT,
            &format!("/v1/partners/{id}/indirect-reseller-enrollment"),
            None,
        )
        .await;
    r.expect_problem(405, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, POST, DELETE"));
}

#[tokio::test]
async fn problems_have_the_rfc_9457_members() {
    let app = TestApp::spawn().await;
    let r = app
        .anonymous()
        .get("/v1/partners/00000000-0000-0000-0000-000000000002")
        .await;
    r.expect_problem(401, "unauthenticated");
    for member in ["type", "title", "detail", "code"] {
        assert!(
            r.body[member].as_str().is_some_and(|v| !v.is_empty()),
            "{member}: {}",
            r.body
        );
    }
    assert_eq!(r.body["status"], 401);
}

#[tokio::test]
async fn json_in_another_charset_is_415() {
    let app = TestApp::spawn().await;
    let body = |id: uuid::Uuid| {
        serde_json::to_vec(&json!({"tenant_id": id, "company_name": "A", "region": "DE"})).unwrap()
    };
    let op = app.operator();
    for charset in ["latin1", "iso-8859-1", "utf-16", "\"latin1\""] {
        let r = op
            .send_raw(
                Method::POST,
                "/v1/partners",
                &format!("application/json; charset={charset}"),
                body(uuid::Uuid::new_v4()),
            )
            .await;
        r.expect_problem(415, "unsupported_media_type");
    }
    for charset in ["utf-8", "UTF-8", "\"Utf-8\""] {
        op.send_raw(
            Method::POST,
            "/v1/partners",
            &format!("application/json; charset={charset}"),
            body(uuid::Uuid::new_v4()),
        )
        .await
        .expect(201);
    }
}

#[tokio::test]
async fn paths_are_exact_trailing_and_doubled_slashes_are_404() {
    let app = TestApp::spawn().await;
    let id = app.partner().await;
    let ga = app.ga(&id);
    ga.get(&format!("/v1/partners/{id}")).await.expect(200);
    for path in [
        format!("/v1/partners/{id}/"),
        format!("//v1/partners/{id}"),
        format!("/v1//partners/{id}"),
        format!("/v1/partners//{id}"),
        "/v1/partners/".to_owned(),
    ] {
        let r = ga.get(&path).await;
        r.expect_problem(404, "not_found");
        assert!(r.header("allow").is_none(), "{path}");
        assert!(r.header("x-request-id").is_some(), "{path}");
    }
}

/// An answer read off the wire: status, lower-case header names, JSON body.
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: serde_json::Value,
}

impl Raw {
    fn parse(answer: &str) -> Raw {
        let (head, body) = answer.split_once("\r\n\r\n").expect("head and body");
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let body = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
        Raw {
            status,
            headers,
            body,
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A GET with one header of `header` bytes and a URI of `uri` bytes, sent as it is.
async fn oversized(app: &TestApp, header: usize, uri: usize) -> Raw {
    let path = format!("/healthz?pad={}", "a".repeat(uri.saturating_sub(13)));
    let raw = format!(
        "GET {path} HTTP/1.1\r\nhost: x\r\nx-pad: {}\r\nconnection: close\r\n\r\n",
        "a".repeat(header)
    );
    Raw::parse(&raw_exchange(app, raw.as_bytes()).await)
}

#[tokio::test]
async fn heads_over_the_limits_are_431_and_414_problems_with_a_request_id() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            "20 KB header",
            20 * 1024,
            0,
            431,
            "request_header_fields_too_large",
        ),
        (
            "130 KB header",
            130 * 1024,
            0,
            431,
            "request_header_fields_too_large",
        ),
        ("10 KB URI", 0, 10 * 1024, 414, "uri_too_long"),
        ("100 KB URI", 0, 100 * 1024, 414, "uri_too_long"),
    ];
    for (what, header, uri, status, code) in cases {
        let r = oversized(&app, header, uri).await;
        let got = (r.status, r.body["code"].as_str());
        assert_eq!(got, (status, Some(code)), "{what}: {}", r.body);
        assert_eq!(
            r.header("content-type"),
            Some("application/problem+json"),
            "{what}"
        );
        assert!(
            r.header("x-request-id").is_some_and(|v| !v.is_empty()),
            "{what}"
        );
        assert_eq!(r.body["status"], status, "{what}");
    }
    // Within the limits, and the server still answers after the refusals.
    let r = oversized(&app, 14 * 1024, 7 * 1024).await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Writes `raw` on a new connection and reads until the server closes it.
async fn raw_exchange(app: &TestApp, raw: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(raw).await.expect("write");
    let mut answer = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut answer),
    )
    .await
    .expect("the server closes the connection")
    .expect("read");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn heads_actix_cannot_parse_are_400_problems_after_the_answers_before_them() {
    let app = TestApp::spawn().await;
    let answer = raw_exchange(
        &app,
        b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n\
          GET /v1/nowhere HTTP/1.1\r\nhost: x\r\n\r\n\
          GET /healthz HTTP/1.1\r\nhost: x\r\nno colon here\r\n\r\n",
    )
    .await;
    let statuses: Vec<&str> = answer
        .match_indices("HTTP/1.1 ")
        .filter_map(|(at, _)| answer[at..].lines().next())
        .collect();
    assert_eq!(
        statuses,
        [
            "HTTP/1.1 200 OK",
            "HTTP/1.1 404 Not Found",
            "HTTP/1.1 400 Bad Request"
        ],
        "{answer}"
    );
    let last = Raw::parse(&answer[answer.rfind("HTTP/1.1 400").expect("a 400")..]);
    assert_eq!(
        last.header("content-type"),
        Some("application/problem+json")
    );
    assert!(last.header("x-request-id").is_some_and(|v| !v.is_empty()));
    assert_eq!(last.body["code"], "bad_request", "{answer}");
}
