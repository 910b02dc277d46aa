//! wasm-bindgen bindings: a thin driver over [`crate::session`].
//!
//! Plain strings, bytes and numbers cross the boundary, never session data
//! as JS objects: the options come in as one JSON document
//! ([`Config::from_options`]), the session data goes in as `JSON.stringify`
//! text and comes out as JSON text for one `JSON.parse`; bulk crypto jobs
//! are read in place in wasm memory ([`Codec::take_jobs`]). The boundary bench
//! (`BENCH_ONLY=boundary`) measured serde-wasm-bindgen at about twice the time for a 1 KiB session and 30 KB
//! more wasm; with no serde derives here, no `core::fmt` error paths either.
//! Errors come back as `{"error": code, ...}` for the JS side to raise as
//! `SessionError`; nothing here panics.

// The CLI's exports: it loads the formats build, so the default one leaves them out.
#[cfg(feature = "foreign")]
mod inspect;

use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::prelude::*;

use crate::cookie::push_u64;
use crate::deferred::{Job, Op};
use crate::envelope::{Body, Bulk, Frame, Framed, Software};
use crate::keys::Purpose;
use crate::session::{
    Change, Config, Fetch, LoadStep, Loaded, Meta, RecordEdit, SavePlan, StoreOp,
};
use crate::{Answer, DecodeError, Deferred};
use crate::{KeyRing, LoadError, OsRandom, Random, RandomPool, SaveError};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// A validated option set with its derived keys, built once and reused.
#[wasm_bindgen]
pub struct Codec {
    cfg: Config,
    /// The driver runs the bulk crypto on the platform ([`Codec::defer_crypto`]).
    defer: bool,
    /// The driver decodes large store blobs' bodies on the platform's base64.
    text_bodies: bool,
    /// The jobs of the last call that deferred, until [`Codec::take_jobs`].
    jobs: core::cell::RefCell<Vec<Job>>,
    /// What [`Codec::take_jobs`] wrote, read in place by the driver.
    taken: core::cell::RefCell<Vec<u8>>,
    /// Nonces and ids a block at a time ([`RandomPool`]).
    pool: core::cell::RefCell<RandomPool<OsRandom>>,
}

/// The codec's pool, or the platform directly if the pool is in use.
struct CodecRandom<'a>(Option<core::cell::RefMut<'a, RandomPool<OsRandom>>>);

impl Random for CodecRandom<'_> {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), crate::RandomError> {
        match &mut self.0 {
            Some(pool) => pool.fill(buf),
            None => OsRandom.fill(buf),
        }
    }
}

