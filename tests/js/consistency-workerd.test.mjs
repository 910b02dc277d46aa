// Spilled sessions under concurrent and stale requests, in workerd (Miniflare)
// with real local Workers KV and the package's Durable Object store. The same
// rules are proven sans-IO in tests/consistency.rs and over memory stores in
// consistency.test.mjs; Deno KV in tests/deno/.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { testWorker } from "./bundle.mjs";

const ORIGIN = "http://localhost";

let mf;
let kv;

before(async () => {
  mf = await testWorker("consistency-worker.js", {
    durableObjects: { SESSION_DO: "SessionDurableObject" },
    bindings: { SESSION_SECRET: "consistency-test-secret-0123456789abcdef" },
  });
  kv = await mf.getKVNamespace("SESSIONS");
});

after(async () => {
  await mf?.dispose();
});

/** One request; returns the status code, JSON body, Set-Cookie lines and the cookie the browser then holds. */
async function send(path, cookie) {
  const res = await mf.dispatchFetch(ORIGIN + path, {
    method: "POST",
    headers: cookie ? { cookie } : {},
    redirect: "manual",
  });
  const setCookies = res.headers.getSetCookie();
  const body = res.status === 303 ? null : await res.json();
  return { code: res.status, body, setCookies, cookie: setCookies.length ? setCookies[0].split(";")[0] : cookie };
}

const q = (params) => new URLSearchParams(params).toString();

async function liveKeys(prefix = "sess:") {
  return (await kv.list({ prefix })).keys.map((k) => k.name);
}

for (const kind of ["kv", "do"]) {
  const at = (path, params = {}) => `${path}?${q({ store: kind, ...params })}`;

  describe(`spilled sessions over ${kind === "kv" ? "Workers KV" : "a Durable Object"}: siblings`, () => {
    test("sibling reads after another sibling saved: the version they name, or newer; never empty", async () => {
      const login = await send(at("/login"));
      assert.equal((await send(at("/read"), login.cookie)).body.stored, true, "spilled");
      const saved = await send(at("/set", { key: "step", value: "2" }), login.cookie);
      assert.equal(saved.code, 200);
      const siblings = await Promise.all(Array.from({ length: 5 }, () => send(at("/read"), login.cookie)));
      for (const s of siblings) {
        assert.equal(s.body.status, "valid", s.body.reason);
        assert.equal(s.body.data.user, "ada");
        assert.equal(s.body.data.cart.length, 3000);
        // Workers KV serves the version the cookie names; a compare-and-swap store the newest.
        assert.equal(s.body.data.step, kind === "kv" ? undefined : "2");
        assert.deepEqual(s.setCookies, [], "a read costs no Set-Cookie");
      }
    });

    test("a chain of saves: each cookie before the last still loads the session", async () => {
      let cookie = (await send(at("/login"))).cookie;
      const cookies = [cookie];
      for (let i = 1; i <= 4; i++) {
        cookie = (await send(at("/set", { key: "i", value: String(i), skew: i * 2000 }), cookie)).cookie;
        cookies.push(cookie);
      }
      const previous = await send(at("/read", { skew: 10_000 }), cookies.at(-2));
      assert.equal(previous.body.status, "valid");
      assert.equal(previous.body.data.user, "ada");
    });

    test("two writers from one cookie: never a logout, whichever Set-Cookie the browser keeps", async () => {
      const login = await send(at("/login"));
      const [a, b] = await Promise.all([
        send(at("/set", { key: "a", value: "1" }), login.cookie),
        send(at("/set", { key: "b", value: "2" }), login.cookie),
      ]);
      assert.equal(a.code, 200);
      assert.equal(b.code, 200);
      for (const kept of [a.cookie, b.cookie]) {
        const next = await send(at("/read"), kept);
        assert.equal(next.body.status, "valid");
        assert.equal(next.body.data.user, "ada");
        assert.equal(next.body.id, login.body.id);
        if (kind === "do") assert.deepEqual([next.body.data.a, next.body.data.b], ["1", "2"], "merged per key");
      }
    });
  });
}

