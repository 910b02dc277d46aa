//! The `cookie` crate's (rwf2/cookie-rs 0.18) private and signed jars, as Rocket,
//! axum-extra, actix-web and tower-cookies use them.
//!
//! From `cookie-0.18.2/src/secure/`:
//!
//! ```text
//! Key      64 bytes: [0..32] signs, [32..64] encrypts
//!          Key::from(bytes ≥ 64): the first 64 bytes
//!          Key::derive_from(master ≥ 32): HKDF-SHA256 expand only (master is the PRK),
//!          info "COOKIE;SIGNED:HMAC-SHA256;PRIVATE:AEAD-AES-256-GCM", 64 bytes
//! private  base64(nonce[12] || AES-256-GCM(encryption key, nonce, value, aad = name) || tag[16])
//! signed   base64(HMAC-SHA256(signing key, value)) || value      44 chars, then the clear value
//! ```
//!
//! base64 is the standard alphabet with padding, decoded strictly. The signed jar does
//! not bind the cookie name; the private jar does. Neither carries a time or a key id.
//! Frameworks usually percent-encode values on the way out (`Cookie::encoded`) and
//! decode them on the way in; [`decode`] reads both forms, [`percent_encode`] writes
//! the encoded one.

use alloc::{string::String, vec::Vec};

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::Random;

/// Longest cookie value [`decode`] looks at: browsers keep 4 KiB per cookie anyway.
///
/// ```
/// assert!(edge_session::cookie_rs::MAX_VALUE_LEN >= 4096);
/// ```
pub const MAX_VALUE_LEN: usize = 16 * 1024;

/// `Key::derive_from`'s HKDF info string.
const KEYS_INFO: &[u8] = b"COOKIE;SIGNED:HMAC-SHA256;PRIVATE:AEAD-AES-256-GCM";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const DIGEST_B64_LEN: usize = 44;

/// Why a value could not be read or written.
///
/// ```
/// use edge_session::cookie_rs::CookieRsError;
/// assert_eq!(CookieRsError::BadTag.reason(), "bad_tag");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieRsError {
    /// Not base64, too short, or not UTF-8 once opened.
    Malformed,
    /// Private jar: AES-GCM rejected the tag (tampered, other key, other cookie name).
    BadTag,
    /// Signed jar: the HMAC does not match (tampered, other key).
    BadSignature,
    /// The value is over [`MAX_VALUE_LEN`].
    TooLarge,
    /// A configuration error: a key under 64 bytes or a master key under 32.
    InvalidKey,
    /// The random source failed while sealing.
    Random,
}

impl CookieRsError {
    /// A stable snake_case reason code.
    ///
    /// ```
    /// use edge_session::cookie_rs::CookieRsError;
    /// assert_eq!(CookieRsError::BadSignature.reason(), "bad_signature");
    /// ```
    pub const fn reason(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::BadTag => "bad_tag",
            Self::BadSignature => "bad_signature",
            Self::TooLarge => "too_large",
            Self::InvalidKey => "invalid_key",
            Self::Random => "random_failed",
        }
    }
}

/// The load reason for a value refused with this error. Errors that only
/// writing can raise (a bad key, no randomness) count as `malformed`.
impl From<CookieRsError> for crate::Reason {
    fn from(e: CookieRsError) -> Self {
        crate::Reason::from_code(e.reason()).unwrap_or(crate::Reason::Malformed)
    }
}

impl core::fmt::Display for CookieRsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.reason())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CookieRsError {}

/// A `cookie::Key`: 32 bytes that sign, then 32 that encrypt.
///
/// ```
/// use edge_session::cookie_rs::CookieKey;
/// let raw: Vec<u8> = (0..64).collect();
/// let key = CookieKey::from_bytes(&raw)?;
/// assert_eq!(key.signing(), &raw[..32]);
/// assert_eq!(key.encryption(), &raw[32..]);
/// # Ok::<(), edge_session::cookie_rs::CookieRsError>(())
/// ```
#[derive(Clone)]
pub struct CookieKey([u8; 64]);

impl core::fmt::Debug for CookieKey {
    // Never print the key.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CookieKey").finish_non_exhaustive()
    }
}

