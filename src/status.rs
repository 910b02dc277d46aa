//! The lifecycle's shared vocabulary: why a session loaded as it did, and why
//! a load or save could not go ahead. Foreign formats and the bindings use
//! these too, so they live apart from the lifecycle itself.

use core::fmt;

use crate::{DecodeError, RandomError};

/// Why the loaded session is what it is.
///
/// ```
/// use edge_session::Status;
/// assert_eq!(Status::Unavailable.as_str(), "unavailable");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// No cookie came in.
    New,
    /// The cookie opened and the session is current.
    Valid,
    /// The cookie was authentic but past its expiry, idle or absolute timeout.
    Expired,
    /// The cookie was forged, tampered, malformed or from an unknown key.
    Invalid,
    /// The store no longer holds the session the cookie names.
    Stale,
    /// The store did not give the session the cookie names, but may still
    /// hold it: it failed, or has not yet seen the newest write. The session
    /// is empty and refuses to save changes, so nothing newer is overwritten.
    Unavailable,
    /// The session was revoked: logged out elsewhere, or signed out everywhere.
    Revoked,
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
            Status::Unavailable => "unavailable",
            Status::Revoked => "revoked",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a session loaded as new, expired, invalid, stale or unavailable.
/// [`as_str`](Self::as_str) gives the stable code that `session.reason`
/// shows in JS, the README's status table lists and the typings enumerate.
///
/// ```
/// use edge_session::{DecodeError, Reason};
/// assert_eq!(Reason::StoreLagging.as_str(), "store_lagging");
/// assert_eq!(Reason::from(DecodeError::BadTag), Reason::BadTag);
/// assert_eq!(Reason::from_code("missing"), Some(Reason::Missing));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Not a value of the format: truncated, not base64, wrong layout.
    Malformed,
    /// Written by a newer format version.
    UnsupportedVersion,
    /// Sealed or signed by a key that is not in the ring.
    UnknownKey,
    /// The AEAD tag or MAC did not verify (also a value moved to another cookie name).
    BadTag,
    /// Authentic, but past its expiry (or a legacy cookie past its cut-off).
    Expired,
    /// Authentic, but idle longer than the idle timeout.
    IdleTimeout,
    /// Authentic, but older than the absolute timeout.
    AbsoluteTimeout,
    /// Larger than the decoder accepts.
    TooLarge,
    /// The payload is not a JSON object.
    NotObject,
    /// The JSON nests deeper than the decoder accepts.
    TooDeep,
    /// A store reference, but no store is configured.
    NoStore,
    /// The store no longer holds the session the cookie names.
    Missing,
    /// The store has not yet seen the write the cookie names.
    StoreLagging,
    /// The store read failed.
    StoreFailed,
    /// The store holds other bytes than the cookie's digest names.
    DigestMismatch,
    /// The store blob belongs to another session id.
    IdMismatch,
    /// Beaker, React Router, cookie-rs signed jar: the signature did not verify.
    BadSignature,
    /// A pickled Beaker session: pickle is never deserialised.
    PickleUnsupported,
    /// iron: the seal's HMAC did not verify.
    BadMac,
    /// iron: the seal names a password id that is not configured.
    UnknownPassword,
    /// Logged out (destroy, regenerate, revokeSession): a copy of its cookie.
    Revoked,
    /// Signed out everywhere (revokeAll) after it started.
    SignedOut,
    /// The revocation records could not be read (fail-closed).
    RevocationFailed,
}

impl Reason {
    /// Every reason, in declaration order.
    pub const ALL: [Reason; 23] = [
        Reason::Malformed,
        Reason::UnsupportedVersion,
        Reason::UnknownKey,
        Reason::BadTag,
        Reason::Expired,
        Reason::IdleTimeout,
        Reason::AbsoluteTimeout,
        Reason::TooLarge,
        Reason::NotObject,
        Reason::TooDeep,
        Reason::NoStore,
        Reason::Missing,
        Reason::StoreLagging,
        Reason::StoreFailed,
        Reason::DigestMismatch,
        Reason::IdMismatch,
        Reason::BadSignature,
        Reason::PickleUnsupported,
        Reason::BadMac,
        Reason::UnknownPassword,
        Reason::Revoked,
        Reason::SignedOut,
        Reason::RevocationFailed,
    ];

