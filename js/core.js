// The JavaScript driver over the wasm core: option checks, the Session
// object, and the I/O the core asks for (store reads and writes, headers).
// Every decision (valid or not, inline or spilled, what to write) is made in
// wasm; this file only carries it out. Runtime differences live in the entry
// shims (workerd.js, deno.js, node.js, browser.js), not here.
import { Codec } from "./edge_session.js";

/** The error thrown for bad options and failed saves. `code` is stable. */
export class SessionError extends Error {
  constructor(code, message, extra) {
    super(message);
    this.name = "SessionError";
    this.code = code;
    if (extra) Object.assign(this, extra);
  }
}

const DAY = 86400;
const MAX_TIMEOUT = 2 ** 31 - 1;
// Cookie headers longer than this are narrowed to the pairs we may read
// before they cross into wasm, whose memory never shrinks.
const NARROW_ABOVE = 8192;
// The longest cookie value the core reads: a signed 32 KiB payload, base64url.
const MAX_COOKIE_VALUE = Math.ceil(((16 + 32 * 1024 + 32) * 4) / 3);
const MAX_SECONDS = 400 * DAY;
const CODECS = new Map();
const CODEC_CACHE_SIZE = 32;
const SAME_SITE = { strict: "Strict", lax: "Lax", none: "None" };
// Bits of Codec's flags (src/wasm.rs).
const SIGNED = 1;
const SECURE = 2;
const HTTP_ONLY = 4;
const PARTITIONED = 8;
const EXPIRES = 16;
const ROLLING = 32;

function bad(option, message) {
  return new SessionError("invalid_option", `${option}: ${message}`, { option });
}

function seconds(value, option, fallback) {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0 || value > MAX_SECONDS) {
    throw bad(option, `must be a whole number of seconds from 1 to ${MAX_SECONDS}`);
  }
  return value;
}

function flag(value, option, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw bad(option, "must be true or false");
  return value;
}

function isStore(store) {
  return store && ["get", "put", "delete"].every((m) => typeof store[m] === "function");
}

/** Options as the wasm codec takes them, plus what only JS needs. */
function resolve(options) {
  if (!options || typeof options !== "object") throw bad("options", "must be an object");
  const format = options.format ?? "native";
  if (!FORMATS.includes(format)) throw bad("format", `must be one of ${FORMATS.map((f) => `"${f}"`).join(", ")}`);
  const foreign = format === "native" ? null : formatArgs(format, options, "");
  const legacy = legacyArgs(options.legacy);
  let secrets = options.secrets ?? (foreign ? [NO_NATIVE_SECRET] : undefined);
  if (typeof secrets === "string") secrets = [secrets];
  if (!Array.isArray(secrets) || secrets.length === 0 || !secrets.every((s) => typeof s === "string")) {
    throw bad("secrets", "must be a non-empty array of strings, each at least 32 bytes");
  }
  const mode = options.mode ?? "sealed";
  if (mode !== "sealed" && mode !== "signed") throw bad("mode", 'must be "sealed" or "signed"');
  const c = options.cookie ?? {};
  if (typeof c !== "object") throw bad("cookie", "must be an object");
  const secure = flag(c.secure, "cookie.secure", true);
  const sameSite = SAME_SITE[String(c.sameSite ?? "Lax").toLowerCase()];
  if (!sameSite) throw bad("cookie.sameSite", 'must be "Strict", "Lax" or "None"');
  for (const k of ["name", "path", "domain"]) {
    if (c[k] !== undefined && typeof c[k] !== "string") throw bad(`cookie.${k}`, "must be a string");
  }
  const store = options.store ?? null;
  if (store !== null && !isStore(store)) {
    throw bad("store", "must be an object with get, put and delete methods (a KV namespace)");
  }
  const now = options.now ?? Date.now;
  if (typeof now !== "function") throw bad("now", "must be a function returning milliseconds");
  const idleTimeout = seconds(options.idleTimeout, "idleTimeout", null);
  const maxAge = seconds(options.maxAge, "maxAge", 14 * DAY);
  // Re-issue before an idle timeout (ours or Beaker's) can end an active session.
  const idle = idleTimeout || (format === "beaker" && foreign[2][1]) || 0;
  const touchDefault = Math.min(3600, idle ? Math.ceil(idle / 2) : 3600);
  const inlineLimit = options.inlineLimit ?? 4000;
  if (!Number.isInteger(inlineLimit)) throw bad("inlineLimit", "must be a whole number of bytes");
  const limits = options.limits ?? {};
  const storeTimeout = options.storeTimeout ?? 5000;
  // setTimeout fires at once past 2^31 - 1 ms.
  if (typeof storeTimeout !== "number" || !(storeTimeout > 0) || storeTimeout > MAX_TIMEOUT) {
    throw bad("storeTimeout", `must be a number of milliseconds from 1 to ${MAX_TIMEOUT}`);
  }
  const storePrefix = options.storePrefix ?? "session:";
  if (typeof storePrefix !== "string") throw bad("storePrefix", "must be a string");
  if (foreign && store) throw bad("store", `is not supported with format "${format}": its cookies stay inline`);
  const cookie = [
    c.name ?? (format === "beaker" ? "beaker.session.id" : secure ? "__Host-session" : "session"),
    c.path ?? "/",
    c.domain ?? "",
    sameSite,
  ];
  const flags =
    (mode === "signed" ? SIGNED : 0) |
    (secure ? SECURE : 0) |
    (flag(c.httpOnly, "cookie.httpOnly", true) ? HTTP_ONLY : 0) |
    (flag(c.partitioned, "cookie.partitioned", false) ? PARTITIONED : 0) |
    (flag(c.expires, "cookie.expires", false) ? EXPIRES : 0) |
    (flag(options.rolling, "rolling", false) ? ROLLING : 0);
  const numbers = [
    maxAge,
    idleTimeout ?? 0,
    seconds(options.touchAfter, "touchAfter", touchDefault),
    inlineLimit,
    limits.maxBytes ?? 256 * 1024,
    limits.maxDepth ?? 32,
  ];
  const args = [secrets, cookie, flags, numbers, store ? storePrefix : undefined];
  const names = [cookie[0], ...legacy.map((l) => l[3][0])];
  // The longest store blob the core could have written (a sealed document).
  const maxBlob = Math.ceil(((16 + 12 + 2 * numbers[4] + 256 + 16) * 4) / 3);
  return { codec: codec(args, foreign, legacy), store, now, storeTimeout, format, names, maxBlob };
}

