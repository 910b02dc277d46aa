//! The wasm-bindgen bindings (`Codec`) in headless Chromium, through
//! wasm-bindgen-test-runner and chromedriver:
//!
//! ```text
//! CHROMEDRIVER=/usr/bin/chromedriver WASM_BINDGEN_TEST_TIMEOUT=120 \
//!   CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!   cargo test --target wasm32-unknown-unknown --features wasm --test browser
//! ```
//!
//! The JS driver (js/core.js) is tested over the built package elsewhere
//! (tests/js/browser.test.mjs); this checks the raw exports a browser gets.
#![cfg(all(target_family = "wasm", feature = "wasm"))]

use edge_session::Codec;
use serde_json::{json, Value};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const SECRET: &str = "browser-test-secret-0123456789-abcdefghij";
const NAME: &str = "__Host-session";
const NOW_MS: f64 = 1_700_000_000_000.0;

// Cookie flags for `codec_with`.
const SECURE: u32 = 2;
const HTTP_ONLY: u32 = 4;

/// The options loadSession uses by default: sealed, `__Host-session`, 14 days,
/// inline up to 4000 bytes; as the options document the driver sends.
fn codec_with(
    secrets: &[&str],
    name: &str,
    flags: u32,
    store_prefix: Option<&str>,
) -> Result<Codec, JsValue> {
    let mut options = json!({
        "secrets": secrets,
        "cookie": { "name": name, "secure": flags & SECURE != 0, "httpOnly": flags & HTTP_ONLY != 0 },
        "maxAge": 14 * 86400, "touchAfter": 3600, "inlineLimit": 4000,
        "limits": { "maxBytes": 262_144, "maxDepth": 32 },
    });
    if let Some(prefix) = store_prefix {
        options["store"] = json!(true);
        options["storePrefix"] = json!(prefix);
    }
    Codec::new(&options.to_string())
}

fn codec() -> Codec {
    codec_with(&[SECRET], NAME, SECURE | HTTP_ONLY, None).expect("valid options")
}

fn parse(s: String) -> Value {
    serde_json::from_str(&s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// `Set-Cookie` line -> `name=value` for the next `Cookie` header.
fn pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("no string {key} in {v}"))
}

/// Saves `data` over a loaded session (no flash).
fn save(codec: &Codec, loaded: &Value, data: &Value, now: f64) -> Value {
    // The driver compares the JSON texts.
    let changed = loaded["data"] != *data;
    parse(codec.save(
        str_of(loaded, "meta"),
        &data.to_string(),
        "{}",
        false,
        false,
        changed,
        false,
        now,
    ))
}

#[wasm_bindgen_test]
fn runs_in_a_browser() {
    let global = js_sys::global();
    assert!(
        js_sys::Reflect::has(&global, &"document".into()).unwrap(),
        "a window, not Node or a worker"
    );
}

#[wasm_bindgen_test]
fn load_save_load_round_trip() {
    let codec = codec();

    let fresh = parse(codec.load("", NOW_MS, JsValue::UNDEFINED, JsValue::UNDEFINED));
    assert_eq!(fresh["status"], "new");
    assert_eq!(fresh["reason"], Value::Null);
    assert_eq!(fresh["data"], json!({}));
    let id = str_of(&fresh, "id").to_string();
    assert!(id.len() >= 16, "a random id: {id}");

    // An empty new session that stays empty costs nothing.
    let nothing = save(&codec, &fresh, &json!({}), NOW_MS);
    assert_eq!(nothing["cookies"], json!([]));
    assert_eq!(nothing["store"], json!([]));

    let data = json!({ "user": { "name": "ada", "roles": ["admin"] }, "n": 1 });
    let plan = save(&codec, &fresh, &data, NOW_MS);
    assert_eq!(plan["store"], json!([]), "inline: no store operation");
    let cookies = plan["cookies"].as_array().unwrap();
    assert_eq!(cookies.len(), 1);
    let line = cookies[0].as_str().unwrap();
    assert!(line.starts_with("__Host-session="), "{line}");
    for attr in [
        "Path=/",
        "Max-Age=1209600",
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
    ] {
        assert!(line.split("; ").any(|a| a == attr), "{attr} in {line}");
    }

    let header = format!("theme=dark; {}", pair(line));
    let loaded = parse(codec.load(
        &header,
        NOW_MS + 60_000.0,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    ));
    assert_eq!(loaded["status"], "valid");
    assert_eq!(loaded["reason"], Value::Null);
    assert_eq!(loaded["data"], data);
    assert_eq!(str_of(&loaded, "id"), id, "the same session");

    // Read-only: the same data again is no change.
    let unchanged = save(&codec, &loaded, &data, NOW_MS + 60_000.0);
    assert_eq!(unchanged["cookies"], json!([]));
}

