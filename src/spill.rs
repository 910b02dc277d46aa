//! Store spill: where a session goes when it does not fit in a cookie.
//!
//! Store keys are keyed hashes of the session id (the store-id subkey), so
//! someone who can list the store learns no session ids. Blobs are sealed
//! with the store-encrypt subkey and bound to their store key, so a blob
//! cannot be moved to another key. The cookie carries a sealed [`Pointer`].
//!
//! Two layouts, chosen by what the store can do:
//!
//! - **Versioned** (any `get/put/delete` store, such as Workers KV): every
//!   write goes to a new, immutable key `base.tag`. A cookie names its own
//!   version, so a sibling request that still carries an older cookie reads
//!   the data it names. A version is deleted once it is superseded twice and
//!   at least [`RETIRE_AFTER_MS`] old, which keeps two live blobs per session
//!   and keeps deletes off KV's one-write-per-second-per-key limit.
//! - **Head** (stores with compare-and-swap: Durable Objects, Deno KV): one
//!   key per session, written only if unchanged since it was read; a
//!   conflicting write is merged per top-level key. A cookie accepts the
//!   generation it names or a newer one.
//!
//! 0.1 cookies carry a [`Reference`] to a single key rewritten in place;
//! they still load.

use alloc::string::String;
use alloc::vec::Vec;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::Mac;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

use crate::envelope;
use crate::keys::{Key, Purpose};
use crate::DecodeError;

/// Workers KV refuses an `expirationTtl` below 60 seconds.
pub const MIN_TTL: u64 = 60;
/// Bytes of SHA-256 kept as the blob digest.
pub const DIGEST_LEN: usize = 16;
/// The store key prefix when none is given.
pub const DEFAULT_PREFIX: &str = "session:";
/// Longest store key prefix accepted.
pub const MAX_PREFIX_LEN: usize = 128;
/// How long an eventually consistent store may serve an older value (or
/// nothing) for a key: Workers KV's documented propagation bound.
pub const LAG_WINDOW: u64 = 60;
/// A superseded version is deleted only once it is this old: Workers KV
/// refuses a second write (a delete counts) to one key within a second; the
/// rest is slack for clocks that differ between the writer and the deleter.
pub const RETIRE_AFTER_MS: u64 = 1200;
/// Random bytes in a version tag (12 base64url characters).
pub const TAG_LEN: usize = 9;
/// Most versions a pointer remembers: the current one, the one it
/// superseded (siblings may still read it), and retired ones not yet old
/// enough to delete. Past this, the oldest is deleted early.
pub const MAX_VERSIONS: usize = 10;
const HASH_LEN: usize = 32;
/// Set in a pointer's layout byte when its digest is [`Digest::Identity`].
const IDENTITY_BIT: u8 = 0x80;

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
    base_key(prefix, &id_hash(key, id))
}

/// The keyed hash of a session id that its store keys are built from.
///
/// ```
/// use edge_session::{spill, KeyRing};
/// let ring = KeyRing::new(&["k".repeat(32)]).unwrap();
/// assert_eq!(spill::id_hash(ring.current(), "abc").len(), 32);
/// ```
pub fn id_hash(key: &Key, id: &str) -> [u8; HASH_LEN] {
    let mut mac = key.mac(Purpose::StoreId);
    mac.update(id.as_bytes());
    mac.finalize().into_bytes().into()
}

/// `prefix || base64url(hash)`: a head key, and the base of version keys.
///
/// ```
/// assert_eq!(edge_session::spill::base_key("p:", &[0; 32]).len(), 2 + 43);
/// ```
pub fn base_key(prefix: &str, hash: &[u8; HASH_LEN]) -> String {
    let mut out = String::with_capacity(prefix.len() + 43 + 1 + 12);
    out.push_str(prefix);
    URL_SAFE_NO_PAD.encode_string(hash, &mut out);
    out
}

/// The key of one version: `base || "." || base64url(tag)`.
///
/// ```
/// let k = edge_session::spill::version_key("p:abc", &[0; 9]);
/// assert_eq!(k, "p:abc.AAAAAAAAAAAA");
/// ```
pub fn version_key(base: &str, tag: &[u8; TAG_LEN]) -> String {
    let mut out = String::with_capacity(base.len() + 13);
    out.push_str(base);
    out.push('.');
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
}

/// How a spilled session is laid out in the store.
///
/// ```
/// use edge_session::spill::Layout;
/// assert_ne!(Layout::Versioned, Layout::Head);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One immutable key per write (any store).
    Versioned,
    /// One key per session, written by compare-and-swap.
    Head,
    /// 0.1: one key per session, rewritten in place. Read, never written.
    Single,
}

