//! lean-reqwest seen through the adapter contract of `lean-conformance`.

use lean_conformance::{Adapter, R};
use lean_reqwest::lean_proto::call::{CallConfig, CallData};
use lean_reqwest::lean_proto::results::ResultsRegistry;
use lean_reqwest::lean_proto::retry::TransportError;
use lean_reqwest::lean_proto::webhook::{Ack, WebhookSecret};
use lean_reqwest::lean_proto::*;
use lean_client::transport::{AsyncTransport, Connect, TransportOptions};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The adapter seen only through [`Adapter`] (its own methods would shadow the trait's).
#[derive(Clone, Debug)]
pub struct Client(lean_reqwest::Client);

// Spawnable: the futures are Send + 'static (checked at compile time).
fn _spawnable(c: &lean_reqwest::Client, e: &EntityId) {
    fn send_static<T: Send + 'static>(_: T) {}
    send_static(c.accounts(e));
    send_static(c.call(GetAccounts::new(e.clone())));
    send_static(c.transactions(e, &AccountId::parse("fe672591-bc88-4cec-96e7-9101bde496ce").unwrap()));
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap())
}

impl Adapter for Client {
    const ASYNC: bool = true;

    fn connect_with(
        config: Config,
        calls: CallConfig,
        secret: Option<WebhookSecret>,
        registry: Arc<dyn ResultsRegistry>,
    ) -> Self {
        let mut b = lean_reqwest::Client::builder(config).call_config(calls).results_registry(registry);
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
        Ok(runtime().block_on(self.0.call(endpoint))?)
    }
    fn all<T, E>(&self, endpoint: E) -> R<Vec<T>>
    where
        T: Collection + Send + 'static,
        E: Endpoint<Output = Page<T>> + Clone + Send + 'static,
    {
        Ok(runtime().block_on(self.0.items(endpoint).try_collect())?)
    }
    fn submit<E>(&self, endpoint: E) -> R<Option<ResultsId>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        match runtime().block_on(self.0.submit(endpoint))? {
            lean_reqwest::Submitted::Pending(id) => Ok(Some(id)),
            lean_reqwest::Submitted::Data(_) => Ok(None),
        }
    }
    fn resume<P: Payload + Send + 'static>(&self, results_id: ResultsId) -> R<CallData<P>> {
        Ok(runtime().block_on(self.0.resume(results_id))?)
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
        let tasks: Vec<_> = endpoints.into_iter().map(|e| runtime().spawn(self.0.call(e))).collect();
        runtime().block_on(async {
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await.expect("task").map_err(Into::into));
            }
            out
        })
    }
    fn resume_concurrently(&self, ids: Vec<ResultsId>) -> Vec<R<CallData<AnyData>>> {
        let tasks: Vec<_> = ids.into_iter().map(|id| runtime().spawn(self.0.resume(id))).collect();
        runtime().block_on(async {
            let mut out = Vec::new();
            for t in tasks {
                out.push(t.await.expect("task").map_err(Into::into));
            }
            out
        })
    }
    fn call_and_drop_after<E>(&self, endpoint: E, after: Duration) -> Option<bool>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        let call = self.0.call(endpoint);
        Some(runtime().block_on(async { tokio::time::timeout(after, call).await }).is_ok())
    }
    fn raw_send(
        options: &TransportOptions,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let t = lean_reqwest::Reqwest::connect(options).expect("transport");
        runtime().block_on(t.send(request, timeout))
    }
}

