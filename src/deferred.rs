//! Bulk crypto handed to the caller, the way store I/O is: the sans-IO
//! [`Bulk`]. The core frames every value (header, key id, nonce, AAD) and
//! decides everything; the caller only runs AES-256-GCM or HMAC-SHA256 on
//! its platform's native crypto (WebCrypto, node:crypto) with the subkeys it
//! imported once per key ring.
//!
//! Opening takes two passes: the first records a job and returns `None`
//! ([`Config::load_with`](crate::Config::load_with)); the caller runs it and
//! calls again with the [`Answer`]. Sealing takes one: each sealed value in the
//! plan is a [`Deferred::placeholder`] until the caller fills it in with
//! [`Frame::value`](crate::envelope::Frame::value) over its output.
//!
//! ```
//! use edge_session::{cookie::CookieOptions, Answer, Config, Deferred, KeyRing, LoadStep, OsRandom};
//! use edge_session::envelope::Software;
//! let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), CookieOptions::new("s"));
//! let now = 1_700_000_000_000;
//! let LoadStep::Done(s) = cfg.load_ms("", now, &mut OsRandom).unwrap() else { unreachable!() };
//! let change = edge_session::Change { data: r#"{"a":1}"#, ..Default::default() };
//! let plan = cfg.save_ms(&s.meta, &change, now, &mut OsRandom).unwrap();
//! let header = plan.cookies[0].split(';').next().unwrap();
//!
//! // First pass: the cookie's decryption is handed out.
//! let mut bulk = Deferred::default();
//! assert!(matches!(cfg.load_with(header, now, &mut OsRandom, &mut bulk), Ok(None)));
//! let job = &bulk.jobs[0];
//! // ...the platform decrypts job.data with job.nonce and job.aad; here, in software:
//! let plain = job.run(&cfg.ring).unwrap();
//! // Second pass, with the answer to that job.
//! let mut bulk = Deferred::answered(job, Answer::Plain(plain));
//! let Some(LoadStep::Done(s)) = cfg.load_with(header, now, &mut OsRandom, &mut bulk).unwrap() else { unreachable!() };
//! assert_eq!(s.data, r#"{"a":1}"#);
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use crate::cookie::push_u64;
use crate::envelope::{Algorithm, Body, Bulk, Frame, Framed, Software};
use crate::keys::Purpose;
use crate::{DecodeError, KeyRing};

/// What the caller found when it ran an open job.
///
/// ```
/// use edge_session::Answer;
/// assert_ne!(Answer::Verified(true), Answer::Failed);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// AES-GCM opened: the plaintext.
    Plain(Vec<u8>),
    /// HMAC checked (in constant time, by the platform): whether it matched.
    Verified(bool),
    /// The tag did not match, or the platform refused.
    Failed,
}

/// Open or seal.
///
/// ```
/// use edge_session::deferred::Op;
/// assert_ne!(Op::Open, Op::Seal);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// AES-GCM decrypt `data` (ciphertext || tag), or HMAC-verify `mac` over `aad || data`.
    Open,
    /// AES-GCM encrypt `data`, or HMAC-sign `aad || data`; then
    /// [`Frame::value`](crate::envelope::Frame::value) over the output.
    Seal,
}

/// One bulk operation for the caller to run.
#[derive(Clone, Debug)]
pub struct Job {
    /// Open or seal.
    pub op: Op,
    /// AES-GCM (with the subkey of a purpose) or HMAC (sign subkey).
    pub algorithm: Algorithm,
    /// Which key of the ring: 0 for the current one.
    pub key_index: usize,
    /// The AES-GCM nonce; empty for HMAC.
    pub nonce: Vec<u8>,
    /// The additional data (`header || context`).
    pub aad: Vec<u8>,
    /// Open: ciphertext || tag, or the signed payload. Seal: the payload.
    /// Empty when the body was left in the value's text (`text`).
    pub data: Vec<u8>,
    /// Open, when [`Deferred::text_above`] left the body in the value's
    /// text: where ([`Framed::body_text`]), and the body's length. The
    /// caller decodes it ([`Job::fill_body`] shows how).
    pub text: Option<TextBody>,
    /// Open, HMAC: the MAC to check.
    pub mac: Vec<u8>,
    /// Seal: the frame whose [`Frame::value`] takes the output.
    pub frame: Option<Frame>,
}

