//! What the calls of a client said (their core events), for scenarios that check how a call
//! behaved (did it wait for another call's token? how often?) by what it did, not by the
//! clock.

use lean_client::lean_proto::call::{Event, Purpose};
use lean_client::observe::{CallInfo, CallWatch, Observer};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Every event of every call, as (call number, event). Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Said(Arc<Mutex<Vec<(u64, Event)>>>);

struct Watch(Said);

impl Observer for Said {
    fn start(&self, _: &CallInfo) -> Option<Box<dyn CallWatch>> {
        Some(Box::new(Watch(self.clone())))
    }
}

impl CallWatch for Watch {
    fn on_event(&mut self, call: &CallInfo, event: &Event, _: Instant) {
        let mut all = self.0.0.lock().unwrap_or_else(|p| p.into_inner());
        all.push((call.number, event.clone()));
    }
}

impl Said {
    /// The events of call `number`.
    pub fn of(&self, number: u64) -> Vec<Event> {
        let all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        all.iter()
            .filter(|(n, _)| *n == number)
            .map(|(_, e)| e.clone())
            .collect()
    }

    /// The calls seen, by number.
    pub fn calls(&self) -> Vec<u64> {
        let all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let mut n: Vec<u64> = all.iter().map(|(n, _)| *n).collect();
        n.dedup();
        n.sort_unstable();
        n.dedup();
        n
    }

    /// How many events of every call match `which`.
    pub fn count(&self, which: impl Fn(&Event) -> bool) -> usize {
        let all = self.0.lock().unwrap_or_else(|p| p.into_inner());
        all.iter().filter(|(_, e)| which(e)).count()
    }
}

/// A token fetch going out.
pub fn is_token_fetch(e: &Event) -> bool {
    matches!(
        e,
        Event::RequestSent {
            purpose: Purpose::Token,
            ..
        }
    )
}

/// A wait for another call's token fetch.
pub fn is_token_wait(e: &Event) -> bool {
    matches!(e, Event::TokenWait { .. })
}
