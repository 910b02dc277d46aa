//! Where a JSON object or array ends, from its brackets and strings alone.
//!
//! No grammar: for text a JSON serializer wrote, or that a JSON parser reads
//! next. With wasm SIMD (the package's build) it reads 64 bytes at a time:
//! quotes that no backslash escapes delimit strings (a running XOR of their
//! bits), and only the brackets outside strings are visited one by one.
//! Elsewhere it reads byte by byte ([`value_end_bytewise`]); both give the
//! same answer on every input.

use super::{string_run, JsonError};

/// The index just past the object or array that opens at `b[start]`, nested
/// at most `max_depth` deep (its own brackets count as one; at most
/// [`super::MAX_DEPTH`]). Brackets must pair up, strings must close, and a
/// backslash outside a string is refused; nothing else is checked.
///
/// ```
/// use edge_session::json::{value_end, JsonError};
/// let text = br#"{"a":["}",{"b":"\"]"}]} ,"next":1"#;
/// assert_eq!(value_end(text, 0, 8), Ok(23));
/// assert_eq!(value_end(b"[{]}", 0, 8), Err(JsonError::Syntax));
/// assert_eq!(value_end(b"[[[]]]", 0, 2), Err(JsonError::TooDeep));
/// assert_eq!(value_end(br#"{"a":"}"#, 0, 8), Err(JsonError::Syntax)); // a string left open
/// ```
pub fn value_end(b: &[u8], start: usize, max_depth: usize) -> Result<usize, JsonError> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    return blocks::value_end(b, start, max_depth);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    value_end_bytewise(b, start, max_depth)
}

/// [`value_end`] read byte by byte: what it does without wasm SIMD, and the
/// reference its SIMD reading is tested against.
///
/// ```
/// use edge_session::json::{value_end, value_end_bytewise};
/// let text = br#"[1, {"x": "\\"}, "]"] tail"#;
/// assert_eq!(value_end_bytewise(text, 0, 8), value_end(text, 0, 8));
/// ```
pub fn value_end_bytewise(b: &[u8], start: usize, max_depth: usize) -> Result<usize, JsonError> {
    let mut stack = Stack::new(b, start, max_depth)?;
    let mut i = start;
    loop {
        let c = *b.get(i).ok_or(JsonError::Syntax)?;
        i += 1;
        match c {
            b'"' => i = string_close(b, i).ok_or(JsonError::Syntax)?,
            b'{' | b'[' => stack.push(c)?,
            b'}' | b']' => {
                stack.pop(c)?;
                if stack.depth == 0 {
                    return Ok(i);
                }
            }
            b'\\' => return Err(JsonError::Syntax),
            _ => {}
        }
    }
}

