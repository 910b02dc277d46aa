//! The options document: the JSON form of every option the JavaScript API
//! takes, parsed and checked here, so the Rust API and the JavaScript API
//! share one set of rules, defaults and limits. Errors name the option's
//! path, such as `legacy[1].cookie.name`.
//!
//! What only JavaScript can see stays there: the store objects (here `true`,
//! or `{"cas": true}` for a compare-and-swap store), the clock and the store
//! timeout. Unknown members are ignored, as the JavaScript API ignores them.
//!
//! ```
//! use edge_session::Config;
//! let cfg = Config::from_options(
//!     r#"{"secrets": ["0123456789abcdef0123456789abcdef"], "maxAge": 3600,
//!         "cookie": {"name": "sid", "sameSite": "strict"}, "store": true}"#,
//! )?;
//! assert_eq!((cfg.max_age, cfg.cookie.name.as_str()), (3600, "sid"));
//! assert_eq!(cfg.store_prefix.as_deref(), Some("session:"));
//!
//! let e = Config::from_options(r#"{"secrets": ["0123456789abcdef0123456789abcdef"],
//!     "legacy": [{"format": "remix", "cookie": {"name": "__Host-session"}, "remix": {"secrets": ["old"]}}]}"#)
//!     .err().unwrap();
//! assert_eq!(e.path, "legacy[0].cookie.name");
//! # Ok::<(), edge_session::session::OptionError>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use super::{Config, Revocation};
use crate::cookie::{CookieOptions, SameSite};
use crate::payload::{self, members};
use crate::{ConfigError, Format, KeyRing, Legacy, Mode, Random};

