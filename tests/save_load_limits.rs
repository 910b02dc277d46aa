//! What `Config::save` accepts, `Config::load` must accept: otherwise a
//! session at the limit is written, then lost on the next request (status
//! `invalid`). Found by the `round_trip` fuzz target (fuzz/); these are its
//! minimal reproducers.

use edge_session::cookie::CookieOptions;
use edge_session::{Change, Config, KeyRing, LoadStep, OsRandom, Reason, StoreOp};

const NOW: u64 = 1_800_000_000;

fn config() -> Config {
    let mut cfg = Config::new(
        KeyRing::new(&["save-load-limits-secret-0123456789abcdef"]).unwrap(),
        CookieOptions::new("__Host-session"),
    );
    cfg.store_prefix = Some("session:".into());
    cfg
}

/// Saves `data` into a new session, then loads it back as the browser and the store would.
fn round_trip(cfg: &Config, data: &str) -> Result<(&'static str, Option<&'static str>), String> {
    let LoadStep::Done(fresh) = cfg.load("", NOW, &mut OsRandom).unwrap() else {
        unreachable!()
    };
    let change = Change {
        data,
        before_data: &fresh.data,
        ..Change::default()
    };
    let plan = cfg
        .save(&fresh.meta, &change, NOW, &mut OsRandom)
        .map_err(|e| format!("save refused it: {e:?}"))?;
    let cookie = plan.cookies[0].split(';').next().unwrap().to_string();
    let loaded = match cfg.load(&cookie, NOW + 1, &mut OsRandom).unwrap() {
        LoadStep::Done(l) => l,
        LoadStep::Fetch(f) => {
            let blob = plan.store.iter().find_map(|op| match op {
                StoreOp::Put { value, .. } => Some(value.as_str()),
                _ => None,
            });
            cfg.load_fetched(f, blob, NOW + 1, &mut OsRandom).unwrap()
        }
    };
    Ok((loaded.status.as_str(), loaded.reason.map(Reason::as_str)))
}

#[test]
fn data_nested_exactly_max_depth_saves_and_loads_back() {
    let cfg = config();
    let depth = cfg.limits.max_depth; // the data object itself is level 1
    let data = format!(
        "{{\"v\":{}0{}}}",
        "[".repeat(depth - 1),
        "]".repeat(depth - 1)
    );
    // Today: saved, then "invalid"/"too_deep" on load, as the document adds a level.
    assert_eq!(round_trip(&cfg, &data), Ok(("valid", None)));
}

#[test]
fn data_of_exactly_max_bytes_saves_and_loads_back() {
    let cfg = config();
    let n = cfg.limits.max_bytes - r#"{"s":""}"#.len();
    let data = format!(r#"{{"s":"{}"}}"#, "x".repeat(n));
    assert_eq!(data.len(), cfg.limits.max_bytes);
    // Today: saved (spilled), then "invalid"/"too_large" on load: the document is longer.
    assert_eq!(round_trip(&cfg, &data), Ok(("valid", None)));
}

#[test]
fn one_level_and_a_few_bytes_under_the_limits_round_trip() {
    // The passing side of the same boundary, so the two tests above fail for the reason stated.
    let cfg = config();
    let depth = cfg.limits.max_depth - 1;
    let data = format!(
        "{{\"v\":{}0{}}}",
        "[".repeat(depth - 1),
        "]".repeat(depth - 1)
    );
    assert_eq!(round_trip(&cfg, &data), Ok(("valid", None)));
    let data = format!(r#"{{"s":"{}"}}"#, "x".repeat(cfg.limits.max_bytes - 100));
    assert_eq!(round_trip(&cfg, &data), Ok(("valid", None)));
}
