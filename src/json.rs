//! A strict JSON syntax check (RFC 8259) in one flat pass.
//!
//! It builds nothing and never recurses: open brackets are a bit stack, so
//! nesting is bounded by `max_depth` before it costs anything. It accepts what
//! `JSON.parse` accepts, lone `\u` surrogates included (`JSON.stringify`
//! writes them). Bytes inside strings are not checked as UTF-8 here; a caller
//! that needs text runs `core::str::from_utf8`.

use alloc::vec::Vec;
use core::ops::Range;

mod structure;
pub(crate) use structure::string_close;
pub use structure::{value_end, value_end_bytewise};

/// Why a text is not JSON within the depth bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonError {
    /// Not JSON (RFC 8259 grammar, whitespace around one value).
    Syntax,
    /// Objects and arrays nest deeper than allowed.
    TooDeep,
}

impl core::fmt::Display for JsonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            JsonError::Syntax => "not JSON",
            JsonError::TooDeep => "JSON nested too deep",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for JsonError {}

/// The deepest nesting [`check`] can track (one bit per open bracket).
pub const MAX_DEPTH: usize = 128;

/// Checks that `json` is one JSON value, with objects and arrays nested at
/// most `max_depth` deep (capped at [`MAX_DEPTH`]).
///
/// ```
/// use edge_session::json::{check, JsonError};
/// assert_eq!(check(br#" {"a": [1, -2.5e3, "\u00e9", true, null]} "#, 8), Ok(()));
/// assert_eq!(check(b"[[1]]", 1), Err(JsonError::TooDeep));
/// assert_eq!(check(b"{\"a\":01}", 8), Err(JsonError::Syntax));
/// assert_eq!(check(b"{} {}", 8), Err(JsonError::Syntax));
/// ```
pub fn check(json: &[u8], max_depth: usize) -> Result<(), JsonError> {
    Scan::new(json, max_depth, None)
        .run()
        .ok_or(JsonError::Syntax)?
}

/// [`check`], which also gives the top-level members of an object in the
/// same pass: each name's text (without its quotes, escapes as written) and
/// its value's text, as byte ranges of `json`.
///
/// ```
/// use edge_session::json::members;
/// let json = br#"{"a":[1,{"b":2}], "c" : "d"}"#;
/// let m = members(json, 8).unwrap();
/// assert_eq!(m.iter().map(|(k, v)| (&json[k.clone()], &json[v.clone()])).collect::<Vec<_>>(),
///            [(&b"a"[..], &br#"[1,{"b":2}]"#[..]), (b"c", br#""d""#)]);
/// ```
pub fn members(json: &[u8], max_depth: usize) -> Result<Vec<Member>, JsonError> {
    let mut out = Vec::new();
    Scan::new(json, max_depth, Some(&mut out))
        .run()
        .ok_or(JsonError::Syntax)??;
    Ok(out)
}

/// A member's name and value, as byte ranges of the text.
pub type Member = (Range<usize>, Range<usize>);

/// The length of the run of plain string bytes at the start of `b`: up to
/// the first quote, backslash or control character (or the end). Eight bytes
/// at a time: in a SWAR mask the lowest flagged byte is always a true match
/// (a borrow only runs upward from one), so its position is exact.
pub(crate) fn string_run(b: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // The high bit of each byte of `x` below `n` (n <= 128), and maybe of
    // bytes above such a byte.
    const fn below(x: u64, n: u8) -> u64 {
        x.wrapping_sub(ONES * n as u64) & !x & HIGHS
    }
    let mut chunks = b.chunks_exact(8);
    let mut i = 0;
    for chunk in &mut chunks {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let m = below(w ^ (ONES * b'"' as u64), 1)
            | below(w ^ (ONES * b'\\' as u64), 1)
            | below(w, 0x20);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + chunks
        .remainder()
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(b.len() - i)
}

// The scan keeps its position in locals, passed to and returned by the token
// readers below: a field would be stored back to memory at every step.
struct Scan<'a, 'o> {
    b: &'a [u8],
    max: usize,
    // Top-level members, when asked for; `key` is the one being read.
    out: Option<&'o mut Vec<Member>>,
    key: Option<Member>,
}

// `None` is a syntax error; `Some(Err(TooDeep))` is the depth bound.
impl<'a, 'o> Scan<'a, 'o> {
    fn new(b: &'a [u8], max_depth: usize, out: Option<&'o mut Vec<Member>>) -> Self {
        Scan {
            b,
            max: max_depth.min(MAX_DEPTH),
            out,
            key: None,
        }
    }

    fn run(&mut self) -> Option<Result<(), JsonError>> {
        let b = self.b;
        // One bit per open bracket, 1 for an object.
        let mut open: u128 = 0;
        let mut depth = 0usize;
        let mut i = ws(b, 0);
        loop {
            // A value starts here.
            match *b.get(i)? {
                c @ (b'{' | b'[') => {
                    if depth == self.max {
                        return Some(Err(JsonError::TooDeep));
                    }
                    depth += 1;
                    open = (open << 1) | u128::from(c == b'{');
                    i = ws(b, i + 1);
                    if *b.get(i)? == if c == b'{' { b'}' } else { b']' } {
                        i += 1;
                        open >>= 1;
                        depth -= 1;
                    } else {
                        if c == b'{' {
                            i = self.key(i, depth)?;
                        }
                        continue;
                    }
                }
                b'"' => i = string(b, i)?,
                b't' => i = word(b, i, b"true")?,
                b'f' => i = word(b, i, b"false")?,
                b'n' => i = word(b, i, b"null")?,
                b'-' | b'0'..=b'9' => i = number(b, i)?,
                _ => return None,
            }
            // After a value: close containers, or go on to the next value.
            loop {
                if depth == 1 {
                    if let (Some((name, start)), Some(out)) = (self.key.take(), &mut self.out) {
                        out.push((name, start.start..i));
                    }
                }
                i = ws(b, i);
                if depth == 0 {
                    return (i == b.len()).then_some(Ok(()));
                }
                let object = open & 1 == 1;
                match *b.get(i)? {
                    b',' => {
                        i = ws(b, i + 1);
                        if object {
                            i = self.key(i, depth)?;
                        }
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return None,
                }
                i += 1;
                open >>= 1;
                depth -= 1;
            }
        }
    }

    /// A member name and its colon at `i`; where its value starts.
    fn key(&mut self, i: usize, depth: usize) -> Option<usize> {
        let b = self.b;
        (*b.get(i)? == b'"').then_some(())?;
        let end = string(b, i)?;
        let colon = ws(b, end);
        (*b.get(colon)? == b':').then_some(())?;
        let value = ws(b, colon + 1);
        if depth == 1 {
            self.key = Some((i + 1..end - 1, value..value));
        }
        Some(value)
    }
}

/// Past any whitespace at `i`; inline, as between tokens there is mostly none.
#[inline(always)]
fn ws(b: &[u8], i: usize) -> usize {
    if matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        skip_ws(b, i)
    } else {
        i
    }
}

/// Past any JSON whitespace at `i`.
pub(crate) fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// Past the string whose opening quote is at `i`.
fn string(b: &[u8], i: usize) -> Option<usize> {
    let mut i = i + 1;
    loop {
        i += string_run(b.get(i..)?);
        match *b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => match *b.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'u' => {
                    let hex = b.get(i + 2..i + 6)?;
                    hex.iter().all(u8::is_ascii_hexdigit).then_some(())?;
                    i += 6;
                }
                _ => return None,
            },
            _ => return None, // a raw control character
        }
    }
}