/// A JSON value as its text: the options are read with the core's own
/// scanner, not a JSON tree, which keeps serde_json's `Value` (about 48 KB
/// of wasm) out. The whole document is checked as JSON first.
#[derive(Clone, Copy, Debug)]
enum Value<'a> {
    Null,
    Bool(bool),
    /// The number's text.
    Number(&'a str),
    /// The string's text between its quotes, escapes still in.
    String(&'a str),
    /// The array's text, brackets included.
    Array(&'a str),
    /// The object's text, braces included.
    Object(&'a str),
}

impl<'a> Value<'a> {
    fn of(text: &'a str) -> Self {
        match text.as_bytes().first() {
            Some(b't') => Value::Bool(true),
            Some(b'f') => Value::Bool(false),
            Some(b'"') => Value::String(text.get(1..text.len() - 1).unwrap_or("")),
            Some(b'[') => Value::Array(text),
            Some(b'{') => Value::Object(text),
            Some(b'n') | None => Value::Null,
            Some(_) => Value::Number(text),
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// A whole number that fits in a u64.
    fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    /// A non-negative number's whole part (milliseconds may carry a fraction).
    fn whole_part(&self) -> Option<u64> {
        let Value::Number(n) = self else { return None };
        let (int, frac) = n.split_once('.').unwrap_or((n, "0"));
        frac.bytes().all(|b| b.is_ascii_digit()).then_some(())?;
        int.parse().ok()
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// A string, unescaped.
    fn as_str(&self) -> Option<String> {
        match self {
            Value::String(raw) => unescape(raw),
            _ => None,
        }
    }

    fn get(&self, key: &str) -> Option<Value<'a>> {
        match self {
            // The last of repeated members, as JSON.parse reads them.
            Value::Object(text) => members(text)
                .filter(|(k, _)| *k == key)
                .last()
                .map(|(_, v)| Value::of(v)),
            _ => None,
        }
    }

    fn items(&self) -> Vec<Value<'a>> {
        let Value::Array(text) = self else {
            return Vec::new();
        };
        payload::items(text).map(Value::of).collect()
    }
}

/// A JSON string's text without its quotes, escapes resolved.
fn unescape(raw: &str) -> Option<String> {
    if !raw.contains('\\') {
        return Some(String::from(raw));
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    let mut pending: Option<u32> = None;
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let simple = match chars.next()? {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                let unit = u32::from_str_radix(&hex, 16).ok()?;
                match (pending.take(), unit) {
                    (None, 0xd800..=0xdbff) => {
                        pending = Some(unit);
                        continue;
                    }
                    (Some(high), 0xdc00..=0xdfff) => {
                        out.push(char::from_u32(
                            0x10000 + ((high - 0xd800) << 10) + (unit - 0xdc00),
                        )?);
                        continue;
                    }
                    // A lone surrogate is no text.
                    (Some(_), _) | (None, 0xdc00..=0xdfff) => return None,
                    (None, u) => char::from_u32(u)?,
                }
            }
            _ => return None,
        };
        if pending.is_some() {
            return None;
        }
        out.push(simple);
    }
    pending.is_none().then_some(out)
}

/// Browsers cap `Max-Age` at 400 days.
#[cfg(feature = "beaker")]
const COOKIE_FOREVER: u64 = 400 * 86_400;

/// An option the application got wrong: its path and what it must be.
/// Never holds key material.
///
/// ```
/// use edge_session::Config;
/// let e = Config::from_options(r#"{"secrets": "short"}"#).err().unwrap();
/// assert_eq!(e.path, "secrets");
/// assert_eq!(e.to_string(), "each secret in secrets must be at least 32 bytes");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OptionError {
    /// Where in the options, such as `cookie.sameSite` or `legacy[0].iron.password`.
    pub path: String,
    /// A sentence that names the option and says what it must be.
    pub message: String,
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(feature = "std")]
impl std::error::Error for OptionError {}

#[inline(never)]
fn err(path: &str, what: &str) -> OptionError {
    let mut message = String::from(path);
    message.push(' ');
    message.push_str(what);
    OptionError {
        path: String::from(path),
        message,
    }
}

/// A core rule broken under `prefix` (`legacy[1].`): the option named from the top.
#[inline(never)]
fn rule(e: ConfigError, prefix: &str) -> OptionError {
    let option = e.option().strip_prefix("legacy.").unwrap_or(e.option());
    let mut path = String::from(prefix);
    path.push_str(option);
    let message = e.message().strip_prefix("legacy.").unwrap_or(e.message());
    let mut text = String::from(prefix);
    text.push_str(message);
    OptionError {
        path,
        message: if message.starts_with(option) {
            text
        } else {
            String::from(message)
        },
    }
}

fn join(prefix: &str, key: &str) -> String {
    let mut p = String::from(prefix);
    p.push_str(key);
    p
}

/// One object of the document, with its path for errors.
struct Obj<'a> {
    map: Option<Value<'a>>,
    prefix: String,
}

impl<'a> Obj<'a> {
    fn of(v: Option<Value<'a>>, prefix: String, path: &str) -> Result<Self, OptionError> {
        match v {
            None | Some(Value::Null) => Ok(Obj { map: None, prefix }),
            Some(map @ Value::Object(_)) => Ok(Obj {
                map: Some(map),
                prefix,
            }),
            Some(_) => Err(err(path, "must be an object")),
        }
    }

    fn path(&self, key: &str) -> String {
        join(&self.prefix, key)
    }

    /// A member, `None` when absent or null.
    fn get(&self, key: &str) -> Option<Value<'a>> {
        self.map?.get(key).filter(|v| !v.is_null())
    }

    fn child(&self, key: &str) -> Result<Obj<'a>, OptionError> {
        let path = self.path(key);
        let mut prefix = path.clone();
        prefix.push('.');
        Obj::of(self.get(key), prefix, &path)
    }

    fn string(&self, key: &str) -> Result<Option<String>, OptionError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| err(&self.path(key), "must be a string")),
        }
    }

    fn flag(&self, key: &str) -> Result<Option<bool>, OptionError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_bool()
                .map(Some)
                .ok_or_else(|| err(&self.path(key), "must be true or false")),
        }
    }

    /// A whole number; anything else (fractions, negatives, text) is `broken`.
    fn whole(&self, key: &str, broken: ConfigError) -> Result<Option<u64>, OptionError> {
        match self.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| rule(broken, prefix_of(&self.prefix))),
        }
    }
}

