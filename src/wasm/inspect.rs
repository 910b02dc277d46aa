//! What the CLI's `inspect` asks the core: a value's header and what a load
//! makes of it, without any store I/O; and, for `--no-verify`, what each
//! format lets anyone read without a key (one `peek*` export per format).
//! The CLI parses no format itself.

use alloc::string::String;
use wasm_bindgen::prelude::*;

#[cfg(feature = "foreign")]
use super::push_json_str;
use super::Codec;
use crate::text::{push_hex, push_u64};
use crate::{Config, Mode};

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
        // No JSON.parse of its own comes after: the core checks the data.
        let checked = Config {
            reader_parses: false,
            ..self.cfg.clone()
        };
        s.push_str(",\"load\":");
        s.push_str(&self.load_json(
            &checked,
            &header_line,
            now_ms,
            JsValue::UNDEFINED,
            JsValue::UNDEFINED,
            false,
        ));
        s.push('}');
        s
    }
}

/// The readable parts of a native value without any key (the CLI's
/// `--no-verify`), NOT verified: `{header, id, data, flash}` for a signed
/// session (`reason: "not_object"` if its document does not read),
/// `{header}` for anything else, `{error: "malformed"}` if no header reads.
#[wasm_bindgen]
pub fn peek(value: &str) -> String {
    let Ok((h, payload)) = crate::envelope::unverified_payload(value) else {
        return String::from("{\"error\":\"malformed\"}");
    };
    let mut s = String::from("{\"header\":");
    push_header(&mut s, &h);
    if let (crate::Kind::Session, Some(payload)) = (h.kind, payload) {
        match core::str::from_utf8(&payload).ok().filter(|t| {
            crate::payload::check_object(t.as_bytes(), &crate::Limits::default()).is_ok()
        }) {
            Some(doc) => push_document(&mut s, doc),
            None => s.push_str(",\"reason\":\"not_object\""),
        }
    }
    s.push('}');
    s
}

/// A native session document's id (`i`), data (`d`) and flash (`f`), as stored.
fn push_document(s: &mut String, doc: &str) {
    let (mut id, mut data, mut flash) = ("null", "null", "{}");
    for (key, value) in crate::payload::members(doc) {
        match key {
            "i" => id = value,
            "d" => data = value,
            "f" => flash = value,
            _ => {}
        }
    }
    for (name, value) in [("id", id), ("data", data), ("flash", flash)] {
        s.push_str(",\"");
        s.push_str(name);
        s.push_str("\":");
        s.push_str(value);
    }
}

/// A signed Beaker cookie read without its keys, NOT verified:
/// `{readable: true, id, fields, data, flash}` or `{readable: false}`
/// (encrypted, pickled, or not a Beaker cookie).
#[cfg(feature = "beaker")]
#[wasm_bindgen(js_name = peekBeaker)]
pub fn peek_beaker(value: &str) -> String {
    peeked_json(crate::formats::peek_beaker(value), true)
}

/// What an iron seal names in the clear, NOT verified: `{passwordId,
/// expiresAt}` (ms), each null when the value does not say.
#[cfg(feature = "iron")]
#[wasm_bindgen(js_name = peekIron)]
pub fn peek_iron(value: &str) -> String {
    let info = crate::iron::peek_unverified(value);
    let mut s = String::from("{\"passwordId\":");
    match info.password_id {
        Some(id) => push_json_str(&mut s, &id),
        None => s.push_str("null"),
    }
    s.push_str(",\"expiresAt\":");
    match info.expires_ms {
        Some(ms) => push_u64(&mut s, ms),
        None => s.push_str("null"),
    }
    s.push('}');
    s
}

/// A React Router cookie read without its secrets, NOT verified:
/// `{readable: true, data, flash}` or `{readable: false}`.
#[cfg(feature = "remix")]
#[wasm_bindgen(js_name = peekRemix)]
pub fn peek_remix(value: &str) -> String {
    peeked_json(crate::formats::peek_remix(value), false)
}

/// A cookie-rs signed-jar value read without its key, NOT verified:
/// `{readable: true, data, flash}` or `{readable: false}`. A private jar's
/// value is encrypted and never readable.
#[cfg(feature = "cookie-rs")]
#[wasm_bindgen(js_name = peekCookieRs)]
pub fn peek_cookie_rs(value: &str) -> String {
    peeked_json(crate::formats::peek_cookie_rs(value), false)
}

#[cfg(feature = "foreign")]
fn peeked_json(p: Option<crate::formats::Peeked>, with_fields: bool) -> String {
    let Some(p) = p else {
        return String::from("{\"readable\":false}");
    };
    let mut s = String::from("{\"readable\":true");
    if with_fields {
        s.push_str(",\"id\":");
        match &p.id {
            Some(id) => push_json_str(&mut s, id),
            None => s.push_str("null"),
        }
        s.push_str(",\"fields\":");
        s.push_str(&p.fields);
    }
    s.push_str(",\"data\":");
    s.push_str(&p.data);
    s.push_str(",\"flash\":");
    s.push_str(&p.flash);
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
