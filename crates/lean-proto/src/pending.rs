//! What to keep of a request that Lean answered PENDING, to pick its results up later, in this
//! process or another one: the [`PendingHandle`].
//!
//! This module owns what a handle holds and how it turns back into the results request (the
//! same API generation, page and page size as the original). It must not decide when to fetch:
//! that is the call's.

use crate::config::ApiGeneration;
use crate::ids::ResultsId;
use crate::request::GetResults;
use serde::{Deserialize, Serialize};

/// A submitted request's ticket: persist it (it is serde-serialisable; JSON below) and hand it
/// to `resume` later (`.items()` for every page of a collection), perhaps after a restart.
///
/// ```
/// use lean_proto::{pending::PendingHandle, ApiGeneration, ResultsId};
/// let id = ResultsId::parse("2ab8c57a-011b-418f-9419-968155e600dd")?;
/// let handle = PendingHandle::new(id).with_generation(ApiGeneration::V2);
/// let saved = serde_json::to_string(&handle)?;
/// assert_eq!(serde_json::from_str::<PendingHandle>(&saved)?, handle);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PendingHandle {
    /// Lean's id of the results.
    pub results_id: ResultsId,
    /// The API generation of the original request (its results are read on that generation's
    /// path); `None` for a handle made from a bare `results_id`: the client's own.
    #[serde(default, with = "generation")]
    pub generation: Option<ApiGeneration>,
    /// The endpoint that was asked (`transactions`, …), for logs and checks.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// The page the original request asked for (v2 collections).
    #[serde(default)]
    pub page: Option<u32>,
    /// Its page size (v2 collections): later pages are read at the same size.
    #[serde(default)]
    pub page_size: Option<u32>,
    /// The `lean-correlation-id` the caller gave the original request, if any: the resumed
    /// requests carry it too.
    #[serde(default)]
    pub correlation_id: Option<String>,
}

impl PendingHandle {
    /// A handle for `results_id` alone (say, one that came in a webhook): read with the
    /// client's API generation, first page, Lean's default page size.
    pub fn new(results_id: ResultsId) -> Self {
        PendingHandle {
            results_id,
            generation: None,
            endpoint: None,
            page: None,
            page_size: None,
            correlation_id: None,
        }
    }

    /// With the original request's API generation.
    pub fn with_generation(mut self, generation: ApiGeneration) -> Self {
        self.generation = Some(generation);
        self
    }

    /// With the original request's page and page size.
    pub fn with_page(mut self, page: Option<u32>, page_size: Option<u32>) -> Self {
        self.page = page;
        self.page_size = page_size;
        self
    }

    /// The results request it stands for; `default` is the generation when the handle has none.
    pub fn request<P>(&self, default: ApiGeneration) -> GetResults<P> {
        let generation = self.generation.unwrap_or(default);
        let mut r = GetResults::with_generation(self.results_id.clone(), generation);
        if generation == ApiGeneration::V2 {
            r.page = self.page;
            r.size = self.page_size;
        }
        r
    }
}

impl From<ResultsId> for PendingHandle {
    fn from(results_id: ResultsId) -> Self {
        PendingHandle::new(results_id)
    }
}

/// `"v1"` / `"v2"` in JSON.
mod generation {
    use crate::config::ApiGeneration;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(g: &Option<ApiGeneration>, s: S) -> Result<S::Ok, S::Error> {
        match g {
            Some(ApiGeneration::V1) => s.serialize_some("v1"),
            Some(ApiGeneration::V2) => s.serialize_some("v2"),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ApiGeneration>, D::Error> {
        match Option::<String>::deserialize(d)?.as_deref() {
            None => Ok(None),
            Some("v1") => Ok(Some(ApiGeneration::V1)),
            Some("v2") => Ok(Some(ApiGeneration::V2)),
            Some(other) => Err(serde::de::Error::custom(format!(
                "generation {other:?}: expected \"v1\" or \"v2\""
            ))),
        }
    }
}