#[wasm_bindgen_test]
fn tampered_and_foreign_cookies_are_invalid() {
    let codec = codec();
    let fresh = parse(codec.load("", NOW_MS, JsValue::UNDEFINED, JsValue::UNDEFINED));
    let plan = save(&codec, &fresh, &json!({ "user": "ada" }), NOW_MS);
    let cookie = pair(plan["cookies"][0].as_str().unwrap()).to_string();

    let (name, value) = cookie.split_once('=').unwrap();
    let mid = value.len() / 2;
    let flipped = if &value[mid..mid + 1] == "A" {
        "B"
    } else {
        "A"
    };
    let tampered = format!("{name}={}{flipped}{}", &value[..mid], &value[mid + 1..]);
    let bad = parse(codec.load(&tampered, NOW_MS, JsValue::UNDEFINED, JsValue::UNDEFINED));
    assert_eq!(bad["status"], "invalid");
    assert_eq!(bad["reason"], "bad_tag");
    assert_eq!(bad["data"], json!({}));

    let garbage = parse(codec.load(
        "__Host-session=%%%",
        NOW_MS,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    ));
    assert_eq!(garbage["status"], "invalid");
    assert_eq!(garbage["reason"], "malformed");

    let other = codec_with(
        &["another-secret-of-at-least-32-bytes!!"],
        NAME,
        SECURE | HTTP_ONLY,
        None,
    )
    .unwrap();
    let foreign = parse(other.load(&cookie, NOW_MS, JsValue::UNDEFINED, JsValue::UNDEFINED));
    assert_eq!(foreign["status"], "invalid");
    assert_eq!(foreign["reason"], "unknown_key");

    // Past maxAge the authenticated header says expired.
    let late = parse(codec.load(
        &cookie,
        NOW_MS + 15.0 * 86400.0 * 1000.0,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    ));
    assert_eq!(late["status"], "expired");
}

#[wasm_bindgen_test]
fn a_large_session_spills_and_loads_through_a_fetch() {
    let codec = codec_with(&[SECRET], NAME, SECURE | HTTP_ONLY, Some("session:")).unwrap();
    let fresh = parse(codec.load("", NOW_MS, JsValue::UNDEFINED, JsValue::UNDEFINED));
    let items: Vec<Value> = (0..120)
        .map(|i| json!({ "sku": format!("SKU-{i}"), "qty": 1 }))
        .collect();
    let data = json!({ "cart": items });
    let plan = save(&codec, &fresh, &data, NOW_MS);

    let store = plan["store"].as_array().unwrap();
    assert_eq!(store.len(), 1);
    assert_eq!(store[0]["op"], "put");
    let key = str_of(&store[0], "key");
    let blob = str_of(&store[0], "value");
    assert!(key.starts_with("session:"), "{key}");
    assert!(!blob.contains("SKU-"), "the blob is sealed");
    assert!(store[0]["ttl"].as_u64().unwrap() >= 60);
    let cookie = pair(plan["cookies"][0].as_str().unwrap());
    assert!(
        cookie.len() < 300,
        "a small reference: {} bytes",
        cookie.len()
    );

    let step = parse(codec.load(
        cookie,
        NOW_MS + 1000.0,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    ));
    assert_eq!(str_of(&step, "key"), key, "the store key to read");
    let token = str_of(&step, "fetch");
    let loaded = parse(codec.load_fetched(
        token,
        Some(blob.to_string()),
        NOW_MS + 1000.0,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    ));
    assert_eq!(loaded["status"], "valid");
    assert_eq!(loaded["data"], data);

    let missing = parse(codec.load_fetched(
        token,
        None,
        NOW_MS + 1000.0,
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    ));
    // Nothing there a second after the write: the store may lag, never a new session.
    assert_eq!(missing["status"], "unavailable");
    assert_eq!(missing["data"], json!({}));
}

#[wasm_bindgen_test]
fn invalid_options_are_errors_that_name_the_option() {
    let message = |r: Result<Codec, JsValue>| -> String {
        match r {
            Ok(_) => panic!("accepted bad options"),
            Err(e) => e.as_string().expect("a string error"),
        }
    };
    let short = message(codec_with(&["too short"], NAME, SECURE | HTTP_ONLY, None));
    assert!(short.starts_with("secrets\n"), "{short}");
    let none = message(codec_with(&[], NAME, SECURE | HTTP_ONLY, None));
    assert!(none.starts_with("secrets\n"), "{none}");
    let host = message(codec_with(&[SECRET], NAME, HTTP_ONLY, None));
    assert!(
        host.starts_with("cookie.name\n"),
        "__Host- without Secure: {host}"
    );
    let name = message(codec_with(&[SECRET], "bad name;", SECURE, None));
    assert!(name.starts_with("cookie.name\n"), "{name}");
}

