//! Insights computed from the world's transactions: income (with income factors), expenses,
//! cashflows (monthly totals, credit/debit behaviour, big payments), the KSA insights (cash
//! balances, credit and non-credit obligations, employment), freelancer cashflow, and name
//! verification. Nothing is stored: every answer is recomputed from the seeded data.

use super::*;

/// A transaction as (booking date, signed amount: credits positive).
fn signed(t: &Transaction) -> (NaiveDate, Decimal) {
    let d = t.booking_date_time.map(|b| b.date()).unwrap_or_else(today);
    let amount = if t.credit_debit_indicator == Some(CreditDebitIndicator::Credit) {
        t.amount.amount
    } else {
        -t.amount.amount
    };
    (d, amount)
}

/// (year, month).
type YearMonth = (i32, u32);

/// A credit flow: (date, amount, what), what being 0 a loan repayment, 1 a loan received, 2 a
/// card repayment, 3 card spending.
type Flow = (NaiveDate, Decimal, usize);

/// A JSON number with the decimal's own digits.
fn number(d: Decimal) -> serde_json::Value {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or_default()
}

/// `part` of `whole`, in percent (2 places).
fn percent(part: usize, whole: usize) -> Decimal {
    if whole == 0 {
        return Decimal::ZERO;
    }
    (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole)).round_dp(2)
}

/// How often money comes in, from inflows per month.
fn frequency(inflows: usize, months: usize) -> &'static str {
    match inflows / months.max(1) {
        0..=1 => "MONTHLY",
        2..=7 => "WEEKLY",
        _ => "DAILY",
    }
}

/// Lean's inflow or outflow factors of `txs` (amounts positive).
fn flow_factors(txs: &[&Transaction]) -> serde_json::Value {
    let mut amounts: Vec<Decimal> = txs.iter().map(|t| t.amount.amount).collect();
    amounts.sort();
    let mut dates: Vec<NaiveDate> = txs
        .iter()
        .filter_map(|t| t.booking_date_time.map(|b| b.date()))
        .collect();
    dates.sort();
    let mut gaps: Vec<i64> = dates.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
    gaps.sort();
    let weekend = dates
        .iter()
        .filter(|d| matches!(d.weekday(), chrono::Weekday::Fri | chrono::Weekday::Sat))
        .count();
    let median = |v: &[Decimal]| v.get(v.len() / 2).copied().unwrap_or_default();
    let average_gap = if gaps.is_empty() {
        Decimal::ZERO
    } else {
        Decimal::from(gaps.iter().sum::<i64>()) / Decimal::from(gaps.len())
    };
    let threshold = Decimal::from(1000);
    let above = amounts.iter().filter(|a| **a > threshold).count();
    serde_json::json!({
        "median_transaction_amount": number(median(&amounts).round_dp(2)),
        "max_transaction_amount": number(amounts.last().copied().unwrap_or_default().round_dp(2)),
        "min_transaction_amount": number(amounts.first().copied().unwrap_or_default().round_dp(2)),
        "weekday_transaction_count": dates.len() - weekend,
        "weekend_transaction_count": weekend,
        "average_time": number(average_gap.round_dp(2)),
        "percent_greater_than_x": number(percent(above, amounts.len())),
        "recurring_average": number(median(&amounts).round_dp(2)),
        "median_days": gaps.get(gaps.len() / 2).copied().unwrap_or_default(),
    })
}

impl World {
    /// Every transaction of `e` inside its insights window (`start_date`).
    fn all_transactions<'a>(&'a self, e: &'a EntityRec) -> impl Iterator<Item = Transaction> + 'a {
        e.accounts
            .iter()
            .flat_map(move |a| self.account_transactions(e, a))
    }

