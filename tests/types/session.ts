// A typed session, the options, the status union and SessionError codes,
// as an application writes them. Must compile with `tsc --strict`.
import {
  createSessionStorage,
  durableObjectStore,
  listSessions,
  loadSession,
  revokeAll,
  revokeSession,
  optionsFromTurboGears,
  memoryStore,
  saveSession,
  Session,
  SessionError,
  type Json,
  type BeakerOptions,
  type SessionErrorCode,
  type SessionOptions,
  type SessionReason,
  type SessionStatus,
  type SessionStorage,
  type SessionStore,
  type ListedSession,
} from "edge-session";
import { cookieJar, eventuallyConsistent, fixedClock, writeLimited } from "edge-session/testing";

interface User {
  id: number;
  name: string;
  roles: string[];
}
interface Cart {
  items: { sku: string; qty: number }[];
  coupon?: string;
}
// An interface, not only a type literal: no index signature needed.
interface Data {
  user: User;
  cart: Cart;
}

const store: SessionStore = memoryStore();

export const options: SessionOptions = {
  secrets: ["a-current-secret-of-at-least-32-bytes", "an-old-secret-still-accepted-for-a-while"],
  mode: "sealed",
  cookie: { name: "__Host-shop", sameSite: "Strict", secure: true, httpOnly: true, partitioned: false, expires: true },
  maxAge: 7 * 86400,
  idleTimeout: 3600,
  rolling: true,
  touchAfter: 600,
  store,
  storePrefix: "shop:",
  storeTimeout: 2000,
  inlineLimit: 3000,
  limits: { maxBytes: 65536, maxDepth: 16 },
  now: () => Date.now(),
};

/** Every status, checked exhaustively: adding one to the union breaks this. */
export function describeStatus(status: SessionStatus): string {
  switch (status) {
    case "new":
      return "no cookie";
    case "valid":
      return "opened";
    case "expired":
      return "too old";
    case "invalid":
      return "forged or broken";
    case "stale":
      return "store out of date";
    case "unavailable":
      return "store lagging or down: retry";
    case "revoked":
      return "logged out elsewhere";
    default: {
      const never: never = status;
      return never;
    }
  }
}

export function describeError(e: unknown): string {
  if (!(e instanceof SessionError)) return "not ours";
  const code: SessionErrorCode = e.code;
  switch (code) {
    case "invalid_option":
      return `bad option ${e.option ?? "?"}`;
    case "too_large":
      return `too large: ${e.size ?? 0} > ${e.limit ?? 0}`;
    case "store_failed":
      return "store down";
    case "invalid_data":
      return "not JSON";
    case "random_failed":
      return "no randomness";
    case "session_unavailable":
      return "retry later";
    case "session_ended":
      return "logged out meanwhile";
    case "crypto_failed":
      return "the platform's crypto failed";
    default: {
      const never: never = code;
      return never;
    }
  }
}

export async function handle(request: Request): Promise<Response> {
  const session = await loadSession<Data>(request, options);
  const s: Session<Data> = session;
  const user: User | undefined = s.get("user");
  const cart = s.get("cart") ?? { items: [] };
  cart.items.push({ sku: "A-1", qty: 2 });
  s.set("cart", cart);
  if (!user) s.set("user", { id: 1, name: "ada", roles: ["admin"] });
  const reason: SessionReason | undefined = s.reason;
  const keys: ("user" | "cart")[] = [...s.keys()];
  const snapshot: Partial<Data> = s.toJSON();
  s.flash("notice", { text: "Saved", at: Date.now() });
  const notice = s.flash<{ text: string }>("notice");
  const id: string = s.id;
  const fresh: boolean = s.isNew;
  void [reason, keys, snapshot, notice, id, fresh, describeStatus(s.status)];
  if (s.has("user") && cart.coupon === "logout") s.destroy();
  try {
    return await saveSession(s, new Response("ok"));
  } catch (e) {
    return new Response(describeError(e), { status: 500 });
  }
}

// The other save targets: Headers, or nothing (the Set-Cookie values).
export async function targets(cookieHeader: string): Promise<string[]> {
  const s = await loadSession(cookieHeader, { secrets: "one-secret-of-at-least-thirty-two-bytes" });
  s.set("any", { nested: [1, "two", null, true] } satisfies Json);
  const headers: Headers = await saveSession(s, new Headers());
  const lines: string[] = await saveSession(s);
  return [...headers.getSetCookie(), ...lines];
}

// Node's IncomingMessage (or anything with headers.cookie) is a cookie source too.
export async function fromNode(req: { headers: { cookie?: string; host?: string } }) {
  const s = await loadSession<Data>(req, options);
  return s.get("user")?.name;
}

// A custom store (Durable Object, Redis...) needs only get/put/delete.
export const customStore: SessionStore = {
  async get(key) {
    return key.length > 0 ? "blob" : null;
  },
  async put(_key, _value, { expirationTtl }) {
    return expirationTtl;
  },
  async delete() {},
};

// TurboGears/Beaker cookies: the format option, by hand or from the .ini settings.
const beaker: BeakerOptions = {
  validateKey: "the app's session.validate_key",
  encryptKey: "the app's session.encrypt_key",
  cryptoType: "pycryptodome",
  nonceBits: 128,
  timeout: 3600,
};
export const beakerOptions: SessionOptions = { format: "beaker", beaker, cookie: { name: "beaker.session.id", secure: false } };
export const fromIni: SessionOptions = optionsFromTurboGears({
  "session.type": "cookie",
  "session.data_serializer": "json",
  "session.validate_key": "the app's session.validate_key",
  "session.timeout": 3600,
  "session.httponly": true,
});

/** Revocation: logout against copies, sign out everywhere, the session list. */
export async function signOutEverywhere(userId: number, ns: Parameters<typeof durableObjectStore>[0]) {
  const opts: SessionOptions = {
    secrets: ["a secret of at least thirty-two bytes!"],
    store: durableObjectStore(ns),
    revocation: { subject: "userId", list: true, failOpen: false },
  };
  const live: ListedSession[] = await listSessions(userId, opts);
  if (live[0]) await revokeSession(userId, live[0].id, opts);
  await revokeAll(userId, opts);
  return live.map((s) => s.startedAt);
}

/** edge-session/testing: a clock, KV-like stores and a cookie jar. */
export async function testingHelpers() {
  const now = fixedClock();
  const kv = writeLimited(eventuallyConsistent(memoryStore({ now }), { now }), { now });
  const jar = cookieJar({ now });
  const s = await loadSession(jar.header(), { secrets: ["a secret of at least thirty-two bytes!"], store: kv, now });
  jar.apply(await saveSession(s));
  now.advance(1000);
  return kv.rejected.length;
}

/** Options resolved once; load and save per request. */
const sessions: SessionStorage = createSessionStorage(options);
export async function withStorage(request: Request): Promise<Response> {
  const s = await sessions.load<Data>(request);
  const user: User | undefined = s.get("user");
  if (!user) s.set("user", { id: 2, name: "bob", roles: [] });
  const lines: string[] = await sessions.save(s);
  void lines;
  return sessions.save(s, new Response("ok"));
}
