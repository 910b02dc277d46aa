// The package (pkg/node.js) against the real peers, both ways:
//   iron-session 8.0.4   its seals load through format "iron", ours open in unsealData
//   React Router 7.18    its cookies load through format "remix", ours load in getSession
//   cookie-rs 0.18       tests/vectors/cookie-rs.json (written by the real `cookie`
//                        crate in tests/interop_cookie_rs.rs) loads through "cookie-rs"
// then migration (options.legacy) from each of them and from Beaker, and the option
// checks. The Rust-level interop suites (tests/interop_*.rs) test the codecs; this file
// tests what an application sees: loadSession/saveSession, status, reason, Set-Cookie.
// Run after `make package`: node --test tests/js/interop.test.mjs
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

import { getIronSession, sealData, unsealData } from "iron-session";
import { createCookie, createCookieSessionStorage } from "react-router";

import { loadSession, saveSession, SessionError } from "../../pkg/formats/node.js";

const readVectors = (name) => JSON.parse(readFileSync(new URL(`../vectors/${name}`, import.meta.url), "utf8"));
const COOKIE_RS = readVectors("cookie-rs.json");
const BEAKER = readVectors("beaker.json");

const SECRET = "interop-test native secret, 32+ bytes";
const PW_OLD = "iron password #1 (old) — at least 32 characters";
const PW_NEW = "iron password #2 (new) — at least 32 characters";
const PW = "iron-session password, at least 32 characters";

// JSON that survives every peer: no lone surrogates (React Router's
// encodeURIComponent throws on them; iron gets its own case below).
const UNICODE = {
  name: "Zoë Ångström",
  astral: "😀🎉𝄞 — U+1F600, U+1F389, U+1D11E",
  cjk: "日本語のテキスト",
  rtl: "שלום עולם",
  combining: "e\u0301 n\u0303",
  escapes: 'quote " backslash \\ slash / tab \t nl \n nul \u0000 del \u007f',
  lineSep: "\u2028\u2029",
  "ключ 🔑": "a non-ASCII key",
  "%+/=;, ": "cookie-hostile characters in a key",
};
const NESTED = {
  user: { id: 42, roles: ["admin", "ops"], profile: { tz: "Europe/Paris", prefs: { dark: true } } },
  cart: [{ sku: "A-1", qty: 2, price: 19.99 }, { sku: "B-2", qty: 1, price: 0.5 }],
  flags: [true, false, null],
  deep: { a: { b: { c: { d: { e: { f: [[[[["bottom"]]]]] } } } } } },
  numbers: [0, -1, 1.5, 9007199254740991, -0.25, 1e-7],
  empty: { obj: {}, arr: [], str: "" },
};
const DATA = { unicode: UNICODE, nested: NESTED, empty: {} };

/** "name=value" of a Set-Cookie line. */
const pair = (line) => line.split(";")[0];
const valueOf = (line) => pair(line).slice(pair(line).indexOf("=") + 1);
/** The Set-Cookie line for cookie `name`. */
const lineFor = (lines, name) => lines.find((l) => l.startsWith(`${name}=`));
/** Lower-cased attributes of a Set-Cookie line, as a map. */
function attributes(line) {
  const out = {};
  for (const a of line.split(";").slice(1)) {
    const [k, ...v] = a.trim().split("=");
    out[k.toLowerCase()] = v.join("=");
  }
  return out;
}

/** Runs `fn` with Date.now() fixed at `now` (the peers take their clock from it). */
async function at(now, fn) {
  const real = Date.now;
  Date.now = () => now;
  try {
    return await fn();
  } finally {
    Date.now = real;
  }
}

/** loadSession that must not throw, whatever the cookie. */
async function load(header, options) {
  try {
    return await loadSession(header, options);
  } catch (e) {
    assert.fail(`loadSession threw on client input ${JSON.stringify(header.slice(0, 80))}: ${e}`);
  }
}

// ---------------------------------------------------------------------------------------
// iron-session 8

const IRON = (password = PW, extra = {}) => ({
  format: "iron",
  iron: { password },
  cookie: { name: "iron", secure: false },
  ...extra,
});

