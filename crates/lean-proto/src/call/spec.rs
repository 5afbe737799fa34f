//! What a call sends: its data request (one object-safe trait over every endpoint, so one call
//! type serves them all) and the results request of a PENDING answer.

use crate::config::ApiGeneration;
use crate::ids::{EntityId, ResultsId};
use crate::request::{Endpoint, GetResults, RequestError, Target};

/// Builds the call's data request; object-safe so one call type serves every endpoint.
pub(super) trait Spec<P>: Send {
    fn build(
        &self,
        target: &Target<'_>,
        asynchronous: bool,
    ) -> Result<http::Request<Vec<u8>>, RequestError>;
    fn supports_async(&self) -> bool;
    /// The results request of a PENDING answer; `used` is the generation of the credential
    /// the data request went with (routes that take either answer results on that one's path).
    fn results(&self, results_id: ResultsId, used: ApiGeneration) -> GetResults<P>;
    fn is_idempotent(&self) -> bool;
    fn generation(&self) -> ApiGeneration;
    fn name(&self) -> &'static str;
    fn entity_id(&self) -> Option<EntityId>;
    fn page(&self) -> Option<u32>;
    fn page_size(&self) -> Option<u32>;
}

impl<E> Spec<E::Output> for E
where
    E: Endpoint + Clone + Send,
{
    fn build(
        &self,
        target: &Target<'_>,
        asynchronous: bool,
    ) -> Result<http::Request<Vec<u8>>, RequestError> {
        let mut e = self.clone();
        e.set_asynchronous(asynchronous);
        e.build(target)
    }
    fn supports_async(&self) -> bool {
        self.clone().set_asynchronous(true)
    }
    fn results(&self, results_id: ResultsId, used: ApiGeneration) -> GetResults<E::Output> {
        let mut r = GetResults::with_generation(results_id, used);
        if used == ApiGeneration::V2 {
            // The results of page N are read as page N, at the same size.
            r.page = self.page();
            r.size = self.page_size();
        }
        r
    }
    fn is_idempotent(&self) -> bool {
        Endpoint::is_idempotent(self)
    }
    fn generation(&self) -> ApiGeneration {
        Endpoint::generation(self)
    }
    fn name(&self) -> &'static str {
        E::NAME
    }
    fn entity_id(&self) -> Option<EntityId> {
        Endpoint::entity_id(self).cloned()
    }
    fn page(&self) -> Option<u32> {
        Endpoint::page(self)
    }
    fn page_size(&self) -> Option<u32> {
        Endpoint::page_size(self)
    }
}
