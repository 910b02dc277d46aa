//! The key ring: secrets in, per-purpose subkeys out.
//!
//! Each secret goes through HKDF-SHA256 (salt `edge-session/v1`) once, when
//! the ring is built. The subkeys and the keyed cipher and MAC states are kept,
//! so opening a value costs one MAC or one decryption and no key schedule.
//! The first secret seals; every secret opens. A 4-byte key id, derived from
//! the secret, travels in every value, so opening never tries keys in turn.

use aes_gcm::{Aes256Gcm, KeyInit};
use alloc::vec::Vec;
use hkdf::Hkdf;
use hmac::Hmac;
use sha2::Sha256;

use crate::ConfigError;

/// Secrets shorter than this are refused: 256 bits of key material.
pub const MIN_SECRET_LEN: usize = 32;

const HKDF_SALT: &[u8] = b"edge-session/v1";

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// What a subkey is for. Each purpose has its own HKDF `info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// HMAC-SHA256 for signed cookie values.
    Sign,
    /// AES-256-GCM for sealed cookie values.
    Encrypt,
    /// AES-256-GCM for blobs spilled to a store.
    StoreEncrypt,
    /// HMAC-SHA256 that turns a session id into a store key.
    StoreId,
}

/// The keys derived from one secret.
///
/// ```
/// use edge_session::KeyRing;
/// let ring = KeyRing::new(&["0123456789abcdef0123456789abcdef"]).unwrap();
/// assert_eq!(ring.current().id().len(), 4);
/// ```
#[derive(Clone)]
pub struct Key {
    id: [u8; 4],
    sign: HmacSha256,
    encrypt: Aes256Gcm,
    store_encrypt: Aes256Gcm,
    store_id: HmacSha256,
    /// Sign, encrypt and store-encrypt subkeys, for a platform's crypto API.
    raw: [[u8; 32]; 3],
}

impl Key {
    fn derive(secret: &[u8]) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(HKDF_SALT), secret);
        let sub = |info: &[u8]| {
            let mut okm = [0u8; 32];
            // 32 bytes is far below HKDF-SHA256's 8160-byte ceiling.
            let _ = hk.expand(info, &mut okm);
            okm
        };
        let mut id = [0u8; 4];
        let _ = hk.expand(b"key-id", &mut id);
        let raw = [sub(b"sign"), sub(b"encrypt"), sub(b"store-encrypt")];
        Key {
            id,
            sign: mac(&raw[0]),
            encrypt: cipher(&raw[1]),
            store_encrypt: cipher(&raw[2]),
            store_id: mac(&sub(b"store-id")),
            raw,
        }
    }

    /// The 4-byte key id that values sealed with this key carry.
    ///
    /// ```
    /// use edge_session::KeyRing;
    /// let a = KeyRing::new(&["a".repeat(32)]).unwrap();
    /// let b = KeyRing::new(&["b".repeat(32)]).unwrap();
    /// assert_ne!(a.current().id(), b.current().id());
    /// ```
    pub fn id(&self) -> [u8; 4] {
        self.id
    }

    pub(crate) fn mac(&self, purpose: Purpose) -> HmacSha256 {
        match purpose {
            Purpose::StoreId => self.store_id.clone(),
            _ => self.sign.clone(),
        }
    }

    /// The raw subkey of a purpose the bulk crypto uses, for importing into
    /// a platform's crypto API once per ring; `None` for the store-id key,
    /// which never leaves the core.
    #[cfg_attr(not(feature = "wasm"), allow(dead_code))]
    pub(crate) fn subkey(&self, purpose: Purpose) -> Option<&[u8; 32]> {
        match purpose {
            Purpose::Sign => Some(&self.raw[0]),
            Purpose::Encrypt => Some(&self.raw[1]),
            Purpose::StoreEncrypt => Some(&self.raw[2]),
            Purpose::StoreId => None,
        }
    }

    pub(crate) fn cipher(&self, purpose: Purpose) -> &Aes256Gcm {
        match purpose {
            Purpose::StoreEncrypt => &self.store_encrypt,
            _ => &self.encrypt,
        }
    }
}

