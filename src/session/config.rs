//! [`Config`]: every option, its default and its validation.

use alloc::string::String;
use alloc::vec::Vec;

use super::{COOKIE_PURPOSE, STORE_PURPOSE};
use crate::cookie::CookieOptions;
use crate::envelope::{Context, Subkeys};
use crate::formats::{Format, Legacy};
use crate::{payload, spill, ConfigError, KeyRing, Limits, Random, RandomError};

/// Browsers cap Max-Age at 400 days.
pub(crate) const MAX_COOKIE_SECS: u64 = 400 * 86_400;
/// Longest absolute timeout accepted: ten years.
const MAX_ABSOLUTE_SECS: u64 = 3650 * 86_400;
/// Largest `limits.max_bytes`: far above any store's value limit, and small
/// enough that size arithmetic cannot overflow on 32-bit targets.
pub const MAX_BYTES_CEILING: usize = 16 * 1024 * 1024;

/// Everything that decides how sessions are read and written.
///
/// ```
/// use edge_session::{cookie::CookieOptions, Config, KeyRing};
/// let mut cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), CookieOptions::new("s"));
/// assert!(cfg.validate().is_ok());
/// assert_eq!(cfg.max_age, 14 * 86_400);
/// // Re-issue before an idle timeout can end an active session.
/// cfg.idle_timeout = Some(600);
/// assert_eq!(cfg.touch_after(), 300);
/// ```
#[derive(Clone)]
pub struct Config {
    /// The secrets.
    pub ring: KeyRing,
    /// Sealed or signed, for values written from now on. Both open.
    pub mode: crate::Mode,
    /// The cookie's name and attributes.
    pub cookie: CookieOptions,
    /// Lifetime of each issued value, in seconds.
    pub max_age: u64,
    /// Optional idle timeout, in seconds since the value was last issued.
    pub idle_timeout: Option<u64>,
    /// Longest a session may live from its start (creation or `regenerate`),
    /// whatever touches and saves extend: 30 days by default.
    pub absolute_timeout: u64,
    /// Re-issue an unchanged session once it is [`touch_after`](Self::touch_after) old.
    pub rolling: bool,
    /// Seconds after which a rolling or idle-limited session is re-issued;
    /// `None`: an hour, or half the idle timeout when that is shorter.
    pub touch_after_secs: Option<u64>,
    /// Largest complete Set-Cookie line kept inline, in bytes.
    pub inline_limit: usize,
    /// Decoder bounds.
    pub limits: Limits,
    /// Store key prefix; `None` when no store is configured.
    pub store_prefix: Option<String>,
    /// The store can compare-and-swap: one key per session, merged writes.
    pub store_cas: bool,
    /// The cookie format read and written; native by default.
    pub format: Format,
    /// Old cookies to migrate from, tried in order when the main one gives nothing.
    pub legacy: Vec<Legacy>,
    /// Revocation records, opt-in: `None` costs nothing.
    pub revocation: Option<super::Revocation>,
    /// The caller parses every loaded session's data and flash with a strict
    /// JSON parser (the JavaScript package: `JSON.parse`) and reports a
    /// failure with [`Config::not_json`]. A load then checks their structure
    /// (one object, brackets paired, strings closed, depth and size), not
    /// their syntax a second time. Off by default: [`crate::Loaded`] data is
    /// checked JSON.
    pub reader_parses: bool,
}

impl Config {
    /// A config with the defaults: sealed, 14 days, 30 days absolute,
    /// 4000-byte inline limit, no store.
    ///
    /// ```
    /// # use edge_session::{cookie::CookieOptions, Config, KeyRing, Mode};
    /// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), CookieOptions::new("s"));
    /// assert_eq!(cfg.mode, Mode::Sealed);
    /// ```
    pub fn new(ring: KeyRing, cookie: CookieOptions) -> Self {
        Config {
            ring,
            mode: crate::Mode::Sealed,
            cookie,
            max_age: 14 * 86_400,
            idle_timeout: None,
            absolute_timeout: 30 * 86_400,
            rolling: false,
            touch_after_secs: None,
            inline_limit: 4000,
            limits: Limits::default(),
            store_prefix: None,
            store_cas: false,
            format: Format::Native,
            legacy: Vec::new(),
            revocation: None,
            reader_parses: false,
        }
    }

