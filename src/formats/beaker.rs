//! Beaker 1.14 cookie sessions (`session.type = cookie`), the format TurboGears 2 uses.
//!
//! The layout, as Beaker 1.14.1 reads and writes it (`beaker/session.py`):
//!
//! ```text
//! value = hex(HMAC-SHA1(validate_key, P)) || P           lowercase hex, 40 chars
//! signed:    P = b64(zlib(json.dumps(dict)))              standard alphabet, padded
//! encrypted: P = N || b64(E)
//!            N = b64(nonce_bits / 8 random bytes)         text, also the PBKDF2 salt
//!            K = PBKDF2-HMAC-SHA1(encrypt_key, validate_key || N, 1 round, 32 bytes)
//!            E = IV(12) || TAG(16) || AES-256-GCM(K, IV, zlib(json))   crypto_type "cryptography"
//!            E = AES-256-CTR(K, counter block 0, zlib(json))           crypto_type "pycryptodome"
//! ```
//!
//! The dict holds `_domain`, `_path`, `_id` (uuid4 hex), the user's keys, then
//! `_creation_time` and `_accessed_time` (float seconds). [`encode`] writes the dict in
//! Beaker's key order and compresses it with `miniz_oxide`: Beaker reads any valid JSON
//! and any zlib stream, so the bytes need not be CPython's (an exact port of zlib's
//! deflate and of `json.dumps` was measured at ~80 KB of wasm, for no reader's benefit).
//! Pickled sessions (`data_serializer = pickle`) are detected and never deserialised.

use alloc::{string::String, vec::Vec};

use crate::payload::{self, Limits};
use crate::Random;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::aes::Aes256;
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ctr::cipher::{KeyIvInit, StreamCipher};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// Longest cookie value [`decode`] looks at; browsers store at most 4 KiB anyway.
const MAX_VALUE_LEN: usize = 16 * 1024;
/// Largest session JSON: the inflate limit, and what [`encode`] will compress.
const MAX_JSON_LEN: usize = 64 * 1024;
/// Beaker refuses to write a payload `P` (the value after the 40 hex signature chars)
/// longer than this (`_create_cookie`); [`encode`] refuses it too, [`decode`] does not.
///
/// ```
/// use edge_session::beaker::MAX_PAYLOAD_LEN;
/// // The longest value Beaker writes: signature plus payload.
/// assert_eq!(40 + MAX_PAYLOAD_LEN, 4104);
/// ```
pub const MAX_PAYLOAD_LEN: usize = 4064;
/// Nesting limit of the session JSON (Python's own limit is deeper).
const MAX_DEPTH: usize = 100;
/// zlib level, as Beaker's `zlib.compress` default.
const ZLIB_LEVEL: u8 = 6;
const SIG_LEN: usize = 40;
const GCM_IV_LEN: usize = 12;
const GCM_TAG_LEN: usize = 16;
/// Keys Beaker keeps in the session dict itself; every other key is user data.
const RESERVED: [&str; 6] = [
    "_id",
    "_domain",
    "_path",
    "_creation_time",
    "_accessed_time",
    "_expires",
];

/// Beaker's `crypto_type` for encrypted cookies.
///
/// ```
/// use edge_session::beaker::Crypto;
/// // Beaker's "default" picks `cryptography` when it is installed.
/// assert_ne!(Crypto::Cryptography, Crypto::Pycryptodome);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crypto {
    /// `crypto_type = cryptography`: AES-256-GCM, `E = IV || TAG || CT`.
    Cryptography,
    /// `crypto_type = pycryptodome` (alias `pycrypto`): AES-256-CTR from a zero counter.
    /// Unauthenticated; the HMAC over the whole value is what protects it.
    Pycryptodome,
}

/// The keys of a Beaker cookie session: `session.validate_key`, and for encrypted
/// sessions `session.encrypt_key`, `session.crypto_type` and `session.encrypt_nonce_bits`.
///
/// ```
/// use edge_session::beaker::{BeakerKeys, Crypto};
/// let signed = BeakerKeys::new(b"validate", None, Crypto::Cryptography, 128)?;
/// assert_eq!(signed.nonce_len(), 0);
/// let sealed = BeakerKeys::new(b"validate", Some(b"encrypt"), Crypto::Cryptography, 128)?;
/// assert_eq!(sealed.nonce_len(), 16 + 12);
/// # Ok::<(), edge_session::beaker::BeakerError>(())
/// ```
#[derive(Clone)]
pub struct BeakerKeys {
    validate_key: Vec<u8>,
    encrypt_key: Option<Vec<u8>>,
    crypto: Crypto,
    nonce_bits: u32,
}

