//! [`Adapter`] for the driver's two client flavours, written once: an adapter's test file
//! names its transport (and for async, how to block on and spawn futures on its runtime), and
//! runs the suite on [`Blocking`] or [`Async`].

use crate::{Adapter, R};
use lean_client::Client;
use lean_client::transport::Connect;
use lean_client::transport::{AsyncTransport, BlockingTransport, Runtime, TransportOptions};
use lean_proto::call::{CallConfig, CallData};
use lean_proto::results::ResultsRegistry;
use lean_proto::retry::TransportError;
use lean_proto::webhook::{Ack, WebhookSecret};
use lean_proto::*;
use std::future::Future;
use std::future::IntoFuture;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

/// How the tests run futures on an adapter's own runtime.
pub trait Executor: Send + Sync + 'static {
    /// Runs `f` to completion on this thread.
    fn block_on<F: Future>(f: F) -> F::Output;
    /// Spawns `f` with the runtime's own `spawn`; the returned future is its join handle.
    fn spawn<F>(f: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;
}

fn tls<T: Connect>(
    mut b: lean_client::ClientBuilder<T>,
    calls: CallConfig,
    identity: Option<(&[u8], &[u8])>,
    roots: Option<&[u8]>,
) -> Result<Client<T>, lean_client::Error> {
    if let Some((chain, key)) = identity {
        b = b.client_identity(chain, key);
    }
    if let Some(pem) = roots {
        b = b.root_certificates(pem);
    }
    b.call_config(calls).build()
}

fn builder<T: Connect>(
    b: lean_client::ClientBuilder<T>,
    calls: CallConfig,
    secret: Option<WebhookSecret>,
    registry: Arc<dyn ResultsRegistry>,
    observer: Option<Arc<dyn lean_client::observe::Observer>>,
) -> Client<T> {
    let mut b = b.call_config(calls).results_registry(registry);
    if let Some(s) = secret {
        b = b.webhook_secret(s);
    }
    if let Some(o) = observer {
        b = b.observer(o);
    }
    b.build().expect("client")
}

/// A client watched by `observer`, with its own in-memory registry and no webhook secret.
fn observed<T: Connect>(
    config: Config,
    calls: CallConfig,
    observer: Arc<dyn lean_client::observe::Observer>,
) -> Client<T> {
    let registry = Arc::new(lean_proto::results::InMemoryResults::default());
    builder(
        Client::builder(config),
        calls,
        None,
        registry,
        Some(observer),
    )
}

/// A refresh wait, for one refresh or the entity's newest.
fn wait_for<T>(
    client: &Client<T>,
    entity: EntityId,
    refresh: Option<RefreshId>,
) -> lean_client::RefreshWaitRequest<T> {
    let wait = client.wait_for_refresh(&entity);
    match refresh {
        Some(r) => wait.refresh_id(r),
        None => wait,
    }
}

/// A payment wait, for the intent's newest payment or the one named.
fn payment_wait<T>(
    client: &Client<T>,
    intent: &str,
    payment: Option<&str>,
    options: lean_client::CallOptions,
) -> lean_client::PaymentWaitRequest<T> {
    let wait = client.wait_for_payment(intent).options(options);
    match payment {
        Some(p) => wait.payment_id(p),
        None => wait,
    }
}

/// The blocking client over transport `T`.
pub struct Blocking<T>(pub Client<T>);

impl<T> Clone for Blocking<T> {
    fn clone(&self) -> Self {
        Blocking(self.0.clone())
    }
}

impl<T> std::fmt::Debug for Blocking<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// One thread per unit of work, results in order.
fn threads<I: Send + 'static, O: Send + 'static>(
    inputs: Vec<I>,
    work: impl Fn(I) -> O + Send + Sync + Clone + 'static,
) -> Vec<O> {
    let handles: Vec<_> = inputs
        .into_iter()
        .map(|i| {
            let work = work.clone();
            std::thread::Builder::new()
                .stack_size(256 << 10) // a thousand parked calls need no more
                .spawn(move || work(i))
                .expect("thread")
        })
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect()
}

impl<T: BlockingTransport> Adapter for Blocking<T> {
    const ASYNC: bool = false;
    const BOUNDS_CONNECT: bool = T::BOUNDS_CONNECT;
    const MUTUAL_TLS: bool = T::MUTUAL_TLS;

