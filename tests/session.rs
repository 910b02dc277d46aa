//! The lifecycle rules, tested sans-IO: every decision is the core's.

#![cfg(not(target_family = "wasm"))]

use edge_session::cookie::CookieOptions;
use edge_session::*;

const NOW: u64 = 1_700_000_000;

fn cfg() -> Config {
    let mut c = Config::new(
        KeyRing::new(&["session-test-secret-0123456789abcdef"]).unwrap(),
        CookieOptions::new("__Host-s"),
    );
    c.store_prefix = Some("s:".into());
    c
}

fn load(cfg: &Config, header: &str, now: u64, store: &[(String, String)]) -> Loaded {
    match cfg.load(header, now, &mut OsRandom).unwrap() {
        LoadStep::Done(l) => l,
        LoadStep::Fetch(f) => {
            let blob = store
                .iter()
                .find(|(k, _)| *k == f.key)
                .map(|(_, v)| v.as_str());
            cfg.load_fetched(f, blob, now, &mut OsRandom).unwrap()
        }
    }
}

fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

fn save(cfg: &Config, l: &Loaded, data: &str, now: u64) -> SavePlan {
    let change = Change {
        data,
        before_data: &l.data,
        flash: &l.flash,
        before_flash: &l.flash,
        ..Change::default()
    };
    cfg.save(&l.meta, &change, now, &mut OsRandom).unwrap()
}

fn apply(store: &mut Vec<(String, String)>, plan: &SavePlan) {
    for op in &plan.store {
        match op {
            StoreOp::Put { key, value, .. } => {
                store.retain(|(k, _)| k != key);
                store.push((key.clone(), value.clone()));
            }
            StoreOp::Delete { key, .. } => store.retain(|(k, _)| k != key),
        }
    }
}

