//! Properties of the wire format: round trips, tamper sweeps, binding to the
//! cookie name, expiry, rotation, and hostile input to the decoder and the
//! cookie-header parser.

#![cfg(not(target_family = "wasm"))]

use edge_session::cookie::{self, CookieOptions};
use edge_session::{
    envelope, payload, Context, DecodeError, Header, KeyRing, Kind, Limits, Mode, OsRandom, Subkeys,
};
use proptest::prelude::*;
use serde_json::{Map, Value};

const SECRET: &str = "envelope-test-secret-0123456789abcdef";
const MAX: usize = 64 * 1024;

fn ring() -> KeyRing {
    KeyRing::new(&[SECRET]).unwrap()
}

fn ctx(name: &str) -> Context<'_> {
    Context {
        purpose: b"cookie",
        name: name.as_bytes(),
        subkeys: Subkeys::Cookie,
    }
}

fn seal(mode: Mode, name: &str, payload: &[u8], iat: u64, exp: u64) -> String {
    let header = Header::new(mode, Kind::Session, iat, exp);
    envelope::seal(&ring(), &ctx(name), header, payload, &mut OsRandom).unwrap()
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("\\PC{0,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn json_object() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map("\\PC{0,10}", json_value(), 0..8)
        .prop_map(|m| m.into_iter().collect())
}

fn cookie_name() -> impl Strategy<Value = String> {
    "[A-Za-z0-9_.-]{1,24}"
}

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Sealed), Just(Mode::Signed)]
}

proptest! {
    #[test]
    fn round_trip(obj in json_object(), name in cookie_name(), mode in mode(),
                  iat in 0u64..(1 << 39), life in 1u64..(1 << 30), age in 0u64..(1 << 30)) {
        let text = serde_json::to_string(&obj).unwrap();
        let exp = iat + life;
        let value = seal(mode, &name, text.as_bytes(), iat, exp);
        prop_assert!(cookie::is_cookie_value(&value));
        prop_assert_eq!(value.len(), envelope::encoded_len(mode, text.len()));
        let now = iat + age;
        match envelope::open(&ring(), &ctx(&name), &value, now, MAX) {
            Ok(o) => {
                prop_assert!(now < exp);
                prop_assert_eq!(&o.payload, text.as_bytes());
                prop_assert_eq!(o.header.mode, mode);
                prop_assert!(payload::check_object(&o.payload, &Limits::default()).is_ok());
                let back: Map<String, Value> = serde_json::from_slice(&o.payload).unwrap();
                prop_assert_eq!(back, obj);
            }
            Err(e) => {
                prop_assert_eq!(e, DecodeError::Expired);
                prop_assert!(now >= exp);
            }
        }
    }

    #[test]
    fn another_name_never_opens(name in cookie_name(), other in cookie_name(), mode in mode()) {
        prop_assume!(name != other);
        let value = seal(mode, &name, b"{}", 0, 100);
        prop_assert_eq!(
            envelope::open(&ring(), &ctx(&other), &value, 1, MAX).err(),
            Some(DecodeError::BadTag)
        );
    }

    #[test]
    fn decoder_never_panics(junk in "\\PC{0,400}") {
        let _ = envelope::open(&ring(), &ctx("s"), &junk, 0, MAX);
        let _ = envelope::peek(&junk);
        let _ = cookie::get(&junk, "s");
    }

    #[test]
    fn decoder_never_panics_on_base64(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        use base64::Engine;
        let v = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
        let _ = envelope::open(&ring(), &ctx("s"), &v, 0, MAX);
    }
}

