//! Saving: what the end of a request must write, and in which order.

use alloc::string::String;
use alloc::vec::Vec;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::{Config, Meta, EMPTY};
use crate::cookie::{self, push_u64};
use crate::envelope::{self, Bulk, Frame, Header, Kind, Mode, Software};
use crate::formats::{Format, SaveErrorOrNative};
use crate::spill::{self, Digest, Layout, Pointer, Version};
use crate::status::check_clock;
use crate::{payload, DecodeError, Random, SaveError};

/// What the request did to the session, for [`Config::save`].
///
/// ```
/// use edge_session::Change;
/// let c = Change { data: r#"{"n":1}"#, before_data: "{}", ..Change::default() };
/// assert!(!c.destroy);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Change<'a> {
    /// The data now: a JSON object.
    pub data: &'a str,
    /// The data as loaded.
    pub before_data: &'a str,
    /// The flash values to keep for the next request: a JSON object.
    pub flash: &'a str,
    /// The flash values as loaded.
    pub before_flash: &'a str,
    /// Give the session a new id (and a new absolute period); the old store
    /// entries are deleted.
    pub regenerate: bool,
    /// End the session: expiring cookie, store entries deleted.
    pub destroy: bool,
    /// `data` and `flash` come from a JSON serializer (such as
    /// `JSON.stringify`): skip the syntax pass; size and depth are still checked.
    pub trusted: bool,
    /// `data` is the text `JSON.stringify` writes for it. The document
    /// records that, so a JavaScript reader takes the stored text as its
    /// snapshot instead of stringifying the data again ([`crate::Loaded::canonical`]).
    pub canonical: bool,
}

impl Default for Change<'_> {
    fn default() -> Self {
        Change {
            data: EMPTY,
            before_data: EMPTY,
            flash: EMPTY,
            before_flash: EMPTY,
            regenerate: false,
            destroy: false,
            trusted: false,
            canonical: false,
        }
    }
}

/// A store operation the caller must run before sending the cookies.
///
/// ```
/// use edge_session::StoreOp;
/// let op = StoreOp::Delete { key: "k".into(), required: false };
/// assert!(matches!(op, StoreOp::Delete { .. }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreOp {
    /// Write `value` at `key`, expiring after `ttl` seconds (at least 60).
    Put {
        /// Store key.
        key: String,
        /// The sealed blob.
        value: String,
        /// Seconds to live.
        ttl: u64,
        /// Write only if the entry is still the one the session was loaded
        /// from; when it is not, read it and call [`Config::rebase`].
        cas: bool,
    },
    /// Delete `key`.
    Delete {
        /// Store key.
        key: String,
        /// A failure fails the save. Otherwise it is clean-up, and the entry
        /// expires on its own if the delete fails.
        required: bool,
    },
}

/// What to do at the end of a request: run `store` in order, and only when
/// every required operation succeeded, send `cookies` as Set-Cookie headers.
///
/// ```
/// use edge_session::SavePlan;
/// let p = SavePlan::default();
/// assert!(p.cookies.is_empty() && p.store.is_empty() && p.meta.is_none());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SavePlan {
    /// Store operations, in order.
    pub store: Vec<StoreOp>,
    /// Set-Cookie values.
    pub cookies: Vec<String>,
    /// The session's meta after the save, for a second save in the same request.
    pub meta: Option<Meta>,
    /// Revocation records to change (read, [`Config::apply_edit`], write),
    /// after `store` and before `cookies`.
    pub records: Vec<super::RecordEdit>,
}

/// A save merged with a concurrent write ([`Config::rebase`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rebased {
    /// The merged data: the session's data from now on.
    pub data: String,
    /// The merged flash values.
    pub flash: String,
    /// The plan that writes the merged session.
    pub plan: SavePlan,
}

