//! Revocation, sans-IO: a logout that holds against a copied cookie, sign out
//! everywhere, the list of a user's sessions, and what a failing store does.
//! The same flows run in workerd (KV, Durable Objects) and Deno KV in tests/js
//! and tests/deno.

#![cfg(not(target_family = "wasm"))]

use std::collections::BTreeMap;

use edge_session::cookie::CookieOptions;
use edge_session::session::{RecordEdit, Revocation};
use edge_session::*;

const NOW: u64 = 1_700_000_000;
const SECRET: &str = "revocation-test-secret-0123456789abcdef";

fn cfg(subject: Option<&str>) -> Config {
    let mut c = Config::new(KeyRing::new(&[SECRET]).unwrap(), CookieOptions::new("s"));
    c.store_prefix = Some("sess:".into());
    c.inline_limit = 600;
    c.revocation = Some(Revocation::new(subject.map(String::from)));
    c
}

fn pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

#[derive(Default)]
struct Store {
    map: BTreeMap<String, String>,
    reads: usize,
}

impl Store {
    fn load(&mut self, c: &Config, cookie: &str, now: u64) -> Loaded {
        let l = match c.load(cookie, now, &mut OsRandom).unwrap() {
            LoadStep::Done(l) => l,
            LoadStep::Fetch(f) => {
                self.reads += 1;
                let blob = self.map.get(&f.key).cloned();
                c.load_fetched(f, blob.as_deref(), now, &mut OsRandom)
                    .unwrap()
            }
        };
        let keys = c.revocation_keys(&l);
        self.reads += keys.len();
        let records: Vec<Option<String>> = keys.iter().map(|k| self.map.get(k).cloned()).collect();
        let records: Vec<Option<&str>> = records.iter().map(|r| r.as_deref()).collect();
        c.check_revoked(l, Ok(&records), now, &mut OsRandom)
            .unwrap()
    }

    fn edit(&mut self, c: &Config, edit: &RecordEdit, now: u64) {
        let record = self.map.get(&edit.key).cloned();
        match c
            .apply_edit(edit, record.as_deref(), now, &mut OsRandom)
            .unwrap()
        {
            Some((value, ttl)) => {
                assert!(ttl >= 60);
                self.map.insert(edit.key.clone(), value);
            }
            None => {
                self.map.remove(&edit.key);
            }
        }
    }

    fn save(&mut self, c: &Config, l: &Loaded, change: Change<'_>, now: u64) -> String {
        let plan = c.save(&l.meta, &change, now, &mut OsRandom).unwrap();
        for op in &plan.store {
            match op {
                StoreOp::Put { key, value, .. } => {
                    self.map.insert(key.clone(), value.clone());
                }
                StoreOp::Delete { key, .. } => {
                    self.map.remove(key);
                }
            }
        }
        for edit in &plan.records {
            self.edit(c, edit, now);
        }
        plan.cookies.first().map(|c| pair(c)).unwrap_or_default()
    }

