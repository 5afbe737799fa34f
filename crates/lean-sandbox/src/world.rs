//! The emulator's bank data, generated deterministically from a seed.
//!
//! Customers, entities (with permissions and consents), accounts of every sub-type, balances,
//! transactions, identities, beneficiaries, direct debits, scheduled and standing orders, and
//! insights computed from the transactions. Transactions are not stored: transaction `i` of an
//! account is a pure function of (seed, account, i), so an account can have 100,000 of them
//! at no memory cost and any page is computed directly.

use chrono::{Datelike, Duration as Days, NaiveDate};
use lean_proto::model::customer::{Consent, ConsentAccount, Customer, Entity, Permissions};
use lean_proto::model::data::*;
use lean_proto::model::insights::*;
use lean_proto::rng::Rng;
use lean_proto::*;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The sandbox's "today": fixed, so the data never depends on the wall clock.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 13).unwrap_or_default()
}

fn ts(date: NaiveDate) -> Timestamp {
    Timestamp::from_date(date)
}

fn uuid(rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | (b >> 48) & 0x3fff,
        b & 0xffff_ffff_ffff
    )
}

fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut r = Rng::new(
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F),
    );
    r.next_u64()
}

/// One generated account.
#[derive(Debug, Clone)]
pub struct AccountRec {
    /// Id.
    pub id: AccountId,
    /// Sub-type.
    pub sub_type: AccountSubType,
    /// Index within the world (feeds the generators).
    pub index: u64,
    /// Transactions it has.
    pub transactions: usize,
    /// IBAN.
    pub iban: String,
}

/// One generated entity.
#[derive(Debug, Clone)]
pub struct EntityRec {
    /// Id.
    pub id: EntityId,
    /// Its customer.
    pub customer_id: CustomerId,
    /// Holder name.
    pub holder: String,
    /// The bank it connects to (`bank_identifier`).
    pub bank_identifier: String,
    /// When it was created (connected).
    pub created: NaiveDate,
    /// Accounts.
    pub accounts: Vec<AccountRec>,
}

/// The generated bank.
#[derive(Debug, Clone)]
pub struct World {
    seed: u64,
    transactions: usize,
    /// Customers.
    pub customers: Vec<Customer>,
    /// Entities.
    pub entities: Vec<EntityRec>,
}

const SUB_TYPES: [&str; 9] = [
    "CURRENT",
    "SAVINGS",
    "CREDIT",
    "PREPAID",
    "MORTGAGE",
    "PERSONAL_LOAN",
    "EMONEY",
    "CHARGE_CARD",
    "UNSUPPORTED",
];
/// The banks of the emulator: (identifier, name, country, availability of data).
pub const BANKS: [(&str, &str, &str, bool); 4] = [
    ("LEAN_SANDBOX_UAE", "Lean Sandbox Bank", "ARE", true),
    ("LEAN_MOCKBANK_UAE", "Lean Mockbank", "ARE", true),
    ("LEAN_SANDBOX_KSA", "Lean Sandbox Bank KSA", "SAU", true),
    (
        "LEAN_MAINTENANCE_UAE",
        "Lean Maintenance Bank",
        "ARE",
        false,
    ),
];

const NAMES: [&str; 4] = [
    "Angelika Art Jacobs",
    "Mae Darlene Zulauf",
    "Ahmed Mohammed Al-Saud",
    "Fatima Khalid Noor",
];
const MERCHANTS: [(&str, &str, &str); 6] = [
    ("Carrefour", "CC5411", "GROCERIES"),
    ("Emaar", "CC6513", "RENT_AND_SERVICES"),
    ("Etisalat", "CC4814", "RENT_AND_SERVICES"),
    ("Talabat", "CC5812", "RETAIL"),
    ("Emirates", "CC4511", "TRAVEL"),
    ("Noon", "CC5399", "RETAIL"),
];

impl World {
    /// Two customers with one entity each; the first account of each entity has
    /// `transactions` transactions.
    pub fn generate(seed: u64, transactions: usize) -> World {
        let mut rng = Rng::new(seed);
        let mut customers = Vec::new();
        let mut entities = Vec::new();
        for c in 0..2 {
            let customer_id = CustomerId::parse(&uuid(&mut rng)).unwrap_or_else(|_| unreachable!());
            customers.push(Customer {
                customer_id: customer_id.clone(),
                app_user_id: Some(format!("sandbox_user_{}", c + 1)),
            });
            let holder = NAMES[(c + seed as usize) % NAMES.len()];
            let mut entity = Self::make_entity(
                &mut rng,
                customer_id,
                holder,
                BANKS[0].0,
                c as u64 * 100,
                transactions,
            );
            entity.created = today() - Days::days(100);
            entities.push(entity);
        }
        World {
            seed,
            transactions,
            customers,
            entities,
        }
    }

