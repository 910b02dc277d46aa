//! Shared by the interop tests: random JSON objects, and the live check that runs
//! `tests/js/interop-fixtures.mjs` on Node with the real peer libraries.
#![allow(dead_code)]

use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

pub fn manifest_path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

pub fn read_json(rel: &str) -> Value {
    let text = std::fs::read_to_string(manifest_path(rel)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Whether to run the live Node check. `INTEROP_NODE=1` turns it on; under `CI` it must
/// be on (CI never skips it); otherwise a notice says it did not run.
pub fn live(what: &str) -> bool {
    if std::env::var("INTEROP_NODE").is_ok_and(|v| v == "1") {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI never skips the live {what} interop test: set INTEROP_NODE=1 (and install \
         tests/node_modules with `npm ci` in tests/)"
    );
    // Straight to stderr: the test harness would swallow eprintln! output.
    let _ = writeln!(
        std::io::stderr(),
        "NOTICE: INTEROP_NODE is not 1, so the live {what} interop test did not run"
    );
    false
}

/// Writes `cases` to a file and runs `interop-fixtures.mjs CMD FILE`; returns its report.
/// Panics when Node or the peer packages are missing: a live run never skips.
pub fn run_node(cmd: &str, name: &str, cases: Value) -> Value {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("interop");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(name);
    let body = serde_json::json!({ "cases": cases });
    std::fs::write(&file, serde_json::to_string_pretty(&body).unwrap()).unwrap();
    for pkg in ["iron-session", "react-router"] {
        assert!(
            manifest_path("tests/node_modules").join(pkg).is_dir(),
            "tests/node_modules/{pkg} is missing: run `npm ci` in tests/"
        );
    }
    let node = std::env::var_os("NODE").unwrap_or_else(|| "node".into());
    let out = Command::new(&node)
        .arg(manifest_path("tests/js/interop-fixtures.mjs"))
        .arg(cmd)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run node ({node:?}): {e}; install Node 20+"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|_| {
        panic!(
            "interop-fixtures.mjs {cmd} failed ({}):\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let failed: Vec<&Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ok"] != true)
        .collect();
    assert!(
        failed.is_empty() && out.status.success(),
        "the real library disagrees on {} case(s): {failed:#?}",
        failed.len()
    );
    report
}

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const CHARS: &[char] = &[
    'a',
    'z',
    'A',
    '0',
    ' ',
    '"',
    '\\',
    '/',
    '\n',
    '\t',
    '\u{0}',
    '\u{1f}',
    '\u{7f}',
    '%',
    '+',
    '=',
    '.',
    ';',
    ',',
    '*',
    '~',
    'é',
    'ß',
    'Ω',
    'ж',
    '中',
    '日',
    '\u{2028}',
    '\u{2029}',
    '\u{feff}',
    '😀',
    '🎉',
    '𝄞',
    '\u{10ffff}',
    '\u{301}',
];

fn string(rng: &mut Rng, max: u64) -> String {
    (0..rng.below(max))
        .map(|_| CHARS[rng.below(CHARS.len() as u64) as usize])
        .collect()
}

fn value(rng: &mut Rng, depth: u32) -> Value {
    let pick = if depth >= 4 {
        rng.below(5)
    } else {
        rng.below(7)
    };
    match pick {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 1),
        // Integers up to 2^53 and halves print the same in serde_json and JavaScript.
        2 => Value::from(rng.below(1 << 53) as i64 - (1 << 52)),
        3 => serde_json::json!(rng.below(1000) as f64 / 4.0 - 100.0),
        4 => Value::String(string(rng, 12)),
        5 => Value::Array((0..rng.below(4)).map(|_| value(rng, depth + 1)).collect()),
        _ => Value::Object(object(rng, depth + 1)),
    }
}

fn object(rng: &mut Rng, depth: u32) -> Map<String, Value> {
    let mut m = Map::new();
    for _ in 0..rng.below(5) {
        // Keys start with a letter: JavaScript moves integer-like keys to the front.
        let key = format!("k{}", string(rng, 6));
        m.insert(key, value(rng, depth));
    }
    m
}

/// `n` random JSON objects, as compact text.
pub fn random_objects(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| Value::Object(object(&mut rng, 0)).to_string())
        .collect()
}
