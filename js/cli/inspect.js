// What a cookie holds, for the CLI (`edge-session inspect`) and for tools:
// parse what was pasted (a value, name=value, a Set-Cookie line, a Cookie
// header), then let the wasm core open it exactly as loadSession would.
// Every format is read by the core: the unverified peeks are wasm exports
// too, so no format is parsed here. Internal: not an export of the package.
// The wasm must be initialised first (import ../formats/node.js before calling these).
import { peek, peekBeaker, peekCookieRs, peekIron, peekRemix } from "../formats/edge_session_formats.js";
import { internal } from "../internal.js";

// iron-session and the cookie crate have no default cookie name (null: a
// bare value needs --name); React Router's createCookieSessionStorage does.
export const DEFAULT_NAMES = { native: "__Host-session", beaker: "beaker.session.id", iron: null, remix: "__session", "cookie-rs": null };
export const FORMATS = ["native", "beaker", "iron", "remix", "cookie-rs"];
/** Formats whose cookies another library wrote, opened with that library's keys. */
export const FOREIGN = ["iron", "remix", "cookie-rs"];

const ATTRIBUTES = new Set([
  "path",
  "domain",
  "max-age",
  "expires",
  "secure",
  "httponly",
  "samesite",
  "partitioned",
  "priority",
]);

/** A problem with what was asked (exit 2 in the CLI), never with the cookie. */
export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = "UsageError";
  }
}

function splitPair(text) {
  const i = text.indexOf("=");
  return i < 0 ? null : { name: text.slice(0, i).trim(), value: text.slice(i + 1).trim() };
}

/**
 * Reads pasted input: a bare value, `name=value`, a Set-Cookie line (with or
 * without the `Set-Cookie:` prefix) or a Cookie header (`Cookie:` prefix
 * optional). Returns `{ form, pairs: [{name, value}], attributes }`; `form`
 * is "value", "pair", "set-cookie" or "cookie-header".
 */
export function parseInput(text, format = "native") {
  let t = String(text).trim();
  let form;
  const prefix = /^(set-cookie|cookie)\s*:\s*/i.exec(t);
  if (prefix) {
    form = prefix[1].toLowerCase() === "set-cookie" ? "set-cookie" : "cookie-header";
    t = t.slice(prefix[0].length);
  }
  // A bare value: native and iron values hold no "="; Beaker's are 40 hex
  // digits, then base64 that may end in "=" padding (and may be quoted); React
  // Router's and the cookie crate's are standard base64 when not URL-encoded.
  const bare =
    {
      beaker: /^"?[0-9a-f]{40}[A-Za-z0-9+/]*={0,2}"?$/,
      remix: /^[A-Za-z0-9+/%]*={0,2}\.[A-Za-z0-9+/%]+={0,2}$/,
      "cookie-rs": /^[A-Za-z0-9+/%]{38,}={0,2}$/,
    }[format] ?? /^[^=;\s]+$/;
  if (!form && bare.test(t)) return { form: "value", pairs: [{ name: null, value: t }], attributes: {} };
  const segments = t.split(";").map((s) => s.trim()).filter(Boolean);
  if (!form) {
    const rest = segments.slice(1);
    const isAttribute = (s) => ATTRIBUTES.has((splitPair(s)?.name ?? s).toLowerCase());
    form = rest.length > 0 && rest.every(isAttribute) ? "set-cookie" : rest.length ? "cookie-header" : "pair";
  }
  if (form === "set-cookie") {
    const pair = splitPair(segments[0] ?? "");
    const attributes = {};
    for (const s of segments.slice(1)) {
      const a = splitPair(s);
      attributes[a ? a.name : s] = a ? a.value : true;
    }
    return { form, pairs: pair ? [pair] : [], attributes };
  }
  return { form, pairs: segments.map(splitPair).filter(Boolean), attributes: {} };
}

/**
 * Picks the cookie to inspect: the one called `name`, else the only one, else
 * the format's default name. `{ name, value }`, with `value` null when no
 * cookie has that name (loadSession would then start a new session).
 */
export function pickCookie(parsed, name, format = "native") {
  const { pairs } = parsed;
  if (pairs.length === 0) throw new UsageError("no cookie found in the input");
  if (parsed.form === "value") {
    const n = name ?? DEFAULT_NAMES[format];
    if (!n) throw new UsageError(`a bare ${format} value needs --name (the cookie's name: ${format} has no default)`);
    return { name: n, value: pairs[0].value, found: [] };
  }
  const found = pairs.map((p) => p.name);
  if (name === undefined) {
    if (pairs.length === 1) return { ...pairs[0], found };
    const fallback = pairs.find((p) => p.name === DEFAULT_NAMES[format]);
    if (fallback) return { ...fallback, found };
    throw new UsageError(`the input holds ${pairs.length} cookies (${found.join(", ")}): choose one with --name`);
  }
  // When a name repeats, the first pair wins, as in loadSession.
  const pair = pairs.find((p) => p.name === name);
  return { name, value: pair ? pair.value : null, found };
}

