//! Revocation, opt-in: a logout that holds against copied cookies, "sign out
//! everywhere", and (opt-in again) a list of a user's live sessions.
//!
//! Records live in a store under keyed hashes, so the store reveals no ids
//! or subjects. A session whose data names a subject (say `"userId"`) is
//! checked against its subject's record; one without, against its own. A
//! record is sealed and bound to its key:
//!
//! ```text
//! {"c":cutoff,"r":{"<id>":expires,…},"s":{"<id>":[started,saved,expires],…}}
//! ```
//!
//! `c`: sessions that started before it (Unix ms) are signed out
//! (`revokeAll`). `r`: revoked ids, until their session would have expired
//! anyway (Unix seconds). `s`: the live sessions, kept only with
//! [`Revocation::list`]: started and saved (ms), expires (seconds). Entries leave when they
//! expire, so a record stays as large as the subject's live sessions, and the
//! record itself expires with its last entry.
//!
//! Each change is a read-modify-write: the caller reads the record, hands it
//! to [`Config::apply_edit`], and writes the result (conditionally, where the
//! store can compare-and-swap).

use alloc::string::String;
use alloc::vec::Vec;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::Mac;

use super::meta::parse_u64;
use super::{Config, Loaded, Meta};
use crate::cookie::push_u64;
use crate::envelope::{self, Context, Header, Kind, Mode, Subkeys};
use crate::id::is_id;
use crate::keys::{Key, Purpose};
use crate::{payload, spill, Random, SaveError, Status};

const RECORD_PURPOSE: &[u8] = b"revocation";
/// Longest subject value accepted, as JSON text.
pub const MAX_SUBJECT_LEN: usize = 256;

/// The revocation options.
///
/// ```
/// use edge_session::session::Revocation;
/// let r = Revocation::new(Some("userId".into()));
/// assert_eq!((r.prefix.as_str(), r.fail_open, r.list), ("revoked:", false, false));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revocation {
    /// The data member that names the user, such as `"userId"`; with `None`,
    /// sessions are revoked one by one only.
    pub subject: Option<String>,
    /// Prefix of record keys.
    pub prefix: String,
    /// When the records cannot be read: accept the session (`true`), or
    /// refuse it as `unavailable` (`false`, the default).
    pub fail_open: bool,
    /// Keep each subject's live sessions listed: one more read and write per save.
    pub list: bool,
}

impl Revocation {
    /// Revocation with the defaults: prefix `revoked:`, fail-closed, no list.
    ///
    /// ```
    /// # use edge_session::session::Revocation;
    /// assert!(Revocation::new(None).subject.is_none());
    /// ```
    pub fn new(subject: Option<String>) -> Self {
        Revocation {
            subject,
            prefix: String::from("revoked:"),
            fail_open: false,
            list: false,
        }
    }
}

/// One change to a revocation record, to apply with [`Config::apply_edit`].
///
/// ```
/// use edge_session::session::RecordEdit;
/// let e = RecordEdit::from_token("c 1700000000 revoked:abc").unwrap();
/// assert_eq!((e.key.as_str(), e.required()), ("revoked:abc", true));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordEdit {
    /// The record's store key.
    pub key: String,
    edit: Edit,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Edit {
    /// Sessions that started before `at` are signed out.
    Cutoff { at: u64 },
    /// `id` is revoked until `expires`, and leaves the list.
    Revoke { id: String, expires: u64 },
    /// `id` is listed as live; `replaces` (a regenerated id) leaves the list.
    Register {
        id: String,
        started: u64,
        saved: u64,
        expires: u64,
        replaces: Option<String>,
    },
}

impl RecordEdit {
    /// A failed write of this edit fails the save. Listing a session is
    /// bookkeeping; revoking one is not.
    pub fn required(&self) -> bool {
        !matches!(self.edit, Edit::Register { .. })
    }

