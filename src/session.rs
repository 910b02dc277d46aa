//! The session lifecycle, sans-IO.
//!
//! The core decides; the caller does the I/O. [`Config::load`] reads the
//! `Cookie` header and either finishes or asks for one store read
//! ([`LoadStep::Fetch`]); [`Config::load_fetched`] finishes with what the store
//! returned. [`Config::save`] compares the state before and after the request
//! and returns a [`SavePlan`]: the store operations to run first, then the
//! Set-Cookie lines to send once they succeeded. A request that only read the
//! session gets an empty plan.
//!
//! The document inside a value is `{"i":id,"d":data,"f":flash}`, `f` left
//! out when empty. `data` and `flash` are JSON objects.

use alloc::string::String;
use alloc::vec::Vec;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::cookie::{self, push_u64, CookieOptions};
use crate::envelope::{self, Context, Header, Kind, Mode, Subkeys};
use crate::formats::{Foreign, Format, Legacy, SaveErrorOrNative};
use crate::spill::{self, Reference};
use crate::{payload, ConfigError, DecodeError, KeyRing, Limits, Random, RandomError};

const COOKIE_PURPOSE: &[u8] = b"cookie";
const STORE_PURPOSE: &[u8] = b"store";
const ID_BYTES: usize = 16;
/// Largest payload a cookie value may carry. Browsers send at most 4096 bytes
/// of name and value; the margin leaves room for hand-made and test values.
const MAX_COOKIE_PAYLOAD: usize = 32 * 1024;
const EMPTY: &str = "{}";

/// Why the loaded session is what it is.
///
/// ```
/// use edge_session::Status;
/// assert_eq!(Status::Stale.as_str(), "stale");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// No cookie came in.
    New,
    /// The cookie opened and the session is current.
    Valid,
    /// The cookie was authentic but past its expiry or idle timeout.
    Expired,
    /// The cookie was forged, tampered, malformed or from an unknown key.
    Invalid,
    /// The store returned nothing, or not the blob the cookie names.
    Stale,
}

impl Status {
    /// The lowercase name, as `session.status` shows it.
    ///
    /// ```
    /// # use edge_session::Status;
    /// assert_eq!(Status::Valid.as_str(), "valid");
    /// ```
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Valid => "valid",
            Status::Expired => "expired",
            Status::Invalid => "invalid",
            Status::Stale => "stale",
        }
    }
}

/// Everything that decides how sessions are read and written.
///
/// ```
/// use edge_session::{cookie::CookieOptions, Config, KeyRing};
/// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), CookieOptions::new("s"));
/// assert!(cfg.validate().is_ok());
/// assert_eq!(cfg.max_age, 14 * 86_400);
/// ```
#[derive(Clone)]
pub struct Config {
    /// The secrets.
    pub ring: KeyRing,
    /// Sealed or signed, for values written from now on. Both open.
    pub mode: Mode,
    /// The cookie's name and attributes.
    pub cookie: CookieOptions,
    /// Absolute lifetime of each issued value, in seconds.
    pub max_age: u64,
    /// Optional idle timeout, in seconds since the value was last issued.
    pub idle_timeout: Option<u64>,
    /// Re-issue an unchanged session once it is `touch_after` seconds old.
    pub rolling: bool,
    /// See [`rolling`](Self::rolling); also drives re-issue under an idle timeout.
    pub touch_after: u64,
    /// Largest complete Set-Cookie line kept inline, in bytes.
    pub inline_limit: usize,
    /// Decoder bounds.
    pub limits: Limits,
    /// Store key prefix; `None` when no store is configured.
    pub store_prefix: Option<String>,
    /// The cookie format read and written; native by default.
    pub format: Format,
    /// Old cookies to migrate from, tried in order when the main one gives nothing.
    pub legacy: Vec<Legacy>,
}

impl Config {
    /// A config with the defaults: sealed, 14 days, 4000-byte inline limit, no store.
    ///
    /// ```
    /// # use edge_session::{cookie::CookieOptions, Config, KeyRing, Mode};
    /// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), CookieOptions::new("s"));
    /// assert_eq!(cfg.mode, Mode::Sealed);
    /// ```
    pub fn new(ring: KeyRing, cookie: CookieOptions) -> Self {
        Config {
            ring,
            mode: Mode::Sealed,
            cookie,
            max_age: 14 * 86_400,
            idle_timeout: None,
            rolling: false,
            touch_after: 3600,
            inline_limit: 4000,
            limits: Limits::default(),
            store_prefix: None,
            format: Format::Native,
            legacy: Vec::new(),
        }
    }