/// The prefix a nested object's rules are named under: `legacy[1].` for a
/// legacy entry, nothing at the top (core rules name their own object).
fn prefix_of(prefix: &str) -> &str {
    // A byte search: a `&str` pattern would bring in the two-way searcher.
    match prefix.as_bytes().windows(2).position(|w| w == b"].") {
        Some(i) => prefix.get(..i + 2).unwrap_or(""),
        None => "",
    }
}

impl Config {
    /// Builds and checks a `Config` from the options document (the JSON of
    /// the JavaScript API's options). The error names the option's path.
    #[cfg(feature = "std")]
    pub fn from_options(json: &str) -> Result<Config, OptionError> {
        Self::from_options_with(json, &mut crate::OsRandom)
    }

    /// [`Config::from_options`] with the random source given (a foreign
    /// format without native secrets gets a random, unused key ring).
    pub fn from_options_with(json: &str, rng: &mut impl Random) -> Result<Config, OptionError> {
        crate::json::check(json.as_bytes(), crate::json::MAX_DEPTH)
            .map_err(|_| err("options", "must be an object (JSON)"))?;
        let top = Obj::of(Some(Value::of(json.trim())), String::new(), "options")?;
        if top.map.is_none() {
            return Err(err("options", "must be an object"));
        }
        let format = top.string("format")?;
        let foreign = format_of(&top, format.as_deref().unwrap_or("native"), "")?;
        let secrets = secrets_of(&top)?;
        let ring = match (secrets.is_empty(), &foreign) {
            // A foreign format needs no native secret: its key ring is never used.
            (true, Some(_)) => KeyRing::unkeyed(rng)
                .map_err(|_| err("secrets", "could not be made: no random bytes"))?,
            _ => KeyRing::new(&secrets).map_err(|e| rule(e, ""))?,
        };
        let c = top.child("cookie")?;
        let secure = c.flag("secure")?.unwrap_or(true);
        let given_name = c.string("name")?.filter(|n| !n.is_empty());
        let name = match (given_name.as_deref(), &foreign) {
            (Some(n), _) => n,
            #[cfg(feature = "beaker")]
            (None, Some(Format::Beaker(_))) => "beaker.session.id",
            (None, _) if secure => "__Host-session",
            (None, _) => "session",
        };
        let mut cookie = CookieOptions::new(name);
        cookie.secure = secure;
        cookie_attributes(&c, &mut cookie)?;
        cookie.same_site = match c
            .string("sameSite")?
            .map(|s| s.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("lax") => SameSite::Lax,
            Some("strict") => SameSite::Strict,
            Some("none") => SameSite::None,
            Some(_) => {
                return Err(err(
                    "cookie.sameSite",
                    "must be \"Strict\", \"Lax\" or \"None\"",
                ))
            }
        };
        cookie.partitioned = c.flag("partitioned")?.unwrap_or(false);
        cookie.expires = c.flag("expires")?.unwrap_or(false);
        let mut cfg = Config::new(ring, cookie);
        cfg.mode = match top.string("mode")?.as_deref() {
            None | Some("sealed") => Mode::Sealed,
            Some("signed") => Mode::Signed,
            Some(_) => return Err(err("mode", "must be \"sealed\" or \"signed\"")),
        };
        if let Some(f) = foreign {
            cfg.format = f;
        }
        if let Some(n) = top.whole("maxAge", ConfigError::Duration)? {
            cfg.max_age = n;
        }
        cfg.idle_timeout = top.whole("idleTimeout", ConfigError::IdleTimeout)?;
        cfg.touch_after_secs = top.whole("touchAfter", ConfigError::TouchAfter)?;
        if let Some(n) = top.whole("absoluteTimeout", ConfigError::AbsoluteTimeout)? {
            cfg.absolute_timeout = n;
        }
        cfg.rolling = top.flag("rolling")?.unwrap_or(false);
        if let Some(n) = top.whole("inlineLimit", ConfigError::InlineLimit)? {
            cfg.inline_limit = usize::try_from(n).unwrap_or(usize::MAX);
        }
        let limits = top.child("limits")?;
        if let Some(n) = limits.whole("maxBytes", ConfigError::MaxBytes)? {
            cfg.limits.max_bytes = usize::try_from(n).unwrap_or(usize::MAX);
        }
        if let Some(n) = limits.whole("maxDepth", ConfigError::MaxDepth)? {
            cfg.limits.max_depth = usize::try_from(n).unwrap_or(usize::MAX);
        }
        // `true`, or `{"cas": true}` for a store with getVersioned/putIf.
        match top.get("store") {
            None | Some(Value::Bool(false)) => {}
            Some(store) => {
                cfg.store_cas = store.get("cas").and_then(|v| v.as_bool()).unwrap_or(false);
                let prefix = top.string("storePrefix")?;
                cfg.store_prefix =
                    Some(prefix.unwrap_or_else(|| String::from(crate::spill::DEFAULT_PREFIX)));
            }
        }
        if top.get("revocation").is_some() {
            let r = top.child("revocation")?;
            let mut rev = Revocation::new(r.string("subject")?);
            if let Some(p) = r.string("prefix")? {
                rev.prefix = p;
            }
            rev.fail_open = r.flag("failOpen")?.unwrap_or(rev.fail_open);
            rev.list = r.flag("list")?.unwrap_or(rev.list);
            cfg.revocation = Some(rev);
        }
        match top.get("legacy") {
            None => {}
            Some(list @ Value::Array(_)) => {
                for (i, entry) in list.items().into_iter().enumerate() {
                    let legacy = legacy_of(entry, i, &cfg.cookie.name)?;
                    cfg.legacy.push(legacy);
                }
            }
            Some(_) => return Err(err("legacy", "must be an array of format options")),
        }
        cfg.validate().map_err(|e| rule(e, ""))?;
        Ok(cfg)
    }
}

