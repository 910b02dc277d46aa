//! Cookie formats other than the native one, and migration from them.
//!
//! A [`Format`] reads a foreign cookie value into the session's parts (data,
//! flash, id, times) and writes them back. The lifecycle in
//! [`crate::session`] treats every format alike; [`Legacy`] formats are only
//! read, and a session found in one is written natively and the old cookie
//! cleared.
//!
//! Each format has one file here: its codec and its `…Format` options; the
//! [`Format`] enum dispatches to them. They are re-exported at the crate's
//! top level (`edge_session::beaker`, ...).
//!
//! Flash values live where each peer keeps them: React Router's top-level
//! `__flash_<key>__` members, and a `_flash` object elsewhere.

use alloc::string::String;

use crate::cookie::CookieOptions;
#[cfg(feature = "beaker")]
pub mod beaker;
#[cfg(feature = "cookie-rs")]
pub mod cookie_rs;
#[cfg(feature = "iron")]
pub mod iron;
#[cfg(feature = "remix")]
pub mod remix;
#[cfg(feature = "beaker")]
pub use beaker::BeakerFormat;
#[cfg(feature = "cookie-rs")]
pub use cookie_rs::CookieRsFormat;
#[cfg(feature = "iron")]
pub use iron::IronFormat;
#[cfg(feature = "remix")]
pub use remix::RemixFormat;

#[cfg(feature = "foreign")]
use crate::{payload, Limits, SaveError};
use crate::{Random, RandomError, Status};

/// The cookie format a [`Config`](crate::Config) reads and writes.
///
/// ```
/// use edge_session::Format;
/// assert_eq!(Format::default().name(), "native");
/// ```
#[derive(Clone, Debug, Default)]
pub enum Format {
    /// The native v1 envelope.
    #[default]
    Native,
    /// TurboGears/Beaker cookie sessions.
    #[cfg(feature = "beaker")]
    Beaker(BeakerFormat),
    /// iron-session 8 / @hapi/iron seals (`Fe26.2`).
    #[cfg(feature = "iron")]
    Iron(IronFormat),
    /// React Router / Remix `createCookieSessionStorage` signed cookies.
    #[cfg(feature = "remix")]
    Remix(RemixFormat),
    /// cookie-rs private or signed jars (Rocket, axum-extra).
    #[cfg(feature = "cookie-rs")]
    CookieRs(CookieRsFormat),
}

/// A cookie to migrate from: read when the main cookie is absent or invalid,
/// then cleared once the session is written in the main format.
///
/// ```
/// use edge_session::{cookie::CookieOptions, Format, Legacy};
/// let mut l = Legacy::new(Format::Native, CookieOptions::new("old"));
/// assert_eq!((l.cookie.name.as_str(), l.not_after), ("old", None));
/// l.not_after = Some(1_798_761_600); // 2027-01-01: the old app's cookies end here
/// ```
#[derive(Clone, Debug)]
pub struct Legacy {
    /// How the old cookie is written.
    pub format: Format,
    /// Its name, path and domain (to clear it).
    pub cookie: CookieOptions,
    /// A cut-off, in Unix seconds: an authentic old cookie read after it loads
    /// as `expired`, not migrated. React Router, cookie-rs, and Beaker without
    /// a `timeout` carry no authenticated time, so a copied cookie stays good
    /// forever without one.
    pub not_after: Option<u64>,
}

impl Legacy {
    /// A legacy cookie with no cut-off.
    ///
    /// ```
    /// use edge_session::{cookie::CookieOptions, Format, Legacy};
    /// assert!(Legacy::new(Format::Native, CookieOptions::new("old")).not_after.is_none());
    /// ```
    pub fn new(format: Format, cookie: CookieOptions) -> Self {
        Legacy {
            format,
            cookie,
            not_after: None,
        }
    }

    /// True once the cut-off has passed at `now_ms`.
    pub(crate) fn cut_off(&self, now_ms: u64) -> bool {
        self.not_after
            .is_some_and(|t| now_ms > t.saturating_mul(1000))
    }

    /// Reads the old cookie as its format does; past the cut-off, an authentic
    /// one is refused as expired.
    pub(crate) fn decode(
        &self,
        value: &str,
        now_ms: u64,
        limits: &crate::Limits,
    ) -> Result<Foreign, Refusal> {
        let f = self
            .format
            .decode(&self.cookie.name, value, now_ms, limits)?;
        if self.cut_off(now_ms) {
            return Err((Status::Expired, crate::DecodeError::Expired.reason()));
        }
        Ok(f)
    }
}

/// A session read from a foreign cookie.
#[derive(Debug)]
pub(crate) struct Foreign {
    pub id: Option<String>,
    pub data: String,
    pub flash: String,
    /// When the value was last written, in Unix seconds, if the format says.
    pub iat: Option<u64>,
    pub created: Option<String>,
    /// Opened with an old password or secret: write it again.
    pub reseal: bool,
}

