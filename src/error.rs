//! The two error types: [`DecodeError`] for anything a client sends, and
//! [`ConfigError`] for what the application configured.
//!
//! Both carry only static text, never key material or input bytes, so they
//! are safe to log and cost no formatting code in the wasm build.

use core::fmt;

/// Why a value could not be opened. Returned for client input; never panics.
///
/// ```
/// use edge_session::DecodeError;
/// assert_eq!(DecodeError::BadTag.reason(), "bad_tag");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Not base64url, too short, or reserved bits set.
    Malformed,
    /// The first byte names a format version this build does not know.
    UnsupportedVersion,
    /// The key id matches no secret in the ring.
    UnknownKey,
    /// The MAC or the AEAD tag does not verify: forged, tampered, wrong name or purpose.
    BadTag,
    /// The authenticated expiry has passed.
    Expired,
    /// The idle timeout has passed since the value was issued.
    IdleTimeout,
    /// The absolute timeout has passed since the session started.
    AbsoluteTimeout,
    /// Larger than the configured limit.
    TooLarge,
    /// The payload is valid JSON but not an object, or not valid JSON.
    NotObject,
    /// Nested deeper than the configured limit.
    TooDeep,
}

impl DecodeError {
    /// A short, stable, snake_case reason, as `session.reason` shows it.
    ///
    /// ```
    /// use edge_session::DecodeError;
    /// assert_eq!(DecodeError::UnknownKey.reason(), "unknown_key");
    /// ```
    pub const fn reason(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnsupportedVersion => "unsupported_version",
            Self::UnknownKey => "unknown_key",
            Self::BadTag => "bad_tag",
            Self::Expired => "expired",
            Self::IdleTimeout => "idle_timeout",
            Self::AbsoluteTimeout => "absolute_timeout",
            Self::TooLarge => "too_large",
            Self::NotObject => "not_object",
            Self::TooDeep => "too_deep",
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for DecodeError {}

/// A configuration mistake: thrown at once, naming the option at fault.
///
/// ```
/// use edge_session::{ConfigError, KeyRing};
/// let err = KeyRing::new(&["too short"]).err().unwrap();
/// assert_eq!(err, ConfigError::SecretTooShort);
/// assert_eq!(err.option(), "secrets");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// No secret was given.
    NoSecrets,
    /// A secret is shorter than [`MIN_SECRET_LEN`](crate::MIN_SECRET_LEN) bytes.
    SecretTooShort,
    /// Two secrets are the same.
    DuplicateSecret,
    /// Two different secrets derive the same 4-byte key id (odds about 2^-32
    /// per pair): values could not say which one sealed them.
    KeyIdCollision,
    /// The cookie name is empty, longer than
    /// [`MAX_NAME_LEN`](crate::cookie::MAX_NAME_LEN), or not an RFC 6265 token.
    CookieName,
    /// `__Host-` requires Secure, Path=/ and no Domain.
    HostPrefix,
    /// `__Secure-` requires Secure.
    SecurePrefix,
    /// SameSite=None requires Secure.
    SameSiteNone,
    /// Partitioned requires Secure.
    Partitioned,
    /// The Domain attribute holds characters a cookie domain cannot have.
    Domain,
    /// The Path attribute is empty, not absolute, or holds `;` or control characters.
    Path,
    /// The cookie value holds characters outside RFC 6265 cookie-octets.
    CookieValue,
    /// `maxAge` is zero or out of range.
    Duration,
    /// `idleTimeout` is zero or out of range.
    IdleTimeout,
    /// `touchAfter` is zero or out of range.
    TouchAfter,
    /// `absoluteTimeout` is zero or out of range.
    AbsoluteTimeout,
    /// `inlineLimit` is out of range.
    InlineLimit,
    /// `limits.maxBytes` is out of range.
    MaxBytes,
    /// `limits.maxDepth` is out of range.
    MaxDepth,
    /// A store was configured with a foreign format, whose cookies stay inline.
    ForeignStore,
    /// A legacy cookie has the main cookie's name.
    LegacyName,
    /// A legacy entry names the native format.
    LegacyFormat,
    /// `revocation.prefix` is too long or holds control characters.
    RevocationPrefix,
    /// `revocation.subject` is empty, too long, or holds `"` or `\`.
    RevocationSubject,
    /// A store key prefix is too long or holds control characters.
    StorePrefix,
    /// A session id holds characters other than base64url or hex.
    SessionId,
}

impl ConfigError {
    /// The option at fault, as the JavaScript options spell it.
    ///
    /// ```
    /// use edge_session::ConfigError;
    /// assert_eq!(ConfigError::HostPrefix.option(), "cookie.name");
    /// ```
    pub const fn option(self) -> &'static str {
        match self {
            Self::NoSecrets
            | Self::SecretTooShort
            | Self::DuplicateSecret
            | Self::KeyIdCollision => "secrets",
            Self::CookieName | Self::HostPrefix | Self::SecurePrefix => "cookie.name",
            Self::SameSiteNone => "cookie.sameSite",
            Self::Partitioned => "cookie.partitioned",
            Self::Domain => "cookie.domain",
            Self::Path => "cookie.path",
            Self::CookieValue => "cookie value",
            Self::Duration => "maxAge",
            Self::IdleTimeout => "idleTimeout",
            Self::TouchAfter => "touchAfter",
            Self::AbsoluteTimeout => "absoluteTimeout",
            Self::InlineLimit => "inlineLimit",
            Self::MaxBytes => "limits.maxBytes",
            Self::MaxDepth => "limits.maxDepth",
            Self::ForeignStore => "store",
            Self::LegacyName => "legacy.cookie.name",
            Self::LegacyFormat => "legacy.format",
            Self::RevocationPrefix => "revocation.prefix",
            Self::RevocationSubject => "revocation.subject",
            Self::StorePrefix => "storePrefix",
            Self::SessionId => "id",
        }
    }

