// Migration end to end on workerd (Miniflare 4, local KV): cookies written by the
// real iron-session 8 and React Router 7 (and the cookie-rs fixtures the real
// `cookie` crate wrote) come in; the response carries a native cookie and an
// expiring legacy cookie; the next request, with only the native cookie, is valid
// with the same data.
//   tests/workerd/migrate-worker.js   a test Worker (imports ../../pkg/workerd.js)
//   tests/workerd/migrate-example.js  the README's example, shown verbatim in the
//                                     "Migrating from iron-session / React Router /
//                                     cookie-rs" section; "edge-session" is mapped to
//                                     pkg/workerd.js, as wrangler would resolve it
// Run after `make package`: node --test tests/js/migration-e2e.test.mjs
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";
import { sealData, unsealData } from "iron-session";
import { createCookieSessionStorage } from "react-router";
import { workerModules } from "./bundle.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const WORKER = fileURLToPath(new URL("../workerd/migrate-worker.js", import.meta.url));
const EXAMPLE = fileURLToPath(new URL("../workerd/migrate-example.js", import.meta.url));
const COOKIE_RS = JSON.parse(readFileSync(new URL("../vectors/cookie-rs.json", import.meta.url), "utf8"));
const RS_CASE = COOKIE_RS.cases.find((c) => c.name === "derived private nested");
const ORIGIN = "http://localhost";

const SECRET = "migration-e2e native secret 0123456789";
const IRON_OLD = "the Next.js app's iron password, 32+ chars";
const IRON_NEW = "the Next.js app's newer iron password, 32+";
const RR_SECRET = "the React Router app's cookie secret";

const DATA = {
  user: "ann",
  name: "Zoë 😀 日本語",
  roles: ["admin", "ops"],
  prefs: { tz: "Europe/Paris", dark: true, nested: { list: [1, 2.5, null, "x"] } },
};

const attributes = (line) =>
  Object.fromEntries(
    line
      .split(";")
      .slice(1)
      .map((a) => a.trim().split("="))
      .map(([k, ...v]) => [k.toLowerCase(), v.join("=")]),
  );

/** One request through workerd: JSON body, Set-Cookie lines by name, the headers. */
async function send(mf, url, cookie) {
  const res = await mf.dispatchFetch(ORIGIN + url, { headers: cookie ? { cookie } : {} });
  const setCookies = res.headers.getSetCookie();
  const byName = Object.fromEntries(setCookies.map((l) => [l.slice(0, l.indexOf("=")), l]));
  return { status: res.status, body: await res.json(), setCookies, byName, headers: res.headers };
}
const pair = (line) => line.split(";")[0];

async function ironCookie(data, password = { 1: IRON_OLD }) {
  return sealData(data, { password, ttl: 3600 });
}

async function remixCookie(data, flash = {}) {
  const storage = createCookieSessionStorage({ cookie: { name: "__session", secrets: [RR_SECRET] } });
  const s = await storage.getSession();
  for (const [k, v] of Object.entries(data)) s.set(k, v);
  for (const [k, v] of Object.entries(flash)) s.flash(k, v);
  return pair(await storage.commitSession(s));
}