/// One written version of a session: its tag and when it was written.
///
/// ```
/// use edge_session::spill::Version;
/// let v = Version { tag: [1; 9], at_ms: 5 };
/// assert_eq!(v.at_ms, 5);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Version {
    /// The random tag in the version's key.
    pub tag: [u8; TAG_LEN],
    /// When it was written, in Unix milliseconds.
    pub at_ms: u64,
}

/// What a spilled session's cookie carries:
///
/// ```text
/// layout(1) generation(4) digest(16) id_hash(32) count(1) count × (tag(9) at_ms(6)) id
/// ```
///
/// `layout` is 0 for head, 1 for versioned, with bit 7 set when the digest
/// is the blob's [`Digest::Identity`]; versions are newest first, and the
/// head layout has none.
///
/// ```
/// use edge_session::spill::{Digest, Layout, Pointer, Version};
/// let p = Pointer { layout: Layout::Versioned, generation: 3, digest: Digest::Identity([1; 16]), hash: [2; 32],
///                   versions: vec![Version { tag: [3; 9], at_ms: 1_700_000_000_000 }],
///                   id: "abc".into() };
/// assert_eq!(Pointer::from_bytes(&p.to_bytes()).unwrap(), p);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pointer {
    /// Versioned or head ([`Layout::Single`] only for a 0.1 [`Reference`]).
    pub layout: Layout,
    /// Bumped on every write of the session's data.
    pub generation: u32,
    /// Names the blob written.
    pub digest: Digest,
    /// [`id_hash`] of the session id under the key that wrote it.
    pub hash: [u8; HASH_LEN],
    /// Versioned: the current version first, then older ones still to retire.
    pub versions: Vec<Version>,
    /// The session id.
    pub id: String,
}

impl Pointer {
    /// The payload bytes.
    ///
    /// ```
    /// # use edge_session::spill::{Digest, Layout, Pointer};
    /// let p = Pointer { layout: Layout::Head, generation: 1, digest: Digest::Identity([0; 16]), hash: [0; 32],
    ///                   versions: vec![], id: "x".into() };
    /// assert_eq!(p.to_bytes().len(), 1 + 4 + 16 + 32 + 1 + 1);
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let n = self.versions.len().min(MAX_VERSIONS);
        let mut out = Vec::with_capacity(54 + n * (TAG_LEN + 6) + self.id.len());
        let (identity, digest) = match &self.digest {
            Digest::Sha256(d) => (0, d),
            Digest::Identity(d) => (IDENTITY_BIT, d),
        };
        out.push(
            identity
                | match self.layout {
                    Layout::Head => 0,
                    Layout::Versioned => 1,
                    Layout::Single => 2,
                },
        );
        out.extend_from_slice(&self.generation.to_be_bytes());
        out.extend_from_slice(digest);
        out.extend_from_slice(&self.hash);
        out.push(n as u8);
        for v in &self.versions[..n] {
            out.extend_from_slice(&v.tag);
            out.extend_from_slice(&v.at_ms.min((1 << 48) - 1).to_be_bytes()[2..]);
        }
        out.extend_from_slice(self.id.as_bytes());
        out
    }

    /// Parses the payload bytes.
    ///
    /// ```
    /// # use edge_session::{spill::Pointer, DecodeError};
    /// assert_eq!(Pointer::from_bytes(b"short"), Err(DecodeError::Malformed));
    /// ```
    pub fn from_bytes(b: &[u8]) -> Result<Self, DecodeError> {
        let bad = DecodeError::Malformed;
        let (&first, rest) = b.split_first().ok_or(bad)?;
        let layout = match first & !IDENTITY_BIT {
            0 => Layout::Head,
            1 => Layout::Versioned,
            2 => Layout::Single,
            _ => return Err(bad),
        };
        let (g, rest) = rest.split_at_checked(4).ok_or(bad)?;
        let (d, rest) = rest.split_at_checked(DIGEST_LEN).ok_or(bad)?;
        let (h, rest) = rest.split_at_checked(HASH_LEN).ok_or(bad)?;
        let (&n, mut rest) = rest.split_first().ok_or(bad)?;
        let n = n as usize;
        if n > MAX_VERSIONS || (layout == Layout::Versioned) != (n > 0) {
            return Err(bad);
        }
        let mut versions = Vec::with_capacity(n);
        for _ in 0..n {
            let (v, r) = rest.split_at_checked(TAG_LEN + 6).ok_or(bad)?;
            let mut tag = [0u8; TAG_LEN];
            tag.copy_from_slice(&v[..TAG_LEN]);
            let at_ms = v[TAG_LEN..].iter().fold(0u64, |a, &x| (a << 8) | x as u64);
            versions.push(Version { tag, at_ms });
            rest = r;
        }
        let id = core::str::from_utf8(rest).map_err(|_| bad)?;
        if id.is_empty() {
            return Err(bad);
        }
        let mut digest = [0u8; DIGEST_LEN];
        digest.copy_from_slice(d);
        let digest = if first & IDENTITY_BIT != 0 {
            Digest::Identity(digest)
        } else {
            Digest::Sha256(digest)
        };
        let mut hash = [0u8; HASH_LEN];
        hash.copy_from_slice(h);
        Ok(Pointer {
            layout,
            generation: u32::from_be_bytes([g[0], g[1], g[2], g[3]]),
            digest,
            hash,
            versions,
            id: String::from(id),
        })
    }

    /// The store key this pointer reads: the head, or the current version.
    ///
    /// ```
    /// # use edge_session::spill::{Digest, Layout, Pointer};
    /// let p = Pointer { layout: Layout::Head, generation: 1, digest: Digest::Identity([0; 16]), hash: [0; 32],
    ///                   versions: vec![], id: "x".into() };
    /// assert!(p.key("s:").starts_with("s:AAAA"));
    /// ```
    pub fn key(&self, prefix: &str) -> String {
        let base = base_key(prefix, &self.hash);
        match self.versions.first() {
            Some(v) if self.layout == Layout::Versioned => version_key(&base, &v.tag),
            _ => base,
        }
    }

    /// True when `blob` is the one this pointer was written with.
    ///
    /// ```
    /// # use edge_session::spill::{digest, Digest, Layout, Pointer};
    /// let p = Pointer { layout: Layout::Head, generation: 1, digest: Digest::Sha256(digest("b")),
    ///                   hash: [0; 32], versions: vec![], id: "x".into() };
    /// assert!(p.matches("b") && !p.matches("c"));
    /// ```
    pub fn matches(&self, blob: &str) -> bool {
        match &self.digest {
            Digest::Sha256(d) => digest(blob).ct_eq(d).into(),
            Digest::Identity(d) => envelope::identity_of(blob).is_some_and(|i| i.ct_eq(d).into()),
        }
    }
}