    fn login(&mut self, c: &Config, user: u32, bytes: usize, now: u64) -> String {
        let l = self.load(c, "", now);
        let data = format!(r#"{{"userId":{user},"pad":"{}"}}"#, "x".repeat(bytes));
        let change = Change {
            data: &data,
            before_data: &l.data,
            regenerate: true,
            ..Change::default()
        };
        self.save(c, &l, change, now)
    }
}

#[test]
fn a_cookie_copied_before_logout_fails_after_it_inline_or_spilled() {
    for subject in [None, Some("userId")] {
        for bytes in [10, 2000] {
            let c = cfg(subject);
            let mut store = Store::default();
            let cookie = store.login(&c, 7, bytes, NOW);
            let copy = cookie.clone();
            let l = store.load(&c, &cookie, NOW + 1);
            assert_eq!(l.status, Status::Valid);
            let bye = store.save(
                &c,
                &l,
                Change {
                    destroy: true,
                    ..Change::default()
                },
                NOW + 1,
            );
            assert!(bye.ends_with('='), "an expiring cookie");
            let stolen = store.load(&c, &copy, NOW + 2);
            assert_eq!(
                (stolen.status, stolen.reason.map(Reason::as_str)),
                (Status::Revoked, Some("revoked")),
                "{subject:?} {bytes}"
            );
            assert_eq!(stolen.data, "{}");
            assert_ne!(stolen.meta.id, l.meta.id);
        }
    }
}

#[test]
fn regenerate_revokes_the_old_id() {
    let c = cfg(Some("userId"));
    let mut store = Store::default();
    let before_login = {
        let l = store.load(&c, "", NOW);
        store.save(
            &c,
            &l,
            Change {
                data: r#"{"cart":1}"#,
                ..Change::default()
            },
            NOW,
        )
    };
    let l = store.load(&c, &before_login, NOW + 1);
    let data = r#"{"cart":1,"userId":7}"#;
    let after = store.save(
        &c,
        &l,
        Change {
            data,
            before_data: &l.data,
            regenerate: true,
            ..Change::default()
        },
        NOW + 1,
    );
    assert_eq!(store.load(&c, &after, NOW + 2).status, Status::Valid);
    assert_eq!(
        store.load(&c, &before_login, NOW + 2).status,
        Status::Revoked
    );
}

#[test]
fn revoke_all_ends_every_session_of_a_subject_and_a_new_login_works() {
    let c = cfg(Some("userId"));
    let mut store = Store::default();
    let laptop = store.login(&c, 7, 10, NOW);
    let phone = store.login(&c, 7, 2000, NOW + 5);
    let other = store.login(&c, 8, 10, NOW + 5);
    let edit = c.revoke_all("7", (NOW + 10) * 1000).unwrap();
    store.edit(&c, &edit, NOW + 10);
    for cookie in [&laptop, &phone] {
        let l = store.load(&c, cookie, NOW + 11);
        assert_eq!(
            (l.status, l.reason.map(Reason::as_str)),
            (Status::Revoked, Some("signed_out"))
        );
    }
    assert_eq!(
        store.load(&c, &other, NOW + 11).status,
        Status::Valid,
        "another user is untouched"
    );
    let again = store.login(&c, 7, 10, NOW + 11);
    assert_eq!(store.load(&c, &again, NOW + 12).status, Status::Valid);
    // A session that gains the subject later (login without regenerate) is new too.
    let l = store.load(&c, "", NOW + 13);
    let anon = store.save(
        &c,
        &l,
        Change {
            data: r#"{"cart":2}"#,
            ..Change::default()
        },
        NOW + 13,
    );
    let l = store.load(&c, &anon, NOW + 14);
    let logged = store.save(
        &c,
        &l,
        Change {
            data: r#"{"cart":2,"userId":7}"#,
            before_data: &l.data,
            ..Change::default()
        },
        NOW + 14,
    );
    assert_eq!(store.load(&c, &logged, NOW + 15).status, Status::Valid);
}

#[test]
fn a_load_reads_one_record_and_nothing_when_revocation_is_off() {
    let c = cfg(Some("userId"));
    let mut store = Store::default();
    let cookie = store.login(&c, 7, 10, NOW);
    store.reads = 0;
    store.load(&c, &cookie, NOW + 1);
    assert_eq!(store.reads, 1, "inline: the revocation record only");
    let mut off = cfg(None);
    off.revocation = None;
    let cookie = store.login(&off, 7, 10, NOW);
    store.reads = 0;
    let l = store.load(&off, &cookie, NOW + 1);
    assert_eq!((l.status, store.reads), (Status::Valid, 0));
    assert!(off.revocation_keys(&l).is_empty());
}

#[test]
fn listing_shows_live_sessions_and_ends_one() {
    let mut c = cfg(Some("userId"));
    if let Some(r) = c.revocation.as_mut() {
        r.list = true;
    }
    let mut store = Store::default();
    let a = store.login(&c, 7, 10, NOW);
    let b = store.login(&c, 7, 10, NOW + 60);
    let key = c.subject_key("7").unwrap();
    let listed = c.list_sessions(&key, store.map.get(&key).map(String::as_str), NOW + 61);
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().map(|l| l.started).min(), Some(NOW * 1000));
    let a_id = store.load(&c, &a, NOW + 62).meta.id;
    let edit = c
        .revoke_one(Some("7"), &a_id, NOW + 62 + c.absolute_timeout)
        .unwrap();
    store.edit(&c, &edit, NOW + 62);
    assert_eq!(store.load(&c, &a, NOW + 63).status, Status::Revoked);
    assert_eq!(store.load(&c, &b, NOW + 63).status, Status::Valid);
    let listed = c.list_sessions(&key, store.map.get(&key).map(String::as_str), NOW + 63);
    assert_eq!(listed.len(), 1);
    assert_ne!(listed[0].id, a_id);
}

