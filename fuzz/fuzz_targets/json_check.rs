//! `json::check` against serde_json on arbitrary bytes: both parsers accept
//! the same texts (within serde_json's recursion limit), and the depth bound
//! holds whatever the input.
#![no_main]

use edge_session::{json, payload};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let ours = json::check(data, 100);
    if payload::check_depth(data, 100).is_ok() {
        let theirs = serde_json::from_slice::<serde::de::IgnoredAny>(data).is_ok();
        assert_eq!(ours.is_ok(), theirs, "{:?}", String::from_utf8_lossy(data));
    } else {
        assert!(ours.is_err());
    }
    if ours.is_ok() {
        assert!(payload::check_depth(data, 100).is_ok());
    }
});