    fn connect_with(
        config: Config,
        calls: CallConfig,
        secret: Option<WebhookSecret>,
        registry: Arc<dyn ResultsRegistry>,
    ) -> Self {
        Blocking(builder(
            Client::builder(config),
            calls,
            secret,
            registry,
            None,
        ))
    }
    fn connect_observed(
        config: Config,
        calls: CallConfig,
        observer: Arc<dyn lean_client::observe::Observer>,
    ) -> Self {
        Blocking(observed(config, calls, observer))
    }
    fn connect_tls(
        config: Config,
        calls: CallConfig,
        identity: Option<(&[u8], &[u8])>,
        roots: Option<&[u8]>,
    ) -> Result<Self, lean_client::Error> {
        tls(Client::builder(config), calls, identity, roots).map(Blocking)
    }
    fn call<E>(&self, endpoint: E) -> R<CallData<E::Output>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        Ok(self.0.call(endpoint).send()?)
    }
    fn all<I, E>(&self, endpoint: E) -> R<Vec<I>>
    where
        I: Collection + Send + 'static,
        E: Endpoint<Output = Page<I>> + Clone + Send + 'static,
    {
        Ok(self
            .0
            .list(endpoint)
            .items()
            .collect::<Result<Vec<_>, _>>()?)
    }
    fn submit<E>(&self, endpoint: E) -> R<Option<ResultsId>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        match self.0.call(endpoint).submit().send()? {
            lean_client::Submitted::Pending(handle) => Ok(Some(handle.results_id)),
            _ => Ok(None), // data at once (no async flag on this endpoint)
        }
    }
    fn resume<P: Payload + Send + 'static>(&self, results_id: ResultsId) -> R<CallData<P>> {
        Ok(self.0.resume(results_id).send()?)
    }
    fn wait_for_refresh(&self, entity: EntityId, refresh: Option<RefreshId>) -> R<Refresh> {
        Ok(wait_for(&self.0, entity, refresh).send()?)
    }
    fn wait_for_payment_with(
        &self,
        intent: &str,
        payment: Option<&str>,
        options: lean_client::CallOptions,
    ) -> R<Payment> {
        Ok(payment_wait(&self.0, intent, payment, options).send()?)
    }
    fn handle_webhook(&self, signature: Option<&str>, body: &[u8]) -> Ack {
        self.0.handle_webhook(signature, body).send()
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
        let c = self.0.clone();
        threads(endpoints, move |e| c.call(e).send().map_err(Into::into))
    }
    fn resume_concurrently(&self, ids: Vec<ResultsId>) -> Vec<R<CallData<AnyData>>> {
        let c = self.0.clone();
        threads(ids, move |id| c.resume(id).send().map_err(Into::into))
    }
    fn call_concurrently_with<E>(
        &self,
        calls: Vec<(E, lean_client::CallOptions, Option<Duration>)>,
    ) -> Vec<Option<R<CallData<E::Output>>>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        let c = self.0.clone();
        threads(calls, move |(e, options, _)| {
            Some(c.call(e).options(options).send().map_err(Into::into))
        })
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
    ) -> Result<http::Response<lean_client::transport::Bytes>, TransportError> {
        T::connect(options)
            .expect("transport")
            .send(request, timeout)
    }
}

/// The async client over transport `T`, its futures run by executor `X`.
pub struct Async<T, X>(pub Client<T>, std::marker::PhantomData<fn() -> X>);

impl<T, X> Clone for Async<T, X> {
    fn clone(&self) -> Self {
        Async(self.0.clone(), std::marker::PhantomData)
    }
}

impl<T, X> std::fmt::Debug for Async<T, X> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Spawns every future, then waits for all of them; results in order.
fn join_all<X: Executor, O: Send + 'static>(
    futures: Vec<impl Future<Output = O> + Send + 'static>,
) -> Vec<O> {
    let handles: Vec<_> = futures.into_iter().map(X::spawn).collect();
    X::block_on(async move {
        let mut out = Vec::with_capacity(handles.len());
        for h in handles {
            out.push(h.await);
        }
        out
    })
}

/// [`join_all`] of client calls, their errors as the suite's.
fn spawn_all<X: Executor, O: Send + 'static>(
    futures: Vec<impl Future<Output = Result<O, lean_client::Error>> + Send + 'static>,
) -> Vec<R<O>> {
    join_all::<X, _>(
        futures
            .into_iter()
            .map(|f| async move { f.await.map_err(Into::into) })
            .collect(),
    )
}

/// `call`'s output, or `None` when `after` passed first: the call is dropped then, wherever
/// it was.
async fn unless_dropped_after<RT: Runtime, F: Future>(
    runtime: RT,
    call: F,
    after: Option<Duration>,
) -> Option<F::Output> {
    let Some(after) = after else {
        return Some(call.await);
    };
    let mut call = std::pin::pin!(call);
    let mut timer = runtime.timer(runtime.now() + after);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(r) = call.as_mut().poll(cx) {
            return Poll::Ready(Some(r));
        }
        std::pin::Pin::new(&mut timer).poll(cx).map(|()| None)
    })
    .await
}

