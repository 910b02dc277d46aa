// Store cost: KV operations per request type, counted by a wrapper around a
// Map-backed fake of a Workers KV namespace, for edge-session and for React
// Router's createWorkersKVSessionStorage on the same flows. Every request
// starts from the cookie the previous one left, as a browser would send it.
import { MAX_AGE, SECRET, sessionData } from "./fixture.mjs";

/** A Map-backed stand-in for a KV namespace, with KV's rules on TTLs. */
export function fakeKv() {
  const map = new Map();
  return {
    map,
    async get(key, type) {
      const v = map.get(key);
      if (v === undefined) return null;
      const as = typeof type === "string" ? type : type?.type;
      return as === "json" ? JSON.parse(v) : v;
    },
    async put(key, value, options = {}) {
      if (typeof value !== "string") throw new TypeError("fake KV: string values only");
      const now = Date.now() / 1000;
      if (options.expirationTtl !== undefined && options.expirationTtl < 60) throw new Error("fake KV: expirationTtl < 60");
      if (options.expiration !== undefined && options.expiration < now + 60) throw new Error("fake KV: expiration < now + 60");
      map.set(key, value);
    },
    async delete(key) {
      map.delete(key);
    },
  };
}

/**
 * Counts get/put/delete calls on `store` (a compare-and-swap read or write
 * counts as a get or put); `take()` returns and resets them.
 */
export function counting(store) {
  let n = { get: 0, put: 0, delete: 0 };
  const counted = {
    get: (...a) => (n.get++, store.get(...a)),
    put: (...a) => (n.put++, store.put(...a)),
    delete: (...a) => (n.delete++, store.delete(...a)),
    take() {
      const out = n;
      n = { get: 0, put: 0, delete: 0 };
      return out;
    },
  };
  if (store.putIf) {
    counted.getVersioned = (...a) => (n.get++, store.getVersioned(...a));
    counted.putIf = (...a) => (n.put++, store.putIf(...a));
  }
  return counted;
}

const BIG = "x".repeat(6000); // pushes the session past the 4000-byte inline limit

/** The request types, in order, each one a function of the session API. */
const STEPS = [
  { id: "new", label: "new (no cookie, data set, saved)", run: (s) => s.fill() },
  { id: "readOnlyInline", label: "read-only, inline", run: (s) => s.read() },
  { id: "changedInline", label: "changed, inline", run: (s) => s.bump() },
  { id: "growToSpilled", label: "grows past the cookie (spills)", run: (s) => s.grow() },
  { id: "readOnlySpilled", label: "read-only, spilled", run: (s) => s.read() },
  { id: "changedSpilled", label: "changed, spilled", run: (s) => s.bump() },
  { id: "touchedSpilled", label: "rolling re-issue, spilled (2 min later)", later: 120, run: (s) => s.read() },
  { id: "shrinkInline", label: "shrinks back inline", run: (s) => s.shrink() },
  { id: "destroyInline", label: "destroy (inline)", run: (s) => s.destroy() },
  { id: "spillAgain", label: "(setup: new spilled session)", setup: true, run: (s) => (s.fill(), s.grow()) },
  { id: "destroySpilled", label: "destroy (spilled)", run: (s) => s.destroy() },
];

async function walk(request) {
  const rows = {};
  let cookie = "";
  for (const step of STEPS) {
    const r = await request(cookie, step);
    if (r.cookie !== undefined) cookie = r.cookie;
    if (!step.setup) rows[step.id] = { label: step.label, ...r.ops, setCookie: r.setCookie };
  }
  return rows;
}

/**
 * edge-session over a counted store: the KV fake by default, or what `setup`
 * returns (a compare-and-swap store, revocation options).
 */
async function edgeSessionOps(es, setup = (kv) => ({ store: kv })) {
  let t = Date.now();
  const kv = counting(fakeKv());
  const extra = setup(kv);
  const store = extra.store;
  const options = { secrets: [SECRET], maxAge: MAX_AGE, rolling: true, touchAfter: 60, now: () => t, ...extra };
  return walk(async (cookie, step) => {
    t += (step.later ?? 2) * 1000;
    if (step.id === "spillAgain") cookie = "";
    const s = await es.loadSession(cookie, options);
    if (cookie && s.status !== "valid") throw new Error(`bench: store flow ${step.id} loaded status ${s.status} (${s.reason})`);
    const api = {
      fill: () => Object.entries(sessionData()).forEach(([k, v]) => s.set(k, v)),
      read: () => s.get("user"),
      bump: () => (s.get("cart")[0].qty += 1),
      grow: () => s.set("notes", BIG),
      shrink: () => s.delete("notes"),
      destroy: () => s.destroy(),
    };
    step.run(api);
    const lines = await es.saveSession(s);
    const ops = store.take();
    const next = lines.length ? lines[0].split(";")[0] : undefined;
    const cleared = step.id.startsWith("destroy") ? "" : next;
    return { ops, setCookie: lines.length, cookie: cleared };
  });
}

/** React Router's Workers KV storage with the counting store; commitSession on every request. */
async function reactRouterOps(rr) {
  const store = counting(fakeKv());
  const storage = rr.createWorkersKVSessionStorage({
    cookie: rr.createCookie("__session", { secrets: [SECRET], httpOnly: true, secure: true, sameSite: "lax", path: "/", maxAge: MAX_AGE }),
    kv: store,
  });
  return walk(async (cookie, step) => {
    if (step.id === "spillAgain") cookie = "";
    const s = await storage.getSession(cookie || null);
    let destroyed = false;
    const api = {
      fill: () => Object.entries(sessionData()).forEach(([k, v]) => s.set(k, v)),
      read: () => s.get("user"),
      bump: () => {
        const cart = s.get("cart");
        cart[0].qty += 1;
        s.set("cart", cart);
      },
      grow: () => s.set("notes", BIG),
      shrink: () => s.unset("notes"),
      destroy: () => (destroyed = true),
    };
    step.run(api);
    const line = destroyed ? await storage.destroySession(s) : await storage.commitSession(s);
    const ops = store.take();
    return { ops, setCookie: 1, cookie: destroyed ? "" : line.split(";")[0] };
  });
}

export async function storeBench({ es, rr, log }) {
  log("bench: store cost");
  return {
    method:
      "a counting wrapper around a Map-backed KV fake; each request type runs on the cookie the previous request returned; React Router commits on every request, as its docs advise",
    edgeSession: await edgeSessionOps(es),
    edgeSessionRevocation: await edgeSessionOps(es, (kv) => ({ store: kv, revocation: { subject: "user" } })),
    edgeSessionSwap: await edgeSessionOps(es, () => ({ store: counting(es.memoryStore({ cas: true })) })),
    reactRouterKv: await reactRouterOps(rr),
  };
}