    /// When an unchanged session is re-issued: the option, or an hour, or
    /// half of the idle timeout (ours or the format's) when that is shorter.
    ///
    /// ```
    /// # use edge_session::{cookie::CookieOptions, Config, KeyRing};
    /// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), CookieOptions::new("s"));
    /// assert_eq!(cfg.touch_after(), 3600);
    /// ```
    pub fn touch_after(&self) -> u64 {
        self.touch_after_secs
            .unwrap_or_else(|| match self.idle_timeout.or(self.format.timeout()) {
                Some(idle) if idle > 0 => idle.div_ceil(2).min(3600),
                _ => 3600,
            })
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
        let ok = |s: u64| s > 0 && s <= MAX_COOKIE_SECS;
        if !ok(self.max_age) {
            return Err(ConfigError::Duration);
        }
        if self.idle_timeout.is_some_and(|s| !ok(s)) {
            return Err(ConfigError::IdleTimeout);
        }
        if self.touch_after_secs.is_some_and(|s| !ok(s)) {
            return Err(ConfigError::TouchAfter);
        }
        if self.absolute_timeout == 0 || self.absolute_timeout > MAX_ABSOLUTE_SECS {
            return Err(ConfigError::AbsoluteTimeout);
        }
        if !(64..=8192).contains(&self.inline_limit) {
            return Err(ConfigError::InlineLimit);
        }
        if !(64..=MAX_BYTES_CEILING).contains(&self.limits.max_bytes) {
            return Err(ConfigError::MaxBytes);
        }
        if self.limits.max_depth == 0 || self.limits.max_depth > payload::MAX_DEPTH_CEILING {
            return Err(ConfigError::MaxDepth);
        }
        if let Some(p) = &self.store_prefix {
            if p.len() > spill::MAX_PREFIX_LEN || p.bytes().any(|b| !(0x20..0x7f).contains(&b)) {
                return Err(ConfigError::StorePrefix);
            }
            if !matches!(self.format, Format::Native) {
                return Err(ConfigError::ForeignStore);
            }
        }
        if let Some(r) = &self.revocation {
            if r.prefix.len() > spill::MAX_PREFIX_LEN
                || r.prefix.bytes().any(|b| !(0x20..0x7f).contains(&b))
            {
                return Err(ConfigError::RevocationPrefix);
            }
            if r.subject
                .as_ref()
                .is_some_and(|s| s.is_empty() || s.len() > 128 || s.contains(['"', '\\']))
            {
                return Err(ConfigError::RevocationSubject);
            }
        }
        for legacy in &self.legacy {
            if matches!(legacy.format, Format::Native) {
                return Err(ConfigError::LegacyFormat);
            }
            legacy.cookie.validate()?;
            if legacy.cookie.name == self.cookie.name {
                return Err(ConfigError::LegacyName);
            }
        }
        // Last, so a caller that sets the format next may let this one pass.
        if self.ring.is_unkeyed() && matches!(self.format, Format::Native) {
            return Err(ConfigError::NoSecrets);
        }
        Ok(())
    }

    pub(super) fn ctx(&self) -> Context<'_> {
        Context {
            purpose: COOKIE_PURPOSE,
            name: self.cookie.name.as_bytes(),
            subkeys: Subkeys::Cookie,
        }
    }

    pub(super) fn store_ctx<'a>(&self, key: &'a str) -> Context<'a> {
        Context {
            purpose: STORE_PURPOSE,
            name: key.as_bytes(),
            subkeys: Subkeys::Store,
        }
    }

    /// A new id in the format's own shape: Beaker's are uuid4 hex.
    pub(super) fn new_session_id(&self, rng: &mut impl Random) -> Result<String, RandomError> {
        self.format.new_id(rng)
    }

    /// The longest store blob a save with these limits can write, in bytes
    /// of text: a longer store answer is garbage, and can be dropped unread.
    ///
    /// ```
    /// # use edge_session::{cookie::CookieOptions, Config, KeyRing};
    /// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), CookieOptions::new("s"));
    /// assert!(cfg.max_blob_len() > 2 * cfg.limits.max_bytes);
    /// ```
    pub fn max_blob_len(&self) -> usize {
        crate::envelope::encoded_len(crate::Mode::Sealed, self.doc_limits().max_bytes)
    }

    /// Bounds on a whole document: data and flash at their limits, the id,
    /// and one more level of nesting.
    pub(super) fn doc_limits(&self) -> Limits {
        Limits {
            max_bytes: self.limits.max_bytes.saturating_mul(2).saturating_add(256),
            max_depth: self.limits.max_depth + 1,
        }
    }
}