#[cfg(any(feature = "iron", feature = "remix", feature = "cookie-rs"))]
impl Foreign {
    /// A session from a format that keeps no id or times of its own.
    fn plain(data: String, flash: String, reseal: bool) -> Self {
        Foreign {
            id: None,
            data,
            flash,
            iat: None,
            created: None,
            reseal,
        }
    }
}

/// Why a foreign cookie was not accepted.
pub(crate) type Refusal = (Status, &'static str);

/// One foreign format: how its values are read and written. Each format
/// implements it in its own file; [`Format`] dispatches to them.
#[cfg(feature = "foreign")]
pub(crate) trait ForeignFormat {
    /// The format's name, as `migratedFrom` shows it.
    fn name(&self) -> &'static str;

    /// Reads a value. Never panics on client input.
    fn decode(
        &self,
        cookie_name: &str,
        value: &str,
        now_ms: u64,
        limits: &Limits,
    ) -> Result<Foreign, Refusal>;

    /// Writes a session: the cookie value, and the Max-Age to give it
    /// (`None`: a browser-session cookie).
    fn encode(
        &self,
        w: &Write<'_>,
        rng: &mut impl Random,
    ) -> Result<(String, Option<u64>), SaveError>;

    /// The format's own idle timeout, if it has one.
    fn timeout(&self) -> Option<u64> {
        None
    }

    /// A new session id in the format's own shape.
    fn new_id(&self, rng: &mut impl Random) -> Result<String, RandomError> {
        crate::id::new_id(rng)
    }

    /// The longest value the format itself will write, if it has a limit.
    fn value_limit(&self) -> Option<usize> {
        None
    }
}

/// A session to write in a foreign format.
#[cfg(feature = "foreign")]
#[allow(dead_code)] // each format reads the fields it needs
pub(crate) struct Write<'a> {
    pub cookie: &'a CookieOptions,
    pub id: &'a str,
    /// The creation time the format recorded, if it keeps one (Beaker).
    pub created: Option<&'a str>,
    pub data: &'a str,
    pub flash: &'a str,
    /// Now, in Unix seconds.
    pub now: u64,
    /// The config's `max_age`.
    pub native_max_age: u64,
}

/// `match` over the foreign formats compiled in: `$f` binds the format's
/// options, which implement [`ForeignFormat`].
macro_rules! dispatch {
    ($format:expr, native => $native:expr, $f:ident => $foreign:expr) => {
        match $format {
            Format::Native => $native,
            #[cfg(feature = "beaker")]
            Format::Beaker($f) => $foreign,
            #[cfg(feature = "iron")]
            Format::Iron($f) => $foreign,
            #[cfg(feature = "remix")]
            Format::Remix($f) => $foreign,
            #[cfg(feature = "cookie-rs")]
            Format::CookieRs($f) => $foreign,
        }
    };
}

impl Format {
    /// The format's name, as `migratedFrom` shows it.
    ///
    /// ```
    /// # use edge_session::Format;
    /// assert_eq!(Format::Native.name(), "native");
    /// ```
    pub fn name(&self) -> &'static str {
        dispatch!(self, native => "native", f => f.name())
    }

    /// The format's idle timeout, if it has its own.
    pub(crate) fn timeout(&self) -> Option<u64> {
        dispatch!(self, native => None, f => f.timeout())
    }

    /// A new session id in the format's own shape: Beaker's are uuid4 hex.
    pub(crate) fn new_id(&self, rng: &mut impl Random) -> Result<String, RandomError> {
        dispatch!(self, native => crate::id::new_id(rng), f => f.new_id(rng))
    }

    /// Reads a foreign value. Never panics on client input.
    #[cfg_attr(not(feature = "foreign"), allow(unused_variables))]
    pub(crate) fn decode(
        &self,
        cookie_name: &str,
        value: &str,
        now_ms: u64,
        limits: &crate::Limits,
    ) -> Result<Foreign, Refusal> {
        dispatch!(self,
            native => Err((Status::Invalid, "malformed")),
            f => f.decode(cookie_name, value, now_ms, limits))
    }

    /// Writes a session in this format: the cookie value, and the Max-Age to
    /// give it (`None`: a browser-session cookie). `native_max_age` is the
    /// config's `max_age`.
    #[allow(clippy::too_many_arguments)]
    #[cfg_attr(not(feature = "foreign"), allow(unused_variables))]
    pub(crate) fn encode(
        &self,
        cookie: &CookieOptions,
        id: &str,
        created: Option<&str>,
        data: &str,
        flash: &str,
        now: u64,
        native_max_age: u64,
        rng: &mut impl Random,
    ) -> Result<(String, Option<u64>), SaveErrorOrNative> {
        #[cfg(feature = "foreign")]
        let w = Write {
            cookie,
            id,
            created,
            data,
            flash,
            now,
            native_max_age,
        };
        dispatch!(self,
            native => Err(SaveErrorOrNative::Native),
            f => f.encode(&w, rng).map_err(SaveErrorOrNative::Save))
    }

    /// The longest value the format itself will write, if it has a limit.
    pub(crate) fn value_limit(&self) -> Option<usize> {
        dispatch!(self, native => None, f => f.value_limit())
    }
}