// Foreign cookies are sealed with their own keys; the native ring is never
// used for them, so a fixed placeholder stands in when no native secret is given.
const NO_NATIVE_SECRET = "edge-session: foreign format, no native secret";
const FORMATS = ["native", "beaker", "iron", "remix", "cookie-rs"];

/** A foreign format's options as Codec.setFormat takes them: [kind, strings, numbers]. */
function formatArgs(format, o, where) {
  switch (format) {
    case "beaker": {
      const [validateKey, encryptKey, crypto, nonceBits, timeout, maxAge] = beakerArgs(o, where);
      return ["beaker", [validateKey, encryptKey ?? "", crypto], [nonceBits, timeout, maxAge]];
    }
    case "iron": {
      const pw = o.iron?.password;
      if (typeof pw === "string") return ["iron", [pw], []];
      if (pw && typeof pw === "object" && Object.keys(pw).length > 0) {
        const pairs = Object.entries(pw).flatMap(([id, p]) => [String(id), String(p)]);
        return ["iron", pairs.length === 2 && pairs[0] === "" ? [pairs[1]] : pairs, []];
      }
      throw bad(`${where}iron.password`, "must be a string of at least 32 characters or an {id: password} map");
    }
    case "remix": {
      const secrets = o.remix?.secrets;
      if (!Array.isArray(secrets) || secrets.length === 0 || !secrets.every((x) => typeof x === "string" && x)) {
        throw bad(`${where}remix.secrets`, "must be a non-empty array of non-empty strings");
      }
      return ["remix", secrets, []];
    }
    case "cookie-rs": {
      const k = o.cookieRs ?? {};
      if (typeof k.key !== "string" && typeof k.masterKey !== "string") {
        throw bad(`${where}cookieRs`, "needs key (base64 of 64 bytes) or masterKey (at least 32 bytes)");
      }
      const jar = k.jar ?? "private";
      if (jar !== "private" && jar !== "signed") throw bad(`${where}cookieRs.jar`, 'must be "private" or "signed"');
      return ["cookie-rs", [k.key ?? "", k.masterKey ?? "", jar], []];
    }
  }
  throw bad(`${where}format`, `must be one of ${FORMATS.join(", ")}`);
}