/** 32 random bytes, base64url without padding: a secret the options accept. */
export function newSecret() {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function iso(seconds) {
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}

function isoHeader(h) {
  return { ...h, issuedAt: iso(h.issuedAt), expiresAt: iso(h.expiresAt) };
}

function codecFor(options) {
  const format = options.format ?? "native";
  if (format === "native" && !(options.secrets?.length > 0)) {
    throw new UsageError("give the secret with --secret (or use --no-verify on a signed value)");
  }
  if (format === "beaker" && !options.beaker?.validateKey) {
    throw new UsageError("--format beaker needs --beaker-validate-key");
  }
  if (format === "iron" && options.iron?.password === undefined) {
    throw new UsageError("--format iron needs --iron-password (or --iron-password-env)");
  }
  if (format === "remix" && !(options.remix?.secrets?.length > 0)) {
    throw new UsageError("--format remix needs --remix-secret (or --remix-secret-env)");
  }
  if (format === "cookie-rs" && options.cookieRs?.key === undefined && options.cookieRs?.masterKey === undefined) {
    throw new UsageError("--format cookie-rs needs --cookie-rs-key or --cookie-rs-master-key (or their -env forms)");
  }
  try {
    // The same option checks and codec as loadSession; a store only so that
    // spilled references show the store key they point at.
    return internal.codecFor({
      secrets: options.secrets?.length ? options.secrets : undefined,
      format,
      beaker: format === "beaker" ? { ...options.beaker, cookieExpires: true } : undefined,
      iron: format === "iron" ? options.iron : undefined,
      remix: format === "remix" ? options.remix : undefined,
      cookieRs: format === "cookie-rs" ? options.cookieRs : undefined,
      cookie: { name: options.name },
      idleTimeout: options.idleTimeout || undefined,
      limits: { maxBytes: options.maxBytes ?? 256 * 1024 },
      store: format === "native" ? NO_STORE : undefined,
      storePrefix: options.storePrefix ?? "session:",
    });
  } catch (e) {
    // SessionError messages name the option and never contain a secret.
    throw new UsageError(String(e?.message ?? e));
  }
}

// Never called: inspect reads no store.
const NO_STORE = { get() {}, put() {}, delete() {} };

/**
 * Opens `value` (the cookie's value) as the cookie `options.name`, with
 * `options.secrets` (or the Beaker keys), at `options.now` (ms). Returns a
 * plain object; `valid` is true when loadSession would accept the value
 * (for a spilled reference: the reference opened; its data is in the store).
 */
export function inspectValue(value, options) {
  const format = options.format ?? "native";
  const codec = codecFor(options);
  const now = options.now ?? Date.now();
  const out = JSON.parse(codec.inspect(value, now));
  const load = out.load;
  const result = {
    name: options.name,
    format,
    verified: true,
    valid: false,
    status: null,
    reason: null,
    header: out.header ? isoHeader(out.header) : null,
    key: out.header ? (out.currentKey ? "current" : out.knownKey ? "old" : "unknown") : null,
    id: null,
    data: null,
    flash: null,
  };
  if (FOREIGN.includes(format)) {
    // These formats carry no session id (the core makes one up) and the core
    // does not say which of several keys opened the value.
    result.key = null;
    if (format === "iron") result.passwordId = ironSeal(value).passwordId;
    if (format === "cookie-rs") result.jar = options.cookieRs?.jar ?? "private";
  }
  if (load.error) {
    result.status = "invalid";
    result.reason = load.error;
  } else if (load.fetch) {
    result.valid = true;
    result.status = "valid";
    result.storeKey = load.key;
  } else {
    result.status = load.status;
    result.reason = load.reason ?? null;
    if (load.status === "valid") {
      result.valid = true;
      result.id = FOREIGN.includes(format) ? null : load.id;
      result.data = load.data;
      result.flash = load.flash;
    }
  }
  return result;
}

/**
 * The readable parts of a native value without any key. Signed values show
 * their data (unverified); sealed ones only their header (`sealed: true`).
 */
export function peekValue(value) {
  const out = JSON.parse(peek(value));
  if (out.error) return { verified: false, valid: false, status: "invalid", reason: out.error, header: null };
  const h = out.header;
  const result = { verified: false, header: isoHeader(h), sealed: h.mode === "sealed", id: null, data: null, flash: null };
  if (out.reason) result.reason = out.reason;
  else if ("data" in out) Object.assign(result, { id: out.id, data: out.data, flash: out.flash });
  return result;
}

/** What an iron seal names in the clear (not secret, not verified): `{ passwordId, expiresAt }` (ms), each or null. */
export function ironSeal(value) {
  return JSON.parse(peekIron(value));
}

/** A signed Beaker cookie without its keys, not verified: `{ readable, id, fields, data, flash }`. */
export function peekBeakerValue(value) {
  return JSON.parse(peekBeaker(value));
}

/**
 * What a React Router cookie or a cookie-rs signed-jar value lets anyone
 * read, without a key: `{ readable, data, flash }`, nothing verified.
 */
export function peekForeign(value, format) {
  const out = JSON.parse(format === "remix" ? peekRemix(value) : peekCookieRs(value));
  return out.readable ? out : { readable: false, data: null, flash: null };
}
