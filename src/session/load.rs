//! Loading: the cookie, then (for a spilled session) what the store returned.

use alloc::string::String;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::meta::parse_u64;
use super::{Config, Meta, EMPTY, MAX_COOKIE_PAYLOAD};
use crate::cookie::{self, push_u64};
use crate::envelope::{self, Bulk, Header, Kind, Software};
use crate::formats::{Foreign, Format};
use crate::id::is_id;
use crate::spill::{self, Layout, Pointer, Reference};
use crate::status::check_clock;
use crate::{payload, DecodeError, LoadError, Random, RandomError, Reason, Status};

/// A loaded session.
///
/// ```
/// use edge_session::{cookie::CookieOptions, Config, KeyRing, LoadStep, OsRandom, Status};
/// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), CookieOptions::new("s"));
/// let LoadStep::Done(s) = cfg.load("", 1_700_000_000, &mut OsRandom).unwrap() else { unreachable!() };
/// assert_eq!((s.status, s.data.as_str()), (Status::New, "{}"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// Why the session is what it is.
    pub status: Status,
    /// For a session that is not `valid`, why the cookie was not accepted.
    pub reason: Option<Reason>,
    /// The user's data: a JSON object.
    pub data: String,
    /// Flash values from the previous request: a JSON object.
    pub flash: String,
    /// Hand this to [`Config::save`].
    pub meta: Meta,
    /// The legacy format the session was read from, when it was migrated.
    pub migrated_from: Option<&'static str>,
    /// `data` is the text `JSON.stringify` writes for it ([`crate::Change::canonical`]
    /// when it was saved, or empty), so a JavaScript caller can compare a
    /// later `JSON.stringify` with it as is.
    pub canonical: bool,
}

/// A store read the caller must do before the load can finish.
///
/// ```
/// # use edge_session::Fetch;
/// fn key_of(f: &Fetch) -> &str { &f.key }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetch {
    /// The store key to read.
    pub key: String,
    pointer: Pointer,
    iat: u64,
    exp: u64,
    reseal: bool,
}

impl Fetch {
    /// The id of the session the pointer names.
    ///
    /// ```
    /// # use edge_session::Fetch;
    /// fn id_of(f: &Fetch) -> &str { f.id() }
    /// ```
    pub fn id(&self) -> &str {
        &self.pointer.id
    }

    /// A compact text form, for callers that must hold it across an await:
    /// `iat exp reseal pointer key`, the key last (it may hold spaces).
    ///
    /// ```
    /// # use edge_session::*;
    /// # let mut cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), cookie::CookieOptions::new("s"));
    /// # cfg.store_prefix = Some("my sessions:".into());
    /// # cfg.inline_limit = 100;
    /// # let now = 1_700_000_000;
    /// # let LoadStep::Done(s) = cfg.load("", now, &mut OsRandom).unwrap() else { unreachable!() };
    /// # let big = format!(r#"{{"x":"{}"}}"#, "y".repeat(500));
    /// # let plan = cfg.save(&s.meta, &Change { data: &big, ..Change::default() }, now, &mut OsRandom).unwrap();
    /// # let header = plan.cookies[0].split(';').next().unwrap();
    /// let LoadStep::Fetch(f) = cfg.load(header, now + 1, &mut OsRandom).unwrap() else { unreachable!() };
    /// assert!(f.key.starts_with("my sessions:"));
    /// assert_eq!(Fetch::from_token(&f.to_token()), Some(f));
    /// ```
    pub fn to_token(&self) -> String {
        let mut t = String::with_capacity(160 + self.key.len());
        push_u64(&mut t, self.iat);
        t.push(' ');
        push_u64(&mut t, self.exp);
        t.push_str(if self.reseal { " 1 " } else { " 0 " });
        URL_SAFE_NO_PAD.encode_string(self.pointer.to_bytes(), &mut t);
        t.push(' ');
        t.push_str(&self.key);
        t
    }