impl core::fmt::Debug for BeakerKeys {
    // Never print the keys themselves.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("BeakerKeys")
            .field("encrypted", &self.encrypt_key.is_some())
            .field("crypto", &self.crypto)
            .field("nonce_bits", &self.nonce_bits)
            .finish_non_exhaustive()
    }
}

impl BeakerKeys {
    /// Checks and stores the keys, given as the UTF-8 bytes of Beaker's config strings.
    ///
    /// Any key length works, as in Beaker. Errors with [`BeakerError::InvalidKey`] when
    /// `validate_key` is empty, `encrypt_key` is `Some` but empty (Beaker would then
    /// silently not encrypt), `nonce_bits` is not a positive multiple of 8 up to 512, or an
    /// encrypted setup has a non-ASCII key (Beaker encodes both keys as ASCII for PBKDF2,
    /// so it could never open such a cookie).
    ///
    /// ```
    /// use edge_session::beaker::{BeakerError, BeakerKeys, Crypto};
    /// assert!(BeakerKeys::new(b"k", Some(b"e"), Crypto::Pycryptodome, 48).is_ok());
    /// let bad = BeakerKeys::new(b"", None, Crypto::Cryptography, 128);
    /// assert_eq!(bad.unwrap_err(), BeakerError::InvalidKey);
    /// let bad = BeakerKeys::new(b"k", Some(b"e"), Crypto::Cryptography, 12);
    /// assert_eq!(bad.unwrap_err(), BeakerError::InvalidKey);
    /// ```
    pub fn new(
        validate_key: &[u8],
        encrypt_key: Option<&[u8]>,
        crypto: Crypto,
        nonce_bits: u32,
    ) -> Result<Self, BeakerError> {
        if validate_key.is_empty()
            || nonce_bits == 0
            || !nonce_bits.is_multiple_of(8)
            || nonce_bits > 512
        {
            return Err(BeakerError::InvalidKey);
        }
        if let Some(ek) = encrypt_key {
            if ek.is_empty() || !ek.is_ascii() || !validate_key.is_ascii() {
                return Err(BeakerError::InvalidKey);
            }
        }
        Ok(Self {
            validate_key: validate_key.to_vec(),
            encrypt_key: encrypt_key.map(<[u8]>::to_vec),
            crypto,
            nonce_bits,
        })
    }

    /// How many random bytes [`encode`] needs: 0 for signed sessions, `nonce_bits / 8`
    /// for CTR, and `nonce_bits / 8 + 12` for GCM (the salt nonce, then the GCM IV).
    ///
    /// ```
    /// use edge_session::beaker::{BeakerKeys, Crypto};
    /// let keys = BeakerKeys::new(b"k", Some(b"e"), Crypto::Pycryptodome, 48)?;
    /// assert_eq!(keys.nonce_len(), 6);
    /// # Ok::<(), edge_session::beaker::BeakerError>(())
    /// ```
    pub fn nonce_len(&self) -> usize {
        match (&self.encrypt_key, self.crypto) {
            (None, _) => 0,
            (Some(_), Crypto::Pycryptodome) => self.salt_len(),
            (Some(_), Crypto::Cryptography) => self.salt_len() + GCM_IV_LEN,
        }
    }

    fn salt_len(&self) -> usize {
        (self.nonce_bits / 8) as usize
    }

    /// Length of N, the base64 text of the salt bytes (Beaker's `get_nonce_size`).
    fn salt_b64_len(&self) -> usize {
        self.salt_len().div_ceil(3) * 4
    }

    fn sign_hex(&self, payload: &[u8]) -> Result<[u8; SIG_LEN], BeakerError> {
        let mut mac = Hmac::<Sha1>::new_from_slice(&self.validate_key)
            .map_err(|_| BeakerError::InvalidKey)?;
        mac.update(payload);
        let digest = mac.finalize().into_bytes();
        let mut hex = [0u8; SIG_LEN];
        for (pair, byte) in hex.chunks_exact_mut(2).zip(digest.iter()) {
            pair.copy_from_slice(&crate::text::hex_pair(*byte));
        }
        Ok(hex)
    }

