//! The native wire format, v1: how a payload becomes a cookie value.
//!
//! This is the one place the byte layout is written down.
//!
//! ```text
//! value   = base64url-no-pad( header || body )
//! header  = version(1) flags(1) key_id(4) issued_at(5) expires_at(5)       16 bytes
//!   version     0x01
//!   flags       bit 0: mode (0 sealed, 1 signed)
//!               bits 1-2: kind (0 session document, 1 store reference (0.1),
//!                         2 store blob, 3 store pointer)
//!               bits 3-7: zero
//!   key_id      first 4 bytes of HKDF-Expand(secret, "key-id")
//!   issued_at   seconds since the Unix epoch, unsigned 40-bit big-endian
//!   expires_at  seconds since the Unix epoch, unsigned 40-bit big-endian
//! context = len(purpose):u8 || purpose || len(name):u16be || name          (never sent)
//! sealed body = nonce(12) || AES-256-GCM(key = encrypt subkey,
//!                                        aad = header || context)(payload) || tag(16)
//! signed body = payload || HMAC-SHA256(key = sign subkey, header || context || payload)
//! ```
//!
//! Subkeys come from HKDF-SHA256 over each secret (see [`crate::keys`]). The
//! cookie name and the purpose sit in the AAD or MAC but are not sent, so a
//! value moved to another cookie, or used for another purpose, fails to open.
//! Store blobs use the store-encrypt subkey and the store key as the name.
//! Fixed overhead: 44 bytes sealed (60 characters), 48 bytes signed.

use aes_gcm::aead::AeadInOut;
use alloc::string::String;
use alloc::vec::Vec;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use core::fmt;
use hmac::Mac;

use crate::keys::Purpose;
use crate::{DecodeError, KeyRing, Random, RandomError};

/// The format version this build writes and reads.
pub const VERSION: u8 = 1;
/// Length of the authenticated header.
pub const HEADER_LEN: usize = 16;
/// AES-GCM nonce length: 96 bits, random per value.
pub const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const MAC_LEN: usize = 32;
const MAX_TIME: u64 = (1 << 40) - 1;

/// Sealed (encrypted and authenticated, the default) or signed (readable, authenticated).
///
/// ```
/// use edge_session::Mode;
/// assert_eq!(Mode::default(), Mode::Sealed);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// AES-256-GCM: the client can read nothing.
    #[default]
    Sealed,
    /// HMAC-SHA256: the client can read the payload but not change it.
    Signed,
}

/// What the payload is. Authenticated, so one kind can never pass for another.
///
/// ```
/// use edge_session::Kind;
/// assert_ne!(Kind::Session, Kind::Reference);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A session document (JSON).
    Session,
    /// A pointer to a session spilled to a store.
    Reference,
    /// A session document held in a store.
    Blob,
    /// A pointer to a versioned or compare-and-swap store entry ([`crate::spill::Pointer`]).
    Pointer,
}

/// Which subkeys protect a value.
///
/// ```
/// use edge_session::Subkeys;
/// assert_ne!(Subkeys::Cookie, Subkeys::Store);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subkeys {
    /// Cookie values: the sign or encrypt subkey, by mode.
    Cookie,
    /// Store blobs: the store-encrypt subkey; always sealed.
    Store,
}

/// What a value is bound to without carrying it: purpose and name.
///
/// ```
/// use edge_session::{Context, Subkeys};
/// let ctx = Context { purpose: b"cookie", name: b"session", subkeys: Subkeys::Cookie };
/// assert_eq!(ctx.name, b"session");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// A label for what the value is for, such as `cookie` or `store`.
    pub purpose: &'a [u8],
    /// The cookie name, or the store key for a blob.
    pub name: &'a [u8],
    /// Which subkeys to use.
    pub subkeys: Subkeys,
}

/// The authenticated header of a value.
///
/// ```
/// use edge_session::{Header, Kind, Mode};
/// let h = Header::new(Mode::Sealed, Kind::Session, 1_700_000_000, 1_700_086_400);
/// assert_eq!(h.expires_at - h.issued_at, 86_400);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Format version; [`VERSION`] when written by this build.
    pub version: u8,
    /// Sealed or signed.
    pub mode: Mode,
    /// What the payload is.
    pub kind: Kind,
    /// The id of the key that protects the value; filled in when sealing.
    pub key_id: [u8; 4],
    /// When the value was issued, in Unix seconds.
    pub issued_at: u64,
    /// When it stops being accepted, in Unix seconds.
    pub expires_at: u64,
}

impl Header {
    /// A v1 header; the key id is filled in by [`seal`].
    ///
    /// ```
    /// use edge_session::{Header, Kind, Mode};
    /// assert_eq!(Header::new(Mode::Signed, Kind::Session, 1, 2).version, 1);
    /// ```
    pub fn new(mode: Mode, kind: Kind, issued_at: u64, expires_at: u64) -> Self {
        Header {
            version: VERSION,
            mode,
            kind,
            key_id: [0; 4],
            issued_at: issued_at.min(MAX_TIME),
            expires_at: expires_at.min(MAX_TIME),
        }
    }

