//! Runs every vector in tests/vectors/native.json, using only what the file
//! says: another implementation can check itself the same way.
//!
//! `EDGE_SESSION_WRITE_VECTORS=1 cargo test --test vectors` rewrites the file
//! from the cases below (do it only when the format changes on purpose).

#![cfg(not(target_family = "wasm"))]

use edge_session::{envelope, Context, DecodeError, Header, KeyRing, Kind, Mode, Subkeys};
use serde_json::{json, Value};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/native.json");
const NEW: &str = "edge-session test vector secret #1 (new) 0123456789";
const OLD: &str = "edge-session test vector secret #0 (old) 0123456789";
const OTHER: &str = "a secret from another deployment, 32+ bytes long";
const NOW: u64 = 1_760_000_000;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn mode_str(m: Mode) -> &'static str {
    match m {
        Mode::Sealed => "sealed",
        Mode::Signed => "signed",
    }
}

fn kind_str(k: Kind) -> &'static str {
    match k {
        Kind::Session => "session",
        Kind::Reference => "reference",
        Kind::Blob => "blob",
        Kind::Pointer => "pointer",
    }
}

struct Case {
    name: &'static str,
    seal_with: Vec<&'static str>,
    open_with: Vec<&'static str>,
    mode: Mode,
    kind: Kind,
    purpose: &'static str,
    cookie_name: &'static str,
    open_name: &'static str,
    payload: &'static str,
    issued_at: u64,
    expires_at: u64,
    now: u64,
    tamper: Option<usize>,
    expect: Result<bool, DecodeError>, // Ok(old_key)
}

fn case(name: &'static str) -> Case {
    Case {
        name,
        seal_with: vec![NEW],
        open_with: vec![NEW],
        mode: Mode::Sealed,
        kind: Kind::Session,
        purpose: "cookie",
        cookie_name: "__Host-session",
        open_name: "__Host-session",
        payload: r#"{"i":"AAECAwQFBgcICQoLDA0ODw","d":{"user":"ada","n":1}}"#,
        issued_at: NOW - 60,
        expires_at: NOW + 1_209_540,
        now: NOW,
        tamper: None,
        expect: Ok(false),
    }
}

fn cases() -> Vec<Case> {
    vec![
        case("sealed session"),
        Case {
            mode: Mode::Signed,
            ..case("signed session")
        },
        Case {
            payload: "{}",
            ..case("sealed empty object")
        },
        Case {
            payload: r#"{"i":"AAECAwQFBgcICQoLDA0ODw","d":{"name":"Zoë 😀","nested":{"a":[1,2,{"b":null}]}}}"#,
            mode: Mode::Signed,
            ..case("signed unicode and nesting")
        },
        Case {
            seal_with: vec![OLD],
            open_with: vec![NEW, OLD],
            expect: Ok(true),
            ..case("rotation: sealed with the old secret, opened by [new, old]")
        },
        Case {
            seal_with: vec![OLD],
            open_with: vec![NEW, OLD],
            mode: Mode::Signed,
            expect: Ok(true),
            ..case("rotation: signed with the old secret, opened by [new, old]")
        },
        Case {
            tamper: Some(40),
            expect: Err(DecodeError::BadTag),
            ..case("negative: sealed, one nonce bit flipped")
        },
        Case {
            tamper: Some(8 * 14),
            expect: Err(DecodeError::BadTag),
            ..case("negative: sealed, one ciphertext bit flipped")
        },
        Case {
            mode: Mode::Signed,
            tamper: Some(20),
            expect: Err(DecodeError::BadTag),
            ..case("negative: signed, one payload bit flipped")
        },
        Case {
            open_name: "session",
            expect: Err(DecodeError::BadTag),
            ..case("negative: moved to another cookie name")
        },
        Case {
            mode: Mode::Signed,
            open_name: "session",
            expect: Err(DecodeError::BadTag),
            ..case("negative: signed, moved to another cookie name")
        },
        Case {
            issued_at: NOW - 7200,
            expires_at: NOW - 3600,
            expect: Err(DecodeError::Expired),
            ..case("negative: expired by the authenticated header")
        },
        Case {
            seal_with: vec![OTHER],
            expect: Err(DecodeError::UnknownKey),
            ..case("negative: unknown key id")
        },
        Case {
            purpose: "store",
            expect: Err(DecodeError::BadTag),
            ..case("negative: sealed for another purpose")
        },
        Case {
            kind: Kind::Reference,
            payload: "\u{0}\u{0}\u{0}\u{1}0123456789abcdefAAECAwQFBgcICQoLDA0ODw",
            ..case("sealed store reference (generation 1, digest, id)")
        },
    ]
}

fn nonce_for(i: usize) -> [u8; 12] {
    let mut n = [0u8; 12];
    for (j, b) in n.iter_mut().enumerate() {
        *b = (i * 16 + j) as u8;
    }
    n
}

