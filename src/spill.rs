//! Store spill: where a session goes when it does not fit in a cookie.
//!
//! The store key is a keyed hash of the session id (the store-id subkey), so
//! someone who can list the store learns no session ids. The blob is sealed
//! with the store-encrypt subkey and bound to its store key, so it cannot be
//! moved to another key. The cookie then carries a sealed [`Reference`]: the
//! id, a generation counter, and a digest of the blob, so a stale or missing
//! read from an eventually consistent store is detected, never served.

use alloc::string::String;
use alloc::vec::Vec;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::Mac;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::keys::{Key, Purpose};
use crate::DecodeError;

/// Workers KV refuses an `expirationTtl` below 60 seconds.
pub const MIN_TTL: u64 = 60;
/// Bytes of SHA-256 kept as the blob digest.
pub const DIGEST_LEN: usize = 16;
/// Longest store key prefix accepted.
pub const MAX_PREFIX_LEN: usize = 128;

/// The store key for a session id: `prefix || base64url(HMAC(store-id subkey, id))`.
///
/// ```
/// use edge_session::{spill, KeyRing};
/// let ring = KeyRing::new(&["k".repeat(32)]).unwrap();
/// let k = spill::store_key(ring.current(), "sess:", "abc");
/// assert!(k.starts_with("sess:") && k.len() == 5 + 43);
/// assert_ne!(k, spill::store_key(ring.current(), "sess:", "abd"));
/// ```
pub fn store_key(key: &Key, prefix: &str, id: &str) -> String {
    let mut mac = key.mac(Purpose::StoreId);
    mac.update(id.as_bytes());
    let tag = mac.finalize().into_bytes();
    let mut out = String::with_capacity(prefix.len() + 43);
    out.push_str(prefix);
    URL_SAFE_NO_PAD.encode_string(tag, &mut out);
    out
}

/// The TTL to give a store entry: the session's remaining life, at least [`MIN_TTL`].
///
/// ```
/// use edge_session::spill::ttl;
/// assert_eq!(ttl(100, 130), 60);
/// assert_eq!(ttl(100, 100 + 86_400), 86_400);
/// assert_eq!(ttl(500, 100), 60);
/// ```
pub fn ttl(now: u64, expires_at: u64) -> u64 {
    expires_at.saturating_sub(now).max(MIN_TTL)
}

/// The digest of a blob, as the reference carries it.
///
/// ```
/// let d = edge_session::spill::digest("blob");
/// assert_eq!(d.len(), 16);
/// ```
pub fn digest(blob: &str) -> [u8; DIGEST_LEN] {
    let full = Sha256::digest(blob.as_bytes());
    let mut d = [0u8; DIGEST_LEN];
    d.copy_from_slice(&full[..DIGEST_LEN]);
    d
}

/// What a spilled session's cookie carries: `generation(4) || digest(16) || id`.
///
/// ```
/// use edge_session::spill::Reference;
/// let r = Reference { generation: 3, digest: [1; 16], id: "abc".into() };
/// assert_eq!(Reference::from_bytes(&r.to_bytes()).unwrap(), r);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// Bumped on every write, so a reader can tell versions apart.
    pub generation: u32,
    /// SHA-256 of the blob, truncated to 16 bytes.
    pub digest: [u8; DIGEST_LEN],
    /// The session id.
    pub id: String,
}

impl Reference {
    /// The payload bytes.
    ///
    /// ```
    /// # use edge_session::spill::Reference;
    /// let r = Reference { generation: 1, digest: [0; 16], id: "x".into() };
    /// assert_eq!(r.to_bytes().len(), 21);
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + DIGEST_LEN + self.id.len());
        out.extend_from_slice(&self.generation.to_be_bytes());
        out.extend_from_slice(&self.digest);
        out.extend_from_slice(self.id.as_bytes());
        out
    }

    /// Parses the payload bytes.
    ///
    /// ```
    /// # use edge_session::{spill::Reference, DecodeError};
    /// assert_eq!(Reference::from_bytes(b"short"), Err(DecodeError::Malformed));
    /// ```
    pub fn from_bytes(b: &[u8]) -> Result<Self, DecodeError> {
        if b.len() < 4 + DIGEST_LEN + 1 {
            return Err(DecodeError::Malformed);
        }
        let (g, rest) = b.split_at(4);
        let (d, id) = rest.split_at(DIGEST_LEN);
        let id = core::str::from_utf8(id).map_err(|_| DecodeError::Malformed)?;
        let mut digest = [0u8; DIGEST_LEN];
        digest.copy_from_slice(d);
        Ok(Reference {
            generation: u32::from_be_bytes([g[0], g[1], g[2], g[3]]),
            digest,
            id: String::from(id),
        })
    }

    /// True when `blob` is the one this reference was written with (constant time).
    ///
    /// ```
    /// # use edge_session::spill::{digest, Reference};
    /// let r = Reference { generation: 1, digest: digest("b"), id: "x".into() };
    /// assert!(r.matches("b") && !r.matches("c"));
    /// ```
    pub fn matches(&self, blob: &str) -> bool {
        digest(blob).ct_eq(&self.digest).into()
    }
}
