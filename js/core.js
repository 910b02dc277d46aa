// The JavaScript driver over the wasm core: option checks, the Session
// object, and the I/O the core asks for (store reads and writes, headers).
// Every decision (valid or not, inline or spilled, what to write) is made in
// wasm; this file only carries it out. Runtime differences live in the entry
// shims (workerd.js, deno.js, node.js, browser.js), not here.
import { bulkFor, webCrypto } from "./crypto.js";
import { internal } from "./internal.js";

/** The error thrown for bad options and failed saves. `code` is stable. */
export class SessionError extends Error {
  constructor(code, message, extra) {
    super(message);
    this.name = "SessionError";
    this.code = code;
    if (extra) Object.assign(this, extra);
  }
}

const MAX_TIMEOUT = 2 ** 31 - 1;
// Cookie headers longer than this are narrowed to the pairs we may read
// before they cross into wasm, whose memory never shrinks.
const NARROW_ABOVE = 8192;

const CODECS = new Map();
// Codec -> its platform bulk crypto (crypto.js), when the codec defers.
const BULK = new WeakMap();
const CODEC_CACHE_SIZE = 32;
// Merge-and-retry rounds for a compare-and-swap write before giving up.
const MAX_MERGES = 8;

function bad(option, message) {
  return new SessionError("invalid_option", `${option}: ${message}`, { option });
}

function isStore(store) {
  return store && ["get", "put", "delete"].every((m) => typeof store[m] === "function");
}

/** A store that can compare-and-swap: getVersioned(key) and putIf(key, value, version, options). */
function canSwap(store) {
  return typeof store.getVersioned === "function" && typeof store.putIf === "function";
}

/**
 * Options resolved: the codec the core built from them, plus what only JS
 * sees (stores, clock, timeout). Every other rule, default and limit is the
 * core's (src/session/options.rs); this only checks functions and stores.
 */
function resolve(options) {
  if (!options || typeof options !== "object") throw bad("options", "must be an object");
  const store = options.store ?? null;
  if (store !== null && !isStore(store)) {
    throw bad("store", "must be an object with get, put and delete methods (a KV namespace)");
  }
  const now = options.now ?? Date.now;
  if (typeof now !== "function") throw bad("now", "must be a function returning milliseconds");
  const storeTimeout = options.storeTimeout ?? 5000;
  // setTimeout fires at once past 2^31 - 1 ms.
  if (typeof storeTimeout !== "number" || !(storeTimeout > 0) || storeTimeout > MAX_TIMEOUT) {
    throw bad("storeTimeout", `must be a number of milliseconds from 1 to ${MAX_TIMEOUT}`);
  }
  const r = options.revocation;
  let revStore = null;
  if (r !== undefined && r !== null) {
    if (typeof r !== "object") throw bad("revocation", "must be an object: { subject, store, prefix, failOpen, list }");
    revStore = r.store ?? store;
    if (!isStore(revStore)) {
      throw bad("revocation.store", "must be an object with get, put and delete methods (or set the session store)");
    }
  }
  const built = codec(optionsDocument(options, store));
  return {
    codec: built,
    bulk: BULK.get(built) ?? null,
    store,
    cas: Boolean(store && canSwap(store)),
    revStore,
    now,
    storeTimeout,
    format: options.format ?? "native",
    names: built.cookieNames,
    // Longer values or store answers than the core could have written: dropped unread.
    maxCookieValue: built.maxCookieValue,
    maxBlob: built.maxBlob,
  };
}

/**
 * The options as the core reads them (JSON): stores become `true` (or
 * `{"cas": true}`), the clock and timeout stay here, a Date cut-off becomes
 * ms, NaN and Infinity become text the core refuses by the option's name,
 * and a function, symbol or BigInt anywhere else is refused here, by its path.
 */
