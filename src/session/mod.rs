//! The session lifecycle, sans-IO.
//!
//! The core decides; the caller does the I/O. [`Config::load`] reads the
//! `Cookie` header and either finishes or asks for one store read
//! ([`LoadStep::Fetch`]); [`Config::load_fetched`] finishes with what the store
//! returned. [`Config::save`] compares the state before and after the request
//! and returns a [`SavePlan`]: the store operations to run first, then the
//! Set-Cookie lines to send once they succeeded. A request that only read the
//! session gets an empty plan. With a compare-and-swap store, a conditional
//! write that lost the race goes through [`Config::rebase`], which merges.
//!
//! The document inside a value is `{"i":id,"c":started,"g":generation,"d":data,"f":flash}`:
//! `g` only in store blobs, `f` left out when empty. `data` and `flash` are
//! JSON objects; `started` is when the session began, in Unix milliseconds
//! (its absolute timeout, and sign-out-everywhere).

mod config;
mod load;
mod meta;
mod options;
mod revoke;
mod save;

pub use crate::id::new_id;
pub use config::Config;
pub use load::{Fetch, LoadStep, Loaded};
pub use meta::Meta;
pub use options::OptionError;
pub use revoke::{Listed, RecordEdit, Revocation};
pub use save::{Change, Rebased, SavePlan, StoreOp};

const COOKIE_PURPOSE: &[u8] = b"cookie";
const STORE_PURPOSE: &[u8] = b"store";
/// Largest payload a cookie value may carry. Browsers send at most 4096 bytes
/// of name and value; the margin leaves room for hand-made and test values.
const MAX_COOKIE_PAYLOAD: usize = 32 * 1024;
/// The longest cookie value the core reads (a signed [`MAX_COOKIE_PAYLOAD`]):
/// callers may drop longer ones unread.
pub const MAX_COOKIE_VALUE_LEN: usize =
    (crate::envelope::HEADER_LEN + MAX_COOKIE_PAYLOAD + 32).div_ceil(3) * 4;
const EMPTY: &str = "{}";
