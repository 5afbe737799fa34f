//! Requests as data: method, path, query, body and headers of every endpoint.

use lean_proto::*;

const ENTITY: &str = "14eb95ba-2b9d-41cb-82fe-7b1b3079021e";
const ACCOUNT: &str = "fe672591-bc88-4cec-96e7-9101bde496ce";
const RESULTS: &str = "2ab8c57a-011b-418f-9419-968155e600dd";
const REFRESH: &str = "721d6010-828f-4b30-9039-4c72ad6906a8";
const CUSTOMER: &str = "a33a50fc-b29c-4c03-9cab-379280d7e500";

fn e() -> EntityId {
    EntityId::parse(ENTITY).unwrap()
}
fn a() -> AccountId {
    AccountId::parse(ACCOUNT).unwrap()
}

struct Ctx {
    base: BaseUrl,
    token: Secret,
}

impl Ctx {
    fn new() -> Self {
        Ctx {
            base: BaseUrl::parse("https://sandbox.leantech.me").unwrap(),
            token: Secret::new("tok-abc"),
        }
    }
    fn v2(&self) -> Target<'_> {
        Target {
            api_base: &self.base,
            auth: Auth::Bearer(&self.token),
            correlation_id: None,
        }
    }
    fn v1(&self) -> Target<'_> {
        Target {
            api_base: &self.base,
            auth: Auth::AppToken(&self.token),
            correlation_id: None,
        }
    }
}

fn line(req: &http::Request<Vec<u8>>) -> String {
    format!("{} {}", req.method(), req.uri())
}

#[test]
fn every_v2_data_endpoint() {
    let c = Ctx::new();
    let t = c.v2();
    let base = "https://sandbox.leantech.me";
    let q = format!("entity_id={ENTITY}");
    let cases: Vec<(http::Request<Vec<u8>>, String)> = vec![
        (
            GetAccounts::new(e()).build(&t).unwrap(),
            format!("GET {base}/data/v2/accounts?{q}"),
        ),
        (
            GetIdentity::new(e()).build(&t).unwrap(),
            format!("GET {base}/data/v2/identity?{q}"),
        ),
        (
            GetBalances::new(e(), a()).build(&t).unwrap(),
            format!("GET {base}/data/v2/accounts/{ACCOUNT}/balances?{q}"),
        ),
        (
            GetTransactions::new(e(), a()).build(&t).unwrap(),
            format!("GET {base}/data/v2/accounts/{ACCOUNT}/transactions?{q}"),
        ),
        (
            GetBeneficiaries::new(e(), a()).build(&t).unwrap(),
            format!("GET {base}/data/v2/accounts/{ACCOUNT}/beneficiaries?{q}"),
        ),
        (
            GetAccountIdentities::new(e(), a()).build(&t).unwrap(),
            format!("GET {base}/data/v2/accounts/{ACCOUNT}/identities?{q}"),
        ),
        (
            GetDirectDebits::new(e(), a()).build(&t).unwrap(),
            format!("GET {base}/data/v2/accounts/{ACCOUNT}/direct-debits?{q}"),
        ),
        (
            GetScheduledPayments::new(e(), a()).build(&t).unwrap(),
            format!("GET {base}/data/v2/accounts/{ACCOUNT}/scheduled-payments?{q}"),
        ),
        (
            GetStandingOrders::new(e(), a()).build(&t).unwrap(),
            format!("GET {base}/data/v2/accounts/{ACCOUNT}/standing-orders?{q}"),
        ),
        (
            TriggerRefresh::new(e()).build(&t).unwrap(),
            format!("POST {base}/data/v2/refreshes"),
        ),
        (
            {
                let mut req = ListRefreshes::new(e());
                req.page = Some(1);
                req.size = Some(10);
                req
            }
            .build(&t)
            .unwrap(),
            format!("GET {base}/data/v2/refreshes?{q}&page=1&size=10"),
        ),
        (
            GetRefresh::new(e(), RefreshId::parse(REFRESH).unwrap())
                .build(&t)
                .unwrap(),
            format!("GET {base}/data/v2/refreshes/{REFRESH}?{q}"),
        ),
        (
            GetResults::<AnyData>::new(ResultsId::parse(RESULTS).unwrap())
                .build(&t)
                .unwrap(),
            format!("GET {base}/data/v2/results/{RESULTS}"),
        ),
        (
            GetExpenses::new(e()).build(&t).unwrap(),
            format!("GET {base}/insights/v2/expenses?{q}"),
        ),
        (
            GetCashflows::new(e()).build(&t).unwrap(),
            format!("GET {base}/insights/v2/assets/cashflows?{q}"),
        ),
        (
            GetCashBalances::new(e()).build(&t).unwrap(),
            format!("GET {base}/insights/v2/assets/balances?{q}"),
        ),
        (
            GetCreditObligations::new(e()).build(&t).unwrap(),
            format!("GET {base}/insights/v2/liabilities/credit-obligations?{q}"),
        ),
        (
            GetNonCreditObligations::new(e()).build(&t).unwrap(),
            format!("GET {base}/insights/v2/liabilities/non-credit-obligations?{q}"),
        ),
        (
            GetEmployment::new(e()).build(&t).unwrap(),
            format!("GET {base}/insights/v2/income/employment?{q}"),
        ),
        (
            GetIncome::new(e()).build(&t).unwrap(),
            format!("POST {base}/insights/v2/income"),
        ),
        (
            {
                let mut req = ListCustomers::default();
                req.page_number = Some(0);
                req.page_size = Some(5);
                req
            }
            .build(&t)
            .unwrap(),
            format!("GET {base}/customers/v1?page_number=0&page_size=5"),
        ),
        (
            GetCustomerEntities::new(CustomerId::parse(CUSTOMER).unwrap())
                .build(&t)
                .unwrap(),
            format!("GET {base}/customers/v1/{CUSTOMER}/entities"),
        ),
    ];
    for (req, want) in cases {
        assert_eq!(line(&req), want);
        let h = req.headers();
        assert_eq!(h["authorization"], "Bearer tok-abc");
        assert!(h["authorization"].is_sensitive());
        assert!(h.get("lean-app-token").is_none(), "never both auth headers");
        assert_eq!(h["accept"], "application/json");
        assert_eq!(
            h.contains_key("content-type"),
            !req.body().is_empty(),
            "{want}"
        );
    }
}

