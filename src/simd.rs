//! Wasm SIMD helpers for the builds with `simd128` (the package's).

use core::arch::wasm32::{u64x2, v128};

/// The first sixteen bytes of `bytes` as a vector (zeros past its end): two
/// 8-byte loads, which the compiler makes one vector load of (this crate has
/// no unsafe code).
#[inline(always)]
pub(crate) fn load(bytes: &[u8]) -> v128 {
    let word = |i: usize| {
        bytes
            .get(i..i + 8)
            .and_then(|w| w.try_into().ok())
            .map_or(0, u64::from_le_bytes)
    };
    u64x2(word(0), word(8))
}
