// End to end: a real Beaker WSGI app (tests/beaker/wsgi_app.py, Beaker's
// SessionMiddleware on wsgiref, loopback) and the README's Worker
// (tests/beaker/worker.js, shown verbatim in the "TurboGears / Beaker" section)
// on workerd through Miniflare share one session.
// The app sets it, the Worker reads it and adds a key, the app sees the key.
// Both sides get the same TurboGears settings: the app as Beaker config, the
// Worker through optionsFromTurboGears. Run: `make test-js`, or after
// `make package deps-python`:
// `BEAKER_PYTHON=target/beaker-venv/bin/python node --test tests/js/beaker-e2e.test.mjs`.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { workerModules } from "./bundle.mjs";

const PYTHON = process.env.BEAKER_PYTHON;
const root = fileURLToPath(new URL("../..", import.meta.url));
const APP = fileURLToPath(new URL("../beaker/wsgi_app.py", import.meta.url));
const WORKER = fileURLToPath(new URL("../beaker/worker.js", import.meta.url));
const NO_BEAKER =
  "BEAKER_PYTHON is not set: the end-to-end test needs the real Beaker. Run `make test-js`, or " +
  "`make deps-python` and set BEAKER_PYTHON=target/beaker-venv/bin/python";
if (!PYTHON) {
  if (process.env.CI) test("BEAKER_PYTHON is set (required in CI)", () => assert.fail(NO_BEAKER));
  else console.log(`# skipping the Beaker end-to-end tests: ${NO_BEAKER}`);
}

const EDGE = "http://localhost"; // Miniflare's dispatchFetch never leaves the process
const STEP_MS = 15_000; // bound on any single request

// The session lines of the app's development.ini, as strings.
const COMMON = {
  "session.type": "cookie",
  "session.key": "tgapp",
  "session.validate_key": "a6b8c1d2e3f405162738495a6b7c8d9e",
  "session.data_serializer": "json",
  "session.httponly": "true",
  "session.secure": "false",
  "session.samesite": "Lax",
  "session.timeout": "3600",
};
const SETTINGS = {
  "signed only": COMMON,
  "encrypted, AES-GCM (cryptography)": {
    ...COMMON,
    "session.encrypt_key": "4f3e2d1c0b0a99887766554433221100",
    "session.crypto_type": "cryptography",
  },
  // The deprecated beaker.session.* spelling, CTR and a 48-bit nonce.
  "encrypted, AES-CTR (pycryptodome), beaker.session.* keys": Object.fromEntries(
    Object.entries({
      ...COMMON,
      "session.encrypt_key": "4f3e2d1c0b0a99887766554433221100",
      "session.crypto_type": "pycryptodome",
      "session.encrypt_nonce_bits": "48",
    }).map(([k, v]) => [`beaker.${k}`, v]),
  ),
};


/**
 * The Worker's bindings for the same settings: the keys as secrets
 * (TG_VALIDATE_KEY, TG_ENCRYPT_KEY), the rest as the TG_SESSION JSON.
 */
function workerBindings(settings, origin) {
  const rest = {};
  const bindings = { ORIGIN: origin };
  for (const [key, value] of Object.entries(settings)) {
    if (/(^|\.)session\.validate_key$/.test(key)) bindings.TG_VALIDATE_KEY = value;
    else if (/(^|\.)session\.encrypt_key$/.test(key)) bindings.TG_ENCRYPT_KEY = value;
    else rest[key] = value;
  }
  assert.ok(bindings.TG_VALIDATE_KEY, "the settings have a validate_key");
  bindings.TG_SESSION = JSON.stringify(rest);
  return bindings;
}

/** Starts wsgi_app.py with these settings; resolves with { child, origin } once it prints its port. */
function startApp(settings) {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [APP, JSON.stringify(settings)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`wsgi_app.py printed no port within 20 s\n${err}`));
    }, 20_000);
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.stdout.on("data", (d) => {
      out += d;
      const m = /^(\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, origin: `http://127.0.0.1:${m[1]}` });
      }
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`wsgi_app.py exited (${code}) before serving\n${err}`));
    });
  });
}

