// Public typings of edge-session. `Session<T>` types the data by key.

/** JSON values a session can hold. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/**
 * Why the loaded session is what it is. `unavailable`: the store failed or has
 * not caught up with the newest write; the session is empty and saving changes
 * to it throws `session_unavailable` (map it to a 503), so nothing is lost.
 */
export type SessionStatus = "new" | "valid" | "expired" | "invalid" | "stale" | "unavailable" | "revoked";

/**
 * Why a cookie was not accepted. Foreign formats add their own: iron `bad_mac`,
 * `unknown_password`; React Router and the cookie-rs signed jar `bad_signature`;
 * the cookie-rs private jar `bad_tag`.
 */
export type SessionReason =
  | "malformed"
  | "unsupported_version"
  | "unknown_key"
  | "bad_tag"
  | "expired"
  | "idle_timeout"
  | "absolute_timeout"
  | "store_lagging"
  | "revoked"
  | "signed_out"
  | "revocation_failed"
  | "too_large"
  | "not_object"
  | "too_deep"
  | "no_store"
  | "missing"
  | "digest_mismatch"
  | "id_mismatch"
  | "store_failed"
  | "bad_signature"
  | "pickle_unsupported"
  | "bad_mac"
  | "unknown_password";

/** Codes of SessionError. */
export type SessionErrorCode =
  | "invalid_option"
  | "too_large"
  | "store_failed"
  | "invalid_data"
  | "random_failed"
  | "session_unavailable"
  | "session_ended"
  | "crypto_failed";

/** Thrown for bad options (at once) and failed saves. */
export declare class SessionError extends Error {
  readonly code: SessionErrorCode;
  /** The option at fault, for `invalid_option`. */
  readonly option?: string;
  /** For `too_large`: the Set-Cookie line's size and the limit, in bytes. */
  readonly size?: number;
  readonly limit?: number;
}

/** Any key-value store: Workers KV has this shape; see also denoKvStore, memoryStore. */
export interface SessionStore {
  get(key: string): Promise<string | null | ArrayBuffer | Uint8Array>;
  put(key: string, value: string, options: { expirationTtl: number }): Promise<unknown>;
  delete(key: string): Promise<unknown>;
}

/**
 * A store that can also compare-and-swap (Durable Objects, Deno KV). With one,
 * concurrent writers of a session are merged per top-level key. `version` is
 * the store's own (a versionstamp, a counter): null means "only if absent",
 * undefined "unconditionally".
 */
export interface SwapStore extends SessionStore {
  getVersioned(key: string): Promise<{ value: string | null | ArrayBuffer | Uint8Array; version: unknown }>;
  putIf(
    key: string,
    value: string,
    version: unknown,
    options: { expirationTtl: number },
  ): Promise<{ ok: true; version: unknown } | { ok: false }>;
}

export interface CookieOptions {
  /** Default "__Host-session" (or "session" when secure is false). */
  name?: string;
  /** Default true. */
  secure?: boolean;
  /** Default true. */
  httpOnly?: boolean;
  /** Default "Lax". */
  sameSite?: "Strict" | "Lax" | "None" | "strict" | "lax" | "none";
  /** Default "/". */
  path?: string;
  domain?: string;
  partitioned?: boolean;
  /** Also send Expires beside Max-Age. Default false. */
  expires?: boolean;
}

/** TurboGears/Beaker cookie sessions (format "beaker"). */
export interface BeakerOptions {
  /** session.validate_key: signs every cookie (HMAC-SHA1). */
  validateKey: string;
  /** session.encrypt_key: encrypts too when set. */
  encryptKey?: string;
  /** session.crypto_type: "cryptography" (AES-GCM, default) or "pycryptodome" (AES-CTR). */
  cryptoType?: "cryptography" | "pycryptodome" | "default" | "pycrypto";
  /** session.encrypt_nonce_bits; default 128. */
  nonceBits?: number;
  /** session.timeout: idle seconds since _accessed_time. */
  timeout?: number;
  /** session.cookie_expires: true (browser session, default), false (never), or seconds. */
  cookieExpires?: boolean | number;
}

/** iron "Fe26.2" seals, as iron-session 8 and @hapi/iron write them (format "iron"). */
export interface IronOptions {
  /**
   * iron-session's `password`: a string of at least 32 characters, or an
   * `{id: password}` map (ids `\w+`); the highest numeric id seals, the seal's id opens.
   */
  password: string | Record<string | number, string>;
}

/** React Router 7 / Remix signed cookies, as `createCookie` writes them (format "remix"). */
export interface RemixOptions {
  /** `createCookie`'s `secrets`: the first signs, each verifies, in order. */
  secrets: string[];
}

