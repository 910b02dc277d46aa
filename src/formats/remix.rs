//! React Router 7 / Remix 2 signed cookies (`createCookie` with `secrets`), the cookies
//! `createCookieSessionStorage` writes.
//!
//! From `lib/server-runtime/cookies.ts` and `crypto.ts` (react-router 7.18):
//!
//! ```text
//! encoded = btoa(myUnescape(encodeURIComponent(JSON.stringify(data))))
//!         = base64 (standard alphabet, padded) of the UTF-8 JSON text
//! signed  = encoded "." base64(HMAC-SHA256(utf8(secrets[0]), utf8(encoded)))   "=" stripped
//! value   = encodeURIComponent(signed)           the `cookie` package's serialize
//! ```
//!
//! Reading URL-decodes the value (`decodeURIComponent` when it holds a `%`, the raw
//! text if that fails), splits it at the last `.`, and checks the signature against
//! each secret in turn (`atob`, then `crypto.subtle.verify`). The session is the
//! data object itself; flash values sit in it under `__flash_<name>__` keys.
//! Nothing binds the cookie name or a time: that is the format.

use alloc::{string::String, vec::Vec};

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::payload::{self, Limits, MAX_DEPTH_CEILING};
use crate::DecodeError;

/// Longest cookie value [`decode`] looks at: browsers keep 4 KiB per cookie anyway.
///
/// ```
/// assert!(edge_session::remix::MAX_VALUE_LEN >= 4096);
/// ```
pub const MAX_VALUE_LEN: usize = 16 * 1024;

/// React Router keeps `session.flash(name, v)` under the key `__flash_<name>__`.
///
/// ```
/// use edge_session::remix::{FLASH_PREFIX, FLASH_SUFFIX};
/// assert_eq!([FLASH_PREFIX, "msg", FLASH_SUFFIX].concat(), "__flash_msg__");
/// ```
pub const FLASH_PREFIX: &str = "__flash_";
/// The end of a flash key; see [`FLASH_PREFIX`].
///
/// ```
/// assert_eq!(edge_session::remix::FLASH_SUFFIX, "__");
/// ```
pub const FLASH_SUFFIX: &str = "__";

/// `atob`'s alphabet after its whitespace and padding steps: trailing bits ignored.
const FORGIVING: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// Why a cookie could not be read or written.
///
/// ```
/// use edge_session::remix::RemixError;
/// assert_eq!(RemixError::BadSignature.reason(), "bad_signature");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemixError {
    /// No `.`, or a payload that is not base64 of UTF-8 JSON (React Router reads `{}`).
    Malformed,
    /// No secret verifies the signature.
    BadSignature,
    /// The JSON is not an object.
    NotObject,
    /// The JSON nests deeper than the limit.
    TooDeep,
    /// The value or the JSON is over the size limit.
    TooLarge,
    /// A configuration error: no secrets, or an empty secret.
    InvalidSecret,
}

impl RemixError {
    /// A stable snake_case reason code.
    ///
    /// ```
    /// use edge_session::remix::RemixError;
    /// assert_eq!(RemixError::NotObject.reason(), "not_object");
    /// ```
    pub const fn reason(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::BadSignature => "bad_signature",
            Self::NotObject => "not_object",
            Self::TooDeep => "too_deep",
            Self::TooLarge => "too_large",
            Self::InvalidSecret => "invalid_secret",
        }
    }
}

/// The load reason for a value refused with this error. Errors that only
/// writing can raise (a bad key, no randomness) count as `malformed`.
impl From<RemixError> for crate::Reason {
    fn from(e: RemixError) -> Self {
        crate::Reason::from_code(e.reason()).unwrap_or(crate::Reason::Malformed)
    }
}

impl core::fmt::Display for RemixError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.reason())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for RemixError {}

impl From<DecodeError> for RemixError {
    fn from(e: DecodeError) -> Self {
        match e {
            DecodeError::TooLarge => Self::TooLarge,
            DecodeError::TooDeep => Self::TooDeep,
            _ => Self::NotObject,
        }
    }
}