impl CookieKey {
    /// `Key::try_from(bytes)`: the first 64 bytes of `key`.
    ///
    /// Errors with [`CookieRsError::InvalidKey`] when `key` is shorter than 64 bytes.
    ///
    /// ```
    /// use edge_session::cookie_rs::{CookieKey, CookieRsError};
    /// assert!(CookieKey::from_bytes(&[7; 80]).is_ok());
    /// assert_eq!(CookieKey::from_bytes(&[7; 63]).unwrap_err(), CookieRsError::InvalidKey);
    /// ```
    pub fn from_bytes(key: &[u8]) -> Result<Self, CookieRsError> {
        let head = key.get(..64).ok_or(CookieRsError::InvalidKey)?;
        let mut k = [0u8; 64];
        k.copy_from_slice(head);
        Ok(Self(k))
    }

    /// `Key::derive_from(master)`: HKDF-SHA256 expand of the master key (used directly
    /// as the PRK, no extract step) with cookie-rs's info string.
    ///
    /// Errors with [`CookieRsError::InvalidKey`] when `master` is shorter than 32 bytes.
    ///
    /// ```
    /// use edge_session::cookie_rs::CookieKey;
    /// let key = CookieKey::derive_from(&[0u8; 32])?;
    /// assert_ne!(key.signing(), key.encryption());
    /// assert!(CookieKey::derive_from(&[0u8; 31]).is_err());
    /// # Ok::<(), edge_session::cookie_rs::CookieRsError>(())
    /// ```
    pub fn derive_from(master: &[u8]) -> Result<Self, CookieRsError> {
        if master.len() < 32 {
            return Err(CookieRsError::InvalidKey);
        }
        let hk = Hkdf::<Sha256>::from_prk(master).map_err(|_| CookieRsError::InvalidKey)?;
        let mut k = [0u8; 64];
        hk.expand(KEYS_INFO, &mut k)
            .map_err(|_| CookieRsError::InvalidKey)?;
        Ok(Self(k))
    }

    /// The HMAC-SHA256 key of the signed jar.
    ///
    /// ```
    /// use edge_session::cookie_rs::CookieKey;
    /// assert_eq!(CookieKey::from_bytes(&[1; 64])?.signing().len(), 32);
    /// # Ok::<(), edge_session::cookie_rs::CookieRsError>(())
    /// ```
    pub fn signing(&self) -> &[u8] {
        self.0.get(..32).unwrap_or(&[])
    }

    /// The AES-256-GCM key of the private jar.
    ///
    /// ```
    /// use edge_session::cookie_rs::CookieKey;
    /// assert_eq!(CookieKey::from_bytes(&[1; 64])?.encryption().len(), 32);
    /// # Ok::<(), edge_session::cookie_rs::CookieRsError>(())
    /// ```
    pub fn encryption(&self) -> &[u8] {
        self.0.get(32..).unwrap_or(&[])
    }
}

/// Which jar wrote the cookie.
///
/// ```
/// use edge_session::cookie_rs::Jar;
/// assert_ne!(Jar::Private, Jar::Signed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jar {
    /// `PrivateJar`: encrypted and authenticated, bound to the cookie name.
    Private,
    /// `SignedJar`: authenticated, readable by the client, not bound to the name.
    Signed,
}

/// Opens the value of cookie `name` as the jar's `get` does, and returns the clear
/// value: any string (check that it is what you expect, e.g. a JSON object).
///
/// `value` is the text after `name=` in the `Cookie` header, percent-encoded or not.
/// Never panics.
///
/// ```
/// use edge_session::cookie_rs::{decode, encode, CookieKey, CookieRsError, Jar};
/// use edge_session::OsRandom;
/// let key = CookieKey::derive_from(b"a master key of at least 32 bytes!")?;
/// let v = encode("session", r#"{"user":"ada"}"#, &key, Jar::Private, &mut OsRandom)?;
/// assert_eq!(decode("session", &v, &key, Jar::Private)?, r#"{"user":"ada"}"#);
/// assert_eq!(decode("other", &v, &key, Jar::Private), Err(CookieRsError::BadTag));
/// let s = encode("session", "plain text", &key, Jar::Signed, &mut OsRandom)?;
/// assert!(s.ends_with("plain text"));
/// assert_eq!(decode("any name", &s, &key, Jar::Signed)?, "plain text");
/// # Ok::<(), CookieRsError>(())
/// ```
pub fn decode(name: &str, value: &str, key: &CookieKey, jar: Jar) -> Result<String, CookieRsError> {
    if value.len() > MAX_VALUE_LEN {
        return Err(CookieRsError::TooLarge);
    }
    let open = |v: &str| match jar {
        Jar::Private => open_private(name, v, key),
        Jar::Signed => verify_signed(v, key),
    };
    // Try the value as sent, then percent-decoded (the form `Cookie::encoded` writes).
    match open(value) {
        Err(e) if value.contains('%') => match percent_decode(value) {
            Some(decoded) => open(&decoded),
            None => Err(e),
        },
        other => other,
    }
}

