//! Response bodies in Lean's shapes (envelope, page object, error body), serialized straight
//! from the typed models so that amounts keep their exact digits.

use lean_proto::model::data::{Json, PageInfo};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

/// `{status, results_id, message, meta, timestamp, status_detail, refreshed_at, type, data}`.
#[derive(Serialize)]
pub struct DataEnvelope<'a, T: Serialize> {
    pub status: &'a str,
    pub results_id: &'a str,
    pub message: &'a str,
    pub meta: Option<&'a Json>,
    pub timestamp: String,
    pub status_detail: Option<StatusDetail<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refreshed_at: Option<String>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'a str>,
    pub data: Option<T>,
}

/// `{status, results_id, message, meta, timestamp, status_detail, type, insights}`.
#[derive(Serialize)]
pub struct InsightsEnvelope<'a, T: Serialize> {
    pub status: &'a str,
    pub results_id: &'a str,
    pub message: &'a str,
    pub meta: Option<&'a Json>,
    pub timestamp: String,
    pub status_detail: Option<StatusDetail<'a>>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'a str>,
    pub insights: Option<T>,
}

/// v1: `{status, results_id, message, timestamp, payload}`.
#[derive(Serialize)]
pub struct V1Envelope<'a, T: Serialize> {
    pub status: &'a str,
    pub results_id: &'a str,
    pub message: &'a str,
    pub timestamp: String,
    pub payload: Option<T>,
}

/// `status_detail` of a FAILED answer.
#[derive(Serialize)]
pub struct StatusDetail<'a> {
    pub granular_status_code: &'a str,
    pub status_additional_info: &'a str,
}

/// `data` of a v2 collection: `{type, <key>: [...], page}` (and `account_id` for identities).
pub struct DataObject<'a, T> {
    pub kind: &'a str,
    pub key: &'a str,
    pub items: &'a [T],
    pub page: PageInfo,
    pub account_id: Option<Option<String>>,
}

impl<T: Serialize> Serialize for DataObject<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", self.kind)?;
        if let Some(a) = &self.account_id {
            m.serialize_entry("account_id", a)?;
        }
        m.serialize_entry(self.key, self.items)?;
        m.serialize_entry("page", &PageWithSort(self.page))?;
        m.end()
    }
}

struct PageWithSort(PageInfo);

impl Serialize for PageWithSort {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("number", &self.0.number)?;
        m.serialize_entry("size", &self.0.size)?;
        m.serialize_entry("total_elements", &self.0.total_elements)?;
        m.serialize_entry("total_pages", &self.0.total_pages)?;
        m.serialize_entry("sort", &None::<()>)?;
        m.end()
    }
}

/// Lean's HTTP error body.
#[derive(Serialize)]
pub struct ErrorBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results_id: Option<&'a str>,
    pub timestamp: String,
    pub status: &'a str,
    pub message: &'a str,
    pub metadata: Option<()>,
}

/// The page object for `total` items, `size` per page, at `number`.
pub fn page_info(number: u32, size: u32, total: usize) -> PageInfo {
    let size = size.max(1);
    {
        let mut v = PageInfo::default();
        v.number = number;
        v.size = size;
        v.total_elements = total as u64;
        v.total_pages = (total as u64).div_ceil(u64::from(size)) as u32;
        v
    }
}

/// Now, as Lean writes timestamps.
pub fn now_stamp() -> String {
    let now: chrono::DateTime<chrono::Utc> = std::time::SystemTime::now().into();
    now.to_rfc3339_opts(chrono::SecondsFormat::Nanos, true)
}