    /// Parses [`Fetch::to_token`]'s output.
    ///
    /// ```
    /// # use edge_session::Fetch;
    /// assert!(Fetch::from_token("1 2 3").is_none());
    /// ```
    pub fn from_token(token: &str) -> Option<Fetch> {
        let mut parts = token.splitn(5, ' ');
        let iat = parse_u64(parts.next()?)?;
        let exp = parse_u64(parts.next()?)?;
        let reseal = parts.next()? == "1";
        let pointer = Pointer::from_bytes(&URL_SAFE_NO_PAD.decode(parts.next()?).ok()?).ok()?;
        let key = parts.next()?;
        if !is_id(&pointer.id) || key.is_empty() {
            return None;
        }
        Some(Fetch {
            key: String::from(key),
            pointer,
            iat,
            exp,
            reseal,
        })
    }
}

/// The outcome of reading the cookie.
///
/// ```
/// # use edge_session::LoadStep;
/// fn needs_io(s: &LoadStep) -> bool { matches!(s, LoadStep::Fetch(_)) }
/// ```
#[derive(Clone, Debug)]
// One per request, moved once: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum LoadStep {
    /// No store read needed.
    Done(Loaded),
    /// Read [`Fetch::key`] from the store, then call [`Config::load_fetched`].
    Fetch(Fetch),
}

/// A parsed session document.
pub(super) struct Doc<'a> {
    pub id: &'a str,
    pub started: Option<u64>,
    pub generation: Option<u32>,
    pub leftover: Option<Pointer>,
    pub data: &'a str,
    pub flash: &'a str,
    pub canonical: bool,
}

impl Config {
    fn fresh(
        &self,
        status: Status,
        reason: Option<Reason>,
        rng: &mut impl Random,
    ) -> Result<Loaded, RandomError> {
        Ok(Loaded {
            status,
            reason,
            data: String::from(EMPTY),
            flash: String::from(EMPTY),
            canonical: true,
            migrated_from: None,
            meta: Meta::new(self.new_session_id(rng)?),
        })
    }

    fn rejected(&self, e: DecodeError, rng: &mut impl Random) -> Result<Loaded, RandomError> {
        let status = match e {
            DecodeError::Expired | DecodeError::IdleTimeout | DecodeError::AbsoluteTimeout => {
                Status::Expired
            }
            _ => Status::Invalid,
        };
        self.fresh(status, Some(e.into()), rng)
    }

    /// An empty session that keeps the id and store location it could not
    /// read, and refuses to save changes: the data may still be there.
    fn unavailable(&self, fetch: Fetch, reason: Reason) -> Loaded {
        let mut meta = Meta::new(fetch.pointer.id.clone());
        meta.unavailable = true;
        meta.named = Some(fetch.pointer.id.clone());
        meta.stored = Some(fetch.pointer);
        Loaded {
            status: Status::Unavailable,
            reason: Some(reason),
            data: String::from(EMPTY),
            flash: String::from(EMPTY),
            canonical: true,
            migrated_from: None,
            meta,
        }
    }

    fn check_idle(&self, header: &Header, now: u64) -> Result<(), DecodeError> {
        match self.idle_timeout {
            Some(idle) if now >= header.issued_at.saturating_add(idle) => {
                Err(DecodeError::IdleTimeout)
            }
            _ => Ok(()),
        }
    }

    fn reseal(&self, header: &Header, key_index: usize) -> bool {
        key_index != 0 || header.mode != self.mode
    }

    /// Reads the session cookie from a `Cookie` header. Never fails on
    /// client input: a bad cookie gives a new session with a status and
    /// reason. Fails only on a broken clock, or when no random bytes can be
    /// had for a new id.
    ///
    /// ```
    /// use edge_session::{cookie::CookieOptions, Config, KeyRing, LoadError, LoadStep, OsRandom, Reason, Status};
    /// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), CookieOptions::new("s"));
    /// let LoadStep::Done(s) = cfg.load("s=forged", 1_700_000_000, &mut OsRandom).unwrap() else { unreachable!() };
    /// assert_eq!((s.status, s.reason), (Status::Invalid, Some(Reason::Malformed)));
    /// assert_eq!(s.reason.map(Reason::as_str), Some("malformed"));
    /// // performance.now() by mistake: refused, never read as 1970.
    /// assert_eq!(cfg.load("s=x", 1234, &mut OsRandom).unwrap_err(), LoadError::Clock);
    /// ```
    pub fn load(
        &self,
        cookie_header: &str,
        now: u64,
        rng: &mut impl Random,
    ) -> Result<LoadStep, LoadError> {
        self.load_ms(cookie_header, now.saturating_mul(1000), rng)
    }

