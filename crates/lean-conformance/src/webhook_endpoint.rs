//! A webhook endpoint on loopback for tests and tools: reads `lean-signature` and the raw body
//! of each POST and answers the status a handler returns (a client's `handle_webhook`, a load
//! balancer in front of several). Each request is served on its own thread, as a real server
//! would, so a slow one never holds up the next.

use std::sync::Arc;

/// Largest body read; more is answered 413 (Lean's webhooks are a few KB).
const MAX_BODY: u64 = 1 << 20;

/// The endpoint; it stops when dropped.
pub struct WebhookEndpoint {
    server: Arc<tiny_http::Server>,
    url: String,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WebhookEndpoint {
    /// Binds a free loopback port (the URL is known before anything is served: an emulator
    /// can be told where to send webhooks before the client that handles them exists).
    pub fn bind() -> WebhookEndpoint {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind loopback"));
        let ip = server.server_addr().to_ip().expect("an IP address");
        WebhookEndpoint {
            server,
            url: format!("http://{ip}/webhooks/lean"),
            thread: None,
        }
    }

    /// Binds and serves every webhook with `handle(signature, body) -> HTTP status`.
    pub fn start(handle: impl Fn(Option<&str>, &[u8]) -> u16 + Send + Sync + 'static) -> Self {
        let mut endpoint = Self::bind();
        endpoint.serve(handle);
        endpoint
    }

    /// Serves every webhook with `handle(signature, body) -> HTTP status`.
    pub fn serve(&mut self, handle: impl Fn(Option<&str>, &[u8]) -> u16 + Send + Sync + 'static) {
        let (server, handle) = (self.server.clone(), Arc::new(handle));
        self.thread = Some(std::thread::spawn(move || {
            for mut request in server.incoming_requests() {
                let handle = handle.clone();
                std::thread::spawn(move || {
                    let signature = request
                        .headers()
                        .iter()
                        .find(|h| h.field.equiv(lean_proto::webhook::SIGNATURE_HEADER))
                        .map(|h| h.value.as_str().to_owned());
                    let mut body = Vec::new();
                    let read = std::io::Read::read_to_end(
                        &mut std::io::Read::take(request.as_reader(), MAX_BODY + 1),
                        &mut body,
                    );
                    let status = if read.is_err() || body.len() as u64 > MAX_BODY {
                        413
                    } else {
                        handle(signature.as_deref(), &body)
                    };
                    let _ = request.respond(tiny_http::Response::empty(status));
                });
            }
        }));
    }

    /// `http://127.0.0.1:PORT/webhooks/lean`.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for WebhookEndpoint {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
