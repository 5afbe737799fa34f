//! Request values: what a [`Client`] verb returns, before it is sent.
//!
//! This module owns a request's options and how they turn into a core [`Call`], for every
//! flavour at once: a [`Request`] (one answer, or with `.submit()` Lean's `results_id`), a
//! [`ListRequest`] (every page), [`Items`] (every item, lazily), a [`RefreshWaitRequest`] and a
//! [`PaymentWaitRequest`].
//! It never sends or waits: `.send()` is [`crate::blocking`]'s, `.await` is
//! [`crate::nonblocking`]'s, both thin loops over what is prepared here.

use crate::client::Client;
use crate::drive::WaitDriven;
use crate::shared::Shared;
use lean_proto::call::{Call, CallConfig, CallData, CallError, CallErrorKind, Context};
use lean_proto::client::{Error, Submitted};
use lean_proto::pager::{Cursor, Next, Paged};
use lean_proto::payment_wait::PaymentWait;
use lean_proto::pending::PendingHandle;
use lean_proto::refresh_wait::RefreshWait;
use lean_proto::request::{Endpoint, GetResults, RequestError};
use lean_proto::wait::WaitConfig;
use lean_proto::{EntityId, Payload, RefreshId, ResultsId};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

/// Settings of one request that differ from the client's [`CallConfig`], without a second
/// client (which would fetch a second token and keep a second registry). Every request value
/// has the same setters; this type lets one set of options be kept and reused.
///
/// ```
/// use lean_client::CallOptions;
/// use std::time::Duration;
/// let quick = CallOptions::new()
///     .deadline(Duration::from_secs(30))
///     .correlation_id("order-1234")
///     .page_size(100);
/// # let _ = quick;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// The whole call's deadline.
    pub deadline: Option<Duration>,
    /// Ask `async=true` (or not) whatever the client's default.
    pub asynchronous: Option<bool>,
    /// Page size for paged endpoints (1..=100, checked when the request is built).
    pub page_size: Option<u32>,
    /// `lean-correlation-id` to send with every request of the call.
    pub correlation_id: Option<String>,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// The call gives up after `deadline` (the `results_id` is kept in the error).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Ask Lean with `async=true` (`false`: synchronously).
    pub fn asynchronous(mut self, on: bool) -> Self {
        self.asynchronous = Some(on);
        self
    }

    /// Items per page.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }

    /// Tag every request of the call with this `lean-correlation-id`: printable ASCII, spaces
    /// and tabs; other text is refused before anything is sent (`RequestError::InvalidHeader`).
    pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
        self.correlation_id = Some(id.into());
        self
    }

    /// What concerns the call itself (deadline, correlation id).
    fn apply_config(&self, config: &mut CallConfig) {
        if let Some(d) = self.deadline {
            config.deadline = d;
        }
        if let Some(id) = &self.correlation_id {
            config.correlation_id = Some(id.clone());
        }
    }

    /// What concerns the request sent (`async`, page size).
    fn apply_endpoint<E: Endpoint>(&self, config: &mut CallConfig, endpoint: &mut E) {
        if let Some(on) = self.asynchronous {
            config.asynchronous = on;
            endpoint.set_asynchronous(on);
        }
        if let Some(size) = self.page_size {
            endpoint.set_page_size(size);
        }
    }
}

/// The option setters every request value has, written once.
macro_rules! option_setters {
    ($($field:ident).+) => {
        /// The whole call gives up after `deadline` (a `results_id` Lean gave is kept in the
        /// error).
        pub fn deadline(mut self, deadline: Duration) -> Self {
            self.$($field).+.deadline = Some(deadline);
            self
        }

        /// Tags every request of the call with this `lean-correlation-id` (Lean echoes it; it
        /// is in every event and error of the call). Printable ASCII, spaces and tabs; other
        /// text is refused before anything is sent (`RequestError::InvalidHeader`).
        pub fn correlation_id(mut self, id: impl Into<String>) -> Self {
            self.$($field).+.correlation_id = Some(id.into());
            self
        }

        /// All options at once (replacing those set so far).
        pub fn options(mut self, options: CallOptions) -> Self {
            self.$($field).+ = options;
            self
        }
    };
}

/// How a request ends, by the way it was started: a call with its data ([`CallData`]); a
/// submission with its data or Lean's PENDING handle ([`Submitted`]). Sealed.
pub trait Ending<P: Payload>: Sized + sealed::Sealed {
    #[doc(hidden)]
    const SUBMITS: bool;

