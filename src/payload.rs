//! The payload rules: a JSON object, bounded in size and nesting depth.
//!
//! Syntax and depth are checked in one flat pass ([`crate::json`]), so
//! hostile input never drives recursion and no value is built.

use alloc::string::String;
use alloc::vec::Vec;

use crate::json::skip_ws;
use crate::{json, DecodeError};

/// Bounds on what a decoder accepts.
///
/// ```
/// use edge_session::Limits;
/// let l = Limits::default();
/// assert!(l.max_bytes >= 4096 && l.max_depth >= 8);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest payload accepted, in bytes, after decryption.
    pub max_bytes: usize,
    /// Deepest nesting of objects and arrays accepted (the top object is 1).
    pub max_depth: usize,
}

/// Deepest nesting the JSON parser can take; `max_depth` is capped here.
pub const MAX_DEPTH_CEILING: usize = 100;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 256 * 1024,
            max_depth: 32,
        }
    }
}

/// Checks that `json` is a JSON object within `limits`.
///
/// ```
/// use edge_session::{payload, DecodeError, Limits};
/// let l = Limits::default();
/// assert!(payload::check_object(br#"{"a":[1,{"b":2}]}"#, &l).is_ok());
/// assert_eq!(payload::check_object(b"[1]", &l), Err(DecodeError::NotObject));
/// let deep = "[".repeat(50);
/// assert_eq!(payload::check_object(format!("{{\"a\":{deep}").as_bytes(), &l), Err(DecodeError::TooDeep));
/// ```
pub fn check_object(json: &[u8], limits: &Limits) -> Result<(), DecodeError> {
    check_start(json, limits)?;
    json::check(json, limits.max_depth.min(MAX_DEPTH_CEILING)).map_err(decode_error)
}

/// [`check_object`] and [`members`] in one pass over UTF-8 text: the
/// top-level members of a JSON object within `limits` (names without their
/// quotes, values as written).
///
/// ```
/// use edge_session::{payload, DecodeError, Limits};
/// let m = payload::checked_members(br#"{"i":"x","d":{"a":1}}"#, &Limits::default()).unwrap();
/// assert_eq!(m, [("i", "\"x\""), ("d", r#"{"a":1}"#)]);
/// assert_eq!(payload::checked_members(br#"{"i":}"#, &Limits::default()), Err(DecodeError::NotObject));
/// ```
pub fn checked_members<'a>(
    json: &'a [u8],
    limits: &Limits,
) -> Result<Vec<(&'a str, &'a str)>, DecodeError> {
    check_start(json, limits)?;
    let spans =
        json::members(json, limits.max_depth.min(MAX_DEPTH_CEILING)).map_err(decode_error)?;
    let text = core::str::from_utf8(json).map_err(|_| DecodeError::Malformed)?;
    spans
        .into_iter()
        .map(|(k, v)| Some((text.get(k)?, text.get(v)?)))
        .collect::<Option<Vec<_>>>()
        .ok_or(DecodeError::Malformed)
}

/// [`checked_members`] for a reader that parses some members' values itself
/// with a strict JSON parser (the JavaScript package, with `JSON.parse`).
/// The values of the members named in `parsed`, when objects or arrays, are
/// checked for structure only ([`json::value_end`]: brackets paired, strings
/// closed, within the depth limit), so nothing in them can end the object
/// early; every other value and every name is checked as
/// [`checked_members`] checks it. Text that both refuse may be refused
/// for another reason (a value too deep before a syntax error in it is
/// [`DecodeError::TooDeep`] here, bytes that are not UTF-8 are
/// [`DecodeError::Malformed`]).
///
/// ```
/// use edge_session::{payload, DecodeError, Limits};
/// let l = Limits::default();
/// let m = payload::members_parsed_by_reader(br#"{"i":"x","d":{"a":tru}}"#, &l, &["d"]).unwrap();
/// assert_eq!(m, [("i", "\"x\""), ("d", r#"{"a":tru}"#)]);
/// // Not parsed by the reader: checked here.
/// assert_eq!(payload::members_parsed_by_reader(br#"{"i":tru,"d":{}}"#, &l, &["d"]), Err(DecodeError::NotObject));
/// // Structure is checked everywhere.
/// assert_eq!(payload::members_parsed_by_reader(br#"{"d":{"a":"}}"#, &l, &["d"]), Err(DecodeError::NotObject));
/// ```
pub fn members_parsed_by_reader<'a>(
    json: &'a [u8],
    limits: &Limits,
    parsed: &[&str],
) -> Result<Vec<(&'a str, &'a str)>, DecodeError> {
    const BAD: DecodeError = DecodeError::NotObject;
    check_start(json, limits)?;
    if limits.max_depth == 0 {
        return Err(DecodeError::TooDeep);
    }
    let text = core::str::from_utf8(json).map_err(|_| DecodeError::Malformed)?;
    // The members' values nest one level below the object.
    let inner = limits.max_depth.min(MAX_DEPTH_CEILING) - 1;
    let mut out = Vec::new();
    let mut i = skip_ws(json, skip_ws(json, 0) + 1);
    if json.get(i) == Some(&b'}') {
        i += 1;
    } else {
        loop {
            let name_end = match json.get(i) {
                Some(b'"') => string_end(json, i).ok_or(BAD)?,
                _ => return Err(BAD),
            };
            json::check(&json[i..name_end], 0).map_err(decode_error)?;
            let name = text.get(i + 1..name_end - 1).ok_or(BAD)?;
            i = skip_ws(json, name_end);
            if json.get(i) != Some(&b':') {
                return Err(BAD);
            }
            let start = skip_ws(json, i + 1);
            let end = if matches!(json.get(start), Some(b'{' | b'[')) {
                let end = json::value_end(json, start, inner).map_err(decode_error)?;
                if !parsed.contains(&name) {
                    json::check(&json[start..end], inner).map_err(decode_error)?;
                }
                end
            } else {
                let end = value_end(json, start).ok_or(BAD)?;
                json::check(&json[start..end], inner).map_err(decode_error)?;
                end
            };
            out.push((name, text.get(start..end).ok_or(BAD)?));
            i = skip_ws(json, end);
            match json.get(i) {
                Some(b',') => i = skip_ws(json, i + 1),
                Some(b'}') => {
                    i += 1;
                    break;
                }
                _ => return Err(BAD),
            }
        }
    }
    if skip_ws(json, i) != json.len() {
        return Err(BAD);
    }
    Ok(out)
}

