//! Insights computed from the world's transactions: income (with income factors), expenses,
//! cashflows (monthly totals, credit/debit behaviour, big payments), the KSA insights (cash
//! balances, credit and non-credit obligations, employment), freelancer cashflow, and name
//! verification. Nothing is stored: every answer is recomputed from the seeded data.

use super::*;

/// A transaction as (booking date, signed amount: credits positive).
pub(super) fn signed(t: &Transaction) -> (NaiveDate, Decimal) {
    let d = t.booking_date_time.map(|b| b.date()).unwrap_or_else(today);
    let amount = if t.credit_debit_indicator == Some(CreditDebitIndicator::Credit) {
        t.amount.amount
    } else {
        -t.amount.amount
    };
    (d, amount)
}

/// (year, month).
pub(super) type YearMonth = (i32, u32);

/// A credit flow: (date, amount, what), what being 0 a loan repayment, 1 a loan received, 2 a
/// card repayment, 3 card spending.
pub(super) type Flow = (NaiveDate, Decimal, usize);

/// A JSON number with the decimal's own digits.
pub(super) fn number(d: Decimal) -> serde_json::Value {
    serde_json::from_str(&d.normalize().to_string()).unwrap_or_default()
}

/// `part` of `whole`, in percent (2 places).
pub(super) fn percent(part: usize, whole: usize) -> Decimal {
    if whole == 0 {
        return Decimal::ZERO;
    }
    (Decimal::from(part) * Decimal::ONE_HUNDRED / Decimal::from(whole)).round_dp(2)
}

/// How often money comes in, from inflows per month.
pub(super) fn frequency(inflows: usize, months: usize) -> &'static str {
    match inflows / months.max(1) {
        0..=1 => "MONTHLY",
        2..=7 => "WEEKLY",
        _ => "DAILY",
    }
}

/// Lean's inflow or outflow factors of `txs` (amounts positive).
pub(super) fn flow_factors(txs: &[&Transaction]) -> serde_json::Value {
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
    pub(super) fn all_transactions<'a>(
        &'a self,
        e: &'a EntityRec,
    ) -> impl Iterator<Item = Transaction> + 'a {
        e.accounts
            .iter()
            .flat_map(move |a| self.account_transactions(e, a))
    }

    /// The transactions of one account of `e` inside its insights window.
    pub(super) fn account_transactions<'a>(
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
                salary.push({
                    let mut v = it;
                    v.income_source = Some({
                        let mut v = IncomeSource::default();
                        v.kind = Some("EMPLOYMENT".into());
                        v.name = Some("Lean Technologies".into());
                        v
                    });
                    v
                });
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
        let mut total = Self::total(&items, &monthly);
        // The mean over the months that received something (Lean: 60000 over 2 months, 30000).
        let received = monthly
            .iter()
            .filter(|m| m.amount.is_some_and(|a| !a.is_zero()))
            .count()
            .max(1);
        total.average_monthly_received_value =
            Some((total.amount.unwrap_or_default() / Decimal::from(received as u64)).round_dp(2));
        {
            let mut v = IncomeStream::default();
            v.currency = Some(Currency::aed());
            v.total = Some(total);
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

    /// `GET /insights/v2/expenses`, computed from the transactions: the totals, and per
    /// category over the whole window and month by month, as Lean's recording has them.
    pub fn expenses(&self, e: &EntityRec) -> Expenses {
        let mut items = Vec::new();
        let mut by_cat: BTreeMap<&'static str, Vec<(NaiveDate, Decimal)>> = BTreeMap::new();
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
            by_cat.entry(cat).or_default().push((d, t.amount.amount));
            items.push((d, t.amount.amount));
        }
        items.sort_by_key(|(d, _)| *d);
        let mut monthly = Self::monthly(items.iter().copied());
        let mut total = Self::total(&items, &monthly);
        let share = |part: Decimal, whole: Decimal| {
            if whole.is_zero() {
                Decimal::ZERO
            } else {
                (part / whole).round_dp(2)
            }
        };
        let all: Decimal = items.iter().map(|(_, a)| *a).sum();
        let months = Decimal::from(monthly.len().max(1) as u64);
        let breakdowns = by_cat
            .iter()
            .map(|(category, list)| {
                let mut list = list.clone();
                list.sort_by_key(|(d, _)| *d);
                let amount: Decimal = list.iter().map(|(_, a)| *a).sum();
                let count = list.len() as u64;
                let per_month: Vec<MonthAmount> = monthly
                    .iter()
                    .map(|m| {
                        let mut v = MonthAmount::default();
                        v.month = m.month;
                        v.year = m.year;
                        v.amount = Some(
                            list.iter()
                                .filter(|(d, _)| (d.year(), d.month() as u8) == (m.year, m.month))
                                .map(|(_, a)| *a)
                                .sum(),
                        );
                        v
                    })
                    .collect();
                let (first, last) = (list.first().map(|x| x.0), list.last().map(|x| x.0));
                let mut v = CategoryBreakdown::default();
                v.category = Some((*category).to_owned());
                v.amount = Some(amount);
                v.count = Some(count);
                v.fraction_of_total_expenses = Some(share(amount, all));
                v.average_days_between_transactions = match (first, last) {
                    (Some(f), Some(l)) if count > 1 => Some(
                        (Decimal::from((l - f).num_days()) / Decimal::from(count - 1)).round_dp(2),
                    ),
                    _ => Some(Decimal::ZERO),
                };
                v.first_date_time = first.map(ts);
                v.last_date_time = last.map(ts);
                v.average_monthly_amount = Some((amount / months).round_dp(2));
                v.average_monthly_count = Some((Decimal::from(count) / months).round_dp(2));
                v.maximum_monthly_amount = per_month.iter().max_by_key(|m| m.amount).cloned();
                v.minimum_monthly_amount = per_month.iter().min_by_key(|m| m.amount).cloned();
                v
            })
            .collect();
        total.breakdown = vec![{
            let mut v = Breakdown::default();
            v.by = Some("category".into());
            v.breakdowns = breakdowns;
            v
        }];
        for m in &mut monthly {
            let in_month = |d: &NaiveDate| (d.year(), d.month() as u8) == (m.year, m.month);
            let month_total = m.amount.unwrap_or_default();
            let mut v = Breakdown::default();
            v.by = Some("category".into());
            v.breakdowns = by_cat
                .iter()
                .filter_map(|(category, list)| {
                    let (amount, count) = list
                        .iter()
                        .filter(|(d, _)| in_month(d))
                        .fold((Decimal::ZERO, 0u64), |(a, n), (_, x)| (a + x, n + 1));
                    (count > 0).then(|| {
                        let mut c = CategoryBreakdown::default();
                        c.category = Some((*category).to_owned());
                        c.amount = Some(amount);
                        c.count = Some(count);
                        c.fraction_of_total_expenses = Some(share(amount, month_total));
                        c
                    })
                })
                .collect();
            m.breakdown = vec![v];
        }
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

    pub(super) fn by_month(
        items: &[(NaiveDate, Decimal)],
    ) -> BTreeMap<(i32, u32), Vec<(NaiveDate, Decimal)>> {
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