#[test]
fn bodies_of_posts() {
    let c = Ctx::new();
    let req = TriggerRefresh::new(e()).build(&c.v2()).unwrap();
    assert_eq!(
        req.body(),
        format!(r#"{{"entity_id":"{ENTITY}"}}"#).as_bytes()
    );
    let mut income = GetIncome::new(e());
    income.start_date = Some("2025-06-23".parse().unwrap());
    income.income_type = Some("ALL".into());
    income.asynchronous = true;
    let req = income.build(&c.v2()).unwrap();
    assert!(
        req.uri()
            .to_string()
            .ends_with("/insights/v2/income?async=true")
    );
    let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"entity_id": ENTITY, "start_date": "2025-06-23", "income_type": "ALL"})
    );
}

#[test]
fn options_become_query_parameters() {
    let c = Ctx::new();
    let mut t = GetTransactions::new(e(), a());
    t.start_date = Some("2025-01-01".parse().unwrap());
    t.end_date = Some("2025-01-31".parse().unwrap());
    t.insights = true;
    t.options = {
        let mut req = DataOptions::default();
        req.page = Some(3);
        req.size = Some(100);
        req.asynchronous = true;
        req.meta = Some(r#"{"foo": "a&b=c"}"#.into());
        req.verbose = true;
        req.force_refresh = true;
        req
    };
    let req = t.build(&c.v2()).unwrap();
    assert_eq!(
        req.uri().query().unwrap(),
        format!(
            "entity_id={ENTITY}&start_date=2025-01-01&end_date=2025-01-31&insights=true&page=3&size=100&async=true&meta=%7B%22foo%22%3A%20%22a%26b%3Dc%22%7D&verbose=true&force_refresh=true"
        )
    );
    assert!(t.set_page(4));
    assert!(
        t.build(&c.v2())
            .unwrap()
            .uri()
            .query()
            .unwrap()
            .contains("&page=4&")
    );
}

#[test]
fn misuse_is_a_typed_error_not_a_request() {
    let c = Ctx::new();
    for size in [0, 101, 5000] {
        let mut g = GetAccounts::new(e());
        g.options.size = Some(size);
        assert_eq!(g.build(&c.v2()).unwrap_err(), RequestError::PageSize(size));
    }
    let mut t = GetTransactions::new(e(), a());
    t.start_date = Some("2025-02-01".parse().unwrap());
    t.end_date = Some("2025-01-01".parse().unwrap());
    assert!(matches!(
        t.build(&c.v2()),
        Err(RequestError::DateRange { .. })
    ));
    // v1 endpoint with a bearer token, v2 endpoint with an app token.
    assert!(matches!(
        V1GetAccounts::new(e()).build(&c.v2()),
        Err(RequestError::WrongGeneration {
            needs: ApiGeneration::V1,
            ..
        })
    ));
    assert!(matches!(
        GetAccounts::new(e()).build(&c.v1()),
        Err(RequestError::WrongGeneration {
            needs: ApiGeneration::V2,
            ..
        })
    ));
    // A token with a newline cannot smuggle a header, and the error does not print it.
    let bad = Secret::new("tok\r\nx-evil: 1");
    let target = Target {
        api_base: &c.base,
        auth: Auth::Bearer(&bad),
        correlation_id: None,
    };
    let err = GetAccounts::new(e()).build(&target).unwrap_err();
    assert_eq!(err, RequestError::InvalidHeader("authorization"));
    assert!(!err.to_string().contains("tok"));
    let target = Target {
        api_base: &c.base,
        auth: Auth::Bearer(&c.token),
        correlation_id: Some("a\nb"),
    };
    assert!(GetAccounts::new(e()).build(&target).is_err());
    // Past ASCII: `http` would take it, lean-surf's http-types could not carry it (the request
    // then failed there as if Lean were unreachable, and was tried again). Refused here, for
    // every transport, as the caller's mistake; plain text still goes.
    for id in ["café", "order\u{7f}"] {
        let target = Target {
            api_base: &c.base,
            auth: Auth::Bearer(&c.token),
            correlation_id: Some(id),
        };
        assert_eq!(
            GetAccounts::new(e()).build(&target).unwrap_err(),
            RequestError::InvalidHeader("lean-correlation-id"),
            "{id:?}"
        );
    }
    let target = Target {
        api_base: &c.base,
        auth: Auth::Bearer(&c.token),
        correlation_id: Some("order 42\tretry"),
    };
    let sent = GetAccounts::new(e())
        .build(&target)
        .expect("plain text goes");
    assert_eq!(sent.headers()["lean-correlation-id"], "order 42\tretry");
    for (token, auth) in [("tökén", true), ("äpp", false)] {
        let secret = Secret::new(token);
        let target = Target {
            api_base: &c.base,
            auth: if auth {
                Auth::Bearer(&secret)
            } else {
                Auth::AppToken(&secret)
            },
            correlation_id: None,
        };
        let endpoint = if auth {
            GetAccounts::new(e()).build(&target)
        } else {
            V1GetAccounts::new(e()).build(&target)
        };
        let err = endpoint.unwrap_err();
        let name = if auth {
            "authorization"
        } else {
            "lean-app-token"
        };
        assert_eq!(err, RequestError::InvalidHeader(name));
        assert!(!err.to_string().contains(token));
    }
    // Ids that are not UUIDs never become ids, so never reach a path.
    assert!(EntityId::parse("../customers").is_err());
    assert!(AccountId::parse("x/../../oauth2").is_err());
}

#[test]
fn v1_endpoints_post_json_with_app_token() {
    let c = Ctx::new();
    let t = c.v1();
    let mut tx = V1GetTransactions::new(e(), a());
    tx.start_date = Some("2024-01-01".parse().unwrap());
    tx.insights = true;
    tx.asynchronous = true;
    let cases = [
        (
            V1GetIdentity::new(e()).build(&t).unwrap(),
            "/data/v1/identity",
            serde_json::json!({"entity_id": ENTITY}),
        ),
        (
            V1GetAccounts::new(e()).build(&t).unwrap(),
            "/data/v1/accounts",
            serde_json::json!({"entity_id": ENTITY}),
        ),
        (
            V1GetBalance::new(e(), a()).build(&t).unwrap(),
            "/data/v1/balance",
            serde_json::json!({"entity_id": ENTITY, "account_id": ACCOUNT}),
        ),
        (
            tx.build(&t).unwrap(),
            "/data/v1/transactions",
            serde_json::json!({"entity_id": ENTITY, "account_id": ACCOUNT, "start_date": "2024-01-01", "insights": true, "async": true}),
        ),
    ];
    for (req, path, body) in cases {
        assert_eq!(req.method(), "POST");
        assert_eq!(req.uri().path(), path);
        assert_eq!(req.headers()["lean-app-token"], "tok-abc");
        assert!(req.headers().get("authorization").is_none());
        assert_eq!(req.headers()["content-type"], "application/json");
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(req.body()).unwrap(),
            body
        );
    }
    let r = GetResults::<AnyData>::with_generation(
        ResultsId::parse(RESULTS).unwrap(),
        ApiGeneration::V1,
    )
    .build(&t)
    .unwrap();
    assert_eq!(
        line(&r),
        format!("GET https://sandbox.leantech.me/data/v1/results/{RESULTS}")
    );
}

