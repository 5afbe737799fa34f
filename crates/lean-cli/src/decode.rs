//! `lean decode KIND`: classify a raw body exactly as Lean sent it and summarise it.

use lean_proto::model::v1::{V1Accounts, V1Balance, V1Identity, V1Transactions};
use lean_proto::webhook::WebhookEvent;
use lean_proto::*;

/// Every KIND `lean decode` knows.
pub const KINDS: &[&str] = &[
    "accounts",
    "balances",
    "transactions",
    "beneficiaries",
    "identities",
    "identity",
    "direct-debits",
    "scheduled-payments",
    "standing-orders",
    "results",
    "refresh",
    "refresh-status",
    "refreshes",
    "income",
    "expenses",
    "cashflows",
    "cash-balances",
    "credit-obligations",
    "non-credit-obligations",
    "employment",
    "freelancer-cashflow",
    "verify-name",
    "verify-account",
    "verify-entity",
    "beneficiary-name",
    "verify-corporate",
    "verify-managers",
    "verify-freelancer",
    "banks",
    "payment-intent",
    "payment-intents",
    "payment",
    "payment-destination",
    "payment-destinations",
    "payment-source",
    "payment-sources",
    "delete-payment-source",
    "aof-consent",
    "consent",
    "consents",
    "consent-history",
    "payout",
    "payout-payment",
    "payout-destinations",
    "payout-history",
    "payouts",
    "refunds",
    "refunds-page",
    "v1-identity",
    "v1-accounts",
    "v1-balance",
    "v1-transactions",
    "token",
    "customer",
    "customers",
    "entity",
    "entities",
    "entities-by-date",
    "webhook",
];

/// A one-line classification, a short summary, and the decoded records (`--json`): a list's
/// items, a document, or the error as Lean said it.
pub struct Decoded {
    pub class: String,
    pub summary: String,
    pub records: serde_json::Value,
}

/// What `--json` prints for an outcome: the records of data (`records`), else what Lean said.
fn records_of<P>(
    outcome: &Outcome<P>,
    records: impl Fn(&P) -> serde_json::Value,
) -> serde_json::Value {
    match outcome {
        Outcome::Data(d) => records(&d.payload),
        Outcome::Pending(p) => serde_json::json!({
            "status": "PENDING", "results_id": p.results_id.to_string(),
        }),
        Outcome::Failed(f) => serde_json::json!({
            "status": f.status.to_string(),
            "granular_status_code": f.granular_status_code.as_ref().map(|c| c.as_str()),
            "status_additional_info": f.status_additional_info,
            "results_id": f.results_id.as_ref().map(|r| r.to_string()),
            "retryable": f.is_retryable(),
        }),
        Outcome::ReconnectRequired(r) => serde_json::json!({
            "status": "RECONNECT_REQUIRED", "reconnect_id": r.reconnect_id,
        }),
        Outcome::ApiError(e) => serde_json::json!({
            "http_status": e.http_status,
            "status": e.code.as_ref().map(|c| c.as_str()),
            "message": e.message,
            "lean_correlation_id": e.correlation_id,
        }),
        _ => serde_json::Value::Null,
    }
}

fn summarize<P>(
    outcome: Outcome<P>,
    describe: impl Fn(&P) -> String,
    records: impl Fn(&P) -> serde_json::Value,
) -> Decoded {
    let records = records_of(&outcome, records);
    let class = outcome.class().to_owned();
    let summary = match &outcome {
        Outcome::Data(d) => {
            let mut s = describe(&d.payload);
            if let Some(id) = &d.info.results_id {
                s.push_str(&format!("; results_id {id}"));
            }
            s
        }
        Outcome::Pending(p) => format!(
            "PENDING: results_id {} (fetch it after results.ready)",
            p.results_id
        ),
        Outcome::Failed(f) => format!(
            "{}: granular_status_code {}, retryable {}{}",
            f.status,
            f.granular_status_code
                .as_ref()
                .map(|c| c.as_str())
                .unwrap_or("-"),
            f.is_retryable(),
            f.status_additional_info
                .as_deref()
                .map(|i| format!(", {i}"))
                .unwrap_or_default()
        ),
        Outcome::ReconnectRequired(r) => format!(
            "RECONNECT_REQUIRED: reconnect_id {}",
            r.reconnect_id.as_deref().unwrap_or("-")
        ),
        Outcome::ApiError(e) => format!(
            "HTTP {} {}: {}{}",
            e.http_status,
            e.code.as_ref().map(|c| c.as_str()).unwrap_or("-"),
            e.message.as_deref().unwrap_or("-"),
            e.correlation_id
                .as_deref()
                .map(|c| format!(" (lean-correlation-id {c})"))
                .unwrap_or_default()
        ),
        // A class a newer lean-proto may add.
        _ => class.clone(),
    };
    Decoded {
        class,
        summary,
        records,
    }
}

