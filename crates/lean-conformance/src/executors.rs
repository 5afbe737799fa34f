//! The executors the suite and the benchmarks run async adapters on: tokio (multi-thread,
//! two workers as on CI) and async-std's global executor.

use crate::Executor;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

/// tokio, multi-threaded.
pub struct Tokio;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

impl Executor for Tokio {
    fn block_on<F: Future>(f: F) -> F::Output {
        runtime().block_on(f)
    }
    fn spawn<F>(f: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = runtime().spawn(f);
        Box::pin(async move { task.await.expect("task panicked") })
    }
}

/// async-std's global executor.
pub struct AsyncStd;

impl Executor for AsyncStd {
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