/** The `cookie` crate's (cookie-rs 0.18) jars (format "cookie-rs"): one key, from either source. */
export type CookieRsOptions = (
  | {
      /** Standard base64 of the 64 bytes given to `Key::from` (what `Key::master()` returns). */
      key: string;
      masterKey?: undefined;
    }
  | {
      /** The master key (at least 32 bytes) given to `Key::derive_from`, as text. */
      masterKey: string;
      key?: undefined;
    }
) & {
  /** Default "private" (AES-256-GCM, bound to the cookie name); "signed": HMAC, readable. */
  jar?: "private" | "signed";
};

/** A foreign format edge-session reads and writes. */
export type ForeignFormat = "beaker" | "iron" | "remix" | "cookie-rs";

/** Where a legacy cookie lives: what its expiring Set-Cookie must match. */
export interface LegacyCookieOptions {
  /** Required, and different from the native `cookie.name`. */
  name: string;
  /** Default "/". */
  path?: string;
  domain?: string;
  /** Attributes of the expiring Set-Cookie. Default true. */
  secure?: boolean;
  /** Default true. */
  httpOnly?: boolean;
}

/**
 * An old cookie to migrate sessions from: tried in order when the native cookie
 * is absent or not valid; a session found there is re-issued natively at the next
 * save, and the old cookie expired.
 */
export type LegacyOptions = (
  | { format: "iron"; cookie: LegacyCookieOptions; iron: IronOptions }
  | { format: "remix"; cookie: LegacyCookieOptions; remix: RemixOptions }
  | { format: "cookie-rs"; cookie: LegacyCookieOptions; cookieRs: CookieRsOptions }
  | { format: "beaker"; cookie: LegacyCookieOptions; beaker: BeakerOptions }
) & {
  /**
   * Cut-off (a Date, or ms since the epoch): after it, an authentic old cookie
   * loads as `status: "expired"` (reason "expired") instead of migrating.
   * React Router, cookie-rs, and Beaker without `timeout` carry no authenticated
   * time, so without one a copied old cookie migrates forever.
   */
  notAfter?: Date | number;
};

export interface SessionOptions {
  /** The first seals, all open; each at least 32 bytes. Optional with a foreign format. */
  secrets?: string | string[];
  /**
   * Default "native". A foreign format reads and writes that library's cookie in
   * place (with its options: `beaker`, `iron`, `remix` or `cookieRs`; no `store`).
   * Foreign formats need `import ... from "edge-session/formats"`.
   */
  format?: "native" | ForeignFormat;
  beaker?: BeakerOptions;
  /** With format "iron". */
  iron?: IronOptions;
  /** With format "remix". */
  remix?: RemixOptions;
  /** With format "cookie-rs". */
  cookieRs?: CookieRsOptions;
  /** Old cookies to migrate sessions from, tried in order (import from "edge-session/formats"). */
  legacy?: LegacyOptions[];
  /** Default "sealed". */
  mode?: "sealed" | "signed";
  cookie?: CookieOptions;
  /** Lifetime of each issued cookie, in seconds. Default 14 days. */
  maxAge?: number;
  /**
   * Longest a session lives from its start (creation, or regenerate() at login),
   * whatever saves and touches extend, in seconds. Default 30 days.
   */
  absoluteTimeout?: number;
  /** Idle timeout in seconds, enforced from the authenticated header. */
  idleTimeout?: number;
  /** Re-issue an unchanged session once it is older than touchAfter. */
  rolling?: boolean;
  /** Seconds; default 3600 (or half the idle timeout). */
  touchAfter?: number;
  /** A KV namespace or any get/put/delete object; sessions that do not fit spill here. */
  store?: SessionStore | SwapStore;
  /** Prefix of store keys. Default "session:". */
  storePrefix?: string;
  /** Milliseconds a store call may take before it counts as failed. Default 5000. */
  storeTimeout?: number;
  /** Largest complete Set-Cookie line kept inline, in bytes. Default 4000. */
  inlineLimit?: number;
  /** Decoder bounds. Defaults: 256 KiB, depth 32. */
  limits?: { maxBytes?: number; maxDepth?: number };
  /** Clock in milliseconds, for tests. */
  now?: () => number;
  /** Server-side revocation, opt-in: logout that holds against copied cookies. */
  revocation?: RevocationOptions;
}

export interface RevocationOptions {
  /** The data member that names the user (e.g. "userId"), for revokeAll and listSessions. */
  subject?: string;
  /** Where the records live. Default: the session store. */
  store?: SessionStore | SwapStore;
  /** Prefix of record keys. Default "revoked:". */
  prefix?: string;
  /** Accept sessions when the records cannot be read. Default false: they load as `unavailable`. */
  failOpen?: boolean;
  /** Keep each user's live sessions listed (listSessions): one more read and write per save. */
  list?: boolean;
}

/** A live session, as listSessions shows it; times in Unix milliseconds. */
export interface ListedSession {
  id: string;
  startedAt: number;
  savedAt: number;
  expiresAt: number;
}