    /// The AES key for salt text `n`: PBKDF2-HMAC-SHA1, one round, salt `validate_key || n`.
    fn aes_key(&self, encrypt_key: &[u8], n: &[u8]) -> Result<[u8; 32], BeakerError> {
        let mut salt = Vec::with_capacity(self.validate_key.len() + n.len());
        salt.extend_from_slice(&self.validate_key);
        salt.extend_from_slice(n);
        let mut key = [0u8; 32];
        pbkdf2::pbkdf2::<Hmac<Sha1>>(encrypt_key, &salt, 1, &mut key)
            .map_err(|_| BeakerError::InvalidKey)?;
        Ok(key)
    }
}

/// Why a cookie could not be read or written.
///
/// ```
/// use edge_session::beaker::BeakerError;
/// assert_eq!(BeakerError::BadSignature.reason(), "bad_signature");
/// assert_eq!(BeakerError::Random.to_string(), "random_failed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeakerError {
    /// Not base64, not zlib, not JSON, or a reserved key is missing or of the wrong type.
    Malformed,
    /// The HMAC-SHA1 does not match (tampered, other key, uppercase hex, too short).
    BadSignature,
    /// A pickled session (`data_serializer = pickle`): never deserialised.
    Pickle,
    /// The JSON is not an object (or, for [`encode`], `data` is not one).
    NotObject,
    /// Over the size limits: the value or inflated JSON when reading; the 4064-char
    /// payload (Beaker's own limit) or the JSON when writing.
    TooLarge,
    /// AES-GCM rejected the tag: the encrypt key is wrong.
    Decrypt,
    /// A configuration error: see [`BeakerKeys::new`].
    InvalidKey,
    /// [`encode`] could not get random bytes for its nonce.
    Random,
}

impl BeakerError {
    /// A stable snake_case reason code.
    ///
    /// ```
    /// use edge_session::beaker::BeakerError;
    /// assert_eq!(BeakerError::Pickle.reason(), "pickle_unsupported");
    /// assert_eq!(BeakerError::Decrypt.reason(), "bad_tag");
    /// ```
    pub fn reason(&self) -> &'static str {
        match self {
            BeakerError::Malformed => "malformed",
            BeakerError::BadSignature => "bad_signature",
            BeakerError::Pickle => "pickle_unsupported",
            BeakerError::NotObject => "not_object",
            BeakerError::TooLarge => "too_large",
            BeakerError::Decrypt => "bad_tag",
            BeakerError::InvalidKey => "invalid_key",
            BeakerError::Random => "random_failed",
        }
    }
}

/// The load reason for a value refused with this error. Errors that only
/// writing can raise (a bad key, no randomness) count as `malformed`.
impl From<BeakerError> for crate::Reason {
    fn from(e: BeakerError) -> Self {
        crate::Reason::from_code(e.reason()).unwrap_or(crate::Reason::Malformed)
    }
}

impl core::fmt::Display for BeakerError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.reason())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for BeakerError {}

/// A Beaker session: the reserved keys, plus the user keys as JSON text.
///
/// ```
/// use edge_session::beaker::BeakerSession;
/// let s = BeakerSession {
///     id: "0123456789abcdef0123456789abcdef".into(),
///     creation_time: "1732700000.25".into(),
///     accessed_time: 1732700000,
///     data: r#"{"user": "ann"}"#.into(),
/// };
/// assert!(s.data.starts_with('{'));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BeakerSession {
    /// `_id`: uuid4 hex for sessions Beaker created.
    pub id: String,
    /// `_creation_time` as Beaker wrote it (a JSON number), kept verbatim.
    pub creation_time: String,
    /// `_accessed_time` in whole seconds (rounded down); the idle timeout runs from it.
    pub accessed_time: u64,
    /// The user keys as a JSON object text, in order, as written. `_expires`, which
    /// old Beaker versions wrote, is tolerated and dropped.
    pub data: String,
}

