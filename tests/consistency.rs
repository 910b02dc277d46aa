//! Spilled sessions under concurrent and stale requests, sans-IO: sibling
//! reads and writers, lagging reads, bounded storage, compare-and-swap
//! merges, and 0.1 cookies after the upgrade. The same rules run against
//! real Workers KV, Durable Objects and Deno KV in tests/js and tests/deno.

#![cfg(not(target_family = "wasm"))]

use std::collections::BTreeMap;

use edge_session::cookie::CookieOptions;
use edge_session::envelope::{self, Context, Header, Kind, Mode, Subkeys};
use edge_session::spill::{self, Reference};
use edge_session::*;

const NOW: u64 = 1_700_000_000;
const SECRET: &str = "consistency-test-secret-0123456789abcdef";

/// A store that keeps each key's history, so a read can be served stale.
#[derive(Default)]
struct Store {
    map: BTreeMap<String, String>,
    cas: bool,
}

fn cfg(cas: bool) -> Config {
    let mut c = Config::new(KeyRing::new(&[SECRET]).unwrap(), CookieOptions::new("s"));
    c.store_prefix = Some("sess:".into());
    c.store_cas = cas;
    c.inline_limit = 200;
    c
}

fn big(tag: &str) -> String {
    format!(
        r#"{{"user":"ada","pad":"{}","tag":"{tag}"}}"#,
        "x".repeat(300)
    )
}

fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

impl Store {
    fn load(&self, c: &Config, cookie: &str, now: u64) -> Loaded {
        match c.load(cookie, now, &mut OsRandom).unwrap() {
            LoadStep::Done(l) => l,
            LoadStep::Fetch(f) => {
                let blob = self.map.get(&f.key).cloned();
                c.load_fetched(f, blob.as_deref(), now, &mut OsRandom)
                    .unwrap()
            }
        }
    }

    /// Runs a plan; a conditional put whose entry changed since `loaded_blob`
    /// is refused, as a compare-and-swap store would.
    fn apply(&mut self, plan: &SavePlan, expected: Option<&str>) -> bool {
        for op in &plan.store {
            match op {
                StoreOp::Put {
                    key, value, cas, ..
                } => {
                    if *cas && self.map.get(key).map(String::as_str) != expected {
                        return false;
                    }
                    self.map.insert(key.clone(), value.clone());
                }
                StoreOp::Delete { key, .. } => {
                    self.map.remove(key);
                }
            }
        }
        true
    }

    /// A whole request: load, set `data`, save, with merges on conflict.
    fn request(
        &mut self,
        c: &Config,
        cookie: &str,
        edit: &dyn Fn(&str) -> String,
        now: u64,
    ) -> String {
        let l = self.load(c, cookie, now);
        assert_eq!(l.status, Status::Valid, "{:?}", l.reason);
        let loaded_blob = l
            .meta
            .stored
            .as_ref()
            .and_then(|p| self.map.get(&p.key("sess:")).cloned());
        let data = edit(&l.data);
        let change = Change {
            data: &data,
            before_data: &l.data,
            ..Change::default()
        };
        let plan = c.save(&l.meta, &change, now, &mut OsRandom).unwrap();
        assert!(self.apply(&plan, loaded_blob.as_deref()));
        pair(&plan.cookies[0])
    }
}

fn first(store: &mut Store, c: &Config) -> String {
    let l = store.load(c, "", NOW);
    let plan = c
        .save(
            &l.meta,
            &Change {
                data: &big("0"),
                ..Change::default()
            },
            NOW,
            &mut OsRandom,
        )
        .unwrap();
    assert!(store.apply(&plan, None));
    pair(&plan.cookies[0])
}

fn tag_of(data: &str) -> &str {
    data.rsplit("\"tag\":\"")
        .next()
        .unwrap()
        .trim_end_matches("\"}")
}