fn word(b: &[u8], i: usize, w: &[u8]) -> Option<usize> {
    (b.get(i..i + w.len())? == w).then_some(i + w.len())
}

fn digits(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b'0'..=b'9')) {
        i += 1;
    }
    i
}

/// Past the number at `i`.
fn number(b: &[u8], mut i: usize) -> Option<usize> {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match *b.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i = digits(b, i + 1),
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        let end = digits(b, i + 1);
        (end > i + 1).then_some(())?;
        i = end;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let end = digits(b, i);
        (end > i).then_some(())?;
        i = end;
    }
    Some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        for ok in [
            &b"{}"[..],
            b"[]",
            b" \t\n\r{ \"a\" : [ ] , \"b\" : { } } \n",
            b"0",
            b"-0.0e+0",
            b"1E-7",
            b"\"\\ud800\"",
            b"\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"",
            b"[true,false,null]",
            "\"é\u{1F600}\"".as_bytes(),
        ] {
            assert_eq!(check(ok, 8), Ok(()), "{:?}", core::str::from_utf8(ok));
        }
        for bad in [
            &b""[..],
            b" ",
            b"{",
            b"{\"a\"}",
            b"{\"a\":}",
            b"{\"a\":1,}",
            b"[1,]",
            b"[,1]",
            b"{,}",
            b"{1:2}",
            b"01",
            b"-",
            b"1.",
            b".5",
            b"1e",
            b"+1",
            b"tru",
            b"nul",
            b"\"a",
            b"\"\\x\"",
            b"\"\\u12g4\"",
            b"\"\\u12\"",
            b"\"\x01\"",
            b"[1}",
            b"{\"a\":1]",
            b"{}}",
            b"[] []",
            b"NaN",
            b"'a'",
        ] {
            assert_eq!(
                check(bad, 8),
                Err(JsonError::Syntax),
                "{:?}",
                core::str::from_utf8(bad)
            );
        }
    }

    #[test]
    fn string_runs_stop_at_the_first_special_byte() {
        let plain = "abcdefghijklmnopqrstuvwxyzé\u{1F600}0123456789";
        for special in ["\"", "\\", "\u{0}", "\u{1f}", "\n"] {
            for at in 0..plain.len() {
                if !plain.is_char_boundary(at) {
                    continue;
                }
                let text = [&plain[..at], special, &plain[at..], "\""].concat();
                assert_eq!(string_run(text.as_bytes()), at, "{text:?}");
            }
        }
        assert_eq!(string_run(plain.as_bytes()), plain.len());
        assert_eq!(string_run(b"\x7f\x80\xff \"\x01"), 4);
    }

    #[test]
    fn depth() {
        assert_eq!(check(b"[[[]]]", 3), Ok(()));
        assert_eq!(check(b"[[[]]]", 2), Err(JsonError::TooDeep));
        assert_eq!(check(b"{\"a\":{\"b\":{}}}", 2), Err(JsonError::TooDeep));
        assert_eq!(check(b"\"[[[\"", 0), Ok(()));
        let deep = [b'['; 10_000];
        assert_eq!(check(&deep, 10_000), Err(JsonError::TooDeep));
        let mut max = [b'['; 2 * MAX_DEPTH];
        max[MAX_DEPTH..].fill(b']');
        assert_eq!(check(&max, MAX_DEPTH), Ok(()));
    }
}
