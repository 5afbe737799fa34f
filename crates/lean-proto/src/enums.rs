//! Closed-looking sets of strings from Lean, each with a catch-all.
//!
//! Lean adds values without notice (its KSA docs even say any enum may come back as
//! `UNSUPPORTED`), so every set here is an enum with an `Unknown(String)` variant that keeps the
//! exact text. Decoding never fails on a new value; matching on the known ones stays easy.

/// Declares a string enum with an `Unknown(String)` catch-all, serde both ways, `as_str`,
/// `Display` and `From<&str>`.
macro_rules! lean_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vdoc])* #[doc = concat!("`", $text, "`")] $variant,)+
            /// A value this SDK does not know yet, kept exactly as Lean sent it.
            Unknown(String),
        }

        impl $name {
            /// The text Lean uses for this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)+
                    $name::Unknown(s) => s.as_str(),
                }
            }

            /// Every known value, in declaration order (tests and emulators use this).
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($text => $name::$variant,)+
                    other => $name::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // Known values cost no allocation; only an unknown one keeps its text.
                $crate::de::with_str(d, "a string", |s| {
                    Ok::<_, std::convert::Infallible>($name::from(s))
                })
            }
        }
    };
}
pub(crate) use lean_enum;

lean_enum!(
    /// `credit_debit_indicator` of balances and transactions.
    CreditDebitIndicator { Credit = "CREDIT", Debit = "DEBIT" }
);

lean_enum!(
    /// Account `status`.
    AccountStatus { Enabled = "ENABLED", Disabled = "DISABLED", Deleted = "DELETED", ProForma = "PRO_FORMA", Pending = "PENDING" }
);

lean_enum!(
    /// `account_type`.
    AccountType { Personal = "PERSONAL", Business = "BUSINESS" }
);

lean_enum!(
    /// `account_sub_type`.
    AccountSubType {
        Current = "CURRENT", Savings = "SAVINGS", Credit = "CREDIT", Prepaid = "PREPAID",
        Mortgage = "MORTGAGE", PersonalLoan = "PERSONAL_LOAN", Loan = "LOAN", EMoney = "EMONEY",
        ChargeCard = "CHARGE_CARD", Investment = "INVESTMENT", Unsupported = "UNSUPPORTED",
    }
);

lean_enum!(
    /// `scheme_name` of an account, agent or party identifier.
    SchemeName {
        Iban = "IBAN", Bban = "BBAN", AccountNumber = "ACCOUNT_NUMBER", Pan = "PAN",
        NationalId = "NATIONAL_ID", Bicfi = "BICFI", Other = "OTHER",
    }
);

lean_enum!(
    /// Balance `type`.
    BalanceType {
        OpeningAvailable = "OPENING_AVAILABLE", OpeningBooked = "OPENING_BOOKED",
        OpeningCleared = "OPENING_CLEARED", InterimAvailable = "INTERIM_AVAILABLE",
        InterimBooked = "INTERIM_BOOKED", InterimCleared = "INTERIM_CLEARED",
        ClosingAvailable = "CLOSING_AVAILABLE", ClosingBooked = "CLOSING_BOOKED",
        ClosingCleared = "CLOSING_CLEARED", ForwardAvailable = "FORWARD_AVAILABLE",
        PreviouslyClosedBooked = "PREVIOUSLY_CLOSED_BOOKED", Information = "INFORMATION",
        Expected = "EXPECTED",
    }
);

lean_enum!(
    /// `credit_line[].type`.
    CreditLineType {
        Available = "AVAILABLE", Credit = "CREDIT", Emergency = "EMERGENCY",
        PreAgreed = "PRE_AGREED", Temporary = "TEMPORARY",
    }
);

lean_enum!(
    /// A transaction's booking `status`. Not the envelope's PENDING: a PENDING transaction is
    /// data that has arrived.
    TransactionStatus { Booked = "BOOKED", Pending = "PENDING", Rejected = "REJECTED" }
);

lean_enum!(
    /// `transaction_mutability`.
    TransactionMutability { Mutable = "MUTABLE", Immutable = "IMMUTABLE" }
);

lean_enum!(
    /// `transaction_type`.
    TransactionType {
        Pos = "POS", Atm = "ATM", ECommerce = "E_COMMERCE", Cheque = "CHEQUE", Teller = "TELLER",
        BillPayments = "BILL_PAYMENTS", SameBankTransfer = "SAME_BANK_TRANSFER",
        LocalBankTransfer = "LOCAL_BANK_TRANSFER", InternationalTransfer = "INTERNATIONAL_TRANSFER",
        Other = "OTHER",
    }
);

lean_enum!(
    /// `sub_transaction_type`.
    SubTransactionType {
        Purchase = "PURCHASE", Refund = "REFUND", Reversal = "REVERSAL", Withdrawal = "WITHDRAWAL",
        WithdrawalReversal = "WITHDRAWAL_REVERSAL", Deposit = "DEPOSIT",
        DepositReversal = "DEPOSIT_REVERSAL", MoneyTransfer = "MONEY_TRANSFER",
        NotApplicable = "NOT_APPLICABLE",
    }
);

lean_enum!(
    /// `card_instrument.card_scheme_name`.
    CardSchemeName {
        Visa = "VISA", MasterCard = "MASTER_CARD", AmericanExpress = "AMERICAN_EXPRESS",
        Diners = "DINERS", LocalScheme = "LOCAL_SCHEME", Other = "OTHER",
    }
);

lean_enum!(
    /// `card_instrument.authorization_type`.
    AuthorizationType {
        ConsumerDevice = "CONSUMER_DEVICE", Contactless = "CONTACTLESS",
        Pin = "PIN", Other = "OTHER",
    }
);

