//! cookie-rs 0.18 interop, against the real `cookie` crate (dev-dependency): its private
//! and signed jars' values open here, and values written here open in its jars, with raw
//! 64-byte keys and with `Key::derive_from`.
//!
//! tests/vectors/cookie-rs.json holds values the `cookie` crate wrote, for the JS test.
//! The test checks the file when it exists and writes it when it does not;
//! `EDGE_SESSION_WRITE_VECTORS=1 cargo test --features cookie-rs --test interop_cookie_rs`
//! rewrites it (the private jar draws fresh nonces, so every write changes it).
#![cfg(feature = "cookie-rs")]

mod interop_node;

use ::cookie::{Cookie, CookieJar, Key};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use edge_session::cookie_rs::*;
use edge_session::payload::check_object;
use edge_session::{Limits, OsRandom};
use interop_node::{manifest_path, random_objects};
use proptest::prelude::*;
use serde_json::{json, Value};

const VECTORS: &str = "tests/vectors/cookie-rs.json";
const MASTER: &[u8] = b"edge-session cookie-rs fixture master key (48 B)";

fn raw_key() -> Vec<u8> {
    (0u8..64)
        .map(|i| i.wrapping_mul(37).wrapping_add(11))
        .collect()
}

/// The same key, as the `cookie` crate and as edge-session hold it.
fn keys(kind: &str) -> (Key, CookieKey) {
    match kind {
        "raw" => (
            Key::from(&raw_key()),
            CookieKey::from_bytes(&raw_key()).unwrap(),
        ),
        "derived" => (
            Key::derive_from(MASTER),
            CookieKey::derive_from(MASTER).unwrap(),
        ),
        _ => panic!("{kind}"),
    }
}

fn jar_of(s: &str) -> Jar {
    match s {
        "private" => Jar::Private,
        "signed" => Jar::Signed,
        _ => panic!("{s}"),
    }
}

/// What the `cookie` crate's jar stores for `name = plaintext`.
fn crate_encode(key: &Key, jar: Jar, name: &str, plaintext: &str) -> String {
    let mut cj = CookieJar::new();
    match jar {
        Jar::Private => cj
            .private_mut(key)
            .add(Cookie::new(name.to_owned(), plaintext.to_owned())),
        Jar::Signed => cj
            .signed_mut(key)
            .add(Cookie::new(name.to_owned(), plaintext.to_owned())),
    }
    cj.get(name).unwrap().value().to_owned()
}

/// What the `cookie` crate's jar gives back for an incoming `name = value`.
fn crate_decode(key: &Key, jar: Jar, name: &str, value: &str) -> Option<String> {
    let mut cj = CookieJar::new();
    cj.add_original(Cookie::new(name.to_owned(), value.to_owned()));
    let c = match jar {
        Jar::Private => cj.private(key).get(name),
        Jar::Signed => cj.signed(key).get(name),
    };
    c.map(|c| c.value().to_owned())
}

#[test]
fn keys_match_the_cookie_crate() {
    for kind in ["raw", "derived"] {
        let (theirs, ours) = keys(kind);
        assert_eq!(ours.signing(), theirs.signing(), "{kind}");
        assert_eq!(ours.encryption(), theirs.encryption(), "{kind}");
    }
    // Key::from takes the first 64 bytes of a longer key.
    let long: Vec<u8> = (0u8..100).collect();
    assert_eq!(
        CookieKey::from_bytes(&long).unwrap().encryption(),
        Key::from(&long).encryption()
    );
    // A long master key is an HMAC key hashed first; both sides agree.
    let master = [9u8; 200];
    assert_eq!(
        CookieKey::derive_from(&master).unwrap().signing(),
        Key::derive_from(&master).signing()
    );
}

