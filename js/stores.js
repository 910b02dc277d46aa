// Store adapters. A store is any object with
//   get(key) -> Promise<string | null>
//   put(key, value, { expirationTtl }) -> Promise<void>   (seconds, at least 60)
//   delete(key) -> Promise<void>
// A store that can also compare-and-swap adds
//   getVersioned(key) -> Promise<{ value: string | null, version }>
//   putIf(key, value, version, { expirationTtl }) -> Promise<{ ok, version }>
// where `version` null means "only if absent" and undefined "unconditionally".
// The driver detects that pair and then merges concurrent writers per key.

/** Workers KV: the namespace binding as it is (reads as text). Eventually consistent, no compare-and-swap. */
export function kvStore(namespace) {
  return {
    get: (key) => namespace.get(key, "text"),
    put: (key, value, options) => namespace.put(key, value, options),
    delete: (key) => namespace.delete(key),
  };
}

/** Deno KV caps values at 64 KiB. */
export const DENO_KV_MAX_VALUE = 65536;

/** Deno KV (`await Deno.openKv()`): strongly consistent, compare-and-swap by versionstamp, keys under `prefix`. */
export function denoKvStore(kv, { prefix = ["edge-session"] } = {}) {
  const encoder = new TextEncoder();
  const options = (expirationTtl) => (expirationTtl ? { expireIn: expirationTtl * 1000 } : undefined);
  const checkSize = (value) => {
    // Deno KV measures the V8-serialised value: a string costs 6 bytes more.
    const size = encoder.encode(value).length + 6;
    if (size > DENO_KV_MAX_VALUE) {
      throw new RangeError(`Deno KV holds values up to ${DENO_KV_MAX_VALUE} bytes; this session is ${size} bytes`);
    }
  };
  const store = {
    async get(key) {
      return (await store.getVersioned(key)).value;
    },
    async getVersioned(key) {
      const entry = await kv.get([...prefix, key]);
      return { value: typeof entry.value === "string" ? entry.value : null, version: entry.versionstamp };
    },
    async put(key, value, { expirationTtl } = {}) {
      const r = await store.putIf(key, value, undefined, { expirationTtl });
      if (!r.ok) throw new Error("Deno KV refused the write");
    },
    async putIf(key, value, version, { expirationTtl } = {}) {
      checkSize(value);
      const k = [...prefix, key];
      let op = kv.atomic();
      if (version !== undefined) op = op.check({ key: k, versionstamp: version });
      const r = await op.set(k, value, options(expirationTtl)).commit();
      return r.ok ? { ok: true, version: r.versionstamp } : { ok: false };
    },
    async delete(key) {
      await kv.delete([...prefix, key]);
    },
  };
  return store;
}

/**
 * An in-memory store for tests and browsers; honours expirationTtl. With
 * `cas: true` it can compare-and-swap, like Durable Objects and Deno KV.
 */
export function memoryStore({ now = Date.now, cas = false } = {}) {
  const map = new Map();
  let versions = 0;
  const live = (key) => {
    const e = map.get(key);
    if (e && e.expires <= now()) map.delete(key);
    return e && e.expires > now() ? e : null;
  };
  const write = (key, value, expirationTtl) => {
    const version = ++versions;
    map.set(key, { value, version, expires: expirationTtl ? now() + expirationTtl * 1000 : Infinity });
    return version;
  };
  const store = {
    map,
    async get(key) {
      return live(key)?.value ?? null;
    },
    async put(key, value, { expirationTtl } = {}) {
      write(key, value, expirationTtl);
    },
    async delete(key) {
      map.delete(key);
    },
  };
  if (cas) {
    store.getVersioned = async (key) => {
      const e = live(key);
      return { value: e?.value ?? null, version: e?.version ?? null };
    };
    store.putIf = async (key, value, version, { expirationTtl } = {}) => {
      if (version !== undefined && (live(key)?.version ?? null) !== version) return { ok: false };
      return { ok: true, version: write(key, value, expirationTtl) };
    };
  }
  return store;
}

/**
 * A Durable Object class that holds session entries with compare-and-swap.
 * Export it from your Worker and bind it (wrangler.toml `durable_objects`),
 * then pass `durableObjectStore(env.SESSIONS)` as the store.
 */
export class SessionDurableObject {
  #storage;

  constructor(state) {
    this.#storage = state.storage;
  }

  async fetch(request) {
    const { op, key, value, version, ttl } = await request.json();
    if (typeof key !== "string") return new Response("bad request", { status: 400 });
    const now = Date.now();
    let entry = await this.#storage.get(key);
    if (entry && entry.expires <= now) {
      await this.#storage.delete(key);
      entry = undefined;
    }
    if (op === "get") return Response.json({ value: entry?.value ?? null, version: entry?.version ?? null });
    if (op === "delete") {
      await this.#storage.delete(key);
      return Response.json({ ok: true });
    }
    if (op !== "putIf" || typeof value !== "string") return new Response("bad request", { status: 400 });
    // Requests to one object run one at a time: this check-then-write is atomic.
    if (version !== undefined && (entry?.version ?? null) !== version) return Response.json({ ok: false });
    const next = { value, version: crypto.randomUUID(), expires: ttl ? now + ttl * 1000 : Number.MAX_SAFE_INTEGER };
    await this.#storage.put(key, next);
    const alarm = await this.#storage.getAlarm();
    if (ttl && (alarm === null || alarm > next.expires)) await this.#storage.setAlarm(next.expires);
    return Response.json({ ok: true, version: next.version });
  }

  /** Deletes expired entries, then wakes again at the next expiry. */
  async alarm() {
    const now = Date.now();
    let next = Infinity;
    for (const [key, entry] of await this.#storage.list()) {
      if (entry.expires <= now) await this.#storage.delete(key);
      else next = Math.min(next, entry.expires);
    }
    if (next < Number.MAX_SAFE_INTEGER) await this.#storage.setAlarm(next);
  }
}

/** The store for a `SessionDurableObject` namespace: one object per session, strongly consistent. */
export function durableObjectStore(namespace) {
  const call = async (key, body) => {
    const stub = namespace.get(namespace.idFromName(key));
    const res = await stub.fetch("https://edge-session.invalid/", {
      method: "POST",
      body: JSON.stringify({ ...body, key }),
    });
    if (!res.ok) throw new Error(`the SessionDurableObject answered HTTP ${res.status}`);
    return res.json();
  };
  return {
    get: async (key) => (await call(key, { op: "get" })).value,
    getVersioned: (key) => call(key, { op: "get" }),
    put: async (key, value, { expirationTtl } = {}) => {
      await call(key, { op: "putIf", value, ttl: expirationTtl });
    },
    putIf: (key, value, version, { expirationTtl } = {}) =>
      call(key, { op: "putIf", value, version, ttl: expirationTtl }),
    delete: async (key) => {
      await call(key, { op: "delete" });
    },
  };
}
