//! Payouts and refunds, read: a payout, the payouts, a payout intent, a payment's history of
//! events, the refunds. Paths as Lean's UAE collection records them (under the same host as the
//! payments API; the collection names it `sandbox_host`). Sending payouts and refunds is left
//! out: neither their recordings nor the docs reachable here give the request bodies, and a
//! guessed body for money movement is worse than none (see `docs/api-coverage.md`).

use super::*;
use crate::model::payments::{Payment, PaymentIntent};
use crate::model::payouts::{PaymentHistory, PayoutList, RefundPage};

/// `GET /payouts/v1/{payment_id}`: one payout payment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetPayout {
    payment_id: String,
}

impl GetPayout {
    /// The payout payment.
    pub fn new(payment_id: &str) -> Result<Self, RequestError> {
        Ok(GetPayout {
            payment_id: payments::path_id("payment_id", payment_id)?,
        })
    }
}

impl Endpoint for GetPayout {
    type Output = Payment;
    const NAME: &'static str = "payout";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let path = format!("/payouts/v1/{}", self.payment_id);
        get(Self::NAME, target, &path, Query::default())
    }
}

/// `GET /payouts/v1/intents/{payment_intent_id}`: a payout's intent, with its payment.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetPayoutIntent {
    payment_intent_id: String,
}

impl GetPayoutIntent {
    /// The intent.
    pub fn new(payment_intent_id: &str) -> Result<Self, RequestError> {
        Ok(GetPayoutIntent {
            payment_intent_id: payments::path_id("payment_intent_id", payment_intent_id)?,
        })
    }
}

impl Endpoint for GetPayoutIntent {
    type Output = PaymentIntent;
    const NAME: &'static str = "payout-intent";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let path = format!("/payouts/v1/intents/{}", self.payment_intent_id);
        get(Self::NAME, target, &path, Query::default())
    }
}

/// `GET /payouts/v1/payments/{payment_intent_id}/history`: each payment of a payout intent
/// with the events Lean sent for it (`payment.created`, `payment.updated`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GetPayoutHistory {
    payment_intent_id: String,
}

impl GetPayoutHistory {
    /// The intent.
    pub fn new(payment_intent_id: &str) -> Result<Self, RequestError> {
        Ok(GetPayoutHistory {
            payment_intent_id: payments::path_id("payment_intent_id", payment_intent_id)?,
        })
    }
}

impl Endpoint for GetPayoutHistory {
    type Output = PaymentHistory;
    const NAME: &'static str = "payout-history";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let path = format!("/payouts/v1/payments/{}/history", self.payment_intent_id);
        get(Self::NAME, target, &path, Query::default())
    }
}

/// `GET /payouts/v1/payments?page_number=…&page_size=…`: the payouts, a page.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListPayouts {
    page_number: u32,
    page_size: u32,
}

impl Default for ListPayouts {
    fn default() -> Self {
        ListPayouts::new()
    }
}

impl ListPayouts {
    /// The first page of 50 (the collection's).
    pub fn new() -> Self {
        ListPayouts {
            page_number: 0,
            page_size: 50,
        }
    }
}

impl Endpoint for ListPayouts {
    type Output = PayoutList;
    const NAME: &'static str = "payouts";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut q = Query::default();
        paging(&mut q, self.page_number, self.page_size, "page_size")?;
        get(Self::NAME, target, "/payouts/v1/payments", q)
    }

    fn set_page(&mut self, page: u32) -> bool {
        self.page_number = page;
        true
    }

    fn page(&self) -> Option<u32> {
        Some(self.page_number)
    }

    fn page_size(&self) -> Option<u32> {
        Some(self.page_size)
    }

    fn set_page_size(&mut self, size: u32) -> bool {
        self.page_size = size;
        true
    }
}

/// `GET /payouts/refunds?page_number=…&size=…`: the refunds, a page.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListRefunds {
    page_number: u32,
    size: u32,
}

impl Default for ListRefunds {
    fn default() -> Self {
        ListRefunds::new()
    }
}

impl ListRefunds {
    /// The first page of 50 (the collection's).
    pub fn new() -> Self {
        ListRefunds {
            page_number: 0,
            size: 50,
        }
    }
}

impl Endpoint for ListRefunds {
    type Output = RefundPage;
    const NAME: &'static str = "refunds";
    const GENERATION: ApiGeneration = ApiGeneration::V2;

    fn build(&self, target: &Target<'_>) -> Result<Request<Vec<u8>>, RequestError> {
        let mut q = Query::default();
        paging(&mut q, self.page_number, self.size, "size")?;
        get(Self::NAME, target, "/payouts/refunds", q)
    }

    fn set_page(&mut self, page: u32) -> bool {
        self.page_number = page;
        true
    }

    fn page(&self) -> Option<u32> {
        Some(self.page_number)
    }

    fn page_size(&self) -> Option<u32> {
        Some(self.size)
    }

    fn set_page_size(&mut self, size: u32) -> bool {
        self.size = size;
        true
    }
}
