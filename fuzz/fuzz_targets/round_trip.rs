//! Round trip: an arbitrary JSON object (and flash object) is saved, then
//! loaded back, and must come back the same: inline or spilled to a store,
//! sealed or signed.
//!
//! The first byte picks the options; then either a structured JSON object is
//! generated from the rest (bit 0x40 clear), or the rest is used as raw data
//! text (bit 0x40 set). Raw text the save accepts must load back as the same
//! text (up to surrounding JSON whitespace); text it refuses must be text
//! `payload::check_object` refuses. Nothing the save accepts may fail to load.
#![no_main]

use arbitrary::Unstructured;
use edge_session::{
    payload, Change, Config, DecodeError, LoadStep, Loaded, SaveError, Status, StoreOp,
};
use edge_session_fuzz::{config, depth, json_object, Counter, LIMITS, NOW};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const JSON_WS: [char; 4] = [' ', '\t', '\n', '\r'];

/// Saves `data`/`flash` into a new session, then loads what the browser would
/// send back (running the store operations on a one-entry store). `trusted`:
/// the text comes from a JSON serializer, so save may skip its syntax pass.
fn save_and_load(
    cfg: &Config,
    data: &str,
    flash: &str,
    regenerate: bool,
    trusted: bool,
) -> Result<Option<Loaded>, SaveError> {
    let mut rng = Counter(u64::from(regenerate));
    let LoadStep::Done(fresh) = cfg.load("", NOW, &mut rng).unwrap() else {
        unreachable!("no cookie, no fetch")
    };
    let change = Change {
        data,
        before_data: &fresh.data,
        flash,
        before_flash: &fresh.flash,
        regenerate,
        trusted,
        ..Change::default()
    };
    let plan = cfg.save(&fresh.meta, &change, NOW, &mut rng)?;
    if plan.cookies.is_empty() {
        // Nothing to write: only a new session that stayed empty.
        assert_eq!(
            (data.trim_matches(JSON_WS), flash.trim_matches(JSON_WS)),
            ("{}", "{}")
        );
        assert!(plan.store.is_empty());
        return Ok(None);
    }
    let mut stored: Option<(String, String)> = None;
    for op in &plan.store {
        match op {
            StoreOp::Put { key, value, ttl, .. } => {
                assert!(*ttl >= 60);
                assert!(
                    !value.contains(data) || data.len() < 8,
                    "the store blob is sealed"
                );
                stored = Some((key.clone(), value.clone()));
            }
            StoreOp::Delete { .. } => panic!("a new session has nothing to delete"),
        }
    }
    assert_eq!(plan.cookies.len(), 1);
    let line = &plan.cookies[0];
    assert!(
        line.len() <= cfg.inline_limit,
        "Set-Cookie line of {} bytes",
        line.len()
    );
    let pair = line.split(';').next().unwrap();
    let meta = plan.meta.as_ref().unwrap();
    let loaded = match cfg.load(pair, NOW + 1, &mut rng).unwrap() {
        LoadStep::Done(l) => {
            assert!(
                stored.is_none(),
                "spilled, but the cookie did not ask for the blob"
            );
            l
        }
        LoadStep::Fetch(f) => {
            let (key, blob) = stored.expect("a fetch, but nothing was written");
            assert_eq!(f.key, key);
            cfg.load_fetched(f, Some(&blob), NOW + 1, &mut rng).unwrap()
        }
    };
    assert_eq!(
        loaded.status,
        Status::Valid,
        "{:?} for what was just saved",
        loaded.reason
    );
    assert_eq!(loaded.meta.id, meta.id);
    Ok(Some(loaded))
}

fn structured(cfg: &Config, u: &mut Unstructured<'_>, regenerate: bool) -> arbitrary::Result<()> {
    let data = Value::Object(json_object(u, 1)?);
    let flash = Value::Object(json_object(u, 1)?);
    let (data_text, flash_text) = (data.to_string(), flash.to_string());
    let too_deep = depth(&data) > LIMITS.max_depth || depth(&flash) > LIMITS.max_depth;
    let too_big = data_text.len() > LIMITS.max_bytes || flash_text.len() > LIMITS.max_bytes;
    match save_and_load(cfg, &data_text, &flash_text, regenerate, true) {
        Ok(Some(l)) => {
            assert!(!too_deep && !too_big);
            assert_eq!(l.data, data_text, "data changed in the round trip");
            assert_eq!(l.flash, flash_text, "flash changed in the round trip");
        }
        Ok(None) => {}
        Err(SaveError::Data(DecodeError::TooDeep)) => assert!(too_deep),
        Err(SaveError::Data(DecodeError::TooLarge)) => assert!(too_big),
        Err(SaveError::TooLarge { size, limit }) => {
            assert!(cfg.store_prefix.is_none() && size > limit);
        }
        Err(e) => panic!("save refused a JSON object: {e:?}"),
    }
    Ok(())
}

fn raw(cfg: &Config, data: &str, regenerate: bool) {
    let accepted = payload::check_object(data.as_bytes(), &LIMITS);
    match save_and_load(cfg, data, "{}", regenerate, false) {
        Ok(Some(l)) => {
            assert!(accepted.is_ok());
            assert_eq!(
                l.data,
                data.trim_matches(JSON_WS),
                "raw data changed in the round trip"
            );
        }
        Ok(None) => assert!(accepted.is_ok()),
        Err(SaveError::Data(e)) => assert_eq!(accepted, Err(e)),
        Err(SaveError::TooLarge { .. }) => assert!(cfg.store_prefix.is_none()),
        Err(e) => panic!("unexpected {e:?}"),
    }
}

fuzz_target!(|input: &[u8]| {
    let Some((&sel, rest)) = input.split_first() else {
        return;
    };
    let cfg = config(sel & 1 != 0, sel & 2 != 0);
    let regenerate = sel & 4 != 0;
    if sel & 0x40 != 0 {
        raw(cfg, &String::from_utf8_lossy(rest), regenerate);
    } else {
        let _ = structured(cfg, &mut Unstructured::new(rest), regenerate);
    }
});
