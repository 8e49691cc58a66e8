//! The inline script and style, and what keeps the page safe: their CSP hashes, inert JSON.

use serde::Serialize;
use sha2::{Digest, Sha256};

pub(super) const CSS: &str = include_str!("page.css");
pub(super) const JS: &str = include_str!("page.js");

/// The page's Content-Security-Policy: only its own script and style (by hash), and no load
/// of any kind.
pub(super) fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src '{}'; style-src '{}'; img-src 'none'; \
         font-src 'none'; connect-src 'none'; media-src 'none'; object-src 'none'; \
         frame-src 'none'; worker-src 'none'; manifest-src 'none'; base-uri 'none'; \
         form-action 'none'",
        csp_hash(JS),
        csp_hash(CSS)
    )
}

/// JSON that can sit inside a `<script>` element: `<`, `>` and `&` are written as `\u003c`,
/// `\u003e` and `\u0026` (the same string to a JSON parser), so nothing in it can close the
/// element or open a comment; U+2028 and U+2029 likewise, for old parsers.
pub(super) fn embeddable_json(data: &impl Serialize) -> String {
    let json = serde_json::to_string(data).expect("the page data holds only strings and numbers");
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// A CSP source for an inline element's exact text: `sha256-<base64>`.
fn csp_hash(text: &str) -> String {
    format!("sha256-{}", base64(&Sha256::digest(text.as_bytes())))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet_and_padding() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn embedded_json_cannot_close_its_script_element() {
        let hostile = vec![
            "</script><script>alert(1)</script>",
            "<!--",
            "a & b",
            "\u{2028}",
        ];
        let json = embeddable_json(&hostile);
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        let back: Vec<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, hostile);
    }
}