describe("iron-session 8 → edge-session (format iron)", () => {
  for (const [name, data] of Object.entries(DATA)) {
    test(`sealData seals load with the same data: ${name}`, async () => {
      const seal = await sealData(data, { password: PW, ttl: 3600 });
      assert.match(seal, /^Fe26\.2\*1\*.*~2$/, "iron-session's string password seals under id 1");
      const s = await load(`iron=${seal}`, IRON());
      assert.equal(s.status, "valid", s.reason);
      assert.equal(s.reason, undefined);
      assert.equal(s.migratedFrom, undefined, "a primary format is no migration");
      assert.deepEqual(s.toJSON(), data);
      assert.deepEqual(await saveSession(s), [], "read-only: no Set-Cookie");
    });
  }

  test("lone surrogates (JSON.stringify escapes them) round-trip", async () => {
    const data = { lone: "\ud800 \udfff", pair: "\ud83d\ude00" };
    const s = await load(`iron=${await sealData(data, { password: PW, ttl: 60 })}`, IRON());
    assert.equal(s.status, "valid", s.reason);
    assert.deepEqual(s.toJSON(), data);
  });

  test("getIronSession's Set-Cookie (Fetch Request/Response) loads with the same data", async () => {
    const res = new Response("ok");
    const req = new Request("https://app.example/");
    const iron = await getIronSession(req, res, { password: PW, cookieName: "iron", ttl: 3600 });
    Object.assign(iron, NESTED, { name: UNICODE.name });
    await iron.save();
    const [line] = res.headers.getSetCookie();
    assert.ok(line.startsWith("iron="), line);
    const s = await load(pair(line), IRON());
    assert.equal(s.status, "valid", s.reason);
    assert.deepEqual(s.toJSON(), { ...NESTED, name: UNICODE.name });
  });

  test("a `_flash` member is the session's flash; the rest is data", async () => {
    const seal = await sealData({ user: "ann", _flash: { notice: "Saved ✓" } }, { password: PW, ttl: 60 });
    const s = await load(`iron=${seal}`, IRON());
    assert.deepEqual(s.toJSON(), { user: "ann" });
    assert.equal(s.flash("notice"), "Saved ✓");
    assert.equal(s.flash("notice"), undefined, "read once");
  });

  test("rotation: sealed with {1: old}, opened with {2: new, 1: old}, re-sealed under id 2", async () => {
    const seal = await sealData(NESTED, { password: { 1: PW_OLD }, ttl: 3600 });
    assert.match(seal, /^Fe26\.2\*1\*/);
    // Either key order: the highest numeric id seals, as in iron-session.
    for (const password of [{ 2: PW_NEW, 1: PW_OLD }, { 1: PW_OLD, 2: PW_NEW }]) {
      const s = await load(`iron=${seal}`, IRON(password));
      assert.equal(s.status, "valid", s.reason);
      assert.deepEqual(s.toJSON(), NESTED);
      // Only read, yet saved: a value under an old password moves to the new one.
      const lines = await saveSession(s);
      assert.equal(lines.length, 1, "an old-password seal is re-sealed even when unchanged");
      const value = valueOf(lines[0]);
      assert.match(value, /^Fe26\.2\*2\*/, "re-sealed under id 2");
      // The real library, knowing only the new password, opens it.
      assert.deepEqual(await unsealData(value, { password: { 2: PW_NEW } }), NESTED);
      // ...and knowing only the old one, does not (its silent logout: {}).
      assert.deepEqual(await unsealData(value, { password: { 1: PW_OLD } }), {});
    }
  });

  test("rotation: a seal whose id is no longer configured is invalid / unknown_password", async () => {
    const seal = await sealData({ a: 1 }, { password: { 1: PW_OLD }, ttl: 3600 });
    const s = await load(`iron=${seal}`, IRON({ 2: PW_NEW }));
    assert.equal(s.status, "invalid");
    assert.equal(s.reason, "unknown_password");
    assert.deepEqual(s.toJSON(), {});
  });

  test("tampered or foreign seals: status invalid with a reason, never a throw", async () => {
    const seal = await sealData({ user: "ann", admin: false }, { password: PW, ttl: 3600 });
    const parts = seal.slice(0, -2).split("*");
    const flip = (s, i) => s.slice(0, i) + (s[i] === "A" ? "B" : "A") + s.slice(i + 1);
    const withPart = (i, v) => `${parts.map((p, j) => (j === i ? v : p)).join("*")}~2`;
    const cases = {
      "mac flipped": [withPart(7, flip(parts[7], 5)), "bad_mac"],
      "ciphertext flipped": [withPart(4, flip(parts[4], 3)), "bad_mac"],
      "expiration pushed later": [withPart(5, String(Number(parts[5]) + 86_400_000)), "bad_mac"],
      "IV flipped": [withPart(3, flip(parts[3], 0)), "bad_mac"],
      "another password": [await sealData({ user: "ann", admin: true }, { password: "x".repeat(32), ttl: 60 }), "bad_mac"],
      "wrong prefix, 8 parts (iron-session throws on it)": ["x*a*b*c*d*e*f*g", "malformed"],
      "7 parts": [parts.slice(0, 7).join("*"), "malformed"],
      "9 parts": [`${seal.slice(0, -2)}*x~2`, "malformed"],
      "Fe26.1": [withPart(0, "Fe26.1"), "malformed"],
      "truncated": [seal.slice(0, 100), "malformed"],
      "not a seal": ["hello", "malformed"],
      "empty value": ["", "malformed"],
      "16 KiB of stars": ["*".repeat(16_384), null],
    };
    for (const [name, [value, reason]] of Object.entries(cases)) {
      const s = await load(`iron=${value}`, IRON());
      assert.equal(s.status, "invalid", `${name}: ${s.status}/${s.reason}`);
      if (reason) assert.equal(s.reason, reason, name);
      else assert.equal(typeof s.reason, "string", name);
      assert.deepEqual(s.toJSON(), {}, name);
      assert.deepEqual(await saveSession(s), [], `${name}: an empty new session writes nothing`);
    }
    // The peer itself throws on the 8-part wrong-prefix value: ours must not.
    await assert.rejects(unsealData("x*a*b*c*d*e*f*g", { password: PW }), /prefix/i);
  });

  test("the token-version suffix is read as iron-session reads it", async () => {
    // iron-session splits at "~" and parseInts the rest: "~2*x" and "~2~junk" are
    // version 2; no suffix (its version 1) keeps the data under `persistent`.
    const data = { a: 1 };
    const seal = await sealData(data, { password: PW, ttl: 60 });
    const bare = seal.slice(0, -2);
    const v1 = await sealData({ persistent: data }, { password: PW, ttl: 60 });
    for (const value of [seal, `${seal}*x`, `${seal}~junk`, `${bare}~2x`, bare, `${bare}~3`, v1.slice(0, -2)]) {
      const real = await unsealData(value, { password: PW });
      const s = await load(`iron=${value}`, IRON());
      assert.equal(s.status, "valid", `${value.slice(-8)}: ${s.reason}`);
      assert.deepEqual(s.toJSON(), real, `${value.slice(-8)}: as iron-session reads it`);
    }
  });

  // iron: a seal is expired when `expiration <= now - 60 s` (timestampSkewSec), in
  // milliseconds. unsealData is the reference at each instant (Date.now fixed).
  for (const [label, sealedAt] of [
    ["expiration on a whole second", 1_760_000_000_000],
    ["expiration with milliseconds", 1_760_000_000_123],
  ]) {
    test(`expiry follows iron's 60 s skew rule to the millisecond (${label})`, async () => {
      const data = { user: "ann" };
      const seal = await at(sealedAt, () => sealData(data, { password: PW, ttl: 60 }));
      const exp = Number(seal.split("*")[5]);
      assert.equal(exp, sealedAt + 60_000);
      for (const [offset, expired] of [
        [-1, false],
        [59_000, false],
        [59_999, false], // last valid instant
        [60_000, true], // first expired instant
        [60_001, true],
        [3_600_000, true],
      ]) {
        const now = exp + offset;
        const real = await at(now, () => unsealData(seal, { password: PW }));
        assert.deepEqual(real, expired ? {} : data, `iron-session at exp${offset >= 0 ? "+" : ""}${offset} ms`);
        const s = await load(`iron=${seal}`, IRON(PW, { now: () => now }));
        assert.equal(
          s.status,
          expired ? "expired" : "valid",
          `edge-session at exp${offset >= 0 ? "+" : ""}${offset} ms (iron-session: ${expired ? "expired" : "valid"})`,
        );
        if (expired) assert.equal(s.reason, "expired");
        assert.deepEqual(s.toJSON(), expired ? {} : data);
      }
    });
  }

  test("a seal without expiry (ttl 0) never expires", async () => {
    const seal = await sealData({ a: 1 }, { password: PW, ttl: 0 });
    assert.equal(seal.split("*")[5], "");
    const s = await load(`iron=${seal}`, IRON(PW, { now: () => Date.now() + 10 * 365 * 86_400_000 }));
    assert.equal(s.status, "valid", s.reason);
  });
});