    #[doc(hidden)]
    fn start<E>(endpoint: E, args: StartArgs) -> Call<P>
    where
        E: Endpoint<Output = P> + Clone + Send + 'static;

    #[doc(hidden)]
    fn take(call: &mut Call<P>, ctx: &Context<'_>) -> Option<Result<Self, Error>>;
}

mod sealed {
    pub trait Sealed {}
    impl<P> Sealed for lean_proto::call::CallData<P> {}
    impl<P> Sealed for lean_proto::client::Submitted<P> {}
}

/// What a call is started with (the client's base URL, the call's policy, now).
#[doc(hidden)]
pub struct StartArgs {
    base: lean_proto::BaseUrl,
    config: CallConfig,
    now: std::time::Instant,
}

impl<P: Payload + 'static> Ending<P> for CallData<P> {
    const SUBMITS: bool = false;

    fn start<E>(endpoint: E, a: StartArgs) -> Call<P>
    where
        E: Endpoint<Output = P> + Clone + Send + 'static,
    {
        Call::new(endpoint, a.base, a.config, a.now)
    }

    fn take(call: &mut Call<P>, _: &Context<'_>) -> Option<Result<Self, Error>> {
        call.poll_outcome().map(|o| o.map_err(Error::from))
    }
}

/// A submission ends as soon as Lean gave a `results_id`: the caller will not wait.
impl<P: Payload + 'static> Ending<P> for Submitted<P> {
    const SUBMITS: bool = true;

    fn start<E>(endpoint: E, a: StartArgs) -> Call<P>
    where
        E: Endpoint<Output = P> + Clone + Send + 'static,
    {
        Call::submit(endpoint, a.base, a.config, a.now)
    }

    fn take(call: &mut Call<P>, ctx: &Context<'_>) -> Option<Result<Self, Error>> {
        if let Some(outcome) = call.poll_outcome() {
            return Some(outcome.map(Submitted::Data).map_err(Error::from));
        }
        call.hand_over(ctx)
            .map(|handle| Ok(Submitted::Pending(handle)))
    }
}

/// What a request reads.
enum Target<E> {
    /// An endpoint (or the reason it could not be built: refused when sent, as misuse).
    Endpoint(Result<E, RequestError>),
    /// The results a handle stands for; `one_page` allows reading one page of a collection.
    Resume {
        handle: PendingHandle,
        one_page: bool,
    },
}

/// One request to Lean, with its options: `.send()` it on a blocking client, `.await` it on an
/// async one. It ends with an `O`: its data with the answer's metadata ([`CallData`]: the
/// payload, `results_id`, correlation id, requests sent; it reads through to the payload), or
/// after [`Request::submit`], [`Submitted`].
#[must_use = "a request does nothing until it is sent (`.send()`) or awaited"]
pub struct Request<T, E: Endpoint, O = CallData<<E as Endpoint>::Output>> {
    client: Client<T>,
    target: Target<E>,
    options: CallOptions,
    ending: PhantomData<fn() -> O>,
}

impl<T, E: Endpoint> Request<T, E> {
    pub(crate) fn new(client: &Client<T>, endpoint: Result<E, RequestError>) -> Self {
        Request {
            client: client.clone(),
            target: Target::Endpoint(endpoint),
            options: CallOptions::default(),
            ending: PhantomData,
        }
    }

    /// Sends with `async=true` and ends as soon as Lean answers: with the data when it had
    /// it, else with a [`PendingHandle`] to persist and `resume` later (here or in another
    /// process).
    pub fn submit(self) -> Request<T, E, Submitted<E::Output>> {
        Request {
            client: self.client,
            target: self.target,
            options: self.options,
            ending: PhantomData,
        }
    }
}

impl<T, P: Payload> Request<T, GetResults<P>> {
    pub(crate) fn resume(client: &Client<T>, handle: PendingHandle) -> Self {
        Request {
            client: client.clone(),
            target: Target::Resume {
                handle,
                one_page: false,
            },
            options: CallOptions::default(),
            ending: PhantomData,
        }
    }

    /// Reads the handle's page of a collection's results, and only that page, on purpose
    /// (its page info says how many there are; [`Request::items`] reads them all).
    pub fn one_page(mut self) -> Self {
        if let Target::Resume { one_page, .. } = &mut self.target {
            *one_page = true;
        }
        self
    }
}

