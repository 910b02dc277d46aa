// Store fault injection through the built package (pkg/node.js). A wrapper
// around memoryStore throws, rejects, hangs past storeTimeout, returns null,
// stale data, another session's blob or garbage. Each has one defined outcome:
// on load, status "stale" (or "invalid"), never "valid" with the wrong data;
// on save, SessionError "store_failed" and no Set-Cookie, so the client keeps
// its previous cookie. A session never mixes with another's data.
// Run: `node --test tests/js/store-faults.test.mjs` after `make package`.
import { describe, mock, test } from "node:test";
import assert from "node:assert/strict";
import { listSessions, loadSession, saveSession, memoryStore, SessionError } from "../../pkg/node.js";
import { internal } from "../../pkg/internal.js";

const SECRET = "store-faults-secret-0123456789-abcdefghij";
const NAME = "__Host-session";
const TIMEOUT = 40; // storeTimeout for these tests, in ms
const pair = (line) => line.split(";")[0];
const never = () => new Promise(() => {});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * memoryStore with faults to order. `fault.get/put/delete` is one of:
 *   "throw"   throws synchronously          "reject"  returns a rejected promise
 *   "hang"    never settles                 "late"    settles after 3 x TIMEOUT (too late)
 *   "null"    get: resolves to null         "undefined" get: resolves to undefined
 *   "stale"   get: the previous value written under the key
 *   "other"   get: the latest value written under any other key
 *   "lost-ack" put/delete: does the write, then throws (the write landed, the reply did not)
 *   a function (key, inner) => value: get returns what it returns (garbage of any kind)
 */
function faultyStore() {
  const inner = memoryStore();
  const history = new Map(); // key -> every value written, oldest first
  const calls = { get: 0, put: 0, delete: 0 };
  const fault = { get: null, put: null, delete: null };
  let lastKey = null;
  const failed = (op) => new Error(`injected ${op} failure`);
  const wrap = (op, real) => (key, ...rest) => {
    calls[op]++;
    const f = fault[op];
    if (f === "throw") throw failed(op);
    if (f === "reject") return Promise.reject(failed(op));
    if (f === "hang") return never();
    if (f === "late") return sleep(3 * TIMEOUT).then(() => real(key, ...rest));
    if (f === "lost-ack") return Promise.resolve(real(key, ...rest)).then(() => Promise.reject(failed(op)));
    if (op === "get") {
      if (f === "null") return Promise.resolve(null);
      if (f === "undefined") return Promise.resolve(undefined);
      if (f === "stale") return Promise.resolve(history.get(key)?.at(-2) ?? null);
      if (f === "other") {
        const other = [...history.keys()].reverse().find((k) => k !== key && inner.map.has(k));
        return Promise.resolve(other ? inner.map.get(other).value : null);
      }
      if (typeof f === "function") return f(key, inner);
    }
    return real(key, ...rest);
  };
  return {
    inner,
    calls,
    fault,
    history,
    get map() {
      return inner.map;
    },
    get: wrap("get", (k) => inner.get(k)),
    put: wrap("put", (k, v, o) => {
      history.set(k, [...(history.get(k) ?? []), v]);
      lastKey = k;
      return inner.put(k, v, o);
    }),
    delete: wrap("delete", (k) => inner.delete(k)),
    get lastKey() {
      return lastKey;
    },
  };
}

const optionsFor = (store, extra = {}) => ({ secrets: [SECRET], store, storeTimeout: TIMEOUT, ...extra });

/** A spilled session holding `owner` and `n`; returns its cookie pair. */
async function spilled(options, owner, n = 1, bytes = 6000) {
  const s = await loadSession("", options);
  s.set("owner", owner).set("n", n).set("pad", owner[0].repeat(bytes));
  const [line] = await saveSession(s);
  return { cookie: pair(line), id: s.id };
}

/**
 * Loads `cookie`; checks the defined outcome of a bad read: an empty session
 * that keeps the cookie's id and refuses to save changes, so nothing the
 * store may still hold is overwritten.
 */
