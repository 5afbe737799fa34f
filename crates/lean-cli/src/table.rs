//! Tables: one line per item of a collection, for the default (non-JSON) output.

use lean_proto::*;

/// One line per item for the table output.
pub(crate) trait Table {
    fn header() -> &'static str;
    fn row(&self) -> String;
}

pub(crate) fn table<T: Table>(items: &[T]) -> String {
    let mut out = String::from(T::header());
    for i in items {
        out.push('\n');
        out.push_str(&i.row());
    }
    out
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map(|x| x.to_string())
        .unwrap_or_else(|| "-".into())
}

impl Table for Account {
    fn header() -> &'static str {
        "account_id                            sub_type       currency  iban"
    }
    fn row(&self) -> String {
        format!(
            "{}  {:<13}  {:<8}  {}",
            self.account_id,
            opt(&self.account_sub_type),
            opt(&self.currency),
            self.iban().unwrap_or("-")
        )
    }
}

impl Table for Balance {
    fn header() -> &'static str {
        "type                      indicator  amount"
    }
    fn row(&self) -> String {
        format!(
            "{:<24}  {:<9}  {} {}",
            opt(&self.kind),
            opt(&self.credit_debit_indicator),
            self.amount.amount,
            self.amount.currency
        )
    }
}

impl Table for Transaction {
    fn header() -> &'static str {
        "booked                          indicator  amount            description"
    }
    fn row(&self) -> String {
        format!(
            "{:<30}  {:<9}  {:>12} {}  {}",
            opt(&self.booking_date_time),
            opt(&self.credit_debit_indicator),
            self.amount.amount,
            self.amount.currency,
            self.transaction_information.as_deref().unwrap_or("-")
        )
    }
}

impl Table for Identity {
    fn header() -> &'static str {
        "name                           email                          mobile"
    }
    fn row(&self) -> String {
        format!(
            "{:<30} {:<30} {}",
            opt(&self.full_legal_name),
            opt(&self.email_address),
            opt(&self.mobile_number)
        )
    }
}

impl Table for Beneficiary {
    fn header() -> &'static str {
        "beneficiary_id  name                           account"
    }
    fn row(&self) -> String {
        format!(
            "{:<14}  {:<30} {}",
            opt(&self.beneficiary_id),
            opt(&self.account_holder_name),
            self.creditor_account
                .as_ref()
                .and_then(|a| a.identification.clone())
                .unwrap_or_default()
        )
    }
}

impl Table for DirectDebit {
    fn header() -> &'static str {
        "direct_debit_id                       status    frequency    name"
    }
    fn row(&self) -> String {
        format!(
            "{:<36}  {:<8}  {:<11}  {}",
            opt(&self.direct_debit_id),
            opt(&self.status_code),
            opt(&self.frequency),
            opt(&self.name)
        )
    }
}

impl Table for ScheduledPayment {
    fn header() -> &'static str {
        "scheduled_payment_id                  when                            amount"
    }
    fn row(&self) -> String {
        format!(
            "{:<36}  {:<30}  {}",
            opt(&self.scheduled_payment_id),
            opt(&self.scheduled_payment_date_time),
            self.instructed_amount
                .as_ref()
                .map(|a| format!("{} {}", a.amount, a.currency))
                .unwrap_or_default()
        )
    }
}

impl Table for StandingOrder {
    fn header() -> &'static str {
        "standing_order_id                     status    next payment"
    }
    fn row(&self) -> String {
        format!(
            "{:<36}  {:<8}  {}",
            opt(&self.standing_order_id),
            opt(&self.standing_order_status_code),
            opt(&self.next_payment_date_time)
        )
    }
}
