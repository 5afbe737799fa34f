//! Who may call: the OAuth2 token endpoint (client credentials, `scope=api` or
//! `scope=customer.<customer_id>`), the bearer and `lean-app-token` checks, and Lean's 401/403
//! answers. Routes say which credential they take; this module decides.

// Handlers bail out early with the error response itself (see respond.rs).
#![allow(clippy::result_large_err)]

use crate::respond::{error, fault_response, json_response};
use crate::state::{Inner, TokenRec};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use lean_proto::CustomerId;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::time::Instant;

/// Which credential a route takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// An `api` bearer token (the v2 data, insights and refresh routes).
    V2,
    /// `lean-app-token` (the v1 routes).
    V1,
    /// Either (customers, entities, banks: Lean's getting-started guide calls them with
    /// `lean-app-token`, the v2 reference with a bearer token).
    Either,
}

/// Checks the request's credential for a route that takes `want`.
pub fn authenticate(inner: &Inner, headers: &HeaderMap, want: Caller) -> Result<(), Response> {
    let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
    let app = headers.get("lean-app-token").and_then(|v| v.to_str().ok());
    if bearer.is_some() && app.is_some() {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETERS",
            "Do not supply a 'lean-app-token' header when providing an 'Authorization' header",
            None,
        ));
    }
    if want != Caller::V2 && app.is_some() {
        return if app == Some(inner.config.app_token.as_str()) {
            Ok(())
        } else {
            Err(unauthorized("Missing or invalid lean-app-token"))
        };
    }
    if want == Caller::V1 {
        return Err(unauthorized("Missing or invalid lean-app-token"));
    }
    let token = bearer.and_then(|b| b.strip_prefix("Bearer ")).unwrap_or("");
    let scope = inner
        .lock()
        .tokens
        .get(token)
        .filter(|t| Instant::now() < t.expires)
        .map(|t| t.customer.is_none());
    match scope {
        Some(true) => Ok(()),
        // A customer-scoped token is for LinkSDK in the user's browser, not for backend calls.
        Some(false) => Err(error(
            StatusCode::FORBIDDEN,
            "INSUFFICIENT_ACCESS_LEVEL",
            "The access token does not have the scope required by this API.",
            None,
        )),
        None => Err(unauthorized("Missing, invalid or expired access token")),
    }
}

fn unauthorized(message: &str) -> Response {
    error(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message, None)
}

/// `POST /oauth2/token`.
pub async fn token(State(inner): State<Arc<Inner>>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url_form(&body);
    // The token server fails like any route: 5xx, 429, a cut connection, a slow answer.
    if let Some(response) = fault_response(inner.draw_fault("token", false).as_ref()).await {
        return response;
    }
    let ok = form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("client_id") == Some(&inner.config.client_id)
        && form.get("client_secret") == Some(&inner.config.client_secret);
    if !ok {
        let body = serde_json::json!({"error": "invalid_client", "error_description": "Client authentication failed"});
        return json_response(StatusCode::UNAUTHORIZED, body.to_string().into_bytes());
    }
    let scope = form.get("scope").cloned().unwrap_or_else(|| "api".into());
    let customer = match scope.as_str() {
        "api" => None,
        s => match s
            .strip_prefix("customer.")
            .and_then(|id| CustomerId::parse(id).ok())
        {
            Some(id) if inner.customer(&id).is_some() => Some(id),
            _ => {
                let body = serde_json::json!({"error": "invalid_scope", "error_description": format!("The scope {s:?} is not valid for this client")});
                return json_response(StatusCode::BAD_REQUEST, body.to_string().into_bytes());
            }
        },
    };
    let lifetime = inner.config.token_lifetime;
    let token = access_token(
        &inner.new_id(),
        &inner.config.client_id,
        customer.as_ref(),
        lifetime,
    );
    inner.lock().tokens.insert(
        token.clone(),
        TokenRec {
            expires: Instant::now() + lifetime,
            customer,
        },
    );
    let body = serde_json::json!({"access_token": token, "scope": scope, "token_type": "Bearer", "expires_in": lifetime.as_secs().saturating_sub(1)});
    json_response(StatusCode::OK, body.to_string().into_bytes())
}