/// Reads a Beaker cookie value (surrounding double quotes are stripped, as Beaker does).
///
/// Never panics. Size is checked only against a 16 KiB value / 64 KiB JSON bound; a
/// payload over Beaker's 4064-char write limit still loads.
///
/// ```
/// use edge_session::beaker::{decode, encode, BeakerError, BeakerKeys, BeakerSession, Crypto};
/// use edge_session::OsRandom;
/// let keys = BeakerKeys::new(b"validate", None, Crypto::Cryptography, 128)?;
/// let session = BeakerSession {
///     id: "5f0c7a1fd0c24f6c9b1f0c1e2d3a4b5c".into(),
///     creation_time: "1732700000.5".into(),
///     accessed_time: 1732700100,
///     data: r#"{"user_id": 7}"#.into(),
/// };
/// let cookie = encode(&session, None, "/", &keys, &mut OsRandom)?;
/// assert_eq!(decode(&cookie, &keys)?, session);
/// let other = BeakerKeys::new(b"other", None, Crypto::Cryptography, 128)?;
/// assert_eq!(decode(&cookie, &other), Err(BeakerError::BadSignature));
/// # Ok::<(), BeakerError>(())
/// ```
pub fn decode(value: &str, keys: &BeakerKeys) -> Result<BeakerSession, BeakerError> {
    if value.len() > MAX_VALUE_LEN {
        return Err(BeakerError::TooLarge);
    }
    let value = value.trim_matches('"').as_bytes();
    if value.is_empty() {
        return Err(BeakerError::Malformed);
    }
    let (sig, payload) = match (value.get(..SIG_LEN), value.get(SIG_LEN..)) {
        (Some(sig), Some(payload)) => (sig, payload),
        _ => return Err(BeakerError::BadSignature),
    };
    let expected = keys.sign_hex(payload)?;
    // Beaker compares against lowercase hex: uppercase is a mismatch.
    if !bool::from(expected.ct_eq(sig)) {
        return Err(BeakerError::BadSignature);
    }
    if !payload.is_ascii() {
        return Err(BeakerError::Malformed);
    }
    let plain = match &keys.encrypt_key {
        None => B64.decode(payload).map_err(|_| BeakerError::Malformed)?,
        Some(ek) => {
            let n_len = keys.salt_b64_len();
            let (n, rest) = match (payload.get(..n_len), payload.get(n_len..)) {
                (Some(n), Some(rest)) => (n, rest),
                _ => return Err(BeakerError::Malformed),
            };
            let mut e = B64.decode(rest).map_err(|_| BeakerError::Malformed)?;
            let key = keys.aes_key(ek, n)?;
            match keys.crypto {
                Crypto::Pycryptodome => {
                    ctr_apply(&key, &mut e)?;
                    e
                }
                Crypto::Cryptography => gcm_open(&key, &e)?,
            }
        }
    };
    // Pickle protocol 2 starts with 0x80; Beaker's PickleSerializer does not compress.
    if plain.first() == Some(&0x80) {
        return Err(BeakerError::Pickle);
    }
    let json = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&plain, MAX_JSON_LEN)
        .map_err(|e| match e.status {
            miniz_oxide::inflate::TINFLStatus::HasMoreOutput => BeakerError::TooLarge,
            _ => BeakerError::Malformed,
        })?;
    if json.first() == Some(&0x80) {
        return Err(BeakerError::Pickle);
    }
    let text = core::str::from_utf8(&json).map_err(|_| BeakerError::Malformed)?;
    session_from_json(text)
}

/// What a signed (not encrypted) Beaker cookie lets anyone read without its
/// keys: the stored JSON object (`_id`, times and the user's keys), NOT
/// verified. `None` for an encrypted or pickled value, or anything that is not
/// a Beaker cookie. For inspection tools only; a session is read with [`decode`].
///
/// ```
/// use edge_session::beaker::{encode, peek_unverified, BeakerKeys, BeakerSession, Crypto};
/// # use edge_session::OsRandom;
/// let keys = BeakerKeys::new(b"validate", None, Crypto::Cryptography, 128).unwrap();
/// let s = BeakerSession { id: "ab".repeat(16), creation_time: "1.5".into(), accessed_time: 2, data: r#"{"a": 1}"#.into() };
/// let cookie = encode(&s, None, "/", &keys, &mut OsRandom).unwrap();
/// assert!(peek_unverified(&cookie).unwrap().contains(r#""a": 1"#));
/// ```
pub fn peek_unverified(value: &str) -> Option<String> {
    if value.len() > MAX_VALUE_LEN {
        return None;
    }
    let value = value.trim_matches('"').as_bytes();
    let sig = value.get(..SIG_LEN)?;
    if !sig.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let plain = B64.decode(value.get(SIG_LEN..)?).ok()?;
    let json =
        miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&plain, MAX_JSON_LEN).ok()?;
    let text = String::from_utf8(json).ok()?;
    let limits = Limits {
        max_bytes: MAX_JSON_LEN,
        max_depth: MAX_DEPTH,
    };
    check_object(&text, &limits).ok()?;
    Some(text)
}