/// Flips every bit of a valid value, in both modes: every result is refused.
#[test]
fn exhaustive_tamper_sweep() {
    for mode in [Mode::Sealed, Mode::Signed] {
        let value = seal(mode, "s", br#"{"user":"ada","role":"admin"}"#, 100, 10_000);
        let raw = b64d(&value);
        for i in 0..raw.len() * 8 {
            let mut t = raw.clone();
            t[i / 8] ^= 1 << (i % 8);
            let tampered = b64e(&t);
            let got = envelope::open(&ring(), &ctx("s"), &tampered, 200, MAX);
            assert!(got.is_err(), "{mode:?}: bit {i} flipped still opened");
        }
        // Character-level: every base64 character replaced by every other.
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for pos in 0..value.len() {
            for &c in alphabet {
                if value.as_bytes()[pos] == c {
                    continue;
                }
                let mut t = value.clone().into_bytes();
                t[pos] = c;
                let t = String::from_utf8(t).unwrap();
                if b64d_opt(&t).as_deref() == Some(&raw[..]) {
                    continue; // a non-canonical spelling of the same bytes cannot occur, but be exact
                }
                assert!(envelope::open(&ring(), &ctx("s"), &t, 200, MAX).is_err());
            }
        }
        // Truncations and extensions.
        for n in 0..value.len() {
            assert!(envelope::open(&ring(), &ctx("s"), &value[..n], 200, MAX).is_err());
        }
        for ext in ["A", "AA", "AAA", "AAAA", "_"] {
            let t = format!("{value}{ext}");
            assert!(envelope::open(&ring(), &ctx("s"), &t, 200, MAX).is_err());
        }
    }
}

#[test]
fn expiry_comes_from_the_authenticated_header() {
    let value = seal(Mode::Sealed, "s", b"{}", 100, 200);
    assert!(envelope::open(&ring(), &ctx("s"), &value, 199, MAX).is_ok());
    assert_eq!(
        envelope::open(&ring(), &ctx("s"), &value, 200, MAX).err(),
        Some(DecodeError::Expired)
    );
    // Rewriting the expiry in the header breaks the tag.
    let mut raw = b64d(&value);
    raw[15] = 0xff;
    assert_eq!(
        envelope::open(&ring(), &ctx("s"), &b64e(&raw), 250, MAX).err(),
        Some(DecodeError::BadTag)
    );
}

#[test]
fn rotation_reports_old_key_and_unknown_keys_are_not_tried() {
    let old = "old-secret-0123456789abcdef0123456789";
    let new = "new-secret-0123456789abcdef0123456789";
    for mode in [Mode::Sealed, Mode::Signed] {
        let old_ring = KeyRing::new(&[old]).unwrap();
        let header = Header::new(mode, Kind::Session, 1, 1000);
        let value = envelope::seal(&old_ring, &ctx("s"), header, b"{}", &mut OsRandom).unwrap();
        let both = KeyRing::new(&[new, old]).unwrap();
        let o = envelope::open(&both, &ctx("s"), &value, 2, MAX).unwrap();
        assert!(o.old_key());
        assert_eq!(o.key_index, 1);
        // Once the old secret is dropped, the id is unknown: refused by id,
        // not after a failed MAC per secret.
        let only_new = KeyRing::new(&[new]).unwrap();
        assert_eq!(
            envelope::open(&only_new, &ctx("s"), &value, 2, MAX).err(),
            Some(DecodeError::UnknownKey)
        );
        // A value sealed under the current key is not old.
        let fresh = envelope::seal(&both, &ctx("s"), header, b"{}", &mut OsRandom).unwrap();
        assert!(!envelope::open(&both, &ctx("s"), &fresh, 2, MAX)
            .unwrap()
            .old_key());
    }
}

#[test]
fn hostile_decoder_inputs() {
    let r = ring();
    let c = ctx("s");
    let open = |v: &str| envelope::open(&r, &c, v, 0, MAX).err();
    assert_eq!(open(""), Some(DecodeError::Malformed));
    assert_eq!(open("!!!!"), Some(DecodeError::Malformed));
    assert_eq!(open("AQ"), Some(DecodeError::Malformed));
    assert_eq!(
        open("AgAAAAAAAAAAAAAAAAAAAA"),
        Some(DecodeError::UnsupportedVersion)
    );
    assert_eq!(open(&"A".repeat(200_000)), Some(DecodeError::TooLarge));
    assert_eq!(open("AQ=="), Some(DecodeError::Malformed));
    // A valid envelope around JSON nested 10,000 deep is refused by depth.
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let value = seal(Mode::Sealed, "s", deep.as_bytes(), 0, 100);
    let o = envelope::open(&r, &c, &value, 1, MAX).unwrap();
    assert_eq!(
        payload::check_object(&o.payload, &Limits::default()),
        Err(DecodeError::TooDeep)
    );
    // A valid envelope around a non-object is refused.
    let value = seal(Mode::Signed, "s", b"[1,2]", 0, 100);
    let o = envelope::open(&r, &c, &value, 1, MAX).unwrap();
    assert_eq!(
        payload::check_object(&o.payload, &Limits::default()),
        Err(DecodeError::NotObject)
    );
    // Over the payload limit after decryption.
    let value = seal(Mode::Sealed, "s", &[b' '; 600], 0, 100);
    assert_eq!(
        envelope::open(&r, &c, &value, 1, 500).err(),
        Some(DecodeError::TooLarge)
    );
}

#[test]
fn hostile_cookie_headers() {
    let huge = format!("{}; s=v", "a=b; ".repeat(20_000));
    assert_eq!(cookie::get(&huge, "s"), Some("v"));
    let many_dupes = "s=first; ".to_string() + &"s=x; ".repeat(5000);
    assert_eq!(cookie::get(&many_dupes, "s"), Some("first"));
    let ctl = "s=\u{1}\u{2}; \u{0}=\u{0}";
    assert_eq!(cookie::get(ctl, "\u{0}"), Some("\u{0}"));
    // Bytes that were not UTF-8 arrive as U+FFFD: still no panic.
    let lossy = String::from_utf8_lossy(b"s=\xff\xfe; t=1").into_owned();
    assert_eq!(cookie::get(&lossy, "t"), Some("1"));
    assert_eq!(cookie::get("s=\"quoted\"", "s"), Some("quoted"));
    assert_eq!(cookie::get("  s  =  v  ", "s"), Some("v"));
    assert_eq!(cookie::get(";;;===;;", "s"), None);
}

#[test]
fn set_cookie_size_is_exact_at_the_browser_limit() {
    let c = CookieOptions::new("__Host-session");
    let value_len = 4096 - c.name.len();
    assert!(c.fits_browser(value_len));
    assert!(!c.fits_browser(value_len + 1));
    let value = "A".repeat(value_len);
    let line = c.set_cookie(&value, Some(1_209_600), Some(0));
    assert_eq!(line.len(), c.set_cookie_len(value_len, Some(1_209_600)));
}

fn b64d(s: &str) -> Vec<u8> {
    b64d_opt(s).unwrap()
}

fn b64d_opt(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()
}

fn b64e(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

proptest! {
    /// The text check that guards bodies left to the platform's base64
    /// accepts exactly what the core's own decoder accepts.
    #[test]
    fn canonical_base64url_is_what_the_decoder_takes(s in "[A-Za-z0-9_+/=\\- \n.é\u{7f}\u{80}-]{0,19}") {
        use base64::Engine;
        let decodes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&s).is_ok();
        prop_assert_eq!(envelope::is_canonical_base64url(&s), decodes, "{:?}", s);
    }

    #[test]
    fn canonical_base64url_of_any_bytes(b in prop::collection::vec(any::<u8>(), 0..40), at in any::<prop::sample::Index>(), to in 0u8..64) {
        use base64::Engine;
        let mut s = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&b).into_bytes();
        prop_assert!(envelope::is_canonical_base64url(std::str::from_utf8(&s).unwrap()));
        if !s.is_empty() {
            let i = at.index(s.len());
            s[i] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[usize::from(to)];
            let s = std::str::from_utf8(&s).unwrap();
            let decodes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).is_ok();
            prop_assert_eq!(envelope::is_canonical_base64url(s), decodes, "{:?}", s);
        }
    }
}