#[test]
fn a_failing_store_fails_closed_by_default_and_open_when_asked() {
    let c = cfg(Some("userId"));
    let mut store = Store::default();
    let cookie = store.login(&c, 7, 10, NOW);
    let LoadStep::Done(l) = c.load(&cookie, NOW + 1, &mut OsRandom).unwrap() else {
        panic!()
    };
    let closed = c
        .check_revoked(l.clone(), Err(()), NOW + 1, &mut OsRandom)
        .unwrap();
    assert_eq!(
        (closed.status, closed.reason.map(Reason::as_str)),
        (Status::Unavailable, Some("revocation_failed"))
    );
    assert_eq!(closed.data, "{}");
    let mut open = c.clone();
    if let Some(r) = open.revocation.as_mut() {
        r.fail_open = true;
    }
    let kept = open
        .check_revoked(l, Err(()), NOW + 1, &mut OsRandom)
        .unwrap();
    assert_eq!(kept.status, Status::Valid);
    // A record that does not open (tampered) is a failure too.
    let key = c.revocation_keys(&kept)[0].clone();
    let garbage = [Some("garbage")];
    let LoadStep::Done(l) = c.load(&cookie, NOW + 1, &mut OsRandom).unwrap() else {
        panic!()
    };
    assert_eq!(
        c.check_revoked(l, Ok(&garbage), NOW + 1, &mut OsRandom)
            .unwrap()
            .status,
        Status::Unavailable
    );
    assert!(key.starts_with("revoked:u."));
}

#[test]
fn records_are_keyed_hashes_and_expire_with_their_sessions() {
    let mut c = cfg(Some("userId"));
    c.absolute_timeout = 3600;
    let mut store = Store::default();
    let cookie = store.login(&c, 1234567, 10, NOW);
    let l = store.load(&c, &cookie, NOW + 1);
    store.save(
        &c,
        &l,
        Change {
            destroy: true,
            ..Change::default()
        },
        NOW + 1,
    );
    let (key, record) = store.map.iter().next().unwrap();
    assert!(
        !key.contains("1234567") && !record.contains(&l.meta.id),
        "nothing readable"
    );
    // Past the session's absolute deadline the entry is gone, and so is the record.
    let edit = c.revoke_all("99", (NOW + 3700) * 1000).unwrap();
    assert_ne!(edit.key, *key);
    let revoke = c.revoke_one(Some("1234567"), &l.meta.id, NOW + 10).unwrap();
    let expired = c
        .apply_edit(&revoke, Some(record), NOW + 3700, &mut OsRandom)
        .unwrap();
    assert!(expired.is_none(), "an empty record is deleted");
}

#[test]
fn a_record_written_before_a_rotation_is_still_read() {
    let c = cfg(None);
    let mut store = Store::default();
    let cookie = store.login(&c, 7, 10, NOW);
    let copy = cookie.clone();
    let l = store.load(&c, &cookie, NOW + 1);
    store.save(
        &c,
        &l,
        Change {
            destroy: true,
            ..Change::default()
        },
        NOW + 1,
    );
    let mut rotated = cfg(None);
    rotated.ring = KeyRing::new(&["a-new-secret-of-at-least-32-bytes!!", SECRET]).unwrap();
    let l = store.load(&rotated, &copy, NOW + 2);
    assert_eq!(l.status, Status::Revoked);
}

#[test]
fn bad_revocation_options_name_the_option() {
    let mut c = cfg(Some(""));
    assert_eq!(c.validate(), Err(ConfigError::RevocationSubject));
    assert_eq!(
        ConfigError::RevocationSubject.option(),
        "revocation.subject"
    );
    c = cfg(Some("userId"));
    if let Some(r) = c.revocation.as_mut() {
        r.prefix = "x\n".into();
    }
    assert_eq!(c.validate(), Err(ConfigError::RevocationPrefix));
}