    /// The stable code, as `session.reason` shows it. Never changes once published.
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::Malformed => "malformed",
            Reason::UnsupportedVersion => "unsupported_version",
            Reason::UnknownKey => "unknown_key",
            Reason::BadTag => "bad_tag",
            Reason::Expired => "expired",
            Reason::IdleTimeout => "idle_timeout",
            Reason::AbsoluteTimeout => "absolute_timeout",
            Reason::TooLarge => "too_large",
            Reason::NotObject => "not_object",
            Reason::TooDeep => "too_deep",
            Reason::NoStore => "no_store",
            Reason::Missing => "missing",
            Reason::StoreLagging => "store_lagging",
            Reason::StoreFailed => "store_failed",
            Reason::DigestMismatch => "digest_mismatch",
            Reason::IdMismatch => "id_mismatch",
            Reason::BadSignature => "bad_signature",
            Reason::PickleUnsupported => "pickle_unsupported",
            Reason::BadMac => "bad_mac",
            Reason::UnknownPassword => "unknown_password",
            Reason::Revoked => "revoked",
            Reason::SignedOut => "signed_out",
            Reason::RevocationFailed => "revocation_failed",
        }
    }

    /// The reason a code names, if any: the inverse of [`as_str`](Self::as_str).
    pub fn from_code(code: &str) -> Option<Reason> {
        Reason::ALL.into_iter().find(|r| r.as_str() == code)
    }
}