    /// The transactions of one account of `e` inside its insights window.
    fn account_transactions<'a>(
        &'a self,
        e: &'a EntityRec,
        a: &'a AccountRec,
    ) -> impl Iterator<Item = Transaction> + 'a {
        (0..a.transactions)
            .map(move |i| self.transaction(e, a, i))
            .filter(|t| e.in_window(t.booking_date_time.map(|b| b.date()).unwrap_or_else(today)))
    }

    /// `POST /insights/v2/income`, computed from the transactions.
    pub fn income(&self, e: &EntityRec) -> Income {
        let mut salary = Vec::new();
        let mut other = Vec::new();
        for t in self
            .all_transactions(e)
            .filter(|t| t.credit_debit_indicator == Some(CreditDebitIndicator::Credit))
        {
            let it = {
                let mut v = IncomeTransaction::default();
                v.account_id = t.account_id.clone();
                v.transaction_id = t.transaction_id.clone();
                v.transaction_information = t.transaction_information.clone();
                v.booking_date_time = t.booking_date_time;
                v.amount = Some(t.amount.amount);
                v.income_source = None;
                v
            };
            if t.transaction_information
                .as_deref()
                .is_some_and(|s| s.contains("Salary"))
            {
                salary.push(it);
            } else {
                other.push({
                    let mut v = it;
                    v.income_source = Some({
                        let mut v = IncomeSource::default();
                        v.kind = Some("CASH_DEPOSIT".into());
                        v.name = None;
                        v
                    });
                    v
                });
            }
        }
        {
            let mut v = Income::default();
            v.salary = Some(Self::stream(salary));
            v.non_salary = Some(Self::stream(other));
            v
        }
    }

    fn monthly(items: impl Iterator<Item = (NaiveDate, Decimal)>) -> Vec<MonthlyTotal> {
        let mut by: BTreeMap<(i32, u32), (Decimal, u64)> = BTreeMap::new();
        for (d, amt) in items {
            let e = by.entry((d.year(), d.month())).or_default();
            e.0 += amt;
            e.1 += 1;
        }
        by.into_iter()
            .map(|((y, m), (amount, count))| {
                let mut v = MonthlyTotal::default();
                v.month = m as u8;
                v.year = y;
                v.amount = Some(amount);
                v.count = Some(count);
                v.is_month_complete = Some((y, m) != (today().year(), today().month()));
                v.breakdown = Vec::new();
                v
            })
            .collect()
    }

    fn total(items: &[(NaiveDate, Decimal)], monthly: &[MonthlyTotal]) -> InsightTotal {
        let amount: Decimal = items.iter().map(|(_, a)| *a).sum();
        let months = Decimal::from(monthly.len().max(1) as u64);
        let max = monthly.iter().max_by_key(|m| m.amount);
        let min = monthly.iter().min_by_key(|m| m.amount);
        let ma = |m: Option<&MonthlyTotal>| {
            m.map(|m| {
                let mut v = MonthAmount::default();
                v.month = m.month;
                v.year = m.year;
                v.amount = m.amount;
                v
            })
        };
        {
            let mut v = InsightTotal::default();
            v.amount = Some(amount);
            v.count = Some(items.len() as u64);
            v.first_date_time = items.first().map(|(d, _)| ts(*d));
            v.last_date_time = items.last().map(|(d, _)| ts(*d));
            v.average_monthly_amount = Some((amount / months).round_dp(2));
            v.average_monthly_count =
                Some((Decimal::from(items.len() as u64) / months).round_dp(2));
            v.average_monthly_received_value = None;
            v.maximum_monthly_amount = ma(max);
            v.minimum_monthly_amount = ma(min);
            v.breakdown = Vec::new();
            v
        }
    }

    fn stream(mut txs: Vec<IncomeTransaction>) -> IncomeStream {
        txs.sort_by_key(|t| t.booking_date_time);
        let items: Vec<(NaiveDate, Decimal)> = txs
            .iter()
            .map(|t| {
                (
                    t.booking_date_time.map(|b| b.date()).unwrap_or_else(today),
                    t.amount.unwrap_or_default(),
                )
            })
            .collect();
        let monthly = Self::monthly(items.iter().copied());
        let factors = Self::income_factors(&monthly);
        {
            let mut v = IncomeStream::default();
            v.currency = Some(Currency::aed());
            v.total = Some(Self::total(&items, &monthly));
            v.monthly_totals = monthly;
            v.transactions = txs;
            v.income_factors = Some(factors);
            v
        }
    }

    /// `income_factors`: per period (the last 3, 6, 12 complete months) the mean monthly income
    /// and its variation (max - min over mean), the spread of the months, and the mean
    /// month-over-month change.
    fn income_factors(monthly: &[MonthlyTotal]) -> IncomeFactors {
        let complete: Vec<Decimal> = monthly
            .iter()
            .filter(|m| m.is_month_complete == Some(true))
            .map(|m| m.amount.unwrap_or_default())
            .collect();
        let periods = [3usize, 6, 12]
            .iter()
            .map(|&n| {
                let last = &complete[complete.len().saturating_sub(n)..];
                let mean = if last.is_empty() {
                    Decimal::ZERO
                } else {
                    last.iter().sum::<Decimal>() / Decimal::from(last.len() as u64)
                };
                let (lo, hi) = (
                    last.iter().min().copied().unwrap_or_default(),
                    last.iter().max().copied().unwrap_or_default(),
                );
                {
                    let mut v = IncomePeriod::default();
                    v.period = Some(format!("P{n}M"));
                    v.income_variation = Some(if mean.is_zero() {
                        Decimal::ZERO
                    } else {
                        ((hi - lo) / mean).round_dp(4)
                    });
                    v.average_income = Some(Amount::new(Currency::aed(), mean.round_dp(2)));
                    v
                }
            })
            .collect();
        let changes: Vec<Decimal> = complete
            .windows(2)
            .filter(|w| !w[0].is_zero())
            .map(|w| (w[1] - w[0]) / w[0])
            .collect();
        {
            let mut v = IncomeFactors::default();
            v.periods = periods;
            v.delta_min_max = Some(
                complete.iter().max().copied().unwrap_or_default()
                    - complete.iter().min().copied().unwrap_or_default(),
            );
            v.average_monthly_income_change = Some(if changes.is_empty() {
                Decimal::ZERO
            } else {
                (changes.iter().sum::<Decimal>() / Decimal::from(changes.len() as u64)).round_dp(4)
            });
            v
        }
    }

    /// `GET /insights/v2/expenses`, computed from the transactions.
    pub fn expenses(&self, e: &EntityRec) -> Expenses {
        let mut items = Vec::new();
        let mut by_cat: BTreeMap<String, (Decimal, u64)> = BTreeMap::new();
        for t in self
            .all_transactions(e)
            .filter(|t| t.credit_debit_indicator == Some(CreditDebitIndicator::Debit))
        {
            let d = t.booking_date_time.map(|b| b.date()).unwrap_or_else(today);
            let merchant = t
                .merchant_details
                .as_ref()
                .and_then(|m| m.merchant_name.clone())
                .unwrap_or_default();
            let cat = MERCHANTS
                .iter()
                .find(|m| m.0 == merchant)
                .map(|m| m.2)
                .unwrap_or("OTHER");
            let c = by_cat.entry(cat.to_owned()).or_default();
            c.0 += t.amount.amount;
            c.1 += 1;
            items.push((d, t.amount.amount));
        }
        items.sort_by_key(|(d, _)| *d);
        let monthly = Self::monthly(items.iter().copied());
        let mut total = Self::total(&items, &monthly);
        let all: Decimal = by_cat.values().map(|(a, _)| *a).sum();
        total.breakdown = vec![{
            let mut v = Breakdown::default();
            v.by = Some("category".into());
            v.breakdowns = by_cat
                .into_iter()
                .map(|(category, (amount, count))| {
                    let mut v = CategoryBreakdown::default();
                    v.category = Some(category);
                    v.amount = Some(amount);
                    v.count = Some(count);
                    v.fraction_of_total_expenses = Some(if all.is_zero() {
                        Decimal::ZERO
                    } else {
                        (amount / all).round_dp(2)
                    });
                    v.average_days_between_transactions = None;
                    v.first_date_time = None;
                    v.last_date_time = None;
                    v.average_monthly_amount = None;
                    v.average_monthly_count = None;
                    v.maximum_monthly_amount = None;
                    v.minimum_monthly_amount = None;
                    v
                })
                .collect();
            v
        }];
        {
            let mut v = Expenses::default();
            v.currency = Some(Currency::aed());
            v.total = Some(total);
            v.monthly_totals = monthly;
            v
        }
    }

    /// Every transaction of the entity as (date, signed amount: credits positive).
    fn flows(&self, e: &EntityRec) -> Vec<(NaiveDate, Decimal)> {
        let mut v: Vec<(NaiveDate, Decimal)> =
            self.all_transactions(e).map(|t| signed(&t)).collect();
        v.sort_by_key(|(d, _)| *d);
        v
    }

    fn aed(amount: Decimal) -> Option<Amount> {
        Some(Amount::new(Currency::aed(), amount.round_dp(2)))
    }

    fn ratio(a: Decimal, b: Decimal) -> Option<Decimal> {
        Some(if b.is_zero() {
            Decimal::ZERO
        } else {
            (a / b).round_dp(4)
        })
    }

    fn flows_of(items: &[(NaiveDate, Decimal)], month: Option<(i32, u32)>) -> Flows {
        let (mut inflow, mut outflow, mut n_in, mut n_out) =
            (Decimal::ZERO, Decimal::ZERO, 0u64, 0u64);
        for (_, a) in items {
            if a.is_sign_positive() {
                inflow += *a;
                n_in += 1;
            } else {
                outflow -= *a;
                n_out += 1;
            }
        }
        let flow = |category: &str, amount: Decimal, count| {
            let mut v = CategoryFlow::default();
            v.category = Some(category.into());
            v.amount = Self::aed(amount);
            v.count = Some(count);
            v
        };
        {
            let mut v = Flows::default();
            v.month = month.map(|(_, m)| m as u8);
            v.year = month.map(|(y, _)| y);
            v.is_month_complete = month.map(|(y, m)| (y, m) != (today().year(), today().month()));
            v.inwards = vec![flow("inflow", inflow, n_in)];
            v.outwards = vec![flow("outflow", outflow, n_out)];
            v.net = Some({
                let mut v = NetFlow::default();
                v.overall_amount = Self::aed(inflow - outflow);
                v.net_cashflow = None;
                v
            });
            v
        }
    }

    fn by_month(items: &[(NaiveDate, Decimal)]) -> BTreeMap<(i32, u32), Vec<(NaiveDate, Decimal)>> {
        let mut by: BTreeMap<(i32, u32), Vec<(NaiveDate, Decimal)>> = BTreeMap::new();
        for (d, a) in items {
            by.entry((d.year(), d.month())).or_default().push((*d, *a));
        }
        by
    }

    /// `GET /insights/v2/assets/cashflows`, computed from the transactions: totals, each
    /// month, and credit/debit behaviour and big payments over the last 3, 6 and 12 months.
    pub fn cashflows(&self, e: &EntityRec) -> Cashflows {
        let items = self.flows(e);
        let months = Self::by_month(&items);
        let monthly_totals = months
            .iter()
            .map(|(k, v)| Self::flows_of(v, Some(*k)))
            .collect();
        let keys: Vec<(i32, u32)> = months.keys().copied().collect();
        let mut behaviour = Vec::new();
        let mut big = Vec::new();
        for n in [3usize, 6, 12] {
            let last = &keys[keys.len().saturating_sub(n)..];
            let span = Decimal::from(last.len().max(1) as u64);
            let (mut credit, mut debit, mut n_credit, mut n_debit) =
                (Decimal::ZERO, Decimal::ZERO, 0u64, 0u64);
            let (mut max_credit, mut max_debit) = (Decimal::ZERO, Decimal::ZERO);
            for k in last {
                let (mut mc, mut md) = (Decimal::ZERO, Decimal::ZERO);
                for (_, a) in &months[k] {
                    if a.is_sign_positive() {
                        credit += *a;
                        n_credit += 1;
                        mc = mc.max(*a);
                    } else {
                        debit -= *a;
                        n_debit += 1;
                        md = md.max(-*a);
                    }
                }
                max_credit += mc;
                max_debit += md;
            }
            let period = Some(format!("P{n}M"));
            behaviour.push({
                let mut v = CreditDebitPeriod::default();
                v.period = period.clone();
                v.grand_average_credit_amount = Self::aed(credit / span);
                v.grand_average_credit_count = Some((Decimal::from(n_credit) / span).round_dp(2));
                v.grand_average_debit_amount = Self::aed(debit / span);
                v.grand_average_debit_count = Some((Decimal::from(n_debit) / span).round_dp(2));
                v.grand_average_credit_debit_amount_ratio = Self::ratio(credit, debit);
                v.grand_average_credit_debit_count_ratio =
                    Self::ratio(Decimal::from(n_credit), Decimal::from(n_debit));
                v.total_volume_of_credit = Self::aed(credit);
                v.total_volume_of_debit = Self::aed(debit);
                v.total_volume_of_credit_debit_ratio = Self::ratio(credit, debit);
                v
            });
            big.push({
                let mut v = BigPaymentsPeriod::default();
                v.period = period;
                v.average_max_monthly_credit_amount = Self::aed(max_credit / span);
                v.average_max_monthly_debit_amount = Self::aed(max_debit / span);
                v.average_max_monthly_credit_debit_amount_ratio =
                    Self::ratio(max_credit, max_debit);
                v
            });
        }
        {
            let mut v = Cashflows::default();
            v.total = Some(Self::flows_of(&items, None));
            v.monthly_totals = monthly_totals;
            v.credit_debit_behaviour = Some({
                let mut v = Periods::default();
                v.periods = behaviour;
                v
            });
            v.big_payments = Some({
                let mut v = Periods::default();
                v.periods = big;
                v
            });
            v
        }
    }

    /// The current and savings accounts of `e`, and what they hold together today.
    fn cash_accounts<'a>(&self, e: &'a EntityRec) -> (Vec<&'a AccountRec>, Decimal) {
        let accounts: Vec<&AccountRec> = e
            .accounts
            .iter()
            .filter(|a| matches!(a.sub_type.as_str(), "CURRENT" | "SAVINGS"))
            .collect();
        let current = accounts
            .iter()
            .map(|a| self.balances(e, a)[0].amount.amount)
            .sum();
        (accounts, current)
    }

    /// `GET /insights/v2/assets/balances` (KSA), in Lean's recorded shape: the current and
    /// savings accounts' balance month by month (walked back from today's balance), what came
    /// in, the average balance over the last 3 to 12 months, and how money flows in and out.
    pub fn cash_balances(&self, e: &EntityRec) -> serde_json::Value {
        let (accounts, current) = self.cash_accounts(e);
        let txs: Vec<Transaction> = accounts
            .iter()
            .flat_map(|a| self.account_transactions(e, a))
            .collect();
        let mut items: Vec<(NaiveDate, Decimal)> = txs.iter().map(signed).collect();
        items.sort_by_key(|(d, _)| *d);
        let sar =
            |d: Decimal| serde_json::json!({"currency": "SAR", "amount": number(d.round_dp(2))});
        // Walk back from today: a month's closing balance is the next month's opening.
        let months = Self::by_month(&items);
        let mut closing = current;
        let mut rows = Vec::new();
        for ((y, m), v) in months.iter().rev() {
            let net: Decimal = v.iter().map(|(_, a)| *a).sum();
            let opening = closing - net;
            let credits: Decimal = v
                .iter()
                .map(|(_, a)| *a)
                .filter(|a| *a > Decimal::ZERO)
                .sum();
            rows.push((*y, *m, opening, closing, credits));
            closing = opening;
        }
        rows.reverse();
        let average = |r: &[(i32, u32, Decimal, Decimal, Decimal)]| -> Decimal {
            if r.is_empty() {
                return current;
            }
            r.iter()
                .map(|(_, _, o, c, _)| (*o + *c) / Decimal::TWO)
                .sum::<Decimal>()
                / Decimal::from(r.len())
        };
        let monthly: Vec<serde_json::Value> = rows
            .iter()
            .map(|(y, m, opening, closing, credits)| {
                let growth = if opening.is_zero() {
                    Decimal::ZERO
                } else {
                    ((*closing - *opening) / opening.abs()).round_dp(2)
                };
                serde_json::json!({
                    "month": m, "year": y,
                    "is_month_complete": (*y, *m) != (today().year(), today().month()),
                    "monthly_growth_rate": number(growth),
                    "contribution_amount": sar(*credits),
                    "average_balance": sar((*opening + *closing) / Decimal::TWO),
                    "initial_balance": sar(*opening),
                })
            })
            .collect();
        let initial = rows.first().map_or(current, |r| r.2);
        let periods: Vec<serde_json::Value> = [3usize, 6, 9, 12]
            .iter()
            .map(|n| {
                let last = &rows[rows.len().saturating_sub(*n)..];
                serde_json::json!({"period": format!("P{n}M"), "average_balance": number(average(last).round_dp(2))})
            })
            .collect();
        let changes: Vec<Decimal> = rows.iter().map(|(_, _, o, c, _)| *c - *o).collect();
        let trend = if changes.is_empty() {
            Decimal::ZERO
        } else {
            changes.iter().sum::<Decimal>() / Decimal::from(changes.len())
        };
        let growing = changes.iter().filter(|c| **c > Decimal::ZERO).count();
        let days = items
            .first()
            .map_or(1, |(d, _)| (today() - *d).num_days().max(1));
        let net: Decimal = items.iter().map(|(_, a)| *a).sum();
        let inflows: Vec<&Transaction> = txs
            .iter()
            .filter(|t| t.credit_debit_indicator == Some(CreditDebitIndicator::Credit))
            .collect();
        let outflows: Vec<&Transaction> = txs
            .iter()
            .filter(|t| t.credit_debit_indicator != Some(CreditDebitIndicator::Credit))
            .collect();
        let salaries = inflows
            .iter()
            .filter(|t| {
                t.transaction_information
                    .as_deref()
                    .is_some_and(|s| s.contains("Salary"))
            })
            .count();
        let mut inflow = flow_factors(&inflows);
        inflow["percent_salary_transaction"] = number(percent(salaries, inflows.len()));
        let mut outflow = flow_factors(&outflows);
        // The month of the most spending, when it is above the monthly mean (Lean's sample
        // shows one such spike).
        let spent: Vec<(i32, u32, Decimal)> = months
            .iter()
            .map(|((y, m), v)| {
                (
                    *y,
                    *m,
                    v.iter()
                        .map(|(_, a)| -*a)
                        .filter(|a| *a > Decimal::ZERO)
                        .sum(),
                )
            })
            .collect();
        let mean_spent =
            spent.iter().map(|s| s.2).sum::<Decimal>() / Decimal::from(spent.len().max(1));
        outflow["spike_transactions"] = spent
            .iter()
            .max_by_key(|s| s.2)
            .filter(|s| s.2 > mean_spent)
            .map(|(y, m, a)| serde_json::json!({"month": m, "year": y, "amount": number(a.round_dp(2))}))
            .into_iter()
            .collect();
        serde_json::json!({
            "total": {
                "average_balance": sar(average(&rows)),
                "initial_balance": sar(initial),
                "current_balance": sar(current),
                "available_balance": sar(current),
                "frequency_of_contributions": frequency(inflows.len(), rows.len()),
            },
            "monthly_totals": monthly,
            "balance_factors": {
                "periods": periods,
                "balance_trend_average_month_on_month": number(trend.round_dp(2)),
                "current_balance": number(current.round_dp(2)),
                "balance_trend": growing,
                "inflow_factors": inflow,
                "outflow_factors": outflow,
                "daily_net_cashflow_estimate": number((net / Decimal::from(days)).round_dp(2)),
            },
        })
    }

    /// `GET /insights/v2/liabilities/credit-obligations` (KSA), in Lean's recorded shape:
    /// repayments into loan accounts (mortgage, personal loan) and into credit cards, card
    /// spending, loans received, in total and month by month, and what the cards owe now.
    pub fn credit_obligations(&self, e: &EntityRec) -> serde_json::Value {
        let is_card = |a: &AccountRec| matches!(a.sub_type.as_str(), "CREDIT" | "CHARGE_CARD");
        let is_loan = |a: &AccountRec| matches!(a.sub_type.as_str(), "MORTGAGE" | "PERSONAL_LOAN");
        let mut flows: Vec<Flow> = Vec::new();
        for a in e.accounts.iter().filter(|a| is_card(a) || is_loan(a)) {
            for t in self.account_transactions(e, a) {
                let d = t.booking_date_time.map(|b| b.date()).unwrap_or_else(today);
                let credit = t.credit_debit_indicator == Some(CreditDebitIndicator::Credit);
                let what = match (is_card(a), credit) {
                    (false, true) => 0,
                    (false, false) => 1,
                    (true, true) => 2,
                    (true, false) => 3,
                };
                flows.push((d, t.amount.amount, what));
            }
        }
        flows.sort_by_key(|f| f.0);
        let sar =
            |d: Decimal| serde_json::json!({"currency": "SAR", "amount": number(d.round_dp(2))});
        let counted = |fs: &[&Flow], what: usize| {
            let of: Vec<Decimal> = fs.iter().filter(|f| f.2 == what).map(|f| f.1).collect();
            serde_json::json!({"amount": sar(of.iter().sum()), "count": of.len()})
        };
        let cards: Vec<&AccountRec> = e.accounts.iter().filter(|a| is_card(a)).collect();
        let owed: Decimal = cards
            .iter()
            .map(|a| self.balances(e, a)[0].amount.amount)
            .sum();
        let card_balances = || {
            if cards.is_empty() {
                // As Lean records it for a holder without a card.
                return serde_json::json!({
                    "average_balance": null, "initial_balance": null, "current_balance": null,
                    "available_balance": null, "frequency_of_contributions": null,
                });
            }
            serde_json::json!({
                "average_balance": sar(owed), "initial_balance": sar(owed),
                "current_balance": sar(owed), "available_balance": sar(owed),
                "frequency_of_contributions": "MONTHLY",
            })
        };
        let all: Vec<&Flow> = flows.iter().collect();
        let stats = |what: usize| {
            let of: Vec<&(NaiveDate, Decimal, usize)> =
                all.iter().copied().filter(|f| f.2 == what).collect();
            if of.is_empty() {
                return (
                    serde_json::Value::Null,
                    serde_json::Value::Null,
                    serde_json::Value::Null,
                    serde_json::Value::Null,
                );
            }
            let min = of.iter().map(|f| f.1).min().unwrap_or_default();
            let max = of.iter().map(|f| f.1).max().unwrap_or_default();
            let avg = of.iter().map(|f| f.1).sum::<Decimal>() / Decimal::from(of.len());
            let last = of.last().map(|f| format!("{}T00:00:00Z", f.0));
            (sar(min), sar(max), sar(avg), serde_json::json!(last))
        };
        let (min_rep, max_rep, avg_rep, last_rep) = stats(0);
        let (min_rec, max_rec, avg_rec, last_rec) = stats(1);
        let mut months: BTreeMap<(i32, u32), Vec<&Flow>> = BTreeMap::new();
        for f in &flows {
            months.entry((f.0.year(), f.0.month())).or_default().push(f);
        }
        // Newest first, as Lean lists them.
        let monthly: Vec<serde_json::Value> = months
            .iter()
            .rev()
            .map(|((y, m), fs)| {
                serde_json::json!({
                    "month": m, "year": y,
                    "is_month_complete": (*y, *m) != (today().year(), today().month()),
                    "loan_repayments": counted(fs, 0),
                    "loan_received": counted(fs, 1),
                    "credit_cards_repayments": counted(fs, 2),
                    "credit_cards_spending": counted(fs, 3),
                    "credit_cards_balance": card_balances(),
                })
            })
            .collect();
        serde_json::json!({
            "current_credit_cards_balance": if cards.is_empty() {
                serde_json::json!({"amount": null})
            } else {
                sar(owed)
            },
            "number_of_credit_cards": cards.len(),
            "total": {
                "loan_repayments": counted(&all, 0),
                "minimum_loan_repayment": min_rep,
                "maximum_loan_repayment": max_rep,
                "average_loan_repayment": avg_rep,
                "last_loan_repayment_date_time": last_rep,
                "loan_received": counted(&all, 1),
                "minimum_loan_received": min_rec,
                "maximum_loan_received": max_rec,
                "average_loan_received": avg_rec,
                "last_loan_received_date_time": last_rec,
                "credit_cards_repayments": counted(&all, 2),
                "credit_cards_spending": counted(&all, 3),
                "credit_cards_balance": card_balances(),
            },
            "monthly_totals": monthly,
        })
    }

    /// `GET /insights/v2/liabilities/non-credit-obligations` (KSA), in Lean's recorded shape:
    /// recurring payments that are not credit (rent and services), in total, per payee (found
    /// as recurring transactions) and month by month, months named as Lean writes them.
    pub fn non_credit_obligations(&self, e: &EntityRec) -> serde_json::Value {
        let mut by: BTreeMap<String, Vec<(NaiveDate, Decimal)>> = BTreeMap::new();
        for t in self
            .all_transactions(e)
            .filter(|t| t.credit_debit_indicator == Some(CreditDebitIndicator::Debit))
        {
            let merchant = t
                .merchant_details
                .as_ref()
                .and_then(|m| m.merchant_name.clone())
                .unwrap_or_default();
            if MERCHANTS
                .iter()
                .any(|m| m.0 == merchant && m.2 == "RENT_AND_SERVICES")
            {
                let d = t.booking_date_time.map(|b| b.date()).unwrap_or_else(today);
                by.entry(merchant).or_default().push((d, t.amount.amount));
            }
        }
        let sar =
            |d: Decimal| serde_json::json!({"currency": "SAR", "amount": number(d.round_dp(2))});
        let name = |y: i32, m: u32| {
            NaiveDate::from_ymd_opt(y, m, 1)
                .map(|d| d.format("%B").to_string())
                .unwrap_or_default()
        };
        let per_month = |items: &[(NaiveDate, Decimal)]| {
            let mut months: BTreeMap<(i32, u32), (Decimal, usize)> = BTreeMap::new();
            for (d, a) in items {
                let m = months.entry((d.year(), d.month())).or_default();
                m.0 += *a;
                m.1 += 1;
            }
            months
        };
        // Average, maximum and minimum month of `items`.
        let stats = |items: &[(NaiveDate, Decimal)]| {
            let months = per_month(items);
            let n = Decimal::from(months.len().max(1));
            let total: Decimal = items.iter().map(|(_, a)| *a).sum();
            let max = months.iter().max_by_key(|(_, v)| v.0);
            let min = months.iter().min_by_key(|(_, v)| v.0);
            let month = |m: Option<(&YearMonth, &(Decimal, usize))>| match m {
                Some(((y, m), v)) => serde_json::json!({"month": name(*y, *m), "amount": sar(v.0)}),
                None => serde_json::json!({"month": null, "amount": sar(Decimal::ZERO)}),
            };
            (
                sar(total / n),
                number((Decimal::from(items.len()) / n).round_dp(0)),
                month(max),
                month(min),
            )
        };
        let all: Vec<(NaiveDate, Decimal)> = {
            let mut v: Vec<_> = by.values().flatten().copied().collect();
            v.sort_by_key(|(d, _)| *d);
            v
        };
        let grand: Decimal = all.iter().map(|(_, a)| *a).sum();
        let breakdowns: Vec<serde_json::Value> = by
            .iter()
            .map(|(merchant, items)| {
                let total: Decimal = items.iter().map(|(_, a)| *a).sum();
                let (average, count, max, min) = stats(items);
                let fraction = if grand.is_zero() {
                    Decimal::ZERO
                } else {
                    (total / grand).round_dp(2)
                };
                serde_json::json!({
                    "transaction_name": merchant,
                    "amount": sar(total),
                    "count": items.len(),
                    "fraction_of_total_obligations": number(fraction),
                    "average_monthly_amount": average,
                    "average_monthly_count": count,
                    "maximum_monthly_amount": max,
                    "minimum_monthly_amount": min,
                })
            })
            .collect();
        let (average, count, max, min) = stats(&all);
        let day = |d: Option<&(NaiveDate, Decimal)>| d.map(|(d, _)| format!("{d}T00:00:00Z"));
        // Newest first, as Lean lists them.
        let monthly: Vec<serde_json::Value> = per_month(&all)
            .iter()
            .rev()
            .map(|((y, m), (amount, n))| {
                serde_json::json!({
                    "month": m, "year": y,
                    "is_month_complete": (*y, *m) != (today().year(), today().month()),
                    "amount": sar(*amount),
                    "count": n,
                })
            })
            .collect();
        serde_json::json!({
            "total": {
                "amount": sar(grand),
                "count": all.len(),
                "first_date_time": day(all.first()),
                "last_date_time": day(all.last()),
                "average_monthly_amount": average,
                "average_monthly_count": count,
                "maximum_monthly_amount": max,
                "minimum_monthly_amount": min,
                "breakdown": [{"by": "RECURRING_TRANSACTIONS", "breakdowns": breakdowns}],
            },
            "monthly_totals": monthly,
        })
    }

    /// `GET /insights/v2/income/employment` (KSA): the employer and salary seen in the
    /// salary credits.
    pub fn employment(&self, e: &EntityRec) -> serde_json::Value {
        // In Lean's recorded shape (KSA-insights, `employment`): one entry per employer paying
        // a salary, its name as the bank writes it, the register's match, and how regular the
        // salary is (spread of its day of the month and of its amount).
        let salary = self.income(e).salary;
        let txs = salary
            .as_ref()
            .map(|s| s.transactions.as_slice())
            .unwrap_or(&[]);
        let Some(first) = txs.first() else {
            return serde_json::json!({ "employment_details": [] });
        };
        let employer = first
            .transaction_information
            .as_deref()
            .map(|s| s.trim_start_matches("Salary").trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Unknown employer".into());
        let spread = |xs: &[Decimal]| -> Decimal {
            let n = Decimal::from(xs.len().max(1));
            let mean = xs.iter().sum::<Decimal>() / n;
            let var = xs
                .iter()
                .map(|x| (*x - mean) * (*x - mean))
                .sum::<Decimal>()
                / n;
            var.round_dp(2)
        };
        let days: Vec<Decimal> = txs
            .iter()
            .filter_map(|t| t.booking_date_time)
            .map(|t| Decimal::from(t.date().day()))
            .collect();
        let amounts: Vec<Decimal> = txs.iter().filter_map(|t| t.amount).collect();
        let (date_variance, amount_variance) = (spread(&days), spread(&amounts));
        // A register number derived from the name, so the same world always answers the same.
        let cr_number = 1_010_000_000u64
            + employer
                .bytes()
                .fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
                % 1_000_000;
        serde_json::json!({
            "employment_details": [{
                "bank_employer_name": employer,
                "matched_reference_employer": {
                    "name": { "en": employer, "ar": employer },
                    "cr_number": cr_number,
                },
                "salary_consistent": date_variance <= Decimal::from(3) && amount_variance.is_zero(),
                "salary_date_variance": number(date_variance),
                "salary_amount_variance": number(amount_variance),
                "first_salary_date": first
                    .booking_date_time
                    .map(|t| format!("{}T00:00:00Z", t.date())),
            }]
        })
    }

    /// Freelancer cashflow insights (KSA), in Lean's recorded shape: the holder and the
    /// account, its balance, and business inflows (every credit but salary) and outflows, in
    /// total, over the last 12, 9, 6 and 3 months, and month by month (the balance walked back
    /// from today's).
    pub fn freelancer_cashflow(&self, e: &EntityRec) -> serde_json::Value {
        let (_, current) = self.cash_accounts(e);
        let mut items: Vec<(NaiveDate, Decimal)> = self
            .all_transactions(e)
            .filter(|t| {
                !t.transaction_information
                    .as_deref()
                    .is_some_and(|s| s.contains("Salary"))
            })
            .map(|t| signed(&t))
            .collect();
        items.sort_by_key(|(d, _)| *d);
        let sar =
            |d: Decimal| serde_json::json!({"currency": "SAR", "amount": number(d.round_dp(2))});
        let months = Self::by_month(&items);
        // (year, month, opening, closing, inflow, inflow count, outflow, outflow count)
        let mut rows = Vec::new();
        let mut closing = current;
        for ((y, m), v) in months.iter().rev() {
            let net: Decimal = v.iter().map(|(_, a)| *a).sum();
            let opening = closing - net;
            let ins: Vec<Decimal> = v
                .iter()
                .map(|(_, a)| *a)
                .filter(|a| *a > Decimal::ZERO)
                .collect();
            let outs: Vec<Decimal> = v
                .iter()
                .map(|(_, a)| -*a)
                .filter(|a| *a > Decimal::ZERO)
                .collect();
            rows.push((
                *y,
                *m,
                opening,
                closing,
                ins.iter().sum::<Decimal>(),
                ins.len(),
                outs.iter().sum::<Decimal>(),
                outs.len(),
            ));
            closing = opening;
        }
        rows.reverse();
        let per = |total: Decimal, n: usize| {
            if n == 0 {
                Decimal::ZERO
            } else {
                total / Decimal::from(n)
            }
        };
        let flows = |total: Decimal, n: usize| {
            serde_json::json!({
                "monthly_average_amount": sar(per(total, n)),
                "total_amount": sar(total),
                "transactions_count": n,
            })
        };
        let monthly: Vec<serde_json::Value> = rows
            .iter()
            .map(|(y, m, opening, closing, inflow, ins, outflow, outs)| {
                serde_json::json!({
                    "month": m, "year": y,
                    "is_month_complete": (*y, *m) != (today().year(), today().month()),
                    "inflows": flows(*inflow, *ins),
                    "outflows": flows(*outflow, *outs),
                    "balance": {
                        "monthly_average_amount": sar((*opening + *closing) / Decimal::TWO),
                        "initial_balance_amount": sar(*opening),
                    },
                })
            })
            .collect();
        let totals = |inflow: bool| {
            let pick = |r: &(i32, u32, Decimal, Decimal, Decimal, usize, Decimal, usize)| {
                if inflow { (r.4, r.5) } else { (r.6, r.7) }
            };
            let (total, count) = rows
                .iter()
                .map(pick)
                .fold((Decimal::ZERO, 0), |a, b| (a.0 + b.0, a.1 + b.1));
            let periods: Vec<serde_json::Value> = [12usize, 9, 6, 3]
                .iter()
                .map(|n| {
                    let last = &rows[rows.len().saturating_sub(*n)..];
                    let sum: Decimal = last.iter().map(|r| pick(r).0).sum();
                    serde_json::json!({
                        "period": format!("P{n}M"),
                        "total_amount": sar(sum),
                        "average_amount": sar(per(sum, last.len())),
                    })
                })
                .collect();
            serde_json::json!({"total_amount": sar(total), "transactions_count": count, "periods": periods})
        };
        let average_balance = per(
            rows.iter().map(|r| (r.2 + r.3) / Decimal::TWO).sum(),
            rows.len(),
        );
        let mut names = e.holder.split_whitespace();
        let short = match (names.next(), e.holder.split_whitespace().last()) {
            (Some(first), Some(last)) if first != last => format!("{first} {last}"),
            _ => e.holder.clone(),
        };
        let opened = items.first().map_or_else(today, |(d, _)| *d);
        serde_json::json!({
            "account_information": {
                "account_holder_full_name": e.holder,
                "account_holder_short_name": short,
                "account_opening_date": format!("{opened}T00:00:00Z"),
            },
            "total": {
                "current_balance_amount": sar(current),
                "average_monthly_balance_amount": sar(average_balance),
                "inflows": totals(true),
                "outflows": totals(false),
            },
            "monthly_totals": monthly,
        })
    }

    /// Name verification: the name given against the account holder's, as Lean grades it
    /// (salutations ignored; same words in order: PERFECT_MATCH; most words shared:
    /// PARTIAL_MATCH; else NO_MATCH).
    pub fn name_verification(&self, e: &EntityRec, given: &str) -> serde_json::Value {
        fn words(s: &str) -> Vec<String> {
            s.split(|c: char| c.is_whitespace() || c == ',')
                .map(|w| w.trim_matches('.').to_lowercase())
                .filter(|w| {
                    !w.is_empty() && !["mr", "mrs", "ms", "dr", "miss"].contains(&w.as_str())
                })
                .collect()
        }
        let (a, b) = (words(given), words(&e.holder));
        let shared = a.iter().filter(|w| b.contains(w)).count();
        let confidence = if a.is_empty() || b.is_empty() {
            Decimal::ZERO
        } else {
            (Decimal::from(2 * shared as u64) / Decimal::from((a.len() + b.len()) as u64))
                .round_dp(2)
        };
        let match_type = if a == b {
            "PERFECT_MATCH"
        } else if confidence >= Decimal::new(7, 1) {
            "PARTIAL_MATCH"
        } else {
            "NO_MATCH"
        };
        serde_json::json!({
            "full_name_provided": given,
            "full_name_retrieved": e.holder,
            "match_type": match_type,
            "confidence": serde_json::from_str::<serde_json::Value>(
                &if a == b { Decimal::ONE.round_dp(1) } else { confidence }.to_string()
            ).unwrap_or_default(),
        })
    }
}