    /// A compact text form, the key last (it may hold spaces): `c at key`,
    /// `r id expires key`, `s id started saved expires replaces key`.
    ///
    /// ```
    /// # use edge_session::session::RecordEdit;
    /// let e = RecordEdit::from_token("r abc 5 my revoked:k").unwrap();
    /// assert_eq!(e.key, "my revoked:k");
    /// assert_eq!(RecordEdit::from_token(&e.to_token()), Some(e));
    /// ```
    pub fn to_token(&self) -> String {
        let mut t = String::with_capacity(self.key.len() + 96);
        match &self.edit {
            Edit::Cutoff { at } => {
                t.push_str("c ");
                push_u64(&mut t, *at);
            }
            Edit::Revoke { id, expires } => {
                t.push_str("r ");
                t.push_str(id);
                t.push(' ');
                push_u64(&mut t, *expires);
            }
            Edit::Register {
                id,
                started,
                saved,
                expires,
                replaces,
            } => {
                t.push_str("s ");
                t.push_str(id);
                for n in [started, saved, expires] {
                    t.push(' ');
                    push_u64(&mut t, *n);
                }
                t.push(' ');
                t.push_str(replaces.as_deref().unwrap_or("-"));
            }
        }
        t.push(' ');
        t.push_str(&self.key);
        t
    }

    /// Parses [`RecordEdit::to_token`]'s output.
    pub fn from_token(token: &str) -> Option<RecordEdit> {
        let (kind, rest) = token.split_once(' ')?;
        let fields = match kind {
            "c" => 1,
            "r" => 2,
            "s" => 5,
            _ => return None,
        };
        let mut parts = rest.splitn(fields + 1, ' ');
        let mut next = || parts.next();
        let id = |s: Option<&str>| s.filter(|s| is_id(s)).map(String::from);
        let num = |s: Option<&str>| s.and_then(parse_u64);
        let edit = match kind {
            "c" => Edit::Cutoff { at: num(next())? },
            "r" => Edit::Revoke {
                id: id(next())?,
                expires: num(next())?,
            },
            _ => Edit::Register {
                id: id(next())?,
                started: num(next())?,
                saved: num(next())?,
                expires: num(next())?,
                replaces: match next()? {
                    "-" => None,
                    r => Some(id(Some(r))?),
                },
            },
        };
        let key = next().filter(|k| !k.is_empty())?;
        Some(RecordEdit {
            key: String::from(key),
            edit,
        })
    }
}

/// A live session as a subject's list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// The session id.
    pub id: String,
    /// When it started (login), in Unix milliseconds.
    pub started: u64,
    /// When it was last saved, in Unix milliseconds.
    pub saved: u64,
    /// When it expires at the latest, in Unix seconds.
    pub expires: u64,
}

/// A few entries per user: plain vectors keep the wasm small.
#[derive(Default)]
struct Record {
    cutoff: u64,
    revoked: Vec<(String, u64)>,
    sessions: Vec<(String, [u64; 3])>,
}

fn find<'a, T>(list: &'a [(String, T)], id: &str) -> Option<&'a T> {
    list.iter().find(|(k, _)| k == id).map(|(_, v)| v)
}

fn remove<T>(list: &mut Vec<(String, T)>, id: &str) {
    list.retain(|(k, _)| k != id);
}

fn upsert<T>(list: &mut Vec<(String, T)>, id: &str, value: T) {
    remove(list, id);
    list.push((String::from(id), value));
}

impl Record {
    fn parse(json: &str) -> Option<Record> {
        let mut r = Record::default();
        for (key, value) in payload::members(json) {
            match key {
                "c" => r.cutoff = parse_u64(value)?,
                "r" => {
                    for (id, exp) in payload::members(value) {
                        r.revoked.push((checked_id(id)?, parse_u64(exp)?));
                    }
                }
                "s" => {
                    for (id, list) in payload::members(value) {
                        let inner = list.strip_prefix('[')?.strip_suffix(']')?;
                        let mut n = inner.split(',').map(|x| parse_u64(x.trim()));
                        let entry = [n.next()??, n.next()??, n.next()??];
                        r.sessions.push((checked_id(id)?, entry));
                    }
                }
                _ => {}
            }
        }
        Some(r)
    }

