// Spilled sessions under concurrent and stale requests in Node, over the
// store wrappers of edge-session/testing: sibling reads and writers, a
// lagging location, KV's write limit, compare-and-swap merges, bounded
// storage. workerd (real KV, Durable Objects): consistency-workerd.test.mjs.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadSession, saveSession } from "../../pkg/node.js";
import {
  cookieHeader,
  cookieJar,
  eventuallyConsistent,
  faultyStore,
  fixedClock,
  memoryStore,
  writeLimited,
} from "../../pkg/testing.js";

const SECRET = "consistency-node-secret-0123456789abcdef";

/** A browser: one cookie jar, requests that load, act, save and keep the Set-Cookie. */
function browser(options) {
  const jar = cookieJar({ now: options.now });
  return {
    jar,
    async request(act = () => {}, cookie = jar.header()) {
      const s = await loadSession(cookie, options);
      await act(s);
      const lines = await saveSession(s);
      jar.apply(lines);
      return { session: s, lines };
    },
  };
}

const login = (s) => s.set("user", "ada").set("cart", "c".repeat(6000));

for (const cas of [false, true]) {
  describe(`${cas ? "compare-and-swap" : "plain get/put/delete"} store`, () => {
    const setup = () => {
      const now = fixedClock();
      const store = memoryStore({ now, cas });
      return { now, store, options: { secrets: [SECRET], store, now } };
    };

    test("siblings that carry the previous cookie load the session, never an empty one", async () => {
      const { now, options } = setup();
      const b = browser(options);
      await b.request(login);
      const previous = b.jar.header();
      now.advance(100);
      await b.request((s) => s.set("step", 2));
      for (let i = 0; i < 5; i++) {
        const s = await loadSession(previous, options);
        assert.equal(s.status, "valid");
        assert.equal(s.get("user"), "ada");
        assert.equal(s.get("step"), cas ? 2 : undefined, "the version it names, or newer");
      }
    });

    test("two writers from one cookie: the next request has the session, whichever cookie won", async () => {
      const { options } = setup();
      const b = browser(options);
      await b.request(login);
      const cookie = b.jar.header();
      const [x, y] = await Promise.all([
        b.request((s) => s.set("a", 1), cookie),
        b.request((s) => s.set("b", 2), cookie),
      ]);
      for (const won of [x.lines, y.lines]) {
        const s = await loadSession(cookieHeader(won), options);
        assert.equal(s.status, "valid");
        assert.equal(s.get("user"), "ada");
        if (cas) assert.deepEqual([s.get("a"), s.get("b")], [1, 2], "merged per key");
      }
    });

    test("a flash set before a redirect is read once after it, even with a sibling saving meanwhile", async () => {
      const { options } = setup();
      const b = browser(options);
      await b.request(login);
      await b.request((s) => s.flash("notice", "Saved"));
      const cookie = b.jar.header();
      // The redirected page and a parallel request (e.g. a badge counter) carry the same cookie.
      const [page, badge] = await Promise.all([
        b.request((s) => s.flash("notice"), cookie),
        b.request((s) => s.set("badge", 3), cookie),
      ]);
      assert.equal(page.session.status, "valid");
      assert.equal(badge.session.status, "valid");
      if (cas) {
        const s = await loadSession(b.jar.header(), options);
        assert.equal(s.flash("notice"), undefined, "read once: the merge keeps it consumed");
        assert.equal(s.get("badge"), 3);
      }
    });
  });
}

describe("Workers KV's eventual consistency", () => {
  test("a read before the write is visible: unavailable, and its save cannot overwrite newer data", async () => {
    const now = fixedClock();
    // Every request lands at a location that sees writes a minute late.
    const kv = eventuallyConsistent(memoryStore({ now }), { lag: 60_000, now });
    const options = { secrets: [SECRET], store: kv, now };
    const b = browser(options);
    await b.request(login);
    const cookie = b.jar.header();
    now.advance(1000);
    const s = await loadSession(cookie, options);
    assert.equal(s.status, "unavailable");
    assert.equal(s.reason, "store_lagging");
    assert.equal(s.size, 0);
    s.set("user", "eve");
    await assert.rejects(saveSession(s), { code: "session_unavailable" });
    assert.deepEqual(await saveSession(await loadSession(cookie, options)), [], "a read-only request is fine");
    // A minute later the location has caught up, and nothing was lost.
    now.advance(60_000);
    const later = await loadSession(cookie, options);
    assert.equal(later.status, "valid");
    assert.equal(later.get("user"), "ada");
  });
});