#[wasm_bindgen]
impl Codec {
    /// Builds a codec from the options document: the JSON of `loadSession`'s
    /// options, with the stores as `true` (`{"cas": true}` for a
    /// compare-and-swap store) and the clock left out. Throws
    /// `"path\nmessage"`, the path such as `legacy[1].cookie.name`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str) -> Result<Codec, JsValue> {
        let mut cfg = Config::from_options(options).map_err(|e| {
            let mut s = e.path;
            s.push('\n');
            s.push_str(&e.message);
            JsValue::from_str(&s)
        })?;
        // The driver parses every loaded text with JSON.parse (fromCore in
        // js/core.js) and reports a failure (`notJson`).
        cfg.reader_parses = true;
        Ok(Codec {
            cfg,
            defer: false,
            text_bodies: false,
            jobs: core::cell::RefCell::new(Vec::new()),
            taken: core::cell::RefCell::new(Vec::new()),
            pool: core::cell::RefCell::new(RandomPool::new(OsRandom)),
        })
    }

    /// The names of the session cookie and of every legacy cookie: the
    /// driver narrows a long `Cookie` header to these before it crosses.
    #[wasm_bindgen(getter, js_name = cookieNames)]
    pub fn cookie_names(&self) -> Vec<String> {
        let legacy = self.cfg.legacy.iter().map(|l| l.cookie.name.clone());
        core::iter::once(self.cfg.cookie.name.clone())
            .chain(legacy)
            .collect()
    }

    /// True for the native format, whose bulk crypto the driver may run
    /// ([`Codec::defer_crypto`]); the foreign formats' stays here.
    #[wasm_bindgen(getter)]
    pub fn native(&self) -> bool {
        matches!(self.cfg.format, crate::Format::Native)
    }

    /// The session cookie's name, after the defaults.
    #[wasm_bindgen(getter, js_name = cookieName)]
    pub fn cookie_name(&self) -> String {
        self.cfg.cookie.name.clone()
    }

    /// The longest cookie value the core reads: longer ones are refused unread.
    #[wasm_bindgen(getter, js_name = maxCookieValue)]
    pub fn max_cookie_value(&self) -> usize {
        crate::session::MAX_COOKIE_VALUE_LEN
    }

    /// The longest store blob the core could have written for these limits.
    #[wasm_bindgen(getter, js_name = maxBlob)]
    pub fn max_blob(&self) -> usize {
        self.cfg.max_blob_len()
    }

    /// Reads the session cookie out of a `Cookie` header. Returns JSON: a
    /// loaded session, or `{"fetch": token, "key": storeKey}` when the store
    /// must be read first.
    ///
    /// With [`Codec::defer_crypto`], `{"open": true}` when the cookie's
    /// AES-GCM decryption is handed out ([`Codec::take_jobs`]); call again
    /// with the same header, the `answer` (the plaintext, or `null` when the
    /// platform refused) and the `job` it answers.
    pub fn load(&self, cookie_header: &str, now_ms: f64, answer: JsValue, job: JsValue) -> String {
        self.load_json(&self.cfg, cookie_header, now_ms, answer, job, self.defer)
    }

    /// [`Codec::load`] under `cfg` (the codec's, or inspect's checked copy), deferring or not.
    pub(crate) fn load_json(
        &self,
        cfg: &Config,
        cookie_header: &str,
        now_ms: f64,
        answer: JsValue,
        job: JsValue,
        defer: bool,
    ) -> String {
        let step = self.with_bulk(answer, job, defer, |bulk| {
            cfg.load_with(cookie_header, millis(now_ms), &mut self.rng(), bulk)
        });
        match step {
            Ok(Some(LoadStep::Done(l))) => self.loaded_json(&l),
            Ok(None) => String::from(OPEN),
            Ok(Some(LoadStep::Fetch(f))) => {
                let mut s = String::from("{\"fetch\":");
                push_json_str(&mut s, &f.to_token());
                s.push_str(",\"key\":");
                push_json_str(&mut s, &f.key);
                s.push_str(",\"id\":");
                push_json_str(&mut s, f.id());
                s.push('}');
                s
            }
            Err(e) => load_error(e),
        }
    }

    /// Finishes a load with what the store returned for the fetch's key
    /// (`undefined`/`null` when it had nothing); `{"open": true}` as for
    /// [`Codec::load`].
    #[wasm_bindgen(js_name = loadFetched)]
    pub fn load_fetched(
        &self,
        fetch: &str,
        blob: Option<String>,
        now_ms: f64,
        answer: JsValue,
        job: JsValue,
    ) -> String {
        let Some(f) = Fetch::from_token(fetch) else {
            return String::from("{\"error\":\"invalid_state\"}");
        };
        let step = self.with_bulk(answer, job, self.defer, |bulk| {
            if let (Engine::Deferred(d), true) = (&mut *bulk, self.text_bodies) {
                d.text_above = Some(TEXT_BODIES_ABOVE);
            }
            self.cfg
                .load_fetched_with(f, blob.as_deref(), secs(now_ms), &mut self.rng(), bulk)
        });
        match step {
            Ok(Some(l)) => self.loaded_json(&l),
            Ok(None) => String::from(OPEN),
            Err(e) => load_error(e),
        }
    }

    /// Hands the bulk AES-GCM to the driver from now on: it holds the
    /// subkeys ([`Codec::subkeys`]) in the platform's crypto. With
    /// `text_bodies`, the driver also decodes a large store blob's body from
    /// the blob's text on its platform's base64 (the core checks the text).
    #[wasm_bindgen(js_name = deferCrypto)]
    pub fn defer_crypto(&mut self, text_bodies: bool) {
        self.defer = true;
        self.text_bodies = text_bodies;
    }

    /// The AES-GCM subkeys the platform runs, two per secret (encrypt,
    /// store-encrypt), current secret first: imported once per key ring.
    /// HMAC stays in wasm, so the sign subkey never leaves it.
    pub fn subkeys(&self) -> js_sys::Array {
        let out = js_sys::Array::new();
        for key in self.cfg.ring.keys() {
            for purpose in [Purpose::Encrypt, Purpose::StoreEncrypt] {
                if let Some(k) = key.subkey(purpose) {
                    out.push(&js_sys::Uint8Array::from(&k[..]));
                }
            }
        }
        out
    }

    /// The jobs the last call handed out, in one buffer the driver reads in
    /// place in [`Codec::memory`] (no copy, no object per job), at the
    /// returned address: its length (4 bytes), then per job a 20-byte head `flags(1) key(4)
    /// nonce_len(1) aad_len(4) body_len(4) prefix_len(1) text_at(4)
    /// skip(1)` (big-endian), then nonce, AAD, the body (unless flag 2) and
    /// prefix. `key` is the index into [`Codec::subkeys`]. Flag 1: seal
    /// (AES-GCM encrypt the body, then [`Codec::join`] `prefix` with the
    /// output); else open (AES-GCM decrypt the body, ciphertext || tag, and
    /// pass the head, nonce and AAD back with the answer). Flag 2: the body
    /// is not in the buffer but in the blob's text: decode the text from
    /// character `text_at` (base64url), drop `skip` bytes, `body_len` remain.
    /// The buffer holds until the next call to `takeJobs`; what must outlive
    /// a later call into this module (an await) is copied out first.
    #[wasm_bindgen(js_name = takeJobs)]
    pub fn take_jobs(&self) -> u32 {
        let mut out = self.taken.borrow_mut();
        // A large session's buffer is not kept for the small ones after it.
        if out.capacity() > KEEP_JOBS_BUFFER {
            *out = Vec::new();
        }
        out.clear();
        out.extend_from_slice(&[0; 4]);
        for job in self.jobs.borrow_mut().drain(..) {
            let slot = usize::from(job.purpose() == Purpose::StoreEncrypt);
            let key = (job.key_index * 2 + slot) as u32;
            let prefix = job.frame.as_ref().map_or(&[][..], |f| f.prefix());
            let (text_at, skip) = job.text.map_or((0, 0), |t| (t.at, t.skip));
            out.push(u8::from(job.op == Op::Seal) | if job.text.is_some() { 2 } else { 0 });
            out.extend_from_slice(&key.to_be_bytes());
            out.push(job.nonce.len() as u8);
            out.extend_from_slice(&(job.aad.len() as u32).to_be_bytes());
            out.extend_from_slice(&(job.body_len() as u32).to_be_bytes());
            out.push(prefix.len() as u8);
            out.extend_from_slice(&(text_at as u32).to_be_bytes());
            out.push(skip as u8);
            let body = if job.text.is_some() {
                &[][..]
            } else {
                &job.data
            };
            for part in [&job.nonce[..], &job.aad, body, prefix] {
                out.extend_from_slice(part);
            }
        }
        let len = (out.len() - 4) as u32;
        out[..4].copy_from_slice(&len.to_be_bytes());
        out.as_ptr() as usize as u32
    }

    /// The module's memory, where [`Codec::take_jobs`] leaves the jobs.
    #[wasm_bindgen(getter)]
    pub fn memory(&self) -> JsValue {
        wasm_bindgen::memory()
    }

    /// A sealed value: `base64url(prefix || a || b)`, where `prefix` is a
    /// seal job's and `a`, `b` what the platform returned (ciphertext and
    /// tag, together or apart).
    pub fn join(&self, prefix: &[u8], a: &[u8], b: &[u8]) -> String {
        let mut raw = Vec::with_capacity(prefix.len() + a.len() + b.len());
        raw.extend_from_slice(prefix);
        raw.extend_from_slice(a);
        raw.extend_from_slice(b);
        URL_SAFE_NO_PAD.encode(raw)
    }

    /// The randomness for one call: the codec's pool.
    fn rng(&self) -> CodecRandom<'_> {
        CodecRandom(self.pool.try_borrow_mut().ok())
    }

    /// Runs `f` with the bulk this call takes: software, or deferred with
    /// the driver's answer to the previous pass.
    fn with_bulk<T>(
        &self,
        answer: JsValue,
        job: JsValue,
        defer: bool,
        f: impl FnOnce(&mut Engine) -> T,
    ) -> T {
        let mut engine = if defer {
            Engine::Deferred(answered(answer, &job).unwrap_or_default())
        } else {
            Engine::Software
        };
        let out = f(&mut engine);
        if let Engine::Deferred(d) = engine {
            *self.jobs.borrow_mut() = d.jobs;
        }
        out
    }

    /// Finishes a load whose answer's data or flash the driver could not
    /// parse (`JSON.parse` threw): the load's answer had it been found not
    /// JSON here. `fetch` is the store read's token, for a blob.
    #[wasm_bindgen(js_name = notJson)]
    pub fn not_json(&self, fetch: Option<String>) -> String {
        let fetch = match fetch.as_deref().map(Fetch::from_token) {
            Some(None) => return String::from("{\"error\":\"invalid_state\"}"),
            Some(f) => f,
            None => None,
        };
        match self.cfg.not_json(fetch, &mut self.rng()) {
            Ok(l) => self.loaded_json(&l),
            Err(e) => load_error(e.into()),
        }
    }

    /// Finishes a load whose store read failed.
    #[wasm_bindgen(js_name = loadFailed)]
    pub fn load_failed(&self, fetch: &str) -> String {
        match Fetch::from_token(fetch) {
            Some(f) => self.loaded_json(&self.cfg.load_failed(f)),
            None => String::from("{\"error\":\"invalid_state\"}"),
        }
    }

    /// Plans the end of a request. The driver compares the JSON texts
    /// itself (`data_changed`, `flash_changed`), which spares copying the
    /// "before" texts into wasm; `data` and `flash` come from `JSON.stringify`.
    /// Returns `{"store": [...], "cookies": [...], "meta": token}` or `{"error": ...}`.
    #[allow(clippy::too_many_arguments)]
    pub fn save(
        &self,
        meta: &str,
        data: &str,
        flash: &str,
        regenerate: bool,
        destroy: bool,
        data_changed: bool,
        flash_changed: bool,
        now_ms: f64,
    ) -> String {
        let Some(meta) = Meta::from_token(meta) else {
            return String::from("{\"error\":\"invalid_state\"}");
        };
        // "Changed" becomes a before-text that differs from the after-text.
        let change = Change {
            data,
            before_data: if data_changed { "" } else { data },
            flash,
            before_flash: if flash_changed { "" } else { flash },
            regenerate,
            destroy,
            trusted: true,
            // The driver's data is JSON.stringify's text.
            canonical: true,
        };
        let planned = self.with_bulk(JsValue::UNDEFINED, JsValue::UNDEFINED, self.defer, |bulk| {
            self.cfg
                .save_with(&meta, &change, millis(now_ms), &mut self.rng(), bulk)
        });
        match planned {
            Ok(plan) => plan_json(&plan, None),
            Err(e) => save_error(e),
        }
    }

    /// Finishes a load with the revocation records read for its `check`
    /// keys: one line each, `-` when absent; `failed` when the store failed.
    /// Returns `null` when the session stands, or the session that replaces it.
    #[wasm_bindgen(js_name = checkRevoked)]
    pub fn check_revoked(
        &self,
        status: &str,
        meta: &str,
        records: &str,
        failed: bool,
        now_ms: f64,
    ) -> String {
        let status = match status {
            "valid" => crate::Status::Valid,
            "unavailable" => crate::Status::Unavailable,
            "stale" => crate::Status::Stale,
            _ => return String::from("null"),
        };
        let Some(meta) = Meta::from_token(meta) else {
            return String::from("{\"error\":\"invalid_state\"}");
        };
        let loaded = Loaded {
            status,
            reason: None,
            data: String::new(),
            flash: String::new(),
            canonical: false,
            meta,
            migrated_from: None,
        };
        let lines: Vec<Option<&str>> = records
            .split('\n')
            .map(|l| if l == "-" { None } else { Some(l) })
            .collect();
        let read = if failed {
            Err(())
        } else {
            Ok(lines.as_slice())
        };
        match self
            .cfg
            .check_revoked(loaded, read, secs(now_ms), &mut self.rng())
        {
            Ok(l) if l.status == status => String::from("null"),
            Ok(l) => self.loaded_json(&l),
            Err(e) => load_error(e),
        }
    }

    /// Applies a revocation edit (from a plan, `revokeAll` or `revokeOne`) to
    /// the record as read. Returns `{"value", "ttl"}`, or `{"delete":true}`.
    #[wasm_bindgen(js_name = applyEdit)]
    pub fn apply_edit(&self, edit: &str, record: Option<String>, now_ms: f64) -> String {
        let Some(edit) = RecordEdit::from_token(edit) else {
            return String::from("{\"error\":\"invalid_state\"}");
        };
        match self
            .cfg
            .apply_edit(&edit, record.as_deref(), secs(now_ms), &mut self.rng())
        {
            Ok(Some((value, ttl))) => {
                let mut s = String::from("{\"value\":");
                push_json_str(&mut s, &value);
                s.push_str(",\"ttl\":");
                push_u64(&mut s, ttl);
                s.push('}');
                s
            }
            Ok(None) => String::from("{\"delete\":true}"),
            Err(e) => save_error(e),
        }
    }

    /// The edit that signs out every session of `subject` (JSON text).
    #[wasm_bindgen(js_name = revokeAll)]
    pub fn revoke_all(&self, subject: &str, now_ms: f64) -> String {
        edit_json(self.cfg.revoke_all(subject, millis(now_ms)))
    }

    /// The edit that revokes session `id` (of `subject`, JSON text, or "").
    #[wasm_bindgen(js_name = revokeOne)]
    pub fn revoke_one(&self, subject: &str, id: &str, now_ms: f64) -> String {
        let subject = Some(subject).filter(|s| !s.is_empty());
        let expires = secs(now_ms).saturating_add(self.cfg.absolute_timeout);
        edit_json(self.cfg.revoke_one(subject, id, expires))
    }

    /// The record key that lists `subject`'s sessions.
    #[wasm_bindgen(js_name = subjectKey)]
    pub fn subject_key(&self, subject: &str) -> Option<String> {
        self.cfg.subject_key(subject)
    }

    /// The live sessions a subject's record lists:
    /// `[{"id", "startedAt", "savedAt", "expiresAt"}]`, times in ms.
    #[wasm_bindgen(js_name = listSessions)]
    pub fn list_sessions(&self, key: &str, record: Option<String>, now_ms: f64) -> String {
        let mut s = String::from("[");
        for (i, l) in self
            .cfg
            .list_sessions(key, record.as_deref(), secs(now_ms))
            .iter()
            .enumerate()
        {
            if i > 0 {
                s.push(',');
            }
            s.push_str("{\"id\":");
            push_json_str(&mut s, &l.id);
            let times = [
                ("startedAt", l.started),
                ("savedAt", l.saved),
                ("expiresAt", l.expires.saturating_mul(1000)),
            ];
            for (name, ms) in times {
                s.push_str(",\"");
                s.push_str(name);
                s.push_str("\":");
                push_u64(&mut s, ms);
            }
            s.push('}');
        }
        s.push(']');
        s
    }

    /// A loaded session as JSON, with the revocation records to check.
    fn loaded_json(&self, l: &Loaded) -> String {
        let mut s = loaded_json(l);
        let keys = self.cfg.revocation_keys(l);
        if !keys.is_empty() {
            s.pop();
            s.push_str(",\"check\":[");
            for (i, k) in keys.iter().enumerate() {
                if i > 0 {
                    s.push(',');
                }
                push_json_str(&mut s, k);
            }
            s.push_str("]}");
        }
        s
    }

    /// Merges a save whose conditional write lost the race with what the
    /// store now holds (`theirs`, null when gone), and plans it again. The
    /// "before" texts are the data and flash as loaded. Returns the plan of
    /// `save` plus `"data"` and `"flash"`: the merged session.
    #[allow(clippy::too_many_arguments)]
    pub fn rebase(
        &self,
        meta: &str,
        before_data: &str,
        data: &str,
        before_flash: &str,
        flash: &str,
        regenerate: bool,
        theirs: Option<String>,
        now_ms: f64,
    ) -> String {
        let Some(meta) = Meta::from_token(meta) else {
            return String::from("{\"error\":\"invalid_state\"}");
        };
        let change = Change {
            data,
            before_data,
            flash,
            before_flash,
            regenerate,
            destroy: false,
            trusted: true,
            canonical: true,
        };
        let rebased = self.with_bulk(JsValue::UNDEFINED, JsValue::UNDEFINED, self.defer, |bulk| {
            self.cfg.rebase_with(
                &meta,
                &change,
                theirs.as_deref(),
                millis(now_ms),
                &mut self.rng(),
                bulk,
            )
        });
        match rebased {
            Ok(r) => plan_json(&r.plan, Some((&r.data, &r.flash))),
            Err(e) => save_error(e),
        }
    }
}