    /// [`Config::load`] with the clock in milliseconds: iron's expiry is checked
    /// to the millisecond, as iron does; everything else in seconds.
    ///
    /// ```
    /// use edge_session::{cookie::CookieOptions, Config, KeyRing, LoadStep, OsRandom, Status};
    /// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), CookieOptions::new("s"));
    /// let LoadStep::Done(s) = cfg.load_ms("", 1_700_000_000_123, &mut OsRandom).unwrap() else { unreachable!() };
    /// assert_eq!(s.status, Status::New);
    /// ```
    pub fn load_ms(
        &self,
        cookie_header: &str,
        now_ms: u64,
        rng: &mut impl Random,
    ) -> Result<LoadStep, LoadError> {
        match self.load_with(cookie_header, now_ms, rng, &mut Software)? {
            Some(step) => Ok(step),
            // Software never defers; were it to, a new session is the safe answer.
            None => Ok(LoadStep::Done(self.fresh(Status::New, None, rng)?)),
        }
    }

    /// [`Config::load_ms`] with the bulk crypto run by `bulk`: `None` when
    /// it deferred (see [`Deferred`](crate::Deferred)): run its job, then
    /// call again with the answer.
    pub fn load_with(
        &self,
        cookie_header: &str,
        now_ms: u64,
        rng: &mut impl Random,
        bulk: &mut impl Bulk,
    ) -> Result<Option<LoadStep>, LoadError> {
        let now = check_clock(now_ms / 1000)?;
        let step = match cookie::get(cookie_header, &self.cookie.name) {
            None => LoadStep::Done(self.fresh(Status::New, None, rng)?),
            // Without foreign-format features, Native is the only format.
            #[allow(unreachable_patterns)]
            Some(value) => match &self.format {
                Format::Native => match self.load_native(value, now, rng, bulk)? {
                    Some(step) => step,
                    None => return Ok(None),
                },
                format => LoadStep::Done(
                    match format.decode(&self.cookie.name, value, now_ms, &self.limits) {
                        Ok(f) => self.foreign_loaded(f, now, None, rng)?,
                        Err((status, reason)) => self.fresh(status, Some(refused(reason)), rng)?,
                    },
                ),
            },
        };
        // When the main cookie gives nothing, the session may still be in an old one.
        match step {
            // A leftover legacy cookie beside a valid one: clear it with the next write.
            LoadStep::Done(mut l) if l.status == Status::Valid && !self.legacy.is_empty() => {
                l.meta.migrated = self
                    .legacy
                    .iter()
                    .position(|legacy| cookie::get(cookie_header, &legacy.cookie.name).is_some())
                    .map(|i| i as u8);
                Ok(LoadStep::Done(l))
            }
            LoadStep::Done(l) if l.status != Status::Valid && !self.legacy.is_empty() => Ok(
                LoadStep::Done(match self.load_legacy(cookie_header, now_ms, rng)? {
                    Some(migrated) => migrated,
                    None => l,
                }),
            ),
            step => Ok(step),
        }
        .map(Some)
    }

