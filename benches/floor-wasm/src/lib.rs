//! The benchmark floor: bare primitives on given bytes, exported beside the
//! codec in the same module (a crate of its own under benches/, never shipped).
//!
//! Each `*Loop` export runs its primitive `n` times inside wasm, so the JS
//! call and the copy across the boundary are paid once; it returns a byte of
//! the last result so nothing is optimised away. The single-shot exports pay
//! the boundary on every call, like the codec's own exports. Keys are fixed,
//! and so is the nonce: this is a timing harness, not a cipher.
//!
//! Keyed states are built once per call, outside the loop, as the codec keeps
//! them in its key ring; `aesKeySetupLoop` and `hmacKeySetupLoop` time what
//! building them costs.
//!
//! The boundary exports (benches/boundary.mjs) carry a session-like object
//! across the JS↔wasm boundary into a `serde_json::Value` and back, two ways:
//! as JSON text (`JSON.stringify` / `&str` / `serde_json` / `String` /
//! `JSON.parse`, what the shipped bindings do) and as a `JsValue` walked by
//! serde-wasm-bindgen. The serde-wasm-bindgen ones are left out when built
//! with `--cfg edge_session_bench_no_swb` (benches/build.mjs does, to measure
//! the bytes they add); nothing else changes between the two builds. That
//! cfg is not declared to Cargo, hence the allow.
#![allow(unexpected_cfgs)]
#![no_std]

extern crate alloc;

// The codec's bindings, linked into this module: the bench's JS driver
// (js/core.js) runs on the same wasm as the primitives.
pub use edge_session::Codec;

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes256Gcm, KeyInit};
use alloc::string::String;
use alloc::vec::Vec;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use wasm_bindgen::prelude::*;

type HmacSha256 = Hmac<Sha256>;

const KEY: [u8; 32] = [0x42; 32];
const NONCE: [u8; 12] = [0x24; 12];
/// As long as the codec's AAD for a `__Host-session` cookie: header and context.
const AAD: [u8; 40] = [0x11; 40];
const TAG_LEN: usize = 16;

fn cipher() -> Aes256Gcm {
    Aes256Gcm::new(&KEY.into())
}

fn mac() -> HmacSha256 {
    // A 32-byte key zero-padded to the block size, as the key ring does.
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(&KEY);
    <HmacSha256 as KeyInit>::new(&block.into())
}

fn last(bytes: &[u8]) -> u32 {
    bytes.last().copied().map_or(0, u32::from) + bytes.len() as u32
}

fn seal_with(c: &Aes256Gcm, data: &[u8]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(data.len() + TAG_LEN);
    buf.extend_from_slice(data);
    // AES-GCM only fails past 64 GiB of plaintext.
    if let Ok(tag) = c.encrypt_inout_detached(&NONCE.into(), &AAD, buf.as_mut_slice().into()) {
        buf.extend_from_slice(&tag);
    }
    buf
}

fn open_with(c: &Aes256Gcm, sealed: &[u8]) -> Option<Vec<u8>> {
    let (ct, tag) = sealed.split_at_checked(sealed.len().checked_sub(TAG_LEN)?)?;
    let tag: [u8; TAG_LEN] = tag.try_into().ok()?;
    let mut pt = Vec::from(ct);
    c.decrypt_inout_detached(&NONCE.into(), &AAD, pt.as_mut_slice().into(), &tag.into())
        .ok()?;
    Some(pt)
}

fn hmac_with(m: &HmacSha256, data: &[u8]) -> [u8; 32] {
    let mut m = m.clone();
    m.update(data);
    m.finalize().into_bytes().into()
}

fn json_ok(text: &str) -> bool {
    edge_session::json::check(text.as_bytes(), edge_session::json::MAX_DEPTH).is_ok()
}

/// HMAC-SHA256 of `data`, `n` times, with the keyed state cloned each time.
#[wasm_bindgen(js_name = hmacSha256Loop)]
pub fn hmac_sha256_loop(data: &[u8], n: u32) -> u32 {
    let m = mac();
    let mut out = 0;
    for _ in 0..n {
        out = last(&hmac_with(&m, data));
    }
    out
}