async function expectUnavailable(cookie, options, reason, id) {
  const s = await loadSession(cookie, options);
  assert.equal(s.status, "unavailable", `status (${s.reason})`);
  if (Array.isArray(reason)) assert.ok(reason.includes(s.reason), `reason ${s.reason}`);
  else assert.equal(s.reason, reason);
  assert.equal(s.size, 0, "no data is served");
  assert.equal(s.isNew, true);
  if (id) assert.equal(s.id, id, "the cookie's own id, never another's");
  s.set("n", 99);
  await assert.rejects(saveSession(s), { code: "session_unavailable" });
  return s;
}

describe("load: each store fault has one defined outcome", () => {
  test("get throws, rejects, hangs past storeTimeout, or answers too late: unavailable, store_failed", async () => {
    for (const f of ["throw", "reject", "hang", "late"]) {
      const store = faultyStore();
      const options = optionsFor(store);
      const { cookie } = await spilled(options, "ann");
      store.fault.get = f;
      const t0 = performance.now();
      await expectUnavailable(cookie, options, "store_failed");
      const took = performance.now() - t0;
      if (f === "hang" || f === "late") assert.ok(took >= TIMEOUT - 5 && took < TIMEOUT + 2000, `${f}: ${took} ms`);
      // The fault gone, the same cookie loads again: nothing was lost.
      store.fault.get = null;
      const s = await loadSession(cookie, options);
      assert.equal(s.status, "valid", f);
      assert.equal(s.get("owner"), "ann");
    }
  });

  test("get returns null or undefined within KV's 60 s window: unavailable, store_lagging", async () => {
    for (const f of ["null", "undefined"]) {
      const store = faultyStore();
      const options = optionsFor(store);
      const { cookie, id } = await spilled(options, "ann");
      store.fault.get = f;
      await expectUnavailable(cookie, options, "store_lagging", id);
    }
  });

  test("get returns what the key held before the write (nothing: each write has its own key): unavailable", async () => {
    const store = faultyStore();
    const options = optionsFor(store);
    let { cookie } = await spilled(options, "ann", 1);
    for (let n = 2; n <= 3; n++) {
      const s = await loadSession(cookie, options);
      s.set("n", n);
      cookie = pair((await saveSession(s))[0]);
    }
    assert.equal(store.history.get(store.lastKey).length, 1, "one write per key");
    store.fault.get = "stale";
    await expectUnavailable(cookie, options, "store_lagging");
    store.fault.get = null;
    assert.equal((await loadSession(cookie, options)).get("n"), 3);
  });

  test("get returns another session's blob: unavailable, never the other session's data or id", async () => {
    const store = faultyStore();
    const options = optionsFor(store);
    const a = await spilled(options, "ann");
    const b = await spilled(options, "bob");
    store.fault.get = "other";
    const s = await expectUnavailable(a.cookie, options, "digest_mismatch", a.id);
    assert.equal(s.get("owner"), undefined);
    await expectUnavailable(b.cookie, options, "digest_mismatch", b.id);
  });

  test("a store that ignores keys (one value for all): never mixes sessions", async () => {
    const store = faultyStore();
    const options = optionsFor(store);
    const a = await spilled(options, "ann");
    const b = await spilled(options, "bob");
    const bBlob = store.history.get(store.lastKey).at(-1);
    store.fault.get = () => Promise.resolve(bBlob);
    await expectUnavailable(a.cookie, options, "digest_mismatch");
    const s = await loadSession(b.cookie, options);
    assert.equal(s.status, "valid");
    assert.equal(s.get("owner"), "bob");
  });

  // The pointer names its blob by key id and nonce (the blob's first 38
  // characters): a blob that starts like the right one and differs after is
  // refused by AES-GCM (bad_tag) or by its framing (malformed).
  const NOT_IT = ["digest_mismatch", "bad_tag", "malformed"];
  test("get returns garbage of every kind: unavailable, never valid (or the right blob, if it is one)", async () => {
    const store = faultyStore();
    const options = optionsFor(store);
    const { cookie } = await spilled(options, "ann");
    const real = store.history.get(store.lastKey).at(-1);
    const garbage = [
      "",
      "garbage",
      "\u0000".repeat(10),
      "\ud800",
      real.slice(0, -1),
      `${real}x`,
      real.toUpperCase(),
      42,
      true,
      {},
      [],
      { value: real },
      new ArrayBuffer(16),
      new Uint8Array([0xff, 0xfe, 0xfd]), // not UTF-8
      Symbol("s"),
      () => real,
      "x".repeat(4 * 1024 * 1024),
      new Uint8Array(4 * 1024 * 1024),
      // The right blob after a byte order mark: kept, so not the right blob.
      new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(real)]),
      `\ufeff${real}`,
    ];
    for (const g of garbage) {
      store.fault.get = () => Promise.resolve(g);
      await expectUnavailable(cookie, options, NOT_IT);
    }
    // A thenable that throws and a getter that throws count as failures.
    store.fault.get = () => ({ then: () => { throw new Error("thenable"); } });
    await expectUnavailable(cookie, options, "store_failed");
    // The right blob as bytes (KV's arrayBuffer type) is the right blob.
    for (const bytes of [new TextEncoder().encode(real), new TextEncoder().encode(real).buffer]) {
      store.fault.get = () => Promise.resolve(bytes);
      assert.equal((await loadSession(cookie, options)).status, "valid");
    }
  });

  test("an inline session never touches the store, whatever its faults", async () => {
    const store = faultyStore();
    const options = optionsFor(store);
    const s0 = await loadSession("", options);
    s0.set("n", 1);
    const [line] = await saveSession(s0);
    for (const f of ["throw", "reject", "hang", "null", "other"]) {
      store.fault.get = f;
      const s = await loadSession(pair(line), options);
      assert.equal(s.status, "valid");
    }
    assert.equal(store.calls.get, 0);
  });

  test("the default storeTimeout is 5000 ms", async () => {
    const store = faultyStore();
    const options = { secrets: [SECRET], store };
    const { cookie } = await spilled(options, "ann");
    store.fault.get = "hang";
    mock.timers.enable({ apis: ["setTimeout"] });
    try {
      let done = false;
      const p = loadSession(cookie, options).then((s) => ((done = true), s));
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      mock.timers.tick(4999);
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      assert.equal(done, false, "still waiting at 4999 ms");
      mock.timers.tick(1);
      const s = await p;
      assert.deepEqual([s.status, s.reason], ["unavailable", "store_failed"]);
    } finally {
      mock.timers.reset();
    }
  });
});