    /// Checks every option; the error names the one at fault.
    ///
    /// ```
    /// # use edge_session::{cookie::CookieOptions, Config, ConfigError, KeyRing};
    /// let mut cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), CookieOptions::new("s"));
    /// cfg.max_age = 0;
    /// assert_eq!(cfg.validate(), Err(ConfigError::Duration));
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.cookie.validate()?;
        const MAX_SECS: u64 = 400 * 86_400; // browsers cap Max-Age at 400 days
        let ok = |s: u64| s > 0 && s <= MAX_SECS;
        if !ok(self.max_age) || !ok(self.touch_after) || self.idle_timeout.is_some_and(|s| !ok(s)) {
            return Err(ConfigError::Duration);
        }
        if !(64..=8192).contains(&self.inline_limit) {
            return Err(ConfigError::InlineLimit);
        }
        if self.limits.max_bytes < 64
            || self.limits.max_depth == 0
            || self.limits.max_depth > payload::MAX_DEPTH_CEILING
        {
            return Err(ConfigError::Limits);
        }
        if let Some(p) = &self.store_prefix {
            if p.len() > spill::MAX_PREFIX_LEN || p.bytes().any(|b| !(0x20..0x7f).contains(&b)) {
                return Err(ConfigError::StorePrefix);
            }
        }
        Ok(())
    }

    fn ctx(&self) -> Context<'_> {
        Context {
            purpose: COOKIE_PURPOSE,
            name: self.cookie.name.as_bytes(),
            subkeys: Subkeys::Cookie,
        }
    }
}

/// Where a spilled session lives in the store.
///
/// ```
/// use edge_session::Stored;
/// let s = Stored { key: "sess:abc".into(), generation: 1 };
/// assert_eq!(s.generation, 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// The store key.
    pub key: String,
    /// The generation last written.
    pub generation: u32,
}

/// What [`Config::save`] needs to know about the loaded session. JavaScript
/// callers hold it as an opaque token ([`Meta::to_token`]) and hand it back.
///
/// ```
/// use edge_session::{Meta, Stored};
/// let m = Meta { id: "x".into(), iat: 1, exp: 2, reseal: false,
///                stored: Some(Stored { key: "s:k y".into(), generation: 3 }), created: None,
///                migrated: None };
/// assert_eq!(Meta::from_token(&m.to_token()), Some(m));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    /// The session id.
    pub id: String,
    /// When the loaded value was issued (0 for a new session).
    pub iat: u64,
    /// When it expires (0 for a new session).
    pub exp: u64,
    /// Opened with an old key or in the other mode: write it again.
    pub reseal: bool,
    /// Where the session is stored, when it was spilled.
    pub stored: Option<Stored>,
    /// A foreign format's creation time as written (Beaker's `_creation_time`).
    pub created: Option<String>,
    /// The index of the legacy cookie the session was read from.
    pub migrated: Option<u8>,
}

impl Meta {
    /// The meta of a new session that has no cookie yet.
    ///
    /// ```
    /// # use edge_session::Meta;
    /// assert_eq!(Meta::new("abc".into()).iat, 0);
    /// ```
    pub fn new(id: String) -> Meta {
        Meta {
            id,
            iat: 0,
            exp: 0,
            reseal: false,
            stored: None,
            created: None,
            migrated: None,
        }
    }

    /// A compact text form: `iat exp reseal generation created migrated id key`,
    /// `-` for what is absent.
    ///
    /// ```
    /// # use edge_session::Meta;
    /// let m = Meta { id: "abc".into(), iat: 0, exp: 0, reseal: true, stored: None,
    ///                created: Some("7.5".into()), migrated: Some(2) };
    /// assert_eq!(m.to_token(), "0 0 1 - 7.5 2 abc");
    /// ```
    pub fn to_token(&self) -> String {
        let mut t = String::with_capacity(64 + self.id.len());
        push_u64(&mut t, self.iat);
        t.push(' ');
        push_u64(&mut t, self.exp);
        t.push_str(if self.reseal { " 1 " } else { " 0 " });
        match &self.stored {
            Some(s) => push_u64(&mut t, s.generation as u64),
            None => t.push('-'),
        }
        t.push(' ');
        match &self.created {
            Some(c) => t.push_str(c),
            None => t.push('-'),
        }
        t.push(' ');
        match self.migrated {
            Some(i) => push_u64(&mut t, i as u64),
            None => t.push('-'),
        }
        t.push(' ');
        t.push_str(&self.id);
        if let Some(s) = &self.stored {
            t.push(' ');
            t.push_str(&s.key);
        }
        t
    }

    /// Parses [`Meta::to_token`]'s output.
    ///
    /// ```
    /// # use edge_session::Meta;
    /// assert!(Meta::from_token("nonsense").is_none());
    /// ```
    pub fn from_token(token: &str) -> Option<Meta> {
        let mut parts = token.splitn(8, ' ');
        let iat = parse_u64(parts.next()?)?;
        let exp = parse_u64(parts.next()?)?;
        let reseal = parts.next()? == "1";
        let generation = parts.next()?;
        let created = match parts.next()? {
            "-" => None,
            c if c
                .bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) =>
            {
                Some(String::from(c))
            }
            _ => return None,
        };
        let migrated = match parts.next()? {
            "-" => None,
            i => Some(u8::try_from(parse_u64(i)?).ok()?),
        };
        let id = parts.next()?;
        if !is_id(id) {
            return None;
        }
        let stored = match (generation, parts.next()) {
            ("-", None) => None,
            (g, Some(key)) => Some(Stored {
                key: String::from(key),
                generation: u32::try_from(parse_u64(g)?).ok()?,
            }),
            _ => return None,
        };
        Some(Meta {
            id: String::from(id),
            iat,
            exp,
            reseal,
            stored,
            created,
            migrated,
        })
    }
}

