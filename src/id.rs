//! Session ids: 16 random bytes, base64url.

use alloc::string::String;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::{Random, RandomError};

const ID_BYTES: usize = 16;

/// A new random session id: 16 bytes, base64url (22 characters).
///
/// ```
/// let id = edge_session::session::new_id(&mut edge_session::OsRandom).unwrap();
/// assert_eq!(id.len(), 22);
/// ```
pub fn new_id(rng: &mut impl Random) -> Result<String, RandomError> {
    let mut b = [0u8; ID_BYTES];
    rng.fill(&mut b)?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

/// True for an id this crate (or a foreign format) could have issued.
pub(crate) fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
