//! iron "Fe26.2" seals, as iron-session 8 (through iron-webcrypto 1.2) and `@hapi/iron` 7
//! write them.
//!
//! ```text
//! sealed = "Fe26.2" * id * encSalt * encIV * ciphertext * expiration * macSalt * mac
//! value  = sealed "~2"                              iron-session appends its token version
//!
//! id          password id, `^\w+$`, or empty (read as "default")
//! encSalt     32 random bytes as 64 lowercase hex chars, used as a UTF-8 string
//! encIV       16 random bytes, base64url without padding
//! ciphertext  AES-256-CBC (PKCS#7) of the JSON text, base64url without padding
//! expiration  absolute milliseconds since the epoch, or empty for no expiry
//! macSalt     like encSalt
//! mac         base64url(HMAC-SHA256(macKey, "Fe26.2*id*encSalt*encIV*ciphertext*expiration"))
//! key         PBKDF2-HMAC-SHA1(password, salt text, 1 iteration, 32 bytes), one per salt
//! ```
//!
//! A seal is expired when `expiration <= now - 60 s` (iron's `timestampSkewSec`).
//! iron-session without the `~2` suffix (its version 1) keeps the session under the
//! `persistent` key; [`unseal`] follows it. Unlike iron-session, nothing here throws:
//! every bad value gives an [`IronError`] with a [`reason`](IronError::reason).

use alloc::{string::String, vec::Vec};

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::payload::{self, Limits, MAX_DEPTH_CEILING};
use crate::text::push_u64;
use crate::{DecodeError, Random};
use aes_gcm::aes::Aes256;

/// Longest cookie value [`unseal`] looks at: browsers keep 4 KiB per cookie anyway.
///
/// ```
/// assert!(edge_session::iron::MAX_VALUE_LEN >= 4096);
/// ```
pub const MAX_VALUE_LEN: usize = 16 * 1024;
/// What iron-session appends to every seal it writes (its token major version 2).
///
/// ```
/// assert_eq!(edge_session::iron::TOKEN_SUFFIX, "~2");
/// ```
pub const TOKEN_SUFFIX: &str = "~2";
/// Shortest password iron accepts, in UTF-16 code units (JavaScript's `length`).
///
/// ```
/// assert_eq!(edge_session::iron::MIN_PASSWORD_LEN, 32);
/// ```
pub const MIN_PASSWORD_LEN: usize = 32;
/// iron's `timestampSkewSec`, in milliseconds: a seal stays valid this long past its expiry.
///
/// ```
/// assert_eq!(edge_session::iron::SKEW_MS, 60_000);
/// ```
pub const SKEW_MS: u64 = 60_000;

const PREFIX: &str = "Fe26.2";
const SALT_BYTES: usize = 32;
const IV_BYTES: usize = 16;
const MAC_B64_LEN: usize = 43;

/// base64url as iron-webcrypto reads it: padding optional, stray trailing bits ignored.
const B64_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Why a seal could not be opened or written.
///
/// ```
/// use edge_session::iron::IronError;
/// assert_eq!(IronError::BadMac.reason(), "bad_mac");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IronError {
    /// Not eight `*`-separated parts, a wrong prefix, a non-numeric expiration, a bad IV,
    /// ciphertext or padding, or JSON that does not parse.
    Malformed,
    /// No password has the seal's id.
    UnknownPassword,
    /// The HMAC does not match: tampered, or another password.
    BadMac,
    /// The expiration is more than 60 s in the past.
    Expired,
    /// The payload is not a JSON object.
    NotObject,
    /// The payload nests deeper than the limit.
    TooDeep,
    /// The value or the payload is over the size limit.
    TooLarge,
    /// A configuration error: a password shorter than 32 characters, a bad or
    /// repeated id, or no password at all.
    InvalidPassword,
    /// The random source failed while sealing.
    Random,
}

impl IronError {
    /// A stable snake_case reason code.
    ///
    /// ```
    /// use edge_session::iron::IronError;
    /// assert_eq!(IronError::UnknownPassword.reason(), "unknown_password");
    /// assert_eq!(IronError::Expired.reason(), "expired");
    /// ```
    pub const fn reason(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnknownPassword => "unknown_password",
            Self::BadMac => "bad_mac",
            Self::Expired => "expired",
            Self::NotObject => "not_object",
            Self::TooDeep => "too_deep",
            Self::TooLarge => "too_large",
            Self::InvalidPassword => "invalid_password",
            Self::Random => "random_failed",
        }
    }
}

