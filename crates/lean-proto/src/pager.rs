//! Paging: which call fetches the next page.
//!
//! This module owns one rule that real integrations get wrong: once a page came through
//! `…/results/{results_id}` (the request had gone PENDING), the following pages are read from
//! the same results, not by asking the bank again with `page=N` (which would start new work at
//! the bank and could return data from a different moment). It stops at `total_pages`, or early
//! on an empty page.

use crate::Customer;
use crate::call::{Call, CallConfig, CallData};
use crate::config::{ApiGeneration, BaseUrl};
use crate::ids::ResultsId;
use crate::model::customer::CustomerList;
use crate::model::data::{Collection, Page, PageInfo};
use crate::model::refresh::{Refresh, RefreshList};
use crate::pending::PendingHandle;
use crate::request::{Endpoint, GetResults};
use crate::response::Payload;
use std::time::Instant;

/// A payload that is one page of a longer list: Lean's v2 data collections ([`Page`]), and the
/// customer and refresh lists. What the pager needs to walk it.
pub trait Paged: Payload {
    /// One element of the list.
    type Item;
    /// Where this page sits, when Lean said.
    fn page_info(&self) -> Option<PageInfo>;
    /// Whether the page holds no item (a walk ends there, whatever the page info says).
    fn is_empty(&self) -> bool;
    /// The page's items.
    fn into_items(self) -> Vec<Self::Item>;
}

impl<T: Collection> Paged for Page<T> {
    type Item = T;
    fn page_info(&self) -> Option<PageInfo> {
        self.page
    }
    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    fn into_items(self) -> Vec<T> {
        self.items
    }
}

impl Paged for CustomerList {
    type Item = Customer;
    fn page_info(&self) -> Option<PageInfo> {
        self.page
    }
    fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    fn into_items(self) -> Vec<Customer> {
        self.data
    }
}

impl Paged for RefreshList {
    type Item = Refresh;
    fn page_info(&self) -> Option<PageInfo> {
        self.page
    }
    fn is_empty(&self) -> bool {
        self.content.is_empty()
    }
    fn into_items(self) -> Vec<Refresh> {
        self.content
    }
}

trait PagedSpec<T: Paged>: Send {
    fn call_for(&self, page: u32, api_base: BaseUrl, config: CallConfig, now: Instant) -> Call<T>;
    fn generation(&self) -> ApiGeneration;
    fn size(&self) -> Option<u32>;
}

impl<T, E> PagedSpec<T> for E
where
    T: Paged + 'static,
    E: Endpoint<Output = T> + Clone + Send + 'static,
{
    fn call_for(&self, page: u32, api_base: BaseUrl, config: CallConfig, now: Instant) -> Call<T> {
        let mut e = self.clone();
        e.set_page(page);
        Call::new(e, api_base, config, now)
    }
    fn generation(&self) -> ApiGeneration {
        Endpoint::generation(self)
    }
    fn size(&self) -> Option<u32> {
        self.page_size()
    }
}

/// Walks the pages of a list (`T` is its page type), one [`Call`] per page.
///
/// ```
/// # use lean_proto::{pager::Pager, GetTransactions, EntityId, AccountId};
/// let e = EntityId::parse("14eb95ba-2b9d-41cb-82fe-7b1b3079021e").unwrap();
/// let a = AccountId::parse("fe672591-bc88-4cec-96e7-9101bde496ce").unwrap();
/// let pager = Pager::new(GetTransactions::new(e, a));
/// assert_eq!(pager.next_page(), Some(0));
/// ```
pub struct Pager<T: Paged> {
    spec: Box<dyn PagedSpec<T>>,
    results_id: Option<ResultsId>,
    next: Option<u32>,
}