    fn to_bytes(self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0] = self.version;
        let kind = match self.kind {
            Kind::Session => 0,
            Kind::Reference => 1,
            Kind::Blob => 2,
            Kind::Pointer => 3,
        };
        b[1] = (self.mode == Mode::Signed) as u8 | (kind << 1);
        b[2..6].copy_from_slice(&self.key_id);
        b[6..11].copy_from_slice(&self.issued_at.to_be_bytes()[3..]);
        b[11..16].copy_from_slice(&self.expires_at.to_be_bytes()[3..]);
        b
    }

    fn parse(b: &[u8]) -> Result<Self, DecodeError> {
        let b: &[u8; HEADER_LEN] = b
            .get(..HEADER_LEN)
            .and_then(|h| h.try_into().ok())
            .ok_or(DecodeError::Malformed)?;
        if b[0] != VERSION {
            return Err(DecodeError::UnsupportedVersion);
        }
        let kind = match (b[1] >> 1) & 0b11 {
            0 => Kind::Session,
            1 => Kind::Reference,
            2 => Kind::Blob,
            _ => Kind::Pointer,
        };
        if b[1] >> 3 != 0 {
            return Err(DecodeError::Malformed);
        }
        let time = |s: &[u8]| s.iter().fold(0u64, |acc, &x| (acc << 8) | x as u64);
        Ok(Header {
            version: b[0],
            mode: if b[1] & 1 == 1 {
                Mode::Signed
            } else {
                Mode::Sealed
            },
            kind,
            key_id: [b[2], b[3], b[4], b[5]],
            issued_at: time(&b[6..11]),
            expires_at: time(&b[11..16]),
        })
    }
}

/// A value that opened: its header, its payload, and which key opened it.
///
/// ```
/// use edge_session::{envelope, Context, Header, Kind, KeyRing, Mode, OsRandom, Subkeys};
/// let ring = KeyRing::new(&["k".repeat(32)]).unwrap();
/// let ctx = Context { purpose: b"cookie", name: b"s", subkeys: Subkeys::Cookie };
/// let v = envelope::seal(&ring, &ctx, Header::new(Mode::Sealed, Kind::Session, 10, 20), b"{}", &mut OsRandom).unwrap();
/// let o = envelope::open(&ring, &ctx, &v, 15, 4096).unwrap();
/// assert_eq!(o.payload, b"{}");
/// assert!(!o.old_key());
/// ```
#[derive(Clone, Debug)]
pub struct Opened {
    /// The authenticated header.
    pub header: Header,
    /// The plaintext payload.
    pub payload: Vec<u8>,
    /// 0 when the current key opened it; more for older keys.
    pub key_index: usize,
}

impl Opened {
    /// True when a key other than the current one opened the value: re-seal it.
    ///
    /// ```
    /// # use edge_session::{envelope, Context, Header, Kind, KeyRing, Mode, OsRandom, Subkeys};
    /// let old = KeyRing::new(&["o".repeat(32)]).unwrap();
    /// let both = KeyRing::new(&["n".repeat(32), "o".repeat(32)]).unwrap();
    /// let ctx = Context { purpose: b"cookie", name: b"s", subkeys: Subkeys::Cookie };
    /// let v = envelope::seal(&old, &ctx, Header::new(Mode::Signed, Kind::Session, 1, 9), b"{}", &mut OsRandom).unwrap();
    /// assert!(envelope::open(&both, &ctx, &v, 5, 4096).unwrap().old_key());
    /// ```
    pub fn old_key(&self) -> bool {
        self.key_index != 0
    }
}

/// Why [`seal`] made no value.
///
/// ```
/// use edge_session::envelope::SealError;
/// assert_eq!(SealError::Random.to_string(), "random_failed");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SealError {
    /// The [`Random`] gave no bytes for the nonce.
    Random,
    /// The context cannot be bound: its purpose is over 255 bytes or its name
    /// over 65,535 (a cookie name that passed validation never is).
    ContextTooLong {
        /// The purpose's or the name's length.
        len: usize,
        /// The most the wire format can bind.
        max: usize,
    },
}

impl From<RandomError> for SealError {
    fn from(_: RandomError) -> Self {
        SealError::Random
    }
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SealError::Random => "random_failed",
            SealError::ContextTooLong { .. } => {
                "the purpose (at most 255 bytes) or name (at most 65,535) is too long to bind"
            }
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SealError {}

/// Appends `len(purpose):u8 || purpose || len(name):u16be || name`. Refuses
/// what the length fields cannot hold: truncating would let two names share
/// a MAC.
fn context_bytes(out: &mut Vec<u8>, ctx: &Context<'_>) -> Result<(), SealError> {
    let too_long = |len: usize, max: usize| SealError::ContextTooLong { len, max };
    let purpose_len =
        u8::try_from(ctx.purpose.len()).map_err(|_| too_long(ctx.purpose.len(), 255))?;
    let name_len =
        u16::try_from(ctx.name.len()).map_err(|_| too_long(ctx.name.len(), u16::MAX as usize))?;
    out.push(purpose_len);
    out.extend_from_slice(ctx.purpose);
    out.extend_from_slice(&name_len.to_be_bytes());
    out.extend_from_slice(ctx.name);
    Ok(())
}

/// Length of the encoded value for a payload of `payload_len` bytes.
///
/// ```
/// use edge_session::{envelope, Mode};
/// assert_eq!(envelope::encoded_len(Mode::Sealed, 2), 62);
/// ```
pub fn encoded_len(mode: Mode, payload_len: usize) -> usize {
    let raw = HEADER_LEN
        + payload_len
        + match mode {
            Mode::Sealed => NONCE_LEN + TAG_LEN,
            Mode::Signed => MAC_LEN,
        };
    (raw * 4).div_ceil(3)
}

/// Seals or signs `payload` under the ring's current key. A sealed value
/// takes a fresh 96-bit nonce from `rng`; a signed one draws nothing.
///
/// ```
/// use edge_session::{envelope, Context, Header, Kind, KeyRing, Mode, OsRandom, Subkeys};
/// let ring = KeyRing::new(&["k".repeat(32)]).unwrap();
/// let ctx = Context { purpose: b"cookie", name: b"s", subkeys: Subkeys::Cookie };
/// let header = Header::new(Mode::Sealed, Kind::Session, 0, 60);
/// let v = envelope::seal(&ring, &ctx, header, b"{}", &mut OsRandom)?;
/// assert_eq!(v.len(), envelope::encoded_len(Mode::Sealed, 2));
/// assert_ne!(v, envelope::seal(&ring, &ctx, header, b"{}", &mut OsRandom)?);
/// # Ok::<(), edge_session::envelope::SealError>(())
/// ```
pub fn seal(
    ring: &KeyRing,
    ctx: &Context<'_>,
    header: Header,
    payload: &[u8],
    rng: &mut impl Random,
) -> Result<String, SealError> {
    let frame = Frame::new(ring, ctx, header, rng)?;
    Ok(Software.seal(ring, &frame, payload))
}

/// [`seal`] with the nonce given: for the published test vectors only. A
/// nonce must never repeat under one key; use [`seal`].
#[doc(hidden)]
pub fn seal_with_nonce(
    ring: &KeyRing,
    ctx: &Context<'_>,
    header: Header,
    payload: &[u8],
    nonce: [u8; NONCE_LEN],
) -> Result<String, SealError> {
    let frame = Frame::with_nonce(ring, ctx, header, nonce)?;
    Ok(Software.seal(ring, &frame, payload))
}

/// The primitive and subkey a value's body takes.
///
/// ```
/// use edge_session::envelope::Algorithm;
/// use edge_session::keys::Purpose;
/// assert_ne!(Algorithm::Gcm(Purpose::Encrypt), Algorithm::Hmac);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// AES-256-GCM under the subkey of this purpose: body = ciphertext || tag.
    Gcm(Purpose),
    /// HMAC-SHA256 under the sign subkey, over `aad || payload`: body = payload || MAC.
    Hmac,
}