    fn load_legacy(
        &self,
        cookie_header: &str,
        now_ms: u64,
        rng: &mut impl Random,
    ) -> Result<Option<Loaded>, RandomError> {
        let now = now_ms / 1000;
        let mut cut_off = None;
        for (i, legacy) in self.legacy.iter().enumerate() {
            let Some(value) = cookie::get(cookie_header, &legacy.cookie.name) else {
                continue;
            };
            match legacy.decode(value, now_ms, &self.limits) {
                Ok(f) => {
                    let mut l = self.foreign_loaded(f, now, Some(i as u8), rng)?;
                    l.migrated_from = Some(legacy.format.name());
                    return Ok(Some(l));
                }
                Err((Status::Expired, reason)) if legacy.cut_off(now_ms) => {
                    cut_off = cut_off.or(Some((i as u8, reason)));
                }
                Err(_) => {}
            }
        }
        // Past its cut-off: expired, and the old cookie cleared at the next write.
        let Some((i, reason)) = cut_off else {
            return Ok(None);
        };
        let mut l = self.fresh(Status::Expired, Some(refused(reason)), rng)?;
        l.meta.migrated = Some(i);
        Ok(Some(l))
    }

    fn foreign_loaded(
        &self,
        f: Foreign,
        now: u64,
        migrated: Option<u8>,
        rng: &mut impl Random,
    ) -> Result<Loaded, RandomError> {
        let id = match f.id {
            Some(id) if is_id(id.as_str()) => id,
            _ => self.new_session_id(rng)?,
        };
        let iat = f.iat.unwrap_or(now).max(1);
        let mut meta = Meta::new(id);
        meta.iat = iat;
        // A migrated session's absolute period starts at its first native
        // save: the old format had none, and upgrading must not log out.
        // A migrated session moves even if nothing changes.
        meta.reseal = f.reseal || migrated.is_some();
        meta.created = f.created.filter(|_| migrated.is_none());
        meta.migrated = migrated;
        meta.subject = self.subject_of(&f.data);
        Ok(Loaded {
            status: Status::Valid,
            reason: None,
            data: f.data,
            flash: f.flash,
            canonical: false,
            migrated_from: None,
            meta,
        })
    }

    fn load_native(
        &self,
        value: &str,
        now: u64,
        rng: &mut impl Random,
        bulk: &mut impl Bulk,
    ) -> Result<Option<LoadStep>, RandomError> {
        // No browser sends a cookie larger than this: refuse before decoding.
        let max = self.doc_limits().max_bytes.min(MAX_COOKIE_PAYLOAD);
        let opened = match envelope::open_with(bulk, &self.ring, &self.ctx(), value, now, max) {
            Ok(Some(o)) => o,
            Ok(None) => return Ok(None),
            Err(e) => return Ok(Some(LoadStep::Done(self.rejected(e, rng)?))),
        };
        if let Err(e) = self.check_idle(&opened.header, now) {
            return Ok(Some(LoadStep::Done(self.rejected(e, rng)?)));
        }
        let reseal = self.reseal(&opened.header, opened.key_index);
        let (iat, exp) = (opened.header.issued_at, opened.header.expires_at);
        let pointer = match opened.header.kind {
            Kind::Session => {
                let loaded = self
                    .parse_doc(&opened.payload, self.reader_parses)
                    .and_then(|doc| self.native_loaded(doc, iat, exp, now, reseal, None));
                return Ok(Some(LoadStep::Done(match loaded {
                    Ok(l) => l,
                    Err(e) => self.rejected(e, rng)?,
                })));
            }
            Kind::Pointer => Pointer::from_bytes(&opened.payload),
            // 0.1: one key per session, named by the id's hash under the sealing key.
            Kind::Reference => match (
                Reference::from_bytes(&opened.payload),
                self.ring.find(opened.header.key_id),
            ) {
                (Ok(r), Some((_, key))) => Ok(Pointer {
                    layout: Layout::Single,
                    generation: r.generation,
                    digest: spill::Digest::Sha256(r.digest),
                    hash: spill::id_hash(key, &r.id),
                    versions: alloc::vec::Vec::new(),
                    id: r.id,
                }),
                _ => Err(DecodeError::Malformed),
            },
            Kind::Blob => Err(DecodeError::BadTag),
        };
        let pointer = match pointer {
            Ok(p) if is_id(&p.id) => p,
            Ok(_) => {
                return Ok(Some(LoadStep::Done(
                    self.rejected(DecodeError::Malformed, rng)?,
                )))
            }
            Err(e) => return Ok(Some(LoadStep::Done(self.rejected(e, rng)?))),
        };
        let Some(prefix) = &self.store_prefix else {
            return Ok(Some(LoadStep::Done(self.fresh(
                Status::Invalid,
                Some(Reason::NoStore),
                rng,
            )?)));
        };
        Ok(Some(LoadStep::Fetch(Fetch {
            key: pointer.key(prefix),
            pointer,
            iat,
            exp,
            reseal,
        })))
    }

