//! Randomness is passed in: the core owns no RNG.
//!
//! [`Random`] is what the core asks for (nonces, session ids). Under `std`
//! and on wasm, [`OsRandom`] fills it from `getrandom` (the `wasm_js`
//! backend: `crypto.getRandomValues`). Nothing here runs at module load, which
//! workerd forbids.

/// A source of cryptographically secure random bytes.
///
/// ```
/// use edge_session::Random;
/// struct Counter(u8);
/// impl Random for Counter {
///     fn fill(&mut self, buf: &mut [u8]) -> Result<(), edge_session::RandomError> {
///         for b in buf { self.0 = self.0.wrapping_add(1); *b = self.0; }
///         Ok(())
///     }
/// }
/// let mut r = Counter(0);
/// let mut b = [0u8; 3];
/// r.fill(&mut b).unwrap();
/// assert_eq!(b, [1, 2, 3]);
/// ```
pub trait Random {
    /// Fills `buf` with random bytes.
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError>;
}

/// The platform could not supply random bytes.
///
/// ```
/// assert_eq!(edge_session::RandomError.reason(), "random_failed");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RandomError;

impl RandomError {
    /// The error code.
    ///
    /// ```
    /// assert_eq!(edge_session::RandomError.reason(), "random_failed");
    /// ```
    pub const fn reason(self) -> &'static str {
        "random_failed"
    }
}

impl core::fmt::Display for RandomError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.reason())
    }
}

#[cfg(feature = "std")]
impl std::error::Error for RandomError {}

/// The operating system's (or the JS host's) CSPRNG, through `getrandom`.
///
/// ```
/// use edge_session::{OsRandom, Random};
/// let mut a = [0u8; 16];
/// OsRandom.fill(&mut a).unwrap();
/// assert_ne!(a, [0u8; 16]);
/// ```
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

#[cfg(feature = "std")]
impl Random for OsRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(buf).map_err(|_| RandomError)
    }
}