fn build() -> Value {
    let mut out = Vec::new();
    for (i, c) in cases().into_iter().enumerate() {
        let seal_ring = KeyRing::new(&c.seal_with).unwrap();
        let nonce = nonce_for(i);
        let ctx = Context {
            purpose: b"cookie",
            name: c.cookie_name.as_bytes(),
            subkeys: Subkeys::Cookie,
        };
        let header = Header::new(c.mode, c.kind, c.issued_at, c.expires_at);
        let mut value =
            envelope::seal_with_nonce(&seal_ring, &ctx, header, c.payload.as_bytes(), nonce)
                .unwrap();
        if let Some(bit) = c.tamper {
            let mut raw = base64_decode(&value);
            raw[bit / 8 + 16] ^= 1 << (bit % 8);
            value = base64_encode(&raw);
        }
        let key_ids: Vec<Value> = c
            .open_with
            .iter()
            .map(|s| json!(hex(&KeyRing::new(&[s]).unwrap().current().id())))
            .collect();
        out.push(json!({
            "name": c.name,
            "secrets_sealed_with": c.seal_with,
            "secrets": c.open_with,
            "key_ids": key_ids,
            "mode": mode_str(c.mode),
            "kind": kind_str(c.kind),
            "purpose": c.purpose,
            "cookie_name": c.cookie_name,
            "open_name": c.open_name,
            "nonce": hex(&nonce),
            "issued_at": c.issued_at,
            "expires_at": c.expires_at,
            "now": c.now,
            "payload": c.payload,
            "value": value,
            "expect": match c.expect {
                Ok(old) => json!({ "ok": true, "old_key": old }),
                Err(e) => json!({ "error": e.reason() }),
            },
        }));
    }
    json!({
        "format": "edge-session native wire format v1 (see the README, 'Wire format')",
        "hkdf": { "hash": "SHA-256", "salt": "edge-session/v1",
                  "info": { "key_id": "key-id", "sign": "sign", "encrypt": "encrypt",
                            "store_encrypt": "store-encrypt", "store_id": "store-id" } },
        "vectors": out,
    })
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[test]
fn every_vector_in_the_file_holds() {
    if std::env::var_os("EDGE_SESSION_WRITE_VECTORS").is_some() {
        let text = serde_json::to_string_pretty(&build()).unwrap() + "\n";
        std::fs::write(PATH, text).unwrap();
    }
    let file: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    let vectors = file["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 14);
    let mut negatives = 0;
    for v in vectors {
        let name = v["name"].as_str().unwrap();
        let s = |k: &str| v[k].as_str().unwrap().to_owned();
        let n = |k: &str| v[k].as_u64().unwrap();
        let secrets: Vec<String> = v["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect();
        let ring = KeyRing::new(&secrets).unwrap();
        for (secret, id) in secrets.iter().zip(v["key_ids"].as_array().unwrap()) {
            let one = KeyRing::new(&[secret]).unwrap();
            assert_eq!(
                hex(&one.current().id()),
                id.as_str().unwrap(),
                "{name}: key id"
            );
        }
        let purpose = s("purpose");
        let open_name = s("open_name");
        let ctx = Context {
            purpose: purpose.as_bytes(),
            name: open_name.as_bytes(),
            subkeys: Subkeys::Cookie,
        };
        let got = envelope::open(&ring, &ctx, &s("value"), n("now"), 64 * 1024);
        if let Some(err) = v["expect"]["error"].as_str() {
            negatives += 1;
            assert_eq!(got.map(|_| ()).unwrap_err().reason(), err, "{name}");
            continue;
        }
        let opened = got.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(opened.payload, s("payload").as_bytes(), "{name}");
        assert_eq!(opened.old_key(), v["expect"]["old_key"].as_bool().unwrap());
        assert_eq!(opened.header.issued_at, n("issued_at"));
        assert_eq!(opened.header.expires_at, n("expires_at"));
        assert_eq!(mode_str(opened.header.mode), s("mode"));
        assert_eq!(kind_str(opened.header.kind), s("kind"));
        // Sealing the same inputs again gives the same bytes.
        let sealer: Vec<String> = v["secrets_sealed_with"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_owned())
            .collect();
        let nonce: [u8; 12] = unhex(&s("nonce")).try_into().unwrap();
        let cookie_name = s("cookie_name");
        let ctx = Context {
            name: cookie_name.as_bytes(),
            ..ctx
        };
        let again = envelope::seal_with_nonce(
            &KeyRing::new(&sealer).unwrap(),
            &ctx,
            opened.header,
            s("payload").as_bytes(),
            nonce,
        )
        .unwrap();
        assert_eq!(again, s("value"), "{name}: deterministic re-seal");
    }
    assert!(
        negatives >= 6,
        "tampered, wrong name, expired, unknown key..."
    );
}

#[test]
fn file_matches_the_cases() {
    let file: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    assert_eq!(
        file,
        build(),
        "run with EDGE_SESSION_WRITE_VECTORS=1 after a deliberate change"
    );
}

/// The platform path: every vector opened and sealed through the jobs a
/// [`Deferred`] bulk hands out (run here in software, as the platform's
/// AES-GCM and HMAC would run them) gives the same result and the same bytes,
/// with sealed bodies decoded here or left in the value's text (the
/// platform's base64 then decodes them: here, [`Job::fill_body`]).
#[test]
fn every_vector_holds_on_the_deferred_path() {
    for text in [false, true] {
        deferred_path(text);
    }
}

fn deferred_path(text: bool) {
    use edge_session::deferred::Op;
    use edge_session::envelope::{Bulk, Frame};
    use edge_session::{Answer, Deferred};
    let file: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    for v in file["vectors"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        let s = |k: &str| v[k].as_str().unwrap().to_owned();
        let strings = |k: &str| -> Vec<String> {
            v[k].as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().to_owned())
                .collect()
        };
        let ring = KeyRing::new(&strings("secrets")).unwrap();
        let (purpose, open_name) = (s("purpose"), s("open_name"));
        let ctx = Context {
            purpose: purpose.as_bytes(),
            name: open_name.as_bytes(),
            subkeys: Subkeys::Cookie,
        };
        let now = v["now"].as_u64().unwrap();
        let soft = envelope::open(&ring, &ctx, &s("value"), now, 64 * 1024);
        let mut first = Deferred::default().with_macs();
        if text {
            first = first.with_text_above(0);
        }
        let deferred =
            match envelope::open_with(&mut first, &ring, &ctx, &s("value"), now, 64 * 1024) {
                // Refused before any crypto (unknown key, malformed): no job.
                Err(e) => Err(e),
                Ok(Some(_)) => panic!("{name}: opened without the platform"),
                Ok(None) => {
                    let job = &mut first.jobs[0];
                    assert_eq!(job.op, Op::Open, "{name}");
                    // Sealed bodies are left in the text when asked; signed ones never.
                    assert_eq!(job.text.is_some(), text && job.mac.is_empty(), "{name}");
                    assert_eq!(job.data.is_empty(), job.text.is_some(), "{name}");
                    let len = job.body_len();
                    job.fill_body(&s("value")).unwrap();
                    assert_eq!((job.data.len(), job.text), (len, None), "{name}");
                    let job = &*job;
                    let answer = match (job.run(&ring), job.mac.is_empty()) {
                        (Ok(plain), true) => Answer::Plain(plain),
                        (Ok(_), false) => Answer::Verified(true),
                        (Err(_), true) => Answer::Failed,
                        (Err(_), false) => Answer::Verified(false),
                    };
                    let mut second = Deferred::answered(job, answer).with_macs();
                    let out =
                        envelope::open_with(&mut second, &ring, &ctx, &s("value"), now, 64 * 1024);
                    assert!(second.jobs.is_empty(), "{name}: answered once");
                    out.map(|o| o.unwrap())
                }
            };
        assert_eq!(
            deferred
                .as_ref()
                .map(|o| (&o.payload, o.header))
                .map_err(|e| e.reason()),
            soft.as_ref()
                .map(|o| (&o.payload, o.header))
                .map_err(|e| e.reason()),
            "{name}"
        );
        let Ok(opened) = soft else { continue };
        // Sealing: the job's frame and the platform's output make the vector's bytes.
        let sealer = KeyRing::new(&strings("secrets_sealed_with")).unwrap();
        let nonce: [u8; 12] = unhex(&s("nonce")).try_into().unwrap();
        let cookie_name = s("cookie_name");
        let ctx = Context {
            name: cookie_name.as_bytes(),
            ..ctx
        };
        let frame = Frame::with_nonce(&sealer, &ctx, opened.header, nonce).unwrap();
        let mut bulk = Deferred::default().with_macs();
        let placeholder = bulk.seal(&sealer, &frame, s("payload").as_bytes());
        assert_eq!(placeholder, Deferred::placeholder(0));
        let job = &bulk.jobs[0];
        assert_eq!(
            (job.op, job.nonce.is_empty()),
            (Op::Seal, s("mode") == "signed")
        );
        assert_eq!(
            String::from_utf8(job.run(&sealer).unwrap()).unwrap(),
            s("value"),
            "{name}"
        );
    }
}

/// By default HMAC (signed cookies, at most 4 KiB) runs in the core: it is
/// cheaper than a second pass; AES-GCM is handed out.
#[test]
fn by_default_only_aes_gcm_is_handed_out() {
    use edge_session::Deferred;
    let file: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    for v in file["vectors"].as_array().unwrap() {
        let (Some(true), "cookie") = (v["expect"]["ok"].as_bool(), v["purpose"].as_str().unwrap())
        else {
            continue;
        };
        let secrets: Vec<&str> = v["secrets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        let ring = KeyRing::new(&secrets).unwrap();
        let name = v["open_name"].as_str().unwrap();
        let ctx = Context {
            purpose: b"cookie",
            name: name.as_bytes(),
            subkeys: Subkeys::Cookie,
        };
        let mut bulk = Deferred::default();
        let got = envelope::open_with(
            &mut bulk,
            &ring,
            &ctx,
            v["value"].as_str().unwrap(),
            v["now"].as_u64().unwrap(),
            1 << 16,
        );
        let signed = v["mode"] == "signed";
        assert_eq!(got.unwrap().is_some(), signed, "{}", v["name"]);
        assert_eq!(bulk.jobs.len(), usize::from(!signed));
    }
}