fn algorithm(mode: Mode, subkeys: Subkeys) -> Algorithm {
    match (mode, subkeys) {
        (_, Subkeys::Store) => Algorithm::Gcm(Purpose::StoreEncrypt),
        (Mode::Sealed, Subkeys::Cookie) => Algorithm::Gcm(Purpose::Encrypt),
        (Mode::Signed, Subkeys::Cookie) => Algorithm::Hmac,
    }
}

/// A value about to be sealed: its header (key id filled in), nonce and AAD,
/// everything but the bulk AES-GCM or HMAC, which a [`Bulk`] runs.
///
/// ```
/// use edge_session::{envelope::Frame, Context, Header, Kind, KeyRing, Mode, Subkeys};
/// let ring = KeyRing::new(&["k".repeat(32)]).unwrap();
/// let ctx = Context { purpose: b"cookie", name: b"s", subkeys: Subkeys::Cookie };
/// let f = Frame::with_nonce(&ring, &ctx, Header::new(Mode::Sealed, Kind::Session, 0, 9), [7; 12])?;
/// assert_eq!((f.nonce(), f.prefix().len(), f.aad().len()), (&[7u8; 12][..], 28, 16 + 1 + 6 + 2 + 1));
/// # Ok::<(), edge_session::envelope::SealError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Frame {
    /// What the body takes.
    pub algorithm: Algorithm,
    /// `header || nonce` (sealed) or `header` (signed): what precedes the body.
    prefix: Vec<u8>,
    aad: Vec<u8>,
    /// The AES-GCM nonce (unused by HMAC).
    nonce: [u8; NONCE_LEN],
}

impl Frame {
    /// A frame under the ring's current key with a fresh nonce from `rng`
    /// (drawn only when the value is sealed).
    pub fn new(
        ring: &KeyRing,
        ctx: &Context<'_>,
        header: Header,
        rng: &mut impl Random,
    ) -> Result<Self, SealError> {
        let mut nonce = [0u8; NONCE_LEN];
        if matches!(algorithm(header.mode, ctx.subkeys), Algorithm::Gcm(_)) {
            rng.fill(&mut nonce)?;
        }
        Self::with_nonce(ring, ctx, header, nonce)
    }

    /// [`Frame::new`] with the nonce given: for test vectors only.
    #[doc(hidden)]
    pub fn with_nonce(
        ring: &KeyRing,
        ctx: &Context<'_>,
        mut header: Header,
        nonce: [u8; NONCE_LEN],
    ) -> Result<Self, SealError> {
        header.key_id = ring.current().id();
        if ctx.subkeys == Subkeys::Store {
            header.mode = Mode::Sealed;
        }
        let algorithm = algorithm(header.mode, ctx.subkeys);
        let hb = header.to_bytes();
        let mut aad = Vec::with_capacity(HEADER_LEN + 3 + ctx.purpose.len() + ctx.name.len());
        aad.extend_from_slice(&hb);
        context_bytes(&mut aad, ctx)?;
        let mut prefix = Vec::with_capacity(HEADER_LEN + NONCE_LEN);
        prefix.extend_from_slice(&hb);
        if matches!(algorithm, Algorithm::Gcm(_)) {
            prefix.extend_from_slice(&nonce);
        }
        Ok(Frame {
            algorithm,
            prefix,
            aad,
            nonce,
        })
    }

    /// The AES-GCM nonce; empty for a signed value.
    pub fn nonce(&self) -> &[u8] {
        match self.algorithm {
            Algorithm::Gcm(_) => &self.nonce,
            Algorithm::Hmac => &[],
        }
    }

    /// The additional data: `header || context`. HMAC runs over `aad || payload`.
    pub fn aad(&self) -> &[u8] {
        &self.aad
    }

    /// The bytes before the body.
    pub fn prefix(&self) -> &[u8] {
        &self.prefix
    }

    /// Who wrote this value: key id and nonce, 16 bytes that no other
    /// sealed value shares. `None` for a signed value.
    pub fn identity(&self) -> Option<[u8; 16]> {
        identity(&self.prefix)
    }

    /// The value: `base64url(prefix || parts...)`. Sealed: the parts are
    /// ciphertext || tag. Signed: payload, then MAC.
    pub fn value(&self, parts: &[&[u8]]) -> String {
        let mut raw =
            Vec::with_capacity(self.prefix.len() + parts.iter().map(|p| p.len()).sum::<usize>());
        raw.extend_from_slice(&self.prefix);
        for p in parts {
            raw.extend_from_slice(p);
        }
        URL_SAFE_NO_PAD.encode(raw)
    }
}

