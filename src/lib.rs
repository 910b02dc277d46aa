//! # edge-session
//!
//! Signed and sealed session cookies for edge runtimes: a `no_std` + `alloc`
//! core, compiled to WebAssembly for Cloudflare Workers, Deno, browsers and
//! Node, and usable as is from a native Rust server.
//!
//! - [`envelope`]: the v1 wire format (AES-256-GCM sealed or HMAC-SHA256 signed).
//! - [`keys`]: secrets, HKDF subkeys and key ids, for rotation.
//! - [`cookie`]: `Cookie` parsing, `Set-Cookie` writing and exact measuring.
//! - [`session`]: the sans-IO lifecycle: load, save, spill, rotate.
//! - [`json`]: the one-pass JSON syntax check every payload goes through.
//! - [`spill`]: store keys, TTLs and the sealed reference a spilled cookie carries.
//! - `beaker` (feature `beaker`): TurboGears/Beaker cookie sessions.
//!
//! The core reads no clock and owns no RNG: time is a parameter and
//! randomness a [`Random`] implementation ([`OsRandom`] under `std`).
//!
//! ```
//! use edge_session::*;
//! let cfg = Config::new(KeyRing::new(&["a secret of at least 32 bytes!!!"]).unwrap(),
//!                       cookie::CookieOptions::new("__Host-session"));
//! let now = 1_700_000_000; // the clock is passed in, in Unix seconds
//! let LoadStep::Done(s) = cfg.load("", now, &mut OsRandom).unwrap() else { unreachable!() };
//! let change = Change { data: r#"{"user":"ada"}"#, before_data: &s.data, ..Change::default() };
//! let plan = cfg.save(&s.meta, &change, now, &mut OsRandom).unwrap();
//! let cookie = plan.cookies[0].split(';').next().unwrap();
//! let LoadStep::Done(s) = cfg.load(cookie, now + 1, &mut OsRandom).unwrap() else { unreachable!() };
//! assert_eq!((s.status, s.data.as_str()), (Status::Valid, r#"{"user":"ada"}"#));
//! ```

#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod cookie;
pub mod deferred;
pub mod envelope;
mod error;
pub mod formats;
mod id;
pub mod json;
pub mod keys;
pub mod payload;
mod random;
pub mod session;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd;
pub mod spill;
pub mod status;
mod text;
#[cfg(all(feature = "wasm", target_family = "wasm"))]
mod wasm;
#[cfg(all(feature = "wasm", target_family = "wasm"))]
pub use wasm::Codec;

// The foreign formats live in `formats/`; their modules keep their top-level names.
#[cfg(feature = "beaker")]
pub use formats::beaker;
#[cfg(feature = "cookie-rs")]
pub use formats::cookie_rs;
#[cfg(feature = "iron")]
pub use formats::iron;
#[cfg(feature = "remix")]
pub use formats::remix;

pub use deferred::{Answer, Deferred};
pub use envelope::{Bulk, Context, Header, Kind, Mode, Opened, Software, Subkeys};
pub use error::{ConfigError, DecodeError};
#[cfg(feature = "beaker")]
pub use formats::BeakerFormat;
#[cfg(feature = "cookie-rs")]
pub use formats::CookieRsFormat;
#[cfg(feature = "iron")]
pub use formats::IronFormat;
#[cfg(feature = "remix")]
pub use formats::RemixFormat;
pub use formats::{Format, Legacy};
pub use keys::{Key, KeyRing, MIN_SECRET_LEN};
pub use payload::Limits;
#[cfg(feature = "std")]
pub use random::OsRandom;
pub use random::{Random, RandomError, RandomPool};
pub use session::{
    Change, Config, Fetch, LoadStep, Loaded, Meta, OptionError, Rebased, SavePlan, StoreOp,
};
pub use status::{ClockError, LoadError, Reason, SaveError, Status};
