// The package inside workerd (Miniflare 4) with real local KV: the `workerd`
// entry must load (no getrandom at module top level, .wasm as a compiled
// module), and the lifecycle must hold through real requests and a real KV.
// Run: `node --test tests/js/workerd.test.mjs` after `make package`.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

const root = fileURLToPath(new URL("../..", import.meta.url));
const SECRET = "workerd-test-secret-0123456789abcdef";
const ORIGIN = "http://localhost";

let mf;
let kv;

before(async () => {
  mf = new Miniflare({
    modules: true,
    modulesRoot: root,
    scriptPath: fileURLToPath(new URL("../workerd/worker.js", import.meta.url)),
    // The .wasm import becomes a WebAssembly.Module, as wrangler bundles it.
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-09-01",
    kvNamespaces: ["SESSIONS"],
    bindings: { SESSION_SECRET: SECRET },
  });
  await mf.ready;
  kv = await mf.getKVNamespace("SESSIONS");
});

after(async () => {
  await mf?.dispose();
});

/** One request through workerd; returns the JSON body, the Set-Cookie lines and the next Cookie. */
async function send(path, cookie, init = {}) {
  const headers = cookie ? { cookie } : {};
  const res = await mf.dispatchFetch(ORIGIN + path, { method: "POST", headers, redirect: "manual", ...init });
  const setCookies = res.headers.getSetCookie();
  const type = res.headers.get("content-type") ?? "";
  const body = type.includes("json") ? await res.json() : await res.text();
  return {
    res,
    body,
    setCookies,
    cookie: setCookies.length ? setCookies[0].split(";")[0] : cookie,
  };
}

async function kvKeys() {
  return (await kv.list({ prefix: "sess:" })).keys;
}

async function clearKv() {
  for (const { name } of await kvKeys()) await kv.delete(name);
}