impl Config {
    /// Decides what the end of a request must write. Returns an empty plan
    /// when nothing changed, nothing was flashed or consumed, no new id or
    /// key is due, and no rolling or idle re-issue is due.
    ///
    /// ```
    /// use edge_session::*;
    /// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), cookie::CookieOptions::new("s"));
    /// let now = 1_700_000_000;
    /// let LoadStep::Done(s) = cfg.load("", now, &mut OsRandom).unwrap() else { unreachable!() };
    /// let read_only = Change { data: &s.data, before_data: &s.data, ..Change::default() };
    /// assert_eq!(cfg.save(&s.meta, &read_only, now, &mut OsRandom).unwrap(), SavePlan::default());
    /// let changed = Change { data: r#"{"n":1}"#, before_data: &s.data, ..Change::default() };
    /// assert_eq!(cfg.save(&s.meta, &changed, now, &mut OsRandom).unwrap().cookies.len(), 1);
    /// ```
    pub fn save(
        &self,
        meta: &Meta,
        change: &Change<'_>,
        now: u64,
        rng: &mut impl Random,
    ) -> Result<SavePlan, SaveError> {
        self.save_ms(meta, change, now.saturating_mul(1000), rng)
    }

    /// [`Config::save`] with the clock in milliseconds (store versions
    /// record when they were written, to the millisecond).
    ///
    /// ```
    /// use edge_session::*;
    /// let cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), cookie::CookieOptions::new("s"));
    /// let changed = Change { data: r#"{"n":1}"#, ..Change::default() };
    /// assert_eq!(cfg.save_ms(&Meta::new("x".into()), &changed, 0, &mut OsRandom), Err(SaveError::Clock));
    /// ```
    pub fn save_ms(
        &self,
        meta: &Meta,
        change: &Change<'_>,
        now_ms: u64,
        rng: &mut impl Random,
    ) -> Result<SavePlan, SaveError> {
        self.save_with(meta, change, now_ms, rng, &mut Software)
    }

    /// [`Config::save_ms`] with the bulk crypto run by `bulk`: a
    /// [`Deferred`](crate::Deferred) bulk leaves a placeholder for each sealed
    /// value in the plan and the jobs to fill them in.
    pub fn save_with(
        &self,
        meta: &Meta,
        change: &Change<'_>,
        now_ms: u64,
        rng: &mut impl Random,
        bulk: &mut impl Bulk,
    ) -> Result<SavePlan, SaveError> {
        let now = check_clock(now_ms / 1000)?;
        let mut plan = self.save_session(meta, change, now_ms, rng, bulk)?;
        if !plan.cookies.is_empty() {
            plan.records = self.revocation_edits(meta, change, plan.meta.as_ref(), now_ms);
        }
        // A session read from a legacy cookie: clear that cookie once it has moved.
        let legacy = meta.migrated.and_then(|i| self.legacy.get(i as usize));
        if let (Some(legacy), false) = (legacy, plan.cookies.is_empty()) {
            let mut old = legacy.cookie.clone();
            old.expires = true;
            plan.cookies.push(old.set_cookie("", Some(0), Some(now)));
        }
        Ok(plan)
    }

    /// Merges a save whose compare-and-swap write lost the race with the
    /// entry now in the store (`theirs`, `None` if it is gone), then plans
    /// the write again. Per top-level key of data and flash: a key this
    /// request changed (or deleted) keeps this request's value; any other
    /// key takes the stored one. When both changed a key, this later commit
    /// wins.
    ///
    /// ```
    /// use edge_session::*;
    /// let mut cfg = Config::new(KeyRing::new(&["k".repeat(32)]).unwrap(), cookie::CookieOptions::new("s"));
    /// cfg.store_prefix = Some("s:".into());
    /// cfg.store_cas = true;
    /// cfg.inline_limit = 100;
    /// let now = 1_700_000_000;
    /// let big = format!(r#"{{"big":"{}"}}"#, "y".repeat(200));
    /// let LoadStep::Done(s) = cfg.load("", now, &mut OsRandom).unwrap() else { unreachable!() };
    /// let first = cfg.save(&s.meta, &Change { data: &big, ..Change::default() }, now, &mut OsRandom).unwrap();
    /// let meta = first.meta.unwrap();
    /// // Two requests start from `big`; one adds "a" and commits first.
    /// let with_a = format!(r#"{{"big":"{}","a":1}}"#, "y".repeat(200));
    /// let a = cfg.save(&meta, &Change { data: &with_a, before_data: &big, ..Change::default() }, now, &mut OsRandom).unwrap();
    /// let StoreOp::Put { value: theirs, .. } = &a.store[0] else { unreachable!() };
    /// // The other adds "b"; its conditional write fails, so it rebases.
    /// let with_b = format!(r#"{{"big":"{}","b":2}}"#, "y".repeat(200));
    /// let b = Change { data: &with_b, before_data: &big, ..Change::default() };
    /// let merged = cfg.rebase(&meta, &b, Some(theirs), now * 1000, &mut OsRandom).unwrap();
    /// assert_eq!(merged.data, format!(r#"{{"big":"{}","a":1,"b":2}}"#, "y".repeat(200)));
    /// ```
    pub fn rebase(
        &self,
        meta: &Meta,
        change: &Change<'_>,
        theirs: Option<&str>,
        now_ms: u64,
        rng: &mut impl Random,
    ) -> Result<Rebased, SaveError> {
        self.rebase_with(meta, change, theirs, now_ms, rng, &mut Software)
    }