fn mac(key: &[u8; 32]) -> HmacSha256 {
    // HMAC zero-pads a short key to the block size; doing it here makes the
    // constructor infallible.
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    <HmacSha256 as KeyInit>::new(&block.into())
}

fn cipher(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(key.into())
}

/// An ordered set of keys: the first seals, all of them open.
///
/// ```
/// use edge_session::{ConfigError, KeyRing};
/// let new = "n".repeat(32);
/// let old = "o".repeat(32);
/// let ring = KeyRing::new(&[new.as_str(), old.as_str()]).unwrap();
/// assert_eq!(ring.len(), 2);
/// assert!(matches!(KeyRing::new::<&str>(&[]), Err(ConfigError::NoSecrets)));
/// ```
#[derive(Clone)]
pub struct KeyRing {
    current: Key,
    older: Vec<Key>,
    /// No secret was given: see [`KeyRing::unkeyed`].
    unkeyed: bool,
}

impl KeyRing {
    /// Derives the subkeys of every secret. Each must be at least
    /// [`MIN_SECRET_LEN`] bytes, and no secret may repeat
    /// ([`ConfigError::DuplicateSecret`]). Two different secrets whose key ids
    /// collide are refused too ([`ConfigError::KeyIdCollision`]): a value names
    /// its key by id alone.
    ///
    /// ```
    /// use edge_session::{ConfigError, KeyRing};
    /// assert_eq!(KeyRing::new(&["short"]).err(), Some(ConfigError::SecretTooShort));
    /// ```
    pub fn new<S: AsRef<[u8]>>(secrets: &[S]) -> Result<Self, ConfigError> {
        let derive = |secret: &S| {
            let secret = secret.as_ref();
            if secret.len() < MIN_SECRET_LEN {
                return Err(ConfigError::SecretTooShort);
            }
            Ok(Key::derive(secret))
        };
        let (first, rest) = secrets.split_first().ok_or(ConfigError::NoSecrets)?;
        let current = derive(first)?;
        let mut older: Vec<Key> = Vec::with_capacity(rest.len());
        for secret in rest {
            let key = derive(secret)?;
            // The ring so far is `secrets[..]` in order: position j is secrets[j].
            let clash = core::iter::once(&current)
                .chain(older.iter())
                .position(|k| k.id == key.id);
            if let Some(j) = clash {
                return Err(if secrets[j].as_ref() == secret.as_ref() {
                    ConfigError::DuplicateSecret
                } else {
                    ConfigError::KeyIdCollision
                });
            }
            older.push(key);
        }
        Ok(KeyRing {
            current,
            older,
            unkeyed: false,
        })
    }

    /// A ring without secrets, for a config whose format never uses the
    /// native ring: a foreign format (which can have no store) needs no
    /// native secret. It opens nothing, and what it would seal is under a
    /// random key that lives only in memory.
    /// [`Config::validate`](crate::Config::validate) refuses it with the
    /// native format.
    ///
    /// ```
    /// use edge_session::{KeyRing, OsRandom};
    /// let ring = KeyRing::unkeyed(&mut OsRandom).unwrap();
    /// assert!(ring.is_unkeyed() && ring.is_empty());
    /// assert!(ring.find(ring.current().id()).is_none());
    /// ```
    pub fn unkeyed(rng: &mut impl crate::Random) -> Result<Self, crate::RandomError> {
        let mut secret = [0u8; MIN_SECRET_LEN];
        rng.fill(&mut secret)?;
        Ok(KeyRing {
            current: Key::derive(&secret),
            older: Vec::new(),
            unkeyed: true,
        })
    }

    /// True for a ring built by [`KeyRing::unkeyed`].
    pub fn is_unkeyed(&self) -> bool {
        self.unkeyed
    }