/// The key id and nonce of a sealed value's leading bytes.
fn identity(raw: &[u8]) -> Option<[u8; 16]> {
    let nonce = raw.get(HEADER_LEN..HEADER_LEN + NONCE_LEN)?;
    let mut id = [0u8; 16];
    id[..4].copy_from_slice(raw.get(2..6)?);
    id[4..].copy_from_slice(nonce);
    Some(id)
}

/// The identity ([`Frame::identity`]) of a sealed value, from its first 40
/// characters alone. `None` for anything shorter or signed.
///
/// ```
/// use edge_session::{envelope, Context, Header, Kind, KeyRing, Mode, Subkeys};
/// let ring = KeyRing::new(&["k".repeat(32)]).unwrap();
/// let ctx = Context { purpose: b"store", name: b"k", subkeys: Subkeys::Store };
/// let f = envelope::Frame::with_nonce(&ring, &ctx, Header::new(Mode::Sealed, Kind::Blob, 0, 9), [3; 12]).unwrap();
/// let v = envelope::seal_with_nonce(&ring, &ctx, Header::new(Mode::Sealed, Kind::Blob, 0, 9), b"{}", [3; 12]).unwrap();
/// assert_eq!(envelope::identity_of(&v), f.identity());
/// ```
pub fn identity_of(value: &str) -> Option<[u8; 16]> {
    const CHARS: usize = (HEADER_LEN + NONCE_LEN).div_ceil(3) * 4;
    let mut buf = [0u8; CHARS / 4 * 3];
    let n = URL_SAFE_NO_PAD
        .decode_slice(value.get(..CHARS)?, &mut buf)
        .ok()?;
    let raw = buf.get(..n)?;
    if Header::parse(raw).ok()?.mode != Mode::Sealed {
        return None;
    }
    identity(raw)
}

/// A value taken apart, its key found, not yet opened: what a [`Bulk`]
/// opens. Built by [`open_with`].
#[derive(Clone, Debug)]
pub struct Framed {
    /// The header as sent (not yet authenticated).
    pub header: Header,
    /// The index of the key in the ring: 0 for the current one.
    pub key_index: usize,
    /// What the body takes.
    pub algorithm: Algorithm,
    aad: Vec<u8>,
    raw: Vec<u8>,
    /// Where the body ends and a signed value's MAC begins.
    body_end: usize,
    /// The decoded length of the whole value, body read or not.
    len: usize,
    /// The body was left in the value's text ([`Framed::body_text`]).
    text_body: bool,
}

impl Framed {
    /// `header || context`; HMAC runs over `aad || payload`.
    pub fn aad(&self) -> &[u8] {
        &self.aad
    }

    /// The AES-GCM nonce; empty for a signed value.
    pub fn nonce(&self) -> &[u8] {
        match self.algorithm {
            Algorithm::Gcm(_) => self
                .raw
                .get(HEADER_LEN..HEADER_LEN + NONCE_LEN)
                .unwrap_or(&[]),
            Algorithm::Hmac => &[],
        }
    }

    /// Sealed: ciphertext || tag. Signed: the payload. Empty when the
    /// bulk did not ask for it ([`Body::Unread`], [`Body::Text`]).
    pub fn body(&self) -> &[u8] {
        let start = match self.algorithm {
            Algorithm::Gcm(_) => HEADER_LEN + NONCE_LEN,
            Algorithm::Hmac => HEADER_LEN,
        };
        self.raw.get(start..self.body_end).unwrap_or(&[])
    }

    /// A signed value's MAC; empty when sealed.
    pub fn mac(&self) -> &[u8] {
        self.raw.get(self.body_end..).unwrap_or(&[])
    }

    /// Where a sealed body left in the value's text ([`Body::Text`]) is:
    /// the character to decode the text from, and how many bytes of what
    /// that gives come before the body. The body is then
    /// [`Framed::body_len`] bytes. `None` when the body was decoded here.
    ///
    /// ```
    /// use edge_session::envelope::{self, Bulk, Framed, Software};
    /// use edge_session::{Context, DecodeError, Header, Kind, KeyRing, Mode, OsRandom, Subkeys};
    /// # struct Text(Option<(usize, usize)>);
    /// # impl Bulk for Text {
    /// #     fn open(&mut self, _: &KeyRing, f: &Framed) -> Result<Option<Vec<u8>>, DecodeError> { self.0 = f.body_text(); Ok(None) }
    /// #     fn seal(&mut self, r: &KeyRing, f: &envelope::Frame, p: &[u8]) -> String { Software.seal(r, f, p) }
    /// #     fn body(&self, _: usize) -> envelope::Body { envelope::Body::Text }
    /// # }
    /// let ring = KeyRing::new(&["k".repeat(32)]).unwrap();
    /// let ctx = Context { purpose: b"store", name: b"k", subkeys: Subkeys::Store };
    /// let v = envelope::seal(&ring, &ctx, Header::new(Mode::Sealed, Kind::Blob, 0, 9), b"{}", &mut OsRandom).unwrap();
    /// let mut bulk = Text(None);
    /// envelope::open_with(&mut bulk, &ring, &ctx, &v, 1, 64).unwrap();
    /// // Header (16) and nonce (12) are 28 bytes: decode from character 36, drop 1 byte.
    /// assert_eq!(bulk.0, Some((36, 1)));
    /// ```
    pub fn body_text(&self) -> Option<(usize, usize)> {
        const AT: usize = HEADER_LEN + NONCE_LEN;
        self.text_body.then_some((AT / 3 * 4, AT % 3))
    }