fn check_start(json: &[u8], limits: &Limits) -> Result<(), DecodeError> {
    if json.len() > limits.max_bytes {
        return Err(DecodeError::TooLarge);
    }
    let first = json
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if first != Some(&b'{') {
        return Err(DecodeError::NotObject);
    }
    Ok(())
}

fn decode_error(e: json::JsonError) -> DecodeError {
    match e {
        json::JsonError::TooDeep => DecodeError::TooDeep,
        json::JsonError::Syntax => DecodeError::NotObject,
    }
}

/// [`check_object`] without the syntax pass, for text a JSON serializer wrote:
/// exactly one object, within the size and depth limits. Strings and escapes
/// are skipped and brackets must pair up ([`json::value_end`]), so the text
/// cannot close its object early and go on: spliced into a document, it
/// cannot add members there.
///
/// ```
/// use edge_session::{payload, DecodeError, Limits};
/// let l = Limits::default();
/// assert!(payload::check_bounds(br#"{"a":[1],"b":"}\"{"}"#, &l).is_ok());
/// assert_eq!(payload::check_bounds(b"[1]", &l), Err(DecodeError::NotObject));
/// // Two values, or one that closes before the end, are not one object.
/// assert_eq!(payload::check_bounds(br#"{"a":1},"i":"x","z":{}"#, &l), Err(DecodeError::NotObject));
/// assert_eq!(payload::check_bounds(br#"{"a":[1}"#, &l), Err(DecodeError::NotObject));
/// ```
pub fn check_bounds(json: &[u8], limits: &Limits) -> Result<(), DecodeError> {
    if json.len() > limits.max_bytes {
        return Err(DecodeError::TooLarge);
    }
    if json.first() != Some(&b'{') {
        return Err(DecodeError::NotObject);
    }
    match json::value_end(json, 0, limits.max_depth.min(MAX_DEPTH_CEILING)) {
        Ok(end) if end == json.len() => Ok(()),
        Err(json::JsonError::TooDeep) => Err(DecodeError::TooDeep),
        _ => Err(DecodeError::NotObject),
    }
}

/// Fails with [`DecodeError::Malformed`] when a top-level member name of an
/// object that [`check_object`] accepted appears twice. Names are compared as
/// written, as [`members`] gives them: that is how the session document is read.
///
/// ```
/// use edge_session::{payload, DecodeError};
/// assert!(payload::check_unique_members(r#"{"i":"a","d":{"i":1}}"#).is_ok());
/// assert_eq!(payload::check_unique_members(r#"{"i":"a","d":{},"i":"b"}"#), Err(DecodeError::Malformed));
/// ```
pub fn check_unique_members(json: &str) -> Result<(), DecodeError> {
    check_unique_names(members(json).map(|(k, _)| k))
}