    /// A new entity for `customer_id` at `bank_identifier`, as LinkSDK's `connect()` makes
    /// one: the `n`-th connection of this emulator (ids and data follow from the seed and `n`).
    pub fn connect(&self, n: u64, customer_id: CustomerId, bank_identifier: &str) -> EntityRec {
        let mut rng = Rng::new(mix(self.seed, 0xc0ec7, n));
        let holder = NAMES[(n as usize + 2) % NAMES.len()];
        Self::make_entity(
            &mut rng,
            customer_id,
            holder,
            bank_identifier,
            1_000 + n * 100,
            self.transactions.min(500),
        )
    }

    fn make_entity(
        rng: &mut Rng,
        customer_id: CustomerId,
        holder: &str,
        bank_identifier: &str,
        first_index: u64,
        transactions: usize,
    ) -> EntityRec {
        let entity_id = EntityId::parse(&uuid(rng)).unwrap_or_else(|_| unreachable!());
        let accounts = SUB_TYPES
            .iter()
            .enumerate()
            .map(|(k, st)| {
                let index = first_index + k as u64 + 1;
                let digits = rng.next_u64() % 1_000_000_000_000_000;
                AccountRec {
                    id: AccountId::parse(&uuid(rng)).unwrap_or_else(|_| unreachable!()),
                    sub_type: AccountSubType::from(*st),
                    index,
                    transactions: if k == 0 { transactions } else { 20 },
                    iban: format!("AE{:02}0{:03}{:015}", 10 + index % 89, 200 + k, digits),
                }
            })
            .collect();
        EntityRec {
            id: entity_id,
            customer_id,
            holder: holder.into(),
            bank_identifier: bank_identifier.into(),
            created: today(),
            accounts,
        }
    }

    /// An entity by id.
    pub fn entity(&self, id: &EntityId) -> Option<&EntityRec> {
        self.entities.iter().find(|e| &e.id == id)
    }

