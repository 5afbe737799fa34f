//! Lean's recorded answers (fixtures/lean-postman, a verbatim copy of the shared research
//! folder), loaded as HTTP responses.

use std::path::{Path, PathBuf};

pub fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lean-postman")
}

pub struct Recorded {
    pub name: String,
    pub method: String,
    pub path: String,
    /// `None`: Lean's collection recorded the request without an answer (its body is empty).
    pub status: Option<u16>,
    pub response: http::Response<Vec<u8>>,
    pub body: String,
}

pub fn load(path: &Path) -> Recorded {
    let text = std::fs::read_to_string(path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let status = v["status"].as_u64().map(|s| s as u16);
    let body = v["body"].as_str().unwrap().to_owned();
    let url = v["request"]["url"].as_str().unwrap();
    let without_base = [
        "{{baseUrl}}",
        "{{sandbox_host}}",
        "https://sandbox.sa.leantech.me",
        "https://sandbox.leantech.me",
        "https://api.ae03.leantech.me",
    ]
    .iter()
    .fold(url, |u, base| u.trim_start_matches(base));
    let path_only = without_base.split('?').next().unwrap().to_owned();
    let mut b = http::Response::builder().status(status.unwrap_or(200));
    for h in v["headers"].as_array().unwrap() {
        let name = h[0].as_str().unwrap();
        if name.starts_with(':') {
            continue; // HTTP/2 pseudo-header recorded by Postman
        }
        let value = match &h[1] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        b = b.header(name.to_ascii_lowercase(), value);
    }
    Recorded {
        name: path.file_name().unwrap().to_string_lossy().into_owned(),
        method: v["request"]["method"].as_str().unwrap().to_owned(),
        path: path_only,
        status,
        response: b.body(body.clone().into_bytes()).unwrap(),
        body,
    }
}

/// The recording of that file name, in whichever folder holds it.
pub fn recorded(name: &str) -> Recorded {
    for folder in ["UAE", "UAE-webhooks", "KSA-insights", "KSA-verifications"] {
        let path = fixtures_root().join(folder).join(name);
        if path.exists() {
            return load(&path);
        }
    }
    panic!("no recording {name}");
}