impl<T: AsyncTransport, X: Executor> Adapter for Async<T, X> {
    const ASYNC: bool = true;
    const BOUNDS_CONNECT: bool = T::BOUNDS_CONNECT;
    const MUTUAL_TLS: bool = T::MUTUAL_TLS;

    fn connect_with(
        config: Config,
        calls: CallConfig,
        secret: Option<WebhookSecret>,
        registry: Arc<dyn ResultsRegistry>,
    ) -> Self {
        let client = builder(Client::builder(config), calls, secret, registry, None);
        Async(client, std::marker::PhantomData)
    }
    fn connect_observed(
        config: Config,
        calls: CallConfig,
        observer: Arc<dyn lean_client::observe::Observer>,
    ) -> Self {
        Async(observed(config, calls, observer), std::marker::PhantomData)
    }
    fn connect_tls(
        config: Config,
        calls: CallConfig,
        identity: Option<(&[u8], &[u8])>,
        roots: Option<&[u8]>,
    ) -> Result<Self, lean_client::Error> {
        tls(Client::builder(config), calls, identity, roots)
            .map(|c| Async(c, std::marker::PhantomData))
    }
    fn call<E>(&self, endpoint: E) -> R<CallData<E::Output>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        Ok(X::block_on(self.0.call(endpoint).into_future())?)
    }
    fn all<I, E>(&self, endpoint: E) -> R<Vec<I>>
    where
        I: Collection + Send + 'static,
        E: Endpoint<Output = Page<I>> + Clone + Send + 'static,
    {
        Ok(X::block_on(self.0.list(endpoint).into_future())?.payload)
    }
    fn submit<E>(&self, endpoint: E) -> R<Option<ResultsId>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        match X::block_on(self.0.call(endpoint).submit().into_future())? {
            lean_client::Submitted::Pending(handle) => Ok(Some(handle.results_id)),
            _ => Ok(None), // data at once (no async flag on this endpoint)
        }
    }
    fn resume<P: Payload + Send + 'static>(&self, results_id: ResultsId) -> R<CallData<P>> {
        Ok(X::block_on(self.0.resume(results_id).into_future())?)
    }
    fn wait_for_refresh(&self, entity: EntityId, refresh: Option<RefreshId>) -> R<Refresh> {
        Ok(X::block_on(
            wait_for(&self.0, entity, refresh).into_future(),
        )?)
    }
    fn wait_for_payment_with(
        &self,
        intent: &str,
        payment: Option<&str>,
        options: lean_client::CallOptions,
    ) -> R<Payment> {
        Ok(X::block_on(
            payment_wait(&self.0, intent, payment, options).into_future(),
        )?)
    }
    fn handle_webhook(&self, signature: Option<&str>, body: &[u8]) -> Ack {
        X::block_on(self.0.handle_webhook(signature, body).into_future())
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
        let calls = endpoints.into_iter().map(|e| self.0.call(e).into_future());
        spawn_all::<X, _>(calls.collect())
    }
    fn resume_concurrently(&self, ids: Vec<ResultsId>) -> Vec<R<CallData<AnyData>>> {
        let calls = ids.into_iter().map(|id| self.0.resume(id).into_future());
        spawn_all::<X, _>(calls.collect())
    }
    fn call_concurrently_with<E>(
        &self,
        calls: Vec<(E, lean_client::CallOptions, Option<Duration>)>,
    ) -> Vec<Option<R<CallData<E::Output>>>>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        // Dropped inside its own task, as an application's `select!` or `timeout` would.
        let calls = calls.into_iter().map(|(e, options, after)| {
            let call = self.0.call(e).options(options).into_future();
            let runtime = self.0.transport().runtime().clone();
            async move {
                unless_dropped_after(runtime, call, after)
                    .await
                    .map(|r| r.map_err(Into::into))
            }
        });
        join_all::<X, _>(calls.collect())
    }
    fn call_and_drop_after<E>(&self, endpoint: E, after: Duration) -> Option<bool>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        let call = self.0.call(endpoint).into_future();
        // Finished first (true), or the timer fired and the call is dropped there (false).
        let runtime = self.0.transport().runtime().clone();
        Some(X::block_on(unless_dropped_after(runtime, call, Some(after))).is_some())
    }
    fn raw_send(
        options: &TransportOptions,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<lean_client::transport::Bytes>, TransportError> {
        let t = T::connect(options).expect("transport");
        X::block_on(t.send(request, timeout))
    }
}
