//! The async client: the driver's loop with an async transport and the runtime's timer.
//!
//! Every future it returns is `Send + 'static` (it owns a clone of the client), so calls can be
//! spawned on any multi-threaded runtime. Dropping a future at any await point abandons its
//! call cleanly (see the `drive` module).

use crate::drive::{Driven, Ending, RefreshDriven, RefreshStep, Step};
use crate::endpoints::for_each_endpoint;
use crate::runtime::{Runtime, Timer};
use crate::shared::{CallOptions, ClientBuilder, FromParts, Shared};
use crate::transport::AsyncTransport;
use futures_core::Stream;
use lean_proto::call::{Call, CallData, Purpose, Transmit, TransmitId};
use lean_proto::client::{Error, Submitted};
use lean_proto::pager::{Cursor, Next};
use lean_proto::pending::PendingHandle;
use lean_proto::retry::TransportError;
use lean_proto::webhook::Ack;
use lean_proto::*;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

crate::shared::client_parts!(
    /// An async Lean client over transport `T`: `Send + Sync`, cheap to clone (clones share the
    /// token cache, the results registry, the waiting lists and the connection pool).
    AsyncTransport,
    |transport| crate::runtime::Clock::of(transport.runtime().clone())
);

/// A call future, ending with an `O` (its data, or for a submission [`Submitted`]): boxed so
/// that a parked call costs its state, not the largest future a transport might build.
type CallFuture<O> = Pin<Box<dyn Future<Output = Result<O, Error>> + Send>>;

