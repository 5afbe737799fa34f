//! The blocking client: the driver's loop with a blocking transport and thread parking.
//!
//! It owns nothing but the loop and the surface; decisions are the core's, shared state is
//! [`crate::shared`]'s, step order is the `drive` module's.

use crate::drive::{Driven, Ending, RefreshDriven, RefreshStep, Step};
use crate::endpoints::for_each_endpoint;
use crate::shared::{CallOptions, ClientBuilder, FromParts, Shared};
use crate::transport::BlockingTransport;
use lean_proto::call::{Call, CallData, Transmit};
use lean_proto::client::{Error, Submitted};
use lean_proto::pager::{Cursor, Next};
use lean_proto::pending::PendingHandle;
use lean_proto::webhook::Ack;
use lean_proto::*;
use std::sync::Arc;

crate::shared::client_parts!(
    /// A blocking Lean client over transport `T`: `Send + Sync`, cheap to clone (clones share
    /// the token cache, the results registry, the waiting lists and the transport).
    BlockingTransport,
    |transport| transport.clock()
);

macro_rules! blocking_method {
    ($(#[$doc:meta])* all $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = $build:expr) => {
        $(#[$doc])*
        pub fn $name(&self, $($arg: $ty),*) -> Result<Vec<$out>, Error> {
            self.items($build).collect()
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
        pub fn $name(&self, $($arg: $ty),*) -> Result<$out, Error> {
            self.call($build).map(|$d| $take)
        }
    };
    ($(#[$doc:meta])* checked $name:ident($($arg:ident: $ty:ty),*) -> $out:ty = $build:expr => |$d:ident| $take:expr) => {
        $(#[$doc])*
        pub fn $name(&self, $($arg: $ty),*) -> Result<$out, Error> {
            self.call($build?).map(|$d| $take)
        }
    };
}

impl<T: BlockingTransport> Client<T> {
    /// Drives a call to its end on this thread: its data, or for a submission what `O` says.
    fn drive<P: Payload + 'static, O: Ending<P>>(
        &self,
        call: Call<P>,
        number: u64,
    ) -> Result<O, Error> {
        let mut driven = Driven::new(self.shared.clone(), number, call);
        loop {
            match driven.step() {
                Step::Send(Transmit {
                    id,
                    request,
                    timeout,
                    purpose,
                    ..
                }) => {
                    let answer = self.transport.send(request, timeout);
                    driven.handle_answer(id, purpose, answer);
                }
                Step::Wait(until) => driven.signal().wait_blocking(until, &self.shared.clock),
                Step::Done(result) => return result,
            }
        }
    }

    /// Sends any endpoint and returns its typed data, waiting out PENDING.
    pub fn call<E>(&self, endpoint: E) -> Result<CallData<E::Output>, Error>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: 'static,
    {
        self.call_with(endpoint, &CallOptions::default())
    }

    /// [`Client::call`] with settings of its own for this call (deadline, `async`, page size,
    /// correlation id).
    pub fn call_with<E>(
        &self,
        mut endpoint: E,
        options: &CallOptions,
    ) -> Result<CallData<E::Output>, Error>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: 'static,
    {
        let (n, mut config) = self.shared.new_call();
        options.apply(&mut config, &mut endpoint);
        let call = Call::new(
            endpoint,
            self.shared.config.api_base(),
            config,
            self.shared.clock.now(),
        );
        self.drive(call, n)
    }

    /// Sends `endpoint` with `async=true` and returns Lean's `results_id` without waiting.
    pub fn submit<E>(&self, endpoint: E) -> Result<Submitted<E::Output>, Error>
    where
        E: Endpoint + Clone + Send + 'static,
        E::Output: 'static,
    {
        let (n, config) = self.shared.new_call();
        let call = Call::submit(
            endpoint,
            self.shared.config.api_base(),
            config,
            self.shared.clock.now(),
        );
        self.drive(call, n)
    }

    /// Fetches the results of a request that answered PENDING (perhaps before a restart),
    /// waiting for `results.ready` or polling until the deadline. `P` is what the original
    /// request returns ([`AnyData`] when unknown). A collection (`Page<_>`) is refused before
    /// anything is sent: its results may hold many pages, read them with
    /// [`Client::resume_items`] (or one page, deliberately, with [`Client::resume_page`]).
    pub fn resume<P: Payload + 'static>(
        &self,
        handle: impl Into<PendingHandle>,
    ) -> Result<CallData<P>, Error> {
        self.resume_with(handle, &CallOptions::default())
    }

    /// [`Client::resume`] with settings of its own (a shorter deadline, a correlation id; the
    /// page and page size are the handle's).
    pub fn resume_with<P: Payload + 'static>(
        &self,
        handle: impl Into<PendingHandle>,
        options: &CallOptions,
    ) -> Result<CallData<P>, Error> {
        let handle = handle.into();
        crate::shared::not_a_page::<P>(&handle)?;
        self.resume_one(&handle, options)
    }

    /// The handle's page of a collection's results, and only that page (its page info says
    /// how many there are); [`Client::resume_items`] reads them all.
    pub fn resume_page<I: Collection + 'static>(
        &self,
        handle: impl Into<PendingHandle>,
    ) -> Result<CallData<Page<I>>, Error> {
        self.resume_one(&handle.into(), &CallOptions::default())
    }

    fn resume_one<P: Payload + 'static>(
        &self,
        handle: &PendingHandle,
        options: &CallOptions,
    ) -> Result<CallData<P>, Error> {
        let (n, mut config) = self.shared.new_call();
        options.apply_config(&mut config);
        let generation = self.shared.config.generation();
        let base = self.shared.config.api_base();
        let now = self.shared.clock.now();
        self.drive(Call::resume(handle, generation, base, config, now), n)
    }

    /// Every item of a collection's results, from the handle's page to the last, read from
    /// `…/results/{results_id}` at the original page size (never by asking the bank again).
    pub fn resume_items<I: Collection + 'static>(
        &self,
        handle: impl Into<PendingHandle>,
    ) -> Items<I, T> {
        let generation = self.shared.config.generation();
        Items {
            client: self.clone(),
            cursor: Cursor::resume(&handle.into(), generation),
        }
    }

    /// `GET …/results/{results_id}`, typed by its body.
    pub fn results(&self, results_id: ResultsId) -> Result<CallData<AnyData>, Error> {
        self.resume(results_id)
    }

    /// Waits until the entity's data refresh has finished: Lean's recommended flow for a new
    /// connection (after `entity.created`, wait for `entity.data.refresh.updated` FINISHED,
    /// then read synchronously from Lean's store) and after [`Client::refresh`].
    /// With `refresh_id`, waits for that refresh; without, for the entity's newest one (and
    /// for it to appear): the newest this client has seen by webhook, else the newest Lean
    /// lists, so after [`Client::refresh`] pass the `refresh_id` it returns (an earlier
    /// refresh already seen FINISHED would otherwise end the wait). Webhooks given to [`Client::handle_webhook`] end the wait at once;
    /// when one is lost, polling the refresh status after the grace period ends it anyway.
    /// Bounded by the client's deadline.
    pub fn wait_for_refresh(
        &self,
        entity_id: EntityId,
        refresh_id: Option<RefreshId>,
    ) -> Result<Refresh, Error> {
        let (n, config) = self.shared.new_refresh_wait();
        let pending =
            refresh_wait::RefreshWait::new(entity_id, refresh_id, config, self.shared.clock.now());
        let mut driven = RefreshDriven::new(self.shared.clone(), n, pending);
        loop {
            match driven.step() {
                RefreshStep::Poll(refresh_wait::RefreshPoll::Get(get)) => {
                    driven.handle_refresh(self.call(get))
                }
                RefreshStep::Poll(refresh_wait::RefreshPoll::List(list)) => {
                    driven.handle_list(self.call(list))
                }
                RefreshStep::Wait(until) => {
                    driven.signal().wait_blocking(until, &self.shared.clock)
                }
                RefreshStep::Done(result) => return result,
            }
        }
    }

    /// One page of a collection.
    pub fn page<I, E>(&self, endpoint: E) -> Result<CallData<Page<I>>, Error>
    where
        I: Collection + 'static,
        E: Endpoint<Output = Page<I>> + Clone + Send + 'static,
    {
        self.call(endpoint)
    }

    /// Every item of a collection, fetching pages lazily as the iterator advances.
    pub fn items<I, E>(&self, endpoint: E) -> Items<I, T>
    where
        I: Collection + 'static,
        E: Endpoint<Output = Page<I>> + Clone + Send + 'static,
    {
        Items {
            client: self.clone(),
            cursor: Cursor::new(endpoint),
        }
    }

    for_each_endpoint!(blocking_method);
}

/// Items of a paged collection; the next page is fetched when the buffer runs out. After an
/// error the iterator ends.
pub struct Items<I: Collection, T> {
    client: Client<T>,
    cursor: Cursor<I>,
}

impl<I: Collection + 'static, T: BlockingTransport> Iterator for Items<I, T> {
    type Item = Result<I, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.cursor.buffered() {
                return Some(Ok(item));
            }
            let shared = &self.client.shared;
            let (n, config) = shared.new_call();
            match self
                .cursor
                .next(shared.config.api_base(), config, shared.clock.now())
            {
                Next::Item(item) => return Some(Ok(item)),
                Next::Done => return None,
                Next::Fetch(call) => match self.client.drive(*call, n) {
                    Ok(page) => self.cursor.handle_page(page),
                    Err(e) => {
                        self.cursor.fail();
                        return Some(Err(e));
                    }
                },
            }
        }
    }
}

/// Compile-time proof that the client, for any transport, is shared across threads.
#[allow(dead_code)]
fn shareable<T: BlockingTransport>(c: &Client<T>) {
    fn check<S: Send + Sync + Clone + 'static>(_: &S) {}
    check(c);
}