describe("edge-session (format iron) → iron-session 8", () => {
  for (const [name, data] of Object.entries({ ...DATA, lone: { lone: "\ud800 \udfff" } })) {
    test(`unsealData opens our cookies with the same data: ${name}`, async () => {
      const s = await load("", IRON());
      for (const [k, v] of Object.entries(data)) s.set(k, v);
      const lines = await saveSession(s);
      if (name === "empty") {
        assert.deepEqual(lines, [], "an empty new session writes nothing");
        return;
      }
      assert.equal(lines.length, 1);
      const value = valueOf(lines[0]);
      assert.match(value, /^Fe26\.2\*1\*[0-9a-f]{64}\*[\w-]{22}\*[\w-]+\*\d+\*[0-9a-f]{64}\*[\w-]{43}~2$/);
      assert.deepEqual(await unsealData(value, { password: PW }), data);
      // And through getIronSession, as the app reads its cookie.
      const req = new Request("https://app.example/", { headers: { cookie: pair(lines[0]) } });
      const iron = await getIronSession(req, new Response(), { password: PW, cookieName: "iron" });
      assert.deepEqual({ ...iron }, data);
    });
  }

  test("the seal expires after maxAge; the cookie a minute earlier, as iron-session's", async () => {
    const now = 1_760_000_000_000;
    const s = await load("", IRON(PW, { maxAge: 3600, now: () => now }));
    s.set("user", "ann");
    const [line] = await saveSession(s);
    assert.equal(Number(valueOf(line).split("*")[5]), now + 3_600_000);
    assert.equal(attributes(line)["max-age"], "3540");
    assert.deepEqual(await at(now + 3_600_000 + 59_999, () => unsealData(valueOf(line), { password: PW })), { user: "ann" });
    assert.deepEqual(await at(now + 3_600_000 + 60_000, () => unsealData(valueOf(line), { password: PW })), {});
  });

  test("a changed session is re-sealed; a flash goes to `_flash`", async () => {
    const seal = await sealData({ n: 1 }, { password: PW, ttl: 3600 });
    const s = await load(`iron=${seal}`, IRON());
    s.set("n", 2);
    s.flash("notice", "Saved ✓");
    const [line] = await saveSession(s);
    assert.deepEqual(await unsealData(valueOf(line), { password: PW }), { n: 2, _flash: { notice: "Saved ✓" } });
  });

  test("destroy sends an expiring iron cookie", async () => {
    const seal = await sealData({ n: 1 }, { password: PW, ttl: 3600 });
    const s = await load(`iron=${seal}`, IRON());
    s.destroy();
    const [line] = await saveSession(s);
    assert.equal(pair(line), "iron=");
    assert.equal(attributes(line)["max-age"], "0");
  });
});