macro_rules! async_method {
    ($(#[$doc:meta])* all $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = $build:expr) => {
        $(#[$doc])*
        pub fn $name(&self, $($arg: $ty),*)
            -> impl Future<Output = Result<Vec<$out>, Error>> + Send + 'static {
            self.items($build).try_collect()
        }
    };
    ($(#[$doc:meta])* items $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = $build:expr) => {
        $(#[$doc])*
        pub fn $name(&self, $($arg: $ty),*) -> Items<$out, T> {
            self.items($build)
        }
    };
    ($(#[$doc:meta])* one $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = $build:expr => |$d:ident| $take:expr) => {
        $(#[$doc])*
        pub fn $name(&self, $($arg: $ty),*)
            -> impl Future<Output = Result<$out, Error>> + Send + 'static {
            let call = self.call($build);
            async move { call.await.map(|$d| $take) }
        }
    };
    ($(#[$doc:meta])* checked $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = $build:expr => |$d:ident| $take:expr) => {
        $(#[$doc])*
        pub fn $name(&self, $($arg: $ty),*)
            -> impl Future<Output = Result<$out, Error>> + Send + 'static {
            let call = $build.map(|e| self.call(e));
            async move { call?.await.map(|$d| $take) }
        }
    };
}

/// Waits for the call's signal or `until`, whichever comes first. `timer` is the call's one
/// timer: made at its first timed wait, moved for the next ones.
async fn wait<R: Runtime>(
    runtime: &R,
    timer: &mut Option<R::Timer>,
    signal: &crate::wake::Signal,
    until: Option<Instant>,
) {
    let timer = match (until, timer.as_mut()) {
        (None, _) => None,
        (Some(at), Some(t)) => {
            t.reset(at);
            Some(t)
        }
        (Some(at), None) => Some(timer.insert(runtime.timer(at))),
    };
    let mut timer = timer;
    std::future::poll_fn(|cx| {
        if signal.poll_fired(cx).is_ready() {
            return Poll::Ready(());
        }
        match timer.as_mut() {
            Some(t) => Pin::new(&mut **t).poll(cx),
            None => Poll::Pending,
        }
    })
    .await
}

/// What the drive loop awaits next. Only this small value lives across an await: the step's
/// result and the request are gone by then, and the exchange future is on the heap (a
/// transport's is several KB, and inline it would be part of every parked call's state).
enum Await<O> {
    Exchange(Exchange, TransmitId, Purpose),
    Wait(Option<Instant>),
    Done(Result<O, Error>),
}

type Exchange =
    Pin<Box<dyn Future<Output = Result<http::Response<Vec<u8>>, TransportError>> + Send>>;

fn next<T: AsyncTransport, P: Payload + 'static, O: Ending<P>>(
    transport: &Arc<T>,
    driven: &mut Driven<P>,
) -> Await<O> {
    match driven.step() {
        Step::Send(Transmit {
            id,
            request,
            timeout,
            purpose,
            ..
        }) => {
            let transport = transport.clone();
            let exchange = async move { transport.send(request, timeout).await };
            Await::Exchange(Box::pin(exchange), id, purpose)
        }
        Step::Wait(until) => Await::Wait(until),
        Step::Done(result) => Await::Done(result),
    }
}

/// Drives a call to its end. Owns everything it touches, so it is `Send + 'static`. A plain
/// `fn` returning an `async move` block, not an `async fn`: an `async fn` keeps a second copy of
/// its arguments in its state, and `Driven` is most of a parked call's memory.
#[allow(clippy::manual_async_fn)]
fn drive<T: AsyncTransport, P: Payload + Send + 'static, O: Ending<P> + Send>(
    transport: Arc<T>,
    mut driven: Driven<P>,
) -> impl Future<Output = Result<O, Error>> + Send {
    async move {
        let mut timer = None;
        loop {
            match next(&transport, &mut driven) {
                Await::Exchange(exchange, id, purpose) => {
                    let answer = exchange.await;
                    driven.handle_answer(id, purpose, answer);
                }
                Await::Wait(until) => {
                    wait(transport.runtime(), &mut timer, driven.signal(), until).await
                }
                Await::Done(result) => return result,
            }
        }
    }
}

impl<T: AsyncTransport> Client<T> {
    fn start<P: Payload + Send + 'static, O: Ending<P> + Send + 'static>(
        &self,
        number: u64,
        call: Call<P>,
    ) -> CallFuture<O> {
        let driven = Driven::new(self.shared.clone(), number, call);
        Box::pin(drive(self.transport.clone(), driven))
    }

    /// Sends any endpoint and returns its typed data, waiting out PENDING.
    pub fn call<E>(
        &self,
        endpoint: E,
    ) -> impl Future<Output = Result<CallData<E::Output>, Error>> + Send + 'static
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        self.call_with(endpoint, &CallOptions::default())
    }

    /// [`Client::call`] with settings of its own for this call (deadline, `async`, page size,
    /// correlation id).
    pub fn call_with<E>(
        &self,
        mut endpoint: E,
        options: &CallOptions,
    ) -> impl Future<Output = Result<CallData<E::Output>, Error>> + Send + 'static + use<E, T>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        let (n, mut config) = self.shared.new_call();
        options.apply(&mut config, &mut endpoint);
        let call = Call::new(
            endpoint,
            self.shared.config.api_base(),
            config,
            self.shared.clock.now(),
        );
        self.start(n, call)
    }

    /// Sends `endpoint` with `async=true` and returns Lean's `results_id` without waiting.
    pub fn submit<E>(
        &self,
        endpoint: E,
    ) -> impl Future<Output = Result<Submitted<E::Output>, Error>> + Send + 'static
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: Send + 'static,
    {
        let (n, config) = self.shared.new_call();
        let call = Call::submit(
            endpoint,
            self.shared.config.api_base(),
            config,
            self.shared.clock.now(),
        );
        self.start(n, call)
    }

    /// Fetches the results of a request that answered PENDING (perhaps before a restart),
    /// waiting for `results.ready` or polling until the deadline. `P` is what the original
    /// request returns ([`AnyData`] when unknown). A collection (`Page<_>`) is refused before
    /// anything is sent: its results may hold many pages, read them with
    /// [`Client::resume_items`] (or one page, deliberately, with [`Client::resume_page`]).
    pub fn resume<P: Payload + Send + 'static>(
        &self,
        handle: impl Into<PendingHandle>,
    ) -> impl Future<Output = Result<CallData<P>, Error>> + Send + 'static {
        self.resume_with(handle, &CallOptions::default())
    }

    /// [`Client::resume`] with settings of its own (a shorter deadline, a correlation id; the
    /// page and page size are the handle's).
    pub fn resume_with<P: Payload + Send + 'static, H: Into<PendingHandle>>(
        &self,
        handle: H,
        options: &CallOptions,
    ) -> impl Future<Output = Result<CallData<P>, Error>> + Send + 'static + use<P, T, H> {
        let handle = handle.into();
        let future =
            crate::shared::not_a_page::<P>(&handle).map(|()| self.resume_one(&handle, options));
        async move { future?.await }
    }

    /// The handle's page of a collection's results, and only that page (its page info says
    /// how many there are); [`Client::resume_items`] reads them all.
    pub fn resume_page<I: Collection + Send + 'static>(
        &self,
        handle: impl Into<PendingHandle>,
    ) -> impl Future<Output = Result<CallData<Page<I>>, Error>> + Send + 'static {
        self.resume_one(&handle.into(), &CallOptions::default())
    }

    fn resume_one<P: Payload + Send + 'static>(
        &self,
        handle: &PendingHandle,
        options: &CallOptions,
    ) -> CallFuture<CallData<P>> {
        let (n, mut config) = self.shared.new_call();
        options.apply_config(&mut config);
        let generation = self.shared.config.generation();
        let base = self.shared.config.api_base();
        let now = self.shared.clock.now();
        self.start(n, Call::resume(handle, generation, base, config, now))
    }

    /// Every item of a collection's results as a [`Stream`], from the handle's page to the
    /// last, read from `…/results/{results_id}` at the original page size (never by asking the
    /// bank again).
    pub fn resume_items<I: Collection + Send + 'static>(
        &self,
        handle: impl Into<PendingHandle>,
    ) -> Items<I, T> {
        let generation = self.shared.config.generation();
        Items {
            client: self.clone(),
            cursor: Cursor::resume(&handle.into(), generation),
            fetch: None,
        }
    }

    /// `GET …/results/{results_id}`, typed by its body.
    pub fn results(
        &self,
        results_id: ResultsId,
    ) -> impl Future<Output = Result<CallData<AnyData>, Error>> + Send + 'static {
        self.resume(results_id)
    }

    /// Waits until the entity's data refresh has finished: Lean's recommended flow for a new
    /// connection (after `entity.created`, wait for `entity.data.refresh.updated` FINISHED,
    /// then read synchronously from Lean's store) and after [`Client::refresh`].
    /// With `refresh_id`, waits for that refresh; without, for the entity's newest one (and
    /// for it to appear): the newest this client has seen by webhook, else the newest Lean
    /// lists, so after [`Client::refresh`] pass the `refresh_id` it returns (an earlier
    /// refresh already seen FINISHED would otherwise end the wait). Webhooks given to
    /// [`Client::handle_webhook`] end the wait at once; when one is lost, polling the refresh
    /// status after the grace period ends it anyway. Bounded by the client's deadline;
    /// dropping the future ends the wait cleanly.
    pub fn wait_for_refresh(
        &self,
        entity_id: EntityId,
        refresh_id: Option<RefreshId>,
    ) -> impl Future<Output = Result<Refresh, Error>> + Send + 'static {
        let (n, config) = self.shared.new_refresh_wait();
        let pending =
            refresh_wait::RefreshWait::new(entity_id, refresh_id, config, self.shared.clock.now());
        let mut driven = RefreshDriven::new(self.shared.clone(), n, pending);
        let client = self.clone();
        async move {
            let mut timer = None;
            loop {
                // Each poll is a boxed call future: nothing but `driven` lives across a wait.
                match driven.step() {
                    RefreshStep::Poll(refresh_wait::RefreshPoll::Get(get)) => {
                        let answer = client.call(get).await;
                        driven.handle_refresh(answer)
                    }
                    RefreshStep::Poll(refresh_wait::RefreshPoll::List(list)) => {
                        let answer = client.call(list).await;
                        driven.handle_list(answer)
                    }
                    RefreshStep::Wait(until) => {
                        let runtime = client.transport.runtime();
                        wait(runtime, &mut timer, driven.signal(), until).await
                    }
                    RefreshStep::Done(result) => return result,
                }
            }
        }
    }

    /// One page of a collection.
    pub fn page<I, E>(
        &self,
        endpoint: E,
    ) -> impl Future<Output = Result<CallData<Page<I>>, Error>> + Send + 'static
    where
        I: Collection + Send + 'static,
        E: Endpoint<Output = Page<I>> + Clone + Send + 'static,
    {
        self.call(endpoint)
    }

    /// Every item of a collection as a [`Stream`], fetching pages as it is read.
    pub fn items<I, E>(&self, endpoint: E) -> Items<I, T>
    where
        I: Collection + Send + 'static,
        E: Endpoint<Output = Page<I>> + Clone + Send + 'static,
    {
        Items {
            client: self.clone(),
            cursor: Cursor::new(endpoint),
            fetch: None,
        }
    }

    for_each_endpoint!(async_method);
}