    /// [`Config::rebase`] with the bulk crypto run by `bulk` (see
    /// [`Config::save_with`]). Their blob is opened here, in software: a
    /// lost race is rare.
    pub fn rebase_with(
        &self,
        meta: &Meta,
        change: &Change<'_>,
        theirs: Option<&str>,
        now_ms: u64,
        rng: &mut impl Random,
        bulk: &mut impl Bulk,
    ) -> Result<Rebased, SaveError> {
        let now = check_clock(now_ms / 1000)?;
        let (Some(pointer), Some(theirs), Some(prefix)) =
            (&meta.stored, theirs, &self.store_prefix)
        else {
            return Err(SaveError::Ended);
        };
        let key = pointer.key(prefix);
        let max = self.doc_limits().max_bytes;
        let opened = envelope::open(&self.ring, &self.store_ctx(&key), theirs, now, max)
            .map_err(|_| SaveError::Ended)?;
        // Checked here whoever reads: the merge of it is written back.
        let doc = self
            .parse_doc(&opened.payload, false)
            .map_err(SaveError::Data)?;
        if doc.id != meta.id || opened.header.kind != Kind::Blob {
            return Err(SaveError::Ended);
        }
        let data = payload::merge(change.before_data, change.data, doc.data);
        let flash = payload::merge(change.before_flash, change.flash, doc.flash);
        let mut base = meta.clone();
        let mut stored = pointer.clone();
        stored.generation = doc.generation.unwrap_or(stored.generation);
        stored.digest = Digest::of(theirs);
        base.stored = Some(stored);
        base.started = doc.started.unwrap_or(meta.started);
        // "Changed" by construction: the write must land even if the merge
        // equals what is stored, so the cookie names the new generation.
        let merged = Change {
            data: &data,
            before_data: "",
            flash: &flash,
            before_flash: "",
            trusted: true,
            // A merge keeps members in their texts' order, not JSON.stringify's.
            canonical: false,
            ..*change
        };
        let mut plan = self.save_session(&base, &merged, now_ms, rng, bulk)?;
        plan.records = self.revocation_edits(meta, change, plan.meta.as_ref(), now_ms);
        Ok(Rebased { data, flash, plan })
    }