/// Results of any type: their item count and page, or what kind of document they are.
pub(crate) fn results_summary(a: &AnyData) -> String {
    match (a.item_count(), a.page()) {
        (Some(n), Some(p)) => format!(
            "{n} item(s), page {} of {}",
            p.number.saturating_add(1),
            p.total_pages.max(1)
        ),
        (Some(n), None) => format!("{n} item(s)"),
        _ => match a {
            AnyData::V1(_) => "a v1 payload".to_owned(),
            AnyData::Other { kind, .. } => {
                format!("data of type {}", kind.as_deref().unwrap_or("-"))
            }
            _ => "a document".to_owned(),
        },
    }
}

fn page<T>(p: &Page<T>) -> String {
    match p.page {
        Some(info) => format!(
            "{} item(s), page {} of {} ({} in all)",
            p.items.len(),
            info.number.saturating_add(1),
            info.total_pages.max(1),
            info.total_elements
        ),
        None => format!("{} item(s)", p.items.len()),
    }
}

fn money(d: Option<Decimal>) -> String {
    d.map_or_else(|| "-".to_owned(), |d| d.to_string())
}

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "-",
    }
}

/// A document or a bare list: its records are itself.
fn d<P: Payload + serde::Serialize>(
    resp: &http::Response<Vec<u8>>,
    describe: impl Fn(&P) -> String,
) -> Result<Decoded, DecodeError> {
    classify::<P>(resp).map(|o| summarize(o, describe, crate::out::json_value))
}

/// A page of a collection: its records are the items.
fn dp<T: Collection + serde::Serialize>(
    resp: &http::Response<Vec<u8>>,
) -> Result<Decoded, DecodeError> {
    classify::<Page<T>>(resp)
        .map(|o| summarize(o, page, |p: &Page<T>| crate::out::json_value(&p.items)))
}

