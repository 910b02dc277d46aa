// `edge-session/hono` in workerd (Miniflare 4) with real local KV: a Hono app
// from npm, bundled by esbuild with wrangler's export conditions, options from
// c.env. Also in Node and in Deno, where the same module resolves the `node`
// and `deno` entries.
// Run after `make package`: node --test tests/js/hono.test.mjs
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { copyFileSync, writeFileSync } from "node:fs";
import { Hono } from "hono";
import { bundleWorker, root, stage, workerd } from "./bundle.mjs";
import { loadSession, memoryStore } from "../../pkg/node.js";
import { session } from "../../pkg/hono.js";

const SECRET = "hono-test-secret-0123456789-abcdefghij";
const ORIGIN = "http://localhost";

let mf;
let kv;
let bundle;

before(async () => {
  const dir = stage("hono-test");
  bundle = await bundleWorker(path.join(root, "tests/hono/app.js"), dir, path.join(dir, "node_modules"));
  mf = await workerd(bundle.script, { SESSION_SECRET: SECRET });
  kv = await mf.getKVNamespace("SESSIONS");
});

after(async () => {
  await mf?.dispose();
});

async function send(pathname, cookie, init = {}) {
  const headers = { ...(cookie ? { cookie } : {}), ...(init.headers ?? {}) };
  const res = await mf.dispatchFetch(ORIGIN + pathname, { method: "POST", redirect: "manual", ...init, headers });
  const setCookies = res.headers.getSetCookie();
  const type = res.headers.get("content-type") ?? "";
  const body = type.includes("json") ? await res.json() : await res.text();
  return { res, body, setCookies, cookie: setCookies.length ? setCookies[0].split(";")[0] : cookie };
}

const kvKeys = async () => (await kv.list({ prefix: "hono:" })).keys.map((k) => k.name);

describe("edge-session/hono in workerd", () => {
  test("the bundle took the workerd entry, through the package's own name", () => {
    assert.ok(bundle.inputs.includes("pkg/workerd.js"), bundle.inputs.join(", "));
    assert.ok(bundle.inputs.includes("pkg/hono.js"));
    assert.ok(!bundle.inputs.includes("pkg/node.js") && !bundle.inputs.includes("pkg/browser.js"));
  });

  test("a counter: c.get('session') in handlers, Set-Cookie added on the way out", async () => {
    let cookie;
    for (let i = 1; i <= 3; i++) {
      const r = await send("/incr", cookie);
      assert.equal(r.res.status, 200);
      assert.deepEqual(r.body.data, { n: i });
      assert.equal(r.body.status, i === 1 ? "new" : "valid");
      assert.equal(r.setCookies.length, 1);
      assert.match(r.setCookies[0], /^__Host-session=[\w-]+; Path=\/; Max-Age=3600; Secure; HttpOnly; SameSite=Lax$/);
      cookie = r.cookie;
    }
    const r = await send("/read", cookie, { method: "GET" });
    assert.deepEqual(r.body.data, { n: 3 });
  });

  test("read-only requests send no Set-Cookie (a new empty session included)", async () => {
    const fresh = await send("/read", undefined, { method: "GET" });
    assert.equal(fresh.body.status, "new");
    assert.deepEqual(fresh.setCookies, []);
    const { cookie } = await send("/incr");
    const r = await send("/read", cookie, { method: "GET" });
    assert.equal(r.body.status, "valid");
    assert.deepEqual(r.setCookies, []);
  });

  test("spill to the KV namespace from c.env, read back, shrink back inline", async () => {
    for (const k of await kvKeys()) await kv.delete(k);
    const grown = await send("/grow?bytes=6000");
    assert.equal(grown.setCookies.length, 1);
    assert.ok(grown.setCookies[0].length < 400, "the cookie is only a reference");
    const keys = await kvKeys();
    assert.equal(keys.length, 1);
    const blob = await kv.get(keys[0]);
    assert.ok(blob.length > 6000 && !blob.includes("xxxxxxxx"), "sealed in KV");

    const read = await send("/read", grown.cookie, { method: "GET" });
    assert.equal(read.body.status, "valid");
    assert.equal(read.body.data.blob.length, 6000);
    assert.deepEqual(read.setCookies, []);
    assert.equal(await kv.get(keys[0]), blob, "read-only: KV unchanged");

    const shrunk = await send("/shrink", grown.cookie);
    assert.equal(shrunk.setCookies.length, 1);
    assert.deepEqual(await kvKeys(), keys, "back inline: the version a sibling may still read stays, for now");
    const again = await send("/read", shrunk.cookie, { method: "GET" });
    assert.equal(again.body.status, "valid");
    assert.deepEqual(again.body.data, {});
  });

  test("redirects carry the cookie: c.redirect() and Response.redirect() (immutable headers)", async () => {
    for (const [route, user] of [["/login", "ada"], ["/login-immutable", "bob"]]) {
      const r = await send(route);
      assert.equal(r.res.status, 303, route);
      assert.equal(new URL(r.res.headers.get("location"), ORIGIN).pathname, "/read");
      assert.equal(r.setCookies.length, 1, route);
      const read = await send("/read", r.cookie, { method: "GET" });
      assert.equal(read.body.status, "valid");
      assert.deepEqual(read.body.data, { user });
    }
  });

  test("flash: shown once, then gone", async () => {
    const set = await send("/flash");
    assert.equal(set.setCookies.length, 1);
    const first = await send("/notice", set.cookie, { method: "GET" });
    assert.equal(first.body.notice, "saved");
    assert.equal(first.setCookies.length, 1, "reading a flash is a change");
    const second = await send("/notice", first.cookie, { method: "GET" });
    assert.equal(second.body.notice, null);
  });

  test("logout: an expiring cookie and the KV entry deleted", async () => {
    for (const k of await kvKeys()) await kv.delete(k);
    const grown = await send("/grow?bytes=6000");
    assert.equal((await kvKeys()).length, 1);
    const out = await send("/logout", grown.cookie);
    assert.equal(out.setCookies.length, 1);
    assert.match(out.setCookies[0], /Max-Age=0/);
    assert.deepEqual(await kvKeys(), []);
  });

  test("a handler that throws saves nothing", async () => {
    const { cookie } = await send("/incr");
    const r = await send("/throw", cookie);
    assert.equal(r.res.status, 500);
    assert.equal(r.body.error, "error");
    assert.deepEqual(r.setCookies, []);
  });

  test("a failed store write rejects into onError, with no Set-Cookie", async () => {
    const r = await send("/grow?bytes=6000", undefined, { headers: { "x-broken-store": "1" } });
    assert.equal(r.res.status, 500);
    assert.equal(r.body.error, "store_failed");
    assert.deepEqual(r.setCookies, []);
  });
});