fn secrets_of(top: &Obj<'_>) -> Result<Vec<String>, OptionError> {
    const WHAT: &str = "must be a non-empty array of strings, each at least 32 bytes";
    match top.get("secrets") {
        None => Ok(Vec::new()),
        Some(s @ Value::String(_)) => Ok(alloc::vec![s
            .as_str()
            .ok_or_else(|| err("secrets", WHAT))?]),
        Some(list @ Value::Array(_)) => list
            .items()
            .iter()
            .map(|s| s.as_str().ok_or_else(|| err("secrets", WHAT)))
            .collect(),
        Some(_) => Err(err("secrets", WHAT)),
    }
}

fn cookie_attributes(c: &Obj<'_>, cookie: &mut CookieOptions) -> Result<(), OptionError> {
    if let Some(p) = c.string("path")? {
        cookie.path = p;
    }
    cookie.domain = c.string("domain")?.filter(|d| !d.is_empty());
    cookie.http_only = c.flag("httpOnly")?.unwrap_or(true);
    Ok(())
}

fn legacy_of(entry: Value<'_>, i: usize, main: &str) -> Result<Legacy, OptionError> {
    let mut prefix = String::from("legacy[");
    crate::cookie::push_u64(&mut prefix, i as u64);
    prefix.push_str("].");
    let l = Obj::of(Some(entry), prefix.clone(), &prefix[..prefix.len() - 1])?;
    let format = match l.string("format")?.as_deref() {
        Some(f @ ("beaker" | "iron" | "remix" | "cookie-rs")) => String::from(f),
        _ => return Err(rule(ConfigError::LegacyFormat, &prefix)),
    };
    let format =
        format_of(&l, &format, &prefix)?.ok_or_else(|| rule(ConfigError::LegacyFormat, &prefix))?;
    let c = l.child("cookie")?;
    let Some(name) = c.string("name")?.filter(|n| !n.is_empty()) else {
        return Err(err(
            &join(&prefix, "cookie.name"),
            "must name the old cookie",
        ));
    };
    let mut cookie = CookieOptions::new(&name);
    cookie.secure = c.flag("secure")?.unwrap_or(true);
    cookie_attributes(&c, &mut cookie)?;
    cookie.validate().map_err(|e| rule(e, &prefix))?;
    if cookie.name == main {
        return Err(rule(ConfigError::LegacyName, &prefix));
    }
    let not_after = match l.get("notAfter") {
        None => None,
        // Milliseconds, rounded down to whole seconds: the cut-off never comes later.
        Some(v) => match v.whole_part() {
            Some(ms) => Some(ms / 1000),
            None => {
                return Err(err(
                    &join(&prefix, "notAfter"),
                    "must be a Date or a time in ms since the epoch",
                ))
            }
        },
    };
    let mut legacy = Legacy::new(format, cookie);
    legacy.not_after = not_after;
    Ok(legacy)
}

