//! Limits on the request head (API.md "Limits"): headers 16 KiB in all (431), URI 8 KiB (414),
//! answered as problem+json with `x-request-id`, like every other error.
//!
//! Two layers. `middleware` checks every head actix parsed. A head actix's HTTP/1 parser refuses
//! itself (over its 128 KiB buffer or 96 headers, a URI over the `http` crate's 64 KiB, a
//! malformed line) its dispatcher answers with an empty 400 or 431 before any middleware runs;
//! so `serve` hands actix each connection through `Guarded`, which runs the same parser over a
//! copy of the bytes first and puts a marked request where a refused head was, for `middleware`
//! to answer like any other.

use std::fmt;
use std::io;
use std::net::TcpListener;
use std::pin::Pin;
use std::sync::LazyLock;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use actix_codec::Decoder;
use actix_http::h1::{Codec, MessageType};
use actix_http::{HttpService, KeepAlive, Request, Response, ServiceConfig};
use actix_service::{IntoServiceFactory, ServiceFactoryExt, map_config};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{
    AppConfig, RequestHead, Server, Service, ServiceFactory, ServiceRequest, ServiceResponse,
    fn_service,
};
use actix_web::middleware::Next;
use actix_web::rt::net::TcpStream;
use actix_web::web::BytesMut;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use uuid::Uuid;

use super::error::ApiError;
use super::error_code::ErrorCode;

/// The longest request target (URI) served, in bytes.
pub const MAX_URI: usize = 8 * 1024;
/// The most header bytes (`name: value\r\n`, all fields) a request may carry.
pub const MAX_HEADERS: usize = 16 * 1024;

/// Why a request head is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    UriTooLong,
    HeadersTooLarge,
    Malformed,
}

impl Refusal {
    fn name(self) -> &'static str {
        match self {
            Refusal::UriTooLong => "uri_too_long",
            Refusal::HeadersTooLarge => "headers_too_large",
            Refusal::Malformed => "malformed",
        }
    }

    fn from_name(name: &str) -> Option<Refusal> {
        [
            Refusal::UriTooLong,
            Refusal::HeadersTooLarge,
            Refusal::Malformed,
        ]
        .into_iter()
        .find(|r| r.name() == name)
    }

    pub fn error(self) -> ApiError {
        match self {
            Refusal::UriTooLong => ApiError::new(
                ErrorCode::UriTooLong,
                format!("the URI must be at most {MAX_URI} bytes"),
            ),
            Refusal::HeadersTooLarge => ApiError::new(
                ErrorCode::RequestHeaderFieldsTooLarge,
                format!("the request headers must be at most {MAX_HEADERS} bytes in all"),
            ),
            Refusal::Malformed => ApiError::bad_request("the request is not valid HTTP/1.1"),
        }
    }
}

/// The spec's limits over a parsed head; the URI is measured as the client sent it.
pub fn check(head: &RequestHead) -> Option<Refusal> {
    let uri = &head.uri;
    let uri_len = uri.scheme_str().map_or(0, |s| s.len() + 3)
        + uri.authority().map_or(0, |a| a.as_str().len())
        + uri.path_and_query().map_or(0, |p| p.as_str().len());
    let headers_len: usize = head
        .headers()
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len() + 4)
        .sum();
    if uri_len > MAX_URI {
        Some(Refusal::UriTooLong)
    } else if headers_len > MAX_HEADERS {
        Some(Refusal::HeadersTooLarge)
    } else {
        None
    }
}

/// Marks the request `Guarded` puts in place of a refused head. Its value holds a key made at
/// start-up, so a client cannot send it (and would only get an error if it could).
const REFUSED_HEADER: &str = "x-csp-transition-refused";
static REFUSED_KEY: LazyLock<String> = LazyLock::new(|| Uuid::new_v4().simple().to_string());

fn marked_refusal(req: &ServiceRequest) -> Option<Refusal> {
    let value = req.headers().get(REFUSED_HEADER)?.to_str().ok()?;
    let (key, name) = value.split_once(' ')?;
    if key != REFUSED_KEY.as_str() {
        return None;
    }
    Refusal::from_name(name)
}