/// Just past the quote that closes a string whose content starts at `i`,
/// without its grammar: a backslash escapes the byte after it, whatever it is.
pub(crate) fn string_close(b: &[u8], mut i: usize) -> Option<usize> {
    loop {
        i += string_run(b.get(i..)?);
        match b.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
}

/// The open brackets, one bit each (1 for `{`).
struct Stack {
    open: u128,
    depth: usize,
    max: usize,
}

impl Stack {
    fn new(b: &[u8], start: usize, max_depth: usize) -> Result<Stack, JsonError> {
        if !matches!(b.get(start), Some(b'{' | b'[')) {
            return Err(JsonError::Syntax);
        }
        Ok(Stack {
            open: 0,
            depth: 0,
            max: max_depth.min(super::MAX_DEPTH),
        })
    }

    fn push(&mut self, c: u8) -> Result<(), JsonError> {
        if self.depth == self.max {
            return Err(JsonError::TooDeep);
        }
        self.depth += 1;
        self.open = (self.open << 1) | u128::from(c == b'{');
        Ok(())
    }

    fn pop(&mut self, c: u8) -> Result<(), JsonError> {
        if self.depth == 0 || (self.open & 1 == 1) != (c == b'}') {
            return Err(JsonError::Syntax);
        }
        self.open >>= 1;
        self.depth -= 1;
        Ok(())
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod blocks {
    use super::{JsonError, Stack};
    use crate::simd::load;
    use core::arch::wasm32::{u8x16_bitmask, u8x16_eq, u8x16_splat, v128, v128_or};

    pub fn value_end(b: &[u8], start: usize, max_depth: usize) -> Result<usize, JsonError> {
        let mut stack = Stack::new(b, start, max_depth)?;
        // All ones when the last block ended inside a string.
        let mut inside_before = 0u64;
        // 1 when the last block ended with a backslash that escapes.
        let mut escape_before = 0u64;
        let mut base = start;
        while let Some(rest) = b.get(base..).filter(|r| !r.is_empty()) {
            let mut padded = [b' '; 64];
            let (block, valid) = match rest.first_chunk::<64>() {
                Some(block) => (block, u64::MAX),
                None => {
                    padded[..rest.len()].copy_from_slice(rest);
                    (&padded, (1u64 << rest.len()) - 1)
                }
            };
            let (quote, backslash, bracket) = classify(block);
            let escaped = escapes(backslash, &mut escape_before);
            let inside = prefix_xor(quote & !escaped) ^ inside_before;
            inside_before = ((inside as i64) >> 63) as u64;
            // Up to the first backslash outside a string: the reading is exact there.
            let stray = backslash & !inside & valid;
            let upto = if stray == 0 {
                valid
            } else {
                (1u64 << stray.trailing_zeros()) - 1
            };
            let mut brackets = bracket & !inside & upto;
            while brackets != 0 {
                let i = brackets.trailing_zeros() as usize;
                brackets &= brackets - 1;
                let c = block[i];
                if c == b'{' || c == b'[' {
                    stack.push(c)?;
                } else {
                    stack.pop(c)?;
                    if stack.depth == 0 {
                        return Ok(base + i + 1);
                    }
                }
            }
            if stray != 0 {
                return Err(JsonError::Syntax);
            }
            base += 64;
        }
        Err(JsonError::Syntax)
    }

    /// Bit i set where byte i is `"`, `\`, or a bracket (`{`, `}`, `[`, `]`).
    #[inline(always)]
    fn classify(block: &[u8; 64]) -> (u64, u64, u64) {
        let (mut quote, mut backslash, mut bracket) = (0u64, 0u64, 0u64);
        for (k, part) in block.chunks_exact(16).enumerate() {
            let v = load(part);
            let bits = |m: v128| u64::from(u8x16_bitmask(m)) << (16 * k);
            quote |= bits(u8x16_eq(v, u8x16_splat(b'"')));
            backslash |= bits(u8x16_eq(v, u8x16_splat(b'\\')));
            // `{` and `[` differ in one bit (0x20), as do `}` and `]`.
            let folded = v128_or(v, u8x16_splat(0x20));
            bracket |= bits(v128_or(
                u8x16_eq(folded, u8x16_splat(b'{')),
                u8x16_eq(folded, u8x16_splat(b'}')),
            ));
        }
        (quote, backslash, bracket)
    }

    /// The bytes a backslash escapes: each backslash that is not itself
    /// escaped escapes the next byte (the first of the next block, at bit 63).
    fn escapes(backslash: u64, before: &mut u64) -> u64 {
        let mut escaped = *before;
        *before = 0;
        let mut rest = backslash;
        while rest != 0 {
            let i = rest.trailing_zeros();
            rest &= rest - 1;
            if escaped >> i & 1 == 1 {
                continue;
            }
            if i == 63 {
                *before = 1;
            } else {
                escaped |= 1 << (i + 1);
            }
        }
        escaped
    }

    /// Bit i of the result is the XOR of bits 0..=i: set inside strings
    /// (from the opening quote up to, not including, the closing one).
    #[inline(always)]
    fn prefix_xor(mut x: u64) -> u64 {
        x ^= x << 1;
        x ^= x << 2;
        x ^= x << 4;
        x ^= x << 8;
        x ^= x << 16;
        x ^= x << 32;
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_and_refusals() {
        let ok: &[(&[u8], usize)] = &[
            (b"{}", 2),
            (b"[]", 2),
            (br#"{"a":"]}\"\\"} x"#, 14),
            (br#"[["\\\\"],{"}":"{"}]"#, 20),
            (b"{\"\xc3\xa9\"}", 6),
        ];
        for &(text, end) in ok {
            assert_eq!(value_end(text, 0, 8), Ok(end), "{:?}", text);
        }
        let bad: &[&[u8]] = &[
            b"",
            b"x",
            b"{",
            b"[}",
            b"{]",
            br#"{"a}"#,
            br#"{"\"}"#,
            br#"{\"a":1}"#,
            br#"{"a":1\}"#,
        ];
        for &text in bad {
            assert_eq!(value_end(text, 0, 8), Err(JsonError::Syntax), "{:?}", text);
        }
        assert_eq!(value_end(b"[[[]]]", 0, 3), Ok(6));
        assert_eq!(value_end(b"[[[]]]", 0, 2), Err(JsonError::TooDeep));
        assert_eq!(value_end(b"x[1]", 1, 2), Ok(4));
    }
}
