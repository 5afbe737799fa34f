//! What an adapter implements: a transport that sends one request, and for async the
//! [`Runtime`] its futures run on (a clock and a timer). Nothing else is an adapter's job.
//!
//! This module owns the contract between the driver and an adapter, and the one rule that
//! turns a low-level failure into the core's [`TransportError`] ([`failure`]): every adapter
//! maps its library's errors onto the same five facts, so the core decides retries the same
//! way whatever moves the bytes. It must not hold protocol logic: no status codes, no retries.

pub use crate::runtime::{Clock, Runtime, Timer};
/// An answer's body: shared bytes, so that a body an HTTP library read in one piece is handed
/// on without a copy (see [`BodyBuffer`]). A `Vec<u8>` becomes one with `.into()`, no copy.
pub use bytes::Bytes;
use lean_proto::client::Error;
use lean_proto::retry::TransportError;
use std::future::Future;
use std::time::Duration;

/// What the builder collects for the transport: limits and TLS material. A transport that
/// cannot honour an option refuses it in [`Connect::connect`] instead of ignoring it.
#[derive(Clone)]
#[non_exhaustive]
pub struct TransportOptions {
    /// Largest response body accepted, in bytes; larger is [`TransportError::TooLarge`].
    pub max_body: u64,
    /// Longest wait for a connection (default 10 s). A connection not made in time is
    /// "not connected": Lean never saw the request, so the core may simply repeat it.
    pub connect_timeout: Duration,
    /// mTLS: the client certificate chain and its private key, both PEM.
    pub client_identity: Option<(Vec<u8>, Vec<u8>)>,
    /// Trust only these CA certificates (PEM) instead of the web roots.
    pub root_certificates: Option<Vec<u8>>,
    /// Whether the connect timeout was set (not the default): a foreign client has its own.
    pub(crate) connect_timeout_set: bool,
}

impl TransportOptions {
    /// A foreign HTTP client brings its own TLS and connect timeout: asking for them here too
    /// would be silently ignored, so it is refused.
    pub(crate) fn check_foreign(&self) -> Result<(), Error> {
        let what = if self.client_identity.is_some() {
            "client_identity"
        } else if self.root_certificates.is_some() {
            "root_certificates"
        } else if self.connect_timeout_set {
            "connect_timeout"
        } else {
            return Ok(());
        };
        Err(Error::Config(lean_proto::ConfigError::new(format!(
            "{what} is set on the builder, but http_client gave a client of your own: set it \
             on that client instead"
        ))))
    }
}

impl std::fmt::Debug for TransportOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key never reaches a log.
        f.debug_struct("TransportOptions")
            .field("max_body", &self.max_body)
            .field("connect_timeout", &self.connect_timeout)
            .field("client_identity", &self.client_identity.is_some())
            .field("root_certificates", &self.root_certificates.is_some())
            .finish()
    }
}

impl Default for TransportOptions {
    fn default() -> Self {
        TransportOptions {
            max_body: 32 << 20,
            connect_timeout: Duration::from_secs(10),
            client_identity: None,
            root_certificates: None,
            connect_timeout_set: false,
        }
    }
}

/// Building a transport from the options.
pub trait Connect: Sized + Send + Sync + 'static {
    /// Whether the transport bounds the connect phase by [`TransportOptions::connect_timeout`]
    /// and reports it as [`Failure::NotConnected`]. A transport whose library cannot tell a
    /// slow connect from a slow answer says `false`; its connect timeouts then count as
    /// [`Failure::TimedOutAfterSend`] (safe: the core asks again with `async=true`).
    const BOUNDS_CONNECT: bool = true;

    /// Whether the transport presents a client certificate and trusts custom roots
    /// ([`TransportOptions::client_identity`], [`TransportOptions::root_certificates`]). One
    /// that cannot must refuse both in [`Connect::connect`].
    const MUTUAL_TLS: bool = true;

    /// A transport honouring `options`, or why it cannot.
    fn connect(options: &TransportOptions) -> Result<Self, Error>;

    /// The clock the client reads: the system's for a blocking transport,
    /// `Clock::of(runtime)` for an async one (so that a paused or simulated runtime runs the
    /// client in its own time).
    fn clock(&self) -> Clock;
}

