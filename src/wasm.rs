//! wasm-bindgen bindings: a thin driver over [`crate::session`].
//!
//! JSON strings cross the boundary, not JS objects: `JSON.stringify` into
//! `&str` and `JSON.parse` of a returned `String` measured several times
//! faster than serde-wasm-bindgen for session-sized data, and kept ~44 KB out
//! of the binary. Errors come back as `{"error": code, ...}` objects for the
//! JS side to raise as `SessionError`; nothing here throws or panics.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::cookie::{CookieOptions, SameSite};
use crate::session::{Change, Config, Fetch, LoadStep, Loaded, Meta, SaveError};
use crate::{ConfigError, KeyRing, Limits, Mode, OsRandom, RandomError};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CookieIn {
    name: String,
    path: String,
    domain: Option<String>,
    secure: bool,
    http_only: bool,
    same_site: String,
    partitioned: bool,
    expires: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LimitsIn {
    max_bytes: usize,
    max_depth: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OptionsIn {
    secrets: Vec<String>,
    mode: Mode,
    cookie: CookieIn,
    max_age: u64,
    idle_timeout: Option<u64>,
    rolling: bool,
    touch_after: u64,
    inline_limit: usize,
    limits: LimitsIn,
    store_prefix: Option<String>,
}

fn config_error(e: ConfigError) -> JsValue {
    let mut s = String::from("{\"error\":\"invalid_option\",\"option\":\"");
    s.push_str(e.option());
    s.push_str("\",\"message\":\"");
    s.push_str(e.message().replace('"', "\\\"").as_str());
    s.push_str("\"}");
    JsValue::from_str(&s)
}

fn random_error(_: RandomError) -> String {
    String::from("{\"error\":\"random_failed\"}")
}

/// A validated option set with its derived keys, built once and reused.
#[wasm_bindgen]
pub struct Codec {
    cfg: Config,
}

#[wasm_bindgen]
impl Codec {
    /// Builds a codec from normalised options (JSON). Throws an error object
    /// `{error: "invalid_option", option, message}` on a bad option.
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str) -> Result<Codec, JsValue> {
        let o: OptionsIn = serde_json::from_str(options).map_err(|_| {
            JsValue::from_str(
                "{\"error\":\"invalid_option\",\"option\":\"options\",\"message\":\"options have the wrong shape\"}",
            )
        })?;
        let ring = KeyRing::new(&o.secrets).map_err(config_error)?;
        let same_site = match o.cookie.same_site.as_str() {
            "Strict" | "strict" => SameSite::Strict,
            "Lax" | "lax" => SameSite::Lax,
            "None" | "none" => SameSite::None,
            _ => return Err(config_error(ConfigError::SameSiteNone)),
        };
        let cookie = CookieOptions {
            name: o.cookie.name,
            path: o.cookie.path,
            domain: o.cookie.domain,
            secure: o.cookie.secure,
            http_only: o.cookie.http_only,
            same_site,
            partitioned: o.cookie.partitioned,
            expires: o.cookie.expires,
        };
        let mut cfg = Config::new(ring, cookie);
        cfg.mode = o.mode;
        cfg.max_age = o.max_age;
        cfg.idle_timeout = o.idle_timeout;
        cfg.rolling = o.rolling;
        cfg.touch_after = o.touch_after;
        cfg.inline_limit = o.inline_limit;
        cfg.limits = Limits {
            max_bytes: o.limits.max_bytes,
            max_depth: o.limits.max_depth,
        };
        cfg.store_prefix = o.store_prefix;
        cfg.validate().map_err(config_error)?;
        Ok(Codec { cfg })
    }

    /// Reads the session cookie out of a `Cookie` header. Returns JSON: a
    /// loaded session, or `{fetch: {...}}` when the store must be read first.
    pub fn load(&self, cookie_header: &str, now_ms: f64) -> String {
        match self.cfg.load(cookie_header, secs(now_ms), &mut OsRandom) {
            Ok(LoadStep::Done(l)) => loaded_json(&l),
            Ok(LoadStep::Fetch(f)) => {
                let mut s = String::from("{\"fetch\":");
                s.push_str(&serde_json::to_string(&f).unwrap_or_default());
                s.push('}');
                s
            }
            Err(e) => random_error(e),
        }
    }

    /// Finishes a load with what the store returned for `fetch.key`.
    #[wasm_bindgen(js_name = loadFetched)]
    pub fn load_fetched(&self, fetch: &str, blob: Option<String>, now_ms: f64) -> String {
        let Ok(f) = serde_json::from_str::<Fetch>(fetch) else {
            return String::from("{\"error\":\"invalid_state\"}");
        };
        match self
            .cfg
            .load_fetched(f, blob.as_deref(), secs(now_ms), &mut OsRandom)
        {
            Ok(l) => loaded_json(&l),
            Err(e) => random_error(e),
        }
    }

    /// Finishes a load whose store read failed.
    #[wasm_bindgen(js_name = loadFailed)]
    pub fn load_failed(&self) -> String {
        match self.cfg.load_failed(&mut OsRandom) {
            Ok(l) => loaded_json(&l),
            Err(e) => random_error(e),
        }
    }

    /// Plans the end of a request. `flags`: 1 regenerate, 2 destroy.
    #[allow(clippy::too_many_arguments)]
    pub fn save(
        &self,
        meta: &str,
        data: &str,
        before_data: &str,
        flash: &str,
        before_flash: &str,
        flags: u32,
        now_ms: f64,
    ) -> String {
        let Ok(meta) = serde_json::from_str::<Meta>(meta) else {
            return String::from("{\"error\":\"invalid_state\"}");
        };
        let change = Change {
            data,
            before_data,
            flash,
            before_flash,
            regenerate: flags & 1 != 0,
            destroy: flags & 2 != 0,
        };
        match self.cfg.save(&meta, &change, secs(now_ms), &mut OsRandom) {
            Ok(plan) => serde_json::to_string(&plan).unwrap_or_default(),
            Err(e) => save_error(e),
        }
    }
}

#[derive(Serialize)]
struct SaveErrorOut {
    error: &'static str,
    size: usize,
    limit: usize,
    reason: Option<&'static str>,
}

fn save_error(e: SaveError) -> String {
    let (size, limit, reason) = match e {
        SaveError::TooLarge { size, limit } => (size, limit, None),
        SaveError::Data(d) => (0, 0, Some(d.reason())),
        SaveError::Random => (0, 0, None),
    };
    serde_json::to_string(&SaveErrorOut {
        error: e.code(),
        size,
        limit,
        reason,
    })
    .unwrap_or_default()
}

fn secs(now_ms: f64) -> u64 {
    if now_ms.is_finite() && now_ms > 0.0 {
        (now_ms / 1000.0) as u64
    } else {
        0
    }
}

fn loaded_json(l: &Loaded) -> String {
    let meta = serde_json::to_string(&l.meta).unwrap_or_default();
    let mut s = String::with_capacity(l.data.len() + l.flash.len() + meta.len() + 64);
    s.push_str("{\"status\":\"");
    s.push_str(l.status.as_str());
    s.push_str("\",\"reason\":");
    match l.reason {
        Some(r) => {
            s.push('"');
            s.push_str(r);
            s.push('"');
        }
        None => s.push_str("null"),
    }
    s.push_str(",\"data\":");
    s.push_str(&l.data);
    s.push_str(",\"flash\":");
    s.push_str(&l.flash);
    s.push_str(",\"meta\":");
    s.push_str(&meta);
    s.push('}');
    s
}