    fn to_json(&self) -> String {
        let mut s = String::from("{\"c\":");
        push_u64(&mut s, self.cutoff);
        s.push_str(",\"r\":{");
        for (i, (id, exp)) in self.revoked.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            push_key(&mut s, id);
            push_u64(&mut s, *exp);
        }
        s.push_str("},\"s\":{");
        for (i, (id, e)) in self.sessions.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            push_key(&mut s, id);
            s.push('[');
            for (j, n) in e.iter().enumerate() {
                if j > 0 {
                    s.push(',');
                }
                push_u64(&mut s, *n);
            }
            s.push(']');
        }
        s.push_str("}}");
        s
    }

    /// The latest time anything in the record still matters.
    fn last_needed(&self, absolute_timeout: u64) -> u64 {
        let cutoff = match self.cutoff {
            0 => 0,
            c => (c / 1000).saturating_add(absolute_timeout),
        };
        let revoked = self.revoked.iter().map(|r| r.1).max().unwrap_or(0);
        let listed = self.sessions.iter().map(|s| s.1[2]).max().unwrap_or(0);
        cutoff.max(revoked).max(listed)
    }
}

fn checked_id(id: &str) -> Option<String> {
    is_id(id).then(|| String::from(id))
}

fn push_key(s: &mut String, id: &str) {
    s.push('"');
    s.push_str(id);
    s.push_str("\":");
}

/// `prefix || tag || base64url(HMAC(store-id subkey, label || 0 || value))`.
fn record_key(key: &Key, prefix: &str, tag: &str, value: &str) -> String {
    let mut mac = key.mac(Purpose::StoreId);
    mac.update(b"revocation-");
    mac.update(tag.as_bytes());
    mac.update(&[0]);
    mac.update(value.as_bytes());
    let mut out = String::with_capacity(prefix.len() + 45);
    out.push_str(prefix);
    out.push_str(tag);
    out.push('.');
    URL_SAFE_NO_PAD.encode_string(mac.finalize().into_bytes(), &mut out);
    out
}

impl Config {
    /// The subject of a session's data: the raw JSON text of the member
    /// [`Revocation::subject`] names, if the data has one.
    pub(super) fn subject_of(&self, data: &str) -> Option<String> {
        let name = self.revocation.as_ref()?.subject.as_deref()?;
        payload::members(data)
            .find(|(k, _)| *k == name)
            .map(|(_, v)| String::from(v))
            .filter(|v| v.len() <= MAX_SUBJECT_LEN && v != "null")
    }

    fn record_keys_for(&self, subject: Option<&str>, id: &str) -> Vec<String> {
        let Some(r) = &self.revocation else {
            return Vec::new();
        };
        // One key per secret: a record written before a rotation is still found.
        self.ring
            .keys()
            .map(|k| match subject {
                Some(s) => record_key(k, &r.prefix, "u", s),
                None => record_key(k, &r.prefix, "s", id),
            })
            .collect()
    }

    fn record_key_now(&self, subject: Option<&str>, id: &str) -> Option<String> {
        let r = self.revocation.as_ref()?;
        Some(match subject {
            Some(s) => record_key(self.ring.current(), &r.prefix, "u", s),
            None => record_key(self.ring.current(), &r.prefix, "s", id),
        })
    }

    /// The records to read before a loaded session may be used: one per
    /// secret in the ring (one, unless a rotation is under way). Empty when
    /// revocation is off or the session is not `valid`.
    ///
    /// ```
    /// use edge_session::{session::Revocation, *};
    /// let mut cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), cookie::CookieOptions::new("s"));
    /// let LoadStep::Done(s) = cfg.load("", 1_700_000_000, &mut OsRandom).unwrap() else { unreachable!() };
    /// assert!(cfg.revocation_keys(&s).is_empty());
    /// ```
    pub fn revocation_keys(&self, loaded: &Loaded) -> Vec<String> {
        match (loaded.status, &loaded.meta.named) {
            (Status::Valid, _) => {
                self.record_keys_for(loaded.meta.subject.as_deref(), &loaded.meta.id)
            }
            // A spilled session whose data is gone: revoked, or just gone?
            (Status::Unavailable | Status::Stale, Some(id)) => self.record_keys_for(None, id),
            _ => Vec::new(),
        }
    }