    /// Finishes a load that needed a store read. `blob` is what the store
    /// returned for [`Fetch::key`], `None` when it had nothing.
    ///
    /// - The version the cookie names, or (head layout) a newer one: `valid`.
    /// - Nothing, or an older version, within [`spill::LAG_WINDOW`] of the
    ///   cookie's issue (an eventually consistent store that has not caught
    ///   up): `unavailable`, which refuses to save changes.
    /// - Nothing after that window: the data is gone (destroyed elsewhere,
    ///   regenerated, expired): `stale`, a new session.
    ///
    /// ```
    /// # use edge_session::*;
    /// # let mut cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), cookie::CookieOptions::new("s"));
    /// # cfg.store_prefix = Some("s:".into());
    /// # cfg.inline_limit = 100;
    /// let now = 1_700_000_000;
    /// let big = format!(r#"{{"x":"{}"}}"#, "y".repeat(500));
    /// let LoadStep::Done(s) = cfg.load("", now, &mut OsRandom).unwrap() else { unreachable!() };
    /// let plan = cfg.save(&s.meta, &Change { data: &big, ..Change::default() }, now, &mut OsRandom).unwrap();
    /// let StoreOp::Put { key, value, .. } = &plan.store[0] else { unreachable!() };
    /// let header = plan.cookies[0].split(';').next().unwrap();
    /// let LoadStep::Fetch(f) = cfg.load(header, now + 1, &mut OsRandom).unwrap() else { unreachable!() };
    /// assert_eq!(&f.key, key);
    /// let s = cfg.load_fetched(f.clone(), Some(value), now + 1, &mut OsRandom).unwrap();
    /// assert_eq!((s.status, s.data.len()), (Status::Valid, big.len()));
    /// // Not there yet, a second after the write: never a silent new session.
    /// assert_eq!(cfg.load_fetched(f.clone(), None, now + 1, &mut OsRandom).unwrap().status, Status::Unavailable);
    /// assert_eq!(cfg.load_fetched(f, None, now + 600, &mut OsRandom).unwrap().status, Status::Stale);
    /// ```
    pub fn load_fetched(
        &self,
        fetch: Fetch,
        blob: Option<&str>,
        now: u64,
        rng: &mut impl Random,
    ) -> Result<Loaded, LoadError> {
        match self.load_fetched_with(fetch, blob, now, rng, &mut Software)? {
            Some(l) => Ok(l),
            // Software never defers; were it to, a new session is the safe answer.
            None => Ok(self.fresh(Status::New, None, rng)?),
        }
    }

