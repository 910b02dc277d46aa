//! Shared pieces of the fuzz targets: the fixed configuration they decode
//! with, an allocation meter, and a bounded JSON generator.
//!
//! The allocation meter is the global allocator of every target. A target arms
//! it around the code under test only (never around its own set-up), then
//! asserts that no single allocation and no live total went past a bound that
//! follows from the configured limits, not from the input length. This is the
//! check behind "no allocation beyond the configured limits": it holds without
//! a sanitizer, which `-malloc_limit_mb` needs to see individual mallocs.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

use arbitrary::{Arbitrary, Result as ArbResult, Unstructured};
use edge_session::cookie::CookieOptions;
use edge_session::{Config, KeyRing, Limits, Random, RandomError};
use serde_json::{Map, Number, Value};

// ---- the fixed configuration --------------------------------------------------------------

/// The secrets of tests/vectors/native.json, so the seed values open.
pub const SECRETS: [&str; 2] = [
    "edge-session test vector secret #1 (new) 0123456789",
    "edge-session test vector secret #0 (old) 0123456789",
];
/// The cookie name of the vectors.
pub const COOKIE: &str = "__Host-session";
/// The vectors' clock: their values are issued just before it and expire after.
pub const NOW: u64 = 1_760_000_000;
/// The decoder limits the targets configure; allocation bounds follow from them.
pub const LIMITS: Limits = Limits {
    max_bytes: 4096,
    max_depth: 32,
};

/// Bounds on a whole session document, `{"i":id,"d":data,"f":flash}`, when data
/// and flash are each within [`LIMITS`]: both at `max_bytes`, plus the id and
/// the punctuation (under 256 bytes), and one more level of nesting. The loader
/// may decode this much, and no more (cookies are also capped at 32 KiB).
pub const DOC_LIMITS: Limits = Limits {
    max_bytes: 2 * LIMITS.max_bytes + 256,
    max_depth: LIMITS.max_depth + 1,
};

/// The longest value the loader may decode: a signed document at [`DOC_LIMITS`].
pub fn max_value_len() -> usize {
    edge_session::envelope::encoded_len(edge_session::Mode::Signed, DOC_LIMITS.max_bytes)
}

/// A config for the fixed ring and name; `store` adds a store prefix.
pub fn config(store: bool, signed: bool) -> &'static Config {
    static CONFIGS: OnceLock<[Config; 4]> = OnceLock::new();
    let all = CONFIGS.get_or_init(|| {
        let make = |store: bool, signed: bool| {
            let mut cfg = Config::new(
                KeyRing::new(&SECRETS).expect("fixed secrets"),
                CookieOptions::new(COOKIE),
            );
            cfg.limits = LIMITS;
            cfg.mode = if signed {
                edge_session::Mode::Signed
            } else {
                edge_session::Mode::Sealed
            };
            if store {
                cfg.store_prefix = Some("session:".into());
            }
            cfg.validate().expect("fixed config");
            cfg
        };
        [
            make(false, false),
            make(false, true),
            make(true, false),
            make(true, true),
        ]
    });
    &all[(store as usize) * 2 + signed as usize]
}

/// A deterministic RNG: the targets must be reproducible from their input alone.
pub struct Counter(pub u64);

impl Random for Counter {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
        for b in buf {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *b = (self.0 >> 56) as u8;
        }
        Ok(())
    }
}

// ---- the allocation meter ---------------------------------------------------------------

/// Counts allocations while armed; otherwise a plain pass-through to `System`.
pub struct Meter;

static ARMED: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static LARGEST: AtomicUsize = AtomicUsize::new(0);
static COUNT: AtomicUsize = AtomicUsize::new(0);

fn note_alloc(size: usize) {
    if ARMED.load(Ordering::Relaxed) {
        COUNT.fetch_add(1, Ordering::Relaxed);
        LARGEST.fetch_max(size, Ordering::Relaxed);
        let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
        PEAK.fetch_max(live, Ordering::Relaxed);
    }
}