function optionsDocument(options, store) {
  const { now, storeTimeout, ...rest } = options;
  rest.store = store ? (canSwap(store) ? { cas: true } : true) : undefined;
  const revocation = options.revocation;
  // Where each object sits, to name a value JSON cannot carry by its path.
  const paths = new Map([[rest, ""]]);
  const pathOf = (holder, key) => {
    const base = paths.get(holder) ?? "";
    if (Array.isArray(holder)) return `${base}[${key}]`;
    return base ? `${base}.${key}` : key;
  };
  try {
    return JSON.stringify(rest, function (key, value) {
      if (key === "store" && this === revocation) return undefined; // it stays in JS
      const at = key === "" ? "" : pathOf(this, key);
      const v = key === "notAfter" && this[key] instanceof Date ? this[key].getTime() : value;
      if (v !== null && typeof v === "object") paths.set(v, at);
      // Refused by the core, by name.
      if (typeof v === "number" && !Number.isFinite(v)) return String(v);
      if (typeof v === "function" || typeof v === "symbol" || typeof v === "bigint") {
        throw bad(at, `must be plain data, not a ${typeof v}`);
      }
      return v;
    });
  } catch (e) {
    if (e instanceof SessionError) throw e;
    throw bad("options", `must be plain data apart from store and now (${e.message})`);
  }
}

const TG_PREFIXES = ["session.", "beaker.session."];

/**
 * Options for reading and writing the Beaker cookies of a TurboGears app, from
 * the `session.*` (or `beaker.session.*`) settings of its development.ini or
 * app_cfg, as a flat object of strings, numbers or booleans.
 */
export function optionsFromTurboGears(settings) {
  if (!settings || typeof settings !== "object") throw bad("settings", "must be an object of session.* keys");
  const get = (k) => {
    for (const p of TG_PREFIXES) if (settings[p + k] !== undefined) return settings[p + k];
    return undefined;
  };
  const bool = (k, fallback) => {
    const v = get(k);
    if (v === undefined) return fallback;
    if (typeof v === "boolean") return v;
    const t = String(v).trim().toLowerCase();
    if (["true", "yes", "on", "1"].includes(t)) return true;
    if (["false", "no", "off", "0"].includes(t)) return false;
    throw bad(`session.${k}`, "must be true or false");
  };
  const int = (k) => {
    const v = get(k);
    if (v === undefined || v === "" || v === null) return undefined;
    const n = Number(String(v).trim());
    if (!Number.isInteger(n)) throw bad(`session.${k}`, "must be a whole number");
    return n;
  };
  const str = (k) => {
    const v = get(k);
    return v === undefined || v === null || v === "" ? undefined : String(v).trim();
  };
  // Beaker's default type is file sessions, whose cookie holds only an id.
  const type = str("type");
  if (type !== "cookie") {
    throw bad(
      "session.type",
      `is ${type === undefined ? "missing (Beaker's default: file sessions)" : `"${type}"`}: only session.type = cookie keeps the session in the cookie`,
    );
  }
  const serializer = str("data_serializer") ?? "pickle";
  if (serializer !== "json") {
    throw bad(
      "session.data_serializer",
      `is "${serializer}"${get("data_serializer") === undefined ? " (Beaker's default)" : ""}: pickle is never deserialised; set session.data_serializer = json`,
    );
  }
  const validateKey = str("validate_key");
  if (!validateKey) throw bad("session.validate_key", "is required for cookie sessions");
  let cookieExpires = true;
  const ce = get("cookie_expires");
  if (ce !== undefined) {
    const t = String(ce).trim().toLowerCase();
    if (t === "true" || t === "false") cookieExpires = t === "true";
    else cookieExpires = int("cookie_expires");
  }
  const cookie = {
    name: str("key") ?? "beaker.session.id",
    secure: bool("secure", false),
    httpOnly: bool("httponly", false),
    sameSite: str("samesite") ?? "Lax",
    path: str("cookie_path") ?? "/",
  };
  const domain = str("cookie_domain");
  if (domain) cookie.domain = domain;
  const beaker = { validateKey, cryptoType: str("crypto_type") ?? "cryptography", cookieExpires };
  const encryptKey = str("encrypt_key");
  if (encryptKey) beaker.encryptKey = encryptKey;
  const nonceBits = int("encrypt_nonce_bits");
  if (nonceBits !== undefined) beaker.nonceBits = nonceBits;
  const timeout = int("timeout");
  if (timeout !== undefined) beaker.timeout = timeout;
  return { format: "beaker", beaker, cookie };
}