/// The bulk of one call.
enum Engine {
    Software,
    Deferred(Deferred),
}

impl Bulk for Engine {
    fn open(&mut self, ring: &KeyRing, framed: &Framed) -> Result<Option<Vec<u8>>, DecodeError> {
        match self {
            Engine::Software => Software.open(ring, framed),
            Engine::Deferred(d) => d.open(ring, framed),
        }
    }

    fn seal(&mut self, ring: &KeyRing, frame: &Frame, payload: &[u8]) -> String {
        match self {
            Engine::Software => Software.seal(ring, frame, payload),
            Engine::Deferred(d) => d.seal(ring, frame, payload),
        }
    }

    fn body(&self, len: usize) -> Body {
        match self {
            Engine::Software => Software.body(len),
            Engine::Deferred(d) => d.body(len),
        }
    }
}

/// Store blobs longer than this (characters) leave their body to the
/// driver's base64: below it, the copies this spares cost less than a call.
const TEXT_BODIES_ABOVE: usize = 8192;

/// The driver's answer to an open job, and that job's head, nonce and AAD
/// (as `takeJobs` gave them): `undefined` on a first pass; the plaintext, or
/// `null` when the platform refused.
fn answered(answer: JsValue, job: &JsValue) -> Option<Deferred> {
    if answer.is_undefined() {
        return None;
    }
    // Not `instanceof`: under jsdom, node:crypto's Buffer comes from
    // another realm than the page's Uint8Array.
    let bytes = |v: &JsValue| {
        js_sys::ArrayBuffer::is_view(v).then(|| v.clone().unchecked_into::<js_sys::Uint8Array>())
    };
    let answer = match bytes(&answer) {
        Some(plain) => Answer::Plain(plain.to_vec()),
        None => Answer::Failed,
    };
    let record = bytes(job).map(|j| j.to_vec()).unwrap_or_default();
    let (nonce, aad, len) = job_head(&record).unwrap_or((&[], &[], 0));
    // HMAC stays in wasm: a MAC answer is never asked for, so never taken.
    Some(Deferred::answered_to(nonce, aad, len, None, answer))
}