impl<T: Paged + 'static> Pager<T> {
    /// Pages of `endpoint`, from the page it asks for (usually 0).
    pub fn new<E>(endpoint: E) -> Self
    where
        E: Endpoint<Output = T> + Clone + Send + 'static,
    {
        let next = Some(endpoint.page().unwrap_or(0));
        Pager {
            spec: Box::new(endpoint),
            results_id: None,
            next,
        }
    }

    /// Every page of the results of a request that answered PENDING (see
    /// [`crate::pending`]), from the handle's page, read from `…/results/{results_id}` at the
    /// handle's page size; `generation` when the handle has none.
    pub fn resume(handle: &PendingHandle, generation: ApiGeneration) -> Self {
        let results: GetResults<T> = handle.request(generation);
        let mut pager = Pager::new(results);
        pager.results_id = Some(handle.results_id.clone());
        pager
    }

    /// The page the next call will fetch; `None` once every page was read.
    pub fn next_page(&self) -> Option<u32> {
        self.next
    }

    /// The `results_id` the pages are being read from, once a page came through results.
    pub fn results_id(&self) -> Option<&ResultsId> {
        self.results_id.as_ref()
    }

    /// The call that fetches the next page, or `None` when done.
    pub fn next_call(
        &self,
        api_base: BaseUrl,
        config: CallConfig,
        now: Instant,
    ) -> Option<Call<T>> {
        let page = self.next?;
        Some(match &self.results_id {
            // Read as results (a 404 `UNKNOWN_RESULTS_ID` means "not yet", and the call waits
            // for `results.ready`), never by asking the bank again.
            Some(id) => {
                let generation = self.spec.generation();
                let handle = PendingHandle::new(id.clone())
                    .with_generation(generation)
                    .with_page(Some(page), self.spec.size());
                Call::resume(&handle, generation, api_base, config, now)
            }
            None => self.spec.call_for(page, api_base, config, now),
        })
    }

    /// Learns from the page a call returned: where the next one is, and whether pages are now
    /// read from results. The next page must come after the one asked for: a server that keeps
    /// answering "page 0 of 1000" ends the walk instead of looping forever.
    pub fn handle_page(&mut self, data: &CallData<T>) {
        if let Some(id) = &data.results_id {
            self.results_id = Some(id.clone());
        }
        let asked = self.next;
        self.next = if data.payload.is_empty() {
            None
        } else {
            data.payload
                .page_info()
                .and_then(|p| p.next_page())
                .filter(|next| asked.is_none_or(|asked| *next > asked))
        };
    }
}

/// What a [`Cursor`] needs next.
pub enum Next<T: Paged> {
    /// An item.
    Item(T::Item),
    /// The buffer is empty: drive this call and hand its page to [`Cursor::handle_page`].
    Fetch(Box<Call<T>>),
    /// Every item was read (or a page failed: see [`Cursor::fail`]).
    Done,
}

/// Item-by-item reading of a collection on top of [`Pager`]: what an adapter's iterator does,
/// minus the IO. An adapter loops `next()`: on `Fetch` it drives the call, then `handle_page` or
/// `fail`.
pub struct Cursor<T: Paged> {
    pager: Pager<T>,
    buffer: std::vec::IntoIter<T::Item>,
    failed: bool,
}

impl<T: Paged + 'static> Cursor<T> {
    /// A cursor over every item of `endpoint`'s list.
    pub fn new<E>(endpoint: E) -> Self
    where
        E: Endpoint<Output = T> + Clone + Send + 'static,
    {
        Cursor {
            pager: Pager::new(endpoint),
            buffer: Vec::new().into_iter(),
            failed: false,
        }
    }

    /// A cursor over every item of the results a [`PendingHandle`] stands for (see
    /// [`Pager::resume`]).
    pub fn resume(handle: &PendingHandle, generation: ApiGeneration) -> Self {
        Cursor {
            pager: Pager::resume(handle, generation),
            buffer: Vec::new().into_iter(),
            failed: false,
        }
    }

    /// The next item, or the call that fetches the next page.
    pub fn next(&mut self, api_base: BaseUrl, config: CallConfig, now: Instant) -> Next<T> {
        if let Some(item) = self.buffer.next() {
            return Next::Item(item);
        }
        if self.failed {
            return Next::Done;
        }
        match self.pager.next_call(api_base, config, now) {
            Some(call) => Next::Fetch(Box::new(call)),
            None => Next::Done,
        }
    }

    /// The next buffered item, without fetching (lets a driver skip preparing a call while
    /// the current page lasts).
    pub fn buffered(&mut self) -> Option<T::Item> {
        self.buffer.next()
    }

    /// The page the last `Fetch` returned.
    pub fn handle_page(&mut self, page: CallData<T>) {
        self.pager.handle_page(&page);
        self.buffer = page.payload.into_items().into_iter();
    }

    /// The last `Fetch` failed: the cursor ends (the error is the caller's to report).
    pub fn fail(&mut self) {
        self.failed = true;
    }
}