    /// Finishes a load with the records read for [`Config::revocation_keys`]
    /// (`None` for one that is absent), or `Err(())` when the store failed.
    /// A revoked session becomes a new one with status `revoked`.
    pub fn check_revoked(
        &self,
        loaded: Loaded,
        records: Result<&[Option<&str>], ()>,
        now: u64,
        rng: &mut impl Random,
    ) -> Result<Loaded, crate::LoadError> {
        let Some(r) = &self.revocation else {
            return Ok(loaded);
        };
        let keys = self.revocation_keys(&loaded);
        if keys.is_empty() {
            return Ok(loaded);
        }
        let failed = || -> Result<Loaded, crate::LoadError> {
            if r.fail_open {
                return Ok(loaded.clone());
            }
            let mut meta = Meta::new(loaded.meta.id.clone());
            meta.unavailable = true;
            Ok(Loaded {
                status: Status::Unavailable,
                reason: Some(crate::Reason::RevocationFailed),
                data: String::from(super::EMPTY),
                flash: String::from(super::EMPTY),
                canonical: true,
                migrated_from: None,
                meta,
            })
        };
        let Ok(records) = records else {
            return failed();
        };
        if records.len() != keys.len() {
            return failed();
        }
        for (key, record) in keys.iter().zip(records) {
            let Some(text) = record else { continue };
            let Some(rec) = self.open_record(key, text, now) else {
                return failed();
            };
            let started = loaded.meta.started;
            let id = loaded.meta.named.as_ref().unwrap_or(&loaded.meta.id);
            let reason = if find(&rec.revoked, id).is_some() {
                crate::Reason::Revoked
            } else if loaded.status == Status::Valid
                && loaded.meta.subject.is_some()
                && started < rec.cutoff
            {
                crate::Reason::SignedOut
            } else {
                continue;
            };
            return Ok(Loaded {
                status: Status::Revoked,
                reason: Some(reason),
                data: String::from(super::EMPTY),
                flash: String::from(super::EMPTY),
                canonical: true,
                migrated_from: None,
                meta: Meta::new(self.new_session_id(rng)?),
            });
        }
        Ok(loaded)
    }

    fn open_record(&self, key: &str, text: &str, now: u64) -> Option<Record> {
        let ctx = record_ctx(key);
        let max = self.doc_limits().max_bytes;
        let opened = envelope::open(&self.ring, &ctx, text, now, max).ok()?;
        if opened.header.kind != Kind::Blob {
            return None;
        }
        Record::parse(core::str::from_utf8(&opened.payload).ok()?)
    }

    /// What a save must change in the revocation records: revoke the old id
    /// on `destroy` or `regenerate`, and (with [`Revocation::list`]) list
    /// the session as saved.
    pub(super) fn revocation_edits(
        &self,
        meta: &Meta,
        change: &super::Change<'_>,
        next: Option<&Meta>,
        now_ms: u64,
    ) -> Vec<RecordEdit> {
        let Some(r) = &self.revocation else {
            return Vec::new();
        };
        let mut edits = Vec::new();
        let had_value = meta.iat != 0 && !meta.unavailable;
        let expires = (meta.started / 1000).saturating_add(self.absolute_timeout);
        if had_value && (change.destroy || change.regenerate) {
            let revoke = |key| RecordEdit {
                key,
                edit: Edit::Revoke {
                    id: meta.id.clone(),
                    expires,
                },
            };
            edits.extend(
                self.record_key_now(meta.subject.as_deref(), &meta.id)
                    .map(revoke),
            );
            // A spilled copy whose data is deleted is checked by its id alone.
            if meta.subject.is_some() && meta.stored.is_some() {
                edits.extend(self.record_key_now(None, &meta.id).map(revoke));
            }
        }
        let (Some(next), false, true) = (next, change.destroy, r.list) else {
            return edits;
        };
        if let Some(subject) = self.subject_of(change.data) {
            if let Some(key) = self.record_key_now(Some(&subject), &next.id) {
                edits.push(RecordEdit {
                    key,
                    edit: Edit::Register {
                        id: next.id.clone(),
                        started: next.started,
                        saved: now_ms,
                        expires: (next.started / 1000).saturating_add(self.absolute_timeout),
                        replaces: (next.id != meta.id && had_value).then(|| meta.id.clone()),
                    },
                });
            }
        }
        edits
    }