// Internal (the CLI's inspect): the cached codec for loadSession options,
// handed over through a module the entry shims do not re-export.
internal.codecFor = (options) => resolve(options).codec;

// One codec per distinct option set: keys are derived once, not per request.
function codec(doc) {
  // A digest: the cache keeps no copy of the secrets.
  const glue = internal.glue;
  const cacheKey = glue.optionsKey(doc);
  let c = CODECS.get(cacheKey);
  if (c) {
    CODECS.delete(cacheKey);
    CODECS.set(cacheKey, c);
    return c;
  }
  try {
    c = new glue.Codec(doc);
  } catch (e) {
    throw coreError(e);
  }
  // Bulk AES-GCM on the platform's crypto, keys imported once per codec;
  // the foreign formats' own crypto stays in wasm.
  if (internal.crypto === undefined) internal.crypto = webCrypto();
  const adapter = internal.crypto;
  if (adapter && c.native) {
    const bulk = bulkFor(c, adapter);
    c.deferCrypto(bulk.textBodies);
    BULK.set(c, bulk);
  }
  // Evict the least recently used; sessions still holding it keep it alive,
  // and wasm-bindgen's FinalizationRegistry frees it once they are gone.
  if (CODECS.size >= CODEC_CACHE_SIZE) CODECS.delete(CODECS.keys().next().value);
  CODECS.set(cacheKey, c);
  return c;
}

/**
 * The pairs of a long Cookie header that may be ours, in order. A superset of
 * what the core's parser would pick (JS trims more whitespace), so the core
 * still decides; this only keeps a 16 MiB header out of wasm memory.
 */
function narrow(header, names, max) {
  if (header.length <= NARROW_ABOVE) return header;
  const kept = [];
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq > 0 && names.includes(pair.slice(0, eq).trim())) {
      // Past the decoder's bound the core answers too_large whatever follows.
      kept.push(pair.length > eq + 1 + max ? pair.slice(0, eq + 1 + max + 4) : pair);
    }
  }
  return kept.join(";");
}

/** A core option error ("path\nmessage"): the path names the option from the top. */
function coreError(e) {
  const [option, message] = typeof e === "string" ? e.split("\n") : ["options", String(e)];
  return new SessionError("invalid_option", message, { option });
}

function cookieHeader(input) {
  if (input == null) return "";
  if (typeof input === "string") return input;
  const headers = input.headers ?? input;
  if (typeof headers.get === "function") return headers.get("cookie") ?? "";
  const raw = headers.cookie ?? headers.Cookie;
  return typeof raw === "string" ? raw : Array.isArray(raw) ? raw.join("; ") : "";
}

