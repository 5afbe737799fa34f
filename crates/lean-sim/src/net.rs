//! The simulated network: a transport that hands each request to the in-memory Lean and
//! answers after the time Lean took, in virtual time, with the failures a real transport
//! reports (refused, cut after sending, timed out).

use crate::executor::SimRuntime;
use crate::lean::{FakeLean, Served};
use lean_client::Error;
use lean_client::runtime::Runtime;
use lean_client::transport::{AsyncTransport, Connect, TransportOptions};
use lean_proto::retry::TransportError;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The transport of a simulated client: every instance of a simulation shares one Lean.
pub struct SimNet {
    pub(crate) lean: Arc<Mutex<FakeLean>>,
    pub(crate) runtime: SimRuntime,
}

impl SimNet {
    /// A transport to `lean`, on `runtime`.
    pub fn new(lean: Arc<Mutex<FakeLean>>, runtime: SimRuntime) -> Self {
        SimNet { lean, runtime }
    }
}

impl Connect for SimNet {
    fn connect(_: &TransportOptions) -> Result<Self, Error> {
        Err(Error::Config(lean_proto::ConfigError::new(
            "a simulated transport is made with SimNet::new and ClientBuilder::build_with",
        )))
    }

    fn clock(&self) -> lean_client::runtime::Clock {
        lean_client::runtime::Clock::of(self.runtime.clone())
    }
}

impl AsyncTransport for SimNet {
    type Runtime = SimRuntime;

    fn runtime(&self) -> &SimRuntime {
        &self.runtime
    }

    async fn send(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<http::Response<lean_client::transport::Bytes>, TransportError> {
        let now = self.runtime.now();
        let served = {
            let mut lean = self.lean.lock().unwrap_or_else(|p| p.into_inner());
            lean.now = now;
            lean.serve(&request)
        };
        let (took, answer) = match served {
            Served::Refused => return Err(TransportError::Connect),
            Served::Answer(took, answer) => (took, Some(answer)),
            Served::Cut(took) => (took, None),
        };
        self.runtime.timer(now + took.min(timeout)).await;
        match answer {
            _ if took > timeout => Err(TransportError::TimedOut { request_sent: true }),
            Some(answer) => Ok(answer.map(Into::into)),
            None => Err(TransportError::Reset { request_sent: true }),
        }
    }
}
