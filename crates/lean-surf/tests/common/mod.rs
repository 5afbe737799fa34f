//! lean-surf for the conformance suite: futures run on async-std's global executor.

use std::future::Future;
use std::pin::Pin;

pub struct AsyncStd;

impl lean_conformance::Executor for AsyncStd {
    fn block_on<F: Future>(f: F) -> F::Output {
        async_std::task::block_on(f)
    }
    fn spawn<F>(f: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        Box::pin(async_std::task::spawn(f))
    }
}

pub type Adapter = lean_conformance::Async<lean_surf::Surf, AsyncStd>;