describe("save: a store failure rejects with store_failed and sends no Set-Cookie", () => {
  async function expectStoreFailed(session, target) {
    const err = await saveSession(session, target).then(
      () => assert.fail("saveSession resolved"),
      (e) => e,
    );
    assert.ok(err instanceof SessionError, String(err));
    assert.equal(err.code, "store_failed");
    return err;
  }

  test("put throws, rejects, hangs, answers late: rejected, no Set-Cookie, old cookie still good", async () => {
    for (const f of ["throw", "reject", "hang", "late"]) {
      const store = faultyStore();
      const options = optionsFor(store);
      const { cookie } = await spilled(options, "ann", 1);
      const s = await loadSession(cookie, options);
      s.set("n", 2);
      store.fault.put = f;
      const headers = new Headers();
      await expectStoreFailed(s, headers);
      assert.deepEqual(headers.getSetCookie(), [], f);
      if (f === "late") await sleep(4 * TIMEOUT); // the write lands after the timeout
      store.fault.put = null;
      // Even a write that lands late went to a new key: the old version is intact.
      const old = await loadSession(cookie, options);
      assert.equal(old.status, "valid", f);
      assert.equal(old.get("n"), 1, "the previous state is intact");
      // A retry once the store is back writes and sends the cookie.
      const [line] = await saveSession(s);
      const again = await loadSession(pair(line), options);
      assert.equal(again.get("n"), 2, f);
    }
  });

  test("put lands but its reply is lost: rejected; the old cookie still reads its own version", async () => {
    const store = faultyStore();
    const options = optionsFor(store);
    const { cookie } = await spilled(options, "ann", 1);
    const s = await loadSession(cookie, options);
    s.set("n", 2);
    store.fault.put = "lost-ack";
    const res = await saveSession(s, new Response("ok")).catch((e) => e);
    assert.equal(res.code, "store_failed");
    store.fault.put = null;
    const old = await loadSession(cookie, options);
    assert.deepEqual([old.status, old.get("n")], ["valid", 1]);
  });

  test("a first spill whose put fails: rejected, and no cookie points at data that was not written", async () => {
    for (const f of ["throw", "reject", "hang"]) {
      const store = faultyStore();
      const options = optionsFor(store);
      const s = await loadSession("", options);
      s.set("pad", "x".repeat(6000));
      store.fault.put = f;
      const headers = new Headers();
      await expectStoreFailed(s, headers);
      assert.deepEqual(headers.getSetCookie(), []);
      assert.equal(store.map.size, 0);
    }
  });

  test("shrinking back inline deletes nothing a sibling may read: it saves whatever delete does", async () => {
    for (const f of ["throw", "reject", "hang"]) {
      const store = faultyStore();
      const options = optionsFor(store);
      const { cookie } = await spilled(options, "ann");
      const s = await loadSession(cookie, options);
      s.delete("pad");
      store.fault.delete = f;
      const [line] = await saveSession(s);
      assert.equal((await loadSession(pair(line), options)).get("pad"), undefined);
      const old = await loadSession(cookie, options);
      assert.equal(old.status, "valid");
      assert.equal(old.get("pad").length, 6000);
    }
  });

  test("destroy with a failing delete: rejected, no expiring cookie, the session is still there", async () => {
    const store = faultyStore();
    const options = optionsFor(store);
    const { cookie } = await spilled(options, "ann");
    const s = await loadSession(cookie, options);
    s.destroy();
    store.fault.delete = "reject";
    const headers = new Headers();
    await expectStoreFailed(s, headers);
    assert.deepEqual(headers.getSetCookie(), []);
    store.fault.delete = null;
    assert.equal((await loadSession(cookie, options)).get("owner"), "ann");
  });

  test("regenerate of a spilled session with a failing delete: saved under the new id; the old entry expires on its own", async () => {
    const store = faultyStore();
    const options = optionsFor(store);
    const { cookie, id } = await spilled(options, "ann");
    const s = await loadSession(cookie, options);
    s.regenerate();
    store.fault.delete = "throw";
    const [line] = await saveSession(s);
    store.fault.delete = null;
    const next = await loadSession(pair(line), options);
    assert.equal(next.status, "valid");
    assert.notEqual(next.id, id);
    assert.equal(next.get("owner"), "ann");
    assert.equal(store.calls.delete, 1, "the clean-up was tried");
  });

  test("the error names the operation and never throws anything but SessionError", async () => {
    const store = faultyStore();
    const options = optionsFor(store);
    const s = await loadSession("", options);
    s.set("pad", "x".repeat(6000));
    store.fault.put = "hang";
    const err = await expectStoreFailed(s);
    assert.match(err.message, /put/);
    assert.match(err.message, new RegExp(`${TIMEOUT} ms`));
  });
});