impl<T, P: Paged + 'static> Request<T, GetResults<P>> {
    /// Every item of a collection's results, from the handle's page to the last, read from
    /// `…/results/{results_id}` at the original page size (never by asking the bank again).
    pub fn items(self) -> Items<P, T> {
        let generation = self.client.shared.config.generation();
        let cursor = match &self.target {
            // The handle's page size applies: a page size or `async` set here is refused.
            Target::Resume { handle, .. } => {
                resumable::<P, CallData<P>>(handle, &self.options, true)
                    .map(|()| Cursor::resume(handle, generation))
            }
            Target::Endpoint(Ok(endpoint)) => Ok(Cursor::new(endpoint.clone())),
            Target::Endpoint(Err(e)) => Err(Error::from(e.clone())),
        };
        Items::new(self.client, cursor, self.options)
    }
}

impl<T, E: Endpoint, O> Request<T, E, O> {
    option_setters!(options);

    /// Asks Lean with `async=true` (or, `false`, synchronously) whatever the client's default.
    pub fn asynchronous(mut self, on: bool) -> Self {
        self.options.asynchronous = Some(on);
        self
    }

    /// Items per page, for a paged endpoint (1..=100, checked when the request is built).
    pub fn page_size(mut self, size: u32) -> Self {
        self.options.page_size = Some(size);
        self
    }
}

/// A started call: its client, its number and the core's state machine.
pub(crate) struct Started<T, P: Payload> {
    pub(crate) client: Client<T>,
    pub(crate) number: u64,
    pub(crate) call: Call<P>,
}

impl<T, E, O> Request<T, E, O>
where
    E: Endpoint + Clone + Send + 'static,
    O: Ending<E::Output>,
{
    /// The call this request stands for, or why it cannot start (misuse: nothing was sent).
    pub(crate) fn start(self) -> Result<Started<T, E::Output>, Error> {
        let shared: &Shared = &self.client.shared;
        if shared.closed() {
            // A resume refused keeps its handle: nothing is lost.
            return Err(Error::Shutdown(match self.target {
                Target::Resume { handle, .. } => Some(handle),
                Target::Endpoint(_) => None,
            }));
        }
        let (number, mut config) = shared.new_call();
        self.options.apply_config(&mut config);
        let base = shared.api_base.clone();
        let now = shared.clock.now();
        let call = match self.target {
            Target::Endpoint(endpoint) => {
                let mut endpoint = endpoint?;
                self.options.apply_endpoint(&mut config, &mut endpoint);
                O::start(endpoint, StartArgs { base, config, now })
            }
            Target::Resume { handle, one_page } => {
                resumable::<E::Output, O>(&handle, &self.options, one_page)?;
                let generation = shared.config.generation();
                Call::resume(&handle, generation, base, config, now)
            }
        };
        Ok(Started {
            client: self.client,
            number,
            call,
        })
    }
}

/// A resume reads what the handle says: a page size, `async` or a submission would be
/// silently ignored, and a collection's one page would silently stand for all of them. Each is
/// refused as misuse, keeping the handle's `results_id` (nothing is lost).
fn resumable<P: Payload, O: Ending<P>>(
    handle: &PendingHandle,
    options: &CallOptions,
    one_page: bool,
) -> Result<(), Error> {
    let refuse = |name, reason| {
        Err(Error::Call(Box::new(CallError {
            kind: CallErrorKind::Misuse(RequestError::InvalidParameter { name, reason }),
            results_id: Some(handle.results_id.clone()),
            correlation_id: None,
            last_error: None,
        })))
    };
    if options.page_size.is_some() || options.asynchronous.is_some() {
        return refuse(
            "options",
            "a resume reads the handle's page at the handle's page size; page_size and \
             asynchronous do not apply",
        );
    }
    if O::SUBMITS {
        return refuse("submit", "a resume is read, not submitted");
    }
    if P::PAGED && !one_page {
        return refuse(
            "P",
            "a collection's results may hold many pages: .items() reads them all, \
             .one_page() one on purpose",
        );
    }
    Ok(())
}

/// Every page of a paged endpoint, with its options: `.send()` or `.await` it for every item
/// at once (with the metadata of the walk), [`ListRequest::items`] for an iterator (blocking)
/// or stream (async) that fetches pages as it is read, [`ListRequest::first_page`] for one
/// page on purpose. A deadline bounds each page's call.
#[must_use = "a request does nothing until it is sent (`.send()`) or awaited"]
pub struct ListRequest<T, E: Endpoint> {
    request: Request<T, E>,
}

impl<T, E: Endpoint> ListRequest<T, E> {
    pub(crate) fn new(request: Request<T, E>) -> Self {
        ListRequest { request }
    }