    /// The body's length, read or not: ciphertext || tag, or the payload.
    pub fn body_len(&self) -> usize {
        let around = match self.algorithm {
            Algorithm::Gcm(_) => HEADER_LEN + NONCE_LEN,
            Algorithm::Hmac => HEADER_LEN + MAC_LEN,
        };
        self.len.saturating_sub(around)
    }
    /// A framed value from an open job's parts (its AAD starts with the header).
    pub(crate) fn from_parts(job: &crate::deferred::Job) -> Self {
        let mut raw =
            Vec::with_capacity(HEADER_LEN + job.nonce.len() + job.data.len() + job.mac.len());
        raw.extend_from_slice(job.aad.get(..HEADER_LEN).unwrap_or(&[0; HEADER_LEN]));
        raw.extend_from_slice(&job.nonce);
        raw.extend_from_slice(&job.data);
        let body_end = raw.len();
        raw.extend_from_slice(&job.mac);
        Framed {
            header: Header::parse(&raw).unwrap_or(Header::new(Mode::Sealed, Kind::Session, 0, 0)),
            key_index: job.key_index,
            algorithm: job.algorithm,
            aad: job.aad.clone(),
            len: raw.len(),
            raw,
            body_end,
            text_body: false,
        }
    }
}

/// Runs the bulk AES-256-GCM and HMAC-SHA256 of values. [`Software`] runs
/// them here; a caller with a platform's native crypto (WebCrypto) defers
/// them, the way it does store I/O, and answers on a second pass.
pub trait Bulk {
    /// The payload of `framed` once authenticated; `Ok(None)` when deferred.
    fn open(&mut self, ring: &KeyRing, framed: &Framed) -> Result<Option<Vec<u8>>, DecodeError>;
    /// The value of `frame` over `payload`.
    fn seal(&mut self, ring: &KeyRing, frame: &Frame, payload: &[u8]) -> String;
    /// How [`Bulk::open`] will read the body of a `len`-character value.
    fn body(&self, _len: usize) -> Body {
        Body::Decoded
    }
}

/// How a [`Bulk`] reads a value's body, so that nothing is decoded for
/// nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// Decoded here into [`Framed::body`].
    Decoded,
    /// Left in the value's text ([`Framed::body_text`]): the bulk decodes it
    /// on a platform's native base64. The core checks that the whole text is
    /// the canonical base64url it writes and decodes only header and nonce.
    Text,
    /// Not read: the bulk already holds the answer, so a large value is
    /// not decoded twice. Only the header and nonce are.
    Unread,
}

/// AES-256-GCM and HMAC-SHA256 in software (RustCrypto), for the native
/// Rust API and wherever the platform has no crypto of its own.
///
/// ```
/// use edge_session::envelope::{self, Software};
/// use edge_session::{Context, Header, Kind, KeyRing, Mode, OsRandom, Subkeys};
/// let ring = KeyRing::new(&["k".repeat(32)]).unwrap();
/// let ctx = Context { purpose: b"cookie", name: b"s", subkeys: Subkeys::Cookie };
/// let v = envelope::seal(&ring, &ctx, Header::new(Mode::Sealed, Kind::Session, 0, 60), b"{}", &mut OsRandom).unwrap();
/// let o = envelope::open_with(&mut Software, &ring, &ctx, &v, 1, 64).unwrap().unwrap();
/// assert_eq!(o.payload, b"{}");
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Software;

impl Bulk for Software {
    fn open(&mut self, ring: &KeyRing, framed: &Framed) -> Result<Option<Vec<u8>>, DecodeError> {
        let key = ring
            .keys()
            .nth(framed.key_index)
            .ok_or(DecodeError::UnknownKey)?;
        match framed.algorithm {
            Algorithm::Gcm(purpose) => {
                let body = framed.body();
                let split = body
                    .len()
                    .checked_sub(TAG_LEN)
                    .ok_or(DecodeError::Malformed)?;
                let (ct, tag) = body.split_at(split);
                let nonce: [u8; NONCE_LEN] = framed
                    .nonce()
                    .try_into()
                    .map_err(|_| DecodeError::Malformed)?;
                let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| DecodeError::Malformed)?;
                let mut pt = Vec::from(ct);
                key.cipher(purpose)
                    .decrypt_inout_detached(
                        &nonce.into(),
                        framed.aad(),
                        pt.as_mut_slice().into(),
                        &tag.into(),
                    )
                    .map_err(|_| DecodeError::BadTag)?;
                Ok(Some(pt))
            }
            Algorithm::Hmac => {
                let mut mac = key.mac(Purpose::Sign);
                mac.update(framed.aad());
                mac.update(framed.body());
                // Constant-time comparison.
                mac.verify_slice(framed.mac())
                    .map_err(|_| DecodeError::BadTag)?;
                Ok(Some(Vec::from(framed.body())))
            }
        }
    }

    fn seal(&mut self, ring: &KeyRing, frame: &Frame, payload: &[u8]) -> String {
        let key = ring.current();
        match frame.algorithm {
            Algorithm::Gcm(purpose) => {
                let mut body = Vec::with_capacity(payload.len() + TAG_LEN);
                body.extend_from_slice(payload);
                // AES-GCM only fails past 64 GiB of plaintext.
                if let Ok(tag) = key.cipher(purpose).encrypt_inout_detached(
                    &frame.nonce.into(),
                    frame.aad(),
                    body.as_mut_slice().into(),
                ) {
                    body.extend_from_slice(&tag);
                }
                frame.value(&[&body])
            }
            Algorithm::Hmac => {
                let mut mac = key.mac(Purpose::Sign);
                mac.update(frame.aad());
                mac.update(payload);
                frame.value(&[payload, &mac.finalize().into_bytes()])
            }
        }
    }
}