impl Fetch {
    /// The id of the session the reference points at.
    ///
    /// ```
    /// # use edge_session::Fetch;
    /// fn id_of(f: &Fetch) -> &str { f.id() }
    /// ```
    pub fn id(&self) -> &str {
        &self.reference.id
    }

    /// A compact text form, for callers that must hold it across an await.
    ///
    /// ```
    /// # use edge_session::*;
    /// # let mut cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), cookie::CookieOptions::new("s"));
    /// # cfg.store_prefix = Some("s:".into());
    /// # cfg.inline_limit = 100;
    /// # let LoadStep::Done(s) = cfg.load("", 1000, &mut OsRandom).unwrap() else { unreachable!() };
    /// # let big = format!(r#"{{"x":"{}"}}"#, "y".repeat(500));
    /// # let plan = cfg.save(&s.meta, &Change { data: &big, ..Change::default() }, 1000, &mut OsRandom).unwrap();
    /// # let header = plan.cookies[0].split(';').next().unwrap();
    /// let LoadStep::Fetch(f) = cfg.load(header, 1001, &mut OsRandom).unwrap() else { unreachable!() };
    /// assert_eq!(Fetch::from_token(&f.to_token()), Some(f));
    /// ```
    pub fn to_token(&self) -> String {
        let mut t = String::with_capacity(96 + self.key.len());
        push_u64(&mut t, self.reference.generation as u64);
        t.push(' ');
        URL_SAFE_NO_PAD.encode_string(self.reference.digest, &mut t);
        t.push(' ');
        push_u64(&mut t, self.iat);
        t.push(' ');
        push_u64(&mut t, self.exp);
        t.push_str(if self.reseal { " 1 " } else { " 0 " });
        t.push_str(&self.reference.id);
        t.push(' ');
        t.push_str(&self.key);
        t
    }

    /// Parses [`Fetch::to_token`]'s output.
    ///
    /// ```
    /// # use edge_session::Fetch;
    /// assert!(Fetch::from_token("1 2 3").is_none());
    /// ```
    pub fn from_token(token: &str) -> Option<Fetch> {
        let mut parts = token.splitn(8, ' ');
        let generation = u32::try_from(parse_u64(parts.next()?)?).ok()?;
        let mut digest = [0u8; spill::DIGEST_LEN];
        let n = URL_SAFE_NO_PAD
            .decode_slice(parts.next()?, &mut digest)
            .ok()?;
        let iat = parse_u64(parts.next()?)?;
        let exp = parse_u64(parts.next()?)?;
        let reseal = parts.next()? == "1";
        let id = parts.next()?;
        let key = parts.next()?;
        if n != spill::DIGEST_LEN || !is_id(id) {
            return None;
        }
        Some(Fetch {
            key: String::from(key),
            reference: Reference {
                generation,
                digest,
                id: String::from(id),
            },
            iat,
            exp,
            reseal,
        })
    }
}

fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    s.bytes().try_fold(0u64, |acc, b| {
        let d = b.checked_sub(b'0').filter(|d| *d < 10)?;
        acc.checked_mul(10)?.checked_add(d as u64)
    })
}

/// A loaded session.
///
/// ```
/// use edge_session::{cookie::CookieOptions, Config, KeyRing, LoadStep, OsRandom, Status};
/// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), CookieOptions::new("s"));
/// let LoadStep::Done(s) = cfg.load("", 1_700_000_000, &mut OsRandom).unwrap() else { unreachable!() };
/// assert_eq!((s.status, s.data.as_str()), (Status::New, "{}"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// Why the session is what it is.
    pub status: Status,
    /// For a session that is not `valid`, why the cookie was not accepted.
    pub reason: Option<&'static str>,
    /// The user's data: a JSON object.
    pub data: String,
    /// Flash values from the previous request: a JSON object.
    pub flash: String,
    /// Hand this to [`Config::save`].
    pub meta: Meta,
    /// The legacy format the session was read from, when it was migrated.
    pub migrated_from: Option<&'static str>,
}

/// A store read the caller must do before the load can finish.
///
/// ```
/// # use edge_session::Fetch;
/// fn key_of(f: &Fetch) -> &str { &f.key }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetch {
    /// The store key to read.
    pub key: String,
    reference: Reference,
    iat: u64,
    exp: u64,
    reseal: bool,
}

/// The outcome of reading the cookie.
///
/// ```
/// # use edge_session::LoadStep;
/// fn needs_io(s: &LoadStep) -> bool { matches!(s, LoadStep::Fetch(_)) }
/// ```
#[derive(Clone, Debug)]
pub enum LoadStep {
    /// No store read needed.
    Done(Loaded),
    /// Read [`Fetch::key`] from the store, then call [`Config::load_fetched`].
    Fetch(Fetch),
}