/// A transport made from the user's own HTTP client `C` (a `reqwest::Client`, a `ureq::Agent`,
/// a middleware stack): what [`crate::ClientBuilder::http_client`] takes. `options` carries
/// what still applies to a foreign client (the body limit); TLS and the connect timeout are the
/// client's own.
pub trait FromHttpClient<C>: Connect {
    /// The transport over `client`, or why it cannot be used.
    fn from_http_client(client: C, options: &TransportOptions) -> Result<Self, Error>;
}

/// A blocking transport: send one request, wait at most `timeout` for the whole answer.
///
/// It must not follow redirects (a bearer token would travel with them), must hand 4xx/5xx
/// answers back as responses (their bodies are Lean's errors), and must read at most
/// `max_body` bytes of body.
pub trait BlockingTransport: Connect {
    /// One exchange.
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Bytes>, TransportError>;
}

/// An async transport; the same contract as [`BlockingTransport`].
pub trait AsyncTransport: Connect {
    /// The runtime its futures run on, for the driver's clock and timers.
    type Runtime: Runtime;

    /// That runtime (a cheap handle).
    fn runtime(&self) -> &Self::Runtime;

    /// One exchange. The future is `Send`, so calls can be spawned; dropping it abandons the
    /// exchange (the transport must then not reuse that connection).
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> impl Future<Output = Result<http::Response<Bytes>, TransportError>> + Send;
}

/// A low-level failure, as every adapter reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// No connection was made (refused, DNS, TLS handshake, connect timeout): Lean never saw
    /// the request.
    NotConnected,
    /// The time ran out before the request was written.
    TimedOutBeforeSend,
    /// The request was written, then the time ran out: Lean may be working on it.
    TimedOutAfterSend,
    /// The request was (or may have been) written, then the connection failed.
    SentThenFailed,
    /// The answer was larger than the limit.
    BodyTooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The answer's head (status line and headers) was larger than the HTTP library's limit:
    /// Lean answered, with more than the client reads, so it is never asked again.
    HeadTooLarge {
        /// The HTTP library's limit, in bytes.
        limit: u64,
    },
}

/// The one rule from a [`Failure`] to the core's [`TransportError`].
pub fn failure(f: Failure) -> TransportError {
    match f {
        Failure::NotConnected => TransportError::Connect,
        Failure::TimedOutBeforeSend => TransportError::TimedOut {
            request_sent: false,
        },
        Failure::TimedOutAfterSend => TransportError::TimedOut { request_sent: true },
        Failure::SentThenFailed => TransportError::Reset { request_sent: true },
        Failure::BodyTooLarge { limit } | Failure::HeadTooLarge { limit } => {
            TransportError::TooLarge { limit }
        }
    }
}

/// The rule for an I/O error found in a transport's error chain: refused and unreachable mean
/// not connected; a timeout after the request may have left means Lean may be working; anything
/// else (reset, EOF mid-answer) may have reached Lean.
pub fn io_failure(kind: std::io::ErrorKind) -> Failure {
    use std::io::ErrorKind as K;
    match kind {
        K::ConnectionRefused
        | K::NotFound
        | K::AddrNotAvailable
        | K::HostUnreachable
        | K::NetworkUnreachable => Failure::NotConnected,
        K::TimedOut | K::WouldBlock => Failure::TimedOutAfterSend,
        _ => Failure::SentThenFailed,
    }
}

/// Whether a request goes out with no body at all rather than an empty one: a GET with nothing
/// to send. HTTP libraries treat an empty body as a body (hyper polls it, a wake-up more per
/// request; surf adds a content type and length); other methods keep theirs, so that a POST
/// without one still says `content-length: 0`. For adapters whose library tells the two apart.
pub fn bodiless(method: &http::Method, body: &[u8]) -> bool {
    method == http::Method::GET && body.is_empty()
}

/// Idle connections to Lean an adapter keeps for reuse (where its HTTP library lets it choose):
/// as many as the callers a busy client has in flight, so that a connection returned while its
/// caller decodes the answer is not closed, only for the next call to open another (over TLS, a
/// handshake). ureq keeps 3 a host by default: with 16 threads, lean-ureq opened a connection
/// for one call in eight (`strace -c` of the `concurrency` bench: 223 connects in ~1,800 calls,
/// and 16 with this pool).
pub const IDLE_CONNECTIONS: usize = 64;

