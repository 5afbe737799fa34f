//! The hand-written client's request, the floor every bench compares lean-rs with, written
//! once for each HTTP library: the same request lean-rs sends (its headers, a credential, a
//! correlation id of its own, a JSON body to POST), so that the two sides put the same bytes
//! on the wire and only the clients differ. Until 2026-12-07 the floor sent its credential
//! alone, ~100 bytes shorter than lean-rs's request, and cost the emulator less.
//!
//! What the answer is parsed into is [`crate::hand_written`]'s; the clients themselves are
//! [`crate::raw_reqwest`] and [`crate::raw_surf`] (and ureq's agents, built by each bench).

/// The headers lean-rs sends with every request besides its credential and its
/// `lean-correlation-id`: its `accept`, and a user agent as long as lean-rs's.
pub const HEADERS: [(&str, &str); 2] = [
    ("accept", "application/json"),
    ("user-agent", "my-client/1.0"),
];

/// One hand-written request (no `Debug`: it holds a credential).
#[derive(Clone, Copy)]
pub struct Hand<'a> {
    /// The whole URL, query included.
    pub url: &'a str,
    /// The credential's header: (`authorization`, `Bearer …`) or (`lean-app-token`, …).
    pub auth: (&'a str, &'a str),
    /// A JSON body to POST; without one, a GET.
    pub json: Option<&'a str>,
}

/// A new `lean-correlation-id`, as a user would make one: a UUID's text (version 4's shape)
/// from a counter scrambled with splitmix64, different every call, written with `format!`.
pub fn correlation_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0x5eed);
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let n = NEXT.fetch_add(2, Ordering::Relaxed);
    let (hi, lo) = (mix(n), mix(n + 1));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0xfff,
        (lo >> 48) & 0x3fff | 0x8000,
        lo & 0xffff_ffff_ffff
    )
}

const CORRELATION: &str = "lean-correlation-id";
const JSON: &str = "application/json";

/// `request` sent with ureq, its answer's body read whole.
pub fn ureq(agent: &ureq::Agent, request: Hand<'_>) -> Result<Vec<u8>, ureq::Error> {
    let [(accept, a), (agent_name, ua)] = HEADERS;
    let (auth, credential) = request.auth;
    let answer = match request.json {
        None => agent
            .get(request.url)
            .header(accept, a)
            .header(agent_name, ua)
            .header(auth, credential)
            .header(CORRELATION, correlation_id())
            .call(),
        Some(json) => agent
            .post(request.url)
            .header(accept, a)
            .header(agent_name, ua)
            .header(auth, credential)
            .header(CORRELATION, correlation_id())
            .content_type(JSON)
            .send(json),
    };
    answer?.into_body().read_to_vec()
}

/// `request` sent with reqwest, its answer's body read whole.
pub async fn reqwest(
    client: &reqwest::Client,
    request: Hand<'_>,
) -> Result<bytes::Bytes, reqwest::Error> {
    let [(accept, a), (agent_name, ua)] = HEADERS;
    let mut builder = match request.json {
        None => client.get(request.url),
        Some(json) => client
            .post(request.url)
            .header("content-type", JSON)
            .body(json.to_owned()),
    };
    builder = builder
        .header(accept, a)
        .header(agent_name, ua)
        .header(request.auth.0, request.auth.1)
        .header(CORRELATION, correlation_id());
    builder.send().await?.bytes().await
}

/// `request` sent with surf, its answer's body read whole.
pub async fn surf(client: &surf::Client, request: Hand<'_>) -> Result<Vec<u8>, surf::Error> {
    let [(accept, a), (agent_name, ua)] = HEADERS;
    let builder = match request.json {
        None => client.get(request.url),
        Some(json) => client
            .post(request.url)
            .content_type(JSON)
            .body_string(json.to_owned()),
    };
    let mut answer = builder
        .header(accept, a)
        .header(agent_name, ua)
        .header(request.auth.0, request.auth.1)
        .header(CORRELATION, correlation_id())
        .await?;
    answer.body_bytes().await
}

/// `request` as an `http` request, for a lean-rs transport to send (`per_call`'s ladder).
pub fn http(request: Hand<'_>) -> http::Request<Vec<u8>> {
    let [(accept, a), (agent_name, ua)] = HEADERS;
    let builder = http::Request::builder()
        .method(if request.json.is_some() {
            "POST"
        } else {
            "GET"
        })
        .uri(request.url)
        .header(accept, a)
        .header(agent_name, ua)
        .header(request.auth.0, request.auth.1)
        .header(CORRELATION, correlation_id());
    let built = match request.json {
        None => builder.body(Vec::new()),
        Some(json) => builder
            .header("content-type", JSON)
            .body(json.as_bytes().to_vec()),
    };
    // Every part is a constant or came from a URL and a token that were sent before.
    built.unwrap_or_else(|e| panic!("a hand-written request: {e}"))
}

/// The hand-written `accounts` request of either API generation, owned, and the parse of its
/// answer: v2 a GET with the bearer token, v1 a POST of the entity with the application token
/// (the `concurrency` and `footprint` benches send it). No `Debug`: it holds a credential.
#[derive(Clone)]
pub struct Accounts {
    url: String,
    /// v1 posts `{"entity_id":…}`; v2 is a GET.
    json: Option<String>,
    auth: (&'static str, String),
    v1: bool,
}

impl Accounts {
    /// `entity`'s accounts on `remote`, v1's request when `v1`.
    pub fn new(remote: &crate::remote::Remote, entity: &lean_proto::EntityId, v1: bool) -> Self {
        if v1 {
            Accounts {
                url: format!("{}/data/v1/accounts", remote.base_url),
                json: Some(format!(r#"{{"entity_id":"{entity}"}}"#)),
                auth: ("lean-app-token", remote.app_token().to_owned()),
                v1,
            }
        } else {
            Accounts {
                url: format!("{}/data/v2/accounts?entity_id={entity}", remote.base_url),
                json: None,
                auth: ("authorization", format!("Bearer {}", remote.token())),
                v1,
            }
        }
    }

    /// The request, for this module's senders.
    pub fn hand(&self) -> Hand<'_> {
        Hand {
            url: &self.url,
            auth: (self.auth.0, &self.auth.1),
            json: self.json.as_deref(),
        }
    }

    /// The accounts the hand-written parse finds in the answer (0 when it does not parse).
    pub fn parsed(&self, bytes: &[u8]) -> usize {
        if self.v1 {
            crate::hand_written::v1_accounts(bytes)
        } else {
            crate::hand_written::accounts(bytes)
        }
    }
}