// ---------------------------------------------------------------------------------------
// React Router 7

const REMIX = (secrets = ["rr-secret-new"], extra = {}) => ({
  format: "remix",
  remix: { secrets },
  cookie: { name: "__session", secure: false },
  ...extra,
});
const storage = (secrets = ["rr-secret-new"]) =>
  createCookieSessionStorage({ cookie: { name: "__session", secrets, path: "/", sameSite: "lax" } });

/** A cookie from React Router's commitSession holding `data` and `flash`. */
async function rrCookie(data, flash = {}, secrets) {
  const st = storage(secrets);
  const session = await st.getSession();
  for (const [k, v] of Object.entries(data)) session.set(k, v);
  for (const [k, v] of Object.entries(flash)) session.flash(k, v);
  return st.commitSession(session);
}

describe("React Router 7 → edge-session (format remix)", () => {
  for (const [name, data] of Object.entries(DATA)) {
    test(`commitSession cookies load with the same data and flash: ${name}`, async () => {
      const line = await rrCookie(data, { notice: "Saved ✓", obj: { n: 1 } });
      assert.match(valueOf(line), /%3D|%2F|%2B|\./, "the value is URL-encoded as React Router sends it");
      const s = await load(pair(line), REMIX());
      assert.equal(s.status, "valid", s.reason);
      assert.deepEqual(s.toJSON(), data, "__flash_*__ members are not data");
      assert.equal(s.flash("notice"), "Saved ✓");
      assert.deepEqual(s.get("obj"), { n: 1 }, "get() reads a flash too");
      assert.equal(s.flash("notice"), undefined, "read once");
    });
  }

  test("URL-encoding: the encoded and the decoded forms both load", async () => {
    const line = await rrCookie(UNICODE);
    const raw = decodeURIComponent(valueOf(line));
    assert.notEqual(raw, valueOf(line));
    for (const value of [valueOf(line), raw]) {
      const s = await load(`__session=${value}`, REMIX());
      assert.equal(s.status, "valid", `${value.slice(0, 30)}: ${s.reason}`);
      assert.deepEqual(s.toJSON(), UNICODE);
    }
  });

  test("createCookie values (not only session storage) load", async () => {
    const cookie = createCookie("__session", { secrets: ["rr-secret-new"] });
    const line = await cookie.serialize(NESTED);
    const s = await load(pair(line), REMIX());
    assert.equal(s.status, "valid", s.reason);
    assert.deepEqual(s.toJSON(), NESTED);
  });

  test("rotation: signed with the old secret, second in the list; re-signed with the first at save", async () => {
    const line = await rrCookie(NESTED, { notice: "hi" }, ["rr-secret-old"]);
    const s = await load(pair(line), REMIX(["rr-secret-new", "rr-secret-old"]));
    assert.equal(s.status, "valid", s.reason);
    assert.deepEqual(s.toJSON(), NESTED);
    // Only read (the flash too is untouched), yet saved under the new secret.
    const lines = await saveSession(s);
    assert.equal(lines.length, 1, "a value signed with an old secret is re-signed even when unchanged");
    const fresh = await storage(["rr-secret-new"]).getSession(pair(lines[0]));
    assert.deepEqual(fresh.data, { ...NESTED, __flash_notice__: "hi" }, "React Router with only the new secret reads it");
    const old = await storage(["rr-secret-old"]).getSession(pair(lines[0]));
    assert.deepEqual(old.data, {}, "and with only the old one, it does not");
  });

  test("tampered or foreign values: status invalid with a reason, never a throw", async () => {
    const value = valueOf(await rrCookie({ user: "ann", admin: false }));
    const raw = decodeURIComponent(value);
    const [payload, sig] = [raw.slice(0, raw.lastIndexOf(".")), raw.slice(raw.lastIndexOf(".") + 1)];
    const forged = Buffer.from(JSON.stringify({ user: "ann", admin: true })).toString("base64");
    const cases = {
      "signature flipped": [`${payload}.${sig[0] === "A" ? "B" : "A"}${sig.slice(1)}`, "bad_signature"],
      "payload replaced": [`${encodeURIComponent(forged)}.${sig}`, "bad_signature"],
      "signature dropped": [encodeURIComponent(payload), "bad_signature"],
      "unsigned createCookie value": [valueOf(await createCookie("__session").serialize({ a: 1 })), "bad_signature"],
      "another app's secret": [valueOf(await rrCookie({ a: 1 }, {}, ["someone else"])), "bad_signature"],
      "bad percent-encoding": ["%E0%A4%A.abc", null],
      "a lone dot": [".", null],
      "empty value": ["", null],
    };
    for (const [name, [v, reason]] of Object.entries(cases)) {
      const s = await load(`__session=${v}`, REMIX());
      assert.equal(s.status, "invalid", `${name}: ${s.status}/${s.reason}`);
      if (reason) assert.equal(s.reason, reason, name);
      else assert.equal(typeof s.reason, "string", name);
      assert.deepEqual(s.toJSON(), {}, name);
    }
  });

  test("id-in-cookie storages (memory, KV, file) hold no session in the cookie: not_object", async () => {
    const { createMemorySessionStorage } = await import("react-router");
    const st = createMemorySessionStorage({ cookie: { name: "__session", secrets: ["rr-secret-new"] } });
    const session = await st.getSession();
    session.set("user", "ann");
    const line = await st.commitSession(session);
    const s = await load(pair(line), REMIX());
    assert.equal(s.status, "invalid");
    assert.equal(s.reason, "not_object", "the cookie holds a signed id string");
  });

  test("a signed value that is not an object is invalid / not_object", async () => {
    const cookie = createCookie("__session", { secrets: ["rr-secret-new"] });
    for (const v of [[1, 2], 5, "text", null, true]) {
      const s = await load(pair(await cookie.serialize(v)), REMIX());
      assert.equal(s.status, "invalid", JSON.stringify(v));
      assert.equal(s.reason, "not_object", JSON.stringify(v));
    }
  });
});