    /// Applies `edit` to the record as read (`None`: absent). Returns the
    /// sealed record to write and its TTL in seconds, or `None` when the
    /// record is empty and can be deleted.
    ///
    /// ```
    /// use edge_session::{session::Revocation, *};
    /// let mut cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), cookie::CookieOptions::new("s"));
    /// cfg.revocation = Some(Revocation::new(Some("userId".into())));
    /// let now = 1_700_000_000;
    /// let edit = cfg.revoke_all("42", now * 1000).unwrap();
    /// let (record, ttl) = cfg.apply_edit(&edit, None, now, &mut OsRandom).unwrap().unwrap();
    /// assert_eq!(ttl, cfg.absolute_timeout);
    /// assert!(cfg.list_sessions(&edit.key, Some(&record), now).is_empty());
    /// ```
    pub fn apply_edit(
        &self,
        edit: &RecordEdit,
        record: Option<&str>,
        now: u64,
        rng: &mut impl Random,
    ) -> Result<Option<(String, u64)>, SaveError> {
        // A record that no longer opens (a secret removed) starts afresh.
        let mut rec = record
            .and_then(|text| self.open_record(&edit.key, text, now))
            .unwrap_or_default();
        rec.revoked.retain(|(_, exp)| *exp > now);
        rec.sessions.retain(|(_, e)| e[2] > now);
        match &edit.edit {
            Edit::Cutoff { at } => rec.cutoff = rec.cutoff.max(*at),
            Edit::Revoke { id, expires } => {
                remove(&mut rec.sessions, id);
                if *expires > now {
                    upsert(&mut rec.revoked, id, *expires);
                }
            }
            Edit::Register {
                id,
                started,
                saved,
                expires,
                replaces,
            } => {
                if let Some(old) = replaces {
                    remove(&mut rec.sessions, old);
                }
                if find(&rec.revoked, id).is_none() {
                    upsert(&mut rec.sessions, id, [*started, *saved, *expires]);
                }
            }
        }
        let last = rec.last_needed(self.absolute_timeout);
        if last <= now {
            return Ok(None);
        }
        let json = rec.to_json();
        let header = Header::new(Mode::Sealed, Kind::Blob, now, last);
        let sealed = envelope::seal(
            &self.ring,
            &record_ctx(&edit.key),
            header,
            json.as_bytes(),
            rng,
        )?;
        Ok(Some((sealed, spill::ttl(now, last))))
    }

    /// The edit that signs out every session of `subject` (its JSON text,
    /// such as `42` or `"ada"`) that started before `now_ms`.
    pub fn revoke_all(&self, subject: &str, now_ms: u64) -> Option<RecordEdit> {
        let key = self.record_key_now(Some(subject), "")?;
        (subject.len() <= MAX_SUBJECT_LEN).then_some(RecordEdit {
            key,
            edit: Edit::Cutoff { at: now_ms },
        })
    }

    /// The edit that revokes one session by id (of `subject`, when sessions
    /// have one), until `expires`.
    pub fn revoke_one(&self, subject: Option<&str>, id: &str, expires: u64) -> Option<RecordEdit> {
        if !is_id(id) {
            return None;
        }
        Some(RecordEdit {
            key: self.record_key_now(subject, id)?,
            edit: Edit::Revoke {
                id: String::from(id),
                expires,
            },
        })
    }

    /// The record key that lists `subject`'s sessions.
    pub fn subject_key(&self, subject: &str) -> Option<String> {
        self.record_key_now(Some(subject), "")
    }

    /// The live, unrevoked sessions a subject's record lists.
    pub fn list_sessions(&self, key: &str, record: Option<&str>, now: u64) -> Vec<Listed> {
        let Some(rec) = record.and_then(|t| self.open_record(key, t, now)) else {
            return Vec::new();
        };
        rec.sessions
            .iter()
            .filter(|(id, e)| e[2] > now && e[0] >= rec.cutoff && find(&rec.revoked, id).is_none())
            .map(|(id, e)| Listed {
                id: id.clone(),
                started: e[0],
                saved: e[1],
                expires: e[2],
            })
            .collect()
    }
}

fn record_ctx(key: &str) -> Context<'_> {
    Context {
        purpose: RECORD_PURPOSE,
        name: key.as_bytes(),
        subkeys: Subkeys::Store,
    }
}