/// The `secrets` of `createCookie`: the first signs, every one verifies.
///
/// ```
/// use edge_session::remix::RemixSecrets;
/// let s = RemixSecrets::new(&["s3cret-new", "s3cret-old"])?;
/// assert_eq!(s.len(), 2);
/// assert!(RemixSecrets::new(&[]).is_err());
/// # Ok::<(), edge_session::remix::RemixError>(())
/// ```
#[derive(Clone)]
pub struct RemixSecrets {
    secrets: Vec<String>,
}

impl core::fmt::Debug for RemixSecrets {
    // Never print the secrets.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RemixSecrets")
            .field("count", &self.secrets.len())
            .finish_non_exhaustive()
    }
}

impl RemixSecrets {
    /// Takes the secrets in React Router's order (newest first).
    ///
    /// Errors with [`RemixError::InvalidSecret`] for an empty list (an unsigned cookie,
    /// which anyone can forge, is not read here) or an empty secret (WebCrypto refuses
    /// an empty HMAC key, so React Router cannot use one). Any other length is accepted,
    /// as React Router accepts it.
    ///
    /// ```
    /// use edge_session::remix::{RemixError, RemixSecrets};
    /// assert_eq!(RemixSecrets::new(&["a", ""]).unwrap_err(), RemixError::InvalidSecret);
    /// ```
    pub fn new(secrets: &[&str]) -> Result<Self, RemixError> {
        if secrets.is_empty() || secrets.iter().any(|s| s.is_empty()) {
            return Err(RemixError::InvalidSecret);
        }
        Ok(Self {
            secrets: secrets.iter().map(|s| String::from(*s)).collect(),
        })
    }

    /// How many secrets there are.
    ///
    /// ```
    /// use edge_session::remix::RemixSecrets;
    /// assert_eq!(RemixSecrets::new(&["only"])?.len(), 1);
    /// # Ok::<(), edge_session::remix::RemixError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// Always false: [`RemixSecrets::new`] refuses an empty list.
    ///
    /// ```
    /// use edge_session::remix::RemixSecrets;
    /// assert!(!RemixSecrets::new(&["only"])?.is_empty());
    /// # Ok::<(), edge_session::remix::RemixError>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }
}

/// A verified cookie.
///
/// ```
/// use edge_session::remix::Decoded;
/// let d = Decoded { json: "{}".into(), secret_index: 0 };
/// assert_eq!(d.secret_index, 0);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The session: a JSON object within the limits, as the cookie holds it.
    pub json: String,
    /// Which secret verified it; anything but 0 is an old secret: re-sign it.
    pub secret_index: usize,
}

/// Reads a cookie value as React Router's `createCookieSessionStorage().getSession`
/// does, and returns the session object.
///
/// `value` is the raw text after `name=` in the `Cookie` header. Never panics.
///
/// ```
/// use edge_session::remix::{decode, Decoded, RemixSecrets};
/// use edge_session::Limits;
/// let secrets = RemixSecrets::new(&["s3cret-new", "s3cret-old"])?;
/// // Written by React Router 7 with secrets ["s3cret-new", "s3cret-old"].
/// let value = "eyJ1c2VySWQiOiJhbGljZSIsIl9fZmxhc2hfbXNnX18iOiJoaSJ9.\
///              KbTlkjRdD9owdIoUbu6pUUsRO7Mz4itijEc4CR88Gvs";
/// let d = decode(value, &secrets, &Limits::default())?;
/// assert_eq!(d, Decoded { json: r#"{"userId":"alice","__flash_msg__":"hi"}"#.into(), secret_index: 0 });
/// # Ok::<(), edge_session::remix::RemixError>(())
/// ```
pub fn decode(value: &str, secrets: &RemixSecrets, limits: &Limits) -> Result<Decoded, RemixError> {
    if value.len() > MAX_VALUE_LEN {
        return Err(RemixError::TooLarge);
    }
    // The `cookie` package: decodeURIComponent when there is a `%`, else (or on error) as is.
    let decoded;
    let value = if value.contains('%') {
        decoded = uri_decode(value);
        decoded.as_deref().unwrap_or(value)
    } else {
        value
    };
    let dot = value.rfind('.').ok_or(RemixError::BadSignature)?;
    let (signed, sig) = (
        value.get(..dot).unwrap_or(""),
        value.get(dot + 1..).unwrap_or(""),
    );
    let sig = atob(sig).ok_or(RemixError::BadSignature)?;
    let secret_index = secrets
        .secrets
        .iter()
        .position(|secret| {
            hmac(secret)
                .map(|mut mac| {
                    mac.update(signed.as_bytes());
                    mac.verify_slice(&sig).is_ok()
                })
                .unwrap_or(false)
        })
        .ok_or(RemixError::BadSignature)?;

    // decodeData: JSON.parse(decodeURIComponent(myEscape(atob(value)))), i.e. strict UTF-8.
    let bytes = atob(signed).ok_or(RemixError::Malformed)?;
    let json = String::from_utf8(bytes).map_err(|_| RemixError::Malformed)?;
    payload::check_object(json.as_bytes(), limits)?;
    Ok(Decoded { json, secret_index })
}

