//! The shared scenario suite (`scenarios/suite.rs`) run with lean-surf on async-std.

use async_std::task::block_on;
use lean_proto::call::{CallConfig, CallData};
use lean_proto::webhook::{Ack, WebhookSecret};
use lean_proto::*;
use lean_surf::lean_proto;

/// The adapter seen only through [`suite::Adapter`] (its own methods would shadow the trait's).
#[derive(Clone, Debug)]
pub struct Client(lean_surf::Client);

#[path = "../../../scenarios/suite.rs"]
mod suite;

use suite::{Adapter, R, SuiteError};

fn err(e: lean_surf::Error) -> SuiteError {
    SuiteError {
        call: e.call_error().cloned(),
        text: e.to_string(),
    }
}

impl Adapter for Client {
    fn connect(config: Config, calls: CallConfig, secret: Option<WebhookSecret>) -> Self {
        Client(lean_surf::Client::with(config, calls, secret))
    }
    fn call<E>(&self, endpoint: E) -> R<CallData<E::Output>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: 'static,
    {
        block_on(self.0.call(endpoint)).map_err(err)
    }
    fn all<T, E>(&self, endpoint: E) -> R<Vec<T>>
    where
        T: Collection + 'static,
        E: Endpoint<Output = Page<T>> + Clone + Send + 'static,
    {
        block_on(self.0.items(endpoint).collect()).map_err(err)
    }
    fn submit<E>(&self, endpoint: E) -> R<Option<ResultsId>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: 'static,
    {
        match block_on(self.0.submit(endpoint)).map_err(err)? {
            lean_surf::Submitted::Pending(id) => Ok(Some(id)),
            lean_surf::Submitted::Data(_) => Ok(None),
        }
    }
    fn resume<P: Payload + Send + 'static>(&self, results_id: ResultsId) -> R<CallData<P>> {
        block_on(self.0.resume(results_id)).map_err(err)
    }
    fn handle_webhook(&self, signature: Option<&str>, body: &[u8]) -> Ack {
        block_on(self.0.handle_webhook(signature, body))
    }
}