/// What a signed-jar value lets anyone read without the key: the text after
/// the 44-character signature, NOT verified; `None` if the value does not
/// have that shape. A private jar's value is encrypted: nothing to read. For
/// inspection tools only; a value is read with [`decode`].
///
/// ```
/// use edge_session::cookie_rs::peek_signed_unverified;
/// let v = "0123456789012345678901234567890123456789012={\"a\":1}";
/// assert_eq!(peek_signed_unverified(v).as_deref(), Some("{\"a\":1}"));
/// ```
pub fn peek_signed_unverified(value: &str) -> Option<String> {
    if value.len() > MAX_VALUE_LEN {
        return None;
    }
    let decoded = percent_decode(value);
    let value = decoded.as_deref().unwrap_or(value);
    let (digest, clear) = (value.get(..DIGEST_B64_LEN)?, value.get(DIGEST_B64_LEN..)?);
    (digest.ends_with('=') && !clear.is_empty()).then(|| String::from(clear))
}

fn open_private(name: &str, value: &str, key: &CookieKey) -> Result<String, CookieRsError> {
    let mut data = STANDARD
        .decode(value)
        .map_err(|_| CookieRsError::Malformed)?;
    if data.len() <= NONCE_LEN {
        return Err(CookieRsError::Malformed);
    }
    if data.len() < NONCE_LEN + TAG_LEN {
        return Err(CookieRsError::BadTag);
    }
    let cipher =
        Aes256Gcm::new_from_slice(key.encryption()).map_err(|_| CookieRsError::InvalidKey)?;
    let (nonce, rest) = data.split_at_mut(NONCE_LEN);
    let (ct, tag) = rest.split_at_mut(rest.len() - TAG_LEN);
    let nonce = Nonce::try_from(&*nonce).map_err(|_| CookieRsError::Malformed)?;
    let tag = Tag::try_from(&*tag).map_err(|_| CookieRsError::Malformed)?;
    cipher
        .decrypt_inout_detached(&nonce, name.as_bytes(), ct.into(), &tag)
        .map_err(|_| CookieRsError::BadTag)?;
    let plain = ct.to_vec();
    String::from_utf8(plain).map_err(|_| CookieRsError::Malformed)
}

fn verify_signed(value: &str, key: &CookieKey) -> Result<String, CookieRsError> {
    // `is_char_boundary(44)`, then `split_at(44)`.
    let (digest, clear) = match (value.get(..DIGEST_B64_LEN), value.get(DIGEST_B64_LEN..)) {
        (Some(d), Some(c)) => (d, c),
        _ => return Err(CookieRsError::Malformed),
    };
    let digest = STANDARD
        .decode(digest)
        .map_err(|_| CookieRsError::BadSignature)?;
    let mut mac = signer(key)?;
    mac.update(clear.as_bytes());
    mac.verify_slice(&digest)
        .map_err(|_| CookieRsError::BadSignature)?;
    Ok(String::from(clear))
}

fn signer(key: &CookieKey) -> Result<Hmac<Sha256>, CookieRsError> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(key.signing()).map_err(|_| CookieRsError::InvalidKey)
}

