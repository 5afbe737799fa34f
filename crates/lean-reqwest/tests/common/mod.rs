//! lean-reqwest for the conformance suite: futures run on a tokio multi-thread runtime.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;

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

impl lean_conformance::Executor for Tokio {
    fn block_on<F: Future>(f: F) -> F::Output {
        runtime().block_on(f)
    }
    fn spawn<F>(f: F) -> Pin<Box<dyn Future<Output = F::Output> + Send>>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let task = runtime().spawn(f);
        Box::pin(async move { task.await.expect("task") })
    }
}

pub type Adapter = lean_conformance::Async<lean_reqwest::Reqwest, Tokio>;
