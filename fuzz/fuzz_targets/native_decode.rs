//! The native decoder under arbitrary input, for a fixed key ring and cookie name.
//!
//! The first byte picks what the rest is:
//! - `% 4 == 0`: a cookie value: `envelope::open` for every purpose, then
//!   `Config::load` with and without a store;
//! - `% 4 == 1`: a payload, sealed here with the real keys (kind and mode from
//!   the selector bits) and then loaded, so the fuzzer reaches the payload
//!   checks behind the tag that it could never forge;
//! - `% 4 == 2`: a whole `Cookie` header for `Config::load`;
//! - `% 4 == 3`: a spilled session: `id_len, id, document`; the blob and its
//!   reference are sealed here, then loaded through `load_fetched`.
//!
//! Checked beyond "no panic": a value that opens is the one canonical
//! encoding of its bytes (no malleable base64); a `valid` session holds JSON
//! objects and the id it was stored under; allocation stays within bounds set
//! by `LIMITS` (a document holds data and flash, each within them), whatever
//! the input length.
#![no_main]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use edge_session::spill::{self, Reference};
use edge_session::{
    envelope, payload, Context, Header, Kind, LoadStep, Loaded, Mode, Status, Subkeys,
};
use edge_session_fuzz::{
    check_usage, config, max_value_len, metered, Counter, COOKIE, DOC_LIMITS, LIMITS, NOW,
};
use libfuzzer_sys::fuzz_target;

const COOKIE_CTX: Context<'static> = Context {
    purpose: b"cookie",
    name: COOKIE.as_bytes(),
    subkeys: Subkeys::Cookie,
};

/// The longest value a direct `envelope::open(.., LIMITS.max_bytes)` looks at.
fn max_open_len() -> usize {
    envelope::encoded_len(Mode::Signed, LIMITS.max_bytes)
}

/// Per-call bounds: one buffer no bigger than the longest acceptable value,
/// and a few of them live at once (decoded bytes, plaintext, data, flash).
fn check(target: &str, usage: edge_session_fuzz::Usage) {
    check_usage(
        target,
        usage,
        max_value_len() + 256,
        4 * max_value_len() + 4096,
    );
}