    /// [`Config::load_fetched`] with the bulk crypto run by `bulk`: `None`
    /// when it deferred, as for [`Config::load_with`].
    pub fn load_fetched_with(
        &self,
        fetch: Fetch,
        blob: Option<&str>,
        now: u64,
        rng: &mut impl Random,
        bulk: &mut impl Bulk,
    ) -> Result<Option<Loaded>, LoadError> {
        let now = check_clock(now)?;
        let lagging = now < fetch.iat.saturating_add(spill::LAG_WINDOW)
            && fetch.pointer.layout != Layout::Head;
        let Some(blob) = blob else {
            return Ok(Some(if lagging {
                self.unavailable(fetch, Reason::StoreLagging)
            } else {
                let mut l = self.fresh(Status::Stale, Some(Reason::Missing), rng)?;
                l.meta.named = Some(fetch.pointer.id);
                l
            }));
        };
        let exact = fetch.pointer.matches(blob);
        if !exact && fetch.pointer.layout == Layout::Versioned {
            // Versions are never rewritten: this is not what was written there.
            return Ok(Some(self.unavailable(fetch, Reason::DigestMismatch)));
        }
        let max = self.doc_limits().max_bytes;
        let ctx = self.store_ctx(&fetch.key);
        let opened = match envelope::open_with(bulk, &self.ring, &ctx, blob, now, max) {
            Ok(None) => return Ok(None),
            Ok(Some(o)) if o.header.kind == Kind::Blob => o,
            Ok(_) => return Ok(Some(self.unavailable(fetch, Reason::BadTag))),
            Err(DecodeError::Expired) => {
                return Ok(Some(self.rejected(DecodeError::Expired, rng)?))
            }
            Err(e) => return Ok(Some(self.unavailable(fetch, e.into()))),
        };
        let doc = match self.parse_doc(&opened.payload, self.reader_parses) {
            Ok(d) if d.id == fetch.pointer.id => d,
            Ok(_) => return Ok(Some(self.unavailable(fetch, Reason::IdMismatch))),
            Err(e) => return Ok(Some(self.unavailable(fetch, e.into()))),
        };
        let mut pointer = fetch.pointer.clone();
        if !exact {
            // Another request wrote since this cookie was issued: a newer
            // generation is the session too; an older one is a lagging read.
            let newer = match (pointer.layout, doc.generation) {
                (Layout::Head, Some(g)) => g >= pointer.generation,
                (Layout::Single, _) => !lagging,
                _ => false,
            };
            if !newer {
                return Ok(Some(self.unavailable(fetch, Reason::StoreLagging)));
            }
            pointer.generation = doc.generation.unwrap_or(pointer.generation);
            pointer.digest = spill::Digest::of(blob);
        }
        let reseal = fetch.reseal || opened.key_index != 0;
        Ok(Some(
            match self.native_loaded(doc, fetch.iat, fetch.exp, now, reseal, Some(pointer)) {
                Ok(l) => l,
                Err(e) => self.rejected(e, rng)?,
            },
        ))
    }

    /// Finishes a load whose store read failed (threw or timed out): an
    /// empty session with status `unavailable` and reason `store_failed`,
    /// which refuses to save changes.
    ///
    /// ```
    /// # use edge_session::*;
    /// # let mut cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), cookie::CookieOptions::new("s"));
    /// # cfg.store_prefix = Some("s:".into());
    /// # cfg.inline_limit = 100;
    /// # let now = 1_700_000_000;
    /// # let big = format!(r#"{{"x":"{}"}}"#, "y".repeat(500));
    /// # let LoadStep::Done(s) = cfg.load("", now, &mut OsRandom).unwrap() else { unreachable!() };
    /// # let plan = cfg.save(&s.meta, &Change { data: &big, ..Change::default() }, now, &mut OsRandom).unwrap();
    /// # let header = plan.cookies[0].split(';').next().unwrap();
    /// let LoadStep::Fetch(f) = cfg.load(header, now, &mut OsRandom).unwrap() else { unreachable!() };
    /// let s = cfg.load_failed(f);
    /// assert_eq!((s.status, s.reason), (Status::Unavailable, Some(Reason::StoreFailed)));
    /// ```
    pub fn load_failed(&self, fetch: Fetch) -> Loaded {
        self.unavailable(fetch, Reason::StoreFailed)
    }

    /// Finishes a load whose data or flash the reader could not parse as
    /// JSON ([`Config::reader_parses`]): a new session with status `invalid`
    /// (reason `not_object`) for a cookie, or `unavailable` for the store blob
    /// `fetch` read (never overwritten). A load that checks the syntax itself
    /// refuses such a document the same way, unless a check it makes first
    /// (the blob's id, a lagging store, the absolute timeout) answers before.
    ///
    /// ```
    /// # use edge_session::*;
    /// let mut cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), cookie::CookieOptions::new("s"));
    /// cfg.reader_parses = true;
    /// let s = cfg.not_json(None, &mut OsRandom).unwrap();
    /// assert_eq!((s.status, s.reason, s.data.as_str()), (Status::Invalid, Some(Reason::NotObject), "{}"));
    /// ```
    pub fn not_json(
        &self,
        fetch: Option<Fetch>,
        rng: &mut impl Random,
    ) -> Result<Loaded, RandomError> {
        match fetch {
            Some(f) => Ok(self.unavailable(f, DecodeError::NotObject.into())),
            None => self.rejected(DecodeError::NotObject, rng),
        }
    }