fn session_from_json(text: &str) -> Result<BeakerSession, BeakerError> {
    let limits = Limits {
        max_bytes: MAX_JSON_LEN,
        max_depth: MAX_DEPTH,
    };
    check_object(text, &limits)?;
    let (mut id, mut created, mut accessed) = (None, None, None);
    let mut data = String::with_capacity(text.len());
    data.push('{');
    for (key, value) in payload::members(text) {
        match key {
            "_id" => id = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')),
            "_creation_time" => created = Some(value).filter(|v| is_number(v)),
            "_accessed_time" => accessed = whole_seconds(value),
            "_domain" | "_path" | "_expires" => {}
            _ => {
                if data.len() > 1 {
                    data.push_str(", ");
                }
                data.push('"');
                data.push_str(key);
                data.push_str("\": ");
                data.push_str(value);
            }
        }
    }
    data.push('}');
    let (Some(id), Some(created), Some(accessed)) = (id, created, accessed) else {
        return Err(BeakerError::Malformed);
    };
    if id.contains('\\') {
        return Err(BeakerError::Malformed);
    }
    Ok(BeakerSession {
        id: String::from(id),
        creation_time: String::from(created),
        accessed_time: accessed,
        data,
    })
}

/// `NotObject` for valid JSON that is not an object, `Malformed` for the rest.
fn check_object(text: &str, limits: &Limits) -> Result<(), BeakerError> {
    payload::check_object(text.as_bytes(), limits).map_err(|e| match e {
        crate::DecodeError::NotObject
            if crate::json::check(text.as_bytes(), crate::json::MAX_DEPTH).is_ok() =>
        {
            BeakerError::NotObject
        }
        crate::DecodeError::TooLarge => BeakerError::TooLarge,
        _ => BeakerError::Malformed,
    })
}

/// A plain JSON number such as Python's float repr writes (`1732700000.123456`).
fn is_number(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'))
        && v.bytes()
            .next()
            .is_some_and(|b| b == b'-' || b.is_ascii_digit())
}