describe("edge-session (format remix) → React Router 7", () => {
  for (const [name, data] of Object.entries(DATA)) {
    test(`getSession reads our cookies with the same data and flash: ${name}`, async () => {
      const s = await load("", REMIX());
      for (const [k, v] of Object.entries(data)) s.set(k, v);
      s.flash("notice", "Saved ✓");
      const [line] = await saveSession(s);
      assert.match(valueOf(line), /^[A-Za-z0-9%._~!'()*-]+$/, "percent-encoded as encodeURIComponent would");
      const rr = await storage().getSession(pair(line));
      assert.equal(rr.get("notice"), "Saved ✓", "our flash is React Router's flash");
      assert.equal(rr.has("notice"), false, "read once there too");
      assert.deepEqual(rr.data, data);
      // The bare cookie parses to the same object.
      const parsed = await createCookie("__session", { secrets: ["rr-secret-new"] }).parse(pair(line));
      assert.deepEqual(parsed, { ...data, __flash_notice__: "Saved ✓" });
    });
  }

  test("React Router with the rotated list (new first, old second) reads ours", async () => {
    const s = await load("", REMIX(["rr-secret-new", "rr-secret-old"]));
    s.set("user", UNICODE.name);
    const [line] = await saveSession(s);
    const rr = await storage(["rr-secret-new", "rr-secret-old"]).getSession(pair(line));
    assert.deepEqual(rr.data, { user: UNICODE.name });
  });

  test("round trip: React Router → edge-session (changes) → React Router", async () => {
    const line = await rrCookie({ cart: [1] });
    const s = await load(pair(line), REMIX());
    s.get("cart").push(2);
    const [ours] = await saveSession(s);
    const rr = await storage().getSession(pair(ours));
    assert.deepEqual(rr.data, { cart: [1, 2] });
    rr.set("step", 3);
    const back = await load(pair(await storage().commitSession(rr)), REMIX());
    assert.deepEqual(back.toJSON(), { cart: [1, 2], step: 3 });
  });
});

// ---------------------------------------------------------------------------------------
// cookie-rs 0.18 (fixtures written by the real `cookie` crate)

function cookieRsOptions(c, extra = {}) {
  const key = c.key === "raw" ? { key: COOKIE_RS.keys.raw.key } : { masterKey: COOKIE_RS.keys.derived.masterKeyText };
  return { format: "cookie-rs", cookieRs: { ...key, jar: c.jar }, cookie: { name: c.cookieName, secure: false }, ...extra };
}

describe("cookie-rs fixtures → edge-session (format cookie-rs)", () => {
  test("the fixture file covers both jars and both kinds of key", () => {
    const kinds = new Set(COOKIE_RS.cases.map((c) => `${c.jar}/${c.key}/${c.expect === "valid" ? "valid" : "refused"}`));
    for (const jar of ["private", "signed"]) {
      for (const key of ["raw", "derived"]) {
        assert.ok(kinds.has(`${jar}/${key}/valid`), `${jar}/${key}`);
        assert.ok(kinds.has(`${jar}/${key}/refused`), `${jar}/${key}`);
      }
    }
  });

  for (const c of COOKIE_RS.cases) {
    test(`${c.name}: ${c.expect}`, async () => {
      // Both forms: Cookie::encoded() (what frameworks send) and the plain value.
      for (const value of new Set([c.encoded, c.value])) {
        const s = await load(`${c.cookieName}=${value}`, cookieRsOptions(c));
        if (c.expect === "valid") {
          assert.equal(s.status, "valid", `${value}: ${s.reason}`);
          assert.deepEqual(s.toJSON(), JSON.parse(c.plaintext));
        } else {
          assert.equal(s.status, "invalid", value);
          assert.equal(s.reason, c.expect, value);
          assert.deepEqual(s.toJSON(), {});
        }
      }
    });
  }

  test("a private value is bound to its key: the other key refuses it", async () => {
    const c = COOKIE_RS.cases.find((x) => x.jar === "private" && x.key === "raw" && x.expect === "valid");
    const s = await load(`${c.cookieName}=${c.encoded}`, cookieRsOptions({ ...c, key: "derived" }));
    assert.equal(s.status, "invalid");
    assert.equal(s.reason, "bad_tag");
  });

  for (const jar of ["private", "signed"]) {
    test(`${jar} jar: our cookies load back, with flash under _flash`, async () => {
      const c = { jar, key: "derived", cookieName: "session" };
      const s = await load("", cookieRsOptions(c));
      s.set("user", UNICODE);
      s.flash("notice", "hi");
      const [line] = await saveSession(s);
      if (jar === "signed") {
        const clear = decodeURIComponent(valueOf(line)).slice(44);
        assert.deepEqual(JSON.parse(clear), { user: UNICODE, _flash: { notice: "hi" } }, "the signed jar's value is the clear JSON");
      }
      const back = await load(pair(line), cookieRsOptions(c));
      assert.equal(back.status, "valid", back.reason);
      assert.deepEqual(back.toJSON(), { user: UNICODE });
      assert.equal(back.flash("notice"), "hi");
    });
  }
});

// ---------------------------------------------------------------------------------------
// Migration: options.legacy

const BEAKER_CASE = BEAKER.valid.find((c) => c.name === "signed_basic");
const COOKIE_RS_CASE = COOKIE_RS.cases.find((c) => c.name === "derived private ascii");

/** Native options with every legacy format, each under its own cookie name and path. */
const MIGRATE = (extra = {}) => ({
  secrets: [SECRET],
  legacy: [
    { format: "iron", cookie: { name: "iron", path: "/app" }, iron: { password: { 2: PW_NEW, 1: PW_OLD } } },
    { format: "remix", cookie: { name: "__session", domain: "app.example", secure: false }, remix: { secrets: ["rr-secret-new", "rr-secret-old"] } },
    {
      format: "cookie-rs",
      cookie: { name: COOKIE_RS_CASE.cookieName, httpOnly: false },
      cookieRs: { masterKey: COOKIE_RS.keys.derived.masterKeyText, jar: "private" },
    },
    { format: "beaker", cookie: { name: "beaker.session.id" }, beaker: { validateKey: BEAKER.keys.signed.validate_key } },
  ],
  ...extra,
});

/** Per legacy format: a real cookie of that format, what it holds, a tampered copy. */
const LEGACY = {
  iron: {
    name: "iron",
    path: "/app",
    async make() {
      const data = { user: "ann", ...NESTED };
      const value = await sealData(data, { password: { 1: PW_OLD }, ttl: 3600 });
      return { value, data, flash: {} };
    },
    tamper: (v) => v.replace(/\*([\w-])([\w-]{42})~2$/, (_, c, rest) => `*${c === "A" ? "B" : "A"}${rest}~2`),
  },
  remix: {
    name: "__session",
    path: "/",
    domain: "app.example",
    async make() {
      const data = { user: "bob", ...UNICODE };
      const line = await rrCookie(data, { notice: "moved" }, ["rr-secret-old"]);
      return { value: valueOf(line), data, flash: { notice: "moved" } };
    },
    tamper: (v) => `${v.slice(0, -3)}${v.endsWith("AAA") ? "BBB" : "AAA"}`,
  },
  "cookie-rs": {
    name: COOKIE_RS_CASE.cookieName,
    path: "/",
    async make() {
      return { value: COOKIE_RS_CASE.encoded, data: JSON.parse(COOKIE_RS_CASE.plaintext), flash: {} };
    },
    tamper: () => COOKIE_RS.cases.find((c) => c.name === "derived private tampered").encoded,
  },
  beaker: {
    name: "beaker.session.id",
    path: "/",
    async make() {
      return { value: BEAKER_CASE.cookie, data: JSON.parse(BEAKER_CASE.data), flash: {} };
    },
    tamper: (v) => `${v.slice(0, 10)}${v[10] === "0" ? "1" : "0"}${v.slice(11)}`,
  },
};

describe("migration: a legacy cookie becomes a native one", () => {
  for (const [format, legacy] of Object.entries(LEGACY)) {
    describe(`from ${format}`, () => {
      test("legacy cookie only: valid, migratedFrom, same data; save moves it; next load is native", async () => {
        const { value, data, flash } = await legacy.make();
        const s = await load(`${legacy.name}=${value}`, MIGRATE());
        assert.equal(s.status, "valid", s.reason);
        assert.equal(s.isNew, false);
        assert.equal(s.migratedFrom, format);
        assert.deepEqual(s.toJSON(), data);

        // A read-only request on a migrated session still writes: it must move.
        const lines = await saveSession(s);
        assert.equal(lines.length, 2, lines.join("\n"));
        const native = lineFor(lines, "__Host-session");
        assert.ok(native, `a native Set-Cookie: ${lines.join("\n")}`);
        assert.match(valueOf(native), /^[\w-]{40,}$/);
        const old = lineFor(lines, legacy.name);
        assert.ok(old, `an expiring ${legacy.name} Set-Cookie`);
        assert.equal(valueOf(old), "");
        const a = attributes(old);
        assert.equal(a["max-age"], "0");
        assert.equal(a.path, legacy.path, "the legacy cookie's own path");
        assert.equal(a.domain, legacy.domain, "the legacy cookie's own domain");

        // Next request: only the native cookie. Same data, no migratedFrom, no write.
        const next = await load(pair(native), MIGRATE());
        assert.equal(next.status, "valid", next.reason);
        assert.equal(next.migratedFrom, undefined);
        assert.deepEqual(next.toJSON(), data);
        for (const [k, v] of Object.entries(flash)) assert.deepEqual(next.flash(k), v, `flash ${k} carried over`);
        if (Object.keys(flash).length === 0) assert.deepEqual(await saveSession(next), [], "read-only: no Set-Cookie");
      });

      test("both cookies sent: the native one wins", async () => {
        const { value, data } = await legacy.make();
        const first = await load(`${legacy.name}=${value}`, MIGRATE());
        first.set("movedAt", 1);
        const native = lineFor(await saveSession(first), "__Host-session");
        for (const header of [`${legacy.name}=${value}; ${pair(native)}`, `${pair(native)}; ${legacy.name}=${value}`]) {
          const s = await load(header, MIGRATE());
          assert.equal(s.status, "valid", s.reason);
          assert.equal(s.migratedFrom, undefined, "read from the native cookie");
          assert.deepEqual(s.toJSON(), { ...data, movedAt: 1 });
          // Reading costs nothing; the next write also clears the leftover legacy cookie.
          assert.deepEqual(await saveSession(s), [], "read-only: no Set-Cookie");
          const again = await load(header, MIGRATE());
          again.set("movedAt", 2);
          const lines = await saveSession(again);
          assert.ok(lineFor(lines, "__Host-session"), lines.join("\n"));
          assert.equal(attributes(lineFor(lines, legacy.name))["max-age"], "0", "the leftover legacy cookie expires");
        }
      });

      test("an invalid native cookie falls back to the legacy one", async () => {
        const { value, data } = await legacy.make();
        const s = await load(`__Host-session=AQDwLNpBAGsJYggAaxvXCNWm68xn; ${legacy.name}=${value}`, MIGRATE());
        assert.equal(s.status, "valid", s.reason);
        assert.equal(s.migratedFrom, format);
        assert.deepEqual(s.toJSON(), data);
      });

      test("an invalid legacy cookie: a new session, nothing thrown, nothing written", async () => {
        const { value } = await legacy.make();
        const bad = legacy.tamper(value);
        assert.notEqual(bad, value);
        for (const v of [bad, "garbage", ""]) {
          const s = await load(`${legacy.name}=${v}`, MIGRATE());
          assert.equal(s.status, "new", `${v.slice(0, 30)}: ${s.status}/${s.reason}`);
          assert.equal(s.migratedFrom, undefined);
          assert.deepEqual(s.toJSON(), {});
          assert.deepEqual(await saveSession(s), []);
        }
      });
    });
  }

  test("legacy cookies are tried in order: the first that opens wins", async () => {
    const iron = await LEGACY.iron.make();
    const remix = await LEGACY.remix.make();
    const header = `__session=${remix.value}; iron=${iron.value}`;
    const s = await load(header, MIGRATE());
    assert.equal(s.migratedFrom, "iron", "iron is listed first");
    assert.deepEqual(s.toJSON(), iron.data);
    const t = await load(`__session=${remix.value}; iron=${LEGACY.iron.tamper(iron.value)}`, MIGRATE());
    assert.equal(t.migratedFrom, "remix", "a bad iron cookie: the next format is tried");
  });

  test("cookie-rs has no key rotation: two legacy entries for one cookie, one key each", async () => {
    const options = {
      secrets: [SECRET],
      legacy: [
        { format: "cookie-rs", cookie: { name: "session" }, cookieRs: { key: COOKIE_RS.keys.raw.key } },
        { format: "cookie-rs", cookie: { name: "session" }, cookieRs: { masterKey: COOKIE_RS.keys.derived.masterKeyText } },
      ],
    };
    for (const c of COOKIE_RS.cases.filter((x) => x.jar === "private" && x.expect === "valid" && x.cookieName === "session")) {
      const s = await load(`session=${c.encoded}`, options);
      assert.equal(s.migratedFrom, "cookie-rs", c.name);
      assert.deepEqual(s.toJSON(), JSON.parse(c.plaintext), c.name);
      const lines = await saveSession(s);
      assert.equal(lines.filter((l) => l.startsWith("session=")).length, 1, "one expiring line for the one cookie");
    }
  });

  test("an expired legacy iron seal is not migrated: a new session", async () => {
    const seal = await at(1_760_000_000_000, () => sealData({ a: 1 }, { password: { 1: PW_OLD }, ttl: 60 }));
    const s = await load(`iron=${seal}`, MIGRATE({ now: () => 1_760_000_000_000 + 3_600_000 }));
    assert.equal(s.status, "new");
    assert.equal(s.migratedFrom, undefined);
  });

  test("changes and flash made on the migrating request are kept", async () => {
    const { value } = await LEGACY.remix.make();
    const s = await load(`__session=${value}`, MIGRATE());
    assert.equal(s.flash("notice"), "moved", "the React Router flash is read once");
    s.set("step", 2);
    s.flash("welcome", "to the edge");
    const native = lineFor(await saveSession(s), "__Host-session");
    const next = await load(pair(native), MIGRATE());
    assert.equal(next.get("step"), 2);
    assert.equal(next.flash("notice"), undefined, "a consumed flash is gone");
    assert.equal(next.flash("welcome"), "to the edge");
  });

  test("destroy on a migrated session expires both cookies", async () => {
    const { value } = await LEGACY.iron.make();
    const s = await load(`iron=${value}`, MIGRATE());
    s.destroy();
    const lines = await saveSession(s);
    assert.equal(attributes(lineFor(lines, "__Host-session"))["max-age"], "0");
    assert.equal(attributes(lineFor(lines, "iron"))["max-age"], "0");
  });

  test("with a store: a migrated session too large for a cookie spills", async () => {
    const { memoryStore } = await import("../../pkg/formats/node.js");
    const store = memoryStore();
    const { value, data } = await LEGACY.iron.make();
    const s = await load(`iron=${value}`, MIGRATE({ store }));
    s.set("blob", "x".repeat(6000));
    const lines = await saveSession(s);
    assert.equal(store.map.size, 1);
    assert.equal(attributes(lineFor(lines, "iron"))["max-age"], "0");
    const next = await load(pair(lineFor(lines, "__Host-session")), MIGRATE({ store }));
    assert.equal(next.stored, true);
    assert.deepEqual(next.toJSON(), { ...data, blob: "x".repeat(6000) });
  });
});

// ---------------------------------------------------------------------------------------
// Option checks

describe("bad options throw SessionError invalid_option naming the option", () => {
  const NATIVE = { secrets: [SECRET] };
  const ironLegacy = (over = {}) => ({ format: "iron", cookie: { name: "iron" }, iron: { password: PW }, ...over });
  const cases = {
    "iron.password": [
      { format: "iron", iron: { password: "short" } },
      { format: "iron", iron: { password: { 1: "short" } } },
      { format: "iron", iron: {} },
      { format: "iron" },
    ],
    "remix.secrets": [{ format: "remix", remix: { secrets: [] } }, { format: "remix", remix: { secrets: [""] } }, { format: "remix" }],
    cookieRs: [{ format: "cookie-rs", cookieRs: {} }, { format: "cookie-rs" }, { format: "cookie-rs", cookieRs: { jar: "signed" } }],
    "cookieRs.jar": [{ format: "cookie-rs", cookieRs: { masterKey: "m".repeat(32), jar: "public" } }],
    "legacy[0].cookie.name": [
      { ...NATIVE, legacy: [ironLegacy({ cookie: {} })] },
      { ...NATIVE, legacy: [ironLegacy({ cookie: { name: "" } })] },
      { ...NATIVE, legacy: [ironLegacy({ cookie: { name: "__Host-session" } })] }, // the default native name
      { ...NATIVE, cookie: { name: "sid" }, legacy: [ironLegacy({ cookie: { name: "sid" } })] },
    ],
    "legacy[1].cookie.name": [{ ...NATIVE, cookie: { name: "sid" }, legacy: [ironLegacy(), ironLegacy({ cookie: { name: "sid" } })] }],
    "legacy[0].format": [
      { ...NATIVE, legacy: [{ format: "jwt", cookie: { name: "jwt" } }] },
      { ...NATIVE, legacy: [{ format: "native", cookie: { name: "old" } }] },
      { ...NATIVE, legacy: [{ cookie: { name: "old" } }] },
    ],
    "legacy[0].iron.password": [{ ...NATIVE, legacy: [ironLegacy({ iron: { password: "short" } })] }],
    "legacy[0].remix.secrets": [{ ...NATIVE, legacy: [{ format: "remix", cookie: { name: "__session" }, remix: { secrets: [] } }] }],
    "legacy[0].cookieRs": [{ ...NATIVE, legacy: [{ format: "cookie-rs", cookie: { name: "id" }, cookieRs: {} }] }],
    legacy: [{ ...NATIVE, legacy: ironLegacy() }],
  };
  for (const [option, list] of Object.entries(cases)) {
    test(option, async () => {
      for (const options of list) {
        const err = await loadSession("", options).then(
          () => assert.fail(`no throw for ${JSON.stringify(options)}`),
          (e) => e,
        );
        assert.ok(err instanceof SessionError, String(err));
        assert.equal(err.code, "invalid_option");
        assert.equal(err.option, option, `${JSON.stringify(options)} → ${err.message}`);
        assert.ok(err.message.startsWith(option), err.message);
      }
    });
  }

  test("short or malformed cookie-rs keys are refused", async () => {
    for (const cookieRs of [{ masterKey: "too short" }, { key: "AAAA" }, { key: "not base64 at all!" }]) {
      const err = await loadSession("", { format: "cookie-rs", cookieRs }).catch((e) => e);
      assert.ok(err instanceof SessionError, JSON.stringify(cookieRs));
      assert.equal(err.code, "invalid_option");
      assert.match(err.option, /^cookieRs/);
    }
  });

  test("valid options of each format do not throw", async () => {
    for (const options of [
      IRON(),
      IRON({ 2: PW_NEW, 1: PW_OLD }),
      REMIX(),
      cookieRsOptions({ key: "raw", jar: "signed", cookieName: "id" }),
      cookieRsOptions({ key: "derived", jar: "private", cookieName: "id" }),
      MIGRATE(),
    ]) {
      const s = await loadSession("", options);
      assert.equal(s.status, "new");
    }
  });
});