/// Items of a paged collection, as a [`Stream`]; pages are fetched as it is read. After an
/// error it ends. Dropping it mid-fetch abandons that page's call cleanly.
pub struct Items<I: Collection, T> {
    client: Client<T>,
    cursor: Cursor<I>,
    fetch: Option<CallFuture<CallData<Page<I>>>>,
}

// Nothing in `Items` is pinned in place: the page future is boxed, items are only moved.
impl<I: Collection, T> Unpin for Items<I, T> {}

impl<I: Collection + Send + 'static, T: AsyncTransport> Stream for Items<I, T> {
    type Item = Result<I, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(fetch) = &mut this.fetch {
                let answer = std::task::ready!(fetch.as_mut().poll(cx));
                this.fetch = None;
                match answer {
                    Ok(page) => this.cursor.handle_page(page),
                    Err(e) => {
                        this.cursor.fail();
                        return Poll::Ready(Some(Err(e)));
                    }
                }
            }
            if let Some(item) = this.cursor.buffered() {
                return Poll::Ready(Some(Ok(item)));
            }
            let shared = &this.client.shared;
            let (n, config) = shared.new_call();
            match this
                .cursor
                .next(shared.config.api_base(), config, shared.clock.now())
            {
                Next::Item(item) => return Poll::Ready(Some(Ok(item))),
                Next::Done => return Poll::Ready(None),
                Next::Fetch(call) => this.fetch = Some(this.client.start(n, *call)),
            }
        }
    }
}

impl<I: Collection + Send + 'static, T: AsyncTransport> Items<I, T> {
    /// The next item, fetching the next page when needed.
    pub async fn next(&mut self) -> Option<Result<I, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Every remaining item, or the first error.
    pub async fn try_collect(mut self) -> Result<Vec<I>, Error> {
        let mut out = Vec::new();
        while let Some(item) = self.next().await {
            out.push(item?);
        }
        Ok(out)
    }
}

/// Compile-time proof that every call future, for any transport, can be spawned on a
/// multi-threaded runtime (`Send + 'static`), and that the client is shareable.
#[allow(dead_code)]
fn spawnable<T: AsyncTransport>(c: &Client<T>, e: &EntityId, a: &AccountId, r: &ResultsId) {
    fn check<F: Send + 'static>(_: F) {}
    fn shareable<S: Send + Sync + Clone + 'static>(_: &S) {}
    shareable(c);
    check(c.call(GetAccounts::new(e.clone())));
    check(c.submit(GetAccounts::new(e.clone())));
    check(c.resume::<AnyData>(r.clone()));
    check(c.accounts(e));
    check(c.income(e));
    check(c.transactions(e, a));
    check(c.transactions(e, a).try_collect());
}