describe("Durable Object store: compare-and-swap merges", () => {
  test("five concurrent writers of different keys all survive", async () => {
    const login = await send("/login?store=do");
    const writes = await Promise.all(
      Array.from({ length: 5 }, (_, i) => send(`/set?${q({ store: "do", key: `k${i}`, value: String(i) })}`, login.cookie)),
    );
    for (const w of writes) assert.equal(w.code, 200);
    const last = await send("/read?store=do", writes.at(-1).cookie);
    for (let i = 0; i < 5; i++) assert.equal(last.body.data[`k${i}`], String(i));
    assert.equal(last.body.data.user, "ada");
  });

  test("two writers of the same key: the later commit wins, nothing fails", async () => {
    const login = await send("/login?store=do");
    const [x, y] = await Promise.all(
      ["first", "second"].map((v) => send(`/set?${q({ store: "do", key: "theme", value: v })}`, login.cookie)),
    );
    assert.equal(x.code + y.code, 400);
    const read = await send("/read?store=do", x.cookie);
    assert.ok(["first", "second"].includes(read.body.data.theme));
    assert.equal(read.body.data.user, "ada");
  });
});

describe("Workers KV: bounded storage, lag, write limit", () => {
  test("after 100 saves a session has at most 2 live blobs", async () => {
    const login = await send("/login");
    const before = new Set(await liveKeys());
    let cookie = login.cookie;
    for (let i = 1; i <= 100; i++) {
      const r = await send(`/set?${q({ key: "n", value: String(i), skew: i * 1500 })}`, cookie);
      assert.equal(r.code, 200);
      cookie = r.cookie;
    }
    const base = [...before].find((k) => k.startsWith(`sess:`)) ?? "";
    const mine = (await liveKeys()).filter((k) => !before.has(k) || k === base);
    const ownBase = mine.map((k) => k.split(".")[0]);
    const session = ownBase.filter((b) => b === ownBase.at(-1));
    assert.ok(session.length <= 2, `${session.length} live blobs`);
    assert.equal((await send(`/read?skew=${200_000}`, cookie)).body.data.n, "100");
  });

  test("a read from a location that has not seen the write: unavailable, and no save overwrites newer data", async () => {
    const login = await send("/login?store=lagging");
    const lagging = await send("/read?store=lagging", login.cookie);
    assert.equal(lagging.body.status, "unavailable");
    assert.equal(lagging.body.reason, "store_lagging");
    assert.deepEqual(lagging.setCookies, []);
    const write = await send(`/set?${q({ store: "lagging", key: "x", value: "1" })}`, login.cookie);
    assert.equal(write.code, 503, "the app maps session_unavailable to 503");
    assert.deepEqual(write.setCookies, [], "no Set-Cookie: the browser keeps its cookie");
    // Where the write is visible, the session is whole.
    const fresh = await send("/read", login.cookie);
    assert.equal(fresh.body.status, "valid");
    assert.equal(fresh.body.data.user, "ada");
    assert.equal(fresh.body.data.x, undefined);
  });

  test("ordinary use stays under KV's one write per key per second", async () => {
    const login = await send("/login?store=limited");
    // A notice flashed, then consumed right after the redirect.
    const flashed = await send(`/flash?${q({ store: "limited", msg: "Saved" })}`, login.cookie);
    assert.equal(flashed.code, 303);
    const consumed = await send("/consume?store=limited", flashed.cookie);
    assert.equal(consumed.body.notice, "Saved");
    // Rapid clicks, each saving: twenty, nearly seven a second.
    let cookie = consumed.cookie;
    for (let i = 0; i < 20; i++) {
      const skew = i * 150;
      const r = await send(`/set?${q({ store: "limited", key: "clicks", value: String(i), skew })}`, cookie);
      assert.equal(r.code, 200, JSON.stringify(r.body));
      cookie = r.cookie;
    }
    // A burst of touches of a rolling session.
    const touches = await Promise.all(
      Array.from({ length: 5 }, () => send(`/read?${q({ store: "limited", rolling: 1, skew: 180_000 })}`, cookie)),
    );
    for (const t of touches) {
      assert.equal(t.body.status, "valid");
      assert.equal(t.setCookies.length, 1, "re-issued");
    }
    const { rejected } = (await send("/limiter")).body;
    assert.deepEqual(rejected, []);
  });
});