/// [`Format::encode`]'s error: a save error, or "this is the native format".
#[derive(Debug)]
pub(crate) enum SaveErrorOrNative {
    #[cfg_attr(not(feature = "foreign"), allow(dead_code))]
    Save(crate::SaveError),
    Native,
}

#[cfg(feature = "foreign")]
impl From<SaveError> for SaveErrorOrNative {
    fn from(e: SaveError) -> Self {
        SaveErrorOrNative::Save(e)
    }
}

#[cfg(feature = "foreign")]
impl From<RandomError> for SaveErrorOrNative {
    fn from(_: RandomError) -> Self {
        SaveErrorOrNative::Save(SaveError::Random)
    }
}

/// Where Beaker, iron and cookie-rs sessions keep flash values.
#[cfg(any(feature = "beaker", feature = "iron", feature = "cookie-rs"))]
const FLASH_KEY: &str = "_flash";

#[cfg(feature = "foreign")]
pub(super) fn check(json: &str, limits: &Limits) -> Result<(), Refusal> {
    payload::check_object(json.as_bytes(), limits).map_err(|e| (Status::Invalid, e.reason()))
}

/// Splits a `_flash` object member out of the user's data.
#[cfg(any(feature = "beaker", feature = "iron", feature = "cookie-rs"))]
pub(super) fn split_flash(json: &str, limits: &Limits) -> Result<(String, String), Refusal> {
    check(json, limits)?;
    let mut data = String::with_capacity(json.len());
    let mut flash = "{}";
    data.push('{');
    for (key, value) in payload::members(json) {
        if key == FLASH_KEY && value.starts_with('{') {
            flash = value;
        } else {
            push_member(&mut data, key, value);
        }
    }
    data.push('}');
    Ok((data, String::from(flash)))
}

/// The user's data with the flash values as a `_flash` member.
#[cfg(any(feature = "beaker", feature = "iron", feature = "cookie-rs"))]
pub(super) fn join_flash(data: &str, flash: &str) -> String {
    let mut out = String::with_capacity(data.len() + flash.len() + 12);
    out.push('{');
    for (key, value) in payload::members(data) {
        push_member(&mut out, key, value);
    }
    if flash != "{}" {
        push_member(&mut out, FLASH_KEY, flash);
    }
    out.push('}');
    out
}

/// A foreign value read without its keys, NOT verified: anyone can write
/// one. For inspection tools (the CLI's `--no-verify`); sessions are read
/// through [`Config::load`](crate::Config::load).
#[cfg(feature = "foreign")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peeked {
    /// The session id the value names, if the format keeps one (Beaker's `_id`).
    pub id: Option<String>,
    /// The format's own members as a JSON object: Beaker's `_`-prefixed keys
    /// (`_flash` among them, as stored); `{}` elsewhere.
    pub fields: String,
    /// The user's data, as a JSON object.
    pub data: String,
    /// The flash values, as a JSON object.
    pub flash: String,
}

/// A signed Beaker cookie read without its keys ([`beaker::peek_unverified`]),
/// split as stored: `_`-prefixed members apart from the user's data.
///
/// ```
/// # use edge_session::beaker::{encode, BeakerKeys, BeakerSession, Crypto};
/// # use edge_session::OsRandom;
/// let keys = BeakerKeys::new(b"validate", None, Crypto::Cryptography, 128).unwrap();
/// let s = BeakerSession { id: "ab".repeat(16), creation_time: "1.5".into(), accessed_time: 2, data: r#"{"a": 1}"#.into() };
/// let p = edge_session::formats::peek_beaker(&encode(&s, None, "/", &keys, &mut OsRandom).unwrap()).unwrap();
/// assert_eq!((p.id.as_deref(), p.data.as_str()), (Some("ab".repeat(16).as_str()), r#"{"a":1}"#));
/// ```
#[cfg(feature = "beaker")]
pub fn peek_beaker(value: &str) -> Option<Peeked> {
    let json = beaker::peek_unverified(value)?;
    let (mut fields, mut data, mut id, mut flash) =
        (String::from("{"), String::from("{"), None, "{}");
    for (key, value) in payload::members(&json) {
        if key.starts_with('_') {
            push_member(&mut fields, key, value);
        } else {
            push_member(&mut data, key, value);
        }
        match key {
            "_id" => id = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')),
            FLASH_KEY if value.starts_with('{') => flash = value,
            _ => {}
        }
    }
    fields.push('}');
    data.push('}');
    Some(Peeked {
        id: id.filter(|i| !i.contains('\\')).map(String::from),
        fields,
        data,
        flash: String::from(flash),
    })
}