describe("storeTimeout values", () => {
  // A timeout the runtime cannot represent must not turn into "fail every call":
  // setTimeout clamps anything over 2^31-1 ms (or Infinity) to 1 ms.
  for (const storeTimeout of [Infinity, 2 ** 31, 1e10]) {
    test(`storeTimeout ${storeTimeout}: refused as an option, or honoured (a 20 ms store works)`, async () => {
      const inner = memoryStore();
      const slow = {
        get: (k) => sleep(20).then(() => inner.get(k)),
        put: (k, v, o) => sleep(20).then(() => inner.put(k, v, o)),
        delete: (k) => sleep(20).then(() => inner.delete(k)),
      };
      const options = { secrets: [SECRET], store: slow, storeTimeout };
      let s;
      try {
        s = await loadSession("", options);
      } catch (e) {
        assert.equal(e.code, "invalid_option");
        assert.equal(e.option, "storeTimeout");
        return;
      }
      s.set("pad", "x".repeat(6000));
      const [line] = await saveSession(s); // rejects today: "store.put timed out after Infinity ms"
      assert.equal((await loadSession(pair(line), options)).status, "valid");
    });
  }
});

describe("many sessions over a flaky store never mix", () => {
  test("40 clients, 25 steps each, random faults on every call", async () => {
    const store = faultyStore();
    const options = optionsFor(store);
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const getFaults = [null, null, null, null, "throw", "reject", "hang", "null", "stale", "other", () => Promise.resolve("junk")];
    const putFaults = [null, null, null, null, null, "throw", "reject", "hang", "lost-ack"];
    const counts = { valid: 0, unavailable: 0, saved: 0, failedSaves: 0 };
    const client = async (name) => {
      // The cookie the client holds, and the counter its session must show when it loads.
      let held = { cookie: "", n: 0 };
      for (let step = 0; step < 25; step++) {
        store.fault.get = getFaults[Math.floor(rand() * getFaults.length)];
        const s = await loadSession(held.cookie, options);
        let base;
        if (s.status === "valid") {
          counts.valid++;
          assert.equal(s.get("owner"), name, "a session never shows another's data");
          assert.equal(s.get("n"), held.n, `${name}: no lost or phantom update`);
          base = held.n;
        } else if (s.status === "unavailable") {
          // A fault on the read: empty, and it may not be saved over what the
          // store may still hold. The held cookie stays good.
          counts.unavailable++;
          assert.equal(s.size, 0);
          s.set("n", 1);
          await assert.rejects(saveSession(s), { code: "session_unavailable" });
          continue;
        } else {
          assert.equal(s.status, "new");
          base = 0;
          s.set("owner", name).set("pad", name[0].repeat(4000 + Math.floor(rand() * 4000)));
        }
        s.set("n", base + 1);
        store.fault.put = putFaults[Math.floor(rand() * putFaults.length)];
        try {
          const [line] = await saveSession(s);
          counts.saved++;
          held = { cookie: pair(line), n: base + 1 };
        } catch (e) {
          assert.equal(e.code, "store_failed");
          counts.failedSaves++; // the client keeps its previous cookie
        }
        await sleep(rand() * 3);
      }
    };
    await Promise.all(Array.from({ length: 40 }, (_, i) => client(`client-${i}`)));
    assert.ok(counts.valid > 100 && counts.unavailable > 10 && counts.failedSaves > 10, JSON.stringify(counts));
  });
});