/// The load reason for a value refused with this error. Errors that only
/// writing can raise (a bad key, no randomness) count as `malformed`.
impl From<IronError> for crate::Reason {
    fn from(e: IronError) -> Self {
        crate::Reason::from_code(e.reason()).unwrap_or(crate::Reason::Malformed)
    }
}

impl core::fmt::Display for IronError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.reason())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for IronError {}

impl From<DecodeError> for IronError {
    fn from(e: DecodeError) -> Self {
        match e {
            DecodeError::TooLarge => Self::TooLarge,
            DecodeError::TooDeep => Self::TooDeep,
            _ => Self::NotObject,
        }
    }
}

/// The passwords: one string, or a list of `id → password` for rotation.
///
/// One password opens a seal whatever its id (as `@hapi/iron` does with a string) and
/// seals with id `"1"` (as iron-session does). A list opens a seal by its id (an empty id
/// is looked up as `"default"`) and seals with the highest numeric id, as iron-session
/// does with `{1: old, 2: new}`; with no numeric id, the first entry seals.
///
/// ```
/// use edge_session::iron::IronPasswords;
/// let one = IronPasswords::new("a password of at least 32 characters")?;
/// assert_eq!(one.sealing_id(), "1");
/// let two = IronPasswords::rotating(&[
///     ("1", "the old password, 32 characters+"),
///     ("2", "the new password, 32 characters+"),
/// ])?;
/// assert_eq!(two.sealing_id(), "2");
/// assert!(IronPasswords::new("short").is_err());
/// # Ok::<(), edge_session::iron::IronError>(())
/// ```
#[derive(Clone)]
pub struct IronPasswords {
    /// `(id, password)`; `any_id` means a single password that opens every id.
    entries: Vec<(String, String)>,
    any_id: bool,
    sealing: usize,
}

impl core::fmt::Debug for IronPasswords {
    // Never print the passwords.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("IronPasswords")
            .field("count", &self.entries.len())
            .field("sealing_id", &self.sealing_id())
            .finish_non_exhaustive()
    }
}

impl IronPasswords {
    /// One password (iron-session's `password: "…"`).
    ///
    /// Errors with [`IronError::InvalidPassword`] when it is shorter than 32 UTF-16
    /// code units, the minimum iron enforces.
    ///
    /// ```
    /// use edge_session::iron::{IronError, IronPasswords};
    /// assert!(IronPasswords::new("0123456789abcdef0123456789abcdef").is_ok());
    /// assert_eq!(IronPasswords::new("").unwrap_err(), IronError::InvalidPassword);
    /// ```
    pub fn new(password: &str) -> Result<Self, IronError> {
        check_password(password)?;
        Ok(Self {
            entries: alloc::vec![(String::from("1"), String::from(password))],
            any_id: true,
            sealing: 0,
        })
    }

    /// Passwords by id (iron-session's `password: {1: "…", 2: "…"}`).
    ///
    /// Each id must match `^\w+$` (ASCII letters, digits, `_`) and appear once; each
    /// password must have at least 32 UTF-16 code units. Errors with
    /// [`IronError::InvalidPassword`] otherwise, or for an empty list.
    ///
    /// ```
    /// use edge_session::iron::{IronError, IronPasswords};
    /// let p = IronPasswords::rotating(&[("default", "a password of at least 32 characters")])?;
    /// assert_eq!(p.sealing_id(), "default");
    /// let bad = IronPasswords::rotating(&[("a-b", "a password of at least 32 characters")]);
    /// assert_eq!(bad.unwrap_err(), IronError::InvalidPassword);
    /// # Ok::<(), IronError>(())
    /// ```
    pub fn rotating(entries: &[(&str, &str)]) -> Result<Self, IronError> {
        if entries.is_empty() {
            return Err(IronError::InvalidPassword);
        }
        let mut out: Vec<(String, String)> = Vec::with_capacity(entries.len());
        for &(id, password) in entries {
            let word = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !word || out.iter().any(|(seen, _)| seen == id) {
                return Err(IronError::InvalidPassword);
            }
            check_password(password)?;
            out.push((String::from(id), String::from(password)));
        }
        // iron-session seals with `Math.max(...ids.map(Number))`.
        let mut sealing = 0;
        let mut best: Option<u64> = None;
        for (i, (id, _)) in out.iter().enumerate() {
            if let Some(n) = canonical_number(id) {
                if best.is_none_or(|b| n > b) {
                    best = Some(n);
                    sealing = i;
                }
            }
        }
        Ok(Self {
            entries: out,
            any_id: false,
            sealing,
        })
    }