/// What the request did to the session, for [`Config::save`].
///
/// ```
/// use edge_session::Change;
/// let c = Change { data: r#"{"n":1}"#, before_data: "{}", ..Change::default() };
/// assert!(!c.destroy);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Change<'a> {
    /// The data now: a JSON object.
    pub data: &'a str,
    /// The data as loaded.
    pub before_data: &'a str,
    /// The flash values to keep for the next request: a JSON object.
    pub flash: &'a str,
    /// The flash values as loaded.
    pub before_flash: &'a str,
    /// Give the session a new id; the old store entry is deleted.
    pub regenerate: bool,
    /// End the session: expiring cookie, store entry deleted.
    pub destroy: bool,
    /// `data` and `flash` come from a JSON serializer (such as
    /// `JSON.stringify`): skip the syntax pass; size and depth are still checked.
    pub trusted: bool,
}

impl Default for Change<'_> {
    fn default() -> Self {
        Change {
            data: EMPTY,
            before_data: EMPTY,
            flash: EMPTY,
            before_flash: EMPTY,
            regenerate: false,
            destroy: false,
            trusted: false,
        }
    }
}

/// A store operation the caller must run before sending the cookies.
///
/// ```
/// use edge_session::StoreOp;
/// let op = StoreOp::Delete { key: "k".into() };
/// assert!(matches!(op, StoreOp::Delete { .. }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreOp {
    /// Write `value` at `key`, expiring after `ttl` seconds (at least 60).
    Put {
        /// Store key.
        key: String,
        /// The sealed blob.
        value: String,
        /// Seconds to live.
        ttl: u64,
    },
    /// Delete `key`.
    Delete {
        /// Store key.
        key: String,
    },
}

/// What to do at the end of a request: run `store` in order, and only when
/// every operation succeeded, send `cookies` as Set-Cookie headers.
///
/// ```
/// use edge_session::SavePlan;
/// let p = SavePlan::default();
/// assert!(p.cookies.is_empty() && p.store.is_empty() && p.meta.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SavePlan {
    /// Store operations, in order.
    pub store: Vec<StoreOp>,
    /// Set-Cookie values.
    pub cookies: Vec<String>,
    /// The session's meta after the save, for a second save in the same request.
    pub meta: Option<Meta>,
}

/// Why a save cannot go ahead.
///
/// ```
/// use edge_session::SaveError;
/// let e = SaveError::TooLarge { size: 5000, limit: 4000 };
/// assert_eq!(e.code(), "too_large");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveError {
    /// The session does not fit in a cookie and no store is configured.
    TooLarge {
        /// The Set-Cookie line it would need, in bytes.
        size: usize,
        /// The limit it exceeds.
        limit: usize,
    },
    /// The data or flash handed in is not a JSON object within the limits.
    Data(DecodeError),
    /// No random bytes for a nonce or id.
    Random,
}

impl SaveError {
    /// The error code, as `SessionError.code` shows it.
    ///
    /// ```
    /// # use edge_session::{DecodeError, SaveError};
    /// assert_eq!(SaveError::Data(DecodeError::TooDeep).code(), "invalid_data");
    /// ```
    pub const fn code(self) -> &'static str {
        match self {
            SaveError::TooLarge { .. } => "too_large",
            SaveError::Data(_) => "invalid_data",
            SaveError::Random => "random_failed",
        }
    }
}

impl From<RandomError> for SaveError {
    fn from(_: RandomError) -> Self {
        SaveError::Random
    }
}

impl From<envelope::SealError> for SaveError {
    fn from(e: envelope::SealError) -> Self {
        match e {
            envelope::SealError::Random => SaveError::Random,
            // Only a cookie name that skipped validation is this long.
            envelope::SealError::ContextTooLong { len, max } => SaveError::TooLarge {
                size: len,
                limit: max,
            },
        }
    }
}

