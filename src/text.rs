//! Small text helpers shared by the cookie header, the formats and the
//! bindings: hex digits, decimal numbers, percent-decoding. Each exists once.

use alloc::string::String;
#[cfg(any(feature = "remix", feature = "cookie-rs"))]
use alloc::vec::Vec;

/// Lowercase hex digits.
// Used by some formats and the bindings only.
#[cfg_attr(
    not(any(feature = "beaker", feature = "iron", feature = "wasm")),
    allow(dead_code)
)]
pub(crate) const HEX: &[u8; 16] = b"0123456789abcdef";

/// The two lowercase hex digits of `b`.
#[cfg_attr(
    not(any(
        feature = "beaker",
        feature = "iron",
        all(feature = "wasm", feature = "foreign")
    )),
    allow(dead_code)
)]
pub(crate) fn hex_pair(b: u8) -> [u8; 2] {
    [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]
}

/// Appends `bytes` as lowercase hex.
#[cfg_attr(
    not(any(feature = "beaker", all(feature = "wasm", feature = "foreign"))),
    allow(dead_code)
)]
pub(crate) fn push_hex(out: &mut String, bytes: &[u8]) {
    for &b in bytes {
        let [hi, lo] = hex_pair(b);
        out.push(char::from(hi));
        out.push(char::from(lo));
    }
}

/// Appends `n` in decimal, without `core::fmt`.
pub(crate) fn push_u64(out: &mut String, n: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // ASCII digits: always UTF-8, copied at once.
    out.push_str(core::str::from_utf8(&buf[i..]).unwrap_or_default());
}

/// The value of one hex digit, either case.
#[cfg(any(feature = "remix", feature = "cookie-rs"))]
pub(crate) fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// What [`percent_decode`] does with a `%` not followed by two hex digits.
#[cfg(any(feature = "remix", feature = "cookie-rs"))]
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum BadEscape {
    /// Fail, as JavaScript's `decodeURIComponent` throws (React Router).
    #[cfg_attr(not(feature = "remix"), allow(dead_code))]
    Refuse,
    /// Keep it as is, as the `percent-encoding` crate does (cookie-rs).
    #[cfg_attr(not(feature = "cookie-rs"), allow(dead_code))]
    Keep,
}

/// Every `%XX` to its byte; `None` when the result is not UTF-8, or on a bad
/// escape under [`BadEscape::Refuse`].
#[cfg(any(feature = "remix", feature = "cookie-rs"))]
pub(crate) fn percent_decode(s: &str, bad: BadEscape) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let escaped = match (c, b.get(i + 1), b.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) => hex_value(h).zip(hex_value(l)),
            _ => None,
        };
        match escaped {
            Some((h, l)) => {
                out.push(h << 4 | l);
                i += 3;
            }
            None if c == b'%' && bad == BadEscape::Refuse => return None,
            None => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_hex() {
        let mut s = String::new();
        push_u64(&mut s, 0);
        s.push(' ');
        push_u64(&mut s, u64::MAX);
        s.push(' ');
        push_hex(&mut s, &[0x00, 0xab, 0xff]);
        assert_eq!(s, "0 18446744073709551615 00abff");
    }

    #[cfg(any(feature = "remix", feature = "cookie-rs"))]
    #[test]
    fn percent_decoding_both_ways() {
        assert_eq!(
            percent_decode("a%2Bb%3d", BadEscape::Refuse).as_deref(),
            Some("a+b=")
        );
        assert_eq!(percent_decode("%zz", BadEscape::Refuse), None);
        assert_eq!(percent_decode("%4", BadEscape::Refuse), None);
        assert_eq!(
            percent_decode("%zz%41%", BadEscape::Keep).as_deref(),
            Some("%zzA%")
        );
        assert_eq!(percent_decode("%ff", BadEscape::Keep), None);
        assert_eq!(
            percent_decode("%C3%A9", BadEscape::Keep).as_deref(),
            Some("é")
        );
    }
}
