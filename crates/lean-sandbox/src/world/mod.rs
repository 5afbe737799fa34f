//! The emulator's bank data, generated deterministically from a seed.
//!
//! Customers, entities (with permissions and consents), accounts of every sub-type, balances,
//! transactions, identities, beneficiaries, direct debits, scheduled and standing orders, and
//! insights computed from the transactions. Transactions are not stored: transaction `i` of an
//! account is a pure function of (seed, account, i), so an account can have 100,000 of them
//! at no memory cost and any page is computed directly.
//!
//! Insights (income, expenses, cashflows, the KSA insights, name verification) are computed
//! from the same data in the `insights` module.

mod insights;
mod insights_ksa;

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

pub(crate) fn ts(date: NaiveDate) -> Timestamp {
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
    /// Insights read only transactions booked on or after this day (the request's
    /// `start_date`); `None`, all of them.
    pub since: Option<NaiveDate>,
}

impl EntityRec {
    /// The same entity, its insights computed from `start_date` on.
    pub fn since(&self, start_date: NaiveDate) -> EntityRec {
        EntityRec {
            since: Some(start_date),
            ..self.clone()
        }
    }

    /// Whether a transaction booked on `day` is inside the insights' window.
    pub fn in_window(&self, day: NaiveDate) -> bool {
        self.since.is_none_or(|since| day >= since)
    }
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
pub(crate) const MERCHANTS: [(&str, &str, &str); 6] = [
    ("Carrefour", "CC5411", "GROCERIES"),
    ("Emaar", "CC6513", "RENT_AND_SERVICES"),
    ("Etisalat", "CC4814", "RENT_AND_SERVICES"),
    ("Talabat", "CC5812", "RETAIL"),
    ("Emirates", "CC4511", "TRAVEL"),
    ("Noon", "CC5399", "RETAIL"),
];

impl World {
    /// `entities` customers (at least 1) with one entity each; the first account of each
    /// entity has `transactions` transactions.
    pub fn generate(seed: u64, transactions: usize, entities: usize) -> World {
        let mut rng = Rng::new(seed);
        let mut customers = Vec::new();
        let count = entities.max(1);
        let mut entities = Vec::new();
        for c in 0..count {
            let customer_id = CustomerId::parse(&uuid(&mut rng)).unwrap_or_else(|_| unreachable!());
            customers.push({
                let mut v = Customer::default();
                v.customer_id = customer_id.clone();
                v.app_user_id = Some(format!("sandbox_user_{}", c + 1));
                v
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
            since: None,
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
            .map(|a| {
                let mut v = Account::default();
                v.entity_id = Some(e.id.clone());
                v.account_id = a.id.clone();
                v.account_holder_name = Some(e.holder.clone());
                v.account_holder_short_name = Some(Self::short(e));
                v.status = Some(AccountStatus::Enabled);
                v.status_update_date_time = Some(ts(today() - Days::days(100)));
                v.currency = Some(Currency::aed());
                v.account_type = Some(AccountType::Personal);
                v.account_sub_type = Some(a.sub_type.clone());
                v.nickname = Some(format!("{} Account", a.sub_type));
                v.description = Some(format!("{} {} Account", Self::short(e), a.sub_type));
                v.opening_date = Some(DateOrDateTime::Date(today() - Days::days(100)));
                v.maturity_date = None;
                v.account = vec![
                    {
                        let mut v = AccountIdentifier::default();
                        v.scheme_name = Some(SchemeName::Iban);
                        v.identification = Some(a.iban.clone());
                        v.name = Some(Self::short(e));
                        v.secondary_identification = None;
                        v
                    },
                    {
                        let mut v = AccountIdentifier::default();
                        v.scheme_name = Some(SchemeName::Bban);
                        v.identification = Some(a.iban[4..].to_owned());
                        v.name = Some(Self::short(e));
                        v.secondary_identification = None;
                        v
                    },
                ];
                v.servicer = Some({
                    let mut v = AccountIdentifier::default();
                    v.scheme_name = Some(SchemeName::Bicfi);
                    v.identification = Some("Lean Sandbox Bank".into());
                    v.name = None;
                    v.secondary_identification = None;
                    v
                });
                v.regional_data = None;
                v
            })
            .collect()
    }

    fn money(cents: i64) -> Amount {
        Amount::new(Currency::aed(), Decimal::new(cents, 2))
    }

    /// `data.balances[]`: every balance type, with credit lines.
    pub fn balances(&self, e: &EntityRec, a: &AccountRec) -> Vec<Balance> {
        let mut rng = Rng::new(mix(self.seed, a.index, 7));
        BalanceType::KNOWN
            .iter()
            .map(|t| {
                let mut v = Balance::default();
                v.entity_id = Some(e.id.clone());
                v.account_id = Some(a.id.clone());
                v.credit_debit_indicator = Some(CreditDebitIndicator::Credit);
                v.kind = Some(t.clone());
                v.amount = Self::money((rng.next_u64() % 20_000_000) as i64);
                v.date_time = Some(ts(today()));
                v.credit_line = vec![{
                    let mut v = CreditLine::default();
                    v.included = Some(false);
                    v.amount = Some(Self::money((rng.next_u64() % 100_000) as i64));
                    v.kind = Some(CreditLineType::Available);
                    v
                }];
                v.regional_data = None;
                v
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
        {
            let mut v = Transaction::default();
            v.entity_id = Some(e.id.clone());
            v.account_id = Some(a.id.clone());
            v.transaction_id = Some(uuid(&mut Rng::new(mix(
                self.seed,
                a.index,
                i as u64 + 1_000_000_007,
            ))));
            v.transaction_information = Some(info);
            v.transaction_reference = Some(format!("REF{:010}", rng.next_u64() % 10_000_000_000));
            v.credit_debit_indicator = Some(indicator.clone());
            v.amount = amount.clone();
            v.transaction_mutability = Some(TransactionMutability::Immutable);
            v.booking_date_time = Some(ts(date));
            v.value_date_time = Some(ts(date));
            v.insights = None;
            v.balance = Some({
                let mut v = TransactionBalance::default();
                v.kind = Some(BalanceType::PreviouslyClosedBooked);
                v.credit_debit_indicator = Some(indicator);
                v.amount = Some(amount);
                v
            });
            v.status = Some(TransactionStatus::Booked);
            v.statement_reference = vec![format!("ST{:06}", i)];
            v.index = Some((i % 50) as i64);
            // Lean's recordings carry a fee and both transaction codes on every transaction.
            v.charge_amount = Some({
                let mut c = lean_proto::model::data::ChargeAmount::default();
                c.amount = Self::money((rng.next_u64() % 90) as i64 + 10).amount;
                c.currency = v.amount.currency.clone();
                c.charge_included = Some(false);
                c
            });
            let (code, sub_code) = match tx_type {
                TransactionType::Pos => ("CCRD", "POSD"),
                TransactionType::Atm => ("CAMT", "CDPT"),
                _ => ("RCDT", "SALA"),
            };
            v.bank_transaction_code = Some({
                let mut c = lean_proto::model::data::BankTransactionCode::default();
                c.code = Some(code.into());
                c.sub_code = Some(sub_code.into());
                c
            });
            v.proprietary_bank_transaction_code = Some({
                let mut c = lean_proto::model::data::ProprietaryBankTransactionCode::default();
                c.code = Some(format!("{code}{:04}", rng.next_u64() % 10_000));
                c.issuer = Some(e.bank_identifier.clone());
                c
            });
            v.card_instrument = merchant.map(|_| {
                let mut v = CardInstrument::default();
                v.authorization_type = Some(AuthorizationType::Contactless);
                v.card_scheme_name = Some(CardSchemeName::Visa);
                v.identification = Some("4******1".into());
                v.name = Some(e.holder.clone());
                v
            });
            v.merchant_details = merchant.map(|m| {
                let mut v = MerchantDetails::default();
                v.merchant_category_code = Some(m.1.into());
                v.merchant_name = Some(m.0.into());
                v
            });
            // One purchase in seven abroad: paid in dollars, booked in dirhams.
            v.currency_exchange = (merchant.is_some() && i % 7 == 3).then(|| {
                let mut x = lean_proto::model::data::CurrencyExchange::default();
                x.source_currency = Some(Currency::new("USD"));
                x.target_currency = Some(v.amount.currency.clone());
                x.unit_currency = Some(Currency::new("USD"));
                x.exchange_rate = Some(Decimal::new(36725, 4));
                x.instructed_amount = Some(Self::money(cents * 10_000 / 36_725));
                Box::new(x)
            });
            // A salary is a transfer: Lean names both accounts and both banks.
            let party = |name: &str, scheme: SchemeName, id: &str| {
                let mut p = AccountIdentifier::default();
                p.scheme_name = Some(scheme);
                p.identification = Some(id.into());
                p.name = Some(name.into());
                Box::new(p)
            };
            let bank = |id: &str| {
                let mut b = Agent::default();
                b.identification = Some(id.into());
                Box::new(b)
            };
            if salary {
                let own = format!("{} {} Account", e.holder, a.sub_type.as_str());
                v.creditor_account = Some(party(&own, SchemeName::Iban, &a.iban));
                v.creditor_agent = Some(bank(&e.bank_identifier));
                v.debtor_account = Some(party(
                    "Lean Technologies",
                    SchemeName::AccountNumber,
                    "1019876543210",
                ));
                v.debtor_agent = Some(bank("Mashreq"));
            }
            v.local_time_zone = Some("UTC+04:00".into());
            v.transaction_type = Some(tx_type);
            v.sub_transaction_type = Some(if salary {
                SubTransactionType::Deposit
            } else {
                SubTransactionType::Purchase
            });
            v.payment_modes = None;
            v.flags = serde_json::value::RawValue::from_string("[]".into()).ok();
            v.regional_data = None;
            v
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
        {
            let mut v = Identity::default();
            v.entity_id = Some(e.id.clone());
            v.full_legal_name = Some(e.holder.clone());
            v.name = Some(e.holder.clone());
            v.national_id = Some("784-1990-1234567-1".into());
            v.birth_date = Some(DateOrDateTime::Date(
                NaiveDate::from_ymd_opt(1990, 1, 22).unwrap_or_default(),
            ));
            v.gender = Some("M".into());
            v.email_address = Some(format!(
                "{}@example.com",
                Self::short(e).replace(' ', ".").to_lowercase()
            ));
            v.legal_structure = None;
            v.phone = Some("0501234567".into());
            v.mobile_number = Some("0501234567".into());
            v.address = Some({
                let mut v = lean_proto::model::data::IdentityAddress::default();
                v.address_line = Some("1201, Sheikh Zayed Road, Dubai, UAE".into());
                v.address_type = Some("Residential".into());
                v.building_type = None;
                v.apartment_or_villa_number = Some("1201".into());
                v.building_name = Some("Sandbox Tower".into());
                v.street = Some("Sheikh Zayed Road".into());
                v.area = Some("Trade Centre".into());
                v.street_address = Some("Sheikh Zayed Road".into());
                v.post_code = Some("00000".into());
                v.town_name = Some("Dubai".into());
                v.region = Some("Dubai".into());
                v.po_box = Some("3779".into());
                v.country = Some("AE".into());
                v
            });
            v.account_role = role.map(str::to_owned);
            v.party_type = Some(
                if role.is_some() {
                    "SOLE"
                } else {
                    "UNSUPPORTED"
                }
                .into(),
            );
            v.party_id = Some("53533".into());
            v.party_number = Some("P-53533".into());
            v.regional_data = None;
            v
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

    /// A bank as payments name it: by BIC only (scheduled payments, standing orders), or with
    /// its name and address too (beneficiaries), as Lean's recordings show each.
    fn agent(bic: &str, named: Option<(&str, &str)>) -> Agent {
        let mut v = Agent::default();
        v.scheme_name = Some(SchemeName::Bicfi);
        v.identification = Some(bic.into());
        if let Some((name, town)) = named {
            v.name = Some(name.into());
            v.postal_address = Some({
                let mut a = lean_proto::model::data::PostalAddress::default();
                a.address_line = Some(format!("P.O. Box 777, {town}"));
                a.address_type = Some("BUSINESS".into());
                a.building_number = Some("777".into());
                a.country = Some("United Arab Emirates".into());
                a.post_code = Some("00000".into());
                a.town_name = Some(town.into());
                a
            });
        }
        v
    }

    /// `/beneficiaries`.
    pub fn beneficiaries(&self, a: &AccountRec) -> Vec<Beneficiary> {
        (0..2)
            .map(|k| {
                let mut v = Beneficiary::default();
                v.account_id = Some(a.id.clone());
                v.account_holder_name = Some(["Bobbi Hassan", "Mallie Omar"][k].into());
                v.account_holder_short_name = Some(["Bobbi", "Mallie"][k].into());
                v.beneficiary_id = Some(format!("{}", 196_784 + k));
                v.beneficiary_type = Some("OTHER".into());
                v.creditor_agent = Some(Self::agent("EBILAEAD", Some(("Emirates NBD", "Dubai"))));
                v.creditor_account = Some({
                    let mut v = AccountIdentifier::default();
                    v.scheme_name = Some(SchemeName::Iban);
                    v.identification = Some(format!("AE0702600010152{:08}", k));
                    v.name = Some(["Bobbi", "Mallie"][k].into());
                    v.secondary_identification = None;
                    v
                });
                v.reference = Some("FAMILY".into());
                v.supplementary_data = None;
                v.regional_data = None;
                v
            })
            .collect()
    }

    /// `/direct-debits`.
    pub fn direct_debits(&self, a: &AccountRec) -> Vec<DirectDebit> {
        (0..2)
            .map(|k| {
                let mut v = DirectDebit::default();
                v.account_id = Some(a.id.clone());
                v.direct_debit_id = Some(uuid(&mut Rng::new(mix(self.seed, a.index, 500 + k))));
                v.status_code = Some(if k == 0 {
                    MandateStatus::Active
                } else {
                    MandateStatus::Inactive
                });
                v.frequency = Some(["MONTHLY", "HALF_YEARLY"][k as usize].into());
                v.mandate_identification = Some(format!("MANDATE{k}"));
                v.name = Some("DEWA".into());
                v.previous_payment_date_time = Some(ts(today() - Days::days(30)));
                v.previous_payment_amount = Some(Self::money(35_181 + k as i64));
                v.regional_data = None;
                v
            })
            .collect()
    }

    /// `/scheduled-payments`.
    pub fn scheduled_payments(&self, a: &AccountRec) -> Vec<ScheduledPayment> {
        (0..2)
            .map(|k| {
                let mut v = ScheduledPayment::default();
                v.account_id = Some(a.id.clone());
                v.scheduled_payment_id =
                    Some(uuid(&mut Rng::new(mix(self.seed, a.index, 600 + k))));
                v.scheduled_type = Some(if k == 0 {
                    ScheduledType::Arrival
                } else {
                    ScheduledType::Execution
                });
                v.scheduled_payment_date_time = Some(ts(today() + Days::days(10 + k as i64)));
                v.debtor_reference = Some(format!("DEBT{k}"));
                v.reference = None;
                v.instructed_amount = Some(Self::money(53_662 + k as i64));
                v.creditor_agent = Some(Self::agent("ADCBAEAA", None));
                v.creditor_account = Some({
                    let mut v = AccountIdentifier::default();
                    v.scheme_name = Some(SchemeName::Iban);
                    v.identification = Some("AE360030000010012345678".into());
                    v.name = None;
                    v.secondary_identification = None;
                    v
                });
                v.regional_data = None;
                v
            })
            .collect()
    }

    /// `/standing-orders`.
    pub fn standing_orders(&self, a: &AccountRec) -> Vec<StandingOrder> {
        (0..2)
            .map(|k| {
                let mut v = StandingOrder::default();
                v.account_id = Some(a.id.clone());
                v.standing_order_id = Some(uuid(&mut Rng::new(mix(self.seed, a.index, 700 + k))));
                v.standing_order_status_code = Some(if k == 0 {
                    MandateStatus::Active
                } else {
                    MandateStatus::Inactive
                });
                v.first_payment_date_time = Some(ts(today() - Days::days(400)));
                v.last_payment_date_time = Some(ts(today() - Days::days(30)));
                v.next_payment_date_time = Some(ts(today() + Days::days(1)));
                v.final_payment_date_time = Some(ts(today() + Days::days(300)));
                v.frequency = Some({
                    let mut v = Frequency::default();
                    v.frequency_type = Some("OTHER".into());
                    v.interval = Some(["IntervalDay:5", "EveryWorkingDay"][k as usize].into());
                    v
                });
                v.number_of_payments = Some(36 + k as i64);
                v.reference = None;
                v.standing_order_type = Some("LOCAL_BANK_TRANSFER".into());
                v.purpose = Some("RENT".into());
                v.first_payment_amount = Some(Self::money(1000));
                v.last_payment_amount = Some(Self::money(1000));
                v.next_payment_amount = Some(Self::money(1000));
                v.final_payment_amount = Some(Self::money(1000));
                v.creditor_agent = Some(Self::agent("FGBMAEAA", None));
                v.creditor_account = None;
                v.regional_data = None;
                v
            })
            .collect()
    }

    /// An entity as `GET /customers/v1/{customer_id}/entities/{entity_id}` returns it.
    pub fn entity_object(&self, e: &EntityRec) -> Entity {
        let all = {
            let mut v = Permissions::default();
            v.identity = true;
            v.accounts = true;
            v.balance = true;
            v.transactions = true;
            v.identities = true;
            v.scheduled_payments = true;
            v.standing_orders = true;
            v.direct_debits = true;
            v.beneficiaries = true;
            v
        };
        let salt = e.accounts.first().map_or(0, |a| a.index);
        {
            let mut v = Entity::default();
            v.id = e.id.clone();
            v.customer_id = Some(e.customer_id.clone());
            v.bank_identifier = Some(e.bank_identifier.clone());
            v.permissions = Some(all.clone());
            v.bank_type = Some("RETAIL".into());
            v.status = None;
            v.created_at = Some(ts(e.created));
            v.updated_at = None;
            v.consents = vec![{
                let mut v = Consent::default();
                v.id = Some(uuid(&mut Rng::new(mix(self.seed, 9, salt))));
                v.bank_consent_id = Some(uuid(&mut Rng::new(mix(self.seed, 10, salt))));
                v.bank_identifier = None;
                v.consent_type = None;
                v.consent_status = Some("ACTIVE".into());
                v.standard_consent_status = None;
                v.permissions = Some(all.clone());
                v.creation_date_time = Some(ts(e.created));
                v.status_update_date_time = Some(ts(e.created));
                v.expiration_date_time = Some(ts(today() + Days::days(265)));
                v.transaction_from_date_time = Some(ts(today() - Days::days(365)));
                v.transaction_to_date_time = Some(ts(today() + Days::days(265)));
                v.accounts = e
                    .accounts
                    .iter()
                    .map(|a| {
                        let mut v = ConsentAccount::default();
                        v.scheme_name = Some("IBAN".into());
                        v.identification = Some(a.iban.clone());
                        v.name = Some(format!("{} {} Account", e.holder, a.sub_type.as_str()));
                        v.secondary_identification = None;
                        v
                    })
                    .collect();
                v
            }];
            v
        }
    }
}