/// Writes the value the jar's `add` stores for cookie `name`, with a nonce from `rng`
/// (the private jar) or none (the signed jar). The result is the jar's raw value;
/// [`percent_encode`] gives the form `Cookie::encoded` puts in a `Set-Cookie`.
///
/// ```
/// use edge_session::cookie_rs::{decode, encode, CookieKey, Jar};
/// use edge_session::OsRandom;
/// let key = CookieKey::from_bytes(&[42; 64])?;
/// let v = encode("id", "{}", &key, Jar::Private, &mut OsRandom)?;
/// assert_eq!(v.len(), (12 + 2 + 16usize).div_ceil(3) * 4);
/// assert_eq!(decode("id", &v, &key, Jar::Private)?, "{}");
/// # Ok::<(), edge_session::cookie_rs::CookieRsError>(())
/// ```
pub fn encode(
    name: &str,
    value: &str,
    key: &CookieKey,
    jar: Jar,
    rng: &mut impl Random,
) -> Result<String, CookieRsError> {
    let mut nonce = [0u8; NONCE_LEN];
    if jar == Jar::Private {
        rng.fill(&mut nonce).map_err(|_| CookieRsError::Random)?;
    }
    encode_with_nonce(name, value, key, jar, &nonce)
}

/// [`encode`] with the private jar's nonce given (ignored by the signed jar):
/// for test vectors only. A nonce must never repeat under one key; use [`encode`].
#[doc(hidden)]
pub fn encode_with_nonce(
    name: &str,
    value: &str,
    key: &CookieKey,
    jar: Jar,
    nonce: &[u8; 12],
) -> Result<String, CookieRsError> {
    if value.len() > MAX_VALUE_LEN {
        return Err(CookieRsError::TooLarge);
    }
    match jar {
        Jar::Signed => {
            let mut mac = signer(key)?;
            mac.update(value.as_bytes());
            let mut out = STANDARD.encode(mac.finalize().into_bytes());
            out.push_str(value);
            Ok(out)
        }
        Jar::Private => {
            let cipher = Aes256Gcm::new_from_slice(key.encryption())
                .map_err(|_| CookieRsError::InvalidKey)?;
            let mut data = Vec::with_capacity(NONCE_LEN + value.len() + TAG_LEN);
            data.extend_from_slice(nonce);
            data.extend_from_slice(value.as_bytes());
            let n = Nonce::from(*nonce);
            let tag = cipher
                .encrypt_inout_detached(
                    &n,
                    name.as_bytes(),
                    data.get_mut(NONCE_LEN..).unwrap_or(&mut []).into(),
                )
                .map_err(|_| CookieRsError::TooLarge)?;
            data.extend_from_slice(&tag);
            Ok(STANDARD.encode(&data))
        }
    }
}

