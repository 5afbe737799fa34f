//! The blocking flavour: `.send()` on every request value, for a [`BlockingTransport`].
//!
//! It owns how a call is driven on the caller's thread (send, park, repeat) and nothing else:
//! decisions are the core's, options and paging [`crate::request`]'s, step order the `drive`
//! module's.

use crate::client::Client;
use crate::drive::{Driven, Step, WaitStep};
use crate::request::{
    Ending, Items, ListRequest, PaymentWaitRequest, Pull, RefreshWaitRequest, Request, Started,
};
use crate::shutdown::ShutdownRequest;
use crate::transport::BlockingTransport;
use lean_proto::call::{Call, CallData};
use lean_proto::client::Error;
use lean_proto::pager::Paged;
use lean_proto::pending::PendingHandle;
use lean_proto::refresh_wait::RefreshPoll;
use lean_proto::request::Endpoint;
use lean_proto::{Payload, Payment, Refresh};

impl<T: BlockingTransport> Client<T> {
    /// Drives a started call to its end on this thread.
    fn drive<P: Payload + 'static, O: Ending<P>>(
        &self,
        number: u64,
        call: Call<P>,
    ) -> Result<O, Error> {
        let mut driven = Driven::new(self.shared.clone(), number, call);
        loop {
            match driven.step() {
                Step::Send(tx) => {
                    let answer = self.transport.send(tx.request, tx.timeout);
                    driven.handle_answer(tx.id, tx.purpose, answer);
                }
                Step::Wait(until) => driven.signal().wait_blocking(until, &self.shared.clock),
                Step::Done(result) => return result,
            }
        }
    }
}

impl<T, E, O> Request<T, E, O>
where
    T: BlockingTransport,
    E: Endpoint + Clone + Send + 'static,
    E::Output: 'static,
    O: Ending<E::Output>,
{
    /// Sends the request and waits for its end on this thread (PENDING is waited out, unless
    /// the request was submitted).
    pub fn send(self) -> Result<O, Error> {
        let Started {
            client,
            number,
            call,
        } = self.start()?;
        client.drive(number, call)
    }
}

impl<T, E> ListRequest<T, E>
where
    T: BlockingTransport,
    E: Endpoint + Clone + Send + 'static,
    E::Output: Paged + 'static,
{
    /// Every item of every page, with the walk's metadata.
    pub fn send(self) -> Result<CallData<Vec<<E::Output as Paged>::Item>>, Error> {
        let mut items = self.items();
        let read = items.by_ref().collect::<Result<Vec<_>, _>>()?;
        Ok(items.into_data(read))
    }
}

impl<O: Paged + 'static, T: BlockingTransport> Iterator for Items<O, T> {
    type Item = Result<O::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let page = match self.pull() {
                Pull::Item(item) => return Some(Ok(item)),
                Pull::Done => return None,
                Pull::Failed(e) => return Some(Err(e)),
                Pull::Fetch(number, call) => self.client.drive(number, *call),
            };
            if let Some(e) = self.handle_page(page) {
                return Some(Err(e));
            }
        }
    }
}

impl<T: BlockingTransport> RefreshWaitRequest<T> {
    /// Waits on this thread until the refresh has finished (or the deadline).
    pub fn send(self) -> Result<Refresh, Error> {
        let (client, mut driven) = self.start();
        loop {
            match driven.step() {
                WaitStep::Poll(RefreshPoll::Get(get)) => {
                    driven.handle_refresh(client.call(get).send())
                }
                WaitStep::Poll(RefreshPoll::List(list)) => {
                    driven.handle_list(client.call(list).send())
                }
                WaitStep::Wait(until) => driven.signal().wait_blocking(until, &client.shared.clock),
                WaitStep::Done(result) => return result,
            }
        }
    }
}

impl<T: BlockingTransport> PaymentWaitRequest<T> {
    /// Waits on this thread until the payment has settled (or the deadline).
    pub fn send(self) -> Result<Payment, Error> {
        let (client, mut driven) = self.start()?;
        loop {
            match driven.step() {
                WaitStep::Poll(get) => driven.handle_intent(client.call(get).send()),
                WaitStep::Wait(until) => driven.signal().wait_blocking(until, &client.shared.clock),
                WaitStep::Done(result) => return result,
            }
        }
    }
}

impl<T: BlockingTransport> ShutdownRequest<T> {
    /// Shuts down, waiting on this thread; the handles of the calls it ended.
    pub fn send(self) -> Vec<PendingHandle> {
        let mut phases = self.begin();
        let shared = &self.client.shared;
        while let Some(until) = phases.next(shared) {
            shared.ended.wait_blocking(Some(until), &shared.clock);
        }
        crate::shutdown::handles(shared)
    }
}

/// Compile-time proof that the client, for any transport, is shared across threads.
#[allow(dead_code)]
fn shareable<T: BlockingTransport>(c: &Client<T>) {
    fn check<S: Send + Sync + Clone + 'static>(_: &S) {}
    check(c);
}