    /// The id new seals carry.
    ///
    /// ```
    /// use edge_session::iron::IronPasswords;
    /// let p = IronPasswords::rotating(&[
    ///     ("9", "password number nine, 32 chars++"),
    ///     ("10", "password number ten, 32 chars+++"),
    /// ])?;
    /// assert_eq!(p.sealing_id(), "10");
    /// # Ok::<(), edge_session::iron::IronError>(())
    /// ```
    pub fn sealing_id(&self) -> &str {
        self.entries
            .get(self.sealing)
            .map_or("", |(id, _)| id.as_str())
    }

    /// The password for a seal's id, and whether it is the sealing one.
    fn lookup(&self, id: &str) -> Option<(&str, bool)> {
        if self.any_id {
            return self.entries.first().map(|(_, p)| (p.as_str(), true));
        }
        let id = if id.is_empty() { "default" } else { id };
        let i = self.entries.iter().position(|(k, _)| k == id)?;
        self.entries
            .get(i)
            .map(|(_, p)| (p.as_str(), i == self.sealing))
    }
}

/// What an iron seal names in the clear: its password id and expiry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SealInfo {
    /// The password id (`\w+`), if the seal names one.
    pub password_id: Option<String>,
    /// The expiry the seal names, in ms since the epoch, if any.
    pub expires_ms: Option<u64>,
}

/// Reads what an iron seal says in the clear, NOT verified: anyone can
/// write these fields. For inspection tools only; a seal is opened with [`unseal`].
///
/// ```
/// use edge_session::iron::peek_unverified;
/// let info = peek_unverified("Fe26.2*2*salt*iv*ct*1700000000000*salt*mac~2");
/// assert_eq!(info.password_id.as_deref(), Some("2"));
/// assert_eq!(info.expires_ms, Some(1_700_000_000_000));
/// assert_eq!(peek_unverified("junk"), Default::default());
/// ```
pub fn peek_unverified(value: &str) -> SealInfo {
    let sealed = value.split('~').next().unwrap_or("");
    let parts: Vec<&str> = sealed.split('*').collect();
    if parts.len() != 8 || parts[0] != PREFIX {
        return SealInfo::default();
    }
    let word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    SealInfo {
        password_id: Some(parts[1]).filter(|id| word(id)).map(String::from),
        expires_ms: Some(parts[5])
            .filter(|e| digits(e))
            .and_then(|e| e.parse().ok()),
    }
}

fn check_password(password: &str) -> Result<(), IronError> {
    if password.encode_utf16().count() < MIN_PASSWORD_LEN {
        return Err(IronError::InvalidPassword);
    }
    Ok(())
}

/// Digits without a leading zero that fit a `u64`: ids `Number(id)` maps back to `id`.
fn canonical_number(id: &str) -> Option<u64> {
    if id.is_empty() || id.len() > 19 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if id.len() > 1 && id.starts_with('0') {
        return None;
    }
    id.parse().ok()
}

/// An opened seal.
///
/// ```
/// use edge_session::iron::Unsealed;
/// let u = Unsealed { json: "{}".into(), password_id: "1".into(), expires_ms: None, stale: false };
/// assert_eq!(u.json, "{}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsealed {
    /// The payload, JSON text. [`unseal`] guarantees an object within the limits.
    pub json: String,
    /// The password id written in the seal (empty when it had none).
    pub password_id: String,
    /// The expiration written in the seal, in milliseconds since the epoch.
    pub expires_ms: Option<u64>,
    /// Opened with a password other than the one that seals now: re-seal it.
    pub stale: bool,
}

