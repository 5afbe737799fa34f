//! A webhook as it arrives: out of a captured HTTP request (`lean webhook verify`), or out of a
//! web framework's `http::Request`.

use super::SIGNATURE_HEADER;

/// Splits a captured HTTP request (headers, a blank line, the raw body) into its
/// `lean-signature` value and the body bytes exactly as sent. Works on bytes: neither the
/// headers nor the body need be UTF-8. `None` when there is no blank line.
///
/// ```
/// let capture = b"POST /hook HTTP/1.1\r\nlean-signature: sha512=ab\r\n\r\n{\"type\":\"x\"}";
/// let (signature, body) = lean_proto::webhook::split_capture(capture).unwrap();
/// assert_eq!(signature.as_deref(), Some("sha512=ab"));
/// assert_eq!(body, b"{\"type\":\"x\"}");
/// ```
pub fn split_capture(input: &[u8]) -> Option<(Option<String>, &[u8])> {
    let find = |needle: &[u8]| input.windows(needle.len()).position(|w| w == needle);
    let (end, gap) = find(b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| find(b"\n\n").map(|i| (i, 2)))?;
    let headers = String::from_utf8_lossy(&input[..end]);
    let signature = headers.lines().find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.trim().eq_ignore_ascii_case(SIGNATURE_HEADER))
            .map(|(_, v)| v.trim().to_owned())
    });
    Some((signature, &input[end + gap..]))
}

/// The `lean-signature` value and the raw body of a webhook as a web framework hands it over
/// (axum's `Request<Bytes>`, hyper's, or any `http::Request` whose body is bytes): what the
/// intake takes. A header that is not visible ASCII counts as missing (the intake answers 401).
///
/// ```
/// let request = http::Request::builder()
///     .header("lean-signature", "sha512=ab")
///     .body(b"{\"type\":\"x\"}".to_vec())
///     .unwrap();
/// let (signature, body) = lean_proto::webhook::from_http(&request);
/// assert_eq!(signature, Some("sha512=ab"));
/// assert_eq!(body, b"{\"type\":\"x\"}");
/// ```
pub fn from_http<B: AsRef<[u8]>>(request: &http::Request<B>) -> (Option<&str>, &[u8]) {
    let signature = request
        .headers()
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok());
    (signature, request.body().as_ref())
}