/// Where an open job's body lies in the value's text: decode the text from
/// character `at` (base64url, no padding; the core has checked it), drop
/// the first `skip` bytes, and `len` bytes are left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextBody {
    /// The character to decode from (a multiple of 4).
    pub at: usize,
    /// Bytes decoded before the body starts.
    pub skip: usize,
    /// The body's length.
    pub len: usize,
}

impl Job {
    /// The body's length, in `data` or left in the text.
    pub fn body_len(&self) -> usize {
        self.text.map_or(self.data.len(), |t| t.len)
    }

    /// Decodes a body left in the text of `value` (the value the job came
    /// from) into `data`, as the caller's platform does.
    pub fn fill_body(&mut self, value: &str) -> Result<(), DecodeError> {
        use base64::Engine;
        let Some(t) = self.text else { return Ok(()) };
        let text = value.get(t.at..).ok_or(DecodeError::Malformed)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| DecodeError::Malformed)?;
        self.data = bytes.get(t.skip..).ok_or(DecodeError::Malformed)?.to_vec();
        if self.data.len() != t.len {
            return Err(DecodeError::Malformed);
        }
        self.text = None;
        Ok(())
    }

    /// Runs the job in software: what the platform's crypto must produce.
    /// Open: the plaintext (or payload once verified). Seal: the value.
    pub fn run(&self, ring: &KeyRing) -> Result<Vec<u8>, DecodeError> {
        match (&self.frame, self.op) {
            (Some(frame), Op::Seal) => Ok(Software.seal(ring, frame, &self.data).into_bytes()),
            _ => {
                let framed = Framed::from_parts(self);
                Software.open(ring, &framed)?.ok_or(DecodeError::BadTag)
            }
        }
    }

    /// The purpose of the subkey this job uses.
    pub fn purpose(&self) -> Purpose {
        match self.algorithm {
            Algorithm::Gcm(p) => p,
            Algorithm::Hmac => Purpose::Sign,
        }
    }
}

/// A [`Bulk`] that hands its work to the caller: AES-GCM always; HMAC
/// only when [`Deferred::macs`] is set. An HMAC over a cookie (at most 4 KiB)
/// costs a few µs here, less than a second pass through the core and an
/// async platform call (`make bench`: signed 1 KiB in workerd, 61 µs in
/// wasm against 83 µs deferred), so by default it runs in software.
#[derive(Debug, Default)]
pub struct Deferred {
    answer: Option<(Answer, Expected)>,
    /// Hand out HMAC jobs too.
    pub macs: bool,
    /// Leave the sealed body of a value longer than this many characters
    /// in its text ([`Job::text`]): the caller decodes it on its platform's
    /// base64, and the core only checks the text.
    pub text_above: Option<usize>,
    /// The jobs recorded during this pass, in order.
    pub jobs: Vec<Job>,
}

/// What the job an answer belongs to opened: the second pass must frame
/// the same value (same nonce, AAD and body length; for HMAC the same body
/// and MAC), or the answer is refused.
#[derive(Clone, Debug, Default)]
struct Expected {
    nonce: Vec<u8>,
    aad: Vec<u8>,
    body_len: usize,
    /// HMAC only: the payload and MAC the platform checked.
    signed: Option<(Vec<u8>, Vec<u8>)>,
}

impl Deferred {
    /// A second pass, holding the answer to `job`, the open job of the
    /// first. Call with the same value as the first pass: an answer whose
    /// job names another nonce, AAD or length is refused (`bad_tag`).
    pub fn answered(job: &Job, answer: Answer) -> Self {
        let signed =
            (job.algorithm == Algorithm::Hmac).then(|| (job.data.clone(), job.mac.clone()));
        Self::answered_to(&job.nonce, &job.aad, job.body_len(), signed, answer)
    }

