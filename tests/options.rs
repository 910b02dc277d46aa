//! The native Rust API and the JS API agree on options: every option set in
//! `vectors/options.json` goes through `Config::from_options` here, and
//! through `loadSession` in `tests/js/options.test.mjs`; both must accept
//! it, or refuse it naming the same option path (`legacy[1].format`).

#![cfg(all(
    not(target_family = "wasm"),
    feature = "beaker",
    feature = "iron",
    feature = "remix",
    feature = "cookie-rs"
))]

use edge_session::Config;
use serde_json::Value;

#[test]
fn every_option_set_is_accepted_or_refused_naming_the_option() {
    let file: Value = serde_json::from_str(include_str!("vectors/options.json")).unwrap();
    let secret = file["secret"].as_str().unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert!(cases.len() >= 50);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let mut options = case["options"].clone();
        if options.get("secrets").is_none() {
            options["secrets"] = serde_json::json!([secret]);
        }
        let got = Config::from_options(&options.to_string());
        let path = got.as_ref().err().map(|e| e.path.as_str());
        assert_eq!(
            path,
            case["error"].as_str(),
            "{name}: {:?}",
            got.as_ref().err()
        );
        if let Err(e) = got {
            // The message names the option it is about.
            let last = e.path.rsplit(['.', ']']).next().unwrap();
            assert!(e.message.contains(last), "{name}: {}", e.message);
        }
    }
}

#[test]
fn defaults_come_from_the_core() {
    let c =
        Config::from_options(r#"{"secrets": ["options-parity-secret-0123456789abcdef"]}"#).unwrap();
    assert_eq!(c.cookie.name, "__Host-session");
    let c = Config::from_options(
        r#"{"secrets": ["options-parity-secret-0123456789abcdef"], "cookie": {"secure": false}, "idleTimeout": 600}"#,
    )
    .unwrap();
    assert_eq!((c.cookie.name.as_str(), c.touch_after()), ("session", 300));
    let c =
        Config::from_options(r#"{"format": "beaker", "beaker": {"validateKey": "v"}}"#).unwrap();
    assert_eq!(c.cookie.name, "beaker.session.id");
    assert_eq!(
        Config::from_options("[1]").err().unwrap().path,
        "options",
        "not an object"
    );
    assert_eq!(Config::from_options("{").err().unwrap().path, "options");
}