    /// A session document: checked as JSON unless `reader_parses`, when its
    /// data and flash are left to the reader ([`Config::reader_parses`]).
    pub(super) fn parse_doc<'a>(
        &self,
        json: &'a [u8],
        reader_parses: bool,
    ) -> Result<Doc<'a>, DecodeError> {
        // One pass checks the document and finds its members; then the
        // duplicate check on the names alone.
        let members = if reader_parses {
            payload::members_parsed_by_reader(json, &self.doc_limits(), &["d", "f"])?
        } else {
            payload::checked_members(json, &self.doc_limits())?
        };
        payload::check_unique_names(members.iter().map(|(k, _)| *k))?;
        let (mut id, mut data, mut flash, mut started, mut generation, mut leftover) =
            (None, None, EMPTY, None, None, None);
        let mut canonical = false;
        for (key, value) in members {
            match key {
                "i" => id = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')),
                "d" => data = Some(value),
                "f" => flash = value,
                "j" => canonical = value == "1",
                "c" => started = Some(parse_u64(value).ok_or(DecodeError::Malformed)?),
                "o" => {
                    let text = value.strip_prefix('"').and_then(|v| v.strip_suffix('"'));
                    let bytes = text.and_then(|t| URL_SAFE_NO_PAD.decode(t).ok());
                    leftover = Some(
                        bytes
                            .and_then(|b| Pointer::from_bytes(&b).ok())
                            .ok_or(DecodeError::Malformed)?,
                    );
                }
                "g" => {
                    generation = Some(
                        parse_u64(value)
                            .and_then(|g| u32::try_from(g).ok())
                            .ok_or(DecodeError::Malformed)?,
                    )
                }
                _ => {}
            }
        }
        let (Some(id), Some(data)) = (id, data) else {
            return Err(DecodeError::Malformed);
        };
        if !data.starts_with('{') || !flash.starts_with('{') || !is_id(id) {
            return Err(DecodeError::Malformed);
        }
        // The limits are the user's data's, as at save: the document around it
        // is some bytes longer, and one level deeper, so the document's depth
        // check (max + 1) already held each part to max.
        if data.len() > self.limits.max_bytes || flash.len() > self.limits.max_bytes {
            return Err(DecodeError::TooLarge);
        }
        Ok(Doc {
            id,
            started,
            generation,
            leftover,
            data,
            flash,
            canonical,
        })
    }

    fn native_loaded(
        &self,
        doc: Doc<'_>,
        iat: u64,
        exp: u64,
        now: u64,
        reseal: bool,
        stored: Option<Pointer>,
    ) -> Result<Loaded, DecodeError> {
        // 0.1 documents carry no start: their last issue starts the clock.
        let started = doc.started.unwrap_or(iat.saturating_mul(1000));
        if now >= (started / 1000).saturating_add(self.absolute_timeout) {
            return Err(DecodeError::AbsoluteTimeout);
        }
        let mut meta = Meta::new(String::from(doc.id));
        meta.iat = iat;
        meta.exp = exp;
        meta.started = started;
        meta.reseal = reseal;
        meta.stored = stored;
        meta.retired = doc.leftover;
        meta.subject = self.subject_of(doc.data);
        Ok(Loaded {
            migrated_from: None,
            status: Status::Valid,
            reason: None,
            data: String::from(doc.data),
            flash: String::from(doc.flash),
            canonical: doc.canonical,
            meta,
        })
    }
}

/// A foreign format's refusal code as a reason; every read-path code has one.
fn refused(code: &str) -> Reason {
    Reason::from_code(code).unwrap_or(Reason::Malformed)
}