/// A React Router value read without its secrets
/// ([`remix::peek_unverified`]): data and flash as a load splits them.
///
/// ```
/// let p = edge_session::formats::peek_remix("eyJ1c2VySWQiOiJhbGljZSIsIl9fZmxhc2hfbXNnX18iOiJoaSJ9.x").unwrap();
/// assert_eq!((p.data.as_str(), p.flash.as_str()), (r#"{"userId":"alice"}"#, r#"{"msg":"hi"}"#));
/// ```
#[cfg(feature = "remix")]
pub fn peek_remix(value: &str) -> Option<Peeked> {
    let json = remix::peek_unverified(value)?;
    let (data, flash) = remix::split_flash(&json, &Limits::default()).ok()?;
    Some(Peeked::plain(data, flash))
}

/// A cookie-rs signed-jar value read without its key
/// ([`cookie_rs::peek_signed_unverified`]): data and flash as a load splits them.
///
/// ```
/// let v = "0123456789012345678901234567890123456789012={\"a\":1,\"_flash\":{\"n\":2}}";
/// let p = edge_session::formats::peek_cookie_rs(v).unwrap();
/// assert_eq!((p.data.as_str(), p.flash.as_str()), (r#"{"a":1}"#, r#"{"n":2}"#));
/// ```
#[cfg(feature = "cookie-rs")]
pub fn peek_cookie_rs(value: &str) -> Option<Peeked> {
    let json = cookie_rs::peek_signed_unverified(value)?;
    let (data, flash) = split_flash(&json, &Limits::default()).ok()?;
    Some(Peeked::plain(data, flash))
}

#[cfg(any(feature = "remix", feature = "cookie-rs"))]
impl Peeked {
    fn plain(data: String, flash: String) -> Self {
        Peeked {
            id: None,
            fields: String::from("{}"),
            data,
            flash,
        }
    }
}

/// Appends `"key":value` (key as written, escapes kept) to an object being built.
#[cfg(feature = "foreign")]
pub(super) fn push_member(out: &mut String, key: &str, value: &str) {
    if out.len() > 1 {
        out.push(',');
    }
    out.push('"');
    out.push_str(key);
    out.push_str("\":");
    out.push_str(value);
}

#[cfg(all(
    test,
    feature = "beaker",
    feature = "iron",
    feature = "remix",
    feature = "cookie-rs"
))]
mod tests {
    use crate::Reason;

    // Every error a read can give keeps its code as a Reason; only the
    // write-side ones fall back to `malformed`.
    #[test]
    fn read_errors_are_reasons() {
        use crate::beaker::BeakerError as B;
        use crate::cookie_rs::CookieRsError as C;
        use crate::iron::IronError as I;
        use crate::remix::RemixError as R;
        let read: [(&str, Reason); 19] = [
            (B::Malformed.reason(), Reason::from(B::Malformed)),
            (B::BadSignature.reason(), Reason::from(B::BadSignature)),
            (B::Pickle.reason(), Reason::from(B::Pickle)),
            (B::NotObject.reason(), Reason::from(B::NotObject)),
            (B::TooLarge.reason(), Reason::from(B::TooLarge)),
            (B::Decrypt.reason(), Reason::from(B::Decrypt)),
            (I::Malformed.reason(), Reason::from(I::Malformed)),
            (
                I::UnknownPassword.reason(),
                Reason::from(I::UnknownPassword),
            ),
            (I::BadMac.reason(), Reason::from(I::BadMac)),
            (I::Expired.reason(), Reason::from(I::Expired)),
            (I::NotObject.reason(), Reason::from(I::NotObject)),
            (I::TooDeep.reason(), Reason::from(I::TooDeep)),
            (I::TooLarge.reason(), Reason::from(I::TooLarge)),
            (R::Malformed.reason(), Reason::from(R::Malformed)),
            (R::BadSignature.reason(), Reason::from(R::BadSignature)),
            (R::NotObject.reason(), Reason::from(R::NotObject)),
            (R::TooDeep.reason(), Reason::from(R::TooDeep)),
            (C::BadTag.reason(), Reason::from(C::BadTag)),
            (C::BadSignature.reason(), Reason::from(C::BadSignature)),
        ];
        for (code, reason) in read {
            assert_eq!(reason.as_str(), code);
        }
        assert_eq!(Reason::from(I::Random), Reason::Malformed);
    }
}