/// Answers a refused head (marked by `Guarded`, or over the limits) before anything else runs.
/// Sits inside the request-id middleware, so the answer carries `x-request-id` too.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    if let Some(refusal) = marked_refusal(&req).or_else(|| check(req.head())) {
        return Ok(req.error_response(refusal.error()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// A connection as actix's HTTP/1 dispatcher reads it, after a shadow of its own parser: bytes
/// pass on once parsed; a head the parser refuses is replaced by a marked request (with
/// `connection: close`) and the rest of the connection is read and dropped.
pub struct Guarded<T> {
    io: T,
    parser: Codec,
    /// Bytes read but not yet passed on; the first `parsed` of them were parsed.
    buf: BytesMut,
    parsed: usize,
    /// The bytes after `parsed`, which the parser consumes as it goes.
    unparsed: BytesMut,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Parsing,
    /// Past a body the parser refused, or the end of input: actix sees the bytes as they are.
    PassThrough,
    /// A head was refused: what follows is dropped.
    Refused,
}

impl<T> Guarded<T> {
    /// `config` only feeds the parser; one per worker will do (each starts a date timer).
    pub fn new(io: T, config: ServiceConfig) -> Guarded<T> {
        Guarded {
            io,
            parser: Codec::new(config),
            buf: BytesMut::new(),
            parsed: 0,
            unparsed: BytesMut::new(),
            state: State::Parsing,
        }
    }

    /// Takes newly read bytes and parses as far as they go.
    fn feed(&mut self, data: &[u8]) {
        if self.state != State::Parsing {
            if self.state == State::PassThrough {
                self.buf.extend_from_slice(data);
                self.parsed = self.buf.len();
            }
            return;
        }
        self.buf.extend_from_slice(data);
        self.unparsed.extend_from_slice(data);
        loop {
            let at_head = self.parser.message_type() == MessageType::None;
            let before = self.unparsed.len();
            match self.parser.decode(&mut self.unparsed) {
                Ok(message) => {
                    self.parsed += before - self.unparsed.len();
                    if message.is_none() {
                        return;
                    }
                }
                Err(error) if at_head => {
                    // The parser may have consumed part of it: the head is read from `buf`.
                    let refusal = refusal_of(&self.buf[self.parsed..], &error);
                    tracing::info!(%error, refusal = refusal.name(), "request head refused");
                    self.refuse(refusal);
                    return;
                }
                // A broken body: actix answers it; this layer steps aside.
                Err(_) => {
                    self.state = State::PassThrough;
                    self.parsed = self.buf.len();
                    self.unparsed.clear();
                    return;
                }
            }
        }
    }

    fn refuse(&mut self, refusal: Refusal) {
        self.buf.truncate(self.parsed);
        self.unparsed.clear();
        self.buf.extend_from_slice(
            format!(
                "GET / HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\
                 {REFUSED_HEADER}: {} {}\r\n\r\n",
                REFUSED_KEY.as_str(),
                refusal.name()
            )
            .as_bytes(),
        );
        self.parsed = self.buf.len();
        self.state = State::Refused;
    }
}

/// Which limit a head the parser refused broke: a long request target is 414, a head too large
/// for the parser is 431, anything else 400.
fn refusal_of(head: &[u8], error: &actix_http::error::ParseError) -> Refusal {
    let line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let target = line
        .splitn(3, |&b| b == b' ')
        .nth(1)
        .unwrap_or_default()
        .len();
    if target > MAX_URI {
        Refusal::UriTooLong
    } else if matches!(error, actix_http::error::ParseError::TooLarge) {
        Refusal::HeadersTooLarge
    } else {
        Refusal::Malformed
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Guarded<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let mut chunk = [0u8; 8 * 1024];
        loop {
            if this.parsed > 0 {
                let n = this.parsed.min(out.remaining());
                out.put_slice(&this.buf.split_to(n));
                this.parsed -= n;
                return Poll::Ready(Ok(()));
            }
            let mut read = ReadBuf::new(&mut chunk);
            ready!(Pin::new(&mut this.io).poll_read(cx, &mut read))?;
            if read.filled().is_empty() {
                // The end of input: what is left, a partial head or body, goes on as it is.
                if this.state == State::Parsing && !this.buf.is_empty() {
                    this.state = State::PassThrough;
                    this.parsed = this.buf.len();
                    this.unparsed.clear();
                    continue;
                }
                return Poll::Ready(Ok(()));
            }
            this.feed(read.filled());
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Guarded<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, data)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}

/// Serves the app on `listener` as `HttpServer::listen` does (HTTP/1, its default timeouts,
/// graceful shutdown on SIGINT/SIGTERM), but over `Guarded` connections, on `workers` workers,
/// each with at most `blocking_threads` threads for blocking work (the database calls).
pub fn serve<F, I, S, B>(
    listener: TcpListener,
    workers: usize,
    blocking_threads: usize,
    factory: F,
) -> io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    B: MessageBody + 'static,
{
    let addr = listener.local_addr()?;
    let builder = Server::build()
        .workers(workers.max(1))
        .worker_max_blocking_threads(blocking_threads.max(1));
    let shutdown = builder.graceful_shutdown_signal();
    let builder = builder.listen(format!("csp-transition-{addr}"), listener, move || {
        let shutdown = shutdown.clone();
        let parser = ServiceConfig::default();
        let app = factory()
            .into_factory()
            .map_err(|err| err.into().error_response());
        let http = HttpService::build()
            // As HttpServer does: idle keep-alive connections close when shutdown starts.
            .graceful_shutdown_signal(move || {
                let shutdown = shutdown.clone();
                async move { shutdown.notified().await }
            })
            .keep_alive(KeepAlive::default())
            .client_request_timeout(Duration::from_secs(5))
            .client_disconnect_timeout(Duration::from_secs(1))
            .local_addr(addr)
            .h1(map_config(app, |_| AppConfig::default()));
        fn_service(move |io: TcpStream| {
            let parser = parser.clone();
            async move {
                let peer = io.peer_addr().ok();
                Ok((Guarded::new(io, parser), peer))
            }
        })
        .and_then(http)
    })?;
    Ok(builder.run())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded_read(input: &[&[u8]]) -> (Vec<u8>, State) {
        let mut g = Guarded::new((), ServiceConfig::default());
        for chunk in input {
            g.feed(chunk);
        }
        (g.buf[..g.parsed].to_vec(), g.state)
    }

    fn marked(refusal: Refusal) -> String {
        format!(
            "{REFUSED_HEADER}: {} {}\r\n",
            REFUSED_KEY.as_str(),
            refusal.name()
        )
    }

    #[actix_web::test]
    async fn parsed_heads_and_bodies_pass_unchanged() {
        let two = b"POST /a HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\n\r\nabc\
                    GET /b HTTP/1.1\r\nhost: x\r\n\r\n";
        assert_eq!(guarded_read(&[two]), (two.to_vec(), State::Parsing));
        let chunked = b"POST /a HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n\
                        3\r\nabc\r\n0\r\n\r\nGET /b HTTP/1.1\r\nhost: x\r\n\r\n";
        assert_eq!(guarded_read(&[chunked]), (chunked.to_vec(), State::Parsing));
    }

    #[actix_web::test]
    async fn a_partial_head_waits_whole() {
        let (passed, state) = guarded_read(&[b"GET /a HTTP/1.1\r\nhost: x\r\n", b"accept: */*"]);
        assert_eq!((passed.len(), state), (0, State::Parsing));
        let (passed, _) = guarded_read(&[b"GET /a HTTP/1.1\r\nhost: x\r\n", b"\r\n"]);
        assert_eq!(passed, b"GET /a HTTP/1.1\r\nhost: x\r\n\r\n");
    }

    #[actix_web::test]
    async fn refused_heads_become_a_marked_request_after_the_good_ones() {
        let good = b"GET /a HTTP/1.1\r\nhost: x\r\n\r\n".to_vec();
        let cases: Vec<(Vec<u8>, Refusal)> = vec![
            (
                b"GET /a HTTP/1.1\r\nhost: x\r\nbad header\r\n\r\n".to_vec(),
                Refusal::Malformed,
            ),
            (b"GET /a HTTP/1.1\r\n\r\n".to_vec(), Refusal::Malformed),
            (
                format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(70 * 1024)).into_bytes(),
                Refusal::UriTooLong,
            ),
            (
                format!("GET /{}", "a".repeat(130 * 1024)).into_bytes(),
                Refusal::UriTooLong,
            ),
            (
                format!("GET / HTTP/1.1\r\nx: {}", "a".repeat(130 * 1024)).into_bytes(),
                Refusal::HeadersTooLarge,
            ),
            (
                format!("GET / HTTP/1.1\r\n{}\r\n", "x: y\r\n".repeat(100)).into_bytes(),
                Refusal::HeadersTooLarge,
            ),
        ];
        for (bad, refusal) in cases {
            let (passed, state) = guarded_read(&[&good, &bad, b"GET /c HTTP/1.1\r\n\r\n"]);
            assert_eq!(state, State::Refused, "{refusal:?}");
            let passed = String::from_utf8(passed).expect("ascii");
            assert!(passed.starts_with("GET /a HTTP/1.1\r\nhost: x\r\n\r\nGET / HTTP/1.1\r\n"));
            assert!(passed.contains(&marked(refusal)), "{refusal:?}: {passed}");
            assert!(passed.ends_with("\r\n\r\n") && !passed.contains("/c"));
        }
    }

    #[actix_web::test]
    async fn a_broken_body_is_left_to_actix() {
        let input = b"POST /a HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n\
                      zz\r\nGET /b HTTP/1.1\r\n\r\n";
        assert_eq!(guarded_read(&[input]), (input.to_vec(), State::PassThrough));
    }

    #[test]
    fn marks_need_the_key() {
        let req = |value: &str| {
            actix_web::test::TestRequest::default()
                .insert_header((REFUSED_HEADER, value.to_owned()))
                .to_srv_request()
        };
        let key = REFUSED_KEY.as_str();
        assert_eq!(
            marked_refusal(&req(&format!("{key} uri_too_long"))),
            Some(Refusal::UriTooLong)
        );
        assert_eq!(marked_refusal(&req("guess uri_too_long")), None);
        assert_eq!(marked_refusal(&req(&format!("{key} other"))), None);
    }

    #[test]
    fn limits_count_the_uri_and_all_header_bytes() {
        let head = |uri: String, headers: usize| {
            let mut req = actix_web::test::TestRequest::default().uri(&uri);
            for i in 0..headers {
                req = req.insert_header((format!("x-h{i:04}"), "v".repeat(1000)));
            }
            check(req.to_srv_request().head())
        };
        assert_eq!(head(format!("/{}", "a".repeat(MAX_URI - 1)), 0), None);
        assert_eq!(
            head(format!("/{}", "a".repeat(MAX_URI)), 0),
            Some(Refusal::UriTooLong)
        );
        assert_eq!(head("/".into(), 16), None);
        assert_eq!(head("/".into(), 17), Some(Refusal::HeadersTooLarge));
    }
}