/// The whole seconds (rounded down) of a JSON number such as `1732700000.5`
/// or `1.7327e9`; negative times count as 0. `None` for anything else.
fn whole_seconds(v: &str) -> Option<u64> {
    let (mantissa, exp) = match v.find(['e', 'E']) {
        Some(i) => (v.get(..i)?, v.get(i + 1..)?),
        None => (v, "0"),
    };
    let negative = mantissa.starts_with('-');
    let mantissa = mantissa.trim_start_matches('-');
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let exp_digits = exp.trim_start_matches(['+', '-']);
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty()
        || !all_digits(int)
        || !all_digits(frac)
        || exp_digits.is_empty()
        || exp_digits.len() > 4
        || !all_digits(exp_digits)
    {
        return None;
    }
    if negative {
        return Some(0);
    }
    let e = exp_digits
        .bytes()
        .fold(0i32, |a, b| a * 10 + i32::from(b - b'0'));
    let point = int.len() as i32 + if exp.starts_with('-') { -e } else { e };
    let mut secs = 0u64;
    for (i, b) in int.bytes().chain(frac.bytes()).enumerate() {
        if i as i32 >= point {
            return Some(secs);
        }
        secs = secs.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    let digits = (int.len() + frac.len()) as i32;
    (digits..point.max(digits)).try_fold(secs, |acc, _| acc.checked_mul(10))
}

/// Writes a cookie value for `session`: the dict `{"_domain": domain or null,
/// "_path": path, "_id": …, user keys…, "_creation_time": …, "_accessed_time": …}`
/// in Beaker's key order, zlib-compressed, then (with an `encrypt_key`) encrypted
/// under a fresh nonce of [`BeakerKeys::nonce_len`] bytes from `rng`,
/// base64-encoded and signed. Signed-only sessions draw nothing.
/// Errors: [`BeakerError::TooLarge`] past Beaker's 4064-char payload limit,
/// [`BeakerError::NotObject`]/[`BeakerError::Malformed`] for bad `data` (or `data`
/// holding a reserved key, a `creation_time` that is not a number, or an `id`
/// that is not plain text), [`BeakerError::Random`] when `rng` fails.
///
/// ```
/// use edge_session::beaker::{decode, encode, BeakerKeys, BeakerSession, Crypto};
/// use edge_session::OsRandom;
/// let keys = BeakerKeys::new(b"validate", Some(b"encrypt"), Crypto::Cryptography, 128)?;
/// let session = BeakerSession {
///     id: "5f0c7a1fd0c24f6c9b1f0c1e2d3a4b5c".into(),
///     creation_time: "1732700000.5".into(),
///     accessed_time: 1732700000,
///     data: "{}".into(),
/// };
/// let cookie = encode(&session, Some(".example.com"), "/", &keys, &mut OsRandom)?;
/// assert_eq!(decode(&cookie, &keys)?, session);
/// assert_ne!(cookie, encode(&session, Some(".example.com"), "/", &keys, &mut OsRandom)?);
/// # Ok::<(), edge_session::beaker::BeakerError>(())
/// ```
pub fn encode(
    session: &BeakerSession,
    domain: Option<&str>,
    path: &str,
    keys: &BeakerKeys,
    rng: &mut impl Random,
) -> Result<String, BeakerError> {
    let mut nonce = alloc::vec![0u8; keys.nonce_len()];
    rng.fill(&mut nonce).map_err(|_| BeakerError::Random)?;
    encode_with_nonce(session, domain, path, keys, &nonce)
}

/// [`encode`] with the nonce given ([`BeakerKeys::nonce_len`] bytes, empty
/// for signed sessions): for test vectors only. A nonce must never repeat
/// under one key; use [`encode`].
#[doc(hidden)]
pub fn encode_with_nonce(
    session: &BeakerSession,
    domain: Option<&str>,
    path: &str,
    keys: &BeakerKeys,
    nonce: &[u8],
) -> Result<String, BeakerError> {
    let value = encode_unlimited(session, domain, path, keys, nonce)?;
    if value.len() > SIG_LEN + MAX_PAYLOAD_LEN {
        return Err(BeakerError::TooLarge);
    }
    Ok(value)
}

/// [`encode`] without Beaker's 4064-character payload check, so the caller can
/// report the size it would need.
pub(crate) fn encode_unlimited(
    session: &BeakerSession,
    domain: Option<&str>,
    path: &str,
    keys: &BeakerKeys,
    nonce: &[u8],
) -> Result<String, BeakerError> {
    if nonce.len() != keys.nonce_len() {
        return Err(BeakerError::InvalidKey);
    }
    if session.data.len() > MAX_JSON_LEN {
        return Err(BeakerError::TooLarge);
    }
    let limits = Limits {
        max_bytes: MAX_JSON_LEN,
        max_depth: MAX_DEPTH,
    };
    check_object(&session.data, &limits)?;
    if !is_number(&session.creation_time) || !is_plain(&session.id) {
        return Err(BeakerError::Malformed);
    }

    let mut json = String::with_capacity(session.data.len() + 160);
    json.push_str("{\"_domain\": ");
    match domain {
        Some(d) if is_plain(d) => push_quoted(&mut json, d),
        Some(_) => return Err(BeakerError::Malformed),
        None => json.push_str("null"),
    }
    json.push_str(", \"_path\": ");
    if !is_plain(path) {
        return Err(BeakerError::Malformed);
    }
    push_quoted(&mut json, path);
    json.push_str(", \"_id\": ");
    push_quoted(&mut json, &session.id);
    for (key, value) in payload::members(&session.data) {
        if RESERVED.contains(&key) {
            return Err(BeakerError::Malformed);
        }
        json.push_str(", \"");
        json.push_str(key);
        json.push_str("\": ");
        json.push_str(value);
    }
    json.push_str(", \"_creation_time\": ");
    json.push_str(&session.creation_time);
    json.push_str(", \"_accessed_time\": ");
    crate::text::push_u64(&mut json, session.accessed_time);
    json.push_str(".0}");
    if json.len() > MAX_JSON_LEN {
        return Err(BeakerError::TooLarge);
    }

    let z = miniz_oxide::deflate::compress_to_vec_zlib(json.as_bytes(), ZLIB_LEVEL);
    let payload = match &keys.encrypt_key {
        None => B64.encode(&z),
        Some(ek) => {
            let (salt, iv) = nonce
                .split_at_checked(keys.salt_len())
                .ok_or(BeakerError::InvalidKey)?;
            let mut p = B64.encode(salt);
            let key = keys.aes_key(ek, p.as_bytes())?;
            let e = match keys.crypto {
                Crypto::Pycryptodome => {
                    let mut ct = z;
                    ctr_apply(&key, &mut ct)?;
                    ct
                }
                Crypto::Cryptography => gcm_seal(&key, iv, z)?,
            };
            B64.encode_string(&e, &mut p);
            p
        }
    };
    let sig = keys.sign_hex(payload.as_bytes())?;
    let mut out = String::with_capacity(SIG_LEN + payload.len());
    out.extend(sig.iter().map(|&b| char::from(b)));
    out.push_str(&payload);
    Ok(out)
}

/// Text that needs no JSON escaping: printable ASCII without `"` or `\\`.
fn is_plain(s: &str) -> bool {
    s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
}

fn push_quoted(out: &mut String, s: &str) {
    out.push('"');
    out.push_str(s);
    out.push('"');
}

/// Beaker's idle timeout (`session.timeout`): expired when
/// `now - _accessed_time > timeout`, strictly. `None` never expires.
///
/// ```
/// use edge_session::beaker::{is_expired, BeakerSession};
/// let s = BeakerSession {
///     id: "x".into(),
///     creation_time: "900.0".into(),
///     accessed_time: 1000,
///     data: "{}".into(),
/// };
/// assert!(!is_expired(&s, Some(10), 1010));
/// assert!(is_expired(&s, Some(10), 1011));
/// assert!(!is_expired(&s, None, u64::MAX));
/// ```
pub fn is_expired(session: &BeakerSession, timeout_secs: Option<u64>, now_secs: u64) -> bool {
    timeout_secs.is_some_and(|t| now_secs.saturating_sub(session.accessed_time) > t)
}

// ---- crypto ---------------------------------------------------------------

fn ctr_apply(key: &[u8; 32], data: &mut [u8]) -> Result<(), BeakerError> {
    let mut cipher = ctr::Ctr128BE::<Aes256>::new_from_slices(key, &[0u8; 16])
        .map_err(|_| BeakerError::InvalidKey)?;
    cipher
        .try_apply_keystream(data)
        .map_err(|_| BeakerError::TooLarge)
}

fn gcm_open(key: &[u8; 32], e: &[u8]) -> Result<Vec<u8>, BeakerError> {
    let (iv, rest) = e
        .split_at_checked(GCM_IV_LEN)
        .ok_or(BeakerError::Malformed)?;
    let (tag, ct) = rest
        .split_at_checked(GCM_TAG_LEN)
        .ok_or(BeakerError::Malformed)?;
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| BeakerError::InvalidKey)?;
    let iv = Nonce::<_>::try_from(iv).map_err(|_| BeakerError::Malformed)?;
    let tag = Tag::try_from(tag).map_err(|_| BeakerError::Malformed)?;
    let mut buf = ct.to_vec();
    cipher
        .decrypt_inout_detached(&iv, b"", buf.as_mut_slice().into(), &tag)
        .map_err(|_| BeakerError::Decrypt)?;
    Ok(buf)
}

