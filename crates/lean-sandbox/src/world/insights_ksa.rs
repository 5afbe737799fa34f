//! The KSA insights computed from the world's transactions, in Lean's recorded shapes (the
//! KSA-insights collection): cash balances, credit and non-credit obligations, employment
//! and freelancer cashflow. Nothing is stored: every answer is recomputed from the seeded
//! data. The shared arithmetic (signed flows, ratios, frequencies) is in `insights.rs`.

use super::insights::*;
use super::*;

impl World {
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
            // Lean's recording: `{"amount": null}` without cards; the amount alone, then.
            "current_credit_cards_balance": if cards.is_empty() {
                serde_json::json!({"amount": null})
            } else {
                serde_json::json!({"amount": number(owed)})
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
}