/// Writes the cookie value React Router's `commitSession` writes for the session `json`
/// (a JSON object): signed with the first secret, URL-encoded, ready to follow `name=`.
///
/// React Router throws when the whole `Set-Cookie` exceeds 4096 bytes; measure it.
///
/// ```
/// use edge_session::remix::{decode, encode, RemixSecrets};
/// use edge_session::Limits;
/// let secrets = RemixSecrets::new(&["s3cret-new", "s3cret-old"])?;
/// let value = encode(r#"{"userId":"alice","__flash_msg__":"hi"}"#, &secrets)?;
/// assert_eq!(value, "eyJ1c2VySWQiOiJhbGljZSIsIl9fZmxhc2hfbXNnX18iOiJoaSJ9.\
///                    KbTlkjRdD9owdIoUbu6pUUsRO7Mz4itijEc4CR88Gvs");
/// assert_eq!(encode(r#"{"k":"é?"}"#, &secrets)?.split('.').next(), Some("eyJrIjoiw6k%2FIn0%3D"));
/// # Ok::<(), edge_session::remix::RemixError>(())
/// ```
pub fn encode(json: &str, secrets: &RemixSecrets) -> Result<String, RemixError> {
    let limits = Limits {
        max_bytes: MAX_VALUE_LEN,
        max_depth: MAX_DEPTH_CEILING,
    };
    payload::check_object(json.as_bytes(), &limits)?;
    let secret = secrets.secrets.first().ok_or(RemixError::InvalidSecret)?;
    let encoded = STANDARD.encode(json.as_bytes());
    let mut mac = hmac(secret).ok_or(RemixError::InvalidSecret)?;
    mac.update(encoded.as_bytes());
    let tag = mac.finalize().into_bytes();
    let mut signed = encoded;
    signed.push('.');
    STANDARD.encode_string(tag, &mut signed);
    // `.replace(/=+$/, "")` on the signature only.
    while signed.ends_with('=') {
        signed.pop();
    }
    Ok(uri_encode_base64(&signed))
}

/// What a React Router cookie lets anyone read without its secrets: the JSON
/// object before the signature, NOT verified. `None` when the value is not
/// URL-encoded base64 of a JSON object, a dot, and a signature. For
/// inspection tools only; a cookie is read with [`decode`].
///
/// ```
/// use edge_session::remix::peek_unverified;
/// let v = "eyJ1c2VySWQiOiJhbGljZSIsIl9fZmxhc2hfbXNnX18iOiJoaSJ9.anything";
/// assert_eq!(peek_unverified(v).as_deref(), Some(r#"{"userId":"alice","__flash_msg__":"hi"}"#));
/// ```
pub fn peek_unverified(value: &str) -> Option<String> {
    if value.len() > MAX_VALUE_LEN {
        return None;
    }
    let decoded = uri_decode(value);
    let value = decoded.as_deref().unwrap_or(value);
    let dot = value.rfind('.').filter(|d| *d > 0)?;
    let json = String::from_utf8(atob(value.get(..dot)?)?).ok()?;
    payload::check_object(json.as_bytes(), &Limits::default()).ok()?;
    Some(json)
}