    option_setters!(request.options);

    /// Asks Lean with `async=true` (or, `false`, synchronously) for every page.
    pub fn asynchronous(mut self, on: bool) -> Self {
        self.request.options.asynchronous = Some(on);
        self
    }

    /// Items per page (1..=100, checked when the first page is asked for).
    pub fn page_size(mut self, size: u32) -> Self {
        self.request.options.page_size = Some(size);
        self
    }

    /// The first page only, on purpose (its page info says how many there are).
    pub fn first_page(self) -> Request<T, E> {
        self.request
    }

    /// Submits the first page's request (see [`Request::submit`]); resume every page of its
    /// results with `client.resume::<Page<_>>(handle).items()`.
    pub fn submit(self) -> Request<T, E, Submitted<E::Output>> {
        self.request.submit()
    }
}

impl<T, E> ListRequest<T, E>
where
    E: Endpoint + Clone + Send + 'static,
    E::Output: Paged + 'static,
{
    /// Every item, fetching the next page when the current one is used up.
    pub fn items(self) -> Items<E::Output, T> {
        let Request {
            client,
            target,
            options,
            ..
        } = self.request;
        let cursor = match target {
            Target::Endpoint(Ok(mut endpoint)) => {
                // The endpoint carries `async` and the page size to every page it makes.
                options.apply_endpoint(&mut CallConfig::default(), &mut endpoint);
                Ok(Cursor::new(endpoint))
            }
            Target::Endpoint(Err(e)) => Err(Error::from(e)),
            Target::Resume { .. } => Err(Error::from(RequestError::InvalidParameter {
                name: "list",
                reason: "a resume is not a list",
            })),
        };
        Items::new(client, cursor, options)
    }
}

/// A boxed call future, ending with an `O`: boxed so that a parked call costs its state, not
/// the largest future a transport might build.
pub(crate) type CallFuture<O> = Pin<Box<dyn Future<Output = Result<O, Error>> + Send>>;

/// Every item of a list, fetched page by page as it is read: an [`Iterator`] on a blocking
/// client, a `Stream` on an async one. After an error it ends. [`Items::into_data`] turns the
/// items read into a [`CallData`] with the walk's metadata.
pub struct Items<O: Paged, T> {
    pub(crate) client: Client<T>,
    cursor: Result<Cursor<O>, Option<Error>>,
    options: CallOptions,
    /// The page being fetched (async clients only).
    pub(crate) fetch: Option<CallFuture<CallData<O>>>,
    walked: Walked,
}

/// What a list walk learnt besides its items.
#[derive(Default)]
struct Walked {
    info: Option<lean_proto::response::EnvelopeInfo>,
    correlation_id: Option<String>,
    results_id: Option<ResultsId>,
    requests: u32,
}

/// What the items need next.
pub(crate) enum Pull<O: Paged> {
    /// An item.
    Item(O::Item),
    /// Drive this page's call (its number, the call), then hand its answer to
    /// [`Items::handle_page`].
    Fetch(u64, Box<Call<O>>),
    /// Every item was read.
    Done,
    /// A page failed, or the request was refused (the walk is over).
    Failed(Error),
}

impl<O: Paged + 'static, T> Items<O, T> {
    fn new(client: Client<T>, cursor: Result<Cursor<O>, Error>, options: CallOptions) -> Self {
        Items {
            client,
            cursor: cursor.map_err(Some),
            options,
            fetch: None,
            walked: Walked::default(),
        }
    }

    /// The next item, or the call that fetches the next page.
    pub(crate) fn pull(&mut self) -> Pull<O> {
        let cursor = match &mut self.cursor {
            Ok(cursor) => cursor,
            Err(refused) => return refused.take().map_or(Pull::Done, Pull::Failed),
        };
        if let Some(item) = cursor.buffered() {
            return Pull::Item(item);
        }
        let shared = &self.client.shared;
        if shared.closed() {
            self.cursor = Err(None);
            return Pull::Failed(Error::Shutdown(None));
        }
        let (number, mut config) = shared.new_call();
        self.options.apply_config(&mut config);
        if let Some(on) = self.options.asynchronous {
            config.asynchronous = on; // the endpoint asks `async` already (see `items`)
        }
        match cursor.next(shared.api_base.clone(), config, shared.clock.now()) {
            Next::Item(item) => Pull::Item(item),
            Next::Done => Pull::Done,
            Next::Fetch(call) => Pull::Fetch(number, call),
        }
    }

    /// The answer to the last [`Pull::Fetch`]; an error ends the walk and is returned.
    pub(crate) fn handle_page(&mut self, page: Result<CallData<O>, Error>) -> Option<Error> {
        let Ok(cursor) = &mut self.cursor else {
            return None;
        };
        match page {
            Ok(page) => {
                let w = &mut self.walked;
                w.requests += page.requests;
                w.correlation_id = page.correlation_id.clone().or(w.correlation_id.take());
                w.results_id = page.results_id.clone().or(w.results_id.take());
                w.info.get_or_insert_with(|| page.info.clone());
                cursor.handle_page(page);
                None
            }
            Err(e) => {
                cursor.fail();
                Some(e)
            }
        }
    }

    /// The items read, with what the walk learnt: the first page's envelope, the last
    /// correlation id Lean answered with, the `results_id` the pages were read from (after
    /// PENDING) and every request sent.
    pub fn into_data(self, items: Vec<O::Item>) -> CallData<Vec<O::Item>> {
        let w = self.walked;
        let mut data = CallData::new(items, w.info.unwrap_or_default());
        data.correlation_id = w.correlation_id;
        data.results_id = w.results_id;
        data.requests = w.requests;
        data
    }
}