function stopApp(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(force);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** A response's JSON body, its Set-Cookie lines and the Cookie header they set. */
async function read(res) {
  const setCookies = res.headers.getSetCookie().map((s) => s.trim());
  const type = res.headers.get("content-type") ?? "";
  const body = type.includes("json") ? await res.json() : await res.text();
  return { status: res.status, body, setCookies, cookie: setCookies[0]?.split(";")[0] };
}

const attributes = (line) =>
  line
    .split(";")
    .slice(1)
    .map((a) => a.trim().toLowerCase())
    .sort();

// The README shows this Worker; it must stay the file these tests run. Until the
// section is in README.md, it is checked in tests/BEAKER-SECTION.md.
test("the README's TurboGears / Beaker example is tests/beaker/worker.js", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const at = readme.search(/^## TurboGears \/ Beaker$/m);
  const section = at >= 0 ? readme.slice(at) : readFileSync(new URL("../BEAKER-SECTION.md", import.meta.url), "utf8");
  const block = /^<!-- example: tests\/beaker\/worker\.js -->\n```js\n([\s\S]*?\n)```$/m.exec(section);
  assert.ok(block, "the section shows tests/beaker/worker.js after its <!-- example: --> marker");
  assert.equal(block[1], readFileSync(WORKER, "utf8"), "the example is the Worker, byte for byte");
});

for (const [name, settings] of Object.entries(SETTINGS)) {
  describe(`Beaker app and Worker share a session: ${name}`, { skip: PYTHON ? false : NO_BEAKER, timeout: 120_000 }, () => {
    let app;
    let mf;
    /** A request to the WSGI app itself. */
    const origin = async (path, cookie) =>
      read(await fetch(app.origin + path, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(STEP_MS) }));
    /** A request to the Worker on workerd. */
    const edge = async (path, cookie) =>
      read(await mf.dispatchFetch(EDGE + path, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(STEP_MS) }));

    before(async () => {
      app = await startApp(settings);
      mf = new Miniflare({
        modulesRoot: root,
        modules: workerModules(WORKER),
        compatibilityDate: "2025-09-01",
        bindings: workerBindings(settings, app.origin),
      });
      await mf.ready;
    }, { timeout: 60_000 });

    after(async () => {
      await Promise.allSettled([stopApp(app?.child), mf?.dispose()]);
    }, { timeout: 20_000 });

    test("the app sets a session, the Worker reads it and adds a key, the app sees the key", async () => {
      // 1. The TurboGears side logs ann in.
      const set = await origin("/set?user=ann");
      assert.equal(set.status, 200);
      assert.equal(set.setCookies.length, 1, "Beaker's Set-Cookie");
      assert.match(set.cookie, /^tgapp=[0-9a-f]{40}/);
      const id = set.body._id;
      assert.match(id, /^[0-9a-f]{32}$/);
      assert.equal(set.body.user, "ann");

      // 2. The edge reads it: same user, same id, and a read costs no Set-Cookie.
      const who = await edge("/edge/whoami", set.cookie);
      assert.equal(who.status, 200);
      assert.equal(who.body.status, "valid", who.body.reason);
      assert.equal(who.body.user, "ann");
      assert.equal(who.body.id, id, "session.id is Beaker's _id");
      assert.deepEqual(who.body.data, { user: "ann" });
      assert.deepEqual(who.setCookies, [], "read-only: no Set-Cookie");

      // 3. The edge adds a key and saves: a new Beaker cookie.
      const mark = await edge("/edge/set?edge=yes", set.cookie);
      assert.equal(mark.status, 200);
      assert.equal(mark.body.status, "valid");
      assert.deepEqual(mark.body.data, { user: "ann", edge: "yes" });
      assert.equal(mark.body.id, id);
      assert.equal(mark.setCookies.length, 1, "the Worker's Set-Cookie");
      assert.notEqual(mark.cookie, set.cookie);
      assert.deepEqual(attributes(mark.setCookies[0]), attributes(set.setCookies[0]), "the same cookie attributes as Beaker's");

      // 4. The app reads the Worker's cookie: both keys, the same _id.
      const get = await origin("/get", mark.cookie);
      assert.equal(get.status, 200);
      assert.deepEqual(get.body, { _id: id, user: "ann", edge: "yes" });

      // 5. And the cookie Beaker re-sends after that read goes back to the edge intact.
      assert.equal(get.setCookies.length, 1, "Beaker re-sends the cookie on a read");
      const back = await edge("/edge/whoami", get.cookie);
      assert.equal(back.body.status, "valid", back.body.reason);
      assert.equal(back.body.id, id);
      assert.deepEqual(back.body.data, { user: "ann", edge: "yes" });
    });

    test("a flash set at the edge: the app sees it under _flash", async () => {
      const set = await origin("/set?user=bob");
      const flashed = await edge("/edge/set?flash.notice=Saved%20%E2%9C%93", set.cookie);
      assert.deepEqual(flashed.body.data, { user: "bob" }, "a flash is not user data");
      const get = await origin("/get", flashed.cookie);
      assert.deepEqual(get.body, { _id: set.body._id, user: "bob", _flash: { notice: "Saved ✓" } });
    });

    test("through the Worker as a proxy: origin requests pass, the edge answers /edge/*", async () => {
      const set = await edge("/set?user=cy"); // proxied to the app
      assert.equal(set.status, 200);
      assert.equal(set.setCookies.length, 1, "the app's Set-Cookie passes through the Worker");
      const mark = await edge("/edge/set?edge=yes", set.cookie);
      assert.equal(mark.body.id, set.body._id);
      const get = await edge("/get", mark.cookie); // proxied to the app
      assert.deepEqual(get.body, { _id: set.body._id, user: "cy", edge: "yes" });
    });

    test("a cookie the app did not sign: the Worker starts a new session, the app refuses the cookie", async () => {
      const set = await origin("/set?user=ann");
      const value = set.cookie.slice("tgapp=".length);
      const forged = `tgapp=${value.slice(0, 40)}${value.slice(40).replace(/[A-Za-z]/, (c) => (c === "A" ? "B" : "A"))}`;
      const who = await edge("/edge/whoami", forged);
      assert.equal(who.status, 200, "never a 500");
      assert.equal(who.body.status, "invalid");
      assert.equal(who.body.user, null);
      assert.deepEqual(who.setCookies, []);
      const get = await origin("/get", forged);
      assert.notEqual(get.body._id, set.body._id, "Beaker starts a new session too");
      assert.equal(get.body.user, undefined);
    });
  });
}
