//! `json::check` against serde_json, an independent parser: the same texts
//! are JSON, on generated token soups and on mutated real documents.

use edge_session::json::{self, JsonError};
use proptest::prelude::*;
use serde::de::IgnoredAny;

fn serde_accepts(b: &[u8]) -> bool {
    serde_json::from_slice::<IgnoredAny>(b).is_ok()
}

/// Within serde_json's recursion limit, both parsers must agree.
fn agree(b: &[u8]) {
    if edge_session::payload::check_depth(b, 100).is_err() {
        return;
    }
    assert_eq!(
        json::check(b, 100).is_ok(),
        serde_accepts(b),
        "{:?}",
        String::from_utf8_lossy(b)
    );
}

const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    " ",
    "\n",
    "\"",
    "\"a\"",
    "\"\\u00e9\"",
    "\\",
    "\\u",
    "\\ud800",
    "0",
    "1",
    "-",
    ".",
    "e",
    "E",
    "+",
    "12",
    "true",
    "false",
    "null",
    "nul",
    "x",
    "\u{1}",
    "é",
    "\t",
    "\"k\":",
    "\\n",
    "\\x",
    "0x",
    "1e9",
    "-0.5",
];

fn soup() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..24).prop_map(|t| t.concat().into_bytes())
}

fn value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        (-1e300f64..1e300).prop_map(serde_json::Value::from),
        "[ -~é\u{1}\"\\\\]{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(5, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map("[a-z\"\\\\]{0,4}", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn token_soup(b in soup()) {
        agree(&b);
    }

    #[test]
    fn real_documents_and_their_mutations(v in value(), at in any::<prop::sample::Index>(), with in any::<u8>(), cut in any::<bool>()) {
        let text = if cut { serde_json::to_string(&v) } else { serde_json::to_string_pretty(&v) }.unwrap();
        prop_assert_eq!(json::check(text.as_bytes(), 100), Ok(()));
        let mut b = text.into_bytes();
        let i = at.index(b.len());
        b[i] = with;
        agree(&b);
        b.truncate(i);
        agree(&b);
    }
}

#[test]
fn depth_is_bounded_before_the_end_is_read() {
    let mut deep = b"{\"a\":".to_vec();
    deep.extend(std::iter::repeat_n(b'[', 1_000_000));
    assert_eq!(json::check(&deep, 32), Err(JsonError::TooDeep));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// `json::value_end` stops where serde_json's object or array stops,
    /// whatever text follows it.
    #[test]
    fn value_end_is_where_the_value_ends(v in value(), tail in "[ ,:}\\]\\[{\"\\\\a]{0,6}") {
        let text = serde_json::to_string(&v).unwrap();
        prop_assume!(text.starts_with(['{', '[']));
        let whole = [text.as_str(), tail.as_str()].concat();
        prop_assert_eq!(json::value_end(whole.as_bytes(), 0, 100), Ok(text.len()));
        prop_assert_eq!(json::value_end(whole.as_bytes(), 0, 100), json::value_end_bytewise(whole.as_bytes(), 0, 100));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Session documents read for a reader that parses (`d` and `f` left to
    /// it) give the same members as the full check wherever that accepts,
    /// whole and with one byte changed; what it refuses is refused too
    /// unless the change lies in `d` or `f`.
    #[test]
    fn members_for_a_reader_that_parses(v in value(), at in any::<prop::sample::Index>(), with in any::<u8>()) {
        use edge_session::{payload, Limits};
        let l = Limits::default();
        let doc = serde_json::json!({"i": "abc", "c": 12, "d": {"v": v}, "f": {}});
        let mut b = serde_json::to_string(&doc).unwrap().into_bytes();
        let parsed = ["d", "f"];
        prop_assert_eq!(payload::members_parsed_by_reader(&b, &l, &parsed), payload::checked_members(&b, &l));
        let i = at.index(b.len());
        b[i] = with;
        let full = payload::checked_members(&b, &l);
        let reader = payload::members_parsed_by_reader(&b, &l, &parsed);
        if full.is_ok() {
            prop_assert_eq!(&reader, &full);
        }
        if let Ok(members) = &reader {
            for (name, value) in members {
                if !parsed.contains(name) {
                    prop_assert_eq!(json::check(value.as_bytes(), 100), Ok(()));
                }
            }
        }
    }
}