describe("store values longer than anything the core writes", () => {
  const MiB = 1024 * 1024;
  const huge = "x".repeat(64 * MiB);
  const hugeBytes = new Uint8Array(64 * MiB);

  // Wasm memory never shrinks: a value that crossed would show as growth.
  async function growth(options, f) {
    const memory = internal.codecFor(options).memory;
    const before = memory.buffer.byteLength;
    await f();
    return memory.buffer.byteLength - before;
  }

  test("never reach wasm memory: a load's blob, a merge's value, revocation records and lists", async () => {
    const store = memoryStore({ cas: true });
    const revocation = { subject: "owner", list: true };
    const options = { secrets: [SECRET], store, storeTimeout: 5000, revocation };
    const { cookie } = await spilled(options, "ann");
    const real = { get: store.get, getVersioned: store.getVersioned };
    const give = (value) => {
      store.get = async (k) => (k.includes("rev") ? value : real.get(k));
      store.getVersioned = async (k) => (k.includes("rev") ? { value, version: null } : { value, version: 1 });
    };
    for (const value of [huge, hugeBytes]) {
      // A load: the blob is refused unread.
      give(value);
      let s;
      assert.ok((await growth(options, async () => (s = await loadSession(cookie, options)))) < MiB);
      assert.notEqual(s.status, "valid");
      Object.assign(store, real);

      // A merge: two requests on one cookie; the second to save reads back a huge value.
      const [a, b] = [await loadSession(cookie, options), await loadSession(cookie, options)];
      assert.equal(a.status, "valid");
      a.set("n", 2);
      await saveSession(a);
      b.set("m", 3);
      store.getVersioned = async (k) => (k.includes("rev") ? real.getVersioned(k) : { value, version: -1 });
      assert.ok((await growth(options, () => saveSession(b).catch((e) => assert.ok(e instanceof SessionError)))) < MiB);
      Object.assign(store, real);

      // Revocation records and a session list read as huge values.
      store.get = async (k) => value;
      assert.ok((await growth(options, () => listSessions("ann", options))) < MiB);
      Object.assign(store, real);
    }
  });
});