/// Opens an iron-session 8 cookie value, as its `unsealData` does, and returns the
/// session: a JSON object within `limits`.
///
/// With the `~2` suffix the payload is the session (`null` reads as `{}`); without it
/// (an older token, which iron-session 8 reads as version 1) the session is the
/// payload's `persistent` member, or `{}`. `now_ms` is the clock in milliseconds.
/// Never panics.
///
/// ```
/// use edge_session::iron::{seal, unseal, IronError, IronPasswords};
/// use edge_session::{Limits, OsRandom};
/// let pw = IronPasswords::new("a password of at least 32 characters")?;
/// let now = 1_700_000_000_000;
/// let value = seal(r#"{"user":"ada"}"#, &pw, now, 3600, &mut OsRandom)?;
/// assert!(value.starts_with("Fe26.2*1*") && value.ends_with("~2"));
/// let opened = unseal(&value, &pw, now + 1000, &Limits::default())?;
/// assert_eq!(opened.json, r#"{"user":"ada"}"#);
/// assert_eq!(opened.expires_ms, Some(now + 3_600_000));
/// let late = now + 3_600_000 + 60_000;
/// assert_eq!(unseal(&value, &pw, late, &Limits::default()), Err(IronError::Expired));
/// # Ok::<(), IronError>(())
/// ```
pub fn unseal(
    value: &str,
    passwords: &IronPasswords,
    now_ms: u64,
    limits: &Limits,
) -> Result<Unsealed, IronError> {
    if value.len() > MAX_VALUE_LEN {
        return Err(IronError::TooLarge);
    }
    // iron-session: `const [seal, version] = value.split("~")`, `parseInt(version, 10)`.
    let mut parts = value.split('~');
    let sealed = parts.next().unwrap_or("");
    let version_two = parts.next().is_some_and(|v| js_parse_int(v) == Some(2));
    let mut opened = unseal_raw(sealed, passwords, now_ms)?;
    let text = opened.json.trim_matches(JSON_WS);
    let json = if version_two {
        if text.is_empty() || text == "null" {
            String::from("{}")
        } else {
            payload::check_object(text.as_bytes(), limits)?;
            String::from(text)
        }
    } else {
        legacy_persistent(text, limits)?
    };
    opened.json = json;
    Ok(opened)
}

const JSON_WS: [char; 4] = [' ', '\t', '\n', '\r'];

/// iron-session's version-1 reading: `{ ...data.persistent }`.
fn legacy_persistent(text: &str, limits: &Limits) -> Result<String, IronError> {
    if text.is_empty() {
        return Ok(String::from("{}"));
    }
    if !text.starts_with('{') {
        // `.persistent` of anything but an object is undefined. (iron-session would also
        // throw on text that is not JSON; only a holder of the password can seal that.)
        return Ok(String::from("{}"));
    }
    payload::check_object(text.as_bytes(), limits)?;
    let persistent = payload::members(text)
        .filter(|(k, _)| *k == "persistent")
        .last()
        .map(|(_, v)| v);
    match persistent {
        Some(v) if v.starts_with('{') => Ok(String::from(v)),
        Some(v) if v.starts_with('"') || v.starts_with('[') => Err(IronError::NotObject),
        _ => Ok(String::from("{}")),
    }
}

/// JavaScript's `parseInt(s, 10)`, for the small values a token version holds.
fn js_parse_int(s: &str) -> Option<i64> {
    let s = s.trim_start();
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    let end = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    let digits = digits.get(..end)?;
    if digits.is_empty() {
        return None;
    }
    let mut n: i64 = 0;
    for b in digits.bytes() {
        n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
    }
    Some(if negative { -n } else { n })
}