/// The length of a job's head in `takeJobs`' buffer.
const JOB_HEAD: usize = 20;

/// A job's nonce, AAD and data length, from its head as `takeJobs` wrote it.
fn job_head(b: &[u8]) -> Option<(&[u8], &[u8], usize)> {
    let u32_at = |i: usize| Some(u32::from_be_bytes(b.get(i..i + 4)?.try_into().ok()?) as usize);
    let nonce_len = usize::from(*b.get(5)?);
    let (aad_len, data_len) = (u32_at(6)?, u32_at(10)?);
    let nonce = b.get(JOB_HEAD..JOB_HEAD + nonce_len)?;
    let aad = b.get(JOB_HEAD + nonce_len..JOB_HEAD + nonce_len + aad_len)?;
    Some((nonce, aad, data_len))
}

const OPEN: &str = "{\"open\":true}";

/// The most [`Codec::take_jobs`] keeps allocated between calls, in bytes.
const KEEP_JOBS_BUFFER: usize = 16 * 1024;

/// The driver's cache key for an option set: a SHA-256 of its JSON, so the
/// cache holds no copy of the secrets in it.
#[wasm_bindgen(js_name = optionsKey)]
pub fn options_key(json: &str) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(json.as_bytes()))
}

fn edit_json(edit: Option<RecordEdit>) -> String {
    let Some(edit) = edit else {
        return String::from("{\"error\":\"invalid_subject\"}");
    };
    let mut s = String::from("{\"key\":");
    push_json_str(&mut s, &edit.key);
    s.push_str(",\"edit\":");
    push_json_str(&mut s, &edit.to_token());
    s.push('}');
    s
}