/// Reads the header of a value without checking it: for tools that inspect
/// values. Nothing in it can be trusted until [`open`] succeeds.
///
/// ```
/// use edge_session::{envelope, Context, Header, Kind, KeyRing, Mode, OsRandom, Subkeys};
/// let ring = KeyRing::new(&["k".repeat(32)]).unwrap();
/// let ctx = Context { purpose: b"cookie", name: b"s", subkeys: Subkeys::Cookie };
/// let v = envelope::seal(&ring, &ctx, Header::new(Mode::Signed, Kind::Session, 3, 4), b"{}", &mut OsRandom).unwrap();
/// assert_eq!(envelope::peek(&v).unwrap().issued_at, 3);
/// ```
pub fn peek(value: &str) -> Result<Header, DecodeError> {
    let prefix = value.get(..24).ok_or(DecodeError::Malformed)?;
    let mut buf = [0u8; 18];
    let n = URL_SAFE_NO_PAD
        .decode_slice(prefix, &mut buf)
        .map_err(|_| DecodeError::Malformed)?;
    Header::parse(&buf[..n])
}

/// Reads a signed value's payload without checking its MAC: for tools that
/// show what a client can already read. `None` for sealed values, whose
/// payload cannot be read without the key. Nothing here can be trusted.
///
/// ```
/// use edge_session::{envelope, Context, Header, Kind, KeyRing, Mode, OsRandom, Subkeys};
/// let ring = KeyRing::new(&["k".repeat(32)]).unwrap();
/// let ctx = Context { purpose: b"cookie", name: b"s", subkeys: Subkeys::Cookie };
/// let v = envelope::seal(&ring, &ctx, Header::new(Mode::Signed, Kind::Session, 3, 4), b"{}", &mut OsRandom).unwrap();
/// assert_eq!(envelope::unverified_payload(&v).unwrap().1.as_deref(), Some(&b"{}"[..]));
/// ```
pub fn unverified_payload(value: &str) -> Result<(Header, Option<Vec<u8>>), DecodeError> {
    let raw = URL_SAFE_NO_PAD
        .decode(value)
        .map_err(|_| DecodeError::Malformed)?;
    let header = Header::parse(&raw)?;
    let payload = match header.mode {
        Mode::Sealed => None,
        Mode::Signed => {
            let end = raw.len().checked_sub(MAC_LEN).filter(|e| *e >= HEADER_LEN);
            Some(Vec::from(
                raw.get(HEADER_LEN..end.ok_or(DecodeError::Malformed)?)
                    .unwrap_or(&[]),
            ))
        }
    };
    Ok((header, payload))
}

/// Opens a value: checks size, version, key id, tag or MAC, then expiry.
/// Costs one decryption or one MAC, whichever the mode needs.
///
/// ```
/// use edge_session::{envelope, Context, DecodeError, Header, Kind, KeyRing, Mode, OsRandom, Subkeys};
/// let ring = KeyRing::new(&["k".repeat(32)]).unwrap();
/// let a = Context { purpose: b"cookie", name: b"a", subkeys: Subkeys::Cookie };
/// let b = Context { name: b"b", ..a };
/// let v = envelope::seal(&ring, &a, Header::new(Mode::Sealed, Kind::Session, 0, 60), b"{}", &mut OsRandom).unwrap();
/// assert_eq!(envelope::open(&ring, &b, &v, 1, 4096).err(), Some(DecodeError::BadTag));
/// assert_eq!(envelope::open(&ring, &a, &v, 60, 4096).err(), Some(DecodeError::Expired));
/// ```
pub fn open(
    ring: &KeyRing,
    ctx: &Context<'_>,
    value: &str,
    now: u64,
    max_payload: usize,
) -> Result<Opened, DecodeError> {
    open_with(&mut Software, ring, ctx, value, now, max_payload)?.ok_or(DecodeError::BadTag)
}

/// [`open`] with the bulk crypto run by `bulk`: `Ok(None)` when it deferred.
pub fn open_with(
    bulk: &mut impl Bulk,
    ring: &KeyRing,
    ctx: &Context<'_>,
    value: &str,
    now: u64,
    max_payload: usize,
) -> Result<Option<Opened>, DecodeError> {
    if value.len() > encoded_len(Mode::Signed, max_payload) {
        return Err(DecodeError::TooLarge);
    }
    let framed = unframe(ring, ctx, value, bulk.body(value.len()))?;
    let Some(payload) = bulk.open(ring, &framed)? else {
        return Ok(None);
    };
    if payload.len() > max_payload {
        return Err(DecodeError::TooLarge);
    }
    if now >= framed.header.expires_at {
        return Err(DecodeError::Expired);
    }
    Ok(Some(Opened {
        header: framed.header,
        payload,
        key_index: framed.key_index,
    }))
}