/// How a pointer names the blob it was written with.
///
/// ```
/// use edge_session::spill::Digest;
/// assert_ne!(Digest::Identity([0; 16]), Digest::Sha256([0; 16]));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Digest {
    /// SHA-256 of the blob, truncated to 16 bytes (0.1 references and
    /// pointers written before 0.2): the whole blob is hashed to check it.
    Sha256([u8; DIGEST_LEN]),
    /// The blob's key id and nonce ([`envelope::identity_of`]): unique to
    /// one seal, authenticated by AES-GCM, known before the bulk
    /// encryption, and checked from the blob's first 40 characters.
    Identity([u8; DIGEST_LEN]),
}

impl Digest {
    /// The digest a new pointer to `blob` carries.
    ///
    /// ```
    /// use edge_session::spill::Digest;
    /// assert!(matches!(Digest::of("not a sealed value"), Digest::Sha256(_)));
    /// ```
    pub fn of(blob: &str) -> Self {
        envelope::identity_of(blob).map_or_else(|| Digest::Sha256(digest(blob)), Digest::Identity)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::{seal_with_nonce, Context, Header, Kind, Mode, Subkeys};
    use crate::KeyRing;

    fn blob(nonce: u8) -> String {
        let ring = KeyRing::new(&["k".repeat(32)]).unwrap();
        let ctx = Context {
            purpose: b"store",
            name: b"key",
            subkeys: Subkeys::Store,
        };
        let h = Header::new(Mode::Sealed, Kind::Blob, 0, 9);
        seal_with_nonce(&ring, &ctx, h, b"{}", [nonce; 12]).unwrap()
    }

    #[test]
    fn identity_digests_name_one_seal_and_older_pointers_keep_sha256() {
        let (a, b) = (blob(1), blob(2));
        let mut p = Pointer {
            layout: Layout::Versioned,
            generation: 1,
            digest: Digest::of(&a),
            hash: [0; HASH_LEN],
            versions: alloc::vec![Version {
                tag: [0; TAG_LEN],
                at_ms: 1
            }],
            id: String::from("x"),
        };
        assert!(matches!(p.digest, Digest::Identity(_)));
        assert!(p.matches(&a) && !p.matches(&b));
        // Same identity, another body: a match here, refused by AES-GCM after.
        let forged = String::from(&a[..40]) + "AAAA";
        assert!(p.matches(&forged));
        let again = Pointer::from_bytes(&p.to_bytes()).unwrap();
        assert_eq!(again, p);
        // A pointer written before identity digests: bit 7 clear, SHA-256.
        p.digest = Digest::Sha256(digest(&a));
        let bytes = p.to_bytes();
        assert_eq!(bytes[0], 1);
        let old = Pointer::from_bytes(&bytes).unwrap();
        assert!(old.matches(&a) && !old.matches(&forged) && !old.matches(&b));
        assert_eq!(
            Pointer::from_bytes(&[IDENTITY_BIT | 3]),
            Err(DecodeError::Malformed)
        );
    }
}