/** `legacy` as Codec.addLegacy takes it: [kind, strings, numbers, [name, path, domain], flags]. */
function legacyArgs(list) {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw bad("legacy", "must be an array of format options");
  return list.map((l, i) => {
    const where = `legacy[${i}].`;
    if (!l || typeof l !== "object" || l.format === "native" || !FORMATS.includes(l.format)) {
      throw bad(`${where}format`, 'must be "beaker", "iron", "remix" or "cookie-rs"');
    }
    const c = l.cookie ?? {};
    if (typeof c.name !== "string" || c.name === "") throw bad(`${where}cookie.name`, "must name the old cookie");
    const flags =
      (flag(c.secure, `${where}cookie.secure`, true) ? SECURE : 0) |
      (flag(c.httpOnly, `${where}cookie.httpOnly`, true) ? HTTP_ONLY : 0);
    const [kind, strings, numbers] = formatArgs(l.format, l, where);
    return [kind, strings, numbers, [c.name, c.path ?? "/", c.domain ?? ""], flags];
  });
}
const BEAKER_CRYPTO = { cryptography: "cryptography", default: "cryptography", pycryptodome: "pycryptodome", pycrypto: "pycryptodome" };
const COOKIE_FOREVER = 400 * DAY; // browsers cap Max-Age at 400 days

/** The `beaker` options as Codec.useBeaker takes them. */
function beakerArgs(options, where = "") {
  const b = options.beaker;
  if (!b || typeof b !== "object") throw bad(`${where}beaker`, "must be an object with at least validateKey");
  if (typeof b.validateKey !== "string" || b.validateKey === "") {
    throw bad(`${where}beaker.validateKey`, "must be a non-empty string (TurboGears: session.validate_key)");
  }
  if (b.encryptKey != null && (typeof b.encryptKey !== "string" || b.encryptKey === "")) {
    throw bad(`${where}beaker.encryptKey`, "must be a non-empty string when set (TurboGears: session.encrypt_key)");
  }
  const crypto = BEAKER_CRYPTO[b.cryptoType ?? "cryptography"];
  if (!crypto) throw bad(`${where}beaker.cryptoType`, 'must be "cryptography" or "pycryptodome"');
  const nonceBits = b.nonceBits ?? 128;
  if (!Number.isInteger(nonceBits) || nonceBits <= 0 || nonceBits % 8 !== 0 || nonceBits > 512) {
    throw bad(`${where}beaker.nonceBits`, "must be a multiple of 8 from 8 to 512");
  }
  const timeout = seconds(b.timeout, `${where}beaker.timeout`, 0);
  const expires = b.cookieExpires ?? true;
  let maxAge;
  if (expires === true) maxAge = 0; // a browser-session cookie, Beaker's default
  else if (expires === false) maxAge = COOKIE_FOREVER;
  else maxAge = seconds(expires, `${where}beaker.cookieExpires`, 0);
  return [b.validateKey, b.encryptKey ?? undefined, crypto, nonceBits, timeout, maxAge];
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

/** Internal (the CLI's inspect): the cached codec for loadSession options. */
export function _codecFor(options) {
  return resolve(options).codec;
}

// One codec per distinct option set: keys are derived once, not per request.
function codec(args, foreign, legacy) {
  const cacheKey = JSON.stringify(foreign || legacy.length ? [args, foreign, legacy] : args);
  let c = CODECS.get(cacheKey);
  if (c) {
    CODECS.delete(cacheKey);
    CODECS.set(cacheKey, c);
    return c;
  }
  try {
    c = new Codec(...args);
    if (foreign) c.setFormat(...foreign);
  } catch (e) {
    throw coreError(e);
  }
  legacy.forEach((l, i) => {
    try {
      c.addLegacy(...l);
    } catch (e) {
      throw coreError(e, `legacy[${i}].`);
    }
  });
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
function narrow(header, names) {
  if (header.length <= NARROW_ABOVE) return header;
  const kept = [];
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq > 0 && names.includes(pair.slice(0, eq).trim())) {
      // Past the decoder's bound the core answers too_large whatever follows.
      kept.push(pair.length > eq + 1 + MAX_COOKIE_VALUE ? pair.slice(0, eq + 1 + MAX_COOKIE_VALUE + 4) : pair);
    }
  }
  return kept.join(";");
}

/** A core option error ("option\nmessage"), named from the top of the options. */
function coreError(e, where = "") {
  const [option, message] = typeof e === "string" ? e.split("\n") : ["options", String(e)];
  const name = where + option.replace(/^legacy\./, "");
  return bad(name, message.replace(option, name));
}

