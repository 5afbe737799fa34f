//! lean-ureq seen through the adapter contract of `lean-conformance`.

use lean_client::transport::{BlockingTransport, Connect, TransportOptions};
use lean_conformance::{Adapter, R};
use lean_proto::call::{CallConfig, CallData};
use lean_proto::results::ResultsRegistry;
use lean_proto::retry::TransportError;
use lean_proto::webhook::{Ack, WebhookSecret};
use lean_proto::*;
use lean_ureq::{Ureq, lean_proto};
use std::sync::Arc;
use std::time::Duration;

/// The adapter seen only through [`Adapter`] (its own methods would shadow the trait's).
#[derive(Clone, Debug)]
pub struct Client(lean_ureq::Client);

impl Adapter for Client {
    const ASYNC: bool = false;

    fn connect_with(
        config: Config,
        calls: CallConfig,
        secret: Option<WebhookSecret>,
        registry: Arc<dyn ResultsRegistry>,
    ) -> Self {
        let mut b = lean_ureq::Client::builder(config).call_config(calls).results_registry(registry);
        if let Some(s) = secret {
            b = b.webhook_secret(s);
        }
        Client(b.build().expect("client"))
    }
    fn call<E>(&self, endpoint: E) -> R<CallData<E::Output>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        Ok(self.0.call(endpoint)?)
    }
    fn all<T, E>(&self, endpoint: E) -> R<Vec<T>>
    where
        T: Collection + Send + 'static,
        E: Endpoint<Output = Page<T>> + Clone + Send + 'static,
    {
        Ok(self.0.items(endpoint).collect::<Result<Vec<_>, _>>()?)
    }
    fn submit<E>(&self, endpoint: E) -> R<Option<ResultsId>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        match self.0.submit(endpoint)? {
            lean_ureq::Submitted::Pending(id) => Ok(Some(id)),
            lean_ureq::Submitted::Data(_) => Ok(None),
        }
    }
    fn resume<P: Payload + Send + 'static>(&self, results_id: ResultsId) -> R<CallData<P>> {
        Ok(self.0.resume(results_id)?)
    }
    fn handle_webhook(&self, signature: Option<&str>, body: &[u8]) -> Ack {
        self.0.handle_webhook(signature, body)
    }
    fn results_ready(&self, results_id: &ResultsId) {
        self.0.results_ready(results_id)
    }
    fn parked_calls(&self) -> usize {
        self.0.parked_calls()
    }
    fn wakeups(&self) -> u64 {
        self.0.wakeups()
    }
    fn call_concurrently<E>(&self, endpoints: Vec<E>) -> Vec<R<CallData<E::Output>>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        let threads: Vec<_> = endpoints
            .into_iter()
            .map(|e| {
                let c = self.0.clone();
                std::thread::spawn(move || c.call(e))
            })
            .collect();
        threads.into_iter().map(|t| Ok(t.join().expect("thread")?)).collect()
    }
    fn resume_concurrently(&self, ids: Vec<ResultsId>) -> Vec<R<CallData<AnyData>>> {
        let threads: Vec<_> = ids
            .into_iter()
            .map(|id| {
                let c = self.0.clone();
                std::thread::Builder::new()
                    .stack_size(256 << 10)
                    .spawn(move || c.resume(id))
                    .expect("thread")
            })
            .collect();
        threads.into_iter().map(|t| Ok(t.join().expect("thread")?)).collect()
    }
    fn call_and_drop_after<E>(&self, _: E, _: Duration) -> Option<bool>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        None // a blocking call cannot be dropped halfway
    }
    fn raw_send(
        options: &TransportOptions,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        Ureq::connect(options).expect("transport").send(request, timeout)
    }
}