/// The foreign format `name` with its options from `o`; `None` for native.
#[allow(unused_variables)]
fn format_of(o: &Obj<'_>, name: &str, prefix: &str) -> Result<Option<Format>, OptionError> {
    match name {
        "native" if prefix.is_empty() => Ok(None),
        #[cfg(feature = "beaker")]
        "beaker" => beaker_of(o).map(Some),
        #[cfg(feature = "iron")]
        "iron" => iron_of(o).map(Some),
        #[cfg(feature = "remix")]
        "remix" => remix_of(o).map(Some),
        #[cfg(feature = "cookie-rs")]
        "cookie-rs" => cookie_rs_of(o).map(Some),
        #[allow(unreachable_patterns)]
        "beaker" | "iron" | "remix" | "cookie-rs" => Err(err(
            &join(prefix, "format"),
            "names a format this build leaves out: import from \"edge-session/formats\" \
             (Rust: the crate feature of that name)",
        )),
        _ => Err(err(
            &join(prefix, "format"),
            if prefix.is_empty() {
                "must be \"native\", \"beaker\", \"iron\", \"remix\" or \"cookie-rs\""
            } else {
                "must be \"beaker\", \"iron\", \"remix\" or \"cookie-rs\""
            },
        )),
    }
}

#[cfg(feature = "beaker")]
fn beaker_of(o: &Obj<'_>) -> Result<Format, OptionError> {
    use crate::beaker::{BeakerKeys, Crypto};
    use crate::BeakerFormat;
    let path = o.path("beaker");
    if o.get("beaker").is_none() {
        return Err(err(&path, "must be an object with at least validateKey"));
    }
    let b = o.child("beaker")?;
    let Some(validate) = b.string("validateKey")?.filter(|k| !k.is_empty()) else {
        return Err(err(
            &b.path("validateKey"),
            "must be a non-empty string (TurboGears: session.validate_key)",
        ));
    };
    let encrypt = match b.string("encryptKey")?.filter(|k| k.is_empty()) {
        Some(_) => {
            return Err(err(
                &b.path("encryptKey"),
                "must be a non-empty string when set (TurboGears: session.encrypt_key)",
            ))
        }
        None => b.string("encryptKey")?,
    };
    let crypto = match b.string("cryptoType")?.as_deref().unwrap_or("cryptography") {
        "cryptography" | "default" => Crypto::Cryptography,
        "pycryptodome" | "pycrypto" => Crypto::Pycryptodome,
        _ => {
            return Err(err(
                &b.path("cryptoType"),
                "must be \"cryptography\" or \"pycryptodome\"",
            ))
        }
    };
    let bits = match b.get("nonceBits") {
        None => 128,
        Some(v) => v
            .as_u64()
            .filter(|n| *n > 0 && n % 8 == 0 && *n <= 512)
            .ok_or_else(|| {
                err(
                    &b.path("nonceBits"),
                    "must be a multiple of 8 from 8 to 512",
                )
            })?,
    };
    let secs = |key: &str| -> Result<Option<u64>, OptionError> {
        match b.get(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .filter(|n| *n > 0)
                .map(Some)
                .ok_or_else(|| err(&b.path(key), "must be a whole number of seconds")),
        }
    };
    let timeout = secs("timeout")?;
    let cookie_max_age = match b.get("cookieExpires") {
        // A browser-session cookie, Beaker's default.
        None | Some(Value::Bool(true)) => None,
        Some(Value::Bool(false)) => Some(COOKIE_FOREVER),
        Some(_) => secs("cookieExpires")?,
    };
    let keys = BeakerKeys::new(
        validate.as_bytes(),
        encrypt.as_deref().map(str::as_bytes),
        crypto,
        bits as u32,
    )
    .map_err(|_| {
        err(
            &b.path("encryptKey"),
            "must be ASCII (Beaker reads it as text)",
        )
    })?;
    Ok(Format::Beaker(BeakerFormat {
        keys,
        timeout,
        cookie_max_age,
    }))
}