lean_enum!(
    /// `status_code` of a direct debit and `standing_order_status_code` of a standing order.
    MandateStatus { Active = "ACTIVE", Inactive = "INACTIVE" }
);

lean_enum!(
    /// `scheduled_type` of a scheduled payment.
    ScheduledType { Arrival = "ARRIVAL", Execution = "EXECUTION" }
);

lean_enum!(
    /// The envelope `status` of a data or insights response. Anything else (including
    /// `RECONNECT_REQUIRED` from v1) is classified by [`crate::classify`].
    EnvelopeStatus {
        Ok = "OK", Pending = "PENDING", Failed = "FAILED", ReconnectRequired = "RECONNECT_REQUIRED",
    }
);

lean_enum!(
    /// `status_detail.granular_status_code` of a FAILED data response.
    GranularStatusCode {
        UnseenBankError = "UNSEEN_BANK_ERROR", BankMaintenance = "BANK_MAINTENANCE",
        BankIssue = "BANK_ISSUE", LeanError = "LEAN_ERROR", DisabledByLean = "DISABLED_BY_LEAN",
        DisabledByClient = "DISABLED_BY_CLIENT", DuplicatedRequest = "DUPLICATED_REQUEST",
        EuAccountLocked = "EU_ACCOUNT_LOCKED", LoggedInElsewhere = "LOGGED_IN_ELSEWHERE",
        UnsupportedByBank = "UNSUPPORTED_BY_BANK",
        GivenInputCannotBeVerified = "GIVEN_INPUT_CANNOT_BE_VERIFIED",
    }
);

impl GranularStatusCode {
    /// Whether asking again later can succeed (Lean's "what to do" column): bank trouble,
    /// Lean trouble and duplicates are transient; `DISABLED_*`, locked accounts and
    /// unverifiable input need a person. Unknown codes are not retried: retrying blindly
    /// is how a caller hammers a bank that said no.
    pub fn is_retryable(&self) -> bool {
        match self {
            GranularStatusCode::UnseenBankError
            | GranularStatusCode::BankMaintenance
            | GranularStatusCode::BankIssue
            | GranularStatusCode::LeanError
            | GranularStatusCode::DuplicatedRequest => true,
            GranularStatusCode::Unknown(s) => s.starts_with("BANK_"),
            _ => false,
        }
    }
}

lean_enum!(
    /// The `status` of an HTTP error body (Lean's error code).
    ErrorCode {
        InvalidParameters = "INVALID_PARAMETERS", MissingParameters = "MISSING_PARAMETERS",
        InvalidUrl = "INVALID_URL", InvalidHttpMethod = "INVALID_HTTP_METHOD",
        UnknownEntity = "UNKNOWN_ENTITY", UnknownAccount = "UNKNOWN_ACCOUNT",
        UnknownResultsId = "UNKNOWN_RESULTS_ID", ConsentExpired = "CONSENT_EXPIRED",
        DuplicatedRequest = "DUPLICATED_REQUEST", RateLimitExceeded = "RATE_LIMIT_EXCEEDED",
        InternalServerError = "INTERNAL_SERVER_ERROR", CustomerAlreadyExists = "CUSTOMER_ALREADY_EXISTS",
        CertificateTokenMismatch = "CERTIFICATE_TOKEN_MISMATCH", InvalidCertificate = "INVALID_CERTIFICATE",
        IncorrectAccessLevel = "INCORRECT_ACCESS_LEVEL", InsufficientAccessLevel = "INSUFFICIENT_ACCESS_LEVEL",
        DataNotFound = "DATA_NOT_FOUND", Unauthorized = "UNAUTHORIZED",
    }
);

lean_enum!(
    /// Per-type outcome inside a refresh's `data_status` (`OK`, `FAILED`, `UNSUPPORTED`, ...).
    DataStatus { Ok = "OK", Failed = "FAILED", Unsupported = "UNSUPPORTED", Pending = "PENDING" }
);

lean_enum!(
    /// A refresh's `status`.
    RefreshStatus { Pending = "PENDING", Finished = "FINISHED", Ok = "OK", Failed = "FAILED" }
);

lean_enum!(
    /// A data permission name as webhooks list them.
    Permission {
        Identity = "identity", Accounts = "accounts", Balance = "balance",
        Transactions = "transactions", Identities = "identities",
        ScheduledPayments = "scheduled_payments", StandingOrders = "standing_orders",
        DirectDebits = "direct_debits", Beneficiaries = "beneficiaries",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_round_trip_exactly() {
        let v: AccountSubType = serde_json::from_str("\"CRYPTO_WALLET\"").unwrap();
        assert_eq!(v, AccountSubType::Unknown("CRYPTO_WALLET".into()));
        assert_eq!(serde_json::to_string(&v).unwrap(), "\"CRYPTO_WALLET\"");
        for k in AccountSubType::KNOWN {
            assert_eq!(AccountSubType::from(k.as_str()), *k);
        }
    }

    #[test]
    fn retryable_granular_codes() {
        assert!(GranularStatusCode::BankIssue.is_retryable());
        assert!(GranularStatusCode::DuplicatedRequest.is_retryable());
        assert!(GranularStatusCode::from("BANK_TIMEOUT").is_retryable());
        assert!(!GranularStatusCode::DisabledByLean.is_retryable());
        assert!(!GranularStatusCode::DisabledByClient.is_retryable());
        assert!(!GranularStatusCode::from("SOMETHING_NEW").is_retryable());
    }
}

lean_enum!(
    /// Whether a bank (or one of its account types) is on for IBAN account verification.
    Enablement { Enabled = "enabled", Disabled = "disabled" }
);
