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

/// Random bytes drawn from a source a block at a time: one call into the
/// platform serves many nonces and ids (in Node each `getRandomValues` call
/// costs microseconds). Each byte is handed out once and wiped from the pool;
/// requests over a quarter of a block go to the source directly. The unused
/// bytes live in memory between requests: a runtime that snapshots memory and
/// restores it more than once must not hold a filled pool in the snapshot.
///
/// ```
/// use edge_session::{OsRandom, Random, RandomPool};
/// let mut pool = RandomPool::new(OsRandom);
/// let (mut a, mut b) = ([0u8; 12], [0u8; 12]);
/// pool.fill(&mut a).unwrap();
/// pool.fill(&mut b).unwrap();
/// assert_ne!(a, b);
/// ```
pub struct RandomPool<R> {
    source: R,
    block: [u8; POOL],
    // The bytes from `at` on are unused; the ones before it are zero.
    at: usize,
}

const POOL: usize = 256;

impl<R: Random> RandomPool<R> {
    /// An empty pool: the first request fills it.
    pub const fn new(source: R) -> Self {
        RandomPool {
            source,
            block: [0; POOL],
            at: POOL,
        }
    }
}

impl<R: Random> Random for RandomPool<R> {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        if buf.len() > POOL / 4 {
            return self.source.fill(buf);
        }
        if POOL - self.at < buf.len() {
            // Empty until the source has filled all of it: a failed or
            // partial fill never serves a byte.
            self.block.fill(0);
            self.at = POOL;
            self.source.fill(&mut self.block)?;
            self.at = 0;
        }
        let end = self.at + buf.len();
        let taken = &mut self.block[self.at..end];
        buf.copy_from_slice(taken);
        taken.fill(0);
        self.at = end;
        Ok(())
    }
}

// The pool's bytes are future nonces and ids: never printed.
impl<R> core::fmt::Debug for RandomPool<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("RandomPool { .. }")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts calls and hands out 1, 2, 3...
    struct Counter {
        calls: usize,
        next: u8,
    }

    impl Random for Counter {
        fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
            self.calls += 1;
            for b in buf {
                self.next = self.next.wrapping_add(1);
                *b = self.next;
            }
            Ok(())
        }
    }

    #[test]
    fn a_pool_hands_out_each_byte_once_a_block_per_call() {
        let mut pool = RandomPool::new(Counter { calls: 0, next: 0 });
        let mut seen = alloc::vec::Vec::new();
        for _ in 0..40 {
            let mut b = [0u8; 12];
            pool.fill(&mut b).unwrap();
            seen.extend_from_slice(&b);
        }
        // 480 bytes: two blocks; the 4 bytes left in the first are never used.
        assert_eq!(pool.source.calls, 2);
        let expected: alloc::vec::Vec<u8> = (1..=252u32)
            .chain(257..=484)
            .map(|n| (n % 256) as u8)
            .collect();
        assert_eq!(seen, expected);
        assert!(
            pool.block[..pool.at].iter().all(|&b| b == 0),
            "used bytes are wiped"
        );
        let mut big = [0u8; 65];
        pool.fill(&mut big).unwrap();
        assert_eq!(pool.source.calls, 3, "a large request goes to the source");
        let err = RandomPool::new(Failing).fill(&mut [0u8; 4]);
        assert_eq!(err, Err(RandomError));
    }

    struct Failing;

    impl Random for Failing {
        fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
            buf[0] = 7; // a partial fill, then the failure
            Err(RandomError)
        }
    }

    #[test]
    fn a_failed_refill_serves_nothing_later() {
        /// Fills once, then writes part of a block and fails.
        struct Flaky(usize);
        impl Random for Flaky {
            fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
                self.0 += 1;
                buf.fill(if self.0 == 1 { 1 } else { 7 });
                if self.0 == 1 {
                    Ok(())
                } else {
                    Err(RandomError)
                }
            }
        }
        let mut pool = RandomPool::new(Flaky(0));
        for _ in 0..21 {
            pool.fill(&mut [0u8; 12]).unwrap(); // 252 of 256 bytes used
        }
        assert_eq!(pool.fill(&mut [0u8; 8]), Err(RandomError));
        let mut four = [0u8; 4];
        assert_eq!(
            pool.fill(&mut four),
            Err(RandomError),
            "no byte of the failed fill, {four:?}"
        );
    }
}
