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