fn load_error(e: LoadError) -> String {
    let mut s = String::from("{\"error\":\"");
    s.push_str(e.code());
    s.push_str("\"}");
    s
}

fn save_error(e: SaveError) -> String {
    let mut s = String::from("{\"error\":\"");
    s.push_str(e.code());
    s.push('"');
    match e {
        SaveError::TooLarge { size, limit } => {
            s.push_str(",\"size\":");
            push_u64(&mut s, size as u64);
            s.push_str(",\"limit\":");
            push_u64(&mut s, limit as u64);
        }
        SaveError::Data(d) => {
            s.push_str(",\"reason\":\"");
            s.push_str(d.reason());
            s.push('"');
        }
        _ => {}
    }
    s.push('}');
    s
}

fn millis(now_ms: f64) -> u64 {
    if now_ms.is_finite() && now_ms > 0.0 {
        now_ms as u64
    } else {
        0
    }
}

fn secs(now_ms: f64) -> u64 {
    if now_ms.is_finite() && now_ms > 0.0 {
        (now_ms / 1000.0) as u64
    } else {
        0
    }
}

/// Appends `v` as a JSON string literal. Runs that need no escaping (all of
/// a base64url cookie value) are copied whole.
pub(crate) fn push_json_str(out: &mut String, v: &str) {
    use crate::text::HEX;
    out.push('"');
    let b = v.as_bytes();
    let mut i = 0;
    loop {
        // Plain runs whole, found as the JSON check finds them.
        let run = crate::json::string_run(b.get(i..).unwrap_or(&[]));
        out.push_str(v.get(i..i + run).unwrap_or(""));
        i += run;
        let Some(&c) = b.get(i) else { break };
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            _ => {
                out.push_str("\\u00");
                out.push(HEX[(c >> 4) as usize] as char);
                out.push(HEX[(c & 15) as usize] as char);
            }
        }
        i += 1;
    }
    out.push('"');
}