/// Opens a bare Fe26.2 seal, as `@hapi/iron`'s `unseal` does (no `~` suffix handling),
/// and returns the decrypted text as it is: JSON when a real iron wrote it, but not
/// checked here (only that it is UTF-8). Never panics.
///
/// ```
/// use edge_session::iron::{seal, unseal_raw, IronPasswords, TOKEN_SUFFIX};
/// use edge_session::OsRandom;
/// let pw = IronPasswords::new("a password of at least 32 characters")?;
/// let value = seal("[1,2]", &pw, 0, 0, &mut OsRandom);
/// // `seal` wants a JSON object: sessions are objects.
/// assert!(value.is_err());
/// let value = seal(r#"{"a":[1,2]}"#, &pw, 0, 0, &mut OsRandom)?;
/// let hapi = value.strip_suffix(TOKEN_SUFFIX).unwrap();
/// assert_eq!(unseal_raw(hapi, &pw, 1)?.json, r#"{"a":[1,2]}"#);
/// # Ok::<(), edge_session::iron::IronError>(())
/// ```
pub fn unseal_raw(
    sealed: &str,
    passwords: &IronPasswords,
    now_ms: u64,
) -> Result<Unsealed, IronError> {
    if sealed.len() > MAX_VALUE_LEN {
        return Err(IronError::TooLarge);
    }
    let mut it = sealed.split('*');
    let mut p = [""; 8];
    for slot in p.iter_mut() {
        *slot = it.next().ok_or(IronError::Malformed)?;
    }
    if it.next().is_some() {
        return Err(IronError::Malformed);
    }
    let [prefix, id, enc_salt, iv, ct, expiration, mac_salt, mac] = p;
    if prefix != PREFIX {
        return Err(IronError::Malformed);
    }
    let expires_ms = if expiration.is_empty() {
        None
    } else {
        if !expiration.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IronError::Malformed);
        }
        Some(expiration.bytes().fold(0u64, |n, b| {
            n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        }))
    };
    let (password, current) = passwords.lookup(id).ok_or(IronError::UnknownPassword)?;

    // The MAC covers the first six parts, exactly as sent.
    let base_len = sealed.len().saturating_sub(mac_salt.len() + mac.len() + 2);
    let base = sealed.get(..base_len).ok_or(IronError::Malformed)?;
    if mac_salt.is_empty() {
        // iron would draw a fresh random salt: the MAC can never match.
        return Err(IronError::BadMac);
    }
    let expected = mac_b64(password, mac_salt, base)?;
    if mac.len() != MAC_B64_LEN || !bool::from(expected.ct_eq(mac.as_bytes())) {
        return Err(IronError::BadMac);
    }
    if let Some(exp) = expires_ms {
        if now_ms >= SKEW_MS && exp <= now_ms - SKEW_MS {
            return Err(IronError::Expired);
        }
    }

    if enc_salt.is_empty() {
        return Err(IronError::Malformed);
    }
    let iv = B64_LENIENT.decode(iv).map_err(|_| IronError::Malformed)?;
    let iv: [u8; IV_BYTES] = iv.try_into().map_err(|_| IronError::Malformed)?;
    let mut plain = B64_LENIENT.decode(ct).map_err(|_| IronError::Malformed)?;
    let key = derive(password, enc_salt)?;
    let len = cbc::Decryptor::<Aes256>::new(&key.into(), &iv.into())
        .decrypt_padded::<Pkcs7>(&mut plain)
        .map_err(|_| IronError::Malformed)?
        .len();
    plain.truncate(len);
    // Both irons encrypt `JSON.stringify` text (lone surrogates escaped): always UTF-8.
    let json = String::from_utf8(plain).map_err(|_| IronError::Malformed)?;
    Ok(Unsealed {
        json,
        password_id: String::from(id),
        expires_ms,
        stale: !current,
    })
}

/// The random inputs of one seal, given to [`seal_with`] for reproducible test
/// vectors only: [`seal`] draws them from its `Random`.
#[doc(hidden)]
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SealSalts {
    /// The encryption key salt (written as 64 hex chars).
    pub enc_salt: [u8; 32],
    /// The AES-CBC IV.
    pub iv: [u8; 16],
    /// The MAC key salt (written as 64 hex chars).
    pub mac_salt: [u8; 32],
}

impl core::fmt::Debug for SealSalts {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SealSalts").finish_non_exhaustive()
    }
}

/// Seals `json` as iron-session 8's `sealData` does: Fe26.2 under the sealing password
/// and id, expiring `ttl_secs` after `now_ms` (0: never), with the `~2` suffix.
///
/// `json` must be a JSON object (the session); it is encrypted as given. Draws the
/// salts and IV from `rng`. Errors with [`IronError::NotObject`] (or `TooDeep`,
/// `TooLarge`) for a bad `json`, [`IronError::Random`] when `rng` fails.
///
/// ```
/// use edge_session::iron::{seal, unseal, IronPasswords};
/// use edge_session::{Limits, OsRandom};
/// let pw = IronPasswords::new("a password of at least 32 characters")?;
/// let value = seal(r#"{"n":1}"#, &pw, 1_700_000_000_000, 14 * 24 * 3600, &mut OsRandom)?;
/// assert_eq!(unseal(&value, &pw, 1_700_000_000_000, &Limits::default())?.json, r#"{"n":1}"#);
/// # Ok::<(), edge_session::iron::IronError>(())
/// ```
pub fn seal(
    json: &str,
    passwords: &IronPasswords,
    now_ms: u64,
    ttl_secs: u64,
    rng: &mut impl Random,
) -> Result<String, IronError> {
    let mut salts = SealSalts {
        enc_salt: [0; 32],
        iv: [0; 16],
        mac_salt: [0; 32],
    };
    rng.fill(&mut salts.enc_salt)
        .and_then(|()| rng.fill(&mut salts.iv))
        .and_then(|()| rng.fill(&mut salts.mac_salt))
        .map_err(|_| IronError::Random)?;
    seal_with(json, passwords, now_ms, ttl_secs, &salts)
}