    fn save_session(
        &self,
        meta: &Meta,
        change: &Change<'_>,
        now_ms: u64,
        rng: &mut impl Random,
        bulk: &mut impl Bulk,
    ) -> Result<SavePlan, SaveError> {
        let now = now_ms / 1000;
        if change.destroy {
            let mut expired = self.cookie.clone();
            expired.expires = true;
            // What follows is a new, empty session with a new id.
            let mut store = self.deletes(meta.stored.as_ref(), true);
            store.extend(self.deletes(meta.retired.as_ref(), true));
            return Ok(SavePlan {
                store,
                cookies: alloc::vec![expired.set_cookie("", Some(0), Some(now))],
                meta: Some(Meta::new(self.new_session_id(rng)?)),
                ..SavePlan::default()
            });
        }
        let changed = change.data != change.before_data || change.flash != change.before_flash;
        let had_value = meta.iat != 0;
        let touch = had_value
            && (self.rolling || self.idle_timeout.is_some() || self.format.timeout().is_some())
            && now >= meta.iat.saturating_add(self.touch_after());
        let empty = change.data == EMPTY && change.flash == EMPTY;
        if !(changed || change.regenerate || meta.reseal || touch) || (!had_value && empty) {
            return Ok(SavePlan::default());
        }
        if meta.unavailable && !change.regenerate {
            return Err(SaveError::Unavailable);
        }
        for part in [change.data, change.flash] {
            if change.trusted {
                payload::check_bounds(part.as_bytes(), &self.limits)
            } else {
                payload::check_object(part.as_bytes(), &self.limits)
            }
            .map_err(SaveError::Data)?;
        }
        if !matches!(self.format, Format::Native) {
            return self.save_foreign(meta, change, now, rng);
        }
        let regenerate = change.regenerate;
        let id = if regenerate {
            self.new_session_id(rng)?
        } else {
            meta.id.clone()
        };
        // Login (regenerate, or a new subject) and a first save start the
        // absolute period; a sign-out-everywhere before it does not apply.
        let subject = self.subject_of(change.data);
        let login = subject.is_some() && subject != meta.subject;
        let started = if regenerate || login || meta.started == 0 {
            now_ms
        } else {
            meta.started
        };
        let deadline = (started / 1000).saturating_add(self.absolute_timeout);
        let exp = now.saturating_add(self.max_age).min(deadline);
        let max_age = exp.saturating_sub(now);
        let mut next = Meta::new(id.clone());
        next.iat = now;
        next.exp = exp;
        next.started = started;
        next.subject = subject;
        let old = if regenerate {
            None
        } else {
            meta.stored.as_ref()
        };

        // Spilled and unchanged: re-issue the pointer alone. The blob lives
        // to the absolute deadline, so a touch writes nothing to the store.
        if let (Some(p), false, false) = (old, changed, meta.reseal) {
            if p.layout != Layout::Single {
                let header = Header::new(self.mode, Kind::Pointer, now, exp);
                let value = self.seal_cookie(bulk, header, &p.to_bytes(), rng)?;
                next.stored = Some(p.clone());
                return Ok(SavePlan {
                    cookies: alloc::vec![self.cookie.set_cookie(&value, Some(max_age), Some(now))],
                    meta: Some(next),
                    ..SavePlan::default()
                });
            }
        }

        // Store entries this save leaves behind: deleted once KV's per-key
        // write limit allows, and until then remembered (in the pointer, or
        // inline as "o") so that a later save or destroy deletes them.
        let mut plan = SavePlan::default();
        let leftover = if regenerate {
            plan.store.extend(self.deletes(meta.stored.as_ref(), false));
            plan.store
                .extend(self.deletes(meta.retired.as_ref(), false));
            None
        } else if let Some(p) = old {
            // Siblings may still read the version this request started from.
            self.retire(&mut plan, p, now_ms, true)
        } else {
            meta.retired
                .as_ref()
                .and_then(|r| self.retire(&mut plan, r, now_ms, false))
        };
        let doc = document(&id, started, None, leftover.as_ref(), change);
        let inline_len = envelope::encoded_len(self.mode, doc.len());
        let line_len = self.cookie.set_cookie_len(inline_len, Some(max_age));
        if line_len <= self.inline_limit && self.cookie.fits_browser(inline_len) {
            let header = Header::new(self.mode, Kind::Session, now, exp);
            let value = self.seal_cookie(bulk, header, doc.as_bytes(), rng)?;
            plan.cookies
                .push(self.cookie.set_cookie(&value, Some(max_age), Some(now)));
            next.retired = leftover;
        } else if self.store_prefix.is_some() {
            // A head read by this request is replaced conditionally; an
            // inline session's leftover head holds older data: overwrite it.
            let read_head = old.is_some();
            let pointer = self.spill(
                &mut plan, leftover, read_head, &id, started, change, now_ms, deadline, rng, bulk,
            )?;
            let header = Header::new(self.mode, Kind::Pointer, now, exp);
            let value = self.seal_cookie(bulk, header, &pointer.to_bytes(), rng)?;
            plan.cookies
                .push(self.cookie.set_cookie(&value, Some(max_age), Some(now)));
            next.stored = Some(pointer);
        } else {
            let limit = self.inline_limit.min(self.cookie.set_cookie_len(
                cookie::MAX_NAME_VALUE - self.cookie.name.len(),
                Some(max_age),
            ));
            return Err(SaveError::TooLarge {
                size: line_len,
                limit,
            });
        }
        plan.meta = Some(next);
        Ok(plan)
    }

