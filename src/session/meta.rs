//! [`Meta`]: what a save needs to know about the loaded session, and the
//! compact token JavaScript holds it as between load and save.

use alloc::string::String;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use crate::cookie::push_u64;
use crate::id::is_id;
use crate::spill::Pointer;

/// What [`Config::save`](super::Config::save) needs to know about the loaded
/// session. JavaScript callers hold it as an opaque token ([`Meta::to_token`])
/// and hand it back.
///
/// ```
/// use edge_session::Meta;
/// let mut m = Meta::new("x".into());
/// m.iat = 1;
/// m.created = Some("7.5".into());
/// assert_eq!(Meta::from_token(&m.to_token()), Some(m));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meta {
    /// The session id.
    pub id: String,
    /// When the loaded value was issued (0 for a new session).
    pub iat: u64,
    /// When it expires (0 for a new session).
    pub exp: u64,
    /// When the session started (login), in Unix milliseconds, for the
    /// absolute timeout and sign-out-everywhere (0 for a new session).
    pub started: u64,
    /// Opened with an old key or in the other mode: write it again.
    pub reseal: bool,
    /// The store did not give the session: changes must not be saved.
    pub unavailable: bool,
    /// Where the session is stored, when it was spilled.
    pub stored: Option<Pointer>,
    /// Store entries an inline session left behind, still to delete.
    pub retired: Option<Pointer>,
    /// The subject the session's data named when loaded (its JSON text),
    /// for revocation.
    pub subject: Option<String>,
    /// The id the cookie named when its store entry could not be read: a
    /// revoked session then still reads as `revoked`.
    pub named: Option<String>,
    /// A foreign format's creation time as written (Beaker's `_creation_time`).
    pub created: Option<String>,
    /// The index of the legacy cookie the session was read from.
    pub migrated: Option<u8>,
}

impl Meta {
    /// The meta of a new session that has no cookie yet.
    ///
    /// ```
    /// # use edge_session::Meta;
    /// assert_eq!(Meta::new("abc".into()).iat, 0);
    /// ```
    pub fn new(id: String) -> Meta {
        Meta {
            id,
            iat: 0,
            exp: 0,
            started: 0,
            reseal: false,
            unavailable: false,
            stored: None,
            retired: None,
            subject: None,
            named: None,
            created: None,
            migrated: None,
        }
    }

    /// A compact text form: `iat exp started flags created migrated id stored retired named subject`,
    /// `-` for what is absent; flags `r` (reseal) and `u` (unavailable).
    ///
    /// ```
    /// # use edge_session::Meta;
    /// let mut m = Meta::new("abc".into());
    /// m.reseal = true;
    /// m.migrated = Some(2);
    /// assert_eq!(m.to_token(), "0 0 0 r - 2 abc - - - -");
    /// ```
    pub fn to_token(&self) -> String {
        let mut t = String::with_capacity(96 + self.id.len());
        for n in [self.iat, self.exp, self.started] {
            push_u64(&mut t, n);
            t.push(' ');
        }
        match (self.reseal, self.unavailable) {
            (false, false) => t.push('-'),
            (r, u) => {
                if r {
                    t.push('r');
                }
                if u {
                    t.push('u');
                }
            }
        }
        t.push(' ');
        t.push_str(self.created.as_deref().unwrap_or("-"));
        t.push(' ');
        match self.migrated {
            Some(i) => push_u64(&mut t, i as u64),
            None => t.push('-'),
        }
        t.push(' ');
        t.push_str(&self.id);
        for p in [&self.stored, &self.retired] {
            t.push(' ');
            match p {
                Some(p) => URL_SAFE_NO_PAD.encode_string(p.to_bytes(), &mut t),
                None => t.push('-'),
            }
        }
        t.push(' ');
        t.push_str(self.named.as_deref().unwrap_or("-"));
        // Last, as base64url: JSON text may hold spaces.
        t.push(' ');
        match &self.subject {
            Some(s) => URL_SAFE_NO_PAD.encode_string(s, &mut t),
            None => t.push('-'),
        }
        t
    }

    /// Parses [`Meta::to_token`]'s output.
    ///
    /// ```
    /// # use edge_session::Meta;
    /// assert!(Meta::from_token("nonsense").is_none());
    /// ```
    pub fn from_token(token: &str) -> Option<Meta> {
        let mut parts = token.split(' ');
        let iat = parse_u64(parts.next()?)?;
        let exp = parse_u64(parts.next()?)?;
        let started = parse_u64(parts.next()?)?;
        let flags = parts.next()?;
        if !flags.bytes().all(|b| b"-ru".contains(&b)) {
            return None;
        }
        let created = match parts.next()? {
            "-" => None,
            c if c
                .bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) =>
            {
                Some(String::from(c))
            }
            _ => return None,
        };
        let migrated = match parts.next()? {
            "-" => None,
            i => Some(u8::try_from(parse_u64(i)?).ok()?),
        };
        let id = parts.next()?;
        let mut pointer = || match parts.next()? {
            "-" => Some(None),
            p => Some(Some(
                Pointer::from_bytes(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()?,
            )),
        };
        let stored = pointer()?;
        let retired = pointer()?;
        let named = match parts.next()? {
            "-" => None,
            n if is_id(n) => Some(String::from(n)),
            _ => return None,
        };
        let subject = match parts.next()? {
            "-" => None,
            s => Some(String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?),
        };
        if !is_id(id) || parts.next().is_some() {
            return None;
        }
        Some(Meta {
            id: String::from(id),
            iat,
            exp,
            started,
            reseal: flags.contains('r'),
            unavailable: flags.contains('u'),
            stored,
            retired,
            subject,
            named,
            created,
            migrated,
        })
    }
}

pub(super) fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    s.bytes().try_fold(0u64, |acc, b| {
        let d = b.checked_sub(b'0').filter(|d| *d < 10)?;
        acc.checked_mul(10)?.checked_add(d as u64)
    })
}