/** `value` (a promise or not) settled, or a rejection after `ms`: one timer, no race. */
function withTimeout(value, ms, what) {
  return new Promise((resolve, reject) => {
    // Before the timer: this throws for a promise whose `constructor` getter does.
    const settled = Promise.resolve(value);
    const timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    settled.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/**
 * A store value as text (KV may hand back text or bytes), every byte kept (a
 * BOM too). "" for anything else, and for a value longer than `max` (bytes,
 * or a string's UTF-16 units): not what the core wrote, and "" fails its
 * digest check without reaching wasm memory.
 */
function blobText(value, max = Infinity) {
  if (value == null) return null;
  if (typeof value === "string") return value.length > max ? "" : value;
  if ((value instanceof ArrayBuffer || ArrayBuffer.isView(value)) && value.byteLength <= max) {
    try {
      return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(value);
    } catch {
      return "";
    }
  }
  return "";
}

// The wasm initialisation an entry shim left running (browser.js: no top-level
// await), or null once it is done. Its failure rejects every loadSession.
let pending = null;

// An entry shim hands over its wasm initialisation; with both browser
// entries imported, loads wait for both.
internal.whenReady = (promise) => {
  const mine = Promise.all([pending, promise]).then(() => {
    if (pending === mine) pending = null;
  });
  pending = mine;
  mine.catch(() => {}); // reported by loadSession, not as unhandled
};

/**
 * Reads the session from a Request, Headers, or Cookie header string.
 * Never throws on anything the client sent; throws SessionError on bad options.
 */
export async function loadSession(input, options) {
  if (pending) await pending;
  return load(input, resolve(options));
}

/**
 * One load call into the core, run again with the answer when the core
 * handed out its bulk decryption or MAC check (`{"open": true}`). `notJson`
 * gives the core's answer when the loaded data or flash does not parse.
 */
async function opened(opts, call, text, notJson) {
  const out = loaded(call(undefined, undefined), notJson);
  if (!out.open) return out;
  let answer, job;
  try {
    [answer, job] = await opts.bulk.open(text);
  } catch (e) {
    throw cryptoFailed(e);
  }
  const again = loaded(call(answer, job), notJson);
  if (again.open) throw new SessionError("internal", "edge-session: the core asked to open a value twice");
  return again;
}

// The core writes a loaded session's data first, as stored: `{"data":` + text.
const DATA_FIRST = '{"data":';
const DATA_AT = DATA_FIRST.length;
// The core's whole answer when it hands out a decryption.
const OPEN = '{"open":true}';

/**
 * A core answer to a load. When the core says the data is JSON.stringify's
 * text (`dataLength`), the session keeps that text (`dataText`), sliced out of
 * the answer: the snapshot a save compares with.
 */
function fromCore(text) {
  if (text === OPEN) return { open: true };
  const out = JSON.parse(text);
  if (typeof out?.dataLength === "number") out.dataText = text.slice(DATA_AT, DATA_AT + out.dataLength);
  return out;
}

/**
 * A load's answer. The core checked the structure of the data and flash it
 * read (nothing in them can add members to its answer) and leaves their
 * syntax to this JSON.parse, which runs anyway (`Codec.notJson`).
 */
function loaded(text, notJson) {
  try {
    return fromCore(text);
  } catch (e) {
    // Only a loaded session's data or flash: any other answer is the core's own text.
    if (!(e instanceof SyntaxError) || !text.startsWith(DATA_FIRST)) throw e;
    return fromCore(notJson());
  }
}

/** The platform's crypto failing (not a bad tag: a refused key import, say) as a SessionError. */
function cryptoFailed(e) {
  return new SessionError("crypto_failed", `edge-session: the platform's crypto failed: ${e?.message ?? e}`, { cause: e });
}

async function load(input, opts) {
  const now = opts.now();
  const header = narrow(cookieHeader(input), opts.names, opts.maxCookieValue);
  let out = await opened(
    opts,
    (answer, job) => opts.codec.load(header, now, answer, job),
    undefined,
    () => opts.codec.notJson(undefined),
  );
  let version;
  if (out.fetch) {
    const fetch = out.fetch;
    let blob, value;
    try {
      if (opts.cas) {
        const entry = await withTimeout(opts.store.getVersioned(out.key), opts.storeTimeout, "store.getVersioned");
        value = entry?.value;
        version = entry?.version;
      } else {
        value = await withTimeout(opts.store.get(out.key), opts.storeTimeout, "store.get");
      }
      blob = blobText(value, opts.maxBlob);
    } catch {
      out = fromCore(opts.codec.loadFailed(fetch));
    }
    if (blob !== undefined) {
      // The blob's text also gives a body the core leaves to the platform's base64.
      out = await opened(
        opts,
        (answer, job) => opts.codec.loadFetched(fetch, blob, now, answer, job),
        () => blob,
        () => opts.codec.notJson(fetch),
      );
    }
  }
  if (out.check) out = await checkRevoked(opts, out, now);
  if (out.error) throw coreFailure(out.error, now);
  return new Session(opts, out, version);
}

/**
 * Options resolved and checked once (bad ones throw here), for apps that load
 * on every request: `load` and `save` behave as loadSession and saveSession.
 */
export function createSessionStorage(options) {
  // While an entry is still loading the wasm (browser.js), the options are
  // checked at the first load instead, as loadSession would check them.
  let opts = pending ? null : resolve(options);
  const ready = async () => {
    if (pending) await pending;
    return (opts ??= resolve(options));
  };
  return Object.freeze({
    load: async (input) => load(input, opts ?? (await ready())),
    save: (session, target) => saveSession(session, target),
  });
}

/** Reads the revocation records the core named; the core decides what they mean. */
async function checkRevoked(opts, out, now) {
  let lines = "";
  let failed = false;
  try {
    const records = await Promise.all(
      out.check.map((k) => withTimeout(Promise.resolve(opts.revStore.get(k)), opts.storeTimeout, "revocation get")),
    );
    lines = records.map((r) => blobText(r, opts.maxBlob) ?? "-").join("\n");
  } catch {
    failed = true;
  }
  const checked = fromCore(opts.codec.checkRevoked(out.status, out.meta, lines, failed, now));
  return checked === null ? out : checked;
}

/** A core error code from load or save, as a SessionError. */
function coreFailure(code, now) {
  if (code === "invalid_clock") {
    return bad("now", `returned ${now}, which is not Unix time in milliseconds from 2020 to 9999 (performance.now() is not a clock)`);
  }
  return new SessionError(code, `edge-session: ${code}`);
}

/** A map-like session. Values must survive JSON.stringify. */
export class Session {
  #opts;
  #data;
  #before;
  #flashIn;
  #flashBefore;
  #flashOut = {};
  #meta;
  #id;
  #stored;
  #migratedFrom;
  #regenerate = false;
  #destroy = false;
  #status;
  #reason;
  #version;

  constructor(opts, loaded, version) {
    this.#opts = opts;
    this.#version = version;
    this.#data = loaded.data;
    this.#flashIn = loaded.flash;
    this.#meta = loaded.meta;
    this.#id = loaded.id;
    this.#stored = loaded.stored;
    this.#migratedFrom = loaded.migratedFrom;
    this.#status = loaded.status;
    this.#reason = loaded.reason ?? undefined;
    // Snapshots as JSON.stringify writes them, so a read-only request compares
    // equal: the stored text when the core says it is one.
    this.#before = loaded.dataText ?? JSON.stringify(this.#data);
    this.#flashBefore = JSON.stringify(this.#flashIn);
  }

  get id() {
    return this.#id;
  }
  get isNew() {
    return this.#status !== "valid";
  }
  get status() {
    return this.#status;
  }
  get reason() {
    return this.#reason;
  }
  /** True when the session lives in the store and the cookie holds a reference. */
  get stored() {
    return this.#stored;
  }
  /** The legacy format the session was read from ("iron", "remix", ...), if it was. */
  get migratedFrom() {
    return this.#migratedFrom;
  }
  get size() {
    return Object.keys(this.#data).length;
  }

  get(key) {
    if (Object.hasOwn(this.#data, key)) return this.#data[key];
    return this.#takeFlash(key);
  }
  set(key, value) {
    if (value === undefined) delete this.#data[key];
    // defineProperty, so "__proto__" is a key like any other.
    else Object.defineProperty(this.#data, key, { value, writable: true, enumerable: true, configurable: true });
    return this;
  }
  has(key) {
    return Object.hasOwn(this.#data, key) || Object.hasOwn(this.#flashIn, key);
  }
  delete(key) {
    const had = Object.hasOwn(this.#data, key);
    delete this.#data[key];
    return had;
  }
  clear() {
    this.#data = {};
  }
  keys() {
    return Object.keys(this.#data)[Symbol.iterator]();
  }
  values() {
    return Object.values(this.#data)[Symbol.iterator]();
  }
  entries() {
    return Object.entries(this.#data)[Symbol.iterator]();
  }
  [Symbol.iterator]() {
    return this.entries();
  }
  /** A deep copy of the user's data, as it would be saved. */
  toJSON() {
    return JSON.parse(JSON.stringify(this.#data));
  }

  /** flash(key, value) keeps a value for the next request; flash(key) reads one once. */
  flash(key, ...value) {
    if (value.length === 0) return this.#takeFlash(key);
    this.#flashOut[key] = value[0];
    return this;
  }
  #takeFlash(key) {
    if (!Object.hasOwn(this.#flashIn, key)) return undefined;
    const v = this.#flashIn[key];
    delete this.#flashIn[key];
    return v;
  }

  /** A new id at the next save; the old store entry is deleted then. */
  regenerate() {
    this.#regenerate = true;
    return this;
  }
  /** At the next save: an expiring cookie, and the store entry deleted. */
  destroy() {
    this.#destroy = true;
    this.#data = {};
    this.#flashIn = {};
    this.#flashOut = {};
    return this;
  }

  // Runs the save plan: store first, cookies only when the store agreed.
  async _commit() {
    const opts = this.#opts;
    let data, flash;
    try {
      data = JSON.stringify(this.#data);
      flash = JSON.stringify({ ...this.#flashIn, ...this.#flashOut });
    } catch (e) {
      throw new SessionError("invalid_data", `session data is not JSON-serialisable: ${e.message}`);
    }
    const now = opts.now();
    const changed = [data !== this.#before, flash !== this.#flashBefore];
    let plan = await sealed(
      opts,
      opts.codec.save(this.#meta, data, flash, this.#regenerate, this.#destroy, ...changed, now),
    );
    for (let merges = 0; ; merges++) {
      if (plan.error) throw saveError(plan, opts.format, now);
      // No await when there is no store work: in workerd, long chains of
      // awaits keep dropped codecs from being finalized.
      if (plan.store.length === 0) break;
      const run = await runStore(opts, plan, this.#version);
      this.#version = run.version;
      const conflict = run.conflict;
      if (!conflict) break;
      // Another request wrote first: merge with what it wrote, per key.
      if (merges === MAX_MERGES) {
        throw new SessionError("store_failed", `the session store kept refusing the write after ${MAX_MERGES} merges`);
      }
      const theirs = await storeCall(opts, "getVersioned", () => opts.store.getVersioned(conflict.key));
      this.#version = theirs?.version;
      plan = await sealed(
        opts,
        opts.codec.rebase(
          this.#meta,
          this.#before,
          data,
          this.#flashBefore,
          flash,
          this.#regenerate,
          blobText(theirs?.value, opts.maxBlob),
          now,
        ),
      );
    }
    for (const record of plan.records) {
      const edit = applyEdit(opts, record, now);
      await (record.required ? edit : edit.catch(() => {}));
    }
    if (plan.cookies.length) {
      // After destroy the cookie is gone: what follows is a new, empty session.
      if (this.#destroy) this.#status = "new";
      if (plan.data) this.#data = plan.data;
      this.#meta = plan.meta;
      this.#id = plan.id;
      this.#stored = plan.stored;
      this.#regenerate = this.#destroy = false;
      this.#before = plan.data ? JSON.stringify(plan.data) : data;
      this.#flashBefore = plan.flash ? JSON.stringify(plan.flash) : flash;
    }
    return plan.cookies;
  }
}

/** A save plan with its sealed values filled in by the platform's crypto. */
function sealed(opts, text) {
  const plan = JSON.parse(text);
  if (!opts.bulk) return plan;
  let out;
  try {
    out = opts.bulk.sealPlan(plan);
  } catch (e) {
    throw cryptoFailed(e);
  }
  return out === plan
    ? plan
    : out.catch((e) => {
        throw cryptoFailed(e);
      });
}

/**
 * One change to a revocation record: read it, let the core edit it, write it
 * back (compare-and-swap where the store can, and again if it lost the race).
 */
async function applyEdit(opts, { key, edit }, now) {
  const store = opts.revStore;
  const swap = canSwap(store);
  for (let round = 0; round < MAX_MERGES; round++) {
    const read = swap
      ? await storeCall(opts, "getVersioned", () => store.getVersioned(key))
      : { value: await storeCall(opts, "get", () => store.get(key)) };
    const next = JSON.parse(opts.codec.applyEdit(edit, blobText(read?.value, opts.maxBlob), now));
    if (next.error) throw new SessionError(next.error, `revocation record rejected: ${next.error}`);
    if (next.delete) return storeCall(opts, "delete", () => store.delete(key));
    const options = { expirationTtl: next.ttl };
    if (!swap) return storeCall(opts, "put", () => store.put(key, next.value, options));
    const written = await storeCall(opts, "putIf", () => store.putIf(key, next.value, read?.version ?? null, options));
    if (written?.ok) return;
  }
  throw new SessionError("store_failed", `the revocation record kept changing under ${MAX_MERGES} writes`);
}

/** The revocation options and codec for the admin calls below. */
function revoker(options) {
  const opts = resolve(options);
  if (!opts.revStore) throw bad("revocation", "must be set: { subject, store }");
  return opts;
}

function subjectText(subject) {
  const text = JSON.stringify(subject);
  if (text === undefined) throw bad("subject", "must be a JSON value, as the session data holds it");
  return text;
}

/**
 * Signs out every session of `subject` (the value of `revocation.subject` in
 * the session data, such as a user id) that started before now. A login after
 * it is unaffected.
 */
export async function revokeAll(subject, options) {
  if (pending) await pending;
  const opts = revoker(options);
  if (typeof options.revocation.subject !== "string") {
    throw bad("revocation.subject", "must name the data member that identifies the user, to revoke all of a user's sessions");
  }
  const now = opts.now();
  const edit = JSON.parse(opts.codec.revokeAll(subjectText(subject), now));
  if (edit.error) throw bad("subject", "is too long (at most 256 characters of JSON)");
  await applyEdit(opts, edit, now);
}

/** Revokes one session by id (`subject` as above, or undefined without `revocation.subject`). */
export async function revokeSession(subject, id, options) {
  if (pending) await pending;
  const opts = revoker(options);
  const now = opts.now();
  const text = typeof options.revocation.subject === "string" ? subjectText(subject) : "";
  const edit = JSON.parse(opts.codec.revokeOne(text, String(id), now));
  if (edit.error) throw bad("id", "must be a session id");
  await applyEdit(opts, edit, now);
}

/**
 * The live sessions of `subject`: `[{ id, startedAt, savedAt, expiresAt }]`
 * (ms). Needs `revocation.list: true`, which keeps the list on every save.
 */
export async function listSessions(subject, options) {
  if (pending) await pending;
  const opts = revoker(options);
  const key = opts.codec.subjectKey(subjectText(subject));
  if (!key) throw bad("subject", "is too long");
  const value = await storeCall(opts, "get", () => opts.revStore.get(key));
  return JSON.parse(opts.codec.listSessions(key, blobText(value, opts.maxBlob), opts.now()));
}

async function storeCall(opts, what, call) {
  try {
    return await withTimeout(Promise.resolve(call()), opts.storeTimeout, `store.${what}`);
  } catch (e) {
    throw new SessionError("store_failed", `the session store failed (${what}): ${e?.message ?? e}`, { cause: e });
  }
}

/**
 * Runs a plan's store operations in order. Returns the store version now
 * held, and the put that lost a compare-and-swap race (null when none did).
 */
async function runStore(opts, plan, version) {
  const store = opts.store;
  for (const op of plan.store) {
    const options = { expirationTtl: op.ttl };
    if (op.op === "put" && opts.cas) {
      // Unconditional puts go through putIf too, to learn the new version.
      const expected = op.cas ? (version ?? null) : undefined;
      const r = await storeCall(opts, "putIf", () => store.putIf(op.key, op.value, expected, options));
      if (!r?.ok) return { version, conflict: op };
      version = r.version;
    } else if (op.op === "put") {
      await storeCall(opts, "put", () => store.put(op.key, op.value, options));
    } else if (op.required) {
      await storeCall(opts, "delete", () => store.delete(op.key));
    } else {
      // Clean-up: a failure leaves the entry to expire on its own.
      await storeCall(opts, "delete", () => store.delete(op.key)).catch(() => {});
    }
  }
  return { version, conflict: null };
}

function saveError(plan, format, now) {
  switch (plan.error) {
    case "session_unavailable":
      return new SessionError(
        "session_unavailable",
        "the session could not be read from the store (see session.reason), so changes to it are not saved: retry the request, or regenerate() to start a new session",
      );
    case "session_ended":
      return new SessionError("session_ended", "another request destroyed this session while this one ran");
    case "invalid_clock":
      return coreFailure(plan.error, now);
    case "too_large":
      return new SessionError(
        "too_large",
        `session too large for a cookie: the Set-Cookie line would be ${plan.size} bytes, the limit is ${plan.limit}` +
          (format === "beaker" ? " (Beaker cookies cannot spill to a store)" : "; configure a store to spill to"),
        { size: plan.size, limit: plan.limit },
      );
    case "invalid_data":
      return new SessionError("invalid_data", `session data rejected: ${plan.reason}`);
    default:
      return new SessionError(plan.error, `saveSession failed: ${plan.error}`);
  }
}

/**
 * Writes what changed. Given a Response, returns a Response with the
 * Set-Cookie headers (a copy when its headers are immutable). Given Headers,
 * appends to them and returns them. Given nothing, returns the Set-Cookie values.
 */
export async function saveSession(session, target) {
  if (!(session instanceof Session)) throw bad("session", "must be a Session from loadSession");
  // Check the target before anything is written or marked saved.
  // Only a target with headers is looked at as a Response: in Node the first
  // touch of the global Response loads its fetch implementation (~20 ms).
  const own = target?.headers;
  const isResponse = own !== undefined && typeof Response !== "undefined" && target instanceof Response;
  const headers = own ?? target;
  if (target !== undefined && !isResponse && typeof headers?.append !== "function") {
    throw bad("target", "must be a Response or Headers");
  }
  const cookies = await session._commit();
  if (target === undefined) return cookies;
  if (isResponse) {
    if (cookies.length === 0) return target;
    let response = target;
    try {
      for (const c of cookies) response.headers.append("Set-Cookie", c);
    } catch {
      response = new Response(target.body, target);
      for (const c of cookies) response.headers.append("Set-Cookie", c);
    }
    // Browsers filter Set-Cookie out of Response headers: say so, never drop it in silence.
    if (response.headers.get("set-cookie") === null) {
      throw new SessionError(
        "invalid_option",
        "target: this runtime drops Set-Cookie from Response headers (a browser); call saveSession(session) for the values",
        { option: "target", cookies },
      );
    }
    return response;
  }
  for (const c of cookies) headers.append("Set-Cookie", c);
  return target;
}