    /// [`Deferred::answered`] from a job's parts, as the bindings get them
    /// back from the platform side.
    pub fn answered_to(
        nonce: &[u8],
        aad: &[u8],
        body_len: usize,
        signed: Option<(Vec<u8>, Vec<u8>)>,
        answer: Answer,
    ) -> Self {
        let expected = Expected {
            nonce: Vec::from(nonce),
            aad: Vec::from(aad),
            body_len,
            signed,
        };
        Deferred {
            answer: Some((answer, expected)),
            ..Deferred::default()
        }
    }

    /// Hands out HMAC jobs too.
    pub fn with_macs(mut self) -> Self {
        self.macs = true;
        self
    }

    /// Leaves sealed bodies of values over `chars` characters in their text
    /// ([`Deferred::text_above`]).
    pub fn with_text_above(mut self, chars: usize) -> Self {
        self.text_above = Some(chars);
        self
    }

    /// What stands in a plan for the value of seal job `i`: `\u{1}i\u{1}`,
    /// which no cookie value, store value or attribute can contain.
    pub fn placeholder(i: usize) -> String {
        let mut s = String::from("\u{1}");
        push_u64(&mut s, i as u64);
        s.push('\u{1}');
        s
    }
}

impl Bulk for Deferred {
    fn open(&mut self, ring: &KeyRing, framed: &Framed) -> Result<Option<Vec<u8>>, DecodeError> {
        if framed.algorithm == Algorithm::Hmac && !self.macs {
            return Software.open(ring, framed);
        }
        match (self.answer.take(), framed.algorithm) {
            (Some((answer, want)), algorithm) => {
                let same = framed.nonce() == want.nonce.as_slice()
                    && framed.aad() == want.aad.as_slice()
                    && framed.body_len() == want.body_len;
                match (answer, algorithm) {
                    (Answer::Plain(p), Algorithm::Gcm(_))
                        if same && p.len() + 16 == want.body_len =>
                    {
                        Ok(Some(p))
                    }
                    (Answer::Verified(true), Algorithm::Hmac)
                        if same
                            && want.signed.as_ref().is_some_and(|(body, mac)| {
                                framed.body() == body.as_slice() && framed.mac() == mac.as_slice()
                            }) =>
                    {
                        Ok(Some(Vec::from(framed.body())))
                    }
                    _ => Err(DecodeError::BadTag),
                }
            }
            (None, algorithm) => {
                self.jobs.push(Job {
                    op: Op::Open,
                    algorithm,
                    key_index: framed.key_index,
                    nonce: Vec::from(framed.nonce()),
                    aad: Vec::from(framed.aad()),
                    data: Vec::from(framed.body()),
                    text: framed.body_text().map(|(at, skip)| TextBody {
                        at,
                        skip,
                        len: framed.body_len(),
                    }),
                    mac: Vec::from(framed.mac()),
                    frame: None,
                });
                Ok(None)
            }
        }
    }

    fn seal(&mut self, ring: &KeyRing, frame: &Frame, payload: &[u8]) -> String {
        if frame.algorithm == Algorithm::Hmac && !self.macs {
            return Software.seal(ring, frame, payload);
        }
        self.jobs.push(Job {
            op: Op::Seal,
            algorithm: frame.algorithm,
            key_index: 0,
            nonce: Vec::from(frame.nonce()),
            aad: Vec::from(frame.aad()),
            data: Vec::from(payload),
            text: None,
            mac: Vec::new(),
            frame: Some(frame.clone()),
        });
        Self::placeholder(self.jobs.len() - 1)
    }

    fn body(&self, len: usize) -> Body {
        match self.answer {
            // HMAC reads the body, AES-GCM with its answer does not.
            Some((Answer::Plain(_), _)) => Body::Unread,
            None if self.text_above.is_some_and(|t| len > t) => Body::Text,
            _ => Body::Decoded,
        }
    }
}