/// How much room to make for an answer's body before reading it: the length the server
/// announced, so that the buffer is not grown (and copied) chunk by chunk, but no more than the
/// body limit and 1 MiB; and one byte more, the room a reader needs to see that nothing follows
/// (async-std's `read_to_end` doubles a buffer it has filled exactly, zeroing the new half,
/// before it reads the end; a read of at most the limit plus one byte fits as well). A server
/// that announces a large body and sends less then costs no more than a read of that body would.
pub fn body_capacity(announced: Option<u64>, max_body: u64) -> usize {
    const UP_FRONT: u64 = 1 << 20;
    let n = announced.unwrap_or(0).min(max_body).min(UP_FRONT);
    usize::try_from(n).map_or(0, |n| n + 1)
}

/// An answer's body as it arrives, chunk by chunk, within the body limit.
///
/// A body that comes in one chunk (over loopback, a page of accounts arrives whole in one read)
/// is kept as the library handed it, not copied. The copy was the largest single source of
/// lean-reqwest's extra data cache misses against a hand-written client that takes its
/// library's bytes as they are: ~220 of ~975 a call in callgrind's model (`footprint`, 7 KB of
/// accounts). A body in several chunks is joined once, into room for the length the server
/// announced.
#[derive(Debug)]
pub struct BodyBuffer {
    /// The body while it is one chunk.
    first: Bytes,
    /// The body once it is more than one.
    joined: Option<Vec<u8>>,
    announced: Option<u64>,
    max_body: u64,
}

impl BodyBuffer {
    /// A body the server announced as `announced` bytes (its `content-length`), to be read
    /// within `max_body`; an announcement over the limit is refused before anything is read.
    pub fn new(announced: Option<u64>, max_body: u64) -> Result<Self, Failure> {
        if announced.is_some_and(|n| n > max_body) {
            return Err(Failure::BodyTooLarge { limit: max_body });
        }
        Ok(BodyBuffer {
            first: Bytes::new(),
            joined: None,
            announced,
            max_body,
        })
    }

    /// The next chunk; [`Failure::BodyTooLarge`] once the body passes the limit.
    pub fn push(&mut self, chunk: Bytes) -> Result<(), Failure> {
        let len = self.joined.as_ref().map_or(self.first.len(), Vec::len);
        let total = len.saturating_add(chunk.len());
        if total as u64 > self.max_body {
            return Err(Failure::BodyTooLarge {
                limit: self.max_body,
            });
        }
        match &mut self.joined {
            _ if chunk.is_empty() => {}
            Some(joined) => joined.extend_from_slice(&chunk),
            None if self.first.is_empty() => self.first = chunk,
            None => {
                let room = body_capacity(self.announced, self.max_body).max(total);
                let mut joined = Vec::with_capacity(room);
                joined.extend_from_slice(&self.first);
                joined.extend_from_slice(&chunk);
                self.first = Bytes::new();
                self.joined = Some(joined);
            }
        }
        Ok(())
    }

    /// The whole body.
    pub fn finish(self) -> Bytes {
        match self.joined {
            Some(joined) => joined.into(),
            None => self.first,
        }
    }
}

/// Finds an I/O error kind anywhere in an error's `source()` chain.
pub fn io_kind_in(mut e: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    loop {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            return Some(io.kind());
        }
        e = e.source()?;
    }
}

/// A blocking transport made of a closure: a test double in a few lines, or a bridge to an
/// HTTP stack no adapter covers. It answers with whatever the closure returns, so the
/// transport's rules above are the closure's to keep. Build the client with
/// [`crate::ClientBuilder::build_with`].
///
/// ```
/// use lean_client::transport::FnTransport;
/// use lean_client::{Client, lean_proto::{Config, EntityId, Region}};
///
/// // Lean as a test wants it: a token, then an unknown entity.
/// let lean = FnTransport::new(|request: http::Request<Vec<u8>>, _timeout| {
///     let (status, body) = if request.uri().path().ends_with("/oauth2/token") {
///         (200, r#"{"access_token":"t","token_type":"bearer","expires_in":3600}"#)
///     } else {
///         (404, r#"{"status":"ENTITY_NOT_FOUND","message":"no such entity"}"#)
///     };
///     Ok(http::Response::builder().status(status).body(body.into()).unwrap())
/// });
/// let client = Client::builder(Config::sandbox(Region::Uae, "app", "secret")).build_with(lean);
/// let entity = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e").unwrap();
/// let err = client.accounts(&entity).send().unwrap_err();
/// assert_eq!(err.http_status(), Some(404));
/// assert!(!err.is_misuse(), "Lean's answer, not the caller's mistake");
/// ```
pub struct FnTransport<F>(F);