fn hmac(secret: &str) -> Option<Hmac<Sha256>> {
    Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()
}

/// `encodeURIComponent` of base64 text and dots: only `+`, `/` and `=` change.
fn uri_encode_base64(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8 + 8);
    for c in s.chars() {
        match c {
            '+' => out.push_str("%2B"),
            '/' => out.push_str("%2F"),
            '=' => out.push_str("%3D"),
            c => out.push(c),
        }
    }
    out
}

/// `decodeURIComponent`: `None` where JavaScript throws a `URIError`.
fn uri_decode(s: &str) -> Option<String> {
    crate::text::percent_decode(s, crate::text::BadEscape::Refuse)
}

/// The WHATWG "forgiving-base64 decode" that `atob` runs: ASCII whitespace removed,
/// one or two `=` dropped from a length that is a multiple of 4, then the standard
/// alphabet with any leftover bits ignored. `None` where `atob` throws.
fn atob(s: &str) -> Option<Vec<u8>> {
    let mut clean: Vec<u8> = s
        .bytes()
        .filter(|b| !matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | b' '))
        .collect();
    if clean.len().is_multiple_of(4) {
        for _ in 0..2 {
            if clean.last() == Some(&b'=') {
                clean.pop();
            }
        }
    }
    if clean.len() % 4 == 1 {
        return None;
    }
    FORGIVING.decode(&clean).ok()
}

/// How React Router / Remix signed cookies are read and written.
///
/// ```
/// use edge_session::remix::RemixSecrets;
/// use edge_session::RemixFormat;
/// let f = RemixFormat { secrets: RemixSecrets::new(&["s3cret"]).unwrap() };
/// assert_eq!(f.secrets.len(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct RemixFormat {
    /// The secrets; the first signs, all verify.
    pub secrets: RemixSecrets,
}

impl super::ForeignFormat for RemixFormat {
    fn name(&self) -> &'static str {
        "remix"
    }

    fn decode(
        &self,
        _cookie_name: &str,
        value: &str,
        _now_ms: u64,
        limits: &Limits,
    ) -> Result<super::Foreign, super::Refusal> {
        let d = decode(value, &self.secrets, limits)
            .map_err(|e| (crate::Status::Invalid, e.reason()))?;
        let (data, flash) = split_flash(&d.json, limits)?;
        Ok(super::Foreign::plain(data, flash, d.secret_index != 0))
    }

    fn encode(
        &self,
        w: &super::Write<'_>,
        _rng: &mut impl crate::Random,
    ) -> Result<(String, Option<u64>), crate::SaveError> {
        let json = join_flash(w.data, w.flash);
        let value = encode(&json, &self.secrets)
            .map_err(|_| crate::SaveError::Data(DecodeError::Malformed))?;
        Ok((value, Some(w.native_max_age)))
    }
}

/// Splits React Router's top-level `__flash_<key>__` members out of the data.
pub(super) fn split_flash(json: &str, limits: &Limits) -> Result<(String, String), super::Refusal> {
    super::check(json, limits)?;
    let (mut data, mut flash) = (String::from("{"), String::from("{"));
    for (key, value) in payload::members(json) {
        match key
            .strip_prefix(FLASH_PREFIX)
            .and_then(|k| k.strip_suffix(FLASH_SUFFIX))
        {
            Some(name) => super::push_member(&mut flash, name, value),
            None => super::push_member(&mut data, key, value),
        }
    }
    data.push('}');
    flash.push('}');
    Ok((data, flash))
}