/// AES-256-GCM seal of `data` (copied into a fresh buffer), `n` times.
#[wasm_bindgen(js_name = aesGcmSealLoop)]
pub fn aes_gcm_seal_loop(data: &[u8], n: u32) -> u32 {
    let c = cipher();
    let mut out = 0;
    for _ in 0..n {
        out = last(&seal_with(&c, data));
    }
    out
}

/// AES-256-GCM open of `sealed` (ciphertext and tag from `Primitives::aes_gcm_seal`),
/// `n` times. Returns 0 if the tag does not verify.
#[wasm_bindgen(js_name = aesGcmOpenLoop)]
pub fn aes_gcm_open_loop(sealed: &[u8], n: u32) -> u32 {
    let c = cipher();
    let mut out = 0;
    for _ in 0..n {
        match open_with(&c, sealed) {
            Some(pt) => out = last(&pt),
            None => return 0,
        }
    }
    out
}

/// Base64url (no padding) encoding of `data` into a new string, `n` times.
#[wasm_bindgen(js_name = base64EncodeLoop)]
pub fn base64_encode_loop(data: &[u8], n: u32) -> u32 {
    let mut out = 0;
    for _ in 0..n {
        out = last(URL_SAFE_NO_PAD.encode(data).as_bytes());
    }
    out
}

/// Base64url (no padding) decoding of `text` into new bytes, `n` times.
/// Returns 0 if it does not decode.
#[wasm_bindgen(js_name = base64DecodeLoop)]
pub fn base64_decode_loop(text: &str, n: u32) -> u32 {
    let mut out = 0;
    for _ in 0..n {
        match URL_SAFE_NO_PAD.decode(text) {
            Ok(b) => out = last(&b),
            Err(_) => return 0,
        }
    }
    out
}

/// JSON syntax check of `text` (the core's `json::check`), `n` times.
/// Returns how many passed.
#[wasm_bindgen(js_name = jsonValidateLoop)]
pub fn json_validate_loop(text: &str, n: u32) -> u32 {
    (0..n).filter(|_| json_ok(text)).count() as u32
}

/// Builds the AES-256-GCM key schedule `n` times: what a per-request
/// `Aes256Gcm::new` would cost.
#[wasm_bindgen(js_name = aesKeySetupLoop)]
pub fn aes_key_setup_loop(n: u32) -> u32 {
    let mut out = 0;
    for i in 0..n {
        let mut key = KEY;
        key[0] = i as u8;
        let c = Aes256Gcm::new(&key.into());
        out = last(&seal_with(&c, &[]));
    }
    out
}

/// Builds a keyed HMAC-SHA256 state `n` times.
#[wasm_bindgen(js_name = hmacKeySetupLoop)]
pub fn hmac_key_setup_loop(n: u32) -> u32 {
    let mut out = 0;
    for i in 0..n {
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&KEY);
        block[0] = i as u8;
        let m = <HmacSha256 as KeyInit>::new(&block.into());
        out = last(&m.finalize().into_bytes());
    }
    out
}

/// Keyed states for the single-shot crypto exports, built once, as the
/// codec's key ring keeps them: a call then pays the primitive and the
/// boundary, no key schedule.
#[wasm_bindgen]
pub struct Primitives {
    cipher: Aes256Gcm,
    mac: HmacSha256,
}

#[wasm_bindgen]
impl Primitives {
    /// Keys the cipher and the MAC with the fixed key.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Primitives {
        Primitives {
            cipher: cipher(),
            mac: mac(),
        }
    }

    /// HMAC-SHA256 of `data`, once.
    #[wasm_bindgen(js_name = hmacSha256)]
    pub fn hmac_sha256(&self, data: &[u8]) -> Vec<u8> {
        Vec::from(hmac_with(&self.mac, data))
    }

    /// AES-256-GCM seal of `data`, once: ciphertext followed by the tag.
    #[wasm_bindgen(js_name = aesGcmSeal)]
    pub fn aes_gcm_seal(&self, data: &[u8]) -> Vec<u8> {
        seal_with(&self.cipher, data)
    }

    /// AES-256-GCM open of `sealed`, once; `undefined` if the tag does not verify.
    #[wasm_bindgen(js_name = aesGcmOpen)]
    pub fn aes_gcm_open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        open_with(&self.cipher, sealed)
    }
}