/// [`check_unique_members`] over names already read, for a caller that
/// scans the members once for their values too.
///
/// ```
/// use edge_session::{payload, DecodeError};
/// assert_eq!(payload::check_unique_names(["i", "d", "i"].into_iter()), Err(DecodeError::Malformed));
/// ```
pub fn check_unique_names<'a>(names: impl Iterator<Item = &'a str>) -> Result<(), DecodeError> {
    let mut names: Vec<(&str, &str)> = names.map(|k| (k, "")).collect();
    sort_by_name(&mut names);
    if names.windows(2).any(|w| w[0].0 == w[1].0) {
        return Err(DecodeError::Malformed);
    }
    Ok(())
}

// The one sort in the wasm: members by name.
fn sort_by_name(v: &mut [(&str, &str)]) {
    v.sort_unstable_by(|a, b| a.0.cmp(b.0));
}

/// Fails with [`DecodeError::TooDeep`] when brackets nest deeper than `max`.
/// Brackets inside strings do not count.
///
/// ```
/// use edge_session::{payload, DecodeError};
/// assert!(payload::check_depth(br#"{"a":"[[[[["}"#, 1).is_ok());
/// assert_eq!(payload::check_depth(b"{{", 1), Err(DecodeError::TooDeep));
/// ```
pub fn check_depth(json: &[u8], max: usize) -> Result<(), DecodeError> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in json {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return Err(DecodeError::TooDeep);
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// The top-level members of a JSON object that [`check_object`] accepted, as
/// raw text: keys without their quotes (escapes left as written), values as
/// written. Builds nothing; on text that is not a valid object it stops early.
///
/// ```
/// use edge_session::payload::members;
/// let m: Vec<_> = members(r#"{ "i" : "x", "d":{"a":[1,"}"]}, "n":-1.5e3 }"#).collect();
/// assert_eq!(m, [("i", "\"x\""), ("d", r#"{"a":[1,"}"]}"#), ("n", "-1.5e3")]);
/// ```
pub fn members(json: &str) -> impl Iterator<Item = (&str, &str)> {
    let b = json.as_bytes();
    let mut pos = b.iter().position(|&c| c == b'{').map_or(b.len(), |p| p + 1);
    core::iter::from_fn(move || {
        pos = skip_ws(b, pos);
        if b.get(pos) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(b, pos)?;
        let key = json.get(pos + 1..key_end - 1)?;
        pos = skip_ws(b, key_end);
        if b.get(pos) != Some(&b':') {
            return None;
        }
        let start = skip_ws(b, pos + 1);
        let end = value_end(b, start)?;
        let value = json.get(start..end)?;
        pos = skip_ws(b, end);
        if b.get(pos) == Some(&b',') {
            pos += 1;
        }
        Some((key, value))
    })
}

/// The elements of a JSON array, as raw JSON text. The text must be valid
/// JSON (check it first); stops early on anything else.
///
/// ```
/// let v: Vec<&str> = edge_session::payload::items(r#"[1, "a,b", {"c": [2]}]"#).collect();
/// assert_eq!(v, ["1", r#""a,b""#, r#"{"c": [2]}"#]);
/// ```
pub fn items(json: &str) -> impl Iterator<Item = &str> {
    let b = json.as_bytes();
    let mut pos = b.iter().position(|&c| c == b'[').map_or(b.len(), |p| p + 1);
    core::iter::from_fn(move || {
        pos = skip_ws(b, pos);
        if matches!(b.get(pos), None | Some(b']')) {
            return None;
        }
        let end = value_end(b, pos)?;
        let value = json.get(pos..end)?;
        pos = skip_ws(b, end);
        if b.get(pos) == Some(&b',') {
            pos += 1;
        }
        Some(value)
    })
}

// Index just past the string whose opening quote is at `start`.
fn string_end(b: &[u8], start: usize) -> Option<usize> {
    json::string_close(b, start + 1)
}

// Index just past the value that starts at `start`.
fn value_end(b: &[u8], start: usize) -> Option<usize> {
    match b.get(start)? {
        b'"' => string_end(b, start),
        b'{' | b'[' => json::value_end(b, start, json::MAX_DEPTH).ok(),
        _ => {
            let mut i = start;
            while !matches!(
                b.get(i),
                None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
            ) {
                i += 1;
            }
            Some(i)
        }
    }
}

/// Merges two edits of a JSON object by top-level member: `ours` and
/// `theirs` both started from `base`. A member `ours` changed, added or
/// removed takes `ours`' version; every other member takes `theirs`'. Values
/// compare as text, as `JSON.stringify` writes them.
///
/// ```
/// use edge_session::payload::merge;
/// let base = r#"{"a":1,"b":1,"c":1}"#;
/// let ours = r#"{"a":2,"b":1}"#;          // changed a, removed c
/// let theirs = r#"{"a":1,"b":3,"c":1,"d":4}"#; // changed b, added d
/// assert_eq!(merge(base, ours, theirs), r#"{"a":2,"b":3,"d":4}"#);
/// ```
pub fn merge(base: &str, ours: &str, theirs: &str) -> String {
    // Sorted vectors, not maps: merges are rare and this keeps the wasm small.
    let sorted = |json| {
        let mut v: Vec<(&str, &str)> = members(json).collect();
        sort_by_name(&mut v);
        v
    };
    fn get<'a>(v: &[(&str, &'a str)], k: &str) -> Option<&'a str> {
        v.binary_search_by(|e| e.0.cmp(k)).ok().map(|i| v[i].1)
    }
    let (base, ours_sorted, theirs_sorted) = (sorted(base), sorted(ours), sorted(theirs));
    let mine = |k: &str| get(&ours_sorted, k) != get(&base, k);
    let mut out = String::with_capacity(ours.len().max(theirs.len()) + 16);
    out.push('{');
    let push = |out: &mut String, k: &str, v: &str| {
        if out.len() > 1 {
            out.push(',');
        }
        out.push('"');
        out.push_str(k);
        out.push_str("\":");
        out.push_str(v);
    };
    for (k, v) in members(theirs) {
        match (mine(k), get(&ours_sorted, k)) {
            (false, _) => push(&mut out, k, v),
            (true, Some(o)) => push(&mut out, k, o),
            (true, None) => {}
        }
    }
    for (k, v) in members(ours) {
        if get(&theirs_sorted, k).is_none() && mine(k) {
            push(&mut out, k, v);
        }
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_trailing_garbage_and_non_objects() {
        let l = Limits::default();
        assert_eq!(check_object(b"{} x", &l), Err(DecodeError::NotObject));
        assert_eq!(check_object(b"\"s\"", &l), Err(DecodeError::NotObject));
        assert_eq!(check_object(b"", &l), Err(DecodeError::NotObject));
        assert_eq!(check_object(b"{", &l), Err(DecodeError::NotObject));
        assert!(check_object(b" {\"k\":\"\\u00e9\"} ", &l).is_ok());
    }

    #[test]
    fn members_of_tricky_objects() {
        let m: alloc::vec::Vec<_> =
            members(r#"{"a\"b":"x\\","c":[{"d":"]"}],"e":true,"f":{}}"#).collect();
        assert_eq!(
            m,
            [
                (r#"a\"b"#, r#""x\\""#),
                ("c", r#"[{"d":"]"}]"#),
                ("e", "true"),
                ("f", "{}")
            ]
        );
        assert_eq!(members("{}").count(), 0);
        assert_eq!(members("{\"a\"").count(), 0);
        assert_eq!(members("{\"a\":[").count(), 0);
    }

    #[test]
    fn bounds_take_exactly_one_balanced_object() {
        let l = Limits::default();
        for ok in [
            &br#"{}"#[..],
            br#"{"a":{"b":[1,{"c":"]}"}]}}"#,
            br#"{"q":"\"},\"i\":1,{"}"#,
            br#"{"e":"\\"}"#,
        ] {
            assert_eq!(
                check_bounds(ok, &l),
                Ok(()),
                "{:?}",
                core::str::from_utf8(ok)
            );
        }
        for bad in [
            &br#"{"a":1},"i":"x","y":{}"#[..],
            br#"{"a":1}{}"#,
            br#"{"a":1} "#,
            br#"{"a":[1}]}"#,
            br#"{"a":{1]}"#,
            br#"{"a":"}"#,
            br#"{"a":"\"}"#,
            br#"{"a":1}}"#,
            br#"{"a":{}"#,
            b"{",
            b"",
        ] {
            assert_eq!(
                check_bounds(bad, &l),
                Err(DecodeError::NotObject),
                "{:?}",
                core::str::from_utf8(bad)
            );
        }
        let deep = Limits {
            max_bytes: 100,
            max_depth: 2,
        };
        assert_eq!(
            check_bounds(br#"{"a":[[1]]}"#, &deep),
            Err(DecodeError::TooDeep)
        );
    }

    #[test]
    fn duplicate_members() {
        assert_eq!(
            check_unique_members(r#"{"a":1,"b":{"a":2},"c":[]}"#),
            Ok(())
        );
        assert_eq!(
            check_unique_members(r#"{"d":{},"i":"x","f":{},"i":"y"}"#),
            Err(DecodeError::Malformed)
        );
        assert_eq!(check_unique_members("{}"), Ok(()));
    }

    #[test]
    fn size_limit() {
        let l = Limits {
            max_bytes: 4,
            max_depth: 4,
        };
        assert_eq!(check_object(b"{\"a\":1}", &l), Err(DecodeError::TooLarge));
    }

    #[test]
    fn ten_thousand_deep_is_refused_fast() {
        let mut s = alloc::string::String::from("{\"a\":");
        for _ in 0..10_000 {
            s.push('[');
        }
        assert_eq!(
            check_object(s.as_bytes(), &Limits::default()),
            Err(DecodeError::TooDeep)
        );
    }
}