    /// A human sentence that says what is wrong, without echoing any value.
    ///
    /// ```
    /// use edge_session::ConfigError;
    /// assert!(ConfigError::SecretTooShort.message().contains("32 bytes"));
    /// ```
    pub const fn message(self) -> &'static str {
        match self {
            Self::NoSecrets => "secrets must list at least one secret",
            Self::SecretTooShort => "each secret in secrets must be at least 32 bytes",
            Self::DuplicateSecret => "secrets must not repeat a secret",
            Self::KeyIdCollision => {
                "two different secrets in secrets have the same key id by chance; \
                 either one works alone: drop one, or replace it with a new secret"
            }
            Self::CookieName => {
                "cookie.name must be a non-empty RFC 6265 token of at most 1024 bytes"
            }
            Self::HostPrefix => {
                "a __Host- cookie.name requires secure: true, path \"/\" and no domain"
            }
            Self::SecurePrefix => "a __Secure- cookie.name requires secure: true",
            Self::SameSiteNone => "cookie.sameSite \"None\" requires secure: true",
            Self::Partitioned => "cookie.partitioned requires secure: true",
            Self::Domain => "cookie.domain holds characters a cookie domain cannot have",
            Self::Path => "cookie.path must start with / and hold no ; or control characters",
            Self::CookieValue => "a cookie value holds characters outside RFC 6265 cookie-octets",
            Self::Duration => "maxAge must be whole seconds from 1 to 34560000 (400 days)",
            Self::IdleTimeout => "idleTimeout must be whole seconds from 1 to 34560000 (400 days)",
            Self::TouchAfter => "touchAfter must be whole seconds from 1 to 34560000 (400 days)",
            Self::AbsoluteTimeout => {
                "absoluteTimeout must be whole seconds from 1 to 315360000 (10 years)"
            }
            Self::InlineLimit => "inlineLimit must be from 64 to 8192 bytes",
            Self::MaxBytes => "limits.maxBytes must be from 64 to 16777216 bytes",
            Self::MaxDepth => "limits.maxDepth must be from 1 to 100",
            Self::ForeignStore => {
                "store is not supported with a foreign format: its cookies stay inline"
            }
            Self::RevocationPrefix => "revocation.prefix must be at most 128 printable characters",
            Self::RevocationSubject => {
                "revocation.subject must name a data member: 1 to 128 characters, no \" or \\"
            }
            Self::LegacyName => "legacy.cookie.name must differ from the session cookie's name",
            Self::LegacyFormat => {
                "legacy.format must be \"beaker\", \"iron\", \"remix\" or \"cookie-rs\""
            }
            Self::StorePrefix => "storePrefix must be at most 128 printable characters",
            Self::SessionId => "a session id must be 1-64 base64url or hex characters",
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ConfigError {}