describe("edge-session in workerd with local KV", () => {
  test("a new session: Set-Cookie with the default attributes", async () => {
    const r = await send("/incr");
    assert.equal(r.res.status, 200);
    assert.equal(r.body.status, "new");
    assert.deepEqual(r.body.data, { n: 1 });
    assert.equal(r.setCookies.length, 1);
    assert.match(r.setCookies[0], /^__Host-session=[A-Za-z0-9_-]+; Path=\/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax$/);
  });

  test("a counter across requests, carried by the returned cookie", async () => {
    let cookie;
    for (let i = 1; i <= 3; i++) {
      const r = await send("/incr", cookie);
      assert.deepEqual(r.body.data, { n: i });
      assert.equal(r.setCookies.length, 1);
      cookie = r.cookie;
    }
    const r = await send("/read", cookie, { method: "GET" });
    assert.equal(r.body.status, "valid");
    assert.deepEqual(r.body.data, { n: 3 });
  });

  test("a read-only request emits no Set-Cookie", async () => {
    const fresh = await send("/read", undefined, { method: "GET" });
    assert.equal(fresh.body.status, "new");
    assert.deepEqual(fresh.setCookies, [], "an empty new session costs nothing");

    const { cookie } = await send("/incr");
    const r = await send("/read", cookie, { method: "GET" });
    assert.equal(r.body.status, "valid");
    assert.deepEqual(r.setCookies, []);
  });

  test("spill to KV: sealed value, hashed prefixed key, expiration set; read-only writes nothing", async () => {
    await clearKv();
    const grown = await send("/grow?bytes=6000");
    assert.equal(grown.setCookies.length, 1);
    assert.ok(grown.setCookies[0].length < 400, "the cookie is only a reference");

    const keys = await kvKeys();
    assert.equal(keys.length, 1);
    const [{ name, expiration }] = keys;
    assert.ok(!name.includes(grown.body.id), "the KV key does not reveal the session id");
    const nowSec = Date.now() / 1000;
    assert.ok(expiration > nowSec + 3500 && expiration <= nowSec + 3601, `expiration ${expiration} ~ now + 3600`);
    const value = await kv.get(name);
    assert.ok(value.length > 6000);
    assert.ok(!value.includes("xxxxxxxx"), "the KV value is sealed");

    const r = await send("/read", grown.cookie, { method: "GET" });
    assert.equal(r.body.status, "valid");
    assert.equal(r.body.data.blob.length, 6000);
    assert.deepEqual(r.setCookies, []);
    assert.equal(await kv.get(name), value, "read-only: the KV value is unchanged");
  });

  test("a short maxAge gives the KV minimum TTL of 60 s (KV refuses less)", async () => {
    await assert.rejects(kv.put("sess:probe", "v", { expirationTtl: 30 }), /at least 60/, "local KV enforces the floor");
    await clearKv();
    const r = await send("/grow?bytes=6000&maxAge=30");
    assert.equal(r.res.status, 200, JSON.stringify(r.body).slice(0, 200));
    const [{ expiration }] = await kvKeys();
    const nowSec = Date.now() / 1000;
    assert.ok(expiration > nowSec + 55 && expiration <= nowSec + 61, `expiration ${expiration} ~ now + 60`);
  });

  test("shrinking back returns the session inline; its last version goes with the next write", async () => {
    await clearKv();
    const grown = await send("/grow?bytes=6000");
    assert.equal((await kvKeys()).length, 1);
    const shrunk = await send("/shrink", grown.cookie);
    assert.equal(shrunk.setCookies.length, 1);
    assert.equal((await kvKeys()).length, 1, "kept for sibling requests still carrying the reference");
    assert.equal((await send("/read", grown.cookie, { method: "GET" })).body.status, "valid");
    await clearKv();
    // Inline now: it reads back even with the KV namespace empty.
    const r = await send("/read", shrunk.cookie, { method: "GET" });
    assert.equal(r.body.status, "valid");
    assert.equal(r.body.data.blob, undefined);
  });

  test("a missing KV entry right after the write: status unavailable (KV may lag), not a 500", async () => {
    await clearKv();
    const grown = await send("/grow?bytes=6000");
    await clearKv();
    const r = await send("/read", grown.cookie, { method: "GET" });
    assert.equal(r.res.status, 200);
    assert.equal(r.body.status, "unavailable");
    assert.equal(r.body.reason, "store_lagging");
    assert.deepEqual(r.setCookies, []);
  });

  test("login: regenerate through an immutable redirect Response", async () => {
    const before = await send("/incr");
    const r = await send("/login?user=ann", before.cookie);
    assert.equal(r.res.status, 303);
    assert.equal(r.res.headers.get("location"), `${ORIGIN}/read`);
    assert.equal(r.setCookies.length, 1);
    const after = await send("/read", r.cookie, { method: "GET" });
    assert.deepEqual(after.body.data, { n: 1, user: "ann" });
    assert.notEqual(after.body.id, before.body.id, "a new id after login");
  });

  test("destroy: an expiring cookie, and the KV entry deleted", async () => {
    await clearKv();
    const grown = await send("/grow?bytes=6000");
    assert.equal((await kvKeys()).length, 1);
    const r = await send("/destroy", grown.cookie);
    assert.equal(r.setCookies.length, 1);
    assert.match(r.setCookies[0], /^__Host-session=; /);
    assert.ok(r.setCookies[0].split("; ").includes("Max-Age=0"), r.setCookies[0]);
    assert.equal((await kvKeys()).length, 0);
  });

  test("bad cookies give status invalid, never a 500", async () => {
    const { cookie } = await send("/incr");
    const value = cookie.split("=")[1];
    const tampered = value.slice(0, 30) + (value[30] === "A" ? "B" : "A") + value.slice(31);
    const inputs = [
      "__Host-session=garbage",
      "__Host-session=",
      `__Host-session=${tampered}`,
      `other=${value}; __Host-session=${"A".repeat(5000)}`,
      "__Host-session=\u00e9\u00ff%00",
    ];
    for (const c of inputs) {
      const r = await send("/read", c, { method: "GET" });
      assert.equal(r.res.status, 200, c.slice(0, 40));
      assert.equal(r.body.status, "invalid", c.slice(0, 40));
      assert.ok(r.body.reason, "with a reason");
      assert.deepEqual(r.setCookies, []);
    }
  });
});
