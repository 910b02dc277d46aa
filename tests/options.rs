//! The native Rust API and the JS API agree on options: every option set in
//! `vectors/options.json` is built here as a Rust program would build its
//! `Config`, and must be accepted, or refused naming the same option, as
//! `tests/js/options.test.mjs` checks for `loadSession`.

#![cfg(all(not(target_family = "wasm"), feature = "remix"))]

use edge_session::cookie::{CookieOptions, SameSite};
use edge_session::remix::RemixSecrets;
use edge_session::session::Revocation;
use edge_session::*;
use serde_json::Value;

/// A `Config` from the JS options, field by field, with the JS defaults
/// left to `Config::new` and `CookieOptions::new`.
fn config(secret: &str, o: &Value) -> Result<Config, ConfigError> {
    let secrets: Vec<String> = match o.get("secrets") {
        Some(Value::Array(s)) => s
            .iter()
            .filter_map(|x| x.as_str())
            .map(String::from)
            .collect(),
        _ => vec![secret.to_string()],
    };
    let ring = KeyRing::new(&secrets)?;
    let c = o.get("cookie").cloned().unwrap_or(Value::Null);
    let secure = c.get("secure").and_then(Value::as_bool).unwrap_or(true);
    let default_name = if secure { "__Host-session" } else { "session" };
    let mut cookie = CookieOptions::new(
        c.get("name")
            .and_then(Value::as_str)
            .unwrap_or(default_name),
    );
    cookie.secure = secure;
    if let Some(p) = c.get("path").and_then(Value::as_str) {
        cookie.path = p.into();
    }
    cookie.domain = c.get("domain").and_then(Value::as_str).map(String::from);
    cookie.partitioned = c
        .get("partitioned")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    cookie.same_site = match c.get("sameSite").and_then(Value::as_str) {
        Some("None") => SameSite::None,
        Some("Strict") => SameSite::Strict,
        _ => SameSite::Lax,
    };
    let mut cfg = Config::new(ring, cookie);
    let num = |k: &str| o.get(k).and_then(Value::as_u64);
    if let Some(n) = num("maxAge") {
        cfg.max_age = n;
    }
    cfg.idle_timeout = num("idleTimeout");
    cfg.touch_after_secs = num("touchAfter");
    if let Some(n) = num("absoluteTimeout") {
        cfg.absolute_timeout = n;
    }
    cfg.rolling = o.get("rolling").and_then(Value::as_bool).unwrap_or(false);
    if let Some(n) = num("inlineLimit") {
        cfg.inline_limit = n as usize;
    }
    if let Some(l) = o.get("limits") {
        if let Some(n) = l.get("maxBytes").and_then(Value::as_u64) {
            cfg.limits.max_bytes = n as usize;
        }
        if let Some(n) = l.get("maxDepth").and_then(Value::as_u64) {
            cfg.limits.max_depth = n as usize;
        }
    }
    if o.get("store").and_then(Value::as_bool).unwrap_or(false) {
        let prefix = o.get("storePrefix").and_then(Value::as_str);
        cfg.store_prefix = Some(prefix.unwrap_or(spill::DEFAULT_PREFIX).into());
    }
    if let Some(r) = o.get("revocation") {
        let mut rev = Revocation::new(r.get("subject").and_then(Value::as_str).map(String::from));
        if let Some(p) = r.get("prefix").and_then(Value::as_str) {
            rev.prefix = p.into();
        }
        cfg.revocation = Some(rev);
    }
    for l in o
        .get("legacy")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let secrets: Vec<&str> = l["remix"]["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let format = Format::Remix(RemixFormat {
            secrets: RemixSecrets::new(&secrets).unwrap(),
        });
        let name = l["cookie"]["name"].as_str().unwrap();
        cfg.legacy
            .push(Legacy::new(format, CookieOptions::new(name)));
    }
    cfg.validate()?;
    Ok(cfg)
}

#[test]
fn every_option_set_is_accepted_or_refused_naming_the_option() {
    let file: Value = serde_json::from_str(include_str!("vectors/options.json")).unwrap();
    let secret = file["secret"].as_str().unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let got = config(secret, &case["options"]).err().map(|e| e.option());
        assert_eq!(got, case["error"].as_str(), "{name}");
    }
}
