// Store adapters. A store is any object with
//   get(key) -> Promise<string | null>
//   put(key, value, { expirationTtl }) -> Promise<void>   (seconds, at least 60)
//   delete(key) -> Promise<void>
// Workers KV has this shape natively; the others are adapted here.

/** Workers KV: the namespace binding as it is (reads as text). */
export function kvStore(namespace) {
  return {
    get: (key) => namespace.get(key, "text"),
    put: (key, value, options) => namespace.put(key, value, options),
    delete: (key) => namespace.delete(key),
  };
}

/** Deno KV caps values at 64 KiB. */
export const DENO_KV_MAX_VALUE = 65536;

/** Deno KV (`await Deno.openKv()`): strongly consistent, keys under `prefix`. */
export function denoKvStore(kv, { prefix = ["edge-session"] } = {}) {
  const encoder = new TextEncoder();
  return {
    async get(key) {
      const entry = await kv.get([...prefix, key]);
      return typeof entry.value === "string" ? entry.value : null;
    },
    async put(key, value, { expirationTtl } = {}) {
      // Deno KV measures the V8-serialised value: a string costs 6 bytes more.
      const size = encoder.encode(value).length + 6;
      if (size > DENO_KV_MAX_VALUE) {
        throw new RangeError(`Deno KV holds values up to ${DENO_KV_MAX_VALUE} bytes; this session is ${size} bytes`);
      }
      const options = expirationTtl ? { expireIn: expirationTtl * 1000 } : undefined;
      const result = await kv.set([...prefix, key], value, options);
      if (!result.ok) throw new Error("Deno KV refused the write");
    },
    async delete(key) {
      await kv.delete([...prefix, key]);
    },
  };
}

/** An in-memory store for tests and browsers; honours expirationTtl. */
export function memoryStore({ now = Date.now } = {}) {
  const map = new Map();
  return {
    map,
    async get(key) {
      const e = map.get(key);
      if (!e) return null;
      if (e.expires <= now()) {
        map.delete(key);
        return null;
      }
      return e.value;
    },
    async put(key, value, { expirationTtl } = {}) {
      map.set(key, { value, expires: expirationTtl ? now() + expirationTtl * 1000 : Infinity });
    },
    async delete(key) {
      map.delete(key);
    },
  };
}