/// The package's wasm reads JSON structure 64 bytes at a time with SIMD
/// (`json::value_end`); it answers as the byte-by-byte reading does, on
/// nested documents with escapes, quotes and brackets inside strings, across
/// block boundaries, whole and with one byte changed.
#[wasm_bindgen_test]
fn json_structure_with_simd_reads_as_byte_by_byte() {
    use edge_session::json::{value_end, value_end_bytewise};
    const { assert!(cfg!(target_feature = "simd128"), "built without wasm SIMD") };
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    const IN_STRINGS: &[&str] = &[
        "a",
        "\\\\",
        "\\\"",
        "{",
        "]",
        "é",
        "\\u00e9",
        "0123456789abcdef",
    ];
    const SPECIAL: &[u8] = b"{}[]\"\\ ";
    fn value(out: &mut String, depth: usize, next: &mut impl FnMut(usize) -> usize) {
        match if depth == 0 { 2 + next(2) } else { next(4) } {
            0 | 1 => {
                let object = next(2) == 0;
                out.push(if object { '{' } else { '[' });
                for i in 0..next(6) {
                    if i > 0 {
                        out.push(',');
                    }
                    if object {
                        out.push_str("\"k\":");
                    }
                    value(out, depth - 1, next);
                }
                out.push(if object { '}' } else { ']' });
            }
            2 => {
                out.push('"');
                for _ in 0..next(12) {
                    out.push_str(IN_STRINGS[next(IN_STRINGS.len())]);
                }
                out.push('"');
            }
            _ => out.push_str("-12.5e3"),
        }
    }
    let (mut checked, mut whole) = (0, 0);
    while checked < 20_000 {
        let mut text = String::new();
        value(&mut text, 1 + next(6), &mut next);
        if !text.starts_with(['{', '[']) {
            continue;
        }
        let mut b = text.into_bytes();
        for round in 0..3 {
            if round > 0 {
                let at = next(b.len());
                b[at] = SPECIAL[next(SPECIAL.len())];
            }
            // From the start, and from anywhere (unaligned, or not a bracket).
            for (start, max) in [(0, 4), (0, 100), (next(b.len() + 1), next(4)), (0, 200)] {
                let simd = value_end(&b, start, max);
                let text = String::from_utf8_lossy(&b);
                assert_eq!(
                    simd,
                    value_end_bytewise(&b, start, max),
                    "{start} {max} {text:?}"
                );
                whole += usize::from(start == 0 && simd == Ok(b.len()));
            }
            checked += 1;
        }
    }
    assert!(whole > 5_000, "too few whole documents: {whole}");
    // Backslash runs ending at each byte around the first block boundaries,
    // before a quote, a bracket or a letter.
    for at in 56..140 {
        for run in 1..6 {
            for after in ["\"", "]", "a"] {
                let pad = "x".repeat(at - run);
                let text = ["[\"", &pad, &"\\".repeat(run), after, "\"]", "\"]"].concat();
                let b = text.as_bytes();
                for start in [0, 1] {
                    let simd = value_end(b, start, 8);
                    assert_eq!(simd, value_end_bytewise(b, start, 8), "{start} {text:?}");
                }
            }
        }
    }
}

/// The base64url check on a store blob's text reads 16 bytes at a time with
/// wasm SIMD; it accepts exactly what the core's own decoder accepts, for
/// every ASCII byte and some other characters at every position of texts
/// up to 120 characters (a 64-byte block and more).
#[wasm_bindgen_test]
fn base64url_check_with_simd_takes_what_the_decoder_takes() {
    use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
    use edge_session::envelope::is_canonical_base64url;
    let bytes: Vec<u8> = (0..90u8).map(|i| i.wrapping_mul(97)).collect();
    let encoded = URL_SAFE_NO_PAD.encode(&bytes);
    for len in 0..=encoded.len() {
        let text = &encoded[..len];
        assert_eq!(
            is_canonical_base64url(text),
            URL_SAFE_NO_PAD.decode(text).is_ok(),
            "{text:?}"
        );
    }
    for at in 0..encoded.len() {
        for c in 0..=0x7fu8 {
            let mut b = encoded.clone().into_bytes();
            b[at] = c;
            let text = core::str::from_utf8(&b).unwrap();
            assert_eq!(
                is_canonical_base64url(text),
                URL_SAFE_NO_PAD.decode(text).is_ok(),
                "{text:?}"
            );
        }
        // The text's length stays the same, so the vector check decides.
        for c in ["é", "\u{80}", "\u{400}", "\u{FFFF}", "\u{1F600}"] {
            if let Some(rest) = encoded.get(at + c.len()..) {
                let text = [&encoded[..at], c, rest].concat();
                assert!(!is_canonical_base64url(&text), "{text:?}");
            }
        }
    }
}
