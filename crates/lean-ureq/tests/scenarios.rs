//! The shared scenario suite (`scenarios/suite.rs`) run with lean-ureq.

use lean_proto::call::{CallConfig, CallData};
use lean_proto::webhook::{Ack, WebhookSecret};
use lean_proto::*;
use lean_ureq::lean_proto;

/// The adapter seen only through [`suite::Adapter`] (its own methods would shadow the trait's).
#[derive(Clone, Debug)]
pub struct Client(lean_ureq::Client);

#[path = "../../../scenarios/suite.rs"]
mod suite;

use suite::{Adapter, R, SuiteError};

fn err(e: lean_ureq::Error) -> SuiteError {
    SuiteError {
        call: e.call_error().cloned(),
        text: e.to_string(),
    }
}

impl Adapter for Client {
    fn connect(config: Config, calls: CallConfig, secret: Option<WebhookSecret>) -> Self {
        let mut b = lean_ureq::Client::builder(config).call_config(calls);
        if let Some(s) = secret {
            b = b.webhook_secret(s);
        }
        Client(b.build().expect("client"))
    }
    fn call<E>(&self, endpoint: E) -> R<CallData<E::Output>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: 'static,
    {
        self.0.call(endpoint).map_err(err)
    }
    fn all<T, E>(&self, endpoint: E) -> R<Vec<T>>
    where
        T: Collection + 'static,
        E: Endpoint<Output = Page<T>> + Clone + Send + 'static,
    {
        self.0
            .items(endpoint)
            .collect::<Result<Vec<_>, _>>()
            .map_err(err)
    }
    fn submit<E>(&self, endpoint: E) -> R<Option<ResultsId>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: 'static,
    {
        match self.0.submit(endpoint).map_err(err)? {
            lean_ureq::Submitted::Pending(id) => Ok(Some(id)),
            lean_ureq::Submitted::Data(_) => Ok(None),
        }
    }
    fn resume<P: Payload + Send + 'static>(&self, results_id: ResultsId) -> R<CallData<P>> {
        self.0.resume(results_id).map_err(err)
    }
    fn handle_webhook(&self, signature: Option<&str>, body: &[u8]) -> Ack {
        self.0.handle_webhook(signature, body)
    }
}