/// JSON object syntax (serde_json as an independent parser; syntax only, since
/// JSON numbers past f64's range, such as 1e999, are still JSON).
fn is_object(text: &str) -> bool {
    text.trim_start().starts_with('{')
        && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What every loaded session must satisfy.
fn check_loaded(l: &Loaded) {
    assert!(is_id(&l.meta.id), "session id {:?}", l.meta.id);
    match l.status {
        Status::Valid => {
            assert!(l.reason.is_none());
            assert!(is_object(&l.data), "valid session with data {:?}", l.data);
            assert!(
                is_object(&l.flash),
                "valid session with flash {:?}",
                l.flash
            );
            assert!(payload::check_object(l.data.as_bytes(), &LIMITS).is_ok());
        }
        _ => {
            assert_eq!(l.data, "{}", "a rejected session carries no data");
            assert_eq!(l.flash, "{}");
            // Only an unavailable session keeps where it is stored (for destroy).
            assert!(l.meta.stored.is_none() || l.status == Status::Unavailable);
            if l.status != Status::New {
                assert!(l.reason.is_some(), "{:?} without a reason", l.status);
            }
        }
    }
}

fn raw_value(rest: &[u8]) {
    let value = String::from_utf8_lossy(rest);
    let store_ctx = Context {
        purpose: b"store",
        name: b"session:key",
        subkeys: Subkeys::Store,
    };
    for ctx in [COOKIE_CTX, store_ctx] {
        let ring = &config(false, false).ring;
        let (opened, usage) = metered(|| envelope::open(ring, &ctx, &value, NOW, LIMITS.max_bytes));
        check("native_decode/open", usage);
        if value.len() > max_open_len() {
            assert!(opened.is_err());
            assert_eq!(
                usage.count, 0,
                "an oversized value is refused before any allocation"
            );
        }
        if let Ok(o) = opened {
            // Only the canonical encoding opens: no second spelling of the same bytes.
            let raw = URL_SAFE_NO_PAD.decode(value.as_bytes()).expect("it opened");
            assert_eq!(
                URL_SAFE_NO_PAD.encode(&raw),
                *value,
                "malleable encoding opened"
            );
            assert!(o.header.expires_at > NOW);
            assert!(o.payload.len() <= LIMITS.max_bytes);
            let _ = payload::check_object(&o.payload, &LIMITS);
        }
    }
    let header = format!("{COOKIE}={value}");
    load_all(&header);
}

fn load_all(header: &str) {
    for (store, signed) in [(false, false), (true, true)] {
        let cfg = config(store, signed);
        let (step, usage) = metered(|| cfg.load(header, NOW, &mut Counter(1)));
        check("native_decode/load", usage);
        match step.expect("the counter RNG never fails") {
            LoadStep::Done(l) => check_loaded(&l),
            LoadStep::Fetch(f) => {
                assert!(store, "a fetch without a store");
                assert!(f.key.starts_with("session:"));
                let (l, usage) =
                    metered(|| cfg.load_fetched(f.clone(), None, NOW, &mut Counter(2)));
                check("native_decode/missing", usage);
                // Nothing there: gone, or (just issued) not visible yet.
                let l = l.unwrap();
                assert!(matches!(l.status, Status::Stale | Status::Unavailable));
                assert_eq!(l.data, "{}");
                let l = cfg
                    .load_fetched(f, Some("garbage"), NOW, &mut Counter(3))
                    .unwrap();
                assert_eq!((l.status, l.data.as_str()), (Status::Unavailable, "{}"));
            }
        }
    }
}

fn sealed_payload(sel: u8, rest: &[u8]) {
    let kind = match (sel >> 2) % 3 {
        0 => Kind::Session,
        1 => Kind::Reference,
        _ => Kind::Blob,
    };
    let mode = if sel & 0x10 != 0 {
        Mode::Signed
    } else {
        Mode::Sealed
    };
    let store = sel & 0x20 != 0;
    let cfg = config(store, false);
    // Issued a minute ago; the top bit makes some of them expired.
    let exp = if sel & 0x80 != 0 { NOW } else { NOW + 3600 };
    let header = Header::new(mode, kind, NOW - 60, exp);
    let value = envelope::seal(&cfg.ring, &COOKIE_CTX, header, rest, &mut Counter(7)).unwrap();
    // The payload checks alone, as the loader runs them.
    // What a document may be: data and flash within LIMITS, so the whole within DOC_LIMITS.
    let (checked, usage) = metered(|| payload::check_object(rest, &DOC_LIMITS));
    check("native_decode/check_object", usage);
    if let Ok(text) = core::str::from_utf8(rest) {
        let (_, usage) = metered(|| payload::members(text).count());
        assert_eq!(usage.count, 0, "members() allocates nothing");
    }
    let cookie = format!("{COOKIE}={value}");
    let (step, usage) = metered(|| cfg.load(&cookie, NOW, &mut Counter(4)));
    check("native_decode/sealed", usage);
    match step.unwrap() {
        LoadStep::Done(l) => {
            check_loaded(&l);
            if l.status == Status::Valid {
                assert_eq!(kind, Kind::Session, "a {kind:?} loaded as a session");
                assert!(
                    checked.is_ok(),
                    "a payload the checks refuse loaded as valid"
                );
                assert!(l.data.len() <= rest.len());
            }
            if exp <= NOW && rest.len() <= DOC_LIMITS.max_bytes {
                assert_eq!(l.status, Status::Expired);
            }
        }
        LoadStep::Fetch(f) => {
            assert_eq!(kind, Kind::Reference);
            assert!(store && exp > NOW);
            let l = cfg.load_fetched(f, None, NOW, &mut Counter(5)).unwrap();
            assert_eq!(l.status, Status::Stale);
        }
    }
}

fn spilled(sel: u8, rest: &[u8]) {
    let Some((&n, rest)) = rest.split_first() else {
        return;
    };
    let n = (n as usize % 48).min(rest.len());
    let (id, doc) = rest.split_at(n);
    let id = String::from_utf8_lossy(id).into_owned();
    let cfg = config(true, sel & 0x10 != 0);
    let key = spill::store_key(cfg.ring.current(), "session:", &id);
    let store_ctx = Context {
        purpose: b"store",
        name: key.as_bytes(),
        subkeys: Subkeys::Store,
    };
    let blob_header = Header::new(Mode::Sealed, Kind::Blob, NOW - 60, NOW + 3600);
    let blob = envelope::seal(&cfg.ring, &store_ctx, blob_header, doc, &mut Counter(9)).unwrap();
    let reference = Reference {
        generation: u32::from(sel),
        digest: spill::digest(&blob),
        id: id.clone(),
    };
    let header = Header::new(cfg.mode, Kind::Reference, NOW - 60, NOW + 3600);
    let value = envelope::seal(
        &cfg.ring,
        &COOKIE_CTX,
        header,
        &reference.to_bytes(),
        &mut Counter(8),
    )
    .unwrap();
    let cookie = format!("{COOKIE}={value}");
    let step = cfg.load(&cookie, NOW, &mut Counter(6)).unwrap();
    let f = match step {
        LoadStep::Fetch(f) => f,
        LoadStep::Done(l) => {
            check_loaded(&l);
            assert!(!is_id(&id), "a valid id {id:?} did not ask for its blob");
            assert_eq!(l.status, Status::Invalid);
            return;
        }
    };
    assert_eq!(f.key, key, "the reference names the key of its own id");
    let (l, usage) = metered(|| cfg.load_fetched(f.clone(), Some(&blob), NOW, &mut Counter(7)));
    check("native_decode/fetched", usage);
    let l = l.unwrap();
    check_loaded(&l);
    if l.status == Status::Valid {
        assert_eq!(l.meta.id, id, "a blob loaded under another session's id");
        assert!(payload::check_object(doc, &DOC_LIMITS).is_ok());
        assert_eq!(
            l.meta.stored.as_ref().map(|s| s.key("session:")),
            Some(key.clone())
        );
    }
    // Another blob of the same session at its 0.1 key (a newer 0.1 write)
    // loads as that session, or not at all; never as anything else.
    let other = envelope::seal(&cfg.ring, &store_ctx, blob_header, doc, &mut Counter(10)).unwrap();
    let l = cfg
        .load_fetched(f, Some(&other), NOW, &mut Counter(8))
        .unwrap();
    check_loaded(&l);
    if l.status == Status::Valid {
        assert_eq!(l.meta.id, id);
    } else {
        assert_eq!(l.data, "{}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    match sel % 4 {
        0 => raw_value(rest),
        1 => sealed_payload(sel, rest),
        2 => {
            let header = String::from_utf8_lossy(rest);
            load_all(&header);
        }
        _ => spilled(sel, rest),
    }
});