const PLAINTEXTS: &[(&str, &str)] = &[
    ("ascii", r#"{"user":"ada","n":1}"#),
    ("empty", "{}"),
    (
        "unicode",
        r#"{"name":"Zoë","astral":"😀🎉𝄞","cjk":"日本語","rtl":"שלום","esc":"\"\\\n\u0000\ud800"}"#,
    ),
    (
        "nested",
        r#"{"user":{"id":42,"roles":["admin","ops"]},"cart":[{"sku":"A-1","qty":2}],"deep":{"a":{"b":{"c":[[["x"]]]}}}}"#,
    ),
    ("plain string", "plain text, not JSON: 100% sure"),
];

#[test]
fn crate_values_open_here_and_ours_open_there() {
    for kind in ["raw", "derived"] {
        let (theirs, ours) = keys(kind);
        for jar in [Jar::Private, Jar::Signed] {
            for (label, text) in PLAINTEXTS {
                let what = format!("{kind} {jar:?} {label}");
                let v = crate_encode(&theirs, jar, "session", text);
                assert_eq!(
                    decode("session", &v, &ours, jar).as_deref(),
                    Ok(*text),
                    "{what}"
                );
                assert_eq!(
                    decode("session", &percent_encode(&v), &ours, jar).as_deref(),
                    Ok(*text),
                    "{what} percent-encoded"
                );
                let mine = encode("session", text, &ours, jar, &mut OsRandom).unwrap();
                assert_eq!(
                    crate_decode(&theirs, jar, "session", &mine).as_deref(),
                    Some(*text),
                    "{what}"
                );
                if jar == Jar::Signed {
                    assert_eq!(mine, v, "{what}: signing is deterministic");
                }
                // Name binding: the private jar refuses a value under another name; the
                // signed jar does not bind the name (in both implementations).
                let moved = decode("other", &v, &ours, jar);
                let moved_there = crate_decode(&theirs, jar, "other", &mine);
                match jar {
                    Jar::Private => {
                        assert_eq!(moved, Err(CookieRsError::BadTag), "{what}");
                        assert_eq!(moved_there, None, "{what}");
                    }
                    Jar::Signed => {
                        assert_eq!(moved.as_deref(), Ok(*text), "{what}");
                        assert_eq!(moved_there.as_deref(), Some(*text), "{what}");
                    }
                }
            }
        }
    }
}

#[test]
fn the_other_key_or_jar_fails_in_both() {
    let (theirs, ours) = keys("raw");
    let (_, other) = keys("derived");
    for jar in [Jar::Private, Jar::Signed] {
        let v = crate_encode(&theirs, jar, "s", "{}");
        assert!(decode("s", &v, &other, jar).is_err());
        let wrong = if jar == Jar::Private {
            Jar::Signed
        } else {
            Jar::Private
        };
        assert!(decode("s", &v, &ours, wrong).is_err());
        assert_eq!(crate_decode(&theirs, wrong, "s", &v), None);
    }
}

fn tamper(v: &str, at: usize) -> String {
    let mut b = v.as_bytes().to_vec();
    b[at] = if b[at] == b'A' { b'B' } else { b'A' };
    String::from_utf8(b).unwrap()
}

fn fixture_case(
    kind: &str,
    jar: Jar,
    label: &str,
    cookie: &str,
    value: String,
    plaintext: &str,
    expect: &str,
) -> Value {
    json!({
        "name": format!("{kind} {} {label}", if jar == Jar::Private { "private" } else { "signed" }),
        "key": kind,
        "jar": if jar == Jar::Private { "private" } else { "signed" },
        "cookieName": cookie,
        "value": value,
        "encoded": percent_encode(&value),
        "plaintext": plaintext,
        "expect": expect,
    })
}

fn write_fixtures() -> Value {
    let mut cases = Vec::new();
    for kind in ["raw", "derived"] {
        let (theirs, _) = keys(kind);
        for jar in [Jar::Private, Jar::Signed] {
            for (label, text) in PLAINTEXTS {
                let v = crate_encode(&theirs, jar, "session", text);
                let expect = if text.starts_with('{') {
                    "valid"
                } else {
                    "not_object"
                };
                cases.push(fixture_case(kind, jar, label, "session", v, text, expect));
            }
            let v = crate_encode(
                &theirs,
                jar,
                "session",
                r#"{"user":"mallory","admin":false}"#,
            );
            match jar {
                Jar::Private => {
                    let t = tamper(&v, v.len() / 2);
                    cases.push(fixture_case(
                        kind, jar, "tampered", "session", t, "", "bad_tag",
                    ));
                    cases.push(fixture_case(
                        kind,
                        jar,
                        "value moved to another cookie name",
                        "other",
                        v,
                        "",
                        "bad_tag",
                    ));
                }
                Jar::Signed => {
                    let t = v.replace("false", "true ");
                    cases.push(fixture_case(
                        kind,
                        jar,
                        "tampered",
                        "session",
                        t,
                        "",
                        "bad_signature",
                    ));
                    let text = r#"{"user":"mallory","admin":false}"#;
                    cases.push(fixture_case(
                        kind,
                        jar,
                        "value moved to another cookie name (not bound)",
                        "other",
                        v,
                        text,
                        "valid",
                    ));
                }
            }
        }
    }
    json!({
        "generator": "tests/interop_cookie_rs.rs (the cookie crate 0.18, features private, signed, key-expansion)",
        "keys": {
            "raw": { "key": STANDARD.encode(raw_key()) },
            "derived": { "masterKey": STANDARD.encode(MASTER), "masterKeyText": std::str::from_utf8(MASTER).unwrap() },
        },
        "notes": [
            "keys.raw.key: the 64 raw bytes of Key::from, standard base64; keys.derived: Key::derive_from(masterKey bytes)",
            "value: the jar value the cookie crate wrote for cookieName (what Cookie::value() and to_string() show)",
            "encoded: the same, percent-encoded as Cookie::encoded() writes it (frameworks send this form)",
            "plaintext: the jar's clear value; expect: 'valid' (a JSON object session), 'not_object', or the reason",
        ],
        "cases": cases,
    })
}

#[test]
fn fixtures_for_the_js_test() {
    let path = manifest_path(VECTORS);
    let fx = if !path.exists() || std::env::var_os("EDGE_SESSION_WRITE_VECTORS").is_some() {
        let fx = write_fixtures();
        std::fs::write(&path, serde_json::to_string_pretty(&fx).unwrap() + "\n").unwrap();
        fx
    } else {
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    };
    let cases = fx["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 28);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (theirs, ours) = keys(case["key"].as_str().unwrap());
        let jar = jar_of(case["jar"].as_str().unwrap());
        let cookie = case["cookieName"].as_str().unwrap();
        let plaintext = case["plaintext"].as_str().unwrap();
        for form in ["value", "encoded"] {
            let value = case[form].as_str().unwrap();
            let got = decode(cookie, value, &ours, jar);
            match case["expect"].as_str().unwrap() {
                "valid" | "not_object" => {
                    assert_eq!(got.as_deref(), Ok(plaintext), "{name} ({form})");
                    let is_object = check_object(plaintext.as_bytes(), &Limits::default()).is_ok();
                    assert_eq!(is_object, case["expect"] == "valid", "{name}");
                }
                reason => assert_eq!(
                    got.map_err(CookieRsError::reason),
                    Err(reason),
                    "{name} ({form})"
                ),
            }
        }
        // The cookie crate agrees on the raw form.
        let there = crate_decode(&theirs, jar, cookie, case["value"].as_str().unwrap());
        let opens = matches!(case["expect"].as_str(), Some("valid" | "not_object"));
        assert_eq!(there.as_deref(), opens.then_some(plaintext), "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn any_string_both_ways(text in "\\PC{0,200}", name in "[a-z_]{1,12}") {
        let (theirs, ours) = keys("derived");
        for jar in [Jar::Private, Jar::Signed] {
            let v = crate_encode(&theirs, jar, &name, &text);
            prop_assert_eq!(decode(&name, &v, &ours, jar), Ok(text.clone()));
            let mine = encode(&name, &text, &ours, jar, &mut OsRandom).unwrap();
            prop_assert_eq!(crate_decode(&theirs, jar, &name, &mine), Some(text.clone()));
        }
    }

    #[test]
    fn never_panics(value in "\\PC{0,300}") {
        let (_, ours) = keys("raw");
        let _ = decode("n", &value, &ours, Jar::Private);
        let _ = decode("n", &value, &ours, Jar::Signed);
    }
}

#[test]
fn random_json_objects_both_ways() {
    let (theirs, ours) = keys("raw");
    for obj in random_objects(100, 0xc00_c1e5) {
        for jar in [Jar::Private, Jar::Signed] {
            let v = crate_encode(&theirs, jar, "session", &obj);
            assert_eq!(
                decode("session", &v, &ours, jar).as_deref(),
                Ok(obj.as_str())
            );
            let mine = encode("session", &obj, &ours, jar, &mut OsRandom).unwrap();
            assert_eq!(
                crate_decode(&theirs, jar, "session", &mine).as_deref(),
                Some(obj.as_str())
            );
        }
    }
}