/// The data with each flash value as a top-level `__flash_<key>__` member.
fn join_flash(data: &str, flash: &str) -> String {
    let mut out = String::from("{");
    for (key, value) in payload::members(data) {
        super::push_member(&mut out, key, value);
    }
    let mut name = String::new();
    for (key, value) in payload::members(flash) {
        name.clear();
        name.push_str(FLASH_PREFIX);
        name.push_str(key);
        name.push_str(FLASH_SUFFIX);
        super::push_member(&mut out, &name, value);
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_round_trip() {
        let json = r#"{"user":1,"__flash_notice__":"hi"}"#;
        let (data, flash) = split_flash(json, &Limits::default()).unwrap();
        assert_eq!(
            (data.as_str(), flash.as_str()),
            (r#"{"user":1}"#, r#"{"notice":"hi"}"#)
        );
        assert_eq!(join_flash(&data, &flash), json);
    }

    #[test]
    fn atob_is_forgiving() {
        assert_eq!(atob("QQ==").as_deref(), Some(&b"A"[..]));
        assert_eq!(atob("QQ").as_deref(), Some(&b"A"[..]));
        assert_eq!(atob(" Q Q\n").as_deref(), Some(&b"A"[..]));
        assert_eq!(
            atob("QR==").as_deref(),
            Some(&b"A"[..]),
            "trailing bits ignored"
        );
        assert_eq!(atob("QQ="), None);
        assert_eq!(atob("Q"), None);
        assert_eq!(atob("Q==="), None);
        assert_eq!(atob("QQ-_"), None);
        assert_eq!(atob("").as_deref(), Some(&b""[..]));
    }

    #[test]
    fn uri_decoding() {
        assert_eq!(uri_decode("a%2Bb%3d").as_deref(), Some("a+b="));
        assert_eq!(uri_decode("%C3%A9").as_deref(), Some("é"));
        assert_eq!(uri_decode("%C3"), None);
        assert_eq!(uri_decode("%zz"), None);
        assert_eq!(uri_decode("%4"), None);
    }

    #[test]
    fn rotation_and_tamper() {
        let l = Limits::default();
        let old = RemixSecrets::new(&["old"]).unwrap();
        let both = RemixSecrets::new(&["new", "old"]).unwrap();
        let v = encode(r#"{"a":"✓"}"#, &old).unwrap();
        assert_eq!(decode(&v, &both, &l).unwrap().secret_index, 1);
        let fresh = encode(r#"{"a":"✓"}"#, &both).unwrap();
        assert_eq!(decode(&fresh, &old, &l), Err(RemixError::BadSignature));
        // Raw (not URL-encoded) values read too, as `cookie.parse` leaves them.
        let raw = uri_decode(&v).unwrap();
        assert_eq!(decode(&raw, &old, &l).unwrap().json, r#"{"a":"✓"}"#);
        for i in 0..v.len() {
            let mut t = String::from(v.get(..i).unwrap());
            t.push(if v.as_bytes()[i] == b'A' { 'B' } else { 'A' });
            t.push_str(v.get(i + 1..).unwrap());
            assert!(decode(&t, &both, &l).is_err(), "{t}");
        }
    }

    #[test]
    fn signed_non_objects_and_garbage() {
        let l = Limits::default();
        let s = RemixSecrets::new(&["k"]).unwrap();
        // Sign arbitrary payloads the way React Router would.
        let sign = |payload: &str| {
            let mut mac = hmac("k").unwrap();
            mac.update(payload.as_bytes());
            let mut v = String::from(payload);
            v.push('.');
            STANDARD.encode_string(mac.finalize().into_bytes(), &mut v);
            v
        };
        let enc = |json: &str| STANDARD.encode(json);
        assert_eq!(
            decode(&sign(&enc("[1]")), &s, &l),
            Err(RemixError::NotObject)
        );
        assert_eq!(
            decode(&sign(&enc("\"x\"")), &s, &l),
            Err(RemixError::NotObject)
        );
        assert_eq!(decode(&sign("!!"), &s, &l), Err(RemixError::Malformed));
        assert_eq!(
            decode(&sign(&STANDARD.encode([0xff])), &s, &l),
            Err(RemixError::Malformed)
        );
        // A padded signature (with "=") verifies too: atob drops it.
        assert!(decode(&sign(&enc("{}")), &s, &l).is_ok());
        for v in ["", ".", "..", "%", "%.%", "a.b", "e30=.", "e30.!!!!"] {
            assert!(decode(v, &s, &l).is_err(), "{v}");
        }
    }
}