/** Signs out every session of `subject` that started before now; a new login stands. */
export declare function revokeAll(subject: Json, options: SessionOptions): Promise<void>;
/** Revokes one session by id (`subject` as the data holds it, or undefined without `revocation.subject`). */
export declare function revokeSession(subject: Json | undefined, id: string, options: SessionOptions): Promise<void>;
/** The live sessions of `subject` (needs `revocation.list`). */
export declare function listSessions(subject: Json, options: SessionOptions): Promise<ListedSession[]>;

/** Session data: any object type, an interface included (no index signature needed). */
type Data = object;

/** A map-like session. */
export declare class Session<T extends Data = Record<string, Json>> {
  readonly id: string;
  readonly isNew: boolean;
  readonly status: SessionStatus;
  readonly reason: SessionReason | undefined;
  /** True when the session lives in the store and the cookie holds a reference. */
  readonly stored: boolean;
  /** The legacy format this request's session was read from; the next save moves it. */
  readonly migratedFrom: ForeignFormat | undefined;
  readonly size: number;
  get<K extends keyof T & string>(key: K): T[K] | undefined;
  set<K extends keyof T & string>(key: K, value: T[K]): this;
  has(key: keyof T & string): boolean;
  delete(key: keyof T & string): boolean;
  clear(): void;
  keys(): IterableIterator<keyof T & string>;
  values(): IterableIterator<T[keyof T]>;
  entries(): IterableIterator<[keyof T & string, T[keyof T]]>;
  [Symbol.iterator](): IterableIterator<[keyof T & string, T[keyof T]]>;
  /** A deep copy of the user's data. */
  toJSON(): Partial<T>;
  /** Keep a value for the next request only. */
  flash(key: string, value: Json): this;
  /** Read (and consume) a value flashed by the previous request. */
  flash<V = Json>(key: string): V | undefined;
  /** New id at the next save; the old store entry is deleted then. */
  regenerate(): this;
  /** Expiring cookie and store entry deleted at the next save. */
  destroy(): this;
}

/** Options for a TurboGears app's Beaker cookies, from its session.* settings. */
export declare function optionsFromTurboGears(
  settings: Record<string, string | number | boolean | undefined>,
): SessionOptions & { format: "beaker"; beaker: BeakerOptions; cookie: CookieOptions };

/** Anything with Node-style headers, such as a Node `IncomingMessage`. */
export interface NodeHeadersSource {
  headers: { cookie?: string | string[] | undefined };
}

/** Reads the session. Never throws on client input; throws SessionError on bad options. */
export declare function loadSession<T extends Data = Record<string, Json>>(
  input: Request | Headers | NodeHeadersSource | string | null | undefined,
  options: SessionOptions,
): Promise<Session<T>>;

/** Writes what changed: store first, then Set-Cookie. */
export declare function saveSession(session: Session<any>, target: Response): Promise<Response>;
export declare function saveSession(session: Session<any>, target: Headers): Promise<Headers>;
export declare function saveSession(session: Session<any>): Promise<string[]>;

/** loadSession and saveSession with the options resolved and checked once, by createSessionStorage. */
export interface SessionStorage {
  /** As loadSession with the storage's options. */
  load<T extends Data = Record<string, Json>>(
    input: Request | Headers | NodeHeadersSource | string | null | undefined,
  ): Promise<Session<T>>;
  /** As saveSession. */
  save(session: Session<any>, target: Response): Promise<Response>;
  save(session: Session<any>, target: Headers): Promise<Headers>;
  save(session: Session<any>): Promise<string[]>;
}

/**
 * Resolves and checks `options` once (throws SessionError on bad ones), for reuse on every
 * request. In the browser entry, before its wasm has loaded, they are checked at the first load.
 */
export declare function createSessionStorage(options: SessionOptions): SessionStorage;

export declare function kvStore(namespace: {
  get(key: string, type: "text"): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}): SessionStore;
export declare const DENO_KV_MAX_VALUE: number;
export declare function denoKvStore(kv: unknown, options?: { prefix?: unknown[] }): SwapStore;
export declare function memoryStore(options?: { now?: () => number; cas?: false }): SessionStore & {
  map: Map<string, unknown>;
};
export declare function memoryStore(options: { now?: () => number; cas: true }): SwapStore & {
  map: Map<string, unknown>;
};

/** The store over a `SessionDurableObject` namespace binding: one object per session. */
export declare function durableObjectStore(namespace: {
  idFromName(name: string): unknown;
  get(id: any): { fetch(input: string, init?: RequestInit): Promise<Response> };
}): SwapStore;

/**
 * A Durable Object class that holds sessions with compare-and-swap. Export it
 * from the Worker and bind it in wrangler.toml (`durable_objects.bindings`).
 */
export declare class SessionDurableObject {
  constructor(state: { storage: unknown }, env?: unknown);
  fetch(request: Request): Promise<Response>;
  alarm(): Promise<void>;
}