/// Percent-encodes a value as `Cookie::encoded` does (feature `percent-encode`): the
/// WHATWG userinfo set plus `(`, `)` and `,`. Base64's `/` and `=` change; `+` does not.
///
/// ```
/// use edge_session::cookie_rs::percent_encode;
/// assert_eq!(percent_encode("a+b/c="), "a+b%2Fc%3D");
/// assert_eq!(percent_encode(r#"{"k":"é v"}"#), "%7B%22k%22%3A%22%C3%A9%20v%22%7D");
/// ```
pub fn percent_encode(value: &str) -> String {
    const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(value.len() + value.len() / 2);
    for &b in value.as_bytes() {
        let encode = !(0x20..0x7f).contains(&b)
            || matches!(
                b,
                b' ' | b'"'
                    | b'<'
                    | b'>'
                    | b'`'
                    | b'#'
                    | b'?'
                    | b'{'
                    | b'}'
                    | b'/'
                    | b':'
                    | b';'
                    | b'='
                    | b'@'
                    | b'['
                    | b'\\'
                    | b']'
                    | b'^'
                    | b'|'
                    | b'%'
                    | b'('
                    | b')'
                    | b','
            );
        if encode {
            out.push('%');
            out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
            out.push(char::from(HEX_UPPER[usize::from(b & 15)]));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

/// `percent_decode(..).decode_utf8()`: valid `%XX` escapes become bytes, anything else
/// stays; `None` when the result is not UTF-8 (the cookie crate drops such a cookie).
fn percent_decode(s: &str) -> Option<String> {
    crate::text::percent_decode(s, crate::text::BadEscape::Keep)
}

/// How cookie-rs jars are read and written.
///
/// ```
/// use edge_session::cookie_rs::{CookieKey, Jar};
/// use edge_session::CookieRsFormat;
/// let f = CookieRsFormat { key: CookieKey::derive_from(&[7; 32]).unwrap(), jar: Jar::Private };
/// assert_eq!(f.jar, Jar::Private);
/// ```
#[derive(Clone, Debug)]
pub struct CookieRsFormat {
    /// The jar's 64-byte key.
    pub key: CookieKey,
    /// Private (encrypted) or signed.
    pub jar: Jar,
}

impl super::ForeignFormat for CookieRsFormat {
    fn name(&self) -> &'static str {
        "cookie-rs"
    }

    fn decode(
        &self,
        cookie_name: &str,
        value: &str,
        _now_ms: u64,
        limits: &crate::Limits,
    ) -> Result<super::Foreign, super::Refusal> {
        let text = decode(cookie_name, value, &self.key, self.jar)
            .map_err(|e| (crate::Status::Invalid, e.reason()))?;
        let (data, flash) = super::split_flash(&text, limits)?;
        Ok(super::Foreign::plain(data, flash, false))
    }

    fn encode(
        &self,
        w: &super::Write<'_>,
        rng: &mut impl Random,
    ) -> Result<(String, Option<u64>), crate::SaveError> {
        let json = super::join_flash(w.data, w.flash);
        let value =
            encode(&w.cookie.name, &json, &self.key, self.jar, rng).map_err(|e| match e {
                CookieRsError::Random => crate::SaveError::Random,
                _ => crate::SaveError::Data(crate::DecodeError::Malformed),
            })?;
        Ok((percent_encode(&value), Some(w.native_max_age)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CookieKey {
        CookieKey::from_bytes(&[5; 64]).unwrap()
    }

    #[test]
    fn percent_forms_round_trip() {
        let k = key();
        for jar in [Jar::Private, Jar::Signed] {
            for text in ["{}", r#"{"a":"100% é, (x)"}"#, "%zz", ""] {
                let v = encode_with_nonce("c", text, &k, jar, &[3; 12]).unwrap();
                assert_eq!(
                    decode("c", &v, &k, jar).as_deref(),
                    Ok(text),
                    "{jar:?} {text}"
                );
                let e = percent_encode(&v);
                assert_eq!(decode("c", &e, &k, jar).as_deref(), Ok(text), "{jar:?} {e}");
            }
        }
        assert_eq!(percent_decode("%zz%41%").as_deref(), Some("%zzA%"));
        assert_eq!(percent_decode("%ff"), None);
    }

    #[test]
    fn short_and_tampered() {
        let k = key();
        assert_eq!(
            decode("c", "", &k, Jar::Private),
            Err(CookieRsError::Malformed)
        );
        assert_eq!(
            decode("c", "AAAAAAAAAAAAAAAA", &k, Jar::Private),
            Err(CookieRsError::Malformed)
        );
        assert_eq!(
            decode("c", &"A".repeat(40), &k, Jar::Private),
            Err(CookieRsError::BadTag)
        );
        assert_eq!(
            decode("c", "short", &k, Jar::Signed),
            Err(CookieRsError::Malformed)
        );
        // A multi-byte char across the 44th byte is not a char boundary.
        let s = alloc::format!("{}é", "A".repeat(43));
        assert_eq!(
            decode("c", &s, &k, Jar::Signed),
            Err(CookieRsError::Malformed)
        );
        let v = encode_with_nonce("c", "{\"a\":1}", &k, Jar::Signed, &[0; 12]).unwrap();
        let t = v.replace("{\"a\":1}", "{\"a\":2}");
        assert_eq!(
            decode("c", &t, &k, Jar::Signed),
            Err(CookieRsError::BadSignature)
        );
        let p = encode_with_nonce("c", "x", &k, Jar::Private, &[0; 12]).unwrap();
        assert!(p.starts_with("AAAAAAAAAAAAAAAA")); // the nonce leads
        let other = CookieKey::from_bytes(&[6; 64]).unwrap();
        assert_eq!(
            decode("c", &p, &other, Jar::Private),
            Err(CookieRsError::BadTag)
        );
        assert_eq!(
            decode("c", &"A".repeat(MAX_VALUE_LEN + 1), &k, Jar::Signed),
            Err(CookieRsError::TooLarge)
        );
    }
}