/// [`seal`] with the salts and IV given: the same output for the same inputs,
/// for test vectors only. Salts and IV must never repeat; use [`seal`].
#[doc(hidden)]
pub fn seal_with(
    json: &str,
    passwords: &IronPasswords,
    now_ms: u64,
    ttl_secs: u64,
    salts: &SealSalts,
) -> Result<String, IronError> {
    let limits = Limits {
        max_bytes: MAX_VALUE_LEN,
        max_depth: MAX_DEPTH_CEILING,
    };
    payload::check_object(json.as_bytes(), &limits)?;
    let (id, password) = passwords
        .entries
        .get(passwords.sealing)
        .ok_or(IronError::InvalidPassword)?;
    let enc_salt = hex(&salts.enc_salt);
    let mac_salt = hex(&salts.mac_salt);

    let key = derive(password, as_str(&enc_salt))?;
    let ct = cbc_encrypt(&key, &salts.iv, json.as_bytes());

    let mut out = String::with_capacity(json.len() * 4 / 3 + 260);
    out.push_str(PREFIX);
    out.push('*');
    out.push_str(id);
    out.push('*');
    out.push_str(as_str(&enc_salt));
    out.push('*');
    URL_SAFE_NO_PAD.encode_string(salts.iv, &mut out);
    out.push('*');
    URL_SAFE_NO_PAD.encode_string(&ct, &mut out);
    out.push('*');
    if ttl_secs != 0 {
        push_u64(
            &mut out,
            now_ms.saturating_add(ttl_secs.saturating_mul(1000)),
        );
    }
    let mac = mac_b64(password, as_str(&mac_salt), &out)?;
    out.push('*');
    out.push_str(as_str(&mac_salt));
    out.push('*');
    out.push_str(as_str(&mac));
    out.push_str(TOKEN_SUFFIX);
    Ok(out)
}

/// PBKDF2-HMAC-SHA1, one iteration, of the password under the salt *text*.
fn derive(password: &str, salt: &str) -> Result<[u8; 32], IronError> {
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2::<Hmac<Sha1>>(password.as_bytes(), salt.as_bytes(), 1, &mut key)
        .map_err(|_| IronError::InvalidPassword)?;
    Ok(key)
}

/// base64url(HMAC-SHA256(derive(password, salt), base)), 43 chars.
fn mac_b64(password: &str, salt: &str, base: &str) -> Result<[u8; MAC_B64_LEN], IronError> {
    let key = derive(password, salt)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| IronError::InvalidPassword)?;
    mac.update(base.as_bytes());
    let tag = mac.finalize().into_bytes();
    let mut out = [0u8; MAC_B64_LEN];
    URL_SAFE_NO_PAD
        .encode_slice(tag, &mut out)
        .map_err(|_| IronError::Malformed)?;
    Ok(out)
}

fn cbc_encrypt(key: &[u8; 32], iv: &[u8; IV_BYTES], plain: &[u8]) -> Vec<u8> {
    let padded = (plain.len() / 16 + 1) * 16;
    let mut buf = alloc::vec![0u8; padded];
    if let Some(head) = buf.get_mut(..plain.len()) {
        head.copy_from_slice(plain);
    }
    let len = cbc::Encryptor::<Aes256>::new(key.into(), iv.into())
        .encrypt_padded::<Pkcs7>(&mut buf, plain.len())
        .map_or(0, <[u8]>::len);
    buf.truncate(len);
    buf
}

fn hex(bytes: &[u8; SALT_BYTES]) -> [u8; 2 * SALT_BYTES] {
    let mut out = [0u8; 2 * SALT_BYTES];
    for (pair, b) in out.chunks_exact_mut(2).zip(bytes) {
        pair.copy_from_slice(&crate::text::hex_pair(*b));
    }
    out
}

