//! Helpers shared by the emulator's tests: raw HTTP to it, Lean's recorded bodies, and the
//! field-path comparison of a JSON answer with Lean's.
#![allow(dead_code)]

pub mod webdriver;

use hmac::{KeyInit, Mac};
use lean_sandbox::{Latency, Sandbox, SandboxConfig};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;
use std::time::Duration;

pub fn fast() -> SandboxConfig {
    SandboxConfig {
        bank_latency: Latency::fixed(Duration::from_millis(10)),
        time_scale: 0.01,
        ..SandboxConfig::default()
    }
}

pub struct Http {
    pub agent: ureq::Agent,
    pub base: String,
}

pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub json: Value,
}

impl Http {
    pub fn new(sandbox: &Sandbox) -> Http {
        Http {
            agent: ureq::Agent::new_with_config(
                ureq::config::Config::builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(20)))
                    .build(),
            ),
            base: sandbox.base_url(),
        }
    }

    pub fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Value>,
    ) -> Reply {
        let mut b = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let body = body.map(|v| v.to_string().into_bytes()).unwrap_or_default();
        if !body.is_empty() {
            b = b.header("content-type", "application/json");
        }
        let resp = self
            .agent
            .run(b.body(body).unwrap())
            .expect("HTTP exchange");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().read_to_vec().unwrap();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|e| {
                panic!(
                    "{method} {path}: not JSON ({e}): {}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Reply {
            status,
            headers,
            json,
        }
    }

    /// `POST /customers/v1/` with the app token, as Lean's own SDK creates a customer.
    pub fn create_customer(&self, app_user_id: &str) -> Reply {
        self.send(
            "POST",
            "/customers/v1/",
            &[APP],
            Some(serde_json::json!({ "app_user_id": app_user_id })),
        )
    }

    pub fn token(&self, scope: &str) -> String {
        let r = self.agent.run(
            http::Request::builder()
                .method("POST")
                .uri(format!("{}/oauth2/token", self.base))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(format!("client_id=sandbox-client&client_secret=sandbox-secret&grant_type=client_credentials&scope={scope}").into_bytes())
                .unwrap(),
        ).unwrap();
        let v: Value = serde_json::from_slice(&r.into_body().read_to_vec().unwrap()).unwrap();
        v["access_token"].as_str().unwrap_or_default().to_owned()
    }
}

pub const APP: (&str, &str) = ("lean-app-token", "sandbox-app-token");

pub fn recorded(name: &str) -> Value {
    let path = format!(
        "{}/tests/lean-recordings/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    serde_json::from_str(v["body"].as_str().unwrap()).unwrap()
}

pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    k.sort();
    k
}

/// Every key path of a JSON value with its JSON type (`data.match_type: string`), over every
/// element of every array.
pub fn shape(v: &Value, at: &str, out: &mut Vec<String>) {
    let kind = match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    out.push(format!("{at}: {kind}"));
    match v {
        Value::Object(o) => {
            for (k, v) in o {
                let path = if at.is_empty() {
                    k.clone()
                } else {
                    format!("{at}.{k}")
                };
                shape(v, &path, out);
            }
        }
        // Every element: a field an item has is a field of the list's items.
        Value::Array(a) => {
            for item in a {
                shape(item, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
    out.sort();
    out.dedup();
}

/// The field paths and JSON types of `ours` against Lean's recording, except below a field Lean
/// recorded only as `null` (its holder had no such product): there any value is accepted, since
/// the recording cannot say what type it has. `listed`: paths in one answer and not the other,
/// each with why.
pub fn same_shape_where_lean_had_values(
    ours: &Value,
    lean: &Value,
    what: &str,
    listed: &[(&str, &str)],
) {
    let (mut o, mut t) = (Vec::new(), Vec::new());
    shape(ours, "", &mut o);
    shape(lean, "", &mut t);
    // Differences listed with their reason, whichever side has the path.
    o.retain(|p| !listed.iter().any(|(l, _)| p == l));
    t.retain(|p| !listed.iter().any(|(l, _)| p == l));
    let open: Vec<String> = t
        .iter()
        .filter_map(|p| p.strip_suffix(": null").map(str::to_owned))
        .collect();
    let within = |p: &String| {
        let path = p.rsplit_once(": ").map_or(p.as_str(), |(path, _)| path);
        open.iter().any(|n| {
            path == n || path.starts_with(&format!("{n}.")) || path.starts_with(&format!("{n}[]"))
        })
    };
    o.retain(|p| !within(p));
    t.retain(|p| !within(p));
    // A null of ours where Lean has the field with a value: an optional field this item lacks
    // (the item that has it brings its paths).
    let path_of = |p: &String| {
        p.rsplit_once(": ")
            .map_or(p.clone(), |(path, _)| path.to_owned())
    };
    let lean_paths: Vec<String> = t.iter().map(path_of).collect();
    o.retain(|p| !(p.ends_with(": null") && lean_paths.contains(&path_of(p))));
    let only_ours: Vec<&String> = o.iter().filter(|p| !t.contains(p)).collect();
    let only_lean: Vec<&String> = t.iter().filter(|p| !o.contains(p)).collect();
    assert!(
        only_ours.is_empty() && only_lean.is_empty(),
        "{what}: field paths and JSON types differ from Lean's recording\n  only ours: {only_ours:?}\n  only Lean's: {only_lean:?}"
    );
}

/// A webhook receiver on loopback: answers each POST with the next status of `statuses` (then
/// 200) and hands over (headers, body).
pub type Delivered = (Vec<(String, String)>, Vec<u8>);

pub fn receiver(statuses: Vec<u16>) -> (String, mpsc::Receiver<Delivered>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/webhooks/lean", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut statuses = statuses.into_iter();
        for stream in listener.incoming().take(50) {
            let Ok(stream) = stream else { continue };
            stream.set_read_timeout(Some(Duration::from_secs(5))).ok();
            let mut r = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if r.read_line(&mut line).is_err() {
                continue;
            }
            let mut headers = Vec::new();
            let mut len = 0;
            loop {
                line.clear();
                if r.read_line(&mut line).is_err() || line == "\r\n" || line.is_empty() {
                    break;
                }
                if let Some((k, v)) = line.trim_end().split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    headers.push((k.to_ascii_lowercase(), v.trim().to_owned()));
                }
            }
            let mut body = vec![0; len];
            if r.read_exact(&mut body).is_err() {
                continue;
            }
            let status = statuses.next().unwrap_or(200);
            let mut w = stream;
            let _ = write!(
                w,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            if tx.send((headers, body)).is_err() {
                break;
            }
        }
    });
    (url, rx)
}

/// `sha512=<hex>` of `body`, computed apart from the emulator's own code.
pub fn independent_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha512>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    format!(
        "sha512={}",
        tag.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}