    /// Deletes what of `p` may go: every version but the first when
    /// `keep_first`, and of those only the ones at least
    /// [`spill::RETIRE_AFTER_MS`] old. Returns what remains, if anything.
    fn retire(
        &self,
        plan: &mut SavePlan,
        p: &Pointer,
        now_ms: u64,
        keep_first: bool,
    ) -> Option<Pointer> {
        let prefix = self.store_prefix.as_deref()?;
        let mut kept = p.clone();
        match p.layout {
            Layout::Versioned => {
                let base = spill::base_key(prefix, &p.hash);
                kept.versions.clear();
                for (i, v) in p.versions.iter().enumerate() {
                    if (keep_first && i == 0)
                        || now_ms < v.at_ms.saturating_add(spill::RETIRE_AFTER_MS)
                    {
                        kept.versions.push(*v);
                    } else {
                        plan.store
                            .push(delete(spill::version_key(&base, &v.tag), false));
                    }
                }
                // More saves within a second than a pointer remembers (no
                // person clicks that fast): the oldest goes now, and if KV
                // refuses the early delete, it expires on its own.
                while kept.versions.len() > spill::MAX_VERSIONS - 1 {
                    if let Some(v) = kept.versions.pop() {
                        plan.store
                            .push(delete(spill::version_key(&base, &v.tag), false));
                    }
                }
                (!kept.versions.is_empty()).then_some(kept)
            }
            Layout::Head if keep_first => Some(kept),
            Layout::Head => {
                plan.store.push(delete(p.key(prefix), false));
                None
            }
            // A 0.1 key stays for siblings still holding 0.1 cookies, to its TTL.
            Layout::Single => None,
        }
    }

    /// Writes the session to the store and returns the pointer to it.
    /// `earlier` is what remains of the session's previous entries.
    #[allow(clippy::too_many_arguments)]
    fn spill(
        &self,
        plan: &mut SavePlan,
        earlier: Option<Pointer>,
        read_head: bool,
        id: &str,
        started: u64,
        change: &Change<'_>,
        now_ms: u64,
        deadline: u64,
        rng: &mut impl Random,
        bulk: &mut impl Bulk,
    ) -> Result<Pointer, SaveError> {
        let now = now_ms / 1000;
        let prefix = self.store_prefix.as_deref().unwrap_or("");
        let layout = if self.store_cas {
            Layout::Head
        } else {
            Layout::Versioned
        };
        // Same layout: keep the key base (stable across key rotation), and
        // the versions still to delete. Another layout's entries go now.
        let (hash, generation, mut versions, cas) = match earlier {
            Some(p) if p.layout == layout => {
                (p.hash, p.generation.wrapping_add(1), p.versions, true)
            }
            other => {
                plan.store.extend(self.deletes(other.as_ref(), false));
                let generation = other.map_or(1, |p| p.generation.wrapping_add(1));
                (
                    spill::id_hash(self.ring.current(), id),
                    generation,
                    Vec::new(),
                    false,
                )
            }
        };
        if layout == Layout::Versioned {
            let mut tag = [0u8; spill::TAG_LEN];
            rng.fill(&mut tag)?;
            versions.insert(0, Version { tag, at_ms: now_ms });
        }
        let mut pointer = Pointer {
            layout,
            generation,
            digest: Digest::Identity([0; spill::DIGEST_LEN]),
            hash,
            versions,
            id: String::from(id),
        };
        let key = pointer.key(prefix);
        let doc = document(id, started, Some(generation), None, change);
        let header = Header::new(Mode::Sealed, Kind::Blob, now, deadline);
        let frame = Frame::new(&self.ring, &self.store_ctx(&key), header, rng)?;
        // Known before the bulk encryption, so the cookie can be sealed beside it.
        if let Some(identity) = frame.identity() {
            pointer.digest = Digest::Identity(identity);
        }
        let blob = bulk.seal(&self.ring, &frame, doc.as_bytes());
        plan.store.insert(
            0,
            StoreOp::Put {
                key,
                value: blob,
                ttl: spill::ttl(now, deadline),
                // Conditional only over the head this session last wrote.
                cas: cas && read_head && layout == Layout::Head,
            },
        );
        Ok(pointer)
    }