fn gcm_seal(key: &[u8; 32], iv: &[u8], mut data: Vec<u8>) -> Result<Vec<u8>, BeakerError> {
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| BeakerError::InvalidKey)?;
    let iv_arr = Nonce::<_>::try_from(iv).map_err(|_| BeakerError::InvalidKey)?;
    let tag = cipher
        .encrypt_inout_detached(&iv_arr, b"", data.as_mut_slice().into())
        .map_err(|_| BeakerError::TooLarge)?;
    let mut e = Vec::with_capacity(GCM_IV_LEN + GCM_TAG_LEN + data.len());
    e.extend_from_slice(iv);
    e.extend_from_slice(&tag);
    e.extend_from_slice(&data);
    Ok(e)
}

/// How Beaker cookies are read and written.
///
/// ```
/// use edge_session::beaker::{BeakerKeys, Crypto};
/// use edge_session::BeakerFormat;
/// let keys = BeakerKeys::new(b"validate", None, Crypto::Cryptography, 128).unwrap();
/// let f = BeakerFormat { keys, timeout: Some(3600), cookie_max_age: None };
/// assert_eq!(f.timeout, Some(3600));
/// ```
#[derive(Clone, Debug)]
pub struct BeakerFormat {
    /// Beaker's validate and encrypt keys.
    pub keys: BeakerKeys,
    /// Beaker's `timeout`: idle seconds since `_accessed_time`.
    pub timeout: Option<u64>,
    /// `Max-Age` of the cookie; `None` for a browser-session cookie (Beaker's `cookie_expires = true`).
    pub cookie_max_age: Option<u64>,
}