fn unframe(
    ring: &KeyRing,
    ctx: &Context<'_>,
    value: &str,
    body: Body,
) -> Result<Framed, DecodeError> {
    const HEAD_CHARS: usize = (HEADER_LEN + NONCE_LEN).div_ceil(3) * 4;
    let decode = |text: &str| {
        URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| DecodeError::Malformed)
    };
    let mut raw = match value.get(..HEAD_CHARS) {
        Some(head) if body != Body::Decoded => decode(head),
        _ => decode(value),
    }?;
    let header = Header::parse(&raw)?;
    let (key_index, _) = ring.find(header.key_id).ok_or(DecodeError::UnknownKey)?;
    let algorithm = algorithm(header.mode, ctx.subkeys);
    // A signed body is checked here (HMAC stays in software): decode it.
    let body = match (body, algorithm) {
        (Body::Text, Algorithm::Hmac) => {
            raw = decode(value)?;
            Body::Decoded
        }
        (Body::Text, _) if !is_canonical_base64url(value) => return Err(DecodeError::Malformed),
        (b, _) => b,
    };
    // Store blobs are always sealed: a signed one is forged.
    if header.mode == Mode::Signed && ctx.subkeys == Subkeys::Store {
        return Err(DecodeError::BadTag);
    }
    let mut aad = Vec::with_capacity(HEADER_LEN + 3 + ctx.purpose.len() + ctx.name.len());
    aad.extend_from_slice(&raw[..HEADER_LEN]);
    // Nothing was sealed under a context this long.
    context_bytes(&mut aad, ctx).map_err(|_| DecodeError::TooLarge)?;
    let overhead = match algorithm {
        Algorithm::Gcm(_) => NONCE_LEN + TAG_LEN,
        Algorithm::Hmac => MAC_LEN,
    };
    let full = match body {
        Body::Decoded => raw.len(),
        Body::Text | Body::Unread => decoded_len(value.len()),
    };
    if full < HEADER_LEN + overhead {
        return Err(DecodeError::Malformed);
    }
    if body != Body::Decoded {
        // The head's last group decodes a few bytes past the nonce: not the body.
        raw.truncate(HEADER_LEN + NONCE_LEN);
    }
    let body_end = match algorithm {
        Algorithm::Gcm(_) => raw.len(),
        Algorithm::Hmac => raw.len().saturating_sub(MAC_LEN),
    };
    Ok(Framed {
        header,
        key_index,
        algorithm,
        aad,
        raw,
        body_end,
        len: full,
        text_body: body == Body::Text,
    })
}

/// True when `text` is base64url as this crate writes it and reads it:
/// the URL-safe alphabet, no padding, and zero bits past the last byte
/// (one text per byte string). What a value left as text is checked against.
///
/// ```
/// use edge_session::envelope::is_canonical_base64url;
/// assert!(is_canonical_base64url("AQID") && is_canonical_base64url("AQ") && is_canonical_base64url(""));
/// assert!(!is_canonical_base64url("AR"));    // 0x01 with stray low bits
/// assert!(!is_canonical_base64url("AQ=="));  // padding
/// assert!(!is_canonical_base64url("A+/B"));  // the standard alphabet
/// assert!(!is_canonical_base64url("AQIDB")); // one character past a group
/// ```
pub fn is_canonical_base64url(text: &str) -> bool {
    // The 6-bit value of each base64url character, 255 for the rest.
    const VALUES: [u8; 256] = {
        let mut t = [255u8; 256];
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let mut i = 0;
        while i < 64 {
            t[alphabet[i] as usize] = i as u8;
            i += 1;
        }
        t
    };
    let b = text.as_bytes();
    let unused = match b.len() % 4 {
        0 => 0,
        2 => 0x0F,
        3 => 0x03,
        _ => return false,
    };
    let (bulk, rest) = b.split_at(b.len() - b.len() % 16);
    all_base64url_16(bulk)
        && rest.iter().all(|&c| VALUES[usize::from(c)] != 255)
        && b.last()
            .is_none_or(|&c| VALUES[usize::from(c)] & unused == 0)
}

/// Whether every byte of `b` (a multiple of 16 long) is a base64url
/// character: 16 at a time with wasm SIMD. Each byte's high and low nibbles
/// pick two sets of bits from tables; a byte is outside the alphabet exactly
/// when the sets meet (one bit per run of refused low nibbles).
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
fn all_base64url_16(b: &[u8]) -> bool {
    use core::arch::wasm32::*;
    // Refused: 0x20-0x2F but '-' (bit 0), ':'-'?' (1), '@' and '`' (2),
    // '['-'^' (3), '{'-0x7F (4), and every other high nibble (5).
    const BY_LOW: [u8; 16] = {
        let mut t = [0u8; 16];
        let mut l = 0;
        while l < 16 {
            t[l] = 0x20
                | if l != 0xD { 1 } else { 0 }
                | if l >= 0xA { 2 } else { 0 }
                | if l == 0 { 4 } else { 0 }
                | if l >= 0xB && l <= 0xE { 8 } else { 0 }
                | if l >= 0xB { 0x10 } else { 0 };
            l += 1;
        }
        t
    };
    const BY_HIGH: [u8; 16] = [
        0x20, 0x20, 1, 2, 4, 8, 4, 0x10, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20,
    ];
    let (low, high) = (crate::simd::load(&BY_LOW), crate::simd::load(&BY_HIGH));
    b.chunks(64).all(|block| {
        let mut refused = u64x2(0, 0);
        for c in block.chunks_exact(16) {
            let v = crate::simd::load(c);
            let l = i8x16_swizzle(low, v128_and(v, u8x16_splat(0x0F)));
            let h = i8x16_swizzle(high, u8x16_shr(v, 4));
            refused = v128_or(refused, v128_and(l, h));
        }
        !v128_any_true(refused)
    })
}

/// Whether every byte of `b` (a multiple of 16 long) is a base64url
/// character: 8 at a time.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn all_base64url_16(b: &[u8]) -> bool {
    b.chunks_exact(8)
        .all(|c| all_base64url(u64::from_le_bytes(c.try_into().unwrap_or([0; 8]))))
}

/// Whether all eight bytes of `w` are base64url characters, at once: for
/// bytes below 0x80, adding `0x80 - lo` sets a byte's high bit exactly when
/// it is at least `lo`, and no sum carries into the next byte.
#[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
fn all_base64url(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = ONES * 0x80;
    let t = w & !HIGHS;
    let within = |lo: u8, hi: u8| {
        (t + ONES * u64::from(0x80 - lo)) & !(t + ONES * u64::from(0x7F - hi)) & HIGHS
    };
    let ok = within(b'A', b'Z')
        | within(b'a', b'z')
        | within(b'0', b'9')
        | within(b'-', b'-')
        | within(b'_', b'_');
    ok & !w == HIGHS
}