impl<F> FnTransport<F>
where
    F: Fn(http::Request<Vec<u8>>, Duration) -> Result<http::Response<Bytes>, TransportError>
        + Send
        + Sync
        + 'static,
{
    /// A transport that sends by calling `send`.
    pub fn new(send: F) -> Self {
        FnTransport(send)
    }
}

impl<F> Connect for FnTransport<F>
where
    F: Fn(http::Request<Vec<u8>>, Duration) -> Result<http::Response<Bytes>, TransportError>
        + Send
        + Sync
        + 'static,
{
    fn connect(_: &TransportOptions) -> Result<Self, Error> {
        Err(Error::Config(lean_proto::ConfigError::new(
            "a closure transport is made with FnTransport::new and ClientBuilder::build_with",
        )))
    }

    fn clock(&self) -> Clock {
        Clock::system()
    }
}

impl<F> BlockingTransport for FnTransport<F>
where
    F: Fn(http::Request<Vec<u8>>, Duration) -> Result<http::Response<Bytes>, TransportError>
        + Send
        + Sync
        + 'static,
{
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Bytes>, TransportError> {
        (self.0)(request, timeout)
    }
}

#[cfg(test)]
mod tests {
    use super::{BodyBuffer, Bytes, Failure, bodiless, body_capacity};
    use http::Method;

    #[test]
    fn room_for_the_announced_body_within_the_limit_and_a_mebibyte() {
        // The announced length, and a byte to see the end in.
        assert_eq!(body_capacity(None, 32 << 20), 1);
        assert_eq!(body_capacity(Some(6_912), 32 << 20), 6_913);
        // A server's claim never reserves more than the limit, nor more than 1 MiB up front.
        assert_eq!(body_capacity(Some(6_912), 4_096), 4_097);
        assert_eq!(body_capacity(Some(u64::MAX), 32 << 20), (1 << 20) + 1);
        assert_eq!(body_capacity(Some(u64::MAX), u64::MAX), (1 << 20) + 1);
    }

    #[test]
    fn only_a_get_with_nothing_to_send_goes_without_a_body() {
        assert!(bodiless(&Method::GET, b""));
        assert!(!bodiless(&Method::GET, b"{}"));
        // A POST keeps its empty body, so that it says `content-length: 0`.
        assert!(!bodiless(&Method::POST, b""));
        assert!(!bodiless(&Method::DELETE, b""));
    }

    #[test]
    fn a_body_in_one_chunk_is_handed_on_as_it_came() {
        let chunk = Bytes::from(vec![7u8; 6_912]);
        let at = chunk.as_ptr();
        let mut body = BodyBuffer::new(Some(6_912), 32 << 20).unwrap();
        body.push(chunk).unwrap();
        body.push(Bytes::new()).unwrap(); // an empty chunk changes nothing
        let body = body.finish();
        assert_eq!(body.len(), 6_912);
        assert_eq!(body.as_ptr(), at, "the same bytes, not a copy");
    }

    #[test]
    fn a_body_in_several_chunks_is_joined_in_order() {
        let mut body = BodyBuffer::new(None, 32 << 20).unwrap();
        for part in ["{\"a\":", "1,", "\"b\":2}"] {
            body.push(Bytes::from(part)).unwrap();
        }
        assert_eq!(&body.finish()[..], br#"{"a":1,"b":2}"#);
        assert!(BodyBuffer::new(None, 8).unwrap().finish().is_empty());
    }

    #[test]
    fn a_body_past_the_limit_is_refused_at_the_limit_it_is_not() {
        let too_large = Err(Failure::BodyTooLarge { limit: 4 });
        assert_eq!(BodyBuffer::new(Some(5), 4).map(|_| ()), too_large);
        // Exactly at the limit, in one chunk or two, is a body.
        let mut body = BodyBuffer::new(Some(4), 4).unwrap();
        body.push(Bytes::from("ab")).unwrap();
        body.push(Bytes::from("cd")).unwrap();
        assert_eq!(&body.finish()[..], b"abcd");
        // One byte more is not, whether the first chunk or a later one carries it.
        let mut body = BodyBuffer::new(None, 4).unwrap();
        assert_eq!(body.push(Bytes::from("abcde")), too_large);
        let mut body = BodyBuffer::new(None, 4).unwrap();
        body.push(Bytes::from("abc")).unwrap();
        assert_eq!(body.push(Bytes::from("de")), too_large);
    }
}