/// The ASCII buffers built here are always valid UTF-8.
fn as_str(ascii: &[u8]) -> &str {
    core::str::from_utf8(ascii).unwrap_or("")
}

/// How iron-session cookies are read and written.
///
/// ```
/// use edge_session::iron::IronPasswords;
/// use edge_session::IronFormat;
/// let f = IronFormat { passwords: IronPasswords::new(&"p".repeat(32)).unwrap() };
/// assert_eq!(f.passwords.sealing_id(), "1");
/// ```
#[derive(Clone, Debug)]
pub struct IronFormat {
    /// The password, or passwords by id; the highest numeric id seals.
    pub passwords: IronPasswords,
}

impl super::ForeignFormat for IronFormat {
    fn name(&self) -> &'static str {
        "iron"
    }

    fn decode(
        &self,
        _cookie_name: &str,
        value: &str,
        now_ms: u64,
        limits: &Limits,
    ) -> Result<super::Foreign, super::Refusal> {
        use crate::Status;
        let u = unseal(value, &self.passwords, now_ms, limits).map_err(|e| {
            let status = match e {
                IronError::Expired => Status::Expired,
                _ => Status::Invalid,
            };
            (status, e.reason())
        })?;
        let (data, flash) = super::split_flash(&u.json, limits)?;
        Ok(super::Foreign::plain(data, flash, u.stale))
    }

    fn encode(
        &self,
        w: &super::Write<'_>,
        rng: &mut impl Random,
    ) -> Result<(String, Option<u64>), crate::SaveError> {
        let json = super::join_flash(w.data, w.flash);
        let value = seal(
            &json,
            &self.passwords,
            w.now.saturating_mul(1000),
            w.native_max_age,
            rng,
        )
        .map_err(|e| match e {
            IronError::Random => crate::SaveError::Random,
            _ => crate::SaveError::Data(DecodeError::Malformed),
        })?;
        // iron-session lets the cookie die a minute before the seal.
        Ok((value, Some(w.native_max_age.saturating_sub(60).max(1))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PW: &str = "a password of at least 32 characters";
    const SALTS: SealSalts = SealSalts {
        enc_salt: [1; 32],
        iv: [2; 16],
        mac_salt: [3; 32],
    };

    fn pw() -> IronPasswords {
        IronPasswords::new(PW).unwrap()
    }

    #[test]
    fn seal_with_writes_its_salts() {
        let salts = SealSalts {
            enc_salt: [0xab; 32],
            iv: [0; 16],
            mac_salt: [0xcd; 32],
        };
        let value = seal_with("{}", &pw(), 1_000, 0, &salts).unwrap();
        let parts: alloc::vec::Vec<&str> = value.split('*').collect();
        assert_eq!(parts[2], "ab".repeat(32));
        assert_eq!(parts[3], "AAAAAAAAAAAAAAAAAAAAAA");
        assert_eq!(parts[5], ""); // ttl 0: no expiration
    }

    #[test]
    fn parse_int_like_javascript() {
        assert_eq!(js_parse_int("2"), Some(2));
        assert_eq!(js_parse_int(" 02x"), Some(2));
        assert_eq!(js_parse_int("+2"), Some(2));
        assert_eq!(js_parse_int("-2"), Some(-2));
        assert_eq!(js_parse_int("x2"), None);
        assert_eq!(js_parse_int(""), None);
        assert_eq!(js_parse_int("-"), None);
        assert_eq!(js_parse_int("99999999999999999999999"), Some(i64::MAX));
    }

    #[test]
    fn u64_text() {
        let mut s = String::new();
        push_u64(&mut s, 0);
        s.push(' ');
        push_u64(&mut s, u64::MAX);
        assert_eq!(s, "0 18446744073709551615");
    }

    #[test]
    fn sealing_id_is_the_highest_number() {
        let p = IronPasswords::rotating(&[("2", PW), ("10", PW), ("x", PW), ("03", PW)]).unwrap();
        assert_eq!(p.sealing_id(), "10");
        assert!(IronPasswords::rotating(&[("1", PW), ("1", PW)]).is_err());
        assert!(IronPasswords::rotating(&[]).is_err());
        assert!(IronPasswords::rotating(&[("", PW)]).is_err());
        // 32 UTF-16 units, fewer chars: 16 astral characters.
        assert!(IronPasswords::new(&"😀".repeat(16)).is_ok());
        assert!(IronPasswords::new(&"é".repeat(31)).is_err());
    }

    #[test]
    fn rotation_and_default_id() {
        let old = IronPasswords::rotating(&[("1", "the old password, 32 characters+")]).unwrap();
        let both = IronPasswords::rotating(&[
            ("1", "the old password, 32 characters+"),
            ("2", "the new password, 32 characters+"),
        ])
        .unwrap();
        let v = seal_with("{}", &old, 0, 0, &SALTS).unwrap();
        let u = unseal(&v, &both, 5, &Limits::default()).unwrap();
        assert!(u.stale);
        assert_eq!(u.password_id, "1");
        let v2 = seal_with("{}", &both, 0, 0, &SALTS).unwrap();
        assert!(!unseal(&v2, &both, 5, &Limits::default()).unwrap().stale);
        assert_eq!(
            unseal(&v2, &old, 5, &Limits::default()),
            Err(IronError::UnknownPassword)
        );
        // An empty id is looked up as "default".
        let dflt = IronPasswords::rotating(&[("default", PW)]).unwrap();
        let v = seal_with("{}", &dflt, 0, 0, &SALTS).unwrap();
        let v = v.replacen("*default*", "**", 1);
        assert_eq!(
            unseal(&v, &dflt, 0, &Limits::default()),
            Err(IronError::BadMac),
            "the id is under the MAC"
        );
    }

    #[test]
    fn legacy_tokens_read_persistent() {
        let l = Limits::default();
        for (payload, want) in [
            (r#"{"persistent":{"a":1},"x":2}"#, Ok(r#"{"a":1}"#)),
            (r#"{"x":2}"#, Ok("{}")),
            (r#"{"persistent":null}"#, Ok("{}")),
            (r#"{"persistent":"s"}"#, Err(IronError::NotObject)),
            ("5", Ok("{}")),
            ("nul", Ok("{}")),
            ("", Ok("{}")),
        ] {
            let got = legacy_persistent(payload, &l);
            assert_eq!(got.as_deref().map_err(|e| *e), want, "{payload}");
        }
        let v = seal_with(r#"{"persistent":{"a":1}}"#, &pw(), 0, 0, &SALTS).unwrap();
        let v1 = v.strip_suffix("~2").unwrap();
        assert_eq!(unseal(v1, &pw(), 0, &l).unwrap().json, r#"{"a":1}"#);
        let v3 = alloc::format!("{v1}~3");
        assert_eq!(unseal(&v3, &pw(), 0, &l).unwrap().json, r#"{"a":1}"#);
        let v2x = alloc::format!("{v1}~2~junk");
        assert_eq!(
            unseal(&v2x, &pw(), 0, &l).unwrap().json,
            r#"{"persistent":{"a":1}}"#
        );
    }

    #[test]
    fn expiry_skew() {
        let v = seal_with("{}", &pw(), 1_000_000, 10, &SALTS).unwrap();
        let exp = 1_000_000 + 10_000;
        let l = Limits::default();
        assert!(unseal(&v, &pw(), exp + SKEW_MS - 1, &l).is_ok());
        assert_eq!(
            unseal(&v, &pw(), exp + SKEW_MS, &l),
            Err(IronError::Expired)
        );
    }

    #[test]
    fn garbage_never_panics() {
        let l = Limits::default();
        for s in [
            "",
            "~",
            "~2",
            "*******",
            "Fe26.2*******",
            "Fe26.2*******~2",
            "x*a*b*c*d*e*f*g",
            "Fe26.2*1*a*b*c*1x*d*e",
            "Fe26.2*é*a*b*c**d*e",
            "Fe26.1*1*a*b*c**d*e",
        ] {
            assert!(unseal(s, &pw(), 0, &l).is_err(), "{s}");
        }
        let v = seal_with("{}", &pw(), 0, 0, &SALTS).unwrap();
        for i in 0..v.len() {
            for c in ['*', '~', 'A', 'é'] {
                let mut t = String::from(v.get(..i).unwrap());
                t.push(c);
                t.push_str(v.get(i + 1..).unwrap_or(""));
                let _ = unseal(&t, &pw(), 0, &l);
            }
        }
    }
}