function cookieHeader(input) {
  if (input == null) return "";
  if (typeof input === "string") return input;
  const headers = input.headers ?? input;
  if (typeof headers.get === "function") return headers.get("cookie") ?? "";
  const raw = headers.cookie ?? headers.Cookie;
  return typeof raw === "string" ? raw : Array.isArray(raw) ? raw.join("; ") : "";
}

async function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function blobText(value) {
  if (value == null) return null;
  if (typeof value === "string") return value;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(value);
    } catch {
      return "";
    }
  }
  return ""; // garbage: fails the digest check
}

// The wasm initialisation an entry shim left running (browser.js: no top-level
// await), or null once it is done. Its failure rejects every loadSession.
let pending = null;

/** Internal: an entry shim hands over its wasm initialisation. */
export function _whenReady(promise) {
  pending = promise.then(() => {
    pending = null;
  });
  pending.catch(() => {}); // reported by loadSession, not as unhandled
}

/**
 * Reads the session from a Request, Headers, or Cookie header string.
 * Never throws on anything the client sent; throws SessionError on bad options.
 */
export async function loadSession(input, options) {
  if (pending) await pending;
  const opts = resolve(options);
  const now = opts.now();
  let out = JSON.parse(opts.codec.load(narrow(cookieHeader(input), opts.names), now));
  if (out.fetch) {
    const fetch = out.fetch;
    let blob;
    try {
      blob = blobText(await withTimeout(opts.store.get(out.key), opts.storeTimeout, "store.get"));
      // Longer than anything we write: garbage, kept out of wasm memory.
      if (blob !== null && blob.length > opts.maxBlob) blob = "";
    } catch {
      out = JSON.parse(opts.codec.loadFailed());
    }
    if (blob !== undefined) out = JSON.parse(opts.codec.loadFetched(fetch, blob, now));
  }
  if (out.error) throw new SessionError(out.error, `loadSession failed: ${out.error}`);
  return new Session(opts, out);
}

// Bits of Codec.save's flags (src/wasm.rs).
const REGENERATE = 1;
const DESTROY = 2;
const DATA_CHANGED = 4;
const FLASH_CHANGED = 8;

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
  #flags = 0;
  #status;
  #reason;

  constructor(opts, loaded) {
    this.#opts = opts;
    this.#data = loaded.data;
    this.#flashIn = loaded.flash;
    this.#meta = loaded.meta;
    this.#id = loaded.id;
    this.#stored = loaded.stored;
    this.#migratedFrom = loaded.migratedFrom;
    this.#status = loaded.status;
    this.#reason = loaded.reason ?? undefined;
    // Snapshots as JSON.stringify writes them, so a read-only request compares equal.
    this.#before = JSON.stringify(this.#data);
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
    this.#flags |= REGENERATE;
    return this;
  }
  /** At the next save: an expiring cookie, and the store entry deleted. */
  destroy() {
    this.#flags |= DESTROY;
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
    const flags =
      this.#flags | (data !== this.#before ? DATA_CHANGED : 0) | (flash !== this.#flashBefore ? FLASH_CHANGED : 0);
    const plan = JSON.parse(opts.codec.save(this.#meta, data, flash, flags, opts.now()));
    if (plan.error) throw saveError(plan, opts.format);
    for (const op of plan.store) {
      try {
        const pending =
          op.op === "put"
            ? opts.store.put(op.key, op.value, { expirationTtl: op.ttl })
            : opts.store.delete(op.key);
        await withTimeout(Promise.resolve(pending), opts.storeTimeout, `store.${op.op}`);
      } catch (e) {
        throw new SessionError("store_failed", `the session store failed (${op.op}): ${e?.message ?? e}`, {
          cause: e,
        });
      }
    }
    if (plan.cookies.length) {
      // After destroy the cookie is gone: what follows is a new, empty session.
      if (this.#flags & DESTROY) this.#status = "new";
      this.#meta = plan.meta;
      this.#id = plan.id;
      this.#stored = plan.stored;
      this.#flags = 0;
      this.#before = data;
      this.#flashBefore = flash;
    }
    return plan.cookies;
  }
}

function saveError(plan, format) {
  switch (plan.error) {
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
  const isResponse = typeof Response !== "undefined" && target instanceof Response;
  const headers = target?.headers ?? target;
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