    /// The key that seals: the first secret's.
    ///
    /// ```
    /// # use edge_session::KeyRing;
    /// let ring = KeyRing::new(&["k".repeat(32)]).unwrap();
    /// let _id = ring.current().id();
    /// ```
    pub fn current(&self) -> &Key {
        &self.current
    }

    /// Finds a key by id. The index is 0 for the current key, more for older ones.
    ///
    /// ```
    /// # use edge_session::KeyRing;
    /// let ring = KeyRing::new(&["k".repeat(32)]).unwrap();
    /// let id = ring.current().id();
    /// assert_eq!(ring.find(id).map(|(i, _)| i), Some(0));
    /// assert!(ring.find([0, 0, 0, 0]).is_none() || id == [0, 0, 0, 0]);
    /// ```
    pub fn find(&self, id: [u8; 4]) -> Option<(usize, &Key)> {
        if self.unkeyed {
            return None;
        }
        core::iter::once(&self.current)
            .chain(self.older.iter())
            .enumerate()
            .find(|(_, k)| k.id == id)
    }

    /// Every key, the current one first.
    ///
    /// ```
    /// # use edge_session::KeyRing;
    /// let ring = KeyRing::new(&["a".repeat(32), "b".repeat(32)]).unwrap();
    /// assert_eq!(ring.keys().count(), 2);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        core::iter::once(&self.current).chain(self.older.iter())
    }

    /// How many secrets the ring holds.
    ///
    /// ```
    /// # use edge_session::KeyRing;
    /// assert_eq!(KeyRing::new(&["k".repeat(32)]).unwrap().len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        if self.unkeyed {
            0
        } else {
            1 + self.older.len()
        }
    }

    /// True only for an [unkeyed](KeyRing::unkeyed) ring: any other holds at least one key.
    ///
    /// ```
    /// # use edge_session::KeyRing;
    /// assert!(!KeyRing::new(&["k".repeat(32)]).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.unkeyed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::Mac;

    #[test]
    fn subkeys_differ_by_purpose() {
        let ring = KeyRing::new(&["s".repeat(32)]).unwrap();
        let k = ring.current();
        let a = k.mac(Purpose::Sign).finalize().into_bytes();
        let b = k.mac(Purpose::StoreId).finalize().into_bytes();
        assert_ne!(a, b);
    }

    #[test]
    fn duplicate_secret_refused() {
        let s = "d".repeat(40);
        assert_eq!(
            KeyRing::new(&[s.as_str(), s.as_str()]).err(),
            Some(ConfigError::DuplicateSecret)
        );
    }

    #[test]
    fn key_id_collision_is_not_a_duplicate() {
        // Found by a birthday search over this pattern (about 2^16 tries):
        // different secrets, same HKDF "key-id" bytes (7ff8da49).
        let a = "key-id-collision-test-secret-00056677";
        let b = "key-id-collision-test-secret-00061033";
        let id = |s: &str| KeyRing::new(&[s]).unwrap().current().id();
        assert_eq!(id(a), id(b));
        assert_eq!(id(a), [0x7f, 0xf8, 0xda, 0x49]);
        let other = "another secret of at least 32 bytes";
        for ring in [[a, b, other], [other, a, b], [b, other, a]] {
            let err = KeyRing::new(&ring).err();
            assert_eq!(err, Some(ConfigError::KeyIdCollision));
        }
        let err = ConfigError::KeyIdCollision;
        assert_eq!(err.option(), "secrets");
        assert!(err.message().contains("either one works alone"));
        // Each works alone.
        assert!(KeyRing::new(&[a, other]).is_ok() && KeyRing::new(&[b, other]).is_ok());
        // A true repeat is still a duplicate, wherever it sits.
        assert_eq!(
            KeyRing::new(&[other, a, a]).err(),
            Some(ConfigError::DuplicateSecret)
        );
    }

    #[test]
    fn exactly_32_bytes_accepted_31_refused() {
        assert!(KeyRing::new(&["x".repeat(32)]).is_ok());
        assert_eq!(
            KeyRing::new(&["x".repeat(31)]).err(),
            Some(ConfigError::SecretTooShort)
        );
    }
}