fn note_free(size: usize) {
    if ARMED.load(Ordering::Relaxed) {
        // Memory allocated before arming may be freed while armed: saturate.
        let _ = LIVE.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| {
            Some(l.saturating_sub(size))
        });
    }
}

unsafe impl GlobalAlloc for Meter {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        note_free(layout.size());
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_free(layout.size());
        note_alloc(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static GLOBAL: Meter = Meter;

/// What one armed section allocated.
#[derive(Clone, Copy, Debug, Default)]
pub struct Usage {
    /// The largest single allocation (or reallocation), in bytes.
    pub largest: usize,
    /// The most bytes live at once, counting only what the section allocated.
    pub peak: usize,
    /// How many allocations.
    pub count: usize,
}

/// Runs `f` with the meter armed and returns its result and what it allocated.
pub fn metered<T>(f: impl FnOnce() -> T) -> (T, Usage) {
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    LARGEST.store(0, Ordering::Relaxed);
    COUNT.store(0, Ordering::Relaxed);
    ARMED.store(true, Ordering::SeqCst);
    let out = f();
    ARMED.store(false, Ordering::SeqCst);
    let usage = Usage {
        largest: LARGEST.load(Ordering::Relaxed),
        peak: PEAK.load(Ordering::Relaxed),
        count: COUNT.load(Ordering::Relaxed),
    };
    (out, usage)
}

thread_local! {
    static SEEN: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

/// Asserts `usage` is within `largest`/`peak`, and logs (to stderr) each time
/// a target reaches a new high, so a run's maxima can be read off its log.
pub fn check_usage(target: &str, usage: Usage, largest: usize, peak: usize) {
    assert!(
        usage.largest <= largest,
        "{target}: one allocation of {} bytes, bound {largest}",
        usage.largest
    );
    assert!(
        usage.peak <= peak,
        "{target}: {} bytes live at once, bound {peak}",
        usage.peak
    );
    SEEN.with(|seen| {
        let (l, p) = seen.get();
        if usage.largest > l + l / 4 || usage.peak > p + p / 4 {
            let (l, p) = (l.max(usage.largest), p.max(usage.peak));
            seen.set((l, p));
            eprintln!("#alloc-max {target}: largest {l} B, peak live {p} B");
        }
    });
}

// ---- bounded JSON ------------------------------------------------------------------------

/// Nesting the generator goes up to: past [`LIMITS`]' max_depth, so the
/// too-deep path is exercised too.
pub const GEN_MAX_DEPTH: usize = 40;

/// An arbitrary JSON value, depth-bounded so generating and dropping it never
/// recurses without bound.
pub fn json_value(u: &mut Unstructured<'_>, depth: usize) -> ArbResult<Value> {
    let leaf = depth >= GEN_MAX_DEPTH || u.is_empty();
    let pick = if leaf {
        u.int_in_range(0..=5)?
    } else {
        u.int_in_range(0..=7)?
    };
    Ok(match pick {
        0 => Value::Null,
        1 => Value::Bool(bool::arbitrary(u)?),
        2 => Value::from(i64::arbitrary(u)?),
        3 => Value::from(u64::arbitrary(u)?),
        4 => Number::from_f64(f64::arbitrary(u)?).map_or(Value::Null, Value::Number),
        5 => Value::String(String::arbitrary(u)?),
        6 => {
            let n = u.int_in_range(0..=6)?;
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(json_value(u, depth + 1)?);
            }
            Value::Array(items)
        }
        _ => Value::Object(json_object(u, depth + 1)?),
    })
}

/// An arbitrary JSON object at `depth` (the top object is depth 1).
pub fn json_object(u: &mut Unstructured<'_>, depth: usize) -> ArbResult<Map<String, Value>> {
    let n = if depth >= GEN_MAX_DEPTH {
        0
    } else {
        u.int_in_range(0..=6)?
    };
    let mut m = Map::new();
    for _ in 0..n {
        let k = String::arbitrary(u)?;
        let v = json_value(u, depth)?;
        m.insert(k, v);
    }
    Ok(m)
}

/// Nesting depth of a value as the decoder counts it: objects and arrays.
pub fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}