impl From<DecodeError> for Reason {
    fn from(e: DecodeError) -> Self {
        match e {
            DecodeError::Malformed => Reason::Malformed,
            DecodeError::UnsupportedVersion => Reason::UnsupportedVersion,
            DecodeError::UnknownKey => Reason::UnknownKey,
            DecodeError::BadTag => Reason::BadTag,
            DecodeError::Expired => Reason::Expired,
            DecodeError::IdleTimeout => Reason::IdleTimeout,
            DecodeError::AbsoluteTimeout => Reason::AbsoluteTimeout,
            DecodeError::TooLarge => Reason::TooLarge,
            DecodeError::NotObject => Reason::NotObject,
            DecodeError::TooDeep => Reason::TooDeep,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Earliest clock reading accepted: 2020-01-01. A clock that reads earlier is
/// broken (`performance.now()`, NaN, zero), and expiry checks against it would
/// accept every expired cookie.
pub const MIN_PLAUSIBLE_TIME: u64 = 1_577_836_800;
/// Latest clock reading accepted: 9999-12-31.
pub const MAX_PLAUSIBLE_TIME: u64 = 253_402_300_799;

/// Checks a clock reading in Unix seconds.
///
/// ```
/// use edge_session::{status::check_clock, ClockError};
/// assert_eq!(check_clock(1_700_000_000), Ok(1_700_000_000));
/// assert_eq!(check_clock(12), Err(ClockError));
/// ```
pub fn check_clock(now: u64) -> Result<u64, ClockError> {
    if (MIN_PLAUSIBLE_TIME..=MAX_PLAUSIBLE_TIME).contains(&now) {
        Ok(now)
    } else {
        Err(ClockError)
    }
}

/// The clock handed in is not a plausible Unix time.
///
/// ```
/// assert!(edge_session::ClockError.to_string().contains("Unix"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockError;

impl fmt::Display for ClockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the clock is not a plausible Unix time (2020 to 9999)")
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ClockError {}

/// Why a load could not finish. Client input never causes one.
///
/// ```
/// use edge_session::LoadError;
/// assert_eq!(LoadError::Clock.code(), "invalid_clock");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// No random bytes for a new session id.
    Random,
    /// The clock is broken.
    Clock,
}

impl LoadError {
    /// The error code, as `SessionError.code` shows it.
    ///
    /// ```
    /// # use edge_session::LoadError;
    /// assert_eq!(LoadError::Random.code(), "random_failed");
    /// ```
    pub const fn code(self) -> &'static str {
        match self {
            LoadError::Random => "random_failed",
            LoadError::Clock => "invalid_clock",
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Random => f.write_str("no random bytes for a session id"),
            LoadError::Clock => ClockError.fmt(f),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for LoadError {}

impl From<RandomError> for LoadError {
    fn from(_: RandomError) -> Self {
        LoadError::Random
    }
}

impl From<ClockError> for LoadError {
    fn from(_: ClockError) -> Self {
        LoadError::Clock
    }
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
    /// The clock is broken.
    Clock,
    /// The session loaded as [`Status::Unavailable`]: saving changes to it
    /// could overwrite newer data. Regenerate or destroy it instead.
    Unavailable,
    /// While this request ran, another one destroyed the session in a
    /// compare-and-swap store.
    Ended,
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
            SaveError::Clock => "invalid_clock",
            SaveError::Unavailable => "session_unavailable",
            SaveError::Ended => "session_ended",
        }
    }
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaveError::TooLarge { size, limit } => write!(
                f,
                "session too large for a cookie: {size} bytes of Set-Cookie, limit {limit}"
            ),
            SaveError::Data(e) => write!(f, "session data rejected: {e}"),
            SaveError::Random => f.write_str("no random bytes for a nonce or id"),
            SaveError::Clock => ClockError.fmt(f),
            SaveError::Unavailable => f.write_str(
                "the session is unavailable (the store failed or lags): changes are not saved",
            ),
            SaveError::Ended => f.write_str("another request destroyed the session meanwhile"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SaveError {}

impl From<RandomError> for SaveError {
    fn from(_: RandomError) -> Self {
        SaveError::Random
    }
}

impl From<crate::envelope::SealError> for SaveError {
    fn from(e: crate::envelope::SealError) -> Self {
        match e {
            crate::envelope::SealError::Random => SaveError::Random,
            // Only a cookie name that skipped validation is this long.
            crate::envelope::SealError::ContextTooLong { len, max } => SaveError::TooLarge {
                size: len,
                limit: max,
            },
        }
    }
}

impl From<ClockError> for SaveError {
    fn from(_: ClockError) -> Self {
        SaveError::Clock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_are_unique_and_round_trip() {
        for (i, r) in Reason::ALL.iter().enumerate() {
            assert_eq!(Reason::from_code(r.as_str()), Some(*r));
            assert!(Reason::ALL[..i].iter().all(|o| o.as_str() != r.as_str()));
        }
        assert_eq!(Reason::from_code("nope"), None);
    }

    #[test]
    fn decode_errors_keep_their_codes() {
        use DecodeError::*;
        for e in [
            Malformed,
            UnsupportedVersion,
            UnknownKey,
            BadTag,
            Expired,
            IdleTimeout,
            AbsoluteTimeout,
            TooLarge,
            NotObject,
            TooDeep,
        ] {
            assert_eq!(Reason::from(e).as_str(), e.reason());
        }
    }

    // The codes are published: the typings' SessionReason and the README's
    // status table list every one.
    #[test]
    fn reasons_are_documented() {
        let types = include_str!("../pkg-template/index.d.ts");
        let start = types.find("export type SessionReason").unwrap();
        let end = start + types[start..].find(';').unwrap();
        let readme = include_str!("../README.md");
        let table = readme.find("## Status and reason").unwrap();
        let table = &readme[table..table + readme[table..].find("\n## ").unwrap()];
        for r in Reason::ALL {
            let quoted = alloc::format!("\"{r}\"");
            let code = alloc::format!("`{r}`");
            assert!(
                types[start..end].contains(&quoted),
                "{r} not in SessionReason"
            );
            assert!(
                table.contains(&code),
                "{r} not in the README's status table"
            );
        }
    }
}
