//! The `Cookie` header parser (`cookie::pairs`, `cookie::get`) and the
//! `Set-Cookie` writer, under arbitrary input.
//!
//! Checked: parsing allocates nothing and agrees with a plain reference
//! implementation of RFC 6265 §5.4 as the crate documents it (split on `;`,
//! trim spaces and tabs, one pair of quotes stripped, first name wins); the
//! loader's work does not grow with the header; for any valid cookie options,
//! `set_cookie_len` is the exact length of `set_cookie`, and the line parses
//! back to the same name and value.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use edge_session::cookie::{self, CookieOptions, SameSite};
use edge_session::{LoadStep, Status};
use edge_session_fuzz::{check_usage, config, max_value_len, metered, Counter, COOKIE, NOW};
use libfuzzer_sys::fuzz_target;

fn reference_pairs(header: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    for part in header.split(';') {
        let Some(eq) = part.find('=') else { continue };
        let name = part[..eq].trim_matches([' ', '\t']);
        if name.is_empty() {
            continue;
        }
        let mut value = part[eq + 1..].trim_matches([' ', '\t']);
        if value.len() >= 2 && value.starts_with('"') && value.ends_with('"') {
            value = &value[1..value.len() - 1];
        }
        out.push((name, value));
    }
    out
}

fn parse(header: &str) {
    let (n, usage) = metered(|| cookie::pairs(header).count());
    assert_eq!(usage.count, 0, "pairs() allocates nothing");
    let got: Vec<_> = cookie::pairs(header).collect();
    assert_eq!(n, got.len());
    assert_eq!(got, reference_pairs(header));
    for (name, value) in &got {
        assert!(!name.is_empty() && !name.contains([';', '=']));
        assert!(!value.contains(';'));
    }
    // get() for the first few names (all of them would be quadratic in the header).
    for (name, _) in got.iter().take(8) {
        let first = got.iter().find(|(n, _)| n == name).map(|(_, v)| *v);
        let (found, usage) = metered(|| cookie::get(header, name));
        assert_eq!(usage.count, 0, "get() allocates nothing");
        assert_eq!(found, first, "get() returns the first cookie of a name");
    }
    if !got.iter().any(|(n, _)| *n == COOKIE) {
        assert_eq!(cookie::get(header, COOKIE), None);
    }
    // The loader's allocations are bounded by the decoder limit, not by the header.
    let cfg = config(true, false);
    let (step, usage) = metered(|| cfg.load(header, NOW, &mut Counter(1)));
    let max = max_value_len();
    check_usage("cookie_header/load", usage, max + 256, 4 * max + 4096);
    if let Ok(LoadStep::Done(l)) = step {
        if cookie::get(header, COOKIE).is_none() {
            assert_eq!(l.status, Status::New);
        }
    }
}

fn set_cookie(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let mut c = CookieOptions::new(<&str>::arbitrary(u)?);
    c.path = String::arbitrary(u)?;
    c.domain = Option::<String>::arbitrary(u)?;
    c.secure = bool::arbitrary(u)?;
    c.http_only = bool::arbitrary(u)?;
    c.same_site = *u.choose(&[SameSite::Strict, SameSite::Lax, SameSite::None])?;
    c.partitioned = bool::arbitrary(u)?;
    c.expires = bool::arbitrary(u)?;
    let value = <&str>::arbitrary(u)?;
    let max_age = Option::<u64>::arbitrary(u)?;
    let now = u64::arbitrary(u)?;
    if c.validate().is_err() {
        return Ok(());
    }
    let line = c.set_cookie(value, max_age, Some(now));
    assert_eq!(line.len(), c.set_cookie_len(value.len(), max_age), "{line}");
    if cookie::is_cookie_value(value) {
        // What a browser sends back parses to the same pair.
        let pair = line.split("; ").next().unwrap();
        assert_eq!(cookie::get(pair, &c.name), Some(value), "{line}");
        assert_eq!(cookie::pairs(pair).count(), 1);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let header = String::from_utf8_lossy(data);
    parse(&header);
    let _ = set_cookie(&mut Unstructured::new(data));
});