/// A new random session id: 16 bytes, base64url (22 characters).
///
/// ```
/// let id = edge_session::session::new_id(&mut edge_session::OsRandom).unwrap();
/// assert_eq!(id.len(), 22);
/// ```
pub fn new_id(rng: &mut impl Random) -> Result<String, RandomError> {
    let mut b = [0u8; ID_BYTES];
    rng.fill(&mut b)?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Config {
    fn fresh(
        &self,
        status: Status,
        reason: Option<&'static str>,
        rng: &mut impl Random,
    ) -> Result<Loaded, RandomError> {
        Ok(Loaded {
            status,
            reason,
            data: String::from(EMPTY),
            flash: String::from(EMPTY),
            migrated_from: None,
            meta: Meta::new(self.new_session_id(rng)?),
        })
    }

    fn rejected(&self, e: DecodeError, rng: &mut impl Random) -> Result<Loaded, RandomError> {
        let status = match e {
            DecodeError::Expired | DecodeError::IdleTimeout => Status::Expired,
            _ => Status::Invalid,
        };
        self.fresh(status, Some(e.reason()), rng)
    }

    fn check_idle(&self, header: &Header, now: u64) -> Result<(), DecodeError> {
        match self.idle_timeout {
            Some(idle) if now >= header.issued_at.saturating_add(idle) => {
                Err(DecodeError::IdleTimeout)
            }
            _ => Ok(()),
        }
    }

    fn reseal(&self, header: &Header, key_index: usize) -> bool {
        key_index != 0 || header.mode != self.mode
    }

    /// Reads the session cookie from a `Cookie` header. Never fails on
    /// client input: a bad cookie gives a new session with a status and
    /// reason. Fails only when no random bytes can be had for a new id.
    ///
    /// ```
    /// use edge_session::{cookie::CookieOptions, Config, KeyRing, LoadStep, OsRandom, Status};
    /// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), CookieOptions::new("s"));
    /// let LoadStep::Done(s) = cfg.load("s=forged", 1_700_000_000, &mut OsRandom).unwrap() else { unreachable!() };
    /// assert_eq!((s.status, s.reason), (Status::Invalid, Some("malformed")));
    /// ```
    pub fn load(
        &self,
        cookie_header: &str,
        now: u64,
        rng: &mut impl Random,
    ) -> Result<LoadStep, RandomError> {
        self.load_ms(cookie_header, now.saturating_mul(1000), rng)
    }

    /// [`Config::load`] with the clock in milliseconds: iron's expiry is checked
    /// to the millisecond, as iron does; everything else in seconds.
    ///
    /// ```
    /// use edge_session::{cookie::CookieOptions, Config, KeyRing, LoadStep, OsRandom, Status};
    /// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), CookieOptions::new("s"));
    /// let LoadStep::Done(s) = cfg.load_ms("", 1_700_000_000_123, &mut OsRandom).unwrap() else { unreachable!() };
    /// assert_eq!(s.status, Status::New);
    /// ```
    pub fn load_ms(
        &self,
        cookie_header: &str,
        now_ms: u64,
        rng: &mut impl Random,
    ) -> Result<LoadStep, RandomError> {
        let now = now_ms / 1000;
        let step = match cookie::get(cookie_header, &self.cookie.name) {
            None => LoadStep::Done(self.fresh(Status::New, None, rng)?),
            // Without foreign-format features, Native is the only format.
            #[allow(unreachable_patterns)]
            Some(value) => match &self.format {
                Format::Native => self.load_native(value, now, rng)?,
                format => LoadStep::Done(
                    match format.decode(&self.cookie.name, value, now_ms, &self.limits) {
                        Ok(f) => self.foreign_loaded(f, now, None, rng)?,
                        Err((status, reason)) => self.fresh(status, Some(reason), rng)?,
                    },
                ),
            },
        };
        // When the main cookie gives nothing, the session may still be in an old one.
        match step {
            // A leftover legacy cookie beside a valid one: clear it with the next write.
            LoadStep::Done(mut l) if l.status == Status::Valid && !self.legacy.is_empty() => {
                l.meta.migrated = self
                    .legacy
                    .iter()
                    .position(|legacy| cookie::get(cookie_header, &legacy.cookie.name).is_some())
                    .map(|i| i as u8);
                Ok(LoadStep::Done(l))
            }
            LoadStep::Done(l) if l.status != Status::Valid && !self.legacy.is_empty() => Ok(
                LoadStep::Done(match self.load_legacy(cookie_header, now_ms, rng)? {
                    Some(migrated) => migrated,
                    None => l,
                }),
            ),
            step => Ok(step),
        }
    }

    fn load_legacy(
        &self,
        cookie_header: &str,
        now_ms: u64,
        rng: &mut impl Random,
    ) -> Result<Option<Loaded>, RandomError> {
        let now = now_ms / 1000;
        let mut cut_off = None;
        for (i, legacy) in self.legacy.iter().enumerate() {
            let Some(value) = cookie::get(cookie_header, &legacy.cookie.name) else {
                continue;
            };
            match legacy.decode(value, now_ms, &self.limits) {
                Ok(f) => {
                    let mut l = self.foreign_loaded(f, now, Some(i as u8), rng)?;
                    l.migrated_from = Some(legacy.format.name());
                    return Ok(Some(l));
                }
                Err((Status::Expired, reason)) if legacy.cut_off(now_ms) => {
                    cut_off = cut_off.or(Some((i as u8, reason)));
                }
                Err(_) => {}
            }
        }
        // Past its cut-off: expired, and the old cookie cleared at the next write.
        let Some((i, reason)) = cut_off else {
            return Ok(None);
        };
        let mut l = self.fresh(Status::Expired, Some(reason), rng)?;
        l.meta.migrated = Some(i);
        Ok(Some(l))
    }

    fn foreign_loaded(
        &self,
        f: Foreign,
        now: u64,
        migrated: Option<u8>,
        rng: &mut impl Random,
    ) -> Result<Loaded, RandomError> {
        let id = match f.id {
            Some(id) if is_id(id.as_str()) => id,
            _ => self.new_session_id(rng)?,
        };
        Ok(Loaded {
            status: Status::Valid,
            reason: None,
            data: f.data,
            flash: f.flash,
            migrated_from: None,
            meta: Meta {
                id,
                iat: f.iat.unwrap_or(now).max(1),
                exp: 0,
                // A migrated session moves even if nothing changes.
                reseal: f.reseal || migrated.is_some(),
                stored: None,
                created: f.created.filter(|_| migrated.is_none()),
                migrated,
            },
        })
    }

    fn load_native(
        &self,
        value: &str,
        now: u64,
        rng: &mut impl Random,
    ) -> Result<LoadStep, RandomError> {
        // No browser sends a cookie larger than this: refuse before decoding.
        let max = self.doc_limits().max_bytes.min(MAX_COOKIE_PAYLOAD);
        let opened = match envelope::open(&self.ring, &self.ctx(), value, now, max) {
            Ok(o) => o,
            Err(e) => return Ok(LoadStep::Done(self.rejected(e, rng)?)),
        };
        if let Err(e) = self.check_idle(&opened.header, now) {
            return Ok(LoadStep::Done(self.rejected(e, rng)?));
        }
        let reseal = self.reseal(&opened.header, opened.key_index);
        match opened.header.kind {
            Kind::Session => {
                let (iat, exp) = (opened.header.issued_at, opened.header.expires_at);
                let loaded = self.parse_doc(&opened.payload, iat, exp, reseal, None);
                Ok(LoadStep::Done(match loaded {
                    Ok(l) => l,
                    Err(e) => self.rejected(e, rng)?,
                }))
            }
            Kind::Reference => {
                let (reference, key) = match (
                    Reference::from_bytes(&opened.payload),
                    self.ring.find(opened.header.key_id),
                    &self.store_prefix,
                ) {
                    (Ok(r), Some((_, key)), Some(prefix)) if is_id(&r.id) => {
                        let store_key = spill::store_key(key, prefix, &r.id);
                        (r, store_key)
                    }
                    (Ok(_), _, None) => {
                        return Ok(LoadStep::Done(self.fresh(
                            Status::Invalid,
                            Some("no_store"),
                            rng,
                        )?))
                    }
                    _ => return Ok(LoadStep::Done(self.rejected(DecodeError::Malformed, rng)?)),
                };
                Ok(LoadStep::Fetch(Fetch {
                    key,
                    reference,
                    iat: opened.header.issued_at,
                    exp: opened.header.expires_at,
                    reseal,
                }))
            }
            Kind::Blob => Ok(LoadStep::Done(self.rejected(DecodeError::BadTag, rng)?)),
        }
    }

    /// Finishes a load that needed a store read. `blob` is what the store
    /// returned for [`Fetch::key`], `None` when it had nothing. A missing blob,
    /// or one that is not the blob the cookie names, gives status `stale`.
    ///
    /// ```
    /// # use edge_session::*;
    /// # let mut cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), cookie::CookieOptions::new("s"));
    /// # cfg.store_prefix = Some("s:".into());
    /// # cfg.inline_limit = 100;
    /// let big = format!(r#"{{"x":"{}"}}"#, "y".repeat(500));
    /// let LoadStep::Done(s) = cfg.load("", 1000, &mut OsRandom).unwrap() else { unreachable!() };
    /// let plan = cfg.save(&s.meta, &Change { data: &big, ..Change::default() }, 1000, &mut OsRandom).unwrap();
    /// let StoreOp::Put { key, value, .. } = &plan.store[0] else { unreachable!() };
    /// let header = plan.cookies[0].split(';').next().unwrap();
    /// let LoadStep::Fetch(f) = cfg.load(header, 1001, &mut OsRandom).unwrap() else { unreachable!() };
    /// assert_eq!(&f.key, key);
    /// let s = cfg.load_fetched(f.clone(), Some(value), 1001, &mut OsRandom).unwrap();
    /// assert_eq!((s.status, s.data.len()), (Status::Valid, big.len()));
    /// assert_eq!(cfg.load_fetched(f, None, 1001, &mut OsRandom).unwrap().status, Status::Stale);
    /// ```
    pub fn load_fetched(
        &self,
        fetch: Fetch,
        blob: Option<&str>,
        now: u64,
        rng: &mut impl Random,
    ) -> Result<Loaded, RandomError> {
        let Some(blob) = blob else {
            return self.fresh(Status::Stale, Some("missing"), rng);
        };
        if !fetch.reference.matches(blob) {
            return self.fresh(Status::Stale, Some("digest_mismatch"), rng);
        }
        let ctx = Context {
            purpose: STORE_PURPOSE,
            name: fetch.key.as_bytes(),
            subkeys: Subkeys::Store,
        };
        let max = self.doc_limits().max_bytes;
        let opened = match envelope::open(&self.ring, &ctx, blob, now, max) {
            Ok(o) if o.header.kind == Kind::Blob => o,
            Ok(_) => return self.rejected(DecodeError::BadTag, rng),
            Err(e) => return self.rejected(e, rng),
        };
        let stored = Stored {
            key: fetch.key,
            generation: fetch.reference.generation,
        };
        let reseal = fetch.reseal || opened.key_index != 0;
        match self.parse_doc(&opened.payload, fetch.iat, fetch.exp, reseal, Some(stored)) {
            Ok(l) if l.meta.id == fetch.reference.id => Ok(l),
            Ok(_) => self.fresh(Status::Invalid, Some("id_mismatch"), rng),
            Err(e) => self.rejected(e, rng),
        }
    }

    /// Finishes a load whose store read failed (threw or timed out): a new
    /// session with status `stale` and reason `store_failed`.
    ///
    /// ```
    /// # use edge_session::*;
    /// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), cookie::CookieOptions::new("s"));
    /// assert_eq!(cfg.load_failed(&mut OsRandom).unwrap().reason, Some("store_failed"));
    /// ```
    pub fn load_failed(&self, rng: &mut impl Random) -> Result<Loaded, RandomError> {
        self.fresh(Status::Stale, Some("store_failed"), rng)
    }

    fn parse_doc(
        &self,
        json: &[u8],
        iat: u64,
        exp: u64,
        reseal: bool,
        stored: Option<Stored>,
    ) -> Result<Loaded, DecodeError> {
        payload::check_object(json, &self.doc_limits())?;
        let json = core::str::from_utf8(json).map_err(|_| DecodeError::Malformed)?;
        payload::check_unique_members(json)?;
        let (mut id, mut data, mut flash) = (None, None, EMPTY);
        for (key, value) in payload::members(json) {
            match key {
                "i" => id = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')),
                "d" => data = Some(value),
                "f" => flash = value,
                _ => {}
            }
        }
        let (Some(id), Some(data)) = (id, data) else {
            return Err(DecodeError::Malformed);
        };
        if !data.starts_with('{') || !flash.starts_with('{') || !is_id(id) {
            return Err(DecodeError::Malformed);
        }
        // The limits are the user's data's, as at save: the document around it
        // is one level deeper and some bytes longer.
        for part in [data, flash] {
            if part.len() > self.limits.max_bytes {
                return Err(DecodeError::TooLarge);
            }
            payload::check_depth(part.as_bytes(), self.limits.max_depth)?;
        }
        Ok(Loaded {
            migrated_from: None,
            status: Status::Valid,
            reason: None,
            data: String::from(data),
            flash: String::from(flash),
            meta: Meta {
                id: String::from(id),
                iat,
                exp,
                reseal,
                stored,
                created: None,
                migrated: None,
            },
        })
    }

    /// Decides what the end of a request must write. Returns an empty plan
    /// when nothing changed, nothing was flashed or consumed, no new id or
    /// key is due, and no rolling or idle re-issue is due.
    ///
    /// ```
    /// use edge_session::*;
    /// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), cookie::CookieOptions::new("s"));
    /// let LoadStep::Done(s) = cfg.load("", 1000, &mut OsRandom).unwrap() else { unreachable!() };
    /// let read_only = Change { data: &s.data, before_data: &s.data, ..Change::default() };
    /// assert_eq!(cfg.save(&s.meta, &read_only, 1000, &mut OsRandom).unwrap(), SavePlan::default());
    /// let changed = Change { data: r#"{"n":1}"#, before_data: &s.data, ..Change::default() };
    /// assert_eq!(cfg.save(&s.meta, &changed, 1000, &mut OsRandom).unwrap().cookies.len(), 1);
    /// ```
    pub fn save(
        &self,
        meta: &Meta,
        change: &Change<'_>,
        now: u64,
        rng: &mut impl Random,
    ) -> Result<SavePlan, SaveError> {
        let mut plan = self.save_session(meta, change, now, rng)?;
        // A session read from a legacy cookie: clear that cookie once it has moved.
        let legacy = meta.migrated.and_then(|i| self.legacy.get(i as usize));
        if let (Some(legacy), false) = (legacy, plan.cookies.is_empty()) {
            let mut old = legacy.cookie.clone();
            old.expires = true;
            plan.cookies.push(old.set_cookie("", Some(0), Some(now)));
        }
        Ok(plan)
    }

    fn save_session(
        &self,
        meta: &Meta,
        change: &Change<'_>,
        now: u64,
        rng: &mut impl Random,
    ) -> Result<SavePlan, SaveError> {
        let old_delete = || {
            meta.stored
                .iter()
                .map(|s| StoreOp::Delete { key: s.key.clone() })
                .collect()
        };
        if change.destroy {
            let mut expired = self.cookie.clone();
            expired.expires = true;
            // What follows is a new, empty session with a new id.
            return Ok(SavePlan {
                store: old_delete(),
                cookies: alloc::vec![expired.set_cookie("", Some(0), Some(now))],
                meta: Some(Meta::new(self.new_session_id(rng)?)),
            });
        }
        let changed = change.data != change.before_data || change.flash != change.before_flash;
        let had_value = meta.iat != 0;
        let touch = had_value
            && (self.rolling || self.idle_timeout.is_some() || self.format.timeout().is_some())
            && now >= meta.iat.saturating_add(self.touch_after);
        let empty = change.data == EMPTY && change.flash == EMPTY;
        if !(changed || change.regenerate || meta.reseal || touch) || (!had_value && empty) {
            return Ok(SavePlan::default());
        }
        for part in [change.data, change.flash] {
            if change.trusted {
                payload::check_bounds(part.as_bytes(), &self.limits)
            } else {
                payload::check_object(part.as_bytes(), &self.limits)
            }
            .map_err(SaveError::Data)?;
        }
        if !matches!(self.format, Format::Native) {
            return self.save_foreign(meta, change, now, rng);
        }
        let id = if change.regenerate {
            self.new_session_id(rng)?
        } else {
            meta.id.clone()
        };
        let doc = document(&id, change.data, change.flash);
        let exp = now.saturating_add(self.max_age);
        let inline_len = envelope::encoded_len(self.mode, doc.len());
        let line_len = self.cookie.set_cookie_len(inline_len, Some(self.max_age));
        let mut plan = SavePlan::default();
        let stored = if line_len <= self.inline_limit && self.cookie.fits_browser(inline_len) {
            let header = Header::new(self.mode, Kind::Session, now, exp);
            let value = envelope::seal(&self.ring, &self.ctx(), header, doc.as_bytes(), rng)?;
            plan.store = old_delete();
            plan.cookies.push(
                self.cookie
                    .set_cookie(&value, Some(self.max_age), Some(now)),
            );
            None
        } else if let Some(prefix) = &self.store_prefix {
            let key = spill::store_key(self.ring.current(), prefix, &id);
            let generation = match &meta.stored {
                Some(s) if s.key == key => s.generation.wrapping_add(1),
                _ => 1,
            };
            let ctx = Context {
                purpose: STORE_PURPOSE,
                name: key.as_bytes(),
                subkeys: Subkeys::Store,
            };
            let header = Header::new(Mode::Sealed, Kind::Blob, now, exp);
            let blob = envelope::seal(&self.ring, &ctx, header, doc.as_bytes(), rng)?;
            let reference = Reference {
                generation,
                digest: spill::digest(&blob),
                id: id.clone(),
            };
            let header = Header::new(self.mode, Kind::Reference, now, exp);
            let value =
                envelope::seal(&self.ring, &self.ctx(), header, &reference.to_bytes(), rng)?;
            plan.store.push(StoreOp::Put {
                key: key.clone(),
                value: blob,
                ttl: spill::ttl(now, exp),
            });
            if let Some(old) = &meta.stored {
                if old.key != key {
                    plan.store.push(StoreOp::Delete {
                        key: old.key.clone(),
                    });
                }
            }
            plan.cookies.push(
                self.cookie
                    .set_cookie(&value, Some(self.max_age), Some(now)),
            );
            Some(Stored { key, generation })
        } else {
            let limit = self.inline_limit.min(self.cookie.set_cookie_len(
                cookie::MAX_NAME_VALUE - self.cookie.name.len(),
                Some(self.max_age),
            ));
            return Err(SaveError::TooLarge {
                size: line_len,
                limit,
            });
        };
        plan.meta = Some(Meta {
            id,
            iat: now,
            exp,
            reseal: false,
            stored,
            created: None,
            migrated: None,
        });
        Ok(plan)
    }
}

impl Config {
    /// A new id in the format's own shape: Beaker's are uuid4 hex.
    fn new_session_id(&self, rng: &mut impl Random) -> Result<String, RandomError> {
        self.format.new_id(rng)
    }

    fn save_foreign(
        &self,
        meta: &Meta,
        change: &Change<'_>,
        now: u64,
        rng: &mut impl Random,
    ) -> Result<SavePlan, SaveError> {
        let id = if change.regenerate {
            self.new_session_id(rng)?
        } else {
            meta.id.clone()
        };
        let created = match &meta.created {
            Some(c) if meta.iat != 0 => c.clone(),
            _ => {
                let mut c = String::new();
                push_u64(&mut c, now);
                c.push_str(".0");
                c
            }
        };
        let encoded = self.format.encode(
            &self.cookie,
            &id,
            Some(&created),
            change.data,
            change.flash,
            now,
            self.max_age,
            rng,
        );
        let (value, age) = match encoded {
            Ok(v) => v,
            Err(SaveErrorOrNative::Save(e)) => return Err(e),
            Err(SaveErrorOrNative::Native) => return Err(SaveError::Data(DecodeError::Malformed)),
        };
        if !cookie::is_cookie_value(&value) {
            return Err(SaveError::Data(DecodeError::Malformed));
        }
        // The tightest of: the inline limit, the browser's name+value cap, and
        // the format's own limit (Beaker's 4064), all as Set-Cookie lengths.
        let line_len = self.cookie.set_cookie_len(value.len(), age);
        let browser = cookie::MAX_NAME_VALUE.saturating_sub(self.cookie.name.len());
        let mut limit = self
            .inline_limit
            .min(self.cookie.set_cookie_len(browser, age));
        if let Some(max) = self.format.value_limit() {
            limit = limit.min(self.cookie.set_cookie_len(max, age));
        }
        if line_len > limit {
            return Err(SaveError::TooLarge {
                size: line_len,
                limit,
            });
        }
        Ok(SavePlan {
            store: Vec::new(),
            cookies: alloc::vec![self.cookie.set_cookie(&value, age, Some(now))],
            meta: Some(Meta {
                id,
                iat: now,
                exp: 0,
                reseal: false,
                stored: None,
                created: Some(created),
                migrated: None,
            }),
        })
    }

    /// Bounds on a whole document: data and flash at their limits, the id,
    /// and one more level of nesting.
    fn doc_limits(&self) -> Limits {
        Limits {
            max_bytes: self.limits.max_bytes.saturating_mul(2).saturating_add(256),
            max_depth: self.limits.max_depth + 1,
        }
    }
}

fn document(id: &str, data: &str, flash: &str) -> String {
    let mut doc = String::with_capacity(id.len() + data.len() + flash.len() + 20);
    doc.push_str("{\"i\":\"");
    doc.push_str(id);
    doc.push_str("\",\"d\":");
    doc.push_str(data);
    if flash != EMPTY {
        doc.push_str(",\"f\":");
        doc.push_str(flash);
    }
    doc.push('}');
    doc
}