describe("migration on workerd: the test Worker (pkg/workerd.js, KV store)", { timeout: 120_000 }, () => {
  let mf;
  let kv;
  before(async () => {
    mf = new Miniflare({
      modules: true,
      modulesRoot: root,
      scriptPath: WORKER,
      modulesRules: [
        { type: "ESModule", include: ["**/*.js"] },
        { type: "CompiledWasm", include: ["**/*.wasm"] },
      ],
      compatibilityDate: "2025-09-01",
      kvNamespaces: ["SESSIONS"],
      bindings: {
        SESSION_SECRET: SECRET,
        IRON_PASSWORDS: JSON.stringify({ 2: IRON_NEW, 1: IRON_OLD }),
        REMIX_SECRETS: JSON.stringify([RR_SECRET]),
        COOKIE_RS_MASTER_KEY: COOKIE_RS.keys.derived.masterKeyText,
      },
    });
    await mf.ready;
    kv = await mf.getKVNamespace("SESSIONS");
  });
  after(async () => {
    await mf?.dispose();
  });

  test("an iron-session cookie: native cookie + expiring iron cookie; then native only", async () => {
    const seal = await ironCookie(DATA);
    const one = await send(mf, "/read", `iron=${seal}`);
    assert.equal(one.status, 200);
    assert.equal(one.body.status, "valid", one.body.reason);
    assert.equal(one.body.migratedFrom, "iron");
    assert.deepEqual(one.body.data, DATA);
    // A read-only request, yet two Set-Cookie lines: the session must move.
    assert.equal(one.setCookies.length, 2, one.setCookies.join("\n"));
    assert.match(one.byName.sid, /^sid=[\w-]+; Path=\/; Max-Age=1209600; Secure; HttpOnly; SameSite=Lax$/);
    assert.equal(pair(one.byName.iron), "iron=");
    assert.equal(attributes(one.byName.iron)["max-age"], "0");
    assert.equal(attributes(one.byName.iron).path, "/");

    const two = await send(mf, "/read", pair(one.byName.sid));
    assert.equal(two.body.status, "valid", two.body.reason);
    assert.equal(two.body.migratedFrom, null);
    assert.deepEqual(two.body.data, DATA);
    assert.deepEqual(two.setCookies, [], "read-only on a native session: no Set-Cookie");

    // A browser that still sends the old cookie: the native one wins.
    const both = await send(mf, "/read", `iron=${seal}; ${pair(one.byName.sid)}`);
    assert.equal(both.body.migratedFrom, null);
    assert.deepEqual(both.body.data, DATA);
  });

  test("an iron cookie sealed under the older password id migrates too", async () => {
    const seal = await ironCookie({ user: "old-id" }, { 1: IRON_OLD });
    assert.match(seal, /^Fe26\.2\*1\*/);
    const one = await send(mf, "/read", `iron=${seal}`);
    assert.equal(one.body.migratedFrom, "iron");
    assert.deepEqual(one.body.data, { user: "old-id" });
    // The iron-session app still reads its own cookie until it expires.
    assert.deepEqual(await unsealData(seal, { password: { 2: IRON_NEW, 1: IRON_OLD } }), { user: "old-id" });
  });

  test("a React Router cookie with a flash: native + expiring __session; the flash survives the move", async () => {
    const cookie = await remixCookie(DATA, { notice: "moved ✓" });
    const one = await send(mf, "/read", cookie);
    assert.equal(one.body.status, "valid", one.body.reason);
    assert.equal(one.body.migratedFrom, "remix");
    assert.deepEqual(one.body.data, DATA, "__flash_notice__ is not data");
    assert.equal(one.setCookies.length, 2);
    assert.equal(pair(one.byName.__session), "__session=");
    assert.equal(attributes(one.byName.__session)["max-age"], "0");

    const two = await send(mf, "/flash?key=notice", pair(one.byName.sid));
    assert.equal(two.body.status, "valid", two.body.reason);
    assert.equal(two.body.migratedFrom, null);
    assert.equal(two.body.flash, "moved ✓");
    assert.deepEqual(two.body.data, DATA);
    assert.equal(two.setCookies.length, 1, "the flash was read: the native cookie is re-issued");

    const three = await send(mf, "/flash?key=notice", pair(two.byName.sid));
    assert.equal(three.body.flash, null, "read once");
    assert.deepEqual(three.body.data, DATA);
  });

  test("a cookie-rs private-jar cookie (written by the real crate), with its own path", async () => {
    const one = await send(mf, "/read", `session=${RS_CASE.encoded}`);
    assert.equal(one.body.status, "valid", one.body.reason);
    assert.equal(one.body.migratedFrom, "cookie-rs");
    assert.deepEqual(one.body.data, JSON.parse(RS_CASE.plaintext));
    assert.equal(attributes(one.byName.session).path, "/api", "expired where it lived");
    const two = await send(mf, "/read", pair(one.byName.sid));
    assert.equal(two.body.migratedFrom, null);
    assert.deepEqual(two.body.data, JSON.parse(RS_CASE.plaintext));
  });

  test("a migrated session that outgrows the cookie spills to KV", async () => {
    const seal = await ironCookie({ user: "big" });
    const one = await send(mf, "/set?blob=6000", `iron=${seal}`);
    assert.equal(one.body.migratedFrom, "iron");
    assert.equal(one.headers.get("x-stored"), "true");
    assert.equal(attributes(one.byName.iron)["max-age"], "0");
    const keys = (await kv.list({ prefix: "sess:" })).keys;
    assert.ok(keys.length >= 1, "a KV entry");
    const two = await send(mf, "/read", pair(one.byName.sid));
    assert.equal(two.body.status, "valid", two.body.reason);
    assert.equal(two.headers.get("x-stored"), "true");
    assert.deepEqual(two.body.data, { user: "big", blob: "x".repeat(6000) });
  });

  test("a tampered legacy cookie: a new session, a 200, no Set-Cookie", async () => {
    const seal = await ironCookie({ user: "ann", admin: false });
    const bad = seal.replace(/\*([\w-])([\w-]{42})~2$/, (_, c, rest) => `*${c === "A" ? "B" : "A"}${rest}~2`);
    const r = await send(mf, "/read", `iron=${bad}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.status, "new");
    assert.equal(r.body.migratedFrom, null);
    assert.deepEqual(r.body.data, {});
    assert.deepEqual(r.setCookies, []);
  });
});

describe("migration on workerd: the README example (tests/workerd/migrate-example.js)", { timeout: 120_000 }, () => {
  let mf;
  before(async () => {
    mf = new Miniflare({
      modulesRoot: root,
      modules: workerModules(EXAMPLE),
      compatibilityDate: "2025-09-01",
      kvNamespaces: ["SESSIONS"],
      bindings: {
        SESSION_SECRET: SECRET,
        IRON_PASSWORD: IRON_OLD,
        REMIX_SECRET: RR_SECRET,
        COOKIE_MASTER_KEY: COOKIE_RS.keys.derived.masterKeyText,
      },
    });
    await mf.ready;
  });
  after(async () => {
    await mf?.dispose();
  });

  const sources = {
    iron: async () => ({ name: "app", cookie: `app=${await sealData({ user: "ann" }, { password: IRON_OLD, ttl: 3600 })}`, user: "ann" }),
    remix: async () => ({ name: "__session", cookie: await remixCookie({ user: "bob" }), user: "bob" }),
    "cookie-rs": async () => {
      const c = COOKIE_RS.cases.find((x) => x.name === "derived private ascii");
      return { name: "session", cookie: `session=${c.encoded}`, user: JSON.parse(c.plaintext).user };
    },
  };
  for (const [format, make] of Object.entries(sources)) {
    test(`${format}: moved on the first request, native from the second`, async () => {
      const { name, cookie, user } = await make();
      const one = await send(mf, "/", cookie);
      assert.deepEqual(one.body, { user, from: format, status: "valid" });
      assert.equal(one.setCookies.length, 2, one.setCookies.join("\n"));
      assert.match(one.byName["__Host-session"], /^__Host-session=[\w-]+; Path=\/; Max-Age=1209600; Secure; HttpOnly; SameSite=Lax$/);
      assert.equal(pair(one.byName[name]), `${name}=`);
      assert.equal(attributes(one.byName[name])["max-age"], "0");
      const two = await send(mf, "/", pair(one.byName["__Host-session"]));
      assert.deepEqual(two.body, { user, from: null, status: "valid" });
      assert.deepEqual(two.setCookies, []);
    });
  }
});

// The section shows the example; it must stay the file these tests run. Until the
// section is in README.md, it is checked in tests/MIGRATION-SECTION.md.
test("the README's migration example is tests/workerd/migrate-example.js, byte for byte", () => {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const at = readme.search(/^## Migrating from iron-session \/ React Router \/ cookie-rs$/m);
  const section = at >= 0 ? readme.slice(at) : readFileSync(path.join(root, "tests/MIGRATION-SECTION.md"), "utf8");
  const block = /^<!-- example: tests\/workerd\/migrate-example\.js -->\n```js\n([\s\S]*?\n)```$/m.exec(section);
  assert.ok(block, "the section shows tests/workerd/migrate-example.js after its <!-- example: --> marker");
  assert.equal(block[1], readFileSync(EXAMPLE, "utf8"), "the example is the Worker, byte for byte");
});
