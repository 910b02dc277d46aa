//! What the CLI's `inspect` asks the core: a value's header and what a load
//! makes of it, without any store I/O.

use alloc::string::String;
use wasm_bindgen::prelude::*;

use super::{push_json_str, Codec};
use crate::text::{push_hex, push_u64};
use crate::Mode;

#[wasm_bindgen]
impl Codec {
    /// What a cookie value holds, for the CLI: the (unverified) header, then
    /// what a load makes of it. Returns JSON `{header, keyId, currentKey,
    /// oldKey, status, reason, id, data, flash, storeKey}`.
    pub fn inspect(&self, value: &str, now_ms: f64) -> String {
        let mut header_line = self.cfg.cookie.name.clone();
        header_line.push('=');
        header_line.push_str(value);
        let mut s = String::from("{\"header\":");
        match crate::envelope::peek(value) {
            Ok(h) => {
                push_header(&mut s, &h);
                let current = self.cfg.ring.current().id();
                s.push_str(",\"currentKey\":");
                s.push_str(if h.key_id == current { "true" } else { "false" });
                s.push_str(",\"knownKey\":");
                s.push_str(if self.cfg.ring.find(h.key_id).is_some() {
                    "true"
                } else {
                    "false"
                });
            }
            Err(_) => s.push_str("null"),
        }
        s.push_str(",\"load\":");
        s.push_str(&self.load(&header_line, now_ms));
        s.push('}');
        s
    }
}

/// The readable parts of a value without any key (the CLI's `--no-verify`):
/// `{header, payload}`; `payload` is null for sealed values.
#[wasm_bindgen]
pub fn peek(value: &str) -> String {
    let Ok((h, payload)) = crate::envelope::unverified_payload(value) else {
        return String::from("{\"error\":\"malformed\"}");
    };
    let mut s = String::from("{\"header\":");
    push_header(&mut s, &h);
    s.push_str(",\"payload\":");
    match payload.as_deref().map(core::str::from_utf8) {
        Some(Ok(text)) => push_json_str(&mut s, text),
        _ => s.push_str("null"),
    }
    s.push('}');
    s
}

fn push_header(s: &mut String, h: &crate::Header) {
    s.push_str("{\"version\":");
    push_u64(s, h.version as u64);
    s.push_str(",\"mode\":\"");
    s.push_str(match h.mode {
        Mode::Sealed => "sealed",
        Mode::Signed => "signed",
    });
    s.push_str("\",\"kind\":\"");
    s.push_str(match h.kind {
        crate::Kind::Session => "session",
        crate::Kind::Reference => "reference",
        crate::Kind::Blob => "blob",
        crate::Kind::Pointer => "pointer",
    });
    s.push_str("\",\"keyId\":\"");
    push_hex(s, &h.key_id);
    s.push_str("\",\"issuedAt\":");
    push_u64(s, h.issued_at);
    s.push_str(",\"expiresAt\":");
    push_u64(s, h.expires_at);
    s.push('}');
}