#[test]
fn every_cookie_in_a_chain_of_saves_loads_its_session() {
    for cas in [false, true] {
        let c = cfg(cas);
        let mut store = Store {
            cas,
            ..Store::default()
        };
        let mut cookies = vec![first(&mut store, &c)];
        for i in 1..=5 {
            let prev = cookies.last().unwrap().clone();
            cookies.push(store.request(&c, &prev, &|_| big(&i.to_string()), NOW + i));
        }
        // The cookie before last names a version that is still there (with
        // compare-and-swap, every older cookie reads the newest version).
        let l = store.load(&c, &cookies[4], NOW + 10);
        let expect = if cas { "5" } else { "4" };
        assert_eq!(
            (l.status, tag_of(&l.data)),
            (Status::Valid, expect),
            "cas={cas}"
        );
        if cas {
            for cookie in &cookies {
                let l = store.load(&c, cookie, NOW + 10);
                assert_eq!((l.status, tag_of(&l.data)), (Status::Valid, "5"));
            }
        }
        assert!(store.cas == cas);
    }
}

#[test]
fn siblings_read_the_version_they_name_after_another_saved() {
    let c = cfg(false);
    let mut store = Store::default();
    let cookie = first(&mut store, &c);
    let _newer = store.request(&c, &cookie, &|_| big("1"), NOW + 1);
    // Five siblings still carry the first cookie.
    for _ in 0..5 {
        let l = store.load(&c, &cookie, NOW + 2);
        assert_eq!((l.status, tag_of(&l.data)), (Status::Valid, "0"));
    }
}

#[test]
fn two_writers_from_one_cookie_never_log_out() {
    let c = cfg(false);
    let mut store = Store::default();
    let cookie = first(&mut store, &c);
    let a = store.request(&c, &cookie, &|_| big("a"), NOW + 1);
    let b = store.request(&c, &cookie, &|_| big("b"), NOW + 1);
    // Whichever cookie the browser keeps, the next request has the session.
    for (kept, tag) in [(a, "a"), (b, "b")] {
        let l = store.load(&c, &kept, NOW + 2);
        assert_eq!((l.status, tag_of(&l.data)), (Status::Valid, tag));
        let next = store.request(&c, &kept, &|d| d.replace("ada", "ada2"), NOW + 3);
        assert!(store.load(&c, &next, NOW + 4).data.contains("ada2"));
    }
}