describe("edge-session/hono in Node", () => {
  test("options as an object; the node entry; same Session class as the application's", async () => {
    const store = memoryStore();
    const app = new Hono();
    app.use(session({ secrets: [SECRET], store }));
    app.post("/incr", (c) => {
      const s = c.get("session");
      s.set("n", (s.get("n") ?? 0) + 1);
      return c.text(String(s.get("n")));
    });
    app.get("/read", (c) => c.text(String(c.get("session").get("n") ?? 0)));
    app.post("/away", (c) => {
      c.get("session").set("n", 100);
      return Response.redirect("http://localhost/read", 303); // immutable headers
    });
    const one = await app.request("/incr", { method: "POST" });
    assert.equal(await one.text(), "1");
    const cookie = one.headers.getSetCookie()[0].split(";")[0];
    const two = await app.request("/incr", { method: "POST", headers: { cookie } });
    assert.equal(await two.text(), "2");
    const next = two.headers.getSetCookie()[0].split(";")[0];
    const read = await app.request("/read", { headers: { cookie: next } });
    assert.equal(await read.text(), "2");
    assert.deepEqual(read.headers.getSetCookie(), []);
    // The middleware's session opens with the application's own loadSession.
    assert.equal((await loadSession(next, { secrets: [SECRET] })).get("n"), 2);
    const away = await app.request("/away", { method: "POST", headers: { cookie: next } });
    assert.equal(away.status, 303);
    assert.equal(away.headers.get("location"), "http://localhost/read");
    const moved = away.headers.getSetCookie();
    assert.equal(moved.length, 1, "the immutable redirect was copied to take the cookie");
    assert.equal((await loadSession(moved[0].split(";")[0], { secrets: [SECRET] })).get("n"), 100);
  });

  test("options as an async function of the context", async () => {
    const app = new Hono();
    app.use(session(async (c) => ({ secrets: [c.req.header("x-secret")] })));
    app.post("/", (c) => c.text(c.get("session").set("k", 1) && "ok"));
    const r = await app.request("/", { method: "POST", headers: { "x-secret": SECRET } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.getSetCookie().length, 1);
  });

  test("bad options: a TypeError at once, a SessionError naming the option per request", async () => {
    assert.throws(() => session(null), TypeError);
    assert.throws(() => session("secret"), TypeError);
    const app = new Hono();
    app.use(session({ secrets: ["short"] }));
    app.get("/", (c) => c.text("unreachable"));
    app.onError((err, c) => c.text(`${err.code} ${err.option}`, 500));
    const r = await app.request("/");
    assert.equal(r.status, 500);
    assert.equal(await r.text(), "invalid_option secrets");
  });
});

describe("edge-session/hono in Deno", () => {
  test("the deno entry, through node_modules: spill and a read-only request", () => {
    const dir = stage("hono-deno");
    copyFileSync(path.join(root, "tests/hono/deno.ts"), path.join(dir, "main.ts"));
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ type: "module", private: true }));
    writeFileSync(path.join(dir, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }));
    const out = execFileSync(
      path.join(root, "tests/node_modules/.bin/deno"),
      ["run", "--cached-only", "--allow-read", "--allow-env", "main.ts"],
      { cwd: dir, encoding: "utf8", env: { ...process.env, DENO_DIR: path.join(root, "target/deno"), NO_COLOR: "1" } },
    );
    const r = JSON.parse(out.trim().split("\n").pop());
    assert.deepEqual(r, { entry: "deno.js", grown: 200, read: "6000", readSetCookie: 0, stored: 1, status: "valid" });
  });
});