/// A loaded session as JSON. The data comes first, as stored; when it is
/// `JSON.stringify`'s text, its length in UTF-16 units follows: the driver
/// slices that text out as the snapshot it compares with at save, instead of
/// stringifying the data again.
fn loaded_json(l: &Loaded) -> String {
    let meta = l.meta.to_token();
    let mut s = String::with_capacity(l.data.len() + l.flash.len() + 2 * meta.len() + 96);
    s.push_str(DATA_FIRST);
    s.push_str(&l.data);
    if l.canonical {
        s.push_str(",\"dataLength\":");
        push_u64(&mut s, utf16_len(&l.data) as u64);
    }
    s.push_str(",\"status\":\"");
    s.push_str(l.status.as_str());
    s.push_str("\",\"reason\":");
    match l.reason {
        Some(r) => push_json_str(&mut s, r.as_str()),
        None => s.push_str("null"),
    }
    s.push_str(",\"id\":");
    push_json_str(&mut s, &l.meta.id);
    s.push_str(",\"meta\":");
    push_json_str(&mut s, &meta);
    s.push_str(if l.meta.stored.is_some() {
        ",\"stored\":true"
    } else {
        ",\"stored\":false"
    });
    if let Some(from) = l.migrated_from {
        s.push_str(",\"migratedFrom\":\"");
        s.push_str(from);
        s.push('"');
    }
    s.push_str(",\"flash\":");
    s.push_str(&l.flash);
    s.push('}');
    s
}