#[cfg(feature = "iron")]
fn iron_of(o: &Obj<'_>) -> Result<Format, OptionError> {
    use crate::iron::IronPasswords;
    use crate::IronFormat;
    let iron = o.child("iron")?;
    let path = iron.path("password");
    let what = "must be a string of at least 32 characters or an {id: password} map with \\w+ ids";
    let passwords = match iron.get("password") {
        Some(p @ Value::String(_)) => {
            IronPasswords::new(&p.as_str().ok_or_else(|| err(&path, what))?)
        }
        Some(Value::Object(map)) => {
            let mut owned = Vec::new();
            for (id, p) in members(map) {
                owned.push((
                    String::from(id),
                    Value::of(p).as_str().ok_or_else(|| err(&path, what))?,
                ));
            }
            let pairs: Vec<(&str, &str)> = owned
                .iter()
                .map(|(i, p)| (i.as_str(), p.as_str()))
                .collect();
            match pairs.as_slice() {
                [] => return Err(err(&path, what)),
                [("", p)] => IronPasswords::new(p),
                _ => IronPasswords::rotating(&pairs),
            }
        }
        _ => return Err(err(&path, what)),
    };
    let passwords = passwords.map_err(|_| err(&path, what))?;
    Ok(Format::Iron(IronFormat { passwords }))
}

#[cfg(feature = "remix")]
fn remix_of(o: &Obj<'_>) -> Result<Format, OptionError> {
    use crate::remix::RemixSecrets;
    use crate::RemixFormat;
    let remix = o.child("remix")?;
    let path = remix.path("secrets");
    let what = "must be a non-empty array of non-empty strings";
    let Some(list @ Value::Array(_)) = remix.get("secrets") else {
        return Err(err(&path, what));
    };
    let owned: Option<Vec<String>> = list
        .items()
        .iter()
        .map(|s| s.as_str().filter(|s| !s.is_empty()))
        .collect();
    let owned = owned
        .filter(|s| !s.is_empty())
        .ok_or_else(|| err(&path, what))?;
    let secrets: Vec<&str> = owned.iter().map(String::as_str).collect();
    let secrets = RemixSecrets::new(&secrets).map_err(|_| err(&path, what))?;
    Ok(Format::Remix(RemixFormat { secrets }))
}

#[cfg(feature = "cookie-rs")]
fn cookie_rs_of(o: &Obj<'_>) -> Result<Format, OptionError> {
    use crate::cookie_rs::{CookieKey, Jar};
    use crate::CookieRsFormat;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    use base64::Engine;
    let k = o.child("cookieRs")?;
    let jar = match k.string("jar")?.as_deref() {
        None | Some("private") => Jar::Private,
        Some("signed") => Jar::Signed,
        Some(_) => return Err(err(&k.path("jar"), "must be \"private\" or \"signed\"")),
    };
    let key = match (k.string("key")?, k.string("masterKey")?) {
        (Some(key), _) => {
            let text = key.trim_end_matches('=');
            let raw = STANDARD
                .decode(text)
                .or_else(|_| STANDARD_NO_PAD.decode(text))
                .or_else(|_| URL_SAFE_NO_PAD.decode(text))
                .map_err(|_| err(&k.path("key"), "must be base64 of 64 bytes"))?;
            CookieKey::from_bytes(&raw)
                .map_err(|_| err(&k.path("key"), "must be base64 of 64 bytes"))?
        }
        (None, Some(master)) => CookieKey::derive_from(master.as_bytes())
            .map_err(|_| err(&k.path("masterKey"), "must be at least 32 bytes"))?,
        (None, None) => {
            let mut path = String::from(k.prefix.trim_end_matches('.'));
            if path.is_empty() {
                path = String::from("cookieRs");
            }
            return Err(err(
                &path,
                "needs key (base64 of 64 bytes) or masterKey (at least 32 bytes)",
            ));
        }
    };
    Ok(Format::CookieRs(CookieRsFormat { key, jar }))
}