/// A wait for an entity's data refresh to finish, with its options: `.send()` it on a blocking
/// client, `.await` it on an async one. Bounded by the deadline (the client's unless set).
#[must_use = "a wait does nothing until it is sent (`.send()`) or awaited"]
pub struct RefreshWaitRequest<T> {
    pub(crate) client: Client<T>,
    entity_id: EntityId,
    refresh_id: Option<RefreshId>,
    options: CallOptions,
}

impl<T> RefreshWaitRequest<T> {
    pub(crate) fn new(client: &Client<T>, entity_id: EntityId) -> Self {
        RefreshWaitRequest {
            client: client.clone(),
            entity_id,
            refresh_id: None,
            options: CallOptions::default(),
        }
    }

    option_setters!(options);

    /// Waits for this refresh (the `refresh_id` that [`Client::refresh`] returned) rather
    /// than the entity's newest.
    pub fn refresh_id(mut self, refresh_id: RefreshId) -> Self {
        self.refresh_id = Some(refresh_id);
        self
    }

    /// The wait, filed under its entity from the start.
    pub(crate) fn start(self) -> (Client<T>, WaitDriven<RefreshWait>) {
        let shared = &self.client.shared;
        let (number, mut config) = shared.new_call();
        self.options.apply_config(&mut config);
        let wait = RefreshWait::new(
            self.entity_id,
            self.refresh_id,
            WaitConfig::from(&config),
            shared.clock.now(),
        );
        let driven = WaitDriven::new(shared.clone(), number, wait);
        (self.client, driven)
    }
}

/// A wait for a payment intent's payment to settle at the bank (accepted or failed), with its
/// options: `.send()` it on a blocking client, `.await` it on an async one. Bounded by the
/// deadline (the client's unless set).
#[must_use = "a wait does nothing until it is sent (`.send()`) or awaited"]
pub struct PaymentWaitRequest<T> {
    pub(crate) client: Client<T>,
    payment_intent_id: String,
    payment_id: Option<String>,
    options: CallOptions,
}

impl<T> PaymentWaitRequest<T> {
    pub(crate) fn new(client: &Client<T>, payment_intent_id: &str) -> Self {
        PaymentWaitRequest {
            client: client.clone(),
            payment_intent_id: payment_intent_id.to_owned(),
            payment_id: None,
            options: CallOptions::default(),
        }
    }

    option_setters!(options);

    /// Waits for this payment of the intent (its `id`, from `payment.created`) rather than
    /// the intent's newest.
    pub fn payment_id(mut self, payment_id: &str) -> Self {
        self.payment_id = Some(payment_id.to_owned());
        self
    }

    /// The wait, filed under its intent from the start; an intent id that is not a UUID is
    /// refused before anything is sent.
    pub(crate) fn start(self) -> Result<(Client<T>, WaitDriven<PaymentWait>), Error> {
        let shared = &self.client.shared;
        let (number, mut config) = shared.new_call();
        self.options.apply_config(&mut config);
        let mut wait = PaymentWait::new(
            &self.payment_intent_id,
            WaitConfig::from(&config),
            shared.clock.now(),
        )?;
        if let Some(id) = &self.payment_id {
            wait = wait.payment_id(id);
        }
        let driven = WaitDriven::new(shared.clone(), number, wait);
        Ok((self.client, driven))
    }
}