/// Decoded length of `chars` base64url characters without padding.
fn decoded_len(chars: usize) -> usize {
    chars / 4 * 3 + (chars % 4).saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> KeyRing {
        KeyRing::new(&["test-secret-0123456789abcdef-0123"]).unwrap()
    }

    const CTX: Context<'static> = Context {
        purpose: b"cookie",
        name: b"session",
        subkeys: Subkeys::Cookie,
    };

    #[test]
    fn eight_characters_at_once_are_checked_like_one_at_a_time() {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for byte in 0..=255u8 {
            for at in 0..8 {
                let mut chunk = [b'A'; 8];
                chunk[at] = byte;
                assert_eq!(
                    all_base64url(u64::from_le_bytes(chunk)),
                    alphabet.contains(&byte),
                    "{byte:#x} at {at}"
                );
            }
        }
        assert!(all_base64url(u64::from_le_bytes(*b"-_09azAZ")));
    }

    #[test]
    fn header_round_trip_and_reserved_bits() {
        let h = Header::new(Mode::Signed, Kind::Blob, 1_700_000_000, MAX_TIME + 5);
        let b = h.to_bytes();
        assert_eq!(Header::parse(&b).unwrap(), h);
        let mut bad = b;
        bad[1] |= 0b1000;
        assert_eq!(Header::parse(&bad), Err(DecodeError::Malformed));
        bad = b;
        bad[1] |= 0b110;
        assert_eq!(Header::parse(&bad).map(|h| h.kind), Ok(Kind::Pointer));
        bad = b;
        bad[0] = 2;
        assert_eq!(Header::parse(&bad), Err(DecodeError::UnsupportedVersion));
    }

    #[test]
    fn overhead_is_small() {
        let v = seal_with_nonce(
            &ring(),
            &CTX,
            Header::new(Mode::Sealed, Kind::Session, 0, 1),
            b"{}",
            [0; 12],
        )
        .unwrap();
        assert_eq!(v.len(), 62);
        let v = seal_with_nonce(
            &ring(),
            &CTX,
            Header::new(Mode::Signed, Kind::Session, 0, 1),
            b"{}",
            [0; 12],
        )
        .unwrap();
        assert_eq!(v.len(), encoded_len(Mode::Signed, 2));
    }

    /// Counts the random bytes drawn.
    struct Counting(usize);

    impl Random for Counting {
        fn fill(&mut self, buf: &mut [u8]) -> Result<(), RandomError> {
            self.0 += buf.len();
            buf.fill(0x5a);
            Ok(())
        }
    }

    #[test]
    fn nonce_drawn_only_for_sealed_values() {
        let mut rng = Counting(0);
        let signed = Header::new(Mode::Signed, Kind::Session, 0, 9);
        seal(&ring(), &CTX, signed, b"{}", &mut rng).unwrap();
        assert_eq!(rng.0, 0);
        let sealed = Header {
            mode: Mode::Sealed,
            ..signed
        };
        seal(&ring(), &CTX, sealed, b"{}", &mut rng).unwrap();
        assert_eq!(rng.0, NONCE_LEN);
        struct Broken;
        impl Random for Broken {
            fn fill(&mut self, _: &mut [u8]) -> Result<(), RandomError> {
                Err(RandomError)
            }
        }
        assert_eq!(
            seal(&ring(), &CTX, sealed, b"{}", &mut Broken),
            Err(SealError::Random)
        );
    }

    #[test]
    fn store_subkeys_never_sign() {
        let ctx = Context {
            subkeys: Subkeys::Store,
            ..CTX
        };
        // A store blob is sealed whatever the header says, so it takes a nonce.
        let mut rng = Counting(0);
        let v = seal(
            &ring(),
            &ctx,
            Header::new(Mode::Signed, Kind::Blob, 0, 9),
            b"{}",
            &mut rng,
        )
        .unwrap();
        assert_eq!(rng.0, NONCE_LEN);
        let o = open(&ring(), &ctx, &v, 1, 100).unwrap();
        assert_eq!(o.header.mode, Mode::Sealed);
        // A store blob does not open as a cookie, nor the reverse.
        assert_eq!(
            open(&ring(), &CTX, &v, 1, 100).err(),
            Some(DecodeError::BadTag)
        );
    }

    #[test]
    fn contexts_too_long_to_bind_are_refused_not_truncated() {
        let header = Header::new(Mode::Signed, Kind::Session, 0, 9);
        let name = alloc::vec![b'n'; u16::MAX as usize];
        let purpose = [b'p'; 255];
        let at_max = Context {
            purpose: &purpose,
            name: &name,
            subkeys: Subkeys::Cookie,
        };
        let v = seal(&ring(), &at_max, header, b"{}", &mut Counting(0)).unwrap();
        assert!(open(&ring(), &at_max, &v, 1, 100).is_ok());
        // One byte more: the length field cannot say it, so no value, and
        // nothing opens (a truncated name would share the MAC of `at_max`).
        let long_name = alloc::vec![b'n'; u16::MAX as usize + 1];
        let long_purpose = [b'p'; 256];
        for (ctx, len, max) in [
            (
                Context {
                    name: &long_name,
                    ..at_max
                },
                long_name.len(),
                65_535,
            ),
            (
                Context {
                    purpose: &long_purpose,
                    ..at_max
                },
                256,
                255,
            ),
        ] {
            assert_eq!(
                seal(&ring(), &ctx, header, b"{}", &mut Counting(0)),
                Err(SealError::ContextTooLong { len, max })
            );
            assert_eq!(
                open(&ring(), &ctx, &v, 1, 100).err(),
                Some(DecodeError::TooLarge)
            );
        }
    }

    #[test]
    fn too_large_refused_before_decoding() {
        let big = "A".repeat(10_000);
        assert_eq!(
            open(&ring(), &CTX, &big, 0, 1000).err(),
            Some(DecodeError::TooLarge)
        );
    }
}