#[test]
fn read_only_costs_nothing() {
    let c = cfg();
    let new = load(&c, "", NOW, &[]);
    assert_eq!(save(&c, &new, &new.data, NOW), SavePlan::default());
    let plan = save(&c, &new, r#"{"a":1}"#, NOW);
    let l = load(&c, &pair(&plan.cookies[0]), NOW + 5, &[]);
    assert_eq!(l.status, Status::Valid);
    assert_eq!(save(&c, &l, &l.data, NOW + 5), SavePlan::default());
}

#[test]
fn regenerate_and_destroy() {
    let c = cfg();
    let l = load(&c, "", NOW, &[]);
    let plan = save(&c, &l, r#"{"a":1}"#, NOW);
    let l = load(&c, &pair(&plan.cookies[0]), NOW, &[]);
    let change = Change {
        data: &l.data,
        before_data: &l.data,
        regenerate: true,
        ..Change::default()
    };
    let plan = c.save(&l.meta, &change, NOW, &mut OsRandom).unwrap();
    let again = load(&c, &pair(&plan.cookies[0]), NOW, &[]);
    assert_ne!(again.meta.id, l.meta.id);
    assert_eq!(again.data, l.data);
    let destroy = Change {
        destroy: true,
        ..Change::default()
    };
    let plan = c.save(&again.meta, &destroy, NOW, &mut OsRandom).unwrap();
    assert!(plan.cookies[0].contains("Max-Age=0"));
    assert!(plan.cookies[0].starts_with("__Host-s=;"));
}

#[test]
fn old_key_is_resealed_without_a_change() {
    let old = "old-session-secret-0123456789abcdef";
    let new = "new-session-secret-0123456789abcdef";
    let mut before = cfg();
    before.ring = KeyRing::new(&[old]).unwrap();
    let l = load(&before, "", NOW, &[]);
    let plan = save(&before, &l, r#"{"u":1}"#, NOW);
    let mut after = cfg();
    after.ring = KeyRing::new(&[new, old]).unwrap();
    let l = load(&after, &pair(&plan.cookies[0]), NOW, &[]);
    assert!(l.meta.reseal);
    let plan = save(&after, &l, &l.data, NOW);
    assert_eq!(plan.cookies.len(), 1);
    let mut only_new = cfg();
    only_new.ring = KeyRing::new(&[new]).unwrap();
    let l = load(&only_new, &pair(&plan.cookies[0]), NOW, &[]);
    assert_eq!((l.status, l.data.as_str()), (Status::Valid, r#"{"u":1}"#));
}

#[test]
fn signed_values_are_resealed_when_the_mode_becomes_sealed() {
    let mut signed = cfg();
    signed.mode = Mode::Signed;
    let l = load(&signed, "", NOW, &[]);
    let plan = save(&signed, &l, r#"{"u":1}"#, NOW);
    let sealed = cfg();
    let l = load(&sealed, &pair(&plan.cookies[0]), NOW, &[]);
    assert_eq!(l.status, Status::Valid);
    assert_eq!(save(&sealed, &l, &l.data, NOW).cookies.len(), 1);
}

#[test]
fn rolling_and_idle_timeout() {
    let mut c = cfg();
    c.rolling = true;
    c.touch_after_secs = Some(100);
    let l = load(&c, "", NOW, &[]);
    let cookie = pair(&save(&c, &l, r#"{"a":1}"#, NOW).cookies[0]);
    let l = load(&c, &cookie, NOW + 99, &[]);
    assert!(save(&c, &l, &l.data, NOW + 99).cookies.is_empty());
    let l = load(&c, &cookie, NOW + 100, &[]);
    assert_eq!(save(&c, &l, &l.data, NOW + 100).cookies.len(), 1);

    let mut c = cfg();
    c.idle_timeout = Some(300);
    let l = load(&c, "", NOW, &[]);
    let cookie = pair(&save(&c, &l, r#"{"a":1}"#, NOW).cookies[0]);
    assert_eq!(load(&c, &cookie, NOW + 299, &[]).status, Status::Valid);
    let l = load(&c, &cookie, NOW + 300, &[]);
    assert_eq!(
        (l.status, l.reason.map(Reason::as_str)),
        (Status::Expired, Some("idle_timeout"))
    );
}

#[test]
fn max_age_is_enforced_from_the_header() {
    let mut c = cfg();
    c.max_age = 60;
    let l = load(&c, "", NOW, &[]);
    let cookie = pair(&save(&c, &l, r#"{"a":1}"#, NOW).cookies[0]);
    assert_eq!(load(&c, &cookie, NOW + 59, &[]).status, Status::Valid);
    let l = load(&c, &cookie, NOW + 60, &[]);
    assert_eq!(
        (l.status, l.reason.map(Reason::as_str)),
        (Status::Expired, Some("expired"))
    );
}

#[test]
fn spill_shrink_and_missing() {
    let mut c = cfg();
    c.inline_limit = 600;
    c.max_age = 120;
    let mut store = Vec::new();
    let l = load(&c, "", NOW, &store);
    let big = format!(r#"{{"blob":"{}"}}"#, "x".repeat(700));
    let plan = save(&c, &l, &big, NOW);
    let StoreOp::Put {
        key,
        value,
        ttl,
        cas,
    } = &plan.store[0]
    else {
        panic!("expected a put")
    };
    assert!(!cas, "a plain store gets plain writes");
    assert_eq!(
        *ttl, c.absolute_timeout,
        "the blob lives to the absolute deadline"
    );
    assert!(key.starts_with("s:") && !key.contains(&l.meta.id));
    assert!(!value.contains("xxxx"), "sealed");
    assert!(plan.cookies[0].len() < 400);
    apply(&mut store, &plan);
    let cookie = pair(&plan.cookies[0]);
    let l = load(&c, &cookie, NOW + 1, &store);
    assert_eq!((l.status, l.data.as_str()), (Status::Valid, big.as_str()));
    // Each write goes to a new key: the first cookie still reads its own version.
    let bigger = format!(r#"{{"blob":"{}"}}"#, "y".repeat(700));
    let plan = save(&c, &l, &bigger, NOW + 2);
    assert!(matches!(&plan.store[0], StoreOp::Put { key: k, .. } if k != key));
    apply(&mut store, &plan);
    let newer_cookie = pair(&plan.cookies[0]);
    assert_eq!(load(&c, &cookie, NOW + 3, &store).data, big);
    assert_eq!(load(&c, &newer_cookie, NOW + 3, &store).data, bigger);
    // Missing soon after the write: the store may lag. Later: the data is gone.
    let lagging = load(&c, &newer_cookie, NOW + 3, &[]);
    assert_eq!(
        (lagging.status, lagging.reason.map(Reason::as_str)),
        (Status::Unavailable, Some("store_lagging"))
    );
    let gone = load(&c, &newer_cookie, NOW + 2 + 61, &[]);
    assert_eq!(
        (gone.status, gone.reason.map(Reason::as_str)),
        (Status::Stale, Some("missing"))
    );
    // Shrinking back goes inline; the version siblings may read stays until
    // its TTL, the older one is deleted.
    let l = load(&c, &newer_cookie, NOW + 4, &store);
    let plan = save(&c, &l, r#"{"small":1}"#, NOW + 4);
    assert_eq!(
        plan.store,
        vec![StoreOp::Delete {
            key: key.clone(),
            required: false
        }]
    );
    apply(&mut store, &plan);
    assert_eq!(store.len(), 1);
    // The inline session remembers the version it left behind: destroy deletes it.
    let inline = load(&c, &pair(&plan.cookies[0]), NOW + 5, &store);
    let destroy = Change {
        destroy: true,
        ..Change::default()
    };
    let bye = c
        .save(&inline.meta, &destroy, NOW + 5, &mut OsRandom)
        .unwrap();
    assert_eq!(bye.store.len(), 1);
    let mut after = store.clone();
    apply(&mut after, &bye);
    assert!(after.is_empty());
    let l = load(&c, &pair(&plan.cookies[0]), NOW + 5, &store);
    assert_eq!(
        (l.status, l.data.as_str()),
        (Status::Valid, r#"{"small":1}"#)
    );
}

#[test]
fn another_sessions_blob_is_refused() {
    let mut c = cfg();
    c.inline_limit = 200;
    let big = |ch: char| format!(r#"{{"blob":"{}"}}"#, ch.to_string().repeat(300));
    let mut store = Vec::new();
    let a = load(&c, "", NOW, &[]);
    let plan_a = save(&c, &a, &big('a'), NOW);
    apply(&mut store, &plan_a);
    let b = load(&c, "", NOW, &[]);
    let plan_b = save(&c, &b, &big('b'), NOW);
    apply(&mut store, &plan_b);
    // Put B's blob under A's key: A's cookie must not open it.
    let key_a = match &plan_a.store[0] {
        StoreOp::Put { key, .. } => key.clone(),
        _ => unreachable!(),
    };
    let blob_b = match &plan_b.store[0] {
        StoreOp::Put { value, .. } => value.clone(),
        _ => unreachable!(),
    };
    let swapped = vec![(key_a, blob_b)];
    let l = load(&c, &pair(&plan_a.cookies[0]), NOW, &swapped);
    assert_ne!(l.status, Status::Valid);
    assert_eq!(l.data, "{}");
}

#[test]
fn too_large_without_a_store() {
    let mut c = cfg();
    c.store_prefix = None;
    let l = load(&c, "", NOW, &[]);
    let big = format!(r#"{{"blob":"{}"}}"#, "x".repeat(5000));
    let change = Change {
        data: &big,
        before_data: &l.data,
        ..Change::default()
    };
    match c.save(&l.meta, &change, NOW, &mut OsRandom) {
        Err(SaveError::TooLarge { size, limit }) => assert!(size > limit && limit <= 4000),
        other => panic!("{other:?}"),
    }
}

#[test]
fn flash_is_kept_then_consumed() {
    let c = cfg();
    let l = load(&c, "", NOW, &[]);
    let change = Change {
        data: &l.data,
        before_data: &l.data,
        flash: r#"{"notice":"Saved"}"#,
        before_flash: &l.flash,
        ..Change::default()
    };
    let plan = c.save(&l.meta, &change, NOW, &mut OsRandom).unwrap();
    assert_eq!(
        plan.cookies.len(),
        1,
        "a flash on an empty session is written"
    );
    let l = load(&c, &pair(&plan.cookies[0]), NOW, &[]);
    assert_eq!(l.flash, r#"{"notice":"Saved"}"#);
    // Reading it (the caller drops it from flash) is a change.
    let consumed = Change {
        data: &l.data,
        before_data: &l.data,
        flash: "{}",
        before_flash: &l.flash,
        ..Change::default()
    };
    let plan = c.save(&l.meta, &consumed, NOW, &mut OsRandom).unwrap();
    let l = load(&c, &pair(&plan.cookies[0]), NOW, &[]);
    assert_eq!(l.flash, "{}");
}

#[test]
fn invalid_data_is_refused_at_save() {
    let c = cfg();
    let l = load(&c, "", NOW, &[]);
    let change = Change {
        data: "[1]",
        before_data: &l.data,
        ..Change::default()
    };
    assert_eq!(
        c.save(&l.meta, &change, NOW, &mut OsRandom).err(),
        Some(SaveError::Data(DecodeError::NotObject))
    );
}

#[test]
fn config_errors_name_the_option() {
    let mut c = cfg();
    c.cookie.domain = Some("example.com".into());
    assert_eq!(c.validate(), Err(ConfigError::HostPrefix));
    assert_eq!(ConfigError::HostPrefix.option(), "cookie.name");
    let mut c = cfg();
    c.inline_limit = 10;
    assert_eq!(c.validate(), Err(ConfigError::InlineLimit));
}

/// `Change::canonical` is recorded in the document, inline and spilled, and
/// comes back as `Loaded::canonical`; a merge's text never claims it.
#[test]
fn the_json_stringify_mark_round_trips() {
    let mut c = cfg();
    c.inline_limit = 400;
    c.store_cas = true;
    let fresh = load(&c, "", NOW, &[]);
    assert!(
        fresh.canonical,
        "an empty session's {{}} is JSON.stringify's text"
    );
    let big = format!(r#"{{"big":"{}"}}"#, "y".repeat(600));
    for (data, spilled) in [(r#"{"n":1}"#.to_owned(), false), (big.clone(), true)] {
        for canonical in [true, false] {
            let change = Change {
                data: &data,
                canonical,
                ..Change::default()
            };
            let plan = c.save(&fresh.meta, &change, NOW, &mut OsRandom).unwrap();
            let mut store = Vec::new();
            apply(&mut store, &plan);
            assert_eq!(store.is_empty(), !spilled);
            let l = load(&c, &pair(&plan.cookies[0]), NOW + 1, &store);
            assert_eq!((l.status, l.data.as_str()), (Status::Valid, data.as_str()));
            assert_eq!(
                l.canonical, canonical,
                "spilled {spilled}, canonical {canonical}"
            );
        }
    }
    // Two requests from one spilled session; the later one merges.
    let change = Change {
        data: &big,
        canonical: true,
        ..Change::default()
    };
    let first = c.save(&fresh.meta, &change, NOW, &mut OsRandom).unwrap();
    let meta = first.meta.clone().unwrap();
    let with_a = format!(r#"{{"big":"{}","a":1}}"#, "y".repeat(600));
    let a = Change {
        data: &with_a,
        before_data: &big,
        canonical: true,
        ..Change::default()
    };
    let a = c.save(&meta, &a, NOW, &mut OsRandom).unwrap();
    let StoreOp::Put { value: theirs, .. } = &a.store[0] else {
        panic!("a spilled save writes the store first")
    };
    let with_b = format!(r#"{{"big":"{}","b":2}}"#, "y".repeat(600));
    let b = Change {
        data: &with_b,
        before_data: &big,
        canonical: true,
        ..Change::default()
    };
    let merged = c
        .rebase(&meta, &b, Some(theirs), NOW * 1000, &mut OsRandom)
        .unwrap();
    let mut store = Vec::new();
    apply(&mut store, &merged.plan);
    let l = load(&c, &pair(&merged.plan.cookies[0]), NOW + 1, &store);
    assert_eq!(l.data, merged.data);
    assert!(!l.canonical, "a merged text is not JSON.stringify's");
}

// A reader that parses with JSON.parse (the JavaScript package) gets the
// data's text after a structure check only; its syntax is the reader's to
// check, and `not_json` answers as a load that found it not JSON would.
// Without `reader_parses`, the core checks the syntax itself.
#[test]
fn a_reader_that_parses_gets_data_checked_for_structure_only() {
    let cfg = cfg();
    let mut reading = cfg.clone();
    reading.reader_parses = true;
    let mut store = Vec::new();
    // Data no JSON serializer writes, passed as if one had (`trusted`).
    let pad = "x".repeat(6000);
    for data in [
        r#"{"a":tru}"#.to_owned(),
        format!(r#"{{"a":tru,"p":"{pad}"}}"#),
    ] {
        let s = load(&cfg, "", NOW, &store);
        let change = Change {
            data: &data,
            trusted: true,
            ..Change::default()
        };
        let plan = cfg.save(&s.meta, &change, NOW, &mut OsRandom).unwrap();
        apply(&mut store, &plan);
        let header = pair(&plan.cookies[0]);
        let spilled = !plan.store.is_empty();
        assert_eq!(spilled, data.len() > 4000);

        let checked = load(&cfg, &header, NOW + 1, &store);
        let status = if spilled {
            Status::Unavailable
        } else {
            Status::Invalid
        };
        assert_eq!(
            (checked.status, checked.reason),
            (status, Some(Reason::NotObject))
        );

        let read = load(&reading, &header, NOW + 1, &store);
        assert_eq!(
            (read.status, read.data.as_str()),
            (Status::Valid, data.as_str())
        );

        // The reader's JSON.parse fails: the same answer as the checked load.
        let fetch = match reading.load(&header, NOW + 1, &mut OsRandom).unwrap() {
            LoadStep::Fetch(f) => Some(f),
            LoadStep::Done(_) => None,
        };
        let refused = reading.not_json(fetch, &mut OsRandom).unwrap();
        assert_eq!(
            (refused.status, refused.reason),
            (checked.status, checked.reason)
        );
        assert_eq!(refused.meta.stored, checked.meta.stored);
        // Unavailable keeps the id and the blob; invalid starts a new session.
        assert_eq!(refused.meta.id == read.meta.id, spilled);
    }
}