describe("Workers KV's one write per key per second", () => {
  test("a flash after a redirect, rapid clicks and a burst of touches never hit it", async () => {
    const now = fixedClock();
    const kv = writeLimited(memoryStore({ now }), { now });
    const options = { secrets: [SECRET], store: kv, now, rolling: true, touchAfter: 60 };
    const b = browser(options);
    await b.request(login);
    now.advance(50);
    await b.request((s) => s.flash("notice", "Saved"));
    now.advance(50);
    await b.request((s) => assert.equal(s.flash("notice"), "Saved"));
    for (let i = 0; i < 20; i++) {
      now.advance(150); // nearly seven clicks a second
      await b.request((s) => s.set("clicks", i));
    }
    now.advance(120_000);
    const cookie = b.jar.header();
    const touches = await Promise.all(Array.from({ length: 8 }, () => b.request(() => {}, cookie)));
    for (const t of touches) assert.equal(t.lines.length, 1, "re-issued");
    assert.deepEqual(kv.rejected, []);
  });
});

describe("bounded storage", () => {
  test("100 saves a second and a half apart leave 2 live blobs", async () => {
    const now = fixedClock();
    const store = memoryStore({ now });
    const b = browser({ secrets: [SECRET], store, now });
    await b.request(login);
    for (let i = 0; i < 100; i++) {
      now.advance(1500);
      await b.request((s) => s.set("n", i));
    }
    assert.equal(store.map.size, 2);
  });

  test("with compare-and-swap, one entry per session", async () => {
    const now = fixedClock();
    const store = memoryStore({ now, cas: true });
    const b = browser({ secrets: [SECRET], store, now });
    await b.request(login);
    for (let i = 0; i < 100; i++) await b.request((s) => s.set("n", i));
    assert.equal(store.map.size, 1);
  });
});

describe("edge-session/testing", () => {
  test("fixedClock stands still until moved", () => {
    const clock = fixedClock(1_800_000_000_000);
    assert.equal(clock(), 1_800_000_000_000);
    clock.advance(500);
    assert.equal(clock(), 1_800_000_000_500);
    clock.set(5);
    assert.equal(clock(), 5);
  });

  test("cookieJar: last Set-Cookie wins, Max-Age=0 and past Expires delete, Max-Age expires", () => {
    const now = fixedClock(1_800_000_000_000);
    const jar = cookieJar({ now });
    jar.apply(["a=1; Path=/", "b=2; Max-Age=10", "a=3; Path=/"]);
    assert.equal(jar.header(), "a=3; b=2");
    now.advance(11_000);
    assert.equal(jar.header(), "a=3");
    jar.apply(["a=; Max-Age=0"]);
    assert.equal(jar.get("a"), undefined);
    jar.apply(["c=4; Expires=Thu, 01 Jan 1970 00:00:00 GMT"]);
    assert.equal(jar.header(), "");
    const headers = new Headers();
    headers.append("Set-Cookie", "d=5");
    assert.equal(cookieHeader(headers), "d=5");
    assert.throws(() => cookieHeader("d=5"), TypeError);
  });

  test("eventuallyConsistent serves the previous value, or null, within the lag", async () => {
    const now = fixedClock();
    const inner = memoryStore({ now });
    const previous = eventuallyConsistent(inner, { now, lag: 1000 });
    const empty = eventuallyConsistent(inner, { now, lag: 1000, serve: "null" });
    await inner.put("k", "v1");
    await previous.put("k", "v2");
    await empty.put("k", "v3");
    assert.equal(await previous.get("k"), "v1");
    assert.equal(await empty.get("k"), null);
    now.advance(1000);
    assert.equal(await previous.get("k"), "v3");
    assert.equal(await empty.get("k"), "v3");
  });

  test("writeLimited refuses a second write to a key within the interval", async () => {
    const now = fixedClock();
    const kv = writeLimited(memoryStore({ now }), { now });
    await kv.put("k", "1");
    await assert.rejects(kv.put("k", "2"), /429/);
    await assert.rejects(kv.delete("k"), /429/);
    await kv.put("other", "1");
    now.advance(1000);
    await kv.delete("k");
    assert.equal(kv.rejected.length, 2);
  });

  test("faultyStore throws or hangs on order, and logs every call", async () => {
    const store = faultyStore(memoryStore(), (op, key) => (key === "bad" ? "throw" : key === "slow" ? "hang" : null));
    await store.put("ok", "1");
    assert.equal(await store.get("ok"), "1");
    await assert.rejects(store.get("bad"), /injected get failure/);
    const options = { secrets: [SECRET], store, storeTimeout: 20 };
    const s = await loadSession("", options);
    s.set("big", "x".repeat(6000));
    await saveSession(s);
    assert.deepEqual(store.calls.map((c) => c.op), ["put", "get", "get", "put"]);
    const slow = faultyStore(memoryStore(), (op) => (op === "put" ? "hang" : null));
    const t = await loadSession("", { ...options, store: slow });
    t.set("big", "x".repeat(6000));
    await assert.rejects(saveSession(t), { code: "store_failed" });
  });
});
