//! The async flavour: `.await` on every request value (`IntoFuture`), for an
//! [`AsyncTransport`], and lists as a [`Stream`].
//!
//! It owns how a call is driven as a future (send, wait for the signal or the runtime's timer,
//! repeat) and nothing else. Every future is `Send + 'static` (it owns a clone of the client),
//! so calls can be spawned on any multi-threaded runtime (`tokio::spawn(request.into_future())`).
//! Dropping a future at any await point abandons its call cleanly (see the `drive` module).

use crate::client::Client;
use crate::drive::{Driven, Step, WaitStep};
use crate::request::{
    CallFuture, Ending, Items, ListRequest, PaymentWaitRequest, Pull, RefreshWaitRequest, Request,
    Started,
};
use crate::runtime::{Runtime, Timer};
use crate::shutdown::ShutdownRequest;
use crate::transport::AsyncTransport;
use futures_core::Stream;
use lean_proto::call::{Call, CallData, Purpose, Transmit, TransmitId};
use lean_proto::client::Error;
use lean_proto::pager::Paged;
use lean_proto::pending::PendingHandle;
use lean_proto::refresh_wait::RefreshPoll;
use lean_proto::request::Endpoint;
use lean_proto::retry::TransportError;
use lean_proto::{Payload, Payment, Refresh};
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

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

type Exchange = Pin<
    Box<
        dyn Future<Output = Result<http::Response<crate::transport::Bytes>, TransportError>> + Send,
    >,
>;

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
}

impl<T, E, O> IntoFuture for Request<T, E, O>
where
    T: AsyncTransport,
    E: Endpoint + Clone + Send + 'static,
    E::Output: Send + 'static,
    O: Ending<E::Output> + Send + 'static,
{
    type Output = Result<O, Error>;
    type IntoFuture = CallFuture<O>;

    /// The call starts here (its clock, its number), not when the request value was made.
    fn into_future(self) -> CallFuture<O> {
        match self.start() {
            Ok(Started {
                client,
                number,
                call,
            }) => client.start(number, call),
            Err(refused) => Box::pin(std::future::ready(Err(refused))),
        }
    }
}

/// A list's every item, with the walk's metadata.
type ListFuture<I> = Pin<Box<dyn Future<Output = Result<CallData<Vec<I>>, Error>> + Send>>;

impl<T, E> IntoFuture for ListRequest<T, E>
where
    T: AsyncTransport,
    E: Endpoint + Clone + Send + 'static,
    E::Output: Paged + Send + 'static,
    <E::Output as Paged>::Item: Send,
{
    type Output = Result<CallData<Vec<<E::Output as Paged>::Item>>, Error>;
    type IntoFuture = ListFuture<<E::Output as Paged>::Item>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.items().try_collect())
    }
}

// Nothing in `Items` is pinned in place: the page future is boxed, items are only moved.
impl<O: Paged, T> Unpin for Items<O, T> {}

impl<O, T> Stream for Items<O, T>
where
    O: Paged + Send + 'static,
    T: AsyncTransport,
{
    type Item = Result<O::Item, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(fetch) = &mut this.fetch {
                let page = std::task::ready!(fetch.as_mut().poll(cx));
                this.fetch = None;
                if let Some(e) = this.handle_page(page) {
                    return Poll::Ready(Some(Err(e)));
                }
            }
            this.fetch = Some(match this.pull() {
                Pull::Fetch(number, call) => this.client.start(number, *call),
                Pull::Item(item) => return Poll::Ready(Some(Ok(item))),
                Pull::Failed(e) => return Poll::Ready(Some(Err(e))),
                Pull::Done => return Poll::Ready(None),
            });
        }
    }
}

impl<O, T> Items<O, T>
where
    O: Paged + Send + 'static,
    T: AsyncTransport,
{
    /// The next item, fetching the next page when needed.
    pub async fn next(&mut self) -> Option<Result<O::Item, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Every remaining item, with the walk's metadata, or the first error.
    pub async fn try_collect(mut self) -> Result<CallData<Vec<O::Item>>, Error> {
        let mut read = Vec::new();
        while let Some(item) = self.next().await {
            read.push(item?);
        }
        Ok(self.into_data(read))
    }
}

impl<T: AsyncTransport> IntoFuture for RefreshWaitRequest<T> {
    type Output = Result<Refresh, Error>;
    type IntoFuture = CallFuture<Refresh>;

    /// Dropping the future ends the wait cleanly.
    fn into_future(self) -> CallFuture<Refresh> {
        let (client, mut driven) = self.start();
        Box::pin(async move {
            let mut timer = None;
            loop {
                // Each poll is a boxed call future: nothing but `driven` lives across a wait.
                match driven.step() {
                    WaitStep::Poll(RefreshPoll::Get(get)) => {
                        driven.handle_refresh(client.call(get).await)
                    }
                    WaitStep::Poll(RefreshPoll::List(list)) => {
                        driven.handle_list(client.call(list).await)
                    }
                    WaitStep::Wait(until) => {
                        let runtime = client.transport.runtime();
                        wait(runtime, &mut timer, driven.signal(), until).await
                    }
                    WaitStep::Done(result) => return result,
                }
            }
        })
    }
}

impl<T: AsyncTransport> IntoFuture for PaymentWaitRequest<T> {
    type Output = Result<Payment, Error>;
    type IntoFuture = CallFuture<Payment>;

    /// Dropping the future ends the wait cleanly.
    fn into_future(self) -> CallFuture<Payment> {
        let started = self.start();
        Box::pin(async move {
            let (client, mut driven) = started?;
            let mut timer = None;
            loop {
                match driven.step() {
                    WaitStep::Poll(get) => driven.handle_intent(client.call(get).await),
                    WaitStep::Wait(until) => {
                        let runtime = client.transport.runtime();
                        wait(runtime, &mut timer, driven.signal(), until).await
                    }
                    WaitStep::Done(result) => return result,
                }
            }
        })
    }
}

impl<T: AsyncTransport> IntoFuture for ShutdownRequest<T> {
    type Output = Vec<PendingHandle>;
    type IntoFuture = Pin<Box<dyn Future<Output = Vec<PendingHandle>> + Send>>;

    /// Shuts down, awaiting the runtime's timer; the handles of the calls it ended.
    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            let mut phases = self.begin();
            let (shared, runtime) = (&self.client.shared, self.client.transport.runtime());
            let mut timer = None;
            while let Some(until) = phases.next(shared) {
                wait(runtime, &mut timer, &shared.ended, Some(until)).await;
            }
            crate::shutdown::handles(shared)
        })
    }
}

/// Compile-time proof that every call future, for any transport, can be spawned on a
/// multi-threaded runtime (`Send + 'static`), and that the client is shareable.
#[allow(dead_code)]
fn spawnable<T: AsyncTransport>(
    c: &Client<T>,
    e: &lean_proto::EntityId,
    a: &lean_proto::AccountId,
    r: &lean_proto::ResultsId,
) {
    fn check<F: Send + 'static>(_: F) {}
    fn shareable<S: Send + Sync + Clone + 'static>(_: &S) {}
    shareable(c);
    check(
        c.call(lean_proto::GetAccounts::new(e.clone()))
            .into_future(),
    );
    check(c.accounts(e).submit().into_future());
    check(c.resume::<lean_proto::AnyData>(r.clone()).into_future());
    check(c.accounts(e).into_future());
    check(c.income(e).into_future());
    check(c.transactions(e, a).items());
    check(c.wait_for_refresh(e).into_future());
}