    /// An account of an entity.
    pub fn account<'a>(&self, e: &'a EntityRec, id: &AccountId) -> Option<&'a AccountRec> {
        e.accounts.iter().find(|a| &a.id == id)
    }

    fn short(e: &EntityRec) -> String {
        let parts: Vec<&str> = e.holder.split(' ').collect();
        format!("{} {}", parts[0], parts[parts.len() - 1])
    }

    /// `data.accounts[]`.
    pub fn accounts(&self, e: &EntityRec) -> Vec<Account> {
        e.accounts
            .iter()
            .map(|a| Account {
                entity_id: Some(e.id.clone()),
                account_id: a.id.clone(),
                account_holder_name: Some(e.holder.clone()),
                account_holder_short_name: Some(Self::short(e)),
                status: Some(AccountStatus::Enabled),
                status_update_date_time: Some(ts(today() - Days::days(100))),
                currency: Some(Currency::aed()),
                account_type: Some(AccountType::Personal),
                account_sub_type: Some(a.sub_type.clone()),
                nickname: Some(format!("{} Account", a.sub_type)),
                description: Some(format!("{} {} Account", Self::short(e), a.sub_type)),
                opening_date: Some(DateOrDateTime::Date(today() - Days::days(100))),
                maturity_date: None,
                account: vec![
                    AccountIdentifier {
                        scheme_name: Some(SchemeName::Iban),
                        identification: Some(a.iban.clone()),
                        name: Some(Self::short(e)),
                        secondary_identification: None,
                    },
                    AccountIdentifier {
                        scheme_name: Some(SchemeName::Bban),
                        identification: Some(a.iban[4..].to_owned()),
                        name: Some(Self::short(e)),
                        secondary_identification: None,
                    },
                ],
                servicer: Some(AccountIdentifier {
                    scheme_name: Some(SchemeName::Bicfi),
                    identification: Some("Lean Sandbox Bank".into()),
                    name: None,
                    secondary_identification: None,
                }),
                regional_data: None,
            })
            .collect()
    }

    fn money(cents: i64) -> Amount {
        Amount {
            currency: Currency::aed(),
            amount: Decimal::new(cents, 2),
        }
    }

    /// `data.balances[]`: every balance type, with credit lines.
    pub fn balances(&self, e: &EntityRec, a: &AccountRec) -> Vec<Balance> {
        let mut rng = Rng::new(mix(self.seed, a.index, 7));
        BalanceType::KNOWN
            .iter()
            .map(|t| Balance {
                entity_id: Some(e.id.clone()),
                account_id: Some(a.id.clone()),
                credit_debit_indicator: Some(CreditDebitIndicator::Credit),
                kind: Some(t.clone()),
                amount: Self::money((rng.next_u64() % 20_000_000) as i64),
                date_time: Some(ts(today())),
                credit_line: vec![CreditLine {
                    included: Some(false),
                    amount: Some(Self::money((rng.next_u64() % 100_000) as i64)),
                    kind: Some(CreditLineType::Available),
                }],
                regional_data: None,
            })
            .collect()
    }

    /// Day of transaction `i` of `n`: spread over the last year, ascending.
    fn tx_date(i: usize, n: usize) -> NaiveDate {
        let back = 364 - (i as i64 * 365) / (n.max(1) as i64);
        today() - Days::days(back.clamp(0, 364))
    }

    /// Transaction `i` of account `a` (0-based, ascending by booking date).
    pub fn transaction(&self, e: &EntityRec, a: &AccountRec, i: usize) -> Transaction {
        let mut rng = Rng::new(mix(self.seed, a.index, i as u64 + 100));
        let date = Self::tx_date(i, a.transactions);
        let salary = a.index % 9 == 1 && i.is_multiple_of(25);
        let (info, cents, indicator, merchant, tx_type) = if salary {
            (
                "Income: Salary from Lean Technologies".to_owned(),
                3_000_000,
                CreditDebitIndicator::Credit,
                None,
                TransactionType::LocalBankTransfer,
            )
        } else if rng.next_u64().is_multiple_of(10) {
            (
                "ATM CASH DEPOSIT".to_owned(),
                (rng.next_u64() % 500_000) as i64 + 100,
                CreditDebitIndicator::Credit,
                None,
                TransactionType::Atm,
            )
        } else {
            let m = MERCHANTS[(rng.next_u64() % MERCHANTS.len() as u64) as usize];
            (
                format!("POS-PURCHASE {}", m.0),
                (rng.next_u64() % 80_000) as i64 + 100,
                CreditDebitIndicator::Debit,
                Some(m),
                TransactionType::Pos,
            )
        };
        let amount = Self::money(cents);
        Transaction {
            entity_id: Some(e.id.clone()),
            account_id: Some(a.id.clone()),
            transaction_id: Some(uuid(&mut Rng::new(mix(
                self.seed,
                a.index,
                i as u64 + 1_000_000_007,
            )))),
            transaction_information: Some(info),
            transaction_reference: Some(format!("REF{:010}", rng.next_u64() % 10_000_000_000)),
            credit_debit_indicator: Some(indicator.clone()),
            amount: amount.clone(),
            transaction_mutability: Some(TransactionMutability::Immutable),
            booking_date_time: Some(ts(date)),
            value_date_time: Some(ts(date)),
            insights: None,
            balance: Some(TransactionBalance {
                kind: Some(BalanceType::PreviouslyClosedBooked),
                credit_debit_indicator: Some(indicator),
                amount: Some(amount),
            }),
            status: Some(TransactionStatus::Booked),
            statement_reference: vec![format!("ST{:06}", i)],
            index: Some((i % 50) as i64),
            charge_amount: None,
            bank_transaction_code: None,
            proprietary_bank_transaction_code: None,
            card_instrument: merchant.map(|_| CardInstrument {
                authorization_type: Some(AuthorizationType::Contactless),
                card_scheme_name: Some(CardSchemeName::Visa),
                identification: Some("4******1".into()),
                name: Some(e.holder.clone()),
            }),
            merchant_details: merchant.map(|m| MerchantDetails {
                merchant_category_code: Some(m.1.into()),
                merchant_name: Some(m.0.into()),
            }),
            currency_exchange: None,
            creditor_account: None,
            creditor_agent: None,
            debtor_account: None,
            debtor_agent: None,
            local_time_zone: Some("UTC+04:00".into()),
            transaction_type: Some(tx_type),
            sub_transaction_type: Some(if salary {
                SubTransactionType::Deposit
            } else {
                SubTransactionType::Purchase
            }),
            payment_modes: None,
            flags: None,
            regional_data: None,
        }
    }

    /// Indices of the transactions booked within `[start, end]` (dates ascend, so a range).
    pub fn transaction_range(
        &self,
        a: &AccountRec,
        start: Option<NaiveDate>,
        end: Option<NaiveDate>,
    ) -> std::ops::Range<usize> {
        let n = a.transactions;
        // Dates ascend with the index: binary search for the first index failing `keep`.
        let first_not = |keep: &dyn Fn(NaiveDate) -> bool| {
            let (mut lo, mut hi) = (0usize, n);
            while lo < hi {
                let mid = lo + (hi - lo) / 2;
                if keep(Self::tx_date(mid, n)) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            lo
        };
        let lo = start.map_or(0, |s| first_not(&|d| d < s));
        let hi = end.map_or(n, |e| first_not(&|d| d <= e));
        lo..hi.max(lo)
    }

    fn identity_of(&self, e: &EntityRec, role: Option<&str>) -> Identity {
        Identity {
            entity_id: Some(e.id.clone()),
            full_legal_name: Some(e.holder.clone()),
            name: Some(e.holder.clone()),
            national_id: Some("784-1990-1234567-1".into()),
            birth_date: Some(DateOrDateTime::Date(
                NaiveDate::from_ymd_opt(1990, 1, 22).unwrap_or_default(),
            )),
            gender: None,
            email_address: Some(format!(
                "{}@example.com",
                Self::short(e).replace(' ', ".").to_lowercase()
            )),
            legal_structure: None,
            phone: Some("0501234567".into()),
            mobile_number: Some("0501234567".into()),
            address: Some(lean_proto::model::data::IdentityAddress {
                address_line: Some("1201, Sheikh Zayed Road, Dubai, UAE".into()),
                address_type: Some("Residential".into()),
                building_type: None,
                apartment_or_villa_number: Some("1201".into()),
                building_name: Some("Sandbox Tower".into()),
                street: Some("Sheikh Zayed Road".into()),
                area: Some("Trade Centre".into()),
                street_address: None,
                post_code: None,
                town_name: Some("Dubai".into()),
                region: Some("Dubai".into()),
                po_box: Some("3779".into()),
                country: Some("AE".into()),
            }),
            account_role: role.map(str::to_owned),
            party_type: Some(
                if role.is_some() {
                    "SOLE"
                } else {
                    "UNSUPPORTED"
                }
                .into(),
            ),
            party_id: Some("53533".into()),
            party_number: Some("P-53533".into()),
            regional_data: None,
        }
    }

    /// `/identity`.
    pub fn identity(&self, e: &EntityRec) -> Vec<Identity> {
        vec![self.identity_of(e, None)]
    }

    /// `/accounts/{id}/identities`.
    pub fn account_identities(&self, e: &EntityRec) -> Vec<Identity> {
        vec![self.identity_of(e, Some("OWNER"))]
    }

    fn agent(bic: &str, name: &str) -> Agent {
        Agent {
            scheme_name: Some(SchemeName::Bicfi),
            identification: Some(bic.into()),
            name: Some(name.into()),
            postal_address: None,
        }
    }

    /// `/beneficiaries`.
    pub fn beneficiaries(&self, a: &AccountRec) -> Vec<Beneficiary> {
        (0..2)
            .map(|k| Beneficiary {
                account_id: Some(a.id.clone()),
                account_holder_name: Some(["Bobbi Hassan", "Mallie Omar"][k].into()),
                account_holder_short_name: None,
                beneficiary_id: Some(format!("{}", 196_784 + k)),
                beneficiary_type: Some("OTHER".into()),
                creditor_agent: Some(Self::agent("EBILAEAD", "Emirates NBD")),
                creditor_account: Some(AccountIdentifier {
                    scheme_name: Some(SchemeName::Iban),
                    identification: Some(format!("AE0702600010152{:08}", k)),
                    name: None,
                    secondary_identification: None,
                }),
                reference: Some("FAMILY".into()),
                supplementary_data: None,
                regional_data: None,
            })
            .collect()
    }

    /// `/direct-debits`.
    pub fn direct_debits(&self, a: &AccountRec) -> Vec<DirectDebit> {
        (0..2)
            .map(|k| DirectDebit {
                account_id: Some(a.id.clone()),
                direct_debit_id: Some(uuid(&mut Rng::new(mix(self.seed, a.index, 500 + k)))),
                status_code: Some(if k == 0 {
                    MandateStatus::Active
                } else {
                    MandateStatus::Inactive
                }),
                frequency: Some(["MONTHLY", "HALF_YEARLY"][k as usize].into()),
                mandate_identification: Some(format!("MANDATE{k}")),
                name: Some("DEWA".into()),
                previous_payment_date_time: Some(ts(today() - Days::days(30))),
                previous_payment_amount: Some(Self::money(35_181 + k as i64)),
                regional_data: None,
            })
            .collect()
    }

    /// `/scheduled-payments`.
    pub fn scheduled_payments(&self, a: &AccountRec) -> Vec<ScheduledPayment> {
        (0..2)
            .map(|k| ScheduledPayment {
                account_id: Some(a.id.clone()),
                scheduled_payment_id: Some(uuid(&mut Rng::new(mix(self.seed, a.index, 600 + k)))),
                scheduled_type: Some(if k == 0 {
                    ScheduledType::Arrival
                } else {
                    ScheduledType::Execution
                }),
                scheduled_payment_date_time: Some(ts(today() + Days::days(10 + k as i64))),
                debtor_reference: Some(format!("DEBT{k}")),
                reference: None,
                instructed_amount: Some(Self::money(53_662 + k as i64)),
                creditor_agent: Some(Self::agent("ADCBAEAA", "ADCB")),
                creditor_account: Some(AccountIdentifier {
                    scheme_name: Some(SchemeName::Iban),
                    identification: Some("AE360030000010012345678".into()),
                    name: None,
                    secondary_identification: None,
                }),
                regional_data: None,
            })
            .collect()
    }

    /// `/standing-orders`.
    pub fn standing_orders(&self, a: &AccountRec) -> Vec<StandingOrder> {
        (0..2)
            .map(|k| StandingOrder {
                account_id: Some(a.id.clone()),
                standing_order_id: Some(uuid(&mut Rng::new(mix(self.seed, a.index, 700 + k)))),
                standing_order_status_code: Some(if k == 0 {
                    MandateStatus::Active
                } else {
                    MandateStatus::Inactive
                }),
                first_payment_date_time: Some(ts(today() - Days::days(400))),
                last_payment_date_time: Some(ts(today() - Days::days(30))),
                next_payment_date_time: Some(ts(today() + Days::days(1))),
                final_payment_date_time: Some(ts(today() + Days::days(300))),
                frequency: Some(Frequency {
                    frequency_type: Some("OTHER".into()),
                    interval: Some(["IntervalDay:5", "EveryWorkingDay"][k as usize].into()),
                }),
                number_of_payments: Some(36 + k as i64),
                reference: None,
                standing_order_type: Some("LOCAL_BANK_TRANSFER".into()),
                purpose: Some("RENT".into()),
                first_payment_amount: Some(Self::money(1000)),
                last_payment_amount: Some(Self::money(1000)),
                next_payment_amount: Some(Self::money(1000)),
                final_payment_amount: Some(Self::money(1000)),
                creditor_agent: Some(Self::agent("FGBMAEAA", "FAB")),
                creditor_account: None,
                regional_data: None,
            })
            .collect()
    }

    /// An entity as `GET /customers/v1/{customer_id}/entities/{entity_id}` returns it.
    pub fn entity_object(&self, e: &EntityRec) -> Entity {
        let all = Permissions {
            identity: true,
            accounts: true,
            balance: true,
            transactions: true,
            identities: true,
            scheduled_payments: true,
            standing_orders: true,
            direct_debits: true,
            beneficiaries: true,
        };
        let salt = e.accounts.first().map_or(0, |a| a.index);
        Entity {
            id: e.id.clone(),
            customer_id: Some(e.customer_id.clone()),
            bank_identifier: Some(e.bank_identifier.clone()),
            permissions: Some(all.clone()),
            bank_type: Some("RETAIL".into()),
            status: None,
            created_at: Some(ts(e.created)),
            updated_at: None,
            consents: vec![Consent {
                id: Some(uuid(&mut Rng::new(mix(self.seed, 9, salt)))),
                bank_consent_id: Some(uuid(&mut Rng::new(mix(self.seed, 10, salt)))),
                bank_identifier: None,
                consent_type: None,
                consent_status: Some("ACTIVE".into()),
                standard_consent_status: None,
                permissions: Some(all.clone()),
                creation_date_time: Some(ts(e.created)),
                status_update_date_time: Some(ts(e.created)),
                expiration_date_time: Some(ts(today() + Days::days(265))),
                transaction_from_date_time: Some(ts(today() - Days::days(365))),
                transaction_to_date_time: Some(ts(today() + Days::days(265))),
                accounts: e
                    .accounts
                    .iter()
                    .map(|a| ConsentAccount {
                        scheme_name: Some("IBAN".into()),
                        identification: Some(a.iban.clone()),
                        name: None,
                        secondary_identification: None,
                    })
                    .collect(),
            }],
        }
    }

    fn all_transactions<'a>(&'a self, e: &'a EntityRec) -> impl Iterator<Item = Transaction> + 'a {
        e.accounts
            .iter()
            .flat_map(move |a| (0..a.transactions).map(move |i| self.transaction(e, a, i)))
    }

    /// `POST /insights/v2/income`, computed from the transactions.
    pub fn income(&self, e: &EntityRec) -> Income {
        let mut salary = Vec::new();
        let mut other = Vec::new();
        for t in self
            .all_transactions(e)
            .filter(|t| t.credit_debit_indicator == Some(CreditDebitIndicator::Credit))
        {
            let it = IncomeTransaction {
                account_id: t.account_id.clone(),
                transaction_id: t.transaction_id.clone(),
                transaction_information: t.transaction_information.clone(),
                booking_date_time: t.booking_date_time,
                amount: Some(t.amount.amount),
                income_source: None,
            };
            if t.transaction_information
                .as_deref()
                .is_some_and(|s| s.contains("Salary"))
            {
                salary.push(it);
            } else {
                other.push(IncomeTransaction {
                    income_source: Some(IncomeSource {
                        kind: Some("CASH_DEPOSIT".into()),
                        name: None,
                    }),
                    ..it
                });
            }
        }
        Income {
            salary: Some(Self::stream(salary)),
            non_salary: Some(Self::stream(other)),
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
            .map(|((y, m), (amount, count))| MonthlyTotal {
                month: m as u8,
                year: y,
                amount: Some(amount),
                count: Some(count),
                is_month_complete: Some((y, m) != (today().year(), today().month())),
                breakdown: Vec::new(),
            })
            .collect()
    }

    fn total(items: &[(NaiveDate, Decimal)], monthly: &[MonthlyTotal]) -> InsightTotal {
        let amount: Decimal = items.iter().map(|(_, a)| *a).sum();
        let months = Decimal::from(monthly.len().max(1) as u64);
        let max = monthly.iter().max_by_key(|m| m.amount);
        let min = monthly.iter().min_by_key(|m| m.amount);
        let ma = |m: Option<&MonthlyTotal>| {
            m.map(|m| MonthAmount {
                month: m.month,
                year: m.year,
                amount: m.amount,
            })
        };
        InsightTotal {
            amount: Some(amount),
            count: Some(items.len() as u64),
            first_date_time: items.first().map(|(d, _)| ts(*d)),
            last_date_time: items.last().map(|(d, _)| ts(*d)),
            average_monthly_amount: Some((amount / months).round_dp(2)),
            average_monthly_count: Some((Decimal::from(items.len() as u64) / months).round_dp(2)),
            average_monthly_received_value: None,
            maximum_monthly_amount: ma(max),
            minimum_monthly_amount: ma(min),
            breakdown: Vec::new(),
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
        IncomeStream {
            currency: Some(Currency::aed()),
            total: Some(Self::total(&items, &monthly)),
            monthly_totals: monthly,
            transactions: txs,
            income_factors: Some(factors),
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
                IncomePeriod {
                    period: Some(format!("P{n}M")),
                    income_variation: Some(if mean.is_zero() {
                        Decimal::ZERO
                    } else {
                        ((hi - lo) / mean).round_dp(4)
                    }),
                    average_income: Some(Amount {
                        currency: Currency::aed(),
                        amount: mean.round_dp(2),
                    }),
                }
            })
            .collect();
        let changes: Vec<Decimal> = complete
            .windows(2)
            .filter(|w| !w[0].is_zero())
            .map(|w| (w[1] - w[0]) / w[0])
            .collect();
        IncomeFactors {
            periods,
            delta_min_max: Some(
                complete.iter().max().copied().unwrap_or_default()
                    - complete.iter().min().copied().unwrap_or_default(),
            ),
            average_monthly_income_change: Some(if changes.is_empty() {
                Decimal::ZERO
            } else {
                (changes.iter().sum::<Decimal>() / Decimal::from(changes.len() as u64)).round_dp(4)
            }),
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
        total.breakdown = vec![Breakdown {
            by: Some("category".into()),
            breakdowns: by_cat
                .into_iter()
                .map(|(category, (amount, count))| CategoryBreakdown {
                    category: Some(category),
                    amount: Some(amount),
                    count: Some(count),
                    fraction_of_total_expenses: Some(if all.is_zero() {
                        Decimal::ZERO
                    } else {
                        (amount / all).round_dp(2)
                    }),
                    average_days_between_transactions: None,
                    first_date_time: None,
                    last_date_time: None,
                    average_monthly_amount: None,
                    average_monthly_count: None,
                    maximum_monthly_amount: None,
                    minimum_monthly_amount: None,
                })
                .collect(),
        }];
        Expenses {
            currency: Some(Currency::aed()),
            total: Some(total),
            monthly_totals: monthly,
        }
    }

    /// Every transaction of the entity as (date, signed amount: credits positive).
    fn flows(&self, e: &EntityRec) -> Vec<(NaiveDate, Decimal)> {
        let mut v: Vec<(NaiveDate, Decimal)> = self
            .all_transactions(e)
            .map(|t| {
                let d = t.booking_date_time.map(|b| b.date()).unwrap_or_else(today);
                let signed = if t.credit_debit_indicator == Some(CreditDebitIndicator::Credit) {
                    t.amount.amount
                } else {
                    -t.amount.amount
                };
                (d, signed)
            })
            .collect();
        v.sort_by_key(|(d, _)| *d);
        v
    }

    fn aed(amount: Decimal) -> Option<Amount> {
        Some(Amount {
            currency: Currency::aed(),
            amount: amount.round_dp(2),
        })
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
        let flow = |category: &str, amount: Decimal, count| CategoryFlow {
            category: Some(category.into()),
            amount: Self::aed(amount),
            count: Some(count),
        };
        Flows {
            month: month.map(|(_, m)| m as u8),
            year: month.map(|(y, _)| y),
            is_month_complete: month.map(|(y, m)| (y, m) != (today().year(), today().month())),
            inwards: vec![flow("inflow", inflow, n_in)],
            outwards: vec![flow("outflow", outflow, n_out)],
            net: Some(NetFlow {
                overall_amount: Self::aed(inflow - outflow),
                net_cashflow: None,
            }),
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
            behaviour.push(CreditDebitPeriod {
                period: period.clone(),
                grand_average_credit_amount: Self::aed(credit / span),
                grand_average_credit_count: Some((Decimal::from(n_credit) / span).round_dp(2)),
                grand_average_debit_amount: Self::aed(debit / span),
                grand_average_debit_count: Some((Decimal::from(n_debit) / span).round_dp(2)),
                grand_average_credit_debit_amount_ratio: Self::ratio(credit, debit),
                grand_average_credit_debit_count_ratio: Self::ratio(
                    Decimal::from(n_credit),
                    Decimal::from(n_debit),
                ),
                total_volume_of_credit: Self::aed(credit),
                total_volume_of_debit: Self::aed(debit),
                total_volume_of_credit_debit_ratio: Self::ratio(credit, debit),
            });
            big.push(BigPaymentsPeriod {
                period,
                average_max_monthly_credit_amount: Self::aed(max_credit / span),
                average_max_monthly_debit_amount: Self::aed(max_debit / span),
                average_max_monthly_credit_debit_amount_ratio: Self::ratio(max_credit, max_debit),
            });
        }
        Cashflows {
            total: Some(Self::flows_of(&items, None)),
            monthly_totals,
            credit_debit_behaviour: Some(Periods { periods: behaviour }),
            big_payments: Some(Periods { periods: big }),
        }
    }

    /// `GET /insights/v2/assets/balances` (KSA): the current account's balance at the end of
    /// each month, worked back from today's balance through the transactions.
    pub fn cash_balances(&self, e: &EntityRec) -> serde_json::Value {
        let accounts: Vec<serde_json::Value> = e
            .accounts
            .iter()
            .filter(|a| matches!(a.sub_type.as_str(), "CURRENT" | "SAVINGS"))
            .map(|a| {
                let current = self.balances(e, a)[0].amount.amount;
                let mut items: Vec<(NaiveDate, Decimal)> = (0..a.transactions)
                    .map(|i| {
                        let t = self.transaction(e, a, i);
                        let d = t.booking_date_time.map(|b| b.date()).unwrap_or_else(today);
                        let signed =
                            if t.credit_debit_indicator == Some(CreditDebitIndicator::Credit) {
                                t.amount.amount
                            } else {
                                -t.amount.amount
                            };
                        (d, signed)
                    })
                    .collect();
                items.sort_by_key(|(d, _)| *d);
                let months = Self::by_month(&items);
                // Walk back from today: a month's closing balance is the next month's opening.
                let mut closing = current;
                let mut rows = Vec::new();
                for ((y, m), v) in months.iter().rev() {
                    let net: Decimal = v.iter().map(|(_, a)| *a).sum();
                    let opening = closing - net;
                    let (mut low, mut high, mut running) = (opening, opening, opening);
                    for (_, a) in v {
                        running += *a;
                        low = low.min(running);
                        high = high.max(running);
                    }
                    rows.push(serde_json::json!({
                        "month": m, "year": y,
                        "opening_balance": opening.round_dp(2).to_string(),
                        "closing_balance": closing.round_dp(2).to_string(),
                        "minimum_balance": low.round_dp(2).to_string(),
                        "maximum_balance": high.round_dp(2).to_string(),
                        "is_month_complete": (*y, *m) != (today().year(), today().month()),
                    }));
                    closing = opening;
                }
                rows.reverse();
                let mean = if rows.is_empty() {
                    current
                } else {
                    rows.iter()
                        .filter_map(|r| r["closing_balance"].as_str()?.parse::<Decimal>().ok())
                        .sum::<Decimal>()
                        / Decimal::from(rows.len() as u64)
                };
                serde_json::json!({
                    "account_id": a.id.to_string(),
                    "account_sub_type": a.sub_type.as_str(),
                    "currency": "SAR",
                    "current_balance": current.round_dp(2).to_string(),
                    "average_monthly_closing_balance": mean.round_dp(2).to_string(),
                    "monthly_balances": rows,
                })
            })
            .collect();
        serde_json::json!({ "entity_id": e.id.to_string(), "accounts": accounts })
    }

    /// `GET /insights/v2/liabilities/credit-obligations` (KSA): the entity's credit
    /// products (cards, loans, mortgage) with their outstanding balance and what was paid
    /// into them each month.
    pub fn credit_obligations(&self, e: &EntityRec) -> serde_json::Value {
        let obligations: Vec<serde_json::Value> = e
            .accounts
            .iter()
            .filter(|a| {
                matches!(
                    a.sub_type.as_str(),
                    "CREDIT" | "MORTGAGE" | "PERSONAL_LOAN" | "CHARGE_CARD"
                )
            })
            .map(|a| {
                let outstanding = self.balances(e, a)[0].amount.amount;
                let payments: Vec<(NaiveDate, Decimal)> = (0..a.transactions)
                    .map(|i| self.transaction(e, a, i))
                    .filter(|t| t.credit_debit_indicator == Some(CreditDebitIndicator::Credit))
                    .map(|t| {
                        (
                            t.booking_date_time
                                .map(|b| b.date())
                                .unwrap_or_else(today),
                            t.amount.amount,
                        )
                    })
                    .collect();
                let monthly: Vec<serde_json::Value> = Self::monthly(payments.iter().copied())
                    .into_iter()
                    .map(|m| serde_json::json!({"month": m.month, "year": m.year, "amount": m.amount.unwrap_or_default().to_string()}))
                    .collect();
                serde_json::json!({
                    "account_id": a.id.to_string(),
                    "obligation_type": a.sub_type.as_str(),
                    "currency": "SAR",
                    "outstanding_balance": outstanding.round_dp(2).to_string(),
                    "monthly_payments": monthly,
                })
            })
            .collect();
        serde_json::json!({ "entity_id": e.id.to_string(), "obligations": obligations })
    }

    /// `GET /insights/v2/liabilities/non-credit-obligations` (KSA): recurring payments that
    /// are not credit (rent and services), per merchant, months by name as Lean writes them.
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
        let obligations: Vec<serde_json::Value> = by
            .into_iter()
            .map(|(merchant, mut items)| {
                items.sort_by_key(|(d, _)| *d);
                let monthly: Vec<serde_json::Value> = Self::monthly(items.iter().copied())
                    .into_iter()
                    .map(|m| {
                        let name = NaiveDate::from_ymd_opt(m.year, u32::from(m.month), 1)
                            .map(|d| d.format("%B").to_string())
                            .unwrap_or_default();
                        serde_json::json!({"month": name, "year": m.year, "amount": m.amount.unwrap_or_default().to_string(), "count": m.count})
                    })
                    .collect();
                serde_json::json!({
                    "category": "RENT_AND_SERVICES",
                    "merchant_name": merchant,
                    "currency": "SAR",
                    "monthly_amounts": monthly,
                })
            })
            .collect();
        serde_json::json!({ "entity_id": e.id.to_string(), "obligations": obligations })
    }

    /// `GET /insights/v2/income/employment` (KSA): the employer and salary seen in the
    /// salary credits.
    pub fn employment(&self, e: &EntityRec) -> serde_json::Value {
        let salary = self.income(e).salary;
        let txs = salary
            .as_ref()
            .map(|s| s.transactions.as_slice())
            .unwrap_or(&[]);
        let months = salary.as_ref().map_or(0, |s| s.monthly_totals.len());
        let average = salary
            .as_ref()
            .and_then(|s| s.total.as_ref())
            .and_then(|t| t.average_monthly_amount)
            .unwrap_or_default();
        let employer = txs
            .first()
            .and_then(|t| t.transaction_information.as_deref())
            .map(|s| s.trim_start_matches("Salary").trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "Unknown employer".into());
        serde_json::json!({
            "entity_id": e.id.to_string(),
            "employment_status": if txs.is_empty() { "NOT_EMPLOYED" } else { "EMPLOYED" },
            "employer_name": employer,
            "currency": "SAR",
            "average_monthly_salary": average.to_string(),
            "months_with_salary": months,
            "first_salary_date": txs.first().and_then(|t| t.booking_date_time).map(|t| t.date().to_string()),
            "last_salary_date": txs.last().and_then(|t| t.booking_date_time).map(|t| t.date().to_string()),
        })
    }

    /// Freelancer cashflow insights (KSA): business inflows (every credit but salary) and
    /// outflows per month and over the last 3, 6 and 12 months.
    pub fn freelancer_cashflow(&self, e: &EntityRec) -> serde_json::Value {
        let items: Vec<(NaiveDate, Decimal)> = self
            .all_transactions(e)
            .filter(|t| {
                !t.transaction_information
                    .as_deref()
                    .is_some_and(|s| s.contains("Salary"))
            })
            .map(|t| {
                let d = t.booking_date_time.map(|b| b.date()).unwrap_or_else(today);
                let signed = if t.credit_debit_indicator == Some(CreditDebitIndicator::Credit) {
                    t.amount.amount
                } else {
                    -t.amount.amount
                };
                (d, signed)
            })
            .collect();
        let months = Self::by_month(&items);
        let row = |v: &[(NaiveDate, Decimal)]| {
            let inflow: Decimal = v
                .iter()
                .filter(|(_, a)| a.is_sign_positive())
                .map(|(_, a)| *a)
                .sum();
            let outflow: Decimal = -v
                .iter()
                .filter(|(_, a)| a.is_sign_negative())
                .map(|(_, a)| *a)
                .sum::<Decimal>();
            (inflow, outflow)
        };
        let monthly: Vec<serde_json::Value> = months
            .iter()
            .map(|((y, m), v)| {
                let (i, o) = row(v);
                serde_json::json!({"month": m, "year": y, "inflow": i.to_string(), "outflow": o.to_string(), "net": (i - o).to_string()})
            })
            .collect();
        let keys: Vec<_> = months.keys().copied().collect();
        let periods: Vec<serde_json::Value> = [3usize, 6, 12]
            .iter()
            .map(|&n| {
                let last = &keys[keys.len().saturating_sub(n)..];
                let all: Vec<(NaiveDate, Decimal)> =
                    last.iter().flat_map(|k| months[k].iter().copied()).collect();
                let (i, o) = row(&all);
                let span = Decimal::from(last.len().max(1) as u64);
                serde_json::json!({"period": format!("P{n}M"), "average_monthly_inflow": (i / span).round_dp(2).to_string(), "average_monthly_outflow": (o / span).round_dp(2).to_string(), "net": (i - o).to_string()})
            })
            .collect();
        serde_json::json!({
            "entity_id": e.id.to_string(),
            "currency": "SAR",
            "monthly_totals": monthly,
            "periods": periods,
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