/// Decodes `body` (with `status`) as `kind`. `Err` carries a message naming the offending field.
pub fn decode(kind: &str, status: u16, body: &[u8]) -> Result<Decoded, String> {
    if kind == "webhook" {
        let e = WebhookEvent::parse(body).map_err(|e| e.to_string())?;
        return Ok(Decoded {
            class: "webhook".into(),
            summary: format!(
                "{} event_id {}",
                e.kind_name,
                e.event_id.as_deref().unwrap_or("-"),
            ),
            // The event as Lean sent it (it parsed, so it is JSON).
            records: serde_json::from_slice(body).unwrap_or_default(),
        });
    }
    let resp = http::Response::builder()
        .status(status)
        .body(body.to_vec())
        .map_err(|e| format!("status {status}: {e}"))?;
    let r = match kind {
        "accounts" => dp::<Account>(&resp),
        "balances" => dp::<Balance>(&resp),
        "transactions" => dp::<Transaction>(&resp),
        "beneficiaries" => dp::<Beneficiary>(&resp),
        "identities" | "identity" => dp::<Identity>(&resp),
        "direct-debits" => dp::<DirectDebit>(&resp),
        "scheduled-payments" => dp::<ScheduledPayment>(&resp),
        "standing-orders" => dp::<StandingOrder>(&resp),
        "results" => classify::<AnyData>(&resp).map(|o| {
            summarize(o, results_summary, |a| {
                crate::out::json_value(&crate::out::AnyDataJson(a))
            })
        }),
        "refresh" => d::<RefreshTriggered>(&resp, |r| format!("refresh_id {}", r.refresh_id)),
        "refresh-status" => d::<Refresh>(&resp, |r| {
            format!(
                "refresh_id {} status {}",
                r.refresh_id,
                r.status.as_ref().map_or("-", |s| s.as_str())
            )
        }),
        "refreshes" => d::<RefreshList>(&resp, |r| format!("{} refresh(es)", r.content.len())),
        "income" => d::<Income>(&resp, |i| {
            format!(
                "salary {} transaction(s), non-salary {}",
                i.salary.as_ref().map_or(0, |s| s.transactions.len()),
                i.non_salary.as_ref().map_or(0, |s| s.transactions.len())
            )
        }),
        "expenses" => d::<Expenses>(&resp, |e| {
            format!(
                "total {}",
                e.total
                    .as_ref()
                    .and_then(|t| t.amount)
                    .map(|a| a.to_string())
                    .unwrap_or_default()
            )
        }),
        "cashflows" => d::<Cashflows>(&resp, |c| format!("{} month(s)", c.monthly_totals.len())),
        "employment" => d::<Employment>(&resp, |e| {
            format!("{} employer(s)", e.employment_details.len())
        }),
        "cash-balances" => {
            d::<CashBalances>(&resp, |c| format!("{} month(s)", c.monthly_totals.len()))
        }
        "credit-obligations" => {
            d::<CreditObligations>(&resp, |c| format!("{} month(s)", c.monthly_totals.len()))
        }
        "non-credit-obligations" => {
            d::<NonCreditObligations>(&resp, |n| format!("{} month(s)", n.monthly_totals.len()))
        }
        "freelancer-cashflow" => {
            d::<FreelancerCashflow>(&resp, |f| format!("{} month(s)", f.monthly_totals.len()))
        }
        "verify-name" => d::<NameVerification>(&resp, |n| {
            format!(
                "{} ({} / {})",
                n.match_type.as_ref().map_or("-", |m| m.as_str()),
                n.full_name_provided.as_deref().unwrap_or("-"),
                n.full_name_retrieved.as_deref().unwrap_or("-")
            )
        }),
        "verify-account" => d::<AccountVerification>(&resp, |v| {
            format!(
                "{} account of {} (ownership verified: {})",
                v.account_status.as_ref().map_or("-", |s| s.as_str()),
                v.account_holder_name.as_deref().unwrap_or("-"),
                yes_no(v.account_ownership_verified)
            )
        }),
        "verify-entity" => d::<EntityOwnershipVerification>(&resp, |v| {
            format!(
                "ownership verified: {}; {} IBAN(s)",
                yes_no(v.entity_ownership_verified),
                v.ibans.len()
            )
        }),
        "beneficiary-name" => d::<BeneficiaryName>(&resp, |v| {
            format!(
                "{} ({})",
                v.beneficiary_name.as_deref().unwrap_or("-"),
                v.account_status.as_ref().map_or("-", |s| s.as_str())
            )
        }),
        "verify-corporate" => d::<CorporateVerification>(&resp, |v| {
            format!(
                "{} ({})",
                v.company_name
                    .as_ref()
                    .and_then(|n| n.en.as_deref().or(n.ar.as_deref()))
                    .unwrap_or("-"),
                v.status
                    .as_ref()
                    .and_then(|n| n.en.as_deref())
                    .unwrap_or("-")
            )
        }),
        "verify-managers" => {
            d::<ManagersVerification>(&resp, |v| format!("{} manager(s)", v.len()))
        }
        "verify-freelancer" => d::<FreelancerVerification>(&resp, |v| {
            format!(
                "{} certificate(s), ownership {}",
                v.certificate.len(),
                v.certificate_ownership_verified
                    .as_ref()
                    .map_or("-", |c| c.as_str())
            )
        }),
        "payment-intent" => d::<PaymentIntent>(&resp, |i| {
            format!(
                "intent {}: {} {}, {} payment(s)",
                i.payment_intent_id.as_deref().unwrap_or("-"),
                money(i.amount),
                i.currency.as_ref().map_or("-", |c| c.as_str()),
                i.payments.len() + usize::from(i.payment.is_some())
            )
        }),
        "payment-intents" => {
            d::<PaymentIntentList>(&resp, |l| format!("{} intent(s)", l.data.len()))
        }
        "payment" | "payout" => d::<Payment>(&resp, |p| {
            format!(
                "payment {}: {} {} {}",
                p.id.as_deref().unwrap_or("-"),
                money(p.amount),
                p.currency.as_ref().map_or("-", |c| c.as_str()),
                p.status.as_ref().map_or("-", |s| s.as_str())
            )
        }),
        "payment-destination" => d::<PaymentDestination>(&resp, |d| {
            format!("destination {}", d.id.as_deref().unwrap_or("-"))
        }),
        "payment-destinations" => {
            d::<PaymentDestinationList>(&resp, |l| format!("{} destination(s)", l.0.len()))
        }
        "payment-source" => d::<PaymentSource>(&resp, |p| {
            format!(
                "source {} ({}), {} account(s)",
                p.id.as_deref().unwrap_or("-"),
                p.status.as_deref().unwrap_or("-"),
                p.accounts.len()
            )
        }),
        "payment-sources" => d::<PaymentSourceList>(&resp, |l| format!("{} source(s)", l.0.len())),
        "delete-payment-source" => {
            d::<lean_proto::model::customer::Deleted>(&resp, |_| "deleted".into())
        }
        "aof-consent" => d::<AccountOnFileConsent>(&resp, |c| {
            format!(
                "consent {} ({})",
                c.id.as_deref().unwrap_or("-"),
                c.status.as_deref().unwrap_or("-")
            )
        }),
        "consent" => d::<PaymentConsent>(&resp, |c| {
            format!(
                "consent {} ({})",
                c.consent_id.as_deref().unwrap_or("-"),
                c.status.as_deref().unwrap_or("-")
            )
        }),
        "consents" => d::<PaymentConsentList>(&resp, |l| format!("{} consent(s)", l.data.len())),
        "consent-history" => d::<ConsentHistory>(&resp, |h| format!("{} event(s)", h.data.len())),
        "payout-payment" => d::<PayoutCreated>(&resp, |p| {
            format!("{} payout(s)", p.payouts_payment_details.len())
        }),
        "payout-destinations" => {
            d::<PayoutDestinationsCreated>(&resp, |l| format!("{} destination(s)", l.0.len()))
        }
        "payout-history" => {
            d::<PaymentHistory>(&resp, |h| format!("{} payment(s)", h.content.len()))
        }
        "payouts" => d::<PayoutList>(&resp, |l| format!("{} payout(s)", l.content.len())),
        "refunds" => d::<RefundList>(&resp, |l| format!("{} refund(s)", l.0.len())),
        "refunds-page" => d::<RefundPage>(&resp, |l| format!("{} refund(s)", l.content.len())),
        "banks" => d::<BankList>(&resp, |b| format!("{} bank(s)", b.0.len())),
        "v1-identity" => d::<V1Identity>(&resp, |i| {
            format!("identity of {}", i.full_name.as_deref().unwrap_or("-"))
        }),
        "v1-accounts" => d::<V1Accounts>(&resp, |a| format!("{} account(s)", a.accounts.len())),
        "v1-balance" => d::<V1Balance>(&resp, |b| format!("balance {}", b.balance)),
        "v1-transactions" => d::<V1Transactions>(&resp, |t| {
            format!("{} transaction(s)", t.transactions.len())
        }),
        "token" => classify::<TokenResponse>(&resp).map(|o| {
            summarize(
                o,
                |t| format!("token (redacted), expires in {} s", t.expires_in),
                // The token itself is a secret: never printed.
                |t| serde_json::json!({"token_type": t.token_type, "scope": t.scope, "expires_in": t.expires_in}),
            )
        }),
        "customer" => d::<Customer>(&resp, |c| format!("customer_id {}", c.customer_id)),
        "customers" => d::<CustomerList>(&resp, |c| format!("{} customer(s)", c.data.len())),
        "entity" => d::<Entity>(&resp, |e| format!("entity_id {}", e.id)),
        "entities" => d::<EntityList>(&resp, |e| format!("{} entit(ies)", e.0.len())),
        "entities-by-date" => d::<EntityPage>(&resp, |e| format!("{} entit(ies)", e.data.len())),
        other => {
            return Err(format!(
                "unknown KIND {other:?}; one of: {}",
                KINDS.join(", ")
            ));
        }
    };
    r.map_err(|e| e.to_string())
}
