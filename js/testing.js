// Test helpers for apps that use edge-session: stores that behave like the
// real ones (eventual consistency, KV's write limit, compare-and-swap,
// faults), a steppable clock, and a browser-like cookie jar. No wasm here:
// these wrap stores and headers, so they work with every entry point.
export { memoryStore } from "./stores.js";

/**
 * A clock for the `now` option, in milliseconds: fixed until you move it.
 * `clock()` reads it; `clock.advance(ms)` and `clock.set(ms)` move it.
 */
export function fixedClock(start = Date.UTC(2026, 0, 1)) {
  let t = start;
  const clock = () => t;
  clock.advance = (ms) => (t += ms);
  clock.set = (ms) => (t = ms);
  return clock;
}

/**
 * Workers KV's eventual consistency: reads through this wrapper come from a
 * location that has not yet seen writes less than `lag` ms old. For such a
 * key a read serves the value before the write (`serve: "previous"`) or
 * nothing (`serve: "null"`). Writes go through at once, as in KV.
 */
export function eventuallyConsistent(store, { lag = 60_000, now = Date.now, serve = "previous" } = {}) {
  const recent = new Map(); // key -> { at, before }
  const remember = async (key) => {
    if (!recent.has(key) || now() - recent.get(key).at >= lag) {
      recent.set(key, { at: now(), before: await store.get(key) });
    } else {
      recent.get(key).at = now();
    }
  };
  return {
    async get(key) {
      const r = recent.get(key);
      if (r && now() - r.at < lag) return serve === "null" ? null : r.before;
      return store.get(key);
    },
    async put(key, value, options) {
      await remember(key);
      return store.put(key, value, options);
    },
    async delete(key) {
      await remember(key);
      return store.delete(key);
    },
  };
}

/**
 * Workers KV's limit of one write per key per `interval` ms (a delete is a
 * write): a faster write throws, as KV answers 429. `rejected` lists them.
 */
export function writeLimited(store, { interval = 1000, now = Date.now } = {}) {
  const last = new Map();
  const rejected = [];
  const check = (op, key) => {
    const t = now();
    if (last.has(key) && t - last.get(key) < interval) {
      rejected.push({ op, key, at: t });
      throw new Error(`KV ${op} failed: 429 Too Many Requests (one write per key per second)`);
    }
    last.set(key, t);
  };
  const wrapped = {
    rejected,
    get: (key) => store.get(key),
    async put(key, value, options) {
      check("put", key);
      return store.put(key, value, options);
    },
    async delete(key) {
      check("delete", key);
      return store.delete(key);
    },
  };
  if (typeof store.putIf === "function") {
    wrapped.getVersioned = (key) => store.getVersioned(key);
    wrapped.putIf = async (key, value, version, options) => {
      check("put", key);
      return store.putIf(key, value, version, options);
    };
  }
  return wrapped;
}

/**
 * Faults to order: `fault(op, key)` returns "throw", "hang" (never settles,
 * so storeTimeout fires) or nothing for a normal call. `calls` logs them.
 */
export function faultyStore(store, fault) {
  const calls = [];
  const wrap =
    (op) =>
    async (...args) => {
      calls.push({ op, key: args[0] });
      const f = fault(op, args[0]);
      if (f === "throw") throw new Error(`injected ${op} failure`);
      if (f === "hang") return new Promise(() => {});
      return store[op](...args);
    };
  const wrapped = { calls, get: wrap("get"), put: wrap("put"), delete: wrap("delete") };
  if (typeof store.putIf === "function") {
    wrapped.getVersioned = wrap("getVersioned");
    wrapped.putIf = wrap("putIf");
  }
  return wrapped;
}

/**
 * A browser's cookie jar for one site: `jar.apply(setCookies)` takes the
 * Set-Cookie values of a response (an array, a Response or Headers), in
 * order, the last for a name winning; Max-Age=0 or a past Expires deletes.
 * `jar.header()` is the next request's Cookie header; `jar.get(name)` one value.
 */
export function cookieJar({ now = Date.now } = {}) {
  const cookies = new Map(); // name -> { value, expires }
  const live = () => {
    for (const [name, c] of cookies) if (c.expires <= now()) cookies.delete(name);
    return cookies;
  };
  return {
    apply(setCookies) {
      for (const line of setCookieLines(setCookies)) {
        const [pair, ...attrs] = line.split(";");
        const eq = pair.indexOf("=");
        if (eq <= 0) continue;
        const name = pair.slice(0, eq).trim();
        let expires = Infinity;
        for (const attr of attrs) {
          const [k, v = ""] = attr.split("=");
          const key = k.trim().toLowerCase();
          if (key === "max-age") expires = now() + Number(v.trim()) * 1000;
          else if (key === "expires" && expires === Infinity) expires = Date.parse(v.trim());
        }
        if (expires <= now()) cookies.delete(name);
        else cookies.set(name, { value: pair.slice(eq + 1).trim(), expires });
      }
      return this;
    },
    get(name) {
      return live().get(name)?.value;
    },
    header() {
      return [...live()].map(([name, c]) => `${name}=${c.value}`).join("; ");
    },
  };
}

/** The Cookie header a browser sends after these Set-Cookie values. */
export function cookieHeader(setCookies) {
  return cookieJar().apply(setCookies).header();
}

function setCookieLines(input) {
  if (Array.isArray(input)) return input;
  const headers = input?.headers ?? input;
  if (typeof headers?.getSetCookie === "function") return headers.getSetCookie();
  throw new TypeError("expected Set-Cookie values: an array, a Response or Headers");
}