/// An access token in the shape of Lean's: an RS256 JWT (`header.payload.signature`, each part
/// base64url without padding) with the claims of Lean's recorded tokens (`sub`, `aud`, `nbf`,
/// `scope`, `iss`, `exp`, `iat`, `jti`, `applications`, and `customers` for a customer token),
/// about 1.1 KB as theirs are, so that a client meets the header sizes it will meet at Lean.
/// It is signed with no one's key: the last part is 256 bytes (an RS256 signature's size) of
/// noise. The emulator knows its tokens by lookup, and a client must treat a token
/// as opaque anyway (lean-api.md).
pub(crate) fn access_token(
    jti: &str,
    client_id: &str,
    customer: Option<&CustomerId>,
    lifetime: std::time::Duration,
) -> String {
    // As Lean's recorded tokens have them (the Postman collection's, decoded).
    const API_SCOPES: &[&str] = &[
        "customer.read",
        "customer.write",
        "destination.write",
        "report.read",
        "bank.read",
        "webhook.read",
        "payment.read",
        "intent.write",
        "destination.read",
        "payout.write",
        "deposit.read",
        "report.write",
        "data.read",
        "payout.read",
        "reconciliation.read",
        "file.read",
    ];
    const CUSTOMER_SCOPES: &[&str] = &[
        "customer.read",
        "beneficiary.write",
        "payment.write",
        "payment.read",
        "destination.read",
        "connect.write",
        "connect.read",
        "application.read",
        "bank.read",
        "key.read",
    ];
    let issued = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let header = serde_json::json!({"kid": "1b23f4c7-744d-49db-8ed3-13ced6c044d6", "alg": "RS256"});
    let mut claims = serde_json::json!({
        "sub": client_id,
        "aud": if customer.is_some() { "https://link.sandbox.sa.leantech.me" } else { "https://sandbox.sa.leantech.me" },
        "nbf": issued,
        "scope": if customer.is_some() { CUSTOMER_SCOPES } else { API_SCOPES },
        "iss": "https://auth.sandbox.sa.leantech.me",
        "exp": issued.saturating_add(lifetime.as_secs()),
        "iat": issued,
        "jti": jti,
        "applications": [{"id": client_id}],
    });
    if let Some(c) = customer {
        claims["customers"] = serde_json::json!([{"id": c.to_string()}]);
    }
    // Bytes that only look like a signature: a stream of their own, seeded from `jti` (itself
    // from the emulator's seeded ids), so that a seed gives the same signatures run after run;
    // drawing them from the emulator's generator would shift every id after.
    use lean_proto::rng::Rng;
    let seed = jti
        .bytes()
        .fold(0, |h: u64, b| Rng::nth(h ^ u64::from(b), 1));
    let mut noise = Rng::new(seed);
    let signature: Vec<u8> = (0..32)
        .flat_map(|_| noise.next_u64().to_le_bytes())
        .collect();
    let mut out = String::with_capacity(1200);
    base64url_into(&mut out, header.to_string().as_bytes());
    out.push('.');
    base64url_into(&mut out, claims.to_string().as_bytes());
    out.push('.');
    base64url_into(&mut out, &signature);
    out
}

/// Appends `bytes` in base64url without padding (RFC 4648 §5), as JWTs write their parts.
fn base64url_into(out: &mut String, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        // Three bytes make four digits; one or two make two or three.
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
}

fn url_form(body: &[u8]) -> HashMap<String, String> {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let decode = |s: &[u8]| {
        let mut out = Vec::with_capacity(s.len());
        let mut i = 0;
        while i < s.len() {
            match s[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    match (
                        s.get(i + 1).copied().and_then(hex),
                        s.get(i + 2).copied().and_then(hex),
                    ) {
                        (Some(h), Some(l)) => {
                            out.push(h << 4 | l);
                            i += 3;
                            continue;
                        }
                        _ => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    body.split(|b| *b == b'&')
        .filter_map(|kv| {
            let at = kv.iter().position(|b| *b == b'=')?;
            Some((decode(&kv[..at]), decode(&kv[at + 1..])))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_4648() {
        let cases: [(&[u8], &str); 8] = [
            (b"", ""),
            (b"f", "Zg"),
            (b"fo", "Zm8"),
            (b"foo", "Zm9v"),
            (b"foob", "Zm9vYg"),
            (b"fooba", "Zm9vYmE"),
            (b"foobar", "Zm9vYmFy"),
            // The two characters base64url has instead of `+` and `/`.
            (&[0xfb, 0xff], "-_8"),
        ];
        for (bytes, want) in cases {
            let mut out = String::new();
            base64url_into(&mut out, bytes);
            assert_eq!(out, want, "{bytes:?}");
        }
    }
}
