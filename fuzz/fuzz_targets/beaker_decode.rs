//! The Beaker/TurboGears cookie decoder (`beaker::decode`) under arbitrary input.
//!
//! The first byte picks the keys (signed; encrypted with AES-GCM or AES-CTR;
//! 128- or 48-bit nonces) and what the rest is:
//! - `% 4 == 0`: a whole cookie value;
//! - `% 4 == 1`: the payload `P`, signed here with the validate key, so the
//!   fuzzer gets past the HMAC to the base64, nonce and decryption code;
//! - `% 4 == 2`: the compressed stream, encrypted (for encrypted keys) and
//!   signed here: the fuzzer reaches the inflater with arbitrary streams;
//! - `% 4 == 3`: JSON text, wrapped in a zlib stream (stored blocks),
//!   encrypted and signed here: the fuzzer reaches the JSON reader and the
//!   session dict rules.
//!
//! Checked beyond "no panic": a session that decodes has JSON object data and
//! decodes the same again; allocation stays
//! within bounds set by the decoder's own limits (16 KiB value, 64 KiB JSON).
#![no_main]

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::Aes256Gcm;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ctr::cipher::{KeyIvInit, StreamCipher};
use edge_session::beaker::{self, BeakerError, BeakerKeys, Crypto};
use edge_session_fuzz::{check_usage, metered};
use hmac::{Hmac, Mac};
use libfuzzer_sys::fuzz_target;
use sha1::Sha1;
use std::sync::OnceLock;

/// The keys of tests/vectors/beaker.json, so the seed cookies open.
const VALIDATE: &[u8] = b"validate-key: any length, any text";
const ENCRYPT: &[u8] = b"encrypt-key-for-tests";
/// The decoder's limits (src/formats/beaker.rs): value length and inflated JSON.
const MAX_VALUE_LEN: usize = 16 * 1024;
const MAX_JSON_LEN: usize = 64 * 1024;

struct Setup {
    keys: BeakerKeys,
    encrypt: Option<Crypto>,
    nonce_bits: u32,
}

/// The key sets, in the order fuzz/seed.mjs numbers them: signed, gcm128,
/// ctr128, gcm48, ctr48 (the `keys` names of tests/vectors/beaker.json).
const SETUPS: usize = 5;

fn setups() -> &'static [Setup; SETUPS] {
    static S: OnceLock<[Setup; SETUPS]> = OnceLock::new();
    S.get_or_init(|| {
        let make = |encrypt: Option<Crypto>, nonce_bits: u32| Setup {
            keys: BeakerKeys::new(
                VALIDATE,
                encrypt.map(|_| ENCRYPT),
                encrypt.unwrap_or(Crypto::Cryptography),
                nonce_bits,
            )
            .expect("fixed keys"),
            encrypt,
            nonce_bits,
        };
        [
            make(None, 128),
            make(Some(Crypto::Cryptography), 128),
            make(Some(Crypto::Pycryptodome), 128),
            make(Some(Crypto::Cryptography), 48),
            make(Some(Crypto::Pycryptodome), 48),
        ]
    })
}

fn sign(payload: &str) -> String {
    let mut mac = <Hmac<Sha1> as hmac::KeyInit>::new_from_slice(VALIDATE).unwrap();
    mac.update(payload.as_bytes());
    let mut out = String::with_capacity(40 + payload.len());
    for b in mac.finalize().into_bytes() {
        out.push_str(&format!("{b:02x}"));
    }
    out.push_str(payload);
    out
}

/// `P` for the compressed bytes `z`, as Beaker builds it.
fn payload_for(setup: &Setup, z: Vec<u8>, salt_byte: u8) -> String {
    let Some(crypto) = setup.encrypt else {
        return STANDARD.encode(z);
    };
    let salt = vec![salt_byte; (setup.nonce_bits / 8) as usize];
    let n = STANDARD.encode(&salt);
    let mut pbkdf_salt = VALIDATE.to_vec();
    pbkdf_salt.extend_from_slice(n.as_bytes());
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2::<Hmac<Sha1>>(ENCRYPT, &pbkdf_salt, 1, &mut key).unwrap();
    let e = match crypto {
        Crypto::Pycryptodome => {
            let mut ct = z;
            let mut c =
                ctr::Ctr128BE::<aes_gcm::aes::Aes256>::new_from_slices(&key, &[0u8; 16]).unwrap();
            c.apply_keystream(&mut ct);
            ct
        }
        Crypto::Cryptography => {
            let iv = [salt_byte ^ 0x5a; 12];
            let mut ct = z;
            let tag = Aes256Gcm::new_from_slice(&key)
                .unwrap()
                .encrypt_inout_detached(&iv.into(), b"", ct.as_mut_slice().into())
                .unwrap();
            let mut e = iv.to_vec();
            e.extend_from_slice(&tag);
            e.extend_from_slice(&ct);
            e
        }
    };
    n + &STANDARD.encode(e)
}

/// A zlib stream of stored (uncompressed) blocks: cheap to build for every
/// input, and still what the inflater must accept. Mode 2 feeds it arbitrary
/// compressed streams; this mode aims at the JSON behind it.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut chunks = data.chunks(65_535).peekable();
    if chunks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(chunk) = chunks.next() {
        out.push(u8::from(chunks.peek().is_none()));
        let len = chunk.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(chunk);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

fn decode_checked(value: &str, setup: &Setup) {
    let (result, usage) = metered(|| beaker::decode(value, &setup.keys));
    // One buffer: at most the inflate limit (its Vec<u16> string copy may be twice it);
    // live at once: the parsed entries of a 64 KiB JSON document.
    check_usage(
        "beaker_decode",
        usage,
        4 * MAX_JSON_LEN + 1024,
        64 * MAX_JSON_LEN,
    );
    if value.len() > MAX_VALUE_LEN {
        assert_eq!(result, Err(BeakerError::TooLarge));
        assert_eq!(
            usage.count, 0,
            "an oversized value is refused before any allocation"
        );
    }
    let Ok(session) = result else { return };
    // JSON syntax only: Beaker data may hold numbers no f64 holds (Python reads
    // 1e999 as inf), which are still JSON text.
    let object = session.data.trim_start().starts_with('{')
        && serde_json::from_str::<serde::de::IgnoredAny>(&session.data).is_ok();
    assert!(
        object,
        "decoded data is not a JSON object: {:?}",
        session.data
    );
    // Decoding is a function of the value alone.
    assert_eq!(beaker::decode(value, &setup.keys), Ok(session));
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let setup = &setups()[(sel as usize >> 2) % SETUPS];
    let salt = sel ^ 0xa5;
    match sel % 4 {
        0 => decode_checked(&String::from_utf8_lossy(rest), setup),
        1 => decode_checked(&sign(&String::from_utf8_lossy(rest)), setup),
        2 => decode_checked(&sign(&payload_for(setup, rest.to_vec(), salt)), setup),
        _ => {
            decode_checked(&sign(&payload_for(setup, zlib_stored(rest), salt)), setup);
        }
    }
});