/// What a loaded session's JSON starts with; the driver relies on it.
const DATA_FIRST: &str = "{\"data\":";

/// The length of `s` in UTF-16 code units, as a JavaScript string has it.
/// Eight ASCII bytes at a time; elsewhere a unit per character, two past U+FFFF.
fn utf16_len(s: &str) -> usize {
    let units = |c: &[u8]| -> usize {
        c.iter()
            .map(|&b| usize::from(b & 0xC0 != 0x80) + usize::from(b >= 0xF0))
            .sum()
    };
    let mut chunks = s.as_bytes().chunks_exact(8);
    let mut n = 0;
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().unwrap_or([0; 8]));
        n += if w & 0x8080_8080_8080_8080 == 0 {
            8
        } else {
            units(c)
        };
    }
    n + units(chunks.remainder())
}

fn plan_json(plan: &SavePlan, merged: Option<(&str, &str)>) -> String {
    let mut s = String::from("{\"store\":[");
    for (i, op) in plan.store.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        match op {
            StoreOp::Put {
                key,
                value,
                ttl,
                cas,
            } => {
                s.push_str("{\"op\":\"put\",\"key\":");
                push_json_str(&mut s, key);
                s.push_str(",\"value\":");
                push_json_str(&mut s, value);
                s.push_str(",\"ttl\":");
                push_u64(&mut s, *ttl);
                s.push_str(if *cas {
                    ",\"cas\":true"
                } else {
                    ",\"cas\":false"
                });
            }
            StoreOp::Delete { key, required } => {
                s.push_str("{\"op\":\"delete\",\"key\":");
                push_json_str(&mut s, key);
                s.push_str(if *required {
                    ",\"required\":true"
                } else {
                    ",\"required\":false"
                });
            }
        }
        s.push('}');
    }
    s.push_str("],\"cookies\":[");
    for (i, c) in plan.cookies.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        push_json_str(&mut s, c);
    }
    s.push_str("],\"records\":[");
    for (i, r) in plan.records.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str("{\"key\":");
        push_json_str(&mut s, &r.key);
        s.push_str(",\"edit\":");
        push_json_str(&mut s, &r.to_token());
        s.push_str(if r.required() {
            ",\"required\":true}"
        } else {
            ",\"required\":false}"
        });
    }
    s.push_str("],\"meta\":");
    match &plan.meta {
        Some(m) => {
            push_json_str(&mut s, &m.to_token());
            s.push_str(",\"id\":");
            push_json_str(&mut s, &m.id);
            s.push_str(if m.stored.is_some() {
                ",\"stored\":true"
            } else {
                ",\"stored\":false"
            });
        }
        None => s.push_str("null"),
    }
    if let Some((data, flash)) = merged {
        s.push_str(",\"data\":");
        s.push_str(data);
        s.push_str(",\"flash\":");
        s.push_str(flash);
    }
    s.push('}');
    s
}