impl Default for Primitives {
    fn default() -> Self {
        Self::new()
    }
}

/// Base64url (no padding) encoding of `data`, once.
#[wasm_bindgen(js_name = base64Encode)]
pub fn base64_encode(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Base64url (no padding) decoding of `text`, once; `undefined` if invalid.
#[wasm_bindgen(js_name = base64Decode)]
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// JSON syntax check of `text`, once.
#[wasm_bindgen(js_name = jsonValidate)]
pub fn json_validate(text: &str) -> bool {
    json_ok(text)
}

/// Top-level entries of a parsed document, so the parse is not optimised away.
fn entries(v: &serde_json::Value) -> u32 {
    match v {
        serde_json::Value::Object(m) => m.len() as u32,
        serde_json::Value::Array(a) => a.len() as u32,
        _ => 1,
    }
}

/// JSON text in, parsed into a `Value`, serialised back to text out: the
/// strings-across-the-boundary path, both ways. `undefined` if invalid.
#[wasm_bindgen(js_name = jsonRoundTrip)]
pub fn json_round_trip(text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    serde_json::to_string(&v).ok()
}

/// JSON text in, parsed into a `Value` (JS→wasm only); its top-level entries,
/// or `undefined` if invalid.
#[wasm_bindgen(js_name = jsonIn)]
pub fn json_in(text: &str) -> Option<u32> {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .map(|v| entries(&v))
}

/// A `Value` held in wasm, for the wasm→JS direction alone.
#[wasm_bindgen]
pub struct BoundaryValue {
    value: serde_json::Value,
}

#[wasm_bindgen]
impl BoundaryValue {
    /// Parses `text` once; `undefined` if invalid.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(text: &str) -> Option<BoundaryValue> {
        serde_json::from_str(text)
            .ok()
            .map(|value| BoundaryValue { value })
    }

    /// The value serialised to JSON text (wasm→JS only; JS then `JSON.parse`s it).
    #[wasm_bindgen(js_name = toJson)]
    pub fn to_json(&self) -> Option<String> {
        serde_json::to_string(&self.value).ok()
    }
}

// Left out under `--cfg edge_session_bench_no_swb`, which only
// benches/build.mjs sets (for the size comparison).
#[cfg(not(edge_session_bench_no_swb))]
mod swb {
    use super::{entries, BoundaryValue};
    use serde::Serialize;
    use wasm_bindgen::prelude::*;

    fn to_js(v: &serde_json::Value) -> Result<JsValue, JsValue> {
        Ok(v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())?)
    }

    #[wasm_bindgen]
    impl BoundaryValue {
        /// The value as a JS object built by serde-wasm-bindgen (wasm→JS only).
        #[wasm_bindgen(js_name = toJs)]
        pub fn to_js(&self) -> Result<JsValue, JsValue> {
            to_js(&self.value)
        }
    }

    /// A JS object in, walked by serde-wasm-bindgen into a `Value`, and back
    /// out as a JS object (json-compatible serializer): the JsValue path,
    /// both ways.
    #[wasm_bindgen(js_name = swbRoundTrip)]
    pub fn swb_round_trip(value: JsValue) -> Result<JsValue, JsValue> {
        let v: serde_json::Value = serde_wasm_bindgen::from_value(value)?;
        to_js(&v)
    }

    /// A JS object in, walked by serde-wasm-bindgen into a `Value` (JS→wasm
    /// only); its top-level entries.
    #[wasm_bindgen(js_name = swbIn)]
    pub fn swb_in(value: JsValue) -> Result<u32, JsValue> {
        let v: serde_json::Value = serde_wasm_bindgen::from_value(value)?;
        Ok(entries(&v))
    }
}
