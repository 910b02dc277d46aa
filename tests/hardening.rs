//! Proofs for the security review (issue 16): each test fails without its fix.

#![cfg(not(target_family = "wasm"))]

use edge_session::cookie::CookieOptions;
use edge_session::*;

const NOW: u64 = 1_700_000_000;
const NAME: &str = "__Host-s";

fn cfg() -> Config {
    let mut c = Config::new(
        KeyRing::new(&["hardening-test-secret-0123456789abcdef"]).unwrap(),
        CookieOptions::new(NAME),
    );
    c.store_prefix = Some("s:".into());
    c
}

fn load(cfg: &Config, header: &str, now: u64) -> Loaded {
    match cfg.load(header, now, &mut OsRandom).unwrap() {
        LoadStep::Done(l) => l,
        LoadStep::Fetch(f) => panic!("unexpected fetch of {}", f.key),
    }
}

fn new_session(cfg: &Config) -> Loaded {
    load(cfg, "", NOW)
}

// Item 4: trusted data that closes its object early would add top-level
// members to the document, here a chosen session id (and so a chosen store key).
#[test]
fn trusted_data_cannot_add_document_members() {
    let cfg = cfg();
    let s = new_session(&cfg);
    let victim = "victimVictimVictim0000";
    let data = format!(r#"{{"a":1}},"i":"{victim}","x":{{}}"#);
    let change = Change {
        data: &data,
        before_data: &s.data,
        trusted: true,
        ..Change::default()
    };
    let err = cfg.save(&s.meta, &change, NOW, &mut OsRandom);
    assert!(
        matches!(err, Err(SaveError::Data(_))),
        "spliced data was saved: {err:?}"
    );
    // The same through flash.
    let change = Change {
        flash: &data,
        data: r#"{"a":1}"#,
        before_data: &s.data,
        trusted: true,
        ..Change::default()
    };
    assert!(matches!(
        cfg.save(&s.meta, &change, NOW, &mut OsRandom),
        Err(SaveError::Data(_))
    ));
    // Honest trusted data still saves.
    let change = Change {
        data: r#"{"q":"},\"i\":\"x\",{"}"#,
        before_data: &s.data,
        trusted: true,
        ..Change::default()
    };
    let plan = cfg.save(&s.meta, &change, NOW, &mut OsRandom).unwrap();
    let pair = plan.cookies[0].split(';').next().unwrap();
    let l = load(&cfg, pair, NOW + 1);
    assert_eq!(
        (l.status, l.meta.id.as_str()),
        (Status::Valid, s.meta.id.as_str())
    );
}

// Item 4: an authentic document with two top-level "i" members is refused,
// not read as whichever comes last.
#[test]
fn document_with_duplicate_member_fails_to_load() {
    let cfg = cfg();
    let ctx = Context {
        purpose: b"cookie",
        name: NAME.as_bytes(),
        subkeys: Subkeys::Cookie,
    };
    let seal = |doc: &str| {
        let header = Header::new(Mode::Sealed, Kind::Session, NOW, NOW + 3600);
        let value = envelope::seal(&cfg.ring, &ctx, header, doc.as_bytes(), &mut OsRandom).unwrap();
        format!("{NAME}={value}")
    };
    let good = load(&cfg, &seal(r#"{"i":"first","d":{"n":1}}"#), NOW + 1);
    assert_eq!(
        (good.status, good.meta.id.as_str()),
        (Status::Valid, "first")
    );
    for doc in [
        r#"{"i":"first","d":{"n":1},"i":"second"}"#,
        r#"{"i":"first","d":{"n":1},"d":{"n":2}}"#,
        r#"{"i":"first","f":{},"d":{"n":1},"f":{"x":1}}"#,
    ] {
        let l = load(&cfg, &seal(doc), NOW + 1);
        assert_eq!(
            (l.status, l.reason.map(Reason::as_str)),
            (Status::Invalid, Some("malformed")),
            "{doc}"
        );
        assert_ne!(l.meta.id, "second");
    }
}

// Item 10a: a name the context's length field cannot hold was truncated, so
// two names sharing their first 65,535 bytes shared a MAC. Validation now
// refuses long names, and sealing refuses what it cannot bind.
#[test]
fn overlong_cookie_names_are_refused() {
    let named = |n: usize| {
        let mut c = cfg();
        c.cookie = CookieOptions::new(&"n".repeat(n));
        c
    };
    assert_eq!(named(cookie::MAX_NAME_LEN).validate(), Ok(()));
    assert_eq!(
        named(cookie::MAX_NAME_LEN + 1).validate(),
        Err(ConfigError::CookieName)
    );
    assert_eq!(named(70_000).validate(), Err(ConfigError::CookieName));

    // Unvalidated, a save fails instead of sealing under a truncated name.
    let mut a = named(65_536);
    a.cookie.name.replace_range(65_535.., "a");
    let s = new_session(&a);
    let change = Change {
        data: r#"{"n":1}"#,
        before_data: &s.data,
        ..Change::default()
    };
    assert_eq!(
        a.save(&s.meta, &change, NOW, &mut OsRandom),
        Err(SaveError::TooLarge {
            size: 65_536,
            limit: 65_535
        })
    );

    // And a value sealed under a name's first 65,535 bytes does not open
    // under the longer name.
    let ctx = |name: &'static [u8]| Context {
        purpose: b"cookie",
        name,
        subkeys: Subkeys::Cookie,
    };
    let short: &'static [u8] = "n".repeat(65_535).leak().as_bytes();
    let long: &'static [u8] = a.cookie.name.clone().leak().as_bytes();
    let header = Header::new(Mode::Signed, Kind::Session, NOW, NOW + 60);
    let v = envelope::seal(&a.ring, &ctx(short), header, b"{}", &mut OsRandom).unwrap();
    assert!(envelope::open(&a.ring, &ctx(short), &v, NOW, 100).is_ok());
    assert_eq!(
        envelope::open(&a.ring, &ctx(long), &v, NOW, 100).err(),
        Some(DecodeError::TooLarge)
    );
}

// Item 8: a React Router cookie carries no authenticated time, so without a
// cut-off a copied one migrates forever. Past `not_after` it loads expired.
#[cfg(feature = "remix")]
#[test]
fn legacy_cookies_expire_at_their_cut_off() {
    use edge_session::remix::{self, RemixSecrets};
    let secrets = RemixSecrets::new(&["react-router-secret"]).unwrap();
    let value = remix::encode(r#"{"user":"ann"}"#, &secrets).unwrap();
    let header = format!("__session={value}");
    let mut cfg = cfg();
    cfg.legacy.push(Legacy::new(
        Format::Remix(RemixFormat { secrets }),
        CookieOptions::new("__session"),
    ));
    let years_later = NOW + 10 * 365 * 86_400;
    // No cut-off: still migrates ten years on.
    let l = load(&cfg, &header, years_later);
    assert_eq!((l.status, l.migrated_from), (Status::Valid, Some("remix")));

    let cut_off = NOW + 86_400;
    cfg.legacy[0].not_after = Some(cut_off);
    let l = load(&cfg, &header, cut_off);
    assert_eq!(
        (l.status, l.data.as_str()),
        (Status::Valid, r#"{"user":"ann"}"#)
    );
    for now in [cut_off + 1, years_later] {
        let l = load(&cfg, &header, now);
        assert_eq!(
            (l.status, l.reason.map(Reason::as_str)),
            (Status::Expired, Some("expired"))
        );
        assert_eq!((l.data.as_str(), l.migrated_from), ("{}", None));
    }
    // The first write after it clears the old cookie.
    let l = load(&cfg, &header, cut_off + 1);
    let change = Change {
        data: r#"{"n":1}"#,
        before_data: &l.data,
        ..Change::default()
    };
    let plan = cfg
        .save(&l.meta, &change, cut_off + 1, &mut OsRandom)
        .unwrap();
    assert_eq!(plan.cookies.len(), 2);
    assert!(
        plan.cookies[1].starts_with("__session=; "),
        "{}",
        plan.cookies[1]
    );
    // A forged old cookie past the cut-off is not "expired": it never opened.
    let forged = format!("__session={}x", &value[..value.len() - 1]);
    assert_ne!(load(&cfg, &forged, cut_off + 1).status, Status::Expired);
}