#[test]
fn correlation_id_and_custom_base_with_prefix() {
    let base = BaseUrl::parse("http://127.0.0.1:8080/lean/").unwrap();
    let token = Secret::new("t");
    let t = Target {
        api_base: &base,
        auth: Auth::Bearer(&token),
        correlation_id: Some("corr-1"),
    };
    let req = GetAccounts::new(e()).build(&t).unwrap();
    assert_eq!(
        req.uri().to_string(),
        format!("http://127.0.0.1:8080/lean/data/v2/accounts?entity_id={ENTITY}")
    );
    assert_eq!(req.headers()["lean-correlation-id"], "corr-1");
}

#[test]
fn token_request_is_client_credentials_form() {
    let cfg = Config::new(
        Region::Uae,
        Environment::Sandbox,
        Credentials::ClientCredentials {
            client_id: "app id".into(),
            client_secret: Secret::new("s&cret="),
        },
    );
    let req = token_request(&cfg).unwrap();
    assert_eq!(
        line(&req),
        "POST https://auth.sandbox.leantech.me/oauth2/token"
    );
    assert_eq!(
        req.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    assert!(req.headers().get("authorization").is_none());
    assert_eq!(
        std::str::from_utf8(req.body()).unwrap(),
        "client_id=app%20id&client_secret=s%26cret%3D&grant_type=client_credentials&scope=api"
    );
    let v1 = Config::new(
        Region::Uae,
        Environment::Sandbox,
        Credentials::AppToken(Secret::new("x")),
    );
    assert!(token_request(&v1).is_err());
}

#[test]
fn debug_of_requests_and_targets_hides_tokens() {
    let c = Ctx::new();
    let req = GetAccounts::new(e()).build(&c.v2()).unwrap();
    let dbg = format!("{req:?} {:?}", c.v2());
    assert!(!dbg.contains("tok-abc"), "{dbg}");
    let req = V1GetAccounts::new(e()).build(&c.v1()).unwrap();
    assert!(!format!("{req:?}").contains("tok-abc"));
}

#[test]
fn customers_entities_and_banks_take_either_credential() {
    let c = Ctx::new();
    let customer = CustomerId::parse(CUSTOMER).unwrap();
    let create = CreateCustomer::new("user/42?x").unwrap();
    for target in [c.v2(), c.v1()] {
        let req = create.build(&target).unwrap();
        assert_eq!(line(&req), "POST https://sandbox.leantech.me/customers/v1");
        assert_eq!(req.body(), br#"{"app_user_id":"user/42?x"}"#);
        let by_app = GetCustomerByAppUserId::new("user/42?x").unwrap();
        assert_eq!(
            line(&by_app.build(&target).unwrap()),
            "GET https://sandbox.leantech.me/customers/v1/app-user-id/user%2F42%3Fx",
            "the id cannot change the route"
        );
        let get = GetCustomer::new(customer.clone());
        assert_eq!(
            line(&get.build(&target).unwrap()),
            format!("GET https://sandbox.leantech.me/customers/v1/{CUSTOMER}")
        );
        let entity = GetEntity::new(customer.clone(), e());
        assert_eq!(
            line(&entity.build(&target).unwrap()),
            format!("GET https://sandbox.leantech.me/customers/v1/{CUSTOMER}/entities/{ENTITY}")
        );
        let delete = {
            let mut req = DeleteEntity::new(customer.clone(), e());
            req.reason = Some("USER_REQUESTED".into());
            req
        };
        let req = delete.build(&target).unwrap();
        assert_eq!(req.method(), "DELETE");
        assert_eq!(req.body(), br#"{"reason":"USER_REQUESTED"}"#);
        let banks = ListBanks::new(BankAccountTypes::Personal);
        assert_eq!(
            line(&banks.build(&target).unwrap()),
            "GET https://sandbox.leantech.me/banks/v1?account_types=PERSONAL"
        );
    }
    assert!(!create.is_idempotent());
    for bad in ["", "a\nb", &"x".repeat(256)] {
        assert!(matches!(
            CreateCustomer::new(bad),
            Err(RequestError::InvalidParameter {
                name: "app_user_id",
                ..
            })
        ));
        assert!(GetCustomerByAppUserId::new(bad).is_err());
    }
}

#[test]
fn name_verification_checks_the_name_like_lean() {
    let c = Ctx::new();
    let mut v = VerifyName::new(e(), "Jean-Pierre Dupont").unwrap();
    v.asynchronous = true;
    let req = v.build(&c.v1()).unwrap();
    assert_eq!(
        line(&req),
        "POST https://sandbox.leantech.me/insights/v1/name-verification"
    );
    let body: serde_json::Value = serde_json::from_slice(req.body()).unwrap();
    assert_eq!(body["full_name"], "Jean-Pierre Dupont");
    assert_eq!(body["async"], true);
    assert!(v.build(&c.v2()).is_ok(), "a bearer token works too");
    for bad in ["Madonna", "John 5mith", "Robert'); DROP", "a\tb"] {
        assert!(VerifyName::new(e(), bad).is_err(), "{bad:?}");
    }
}

#[test]
fn freelancer_cashflow_and_customer_token() {
    let c = Ctx::new();
    let req = GetFreelancerCashflow::new(e()).build(&c.v2()).unwrap();
    assert_eq!(
        line(&req),
        format!(
            "GET https://sandbox.leantech.me/insights/v2/assets/freelancers/cashflows?entity_id={ENTITY}"
        )
    );
    let cfg = Config::new(
        Region::Uae,
        Environment::Sandbox,
        Credentials::ClientCredentials {
            client_id: "app".into(),
            client_secret: Secret::new("s3cr3t"),
        },
    );
    let customer = CustomerId::parse(CUSTOMER).unwrap();
    let req = customer_token_request(&cfg, &customer).unwrap();
    let body = String::from_utf8(req.body().clone()).unwrap();
    assert!(
        body.ends_with(&format!("&scope=customer.{CUSTOMER}")),
        "{body}"
    );
    assert!(
        String::from_utf8(token_request(&cfg).unwrap().body().clone())
            .unwrap()
            .ends_with("&scope=api")
    );
}