    fn seal_cookie(
        &self,
        bulk: &mut impl Bulk,
        header: Header,
        payload: &[u8],
        rng: &mut impl Random,
    ) -> Result<String, SaveError> {
        let frame = Frame::new(&self.ring, &self.ctx(), header, rng)?;
        Ok(bulk.seal(&self.ring, &frame, payload))
    }

    /// Deletes for all of a session's known entries.
    fn deletes(&self, stored: Option<&Pointer>, required: bool) -> Vec<StoreOp> {
        let (Some(p), Some(prefix)) = (stored, &self.store_prefix) else {
            return Vec::new();
        };
        match p.layout {
            Layout::Versioned => {
                let base = spill::base_key(prefix, &p.hash);
                p.versions
                    .iter()
                    .map(|v| delete(spill::version_key(&base, &v.tag), required))
                    .collect()
            }
            _ => alloc::vec![delete(p.key(prefix), required)],
        }
    }

    fn save_foreign(
        &self,
        meta: &Meta,
        change: &Change<'_>,
        now: u64,
        rng: &mut impl Random,
    ) -> Result<SavePlan, SaveError> {
        let id = if change.regenerate {
            self.new_session_id(rng)?
        } else {
            meta.id.clone()
        };
        let created = match &meta.created {
            Some(c) if meta.iat != 0 => c.clone(),
            _ => {
                let mut c = String::new();
                push_u64(&mut c, now);
                c.push_str(".0");
                c
            }
        };
        let encoded = self.format.encode(
            &self.cookie,
            &id,
            Some(&created),
            change.data,
            change.flash,
            now,
            self.max_age,
            rng,
        );
        let (value, age) = match encoded {
            Ok(v) => v,
            Err(SaveErrorOrNative::Save(e)) => return Err(e),
            Err(SaveErrorOrNative::Native) => return Err(SaveError::Data(DecodeError::Malformed)),
        };
        if !cookie::is_cookie_value(&value) {
            return Err(SaveError::Data(DecodeError::Malformed));
        }
        // The tightest of: the inline limit, the browser's name+value cap, and
        // the format's own limit (Beaker's 4064), all as Set-Cookie lengths.
        let line_len = self.cookie.set_cookie_len(value.len(), age);
        let browser = cookie::MAX_NAME_VALUE.saturating_sub(self.cookie.name.len());
        let mut limit = self
            .inline_limit
            .min(self.cookie.set_cookie_len(browser, age));
        if let Some(max) = self.format.value_limit() {
            limit = limit.min(self.cookie.set_cookie_len(max, age));
        }
        if line_len > limit {
            return Err(SaveError::TooLarge {
                size: line_len,
                limit,
            });
        }
        let mut next = Meta::new(id);
        next.iat = now;
        next.started = now.saturating_mul(1000);
        next.created = Some(created);
        Ok(SavePlan {
            cookies: alloc::vec![self.cookie.set_cookie(&value, age, Some(now))],
            meta: Some(next),
            ..SavePlan::default()
        })
    }
}

fn delete(key: String, required: bool) -> StoreOp {
    StoreOp::Delete { key, required }
}

fn document(
    id: &str,
    started: u64,
    generation: Option<u32>,
    leftover: Option<&Pointer>,
    change: &Change<'_>,
) -> String {
    let (data, flash) = (change.data, change.flash);
    let mut doc = String::with_capacity(id.len() + data.len() + flash.len() + 56);
    doc.push_str("{\"i\":\"");
    doc.push_str(id);
    doc.push_str("\",\"c\":");
    push_u64(&mut doc, started);
    if let Some(g) = generation {
        doc.push_str(",\"g\":");
        push_u64(&mut doc, g as u64);
    }
    if let Some(p) = leftover {
        doc.push_str(",\"o\":\"");
        URL_SAFE_NO_PAD.encode_string(p.to_bytes(), &mut doc);
        doc.push('"');
    }
    if change.canonical {
        doc.push_str(",\"j\":1");
    }
    doc.push_str(",\"d\":");
    doc.push_str(data);
    if flash != EMPTY {
        doc.push_str(",\"f\":");
        doc.push_str(flash);
    }
    doc.push('}');
    doc
}