#[test]
fn compare_and_swap_merges_writers_per_key() {
    let c = cfg(true);
    let mut store = Store {
        cas: true,
        ..Store::default()
    };
    let cookie = first(&mut store, &c);
    let l1 = store.load(&c, &cookie, NOW + 1);
    let l2 = store.load(&c, &cookie, NOW + 1);
    let loaded_blob = store.map.values().next().cloned();
    let with =
        |l: &Loaded, k: &str, v: &str| l.data.replacen('{', &format!(r#"{{"{k}":"{v}","#), 1);
    // Both change "user", and each adds its own key.
    let d1 = with(&l1, "cart", "1").replace("ada", "first");
    let d2 = with(&l2, "theme", "dark").replace("ada", "second");
    let c1 = Change {
        data: &d1,
        before_data: &l1.data,
        ..Change::default()
    };
    let p1 = c.save(&l1.meta, &c1, NOW + 1, &mut OsRandom).unwrap();
    assert!(store.apply(&p1, loaded_blob.as_deref()));
    let c2 = Change {
        data: &d2,
        before_data: &l2.data,
        ..Change::default()
    };
    let p2 = c.save(&l2.meta, &c2, NOW + 1, &mut OsRandom).unwrap();
    assert!(
        !store.apply(&p2, loaded_blob.as_deref()),
        "the second write conflicts"
    );
    let theirs = store.map.values().next().cloned();
    let merged = c
        .rebase(
            &l2.meta,
            &c2,
            theirs.as_deref(),
            (NOW + 1) * 1000,
            &mut OsRandom,
        )
        .unwrap();
    assert!(store.apply(&merged.plan, theirs.as_deref()));
    for cookie in [pair(&p1.cookies[0]), pair(&merged.plan.cookies[0])] {
        let l = store.load(&c, &cookie, NOW + 2);
        assert!(l.data.contains(r#""cart":"1""#), "{}", l.data);
        assert!(l.data.contains(r#""theme":"dark""#));
        assert!(
            l.data.contains(r#""user":"second""#),
            "the later commit wins a shared key"
        );
    }
    // A session destroyed meanwhile is not brought back.
    assert_eq!(
        c.rebase(&l2.meta, &c2, None, (NOW + 1) * 1000, &mut OsRandom)
            .err(),
        Some(SaveError::Ended)
    );
}

#[test]
fn a_lagging_read_never_becomes_a_new_session_or_a_write() {
    let c = cfg(false);
    let mut store = Store::default();
    let cookie = first(&mut store, &c);
    let newer = store.request(&c, &cookie, &|_| big("1"), NOW + 1);
    // Another location has not seen the newest version yet.
    let mut behind = Store {
        map: store.map.clone(),
        cas: false,
    };
    let key = match c.load(&newer, NOW + 2, &mut OsRandom).unwrap() {
        LoadStep::Fetch(f) => f.key,
        LoadStep::Done(_) => panic!("spilled"),
    };
    behind.map.remove(&key);
    let l = behind.load(&c, &newer, NOW + 2);
    assert_eq!(
        (l.status, l.reason.map(Reason::as_str)),
        (Status::Unavailable, Some("store_lagging"))
    );
    let change = Change {
        data: r#"{"x":1}"#,
        before_data: &l.data,
        ..Change::default()
    };
    assert_eq!(
        c.save(&l.meta, &change, NOW + 2, &mut OsRandom).err(),
        Some(SaveError::Unavailable)
    );
    // Read-only: nothing to do. Logging in again (regenerate) is allowed.
    let read_only = Change {
        data: &l.data,
        before_data: &l.data,
        ..Change::default()
    };
    assert_eq!(
        c.save(&l.meta, &read_only, NOW + 2, &mut OsRandom).unwrap(),
        SavePlan::default()
    );
    let login = Change {
        regenerate: true,
        ..change
    };
    assert_eq!(
        c.save(&l.meta, &login, NOW + 2, &mut OsRandom)
            .unwrap()
            .cookies
            .len(),
        1
    );
    // A store failure is the same: nothing newer can be overwritten.
    let LoadStep::Fetch(f) = c.load(&newer, NOW + 2, &mut OsRandom).unwrap() else {
        panic!()
    };
    assert_eq!(c.load_failed(f).status, Status::Unavailable);
    // With compare-and-swap, an older generation is a lagging read too.
    let c = cfg(true);
    let mut store = Store {
        cas: true,
        ..Store::default()
    };
    let cookie = first(&mut store, &c);
    let before = store.map.clone();
    let newer = store.request(&c, &cookie, &|_| big("1"), NOW + 1);
    let behind = Store {
        map: before,
        cas: true,
    };
    assert_eq!(behind.load(&c, &newer, NOW + 2).status, Status::Unavailable);
}

#[test]
fn a_hundred_saves_leave_at_most_two_live_blobs() {
    let c = cfg(false);
    let mut store = Store::default();
    let mut cookie = first(&mut store, &c);
    for i in 1..=100u64 {
        // A save every 1.5 s: each superseded version can be retired.
        let now_ms = NOW * 1000 + i * 1500;
        let l = store.load(&c, &cookie, now_ms / 1000);
        let data = big(&i.to_string());
        let change = Change {
            data: &data,
            before_data: &l.data,
            ..Change::default()
        };
        let plan = c.save_ms(&l.meta, &change, now_ms, &mut OsRandom).unwrap();
        assert!(store.apply(&plan, None));
        cookie = pair(&plan.cookies[0]);
    }
    assert_eq!(store.map.len(), 2);
    assert_eq!(tag_of(&store.load(&c, &cookie, NOW + 200).data), "100");
}

#[test]
fn rapid_saves_delete_nothing_younger_than_a_second() {
    let c = cfg(false);
    let mut store = Store::default();
    let mut cookie = first(&mut store, &c);
    let mut written: BTreeMap<String, u64> = BTreeMap::new();
    for i in 1..=20u64 {
        // Clicks 200 ms apart: KV allows one write per key per second.
        let now_ms = NOW * 1000 + i * 200;
        let l = store.load(&c, &cookie, now_ms / 1000);
        let data = big(&i.to_string());
        let change = Change {
            data: &data,
            before_data: &l.data,
            ..Change::default()
        };
        let plan = c.save_ms(&l.meta, &change, now_ms, &mut OsRandom).unwrap();
        for op in &plan.store {
            match op {
                StoreOp::Put { key, .. } => {
                    assert!(
                        written.insert(key.clone(), now_ms).is_none(),
                        "a key is written once"
                    );
                }
                StoreOp::Delete { key, required } => {
                    assert!(!required);
                    let at = written.get(key).copied().unwrap_or(0);
                    assert!(
                        now_ms >= at + 1000,
                        "deleted {} ms after its write",
                        now_ms - at
                    );
                }
            }
        }
        assert!(store.apply(&plan, None));
        cookie = pair(&plan.cookies[0]);
    }
    assert!(
        store.map.len() <= spill::MAX_VERSIONS,
        "{}",
        store.map.len()
    );
}

#[test]
fn a_touch_of_a_spilled_session_writes_nothing_to_the_store() {
    let mut c = cfg(false);
    c.rolling = true;
    c.touch_after_secs = Some(60);
    let mut store = Store::default();
    let cookie = first(&mut store, &c);
    let l = store.load(&c, &cookie, NOW + 100);
    let same = Change {
        data: &l.data,
        before_data: &l.data,
        ..Change::default()
    };
    let plan = c.save(&l.meta, &same, NOW + 100, &mut OsRandom).unwrap();
    assert!(plan.store.is_empty());
    assert_eq!(plan.cookies.len(), 1);
    let touched = store.load(&c, &pair(&plan.cookies[0]), NOW + 200);
    assert_eq!(
        (touched.status, touched.meta.iat),
        (Status::Valid, NOW + 100)
    );
}

#[test]
fn spilled_cookies_from_0_1_still_load() {
    let c = cfg(false);
    let ring = KeyRing::new(&[SECRET]).unwrap();
    let id = "AAAAAAAAAAAAAAAAAAAAAA";
    let key = spill::store_key(ring.current(), "sess:", id);
    let data = big("old");
    let doc = format!(r#"{{"i":"{id}","d":{data}}}"#);
    let store_ctx = Context {
        purpose: b"store",
        name: key.as_bytes(),
        subkeys: Subkeys::Store,
    };
    let blob = envelope::seal(
        &ring,
        &store_ctx,
        Header::new(Mode::Sealed, Kind::Blob, NOW, NOW + 86_400),
        doc.as_bytes(),
        &mut OsRandom,
    )
    .unwrap();
    let reference = Reference {
        generation: 4,
        digest: spill::digest(&blob),
        id: id.into(),
    };
    let ctx = Context {
        purpose: b"cookie",
        name: b"s",
        subkeys: Subkeys::Cookie,
    };
    let value = envelope::seal(
        &ring,
        &ctx,
        Header::new(Mode::Sealed, Kind::Reference, NOW, NOW + 86_400),
        &reference.to_bytes(),
        &mut OsRandom,
    )
    .unwrap();
    let mut store = Store::default();
    store.map.insert(key.clone(), blob);
    let cookie = format!("s={value}");
    let l = store.load(&c, &cookie, NOW + 100);
    assert_eq!((l.status, l.data.as_str()), (Status::Valid, data.as_str()));
    // The next write moves it to the new layout; the 0.1 key stays for
    // siblings still carrying 0.1 cookies, until its TTL.
    let next = store.request(&c, &cookie, &|d| d.replace("old", "new"), NOW + 101);
    assert!(store.map.contains_key(&key));
    assert_eq!(tag_of(&store.load(&c, &next, NOW + 102).data), "new");
    assert_eq!(tag_of(&store.load(&c, &cookie, NOW + 102).data), "old");
}

#[test]
fn a_store_prefix_with_a_space_round_trips() {
    let mut c = cfg(false);
    c.store_prefix = Some("my app sessions:".into());
    let mut store = Store::default();
    let cookie = first(&mut store, &c);
    let LoadStep::Fetch(f) = c.load(&cookie, NOW + 1, &mut OsRandom).unwrap() else {
        panic!()
    };
    let back = Fetch::from_token(&f.to_token()).unwrap();
    assert_eq!(back.key, f.key);
    assert!(back.key.starts_with("my app sessions:"));
    assert_eq!(store.load(&c, &cookie, NOW + 1).status, Status::Valid);
}

#[test]
fn absolute_timeout_holds_against_touches_and_regenerate_restarts_it() {
    let mut c = cfg(false);
    c.store_prefix = None;
    c.rolling = true;
    c.max_age = 3600;
    c.touch_after_secs = Some(60);
    c.absolute_timeout = 10 * 3600;
    let l = Store::default().load(&c, "", NOW);
    let plan = c
        .save(
            &l.meta,
            &Change {
                data: r#"{"u":1}"#,
                ..Change::default()
            },
            NOW,
            &mut OsRandom,
        )
        .unwrap();
    let mut cookie = pair(&plan.cookies[0]);
    let mut now = NOW;
    // Touch every 30 minutes: each re-issue would live another hour.
    loop {
        now += 1800;
        let l = Store::default().load(&c, &cookie, now);
        if l.status != Status::Valid {
            assert!(
                now <= NOW + 10 * 3600 + 1800,
                "lived past the absolute timeout"
            );
            assert_eq!(l.status, Status::Expired);
            break;
        }
        let same = Change {
            data: &l.data,
            before_data: &l.data,
            ..Change::default()
        };
        let plan = c.save(&l.meta, &same, now, &mut OsRandom).unwrap();
        assert!(plan.cookies[0].contains("Max-Age="));
        cookie = pair(&plan.cookies[0]);
    }
    // Login again: a new absolute period.
    let l = Store::default().load(&c, &cookie, now);
    let login = Change {
        data: r#"{"u":1}"#,
        regenerate: true,
        ..Change::default()
    };
    let plan = c.save(&l.meta, &login, now, &mut OsRandom).unwrap();
    let l = Store::default().load(&c, &pair(&plan.cookies[0]), now + 1800);
    assert_eq!(l.status, Status::Valid);
}

#[test]
fn a_broken_clock_fails_closed() {
    let c = cfg(false);
    let mut store = Store::default();
    let cookie = first(&mut store, &c);
    for bad in [0, 1, 1234, 1_000_000_000] {
        assert_eq!(
            c.load(&cookie, bad, &mut OsRandom).err(),
            Some(LoadError::Clock)
        );
        let change = Change {
            data: r#"{"a":1}"#,
            ..Change::default()
        };
        assert_eq!(
            c.save(&Meta::new("x".into()), &change, bad, &mut OsRandom)
                .err(),
            Some(SaveError::Clock)
        );
    }
    assert_eq!(
        c.load_ms(&cookie, u64::MAX, &mut OsRandom).err(),
        Some(LoadError::Clock)
    );
}

#[test]
fn an_inline_session_deletes_what_it_left_in_the_store() {
    let mut c = cfg(false);
    c.inline_limit = 500;
    let mut store = Store::default();
    let cookie = first(&mut store, &c);
    assert_eq!(store.map.len(), 1, "spilled");
    // Shrinks back inline: the version siblings may read stays, for now.
    let small = store.request(&c, &cookie, &|_| r#"{"user":"ada"}"#.into(), NOW + 1);
    assert_eq!(store.map.len(), 1);
    assert_eq!(store.load(&c, &cookie, NOW + 1).status, Status::Valid);
    // The next write, a second later, deletes it.
    let next = store.request(&c, &small, &|_| r#"{"user":"ada","n":1}"#.into(), NOW + 3);
    assert!(store.map.is_empty());
    assert_eq!(
        store.load(&c, &next, NOW + 4).data,
        r#"{"user":"ada","n":1}"#
    );
}

#[test]
fn more_than_nine_saves_a_second_delete_the_oldest_version_early() {
    let c = cfg(false);
    let mut store = Store::default();
    let mut cookie = first(&mut store, &c);
    // Thirty saves within one second: none of them a second old yet.
    for i in 1..=30u64 {
        let now_ms = NOW * 1000 + i * 30;
        let l = store.load(&c, &cookie, now_ms / 1000);
        let data = big(&i.to_string());
        let change = Change {
            data: &data,
            before_data: &l.data,
            ..Change::default()
        };
        let plan = c.save_ms(&l.meta, &change, now_ms, &mut OsRandom).unwrap();
        assert!(store.apply(&plan, None));
        cookie = pair(&plan.cookies[0]);
    }
    assert!(
        store.map.len() <= spill::MAX_VERSIONS,
        "{} live blobs",
        store.map.len()
    );
    assert_eq!(tag_of(&store.load(&c, &cookie, NOW + 1).data), "30");
}