impl super::ForeignFormat for BeakerFormat {
    fn name(&self) -> &'static str {
        "beaker"
    }

    fn decode(
        &self,
        _cookie_name: &str,
        value: &str,
        now_ms: u64,
        limits: &Limits,
    ) -> Result<super::Foreign, super::Refusal> {
        use crate::Status;
        let bs = decode(value, &self.keys).map_err(|e| (Status::Invalid, e.reason()))?;
        if is_expired(&bs, self.timeout, now_ms / 1000) {
            return Err((Status::Expired, crate::DecodeError::IdleTimeout.reason()));
        }
        let (data, flash) = super::split_flash(&bs.data, limits)?;
        Ok(super::Foreign {
            id: Some(bs.id),
            data,
            flash,
            iat: Some(bs.accessed_time),
            created: Some(bs.creation_time),
            reseal: false,
        })
    }

    fn encode(
        &self,
        w: &super::Write<'_>,
        rng: &mut impl Random,
    ) -> Result<(String, Option<u64>), crate::SaveError> {
        let created = match w.created {
            Some(c) => String::from(c),
            None => {
                let mut c = String::new();
                crate::text::push_u64(&mut c, w.now);
                c.push_str(".0");
                c
            }
        };
        let session = BeakerSession {
            id: String::from(w.id),
            creation_time: created,
            accessed_time: w.now,
            data: super::join_flash(w.data, w.flash),
        };
        let mut nonce = alloc::vec![0u8; self.keys.nonce_len()];
        rng.fill(&mut nonce)?;
        let domain = w.cookie.domain.as_deref();
        // Beaker's reserved keys (such as `_id`) in the data are refused.
        let value = encode_unlimited(&session, domain, &w.cookie.path, &self.keys, &nonce)
            .map_err(|_| crate::SaveError::Data(crate::DecodeError::Malformed))?;
        Ok((value, self.cookie_max_age))
    }

    fn timeout(&self) -> Option<u64> {
        self.timeout
    }

    fn new_id(&self, rng: &mut impl Random) -> Result<String, crate::RandomError> {
        uuid4_hex(rng)
    }

    fn value_limit(&self) -> Option<usize> {
        Some(SIG_LEN + MAX_PAYLOAD_LEN)
    }
}

/// A Beaker `_id`: a version-4 UUID in lowercase hex, without dashes.
fn uuid4_hex(rng: &mut impl Random) -> Result<String, crate::RandomError> {
    let mut b = [0u8; 16];
    rng.fill(&mut b)?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(32);
    crate::text::push_hex(&mut s, &b);
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::whole_seconds;

    #[test]
    fn whole_seconds_of_python_floats() {
        assert_eq!(whole_seconds("1732700000.987"), Some(1732700000));
        assert_eq!(whole_seconds("1e9"), Some(1_000_000_000));
        assert_eq!(whole_seconds("1.5E+3"), Some(1500));
        assert_eq!(whole_seconds("25e-1"), Some(2));
        assert_eq!(whole_seconds("5e-324"), Some(0));
        assert_eq!(whole_seconds("-3.5"), Some(0));
        assert_eq!(whole_seconds("12"), Some(12));
        assert_eq!(whole_seconds("1e30"), None);
        assert_eq!(whole_seconds("\"1\""), None);
        assert_eq!(whole_seconds("1.2.3"), None);
        assert_eq!(whole_seconds(""), None);
    }
}
