//! The emulator's access tokens against Lean's recorded ones: RS256 JWTs of the same parts,
//! header and claims, about as long (so that a client meets at the emulator the header sizes it
//! meets at Lean), and working as bearer tokens. Decoded here with a decoder of the test's own,
//! not the emulator's encoder.

mod common;

use common::*;
use lean_sandbox::Sandbox;
use serde_json::{Value, json};

/// base64url without padding, as JWT parts are written.
fn base64url(text: &str) -> Vec<u8> {
    let digit = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        other => panic!("{:?} is not a base64url digit", other as char),
    };
    let (mut bits, mut n, mut out) = (0u32, 0, Vec::new());
    for c in text.bytes() {
        bits = bits << 6 | u32::from(digit(c));
        n += 6;
        if n >= 8 {
            n -= 8;
            out.push((bits >> n) as u8);
        }
    }
    out
}

/// A JWT's header, claims and signature length.
fn jwt(token: &str) -> (Value, Value, usize) {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "header.payload.signature: {token}");
    let json = |p: &str| serde_json::from_slice::<Value>(&base64url(p)).unwrap();
    (json(parts[0]), json(parts[1]), base64url(parts[2]).len())
}

#[test]
fn access_tokens_are_jwts_shaped_like_lean_s() {
    let sandbox = Sandbox::start(fast()).unwrap();
    let h = Http::new(&sandbox);
    let made = h.create_customer("token-shape");
    let customer = made.json["customer_id"].as_str().unwrap().to_owned();
    for (scope, file) in [
        (
            "api".to_owned(),
            "authentication__generate-api-access-token__success__200.json",
        ),
        (
            format!("customer.{customer}"),
            "authentication__generate-customer-access-token__success__200.json",
        ),
    ] {
        let lean = recorded(file)["access_token"].as_str().unwrap().to_owned();
        let ours = h.token(&scope);
        let ((lh, lc, ls), (oh, oc, os)) = (jwt(&lean), jwt(&ours));
        assert_eq!(keys(&oh), keys(&lh), "{scope}: header");
        assert_eq!(oh["alg"], "RS256");
        assert_eq!(keys(&oc), keys(&lc), "{scope}: claims");
        assert_eq!(os, ls, "{scope}: an RS256 signature's length");
        let length = ours.len() as f64 / lean.len() as f64;
        assert!(
            (0.8..1.25).contains(&length),
            "{scope}: {} characters against Lean's {}",
            ours.len(),
            lean.len()
        );
        // Lean's: valid an hour from issue, `expires_in` one second short of it.
        let life = oc["exp"].as_u64().unwrap() - oc["iat"].as_u64().unwrap();
        assert_eq!(
            life,
            lc["exp"].as_u64().unwrap() - lc["iat"].as_u64().unwrap()
        );
        assert_eq!(oc["sub"], "sandbox-client");
        assert_eq!(oc["applications"], json!([{"id": "sandbox-client"}]));
        if scope == "api" {
            assert!(oc.get("customers").is_none());
        } else {
            assert_eq!(oc["customers"], json!([{"id": customer}]));
        }
        assert_ne!(
            jwt(&h.token(&scope)).1["jti"],
            oc["jti"],
            "a new jti per token"
        );
    }
    // And it is what the API takes.
    let bearer = format!("Bearer {}", h.token("api"));
    let r = h.send("GET", "/customers/v1/", &[("authorization", &bearer)], None);
    assert_eq!(r.status, 200, "{}", r.json);
}

/// A seed gives the same tokens run after run, but for the times in their claims: the same
/// `jti`s and the same signatures (two emulators of one seed, side by side), and a new
/// signature for each token.
#[test]
fn a_seed_gives_the_same_token_signatures() {
    let issue = || {
        let sandbox = Sandbox::start(fast()).unwrap();
        let h = Http::new(&sandbox);
        [h.token("api"), h.token("api")].map(|t| {
            let (_, claims, _) = jwt(&t);
            let signature = t.rsplit('.').next().unwrap().to_owned();
            (claims["jti"].clone(), signature)
        })
    };
    let (first, second) = (issue(), issue());
    assert_eq!(first, second, "one seed, one run's tokens");
    assert_ne!(first[0].1, first[1].1, "a signature per token");
}
