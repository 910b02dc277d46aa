// Interop with the real peers: iron-session 8 and React Router 7 (from tests/node_modules).
// A tool, not a test file (node --test does not pick it up by name).
//
//   node tests/js/interop-fixtures.mjs fixtures
//       writes tests/vectors/iron.json and tests/vectors/remix.json: values the real
//       libraries produced, with what the libraries themselves read back from them.
//   node tests/js/interop-fixtures.mjs verify-iron FILE
//   node tests/js/interop-fixtures.mjs verify-remix FILE
//       FILE holds values edge-session wrote (tests/interop_iron.rs and
//       tests/interop_remix.rs write them under target/interop/); prints, as JSON, what
//       the real library makes of each one, and exits 1 when one disagrees.
//
// Determinism: iron-session takes its clock from Date.now() and its salts and IV from
// crypto.getRandomValues (through uncrypto, which calls node:crypto's webcrypto on each
// use); both are replaced while a fixture is made, so each seal can be reproduced
// byte for byte from the salts recorded next to it.

import nodeCrypto from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";

import { sealData, unsealData } from "iron-session";
import { seal as ironSeal, defaults as ironDefaults } from "iron-webcrypto";
import { createCookie, createCookieSessionStorage } from "react-router";

const HERE = dirname(fileURLToPath(import.meta.url));
const VECTORS = join(HERE, "..", "vectors");
const readJson = (p) => JSON.parse(readFileSync(p, "utf8"));
const realNow = Date.now;
const realRandom = nodeCrypto.webcrypto.getRandomValues;

function version(pkg) {
  return readJson(join(HERE, "..", "node_modules", pkg, "package.json")).version;
}

/** Runs `fn` with Date.now() fixed at `now` (and restores it, even on a throw). */
async function at(now, fn) {
  Date.now = () => now;
  try {
    return await fn();
  } finally {
    Date.now = realNow;
  }
}

/** Runs `fn` with getRandomValues replaced by a counter from `seed`; returns [result, bytes drawn]. */
async function withBytes(seed, fn) {
  const drawn = [];
  let n = seed;
  nodeCrypto.webcrypto.getRandomValues = (array) => {
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (n = (n * 73 + 41) & 0xff);
    drawn.push(Buffer.from(bytes).toString("hex"));
    return array;
  };
  try {
    return [await fn(), drawn];
  } finally {
    nodeCrypto.webcrypto.getRandomValues = realRandom;
  }
}

// ---------------------------------------------------------------------------------------
// Shared data

const NOW = 1_760_000_000_000; // 2025-10-09T08:53:20Z
const UNICODE = {
  name: "Zoë Ångström",
  astral: "😀🎉𝄞 — U+1F600, U+1F389, U+1D11E",
  cjk: "日本語のテキスト",
  rtl: "שלום עולם",
  combining: "e\u0301 n\u0303",
  escapes: "quote \" backslash \\ slash / tab \t nl \n nul \u0000 del \u007f",
  lineSep: "\u2028\u2029",
  lone: "\ud800 \udfff", // JSON.stringify writes these as \ud800 and \udfff
  "ключ 🔑": "a non-ASCII key",
};
const NESTED = {
  user: { id: 42, roles: ["admin", "ops"], profile: { tz: "Europe/Paris", prefs: { dark: true } } },
  cart: [{ sku: "A-1", qty: 2, price: 19.99 }, { sku: "B-2", qty: 1, price: 0.5 }],
  flags: [true, false, null],
  deep: { a: { b: { c: { d: { e: { f: [[[[["bottom"]]]]] } } } } } },
  numbers: [0, -1, 1.5, 9007199254740991, -0.25, 1e-7],
  empty: { obj: {}, arr: [], str: "" },
};

// ---------------------------------------------------------------------------------------
// iron-session

const PW_OLD = "iron password #1 (old) — at least 32 characters";
const PW_NEW = "iron password #2 (new) — at least 32 characters";
const PW_OTHER = "a password from another app, 32+ characters long";
const PW_UNICODE = "mot de passe très secret: 🔑🔑🔑 ключ 32+";

/** iron-session's own reading of `value`, with the clock at `now`. */
async function ironRead(value, password, now) {
  return at(now, async () => {
    try {
      return { data: await unsealData(value, { password }) };
    } catch (e) {
      return { throws: String(e && e.message) };
    }
  });
}

function tamper(value, index) {
  const c = value[index];
  const swapped = c === "A" ? "B" : "A";
  return value.slice(0, index) + swapped + value.slice(index + 1);
}

async function ironFixtures() {
  const cases = [];
  let seed = 1;
  // Seals `data` as iron-session does, at NOW, with counter bytes for salts and IV.
  async function seal(name, data, password, ttl, extra = {}) {
    const [value, drawn] = await withBytes(seed++, () =>
      at(NOW, () => sealData(data, { password, ttl })),
    );
    const c = {
      name,
      passwords: password,
      sealedWith: password,
      sealedAtMs: NOW,
      ttl,
      salts: { encSalt: drawn[0], iv: drawn[1], macSalt: drawn[2] },
      json: JSON.stringify(data),
      value,
      expect: "valid",
      ...extra,
    };
    cases.push(c);
    return c;
  }
  // A variant of `c` (a new value or passwords): not reproducible from its salts.
  function variant(c, name, changes) {
    const v = { ...c, name, ...changes };
    if (changes.value !== undefined) delete v.salts;
    cases.push(v);
    return v;
  }

  await seal("ascii, string password, no expiry", { user: "alice", n: 1 }, PW_NEW, 0);
  await seal("empty session", {}, PW_NEW, 0);
  await seal("unicode incl. astral and lone surrogates", UNICODE, PW_NEW, 0);
  await seal("nested data", NESTED, PW_NEW, 0);
  await seal("unicode password", { ok: true }, PW_UNICODE, 0);
  await seal("default ttl (14 days)", { user: "bob" }, PW_NEW, 14 * 24 * 3600);
  await seal("password map: sealed with the highest id", { user: "carol" }, { 1: PW_OLD, 2: PW_NEW }, 0);
  const old = await seal("rotation: sealed before id 2 existed", { user: "dave" }, { 1: PW_OLD }, 0);
  variant(old, "rotation: old seal read with the new map", { passwords: { 1: PW_OLD, 2: PW_NEW }, stale: true });
  await seal("unknown password id", { user: "eve" }, { 3: PW_OTHER }, 0, {
    readWith: { 1: PW_OLD, 2: PW_NEW },
    expect: "unknown_password",
  });
  await seal("right id, wrong password", { user: "eve" }, { 2: PW_OTHER }, 0, {
    readWith: { 2: PW_NEW },
    expect: "bad_mac",
  });
  const short = await seal("expiry: 10 s ttl", { user: "frank" }, PW_NEW, 10);
  const exp = NOW + 10_000;
  variant(short, "expiry: within the 60 s skew", { readAtMs: exp + 59_999 });
  variant(short, "expiry: expired (exp <= now - 60 s)", { readAtMs: exp + 60_000, expect: "expired" });
  const base = await seal("tamper base", { user: "mallory", admin: false }, PW_NEW, 0);
  const parts = base.value.split("*");
  const ctAt = parts.slice(0, 4).join("*").length + 1 + 5;
  const macAt = base.value.length - 2 - 5;
  variant(base, "tampered ciphertext", { value: tamper(base.value, ctAt), expect: "bad_mac" });
  variant(base, "tampered mac", { value: tamper(base.value, macAt), expect: "bad_mac" });
  variant(base, "tampered id", {
    value: base.value.replace("Fe26.2*1*", "Fe26.2*2*"),
    passwords: { 1: PW_NEW, 2: PW_NEW },
    expect: "bad_mac",
  });
  variant(base, "seven parts", { value: parts.slice(0, 7).join("*") + "~2", expect: "malformed" });
  variant(base, "wrong prefix (iron-session throws)", {
    value: ["Fe26.1", ...parts.slice(1)].join("*"),
    expect: "malformed",
  });
  variant(base, "garbage", { value: "not a seal at all", expect: "malformed" });
  // iron-session 6/7 tokens: no "~2", and the session under "persistent".
  const v1 = await seal("version 1 token (no ~2): the session is .persistent", { persistent: { user: "grace" }, other: 1 }, PW_NEW, 0, {
    session: JSON.stringify({ user: "grace" }),
  });
  v1.value = v1.value.slice(0, -2);
  // @hapi/iron style: iron's seal with a bare string password (empty id), no suffix.
  const [hapi, hapiDrawn] = await withBytes(seed++, () =>
    at(NOW, () => ironSeal(nodeCrypto.webcrypto, { user: "heidi" }, PW_NEW, { ...ironDefaults, ttl: 0 })),
  );
  cases.push({
    name: "@hapi/iron-style seal (empty id, no suffix), read raw",
    passwords: PW_NEW,
    sealedWith: PW_NEW,
    sealedAtMs: NOW,
    ttl: 0,
    salts: { encSalt: hapiDrawn[0], iv: hapiDrawn[1], macSalt: hapiDrawn[2] },
    json: JSON.stringify({ user: "heidi" }),
    value: hapi,
    expect: "valid",
    raw: true,
  });

  for (const c of cases) {
    if (c.readWith) {
      c.passwords = c.readWith;
      delete c.readWith;
    }
    c.readAtMs ??= NOW + 1000;
    c.stale ??= false;
    if (c.expect === "valid" && !c.raw) c.session ??= c.json;
    // What iron-session's unsealData makes of it: the session, or {} (or a throw).
    const read = await ironRead(c.value, c.passwords, c.readAtMs);
    const agrees = c.raw
      ? true
      : c.expect === "valid"
        ? isDeepStrictEqual(read.data, JSON.parse(c.session))
        : "throws" in read || isDeepStrictEqual(read.data, {});
    if (!agrees) throw new Error(`iron-session disagrees on ${c.name}: ${JSON.stringify(read)}`);
    // As JSON text: the data may hold lone surrogates, which many JSON parsers refuse.
    c.ironSession = "throws" in read ? { throws: read.throws } : { data: JSON.stringify(read.data) };
  }
  return {
    generator: "tests/js/interop-fixtures.mjs fixtures",
    versions: { "iron-session": version("iron-session"), "iron-webcrypto": version("iron-webcrypto"), node: process.version },
    notes: [
      "passwords: a string (iron-session's password) or an {id: password} map, to read the value with; sealedWith: the ones that sealed it",
      "value: the cookie value iron-session wrote (salts drawn from a counter, clock fixed at sealedAtMs, ttl in seconds)",
      "salts: hex bytes drawn for the encryption salt, the IV and the MAC salt, in that order (absent when the value was edited)",
      "json: JSON.stringify of the data that was sealed; session: the session edge-session must load from it",
      "readAtMs: the clock to read the value with; ironSession: what iron-session's unsealData returned then (data as JSON text)",
      "expect: 'valid' or edge-session's reason; stale: opened with a password that no longer seals",
      "raw: a bare Fe26.2 seal (@hapi/iron), read as is rather than with iron-session's rules",
    ],
    nowMs: NOW,
    cases,
  };
}

async function verifyIron(file) {
  const input = readJson(file);
  const results = [];
  for (const c of input.cases) {
    const read = await ironRead(c.value, c.passwords, c.readAtMs);
    const want = c.expect === "valid" ? JSON.parse(c.json) : {};
    const ok = "data" in read && isDeepStrictEqual(read.data, want);
    results.push({ name: c.name, ok, read: JSON.stringify(read) });
  }
  return results;
}

// ---------------------------------------------------------------------------------------
// React Router

const SECRETS = ["s3cret-new", "s3cret-old"];

function cookieValue(setCookie, name) {
  const first = setCookie.split(";")[0];
  if (!first.startsWith(name + "=")) throw new Error(`unexpected Set-Cookie ${setCookie}`);
  return first.slice(name.length + 1);
}

/** React Router's own reading of `value` as a cookie session. */
async function remixRead(name, secrets, value) {
  const storage = createCookieSessionStorage({ cookie: { name, secrets } });
  const session = await storage.getSession(`${name}=${value}`);
  const parsed = await createCookie(name, { secrets }).parse(`${name}=${value}`);
  return { data: session.data, parsed };
}

async function remixCommit(name, secrets, data, options) {
  const storage = createCookieSessionStorage({ cookie: { name, secrets, httpOnly: true } });
  const session = await storage.getSession();
  for (const [k, v] of Object.entries(data)) session.set(k, v);
  return storage.commitSession(session, options);
}

async function remixFixtures() {
  const cases = [];
  async function commit(name, data, secrets, extra = {}, options) {
    const setCookie = await remixCommit("__session", secrets, data, options);
    const c = {
      name,
      cookieName: "__session",
      secrets,
      signedWith: secrets[0],
      json: JSON.stringify(data),
      value: cookieValue(setCookie, "__session"),
      setCookie,
      ...extra,
    };
    cases.push(c);
    return c;
  }

  await commit("ascii", { userId: "alice", n: 1 }, SECRETS);
  await commit("empty session", {}, SECRETS);
  await commit("unicode incl. astral and lone surrogates", UNICODE, SECRETS);
  await commit("nested data", NESTED, SECRETS);
  await commit("unicode secret", { ok: true }, ["sécret-ключ-🔑"]);
  // A flash value, as session.flash("msg", "hi") stores it.
  {
    const storage = createCookieSessionStorage({ cookie: { name: "__session", secrets: SECRETS } });
    const session = await storage.getSession();
    session.set("userId", "alice");
    session.flash("msg", "hi");
    const setCookie = await storage.commitSession(session);
    cases.push({
      name: "flash (__flash_msg__)",
      cookieName: "__session",
      secrets: SECRETS,
      signedWith: SECRETS[0],
      json: JSON.stringify(session.data),
      value: cookieValue(setCookie, "__session"),
      setCookie,
    });
  }
  await commit("maxAge is only an attribute (no expiry inside the value)", { user: "max" }, SECRETS, {}, { maxAge: 1 });
  const old = await commit("rotation: signed with the old secret", { user: "dave" }, ["s3cret-old"]);
  old.secrets = SECRETS;
  old.secretIndex = 1;
  const other = await commit("unknown secret", { user: "eve" }, ["another app's secret"]);
  other.secrets = SECRETS;
  const base = await commit("tamper base", { user: "mallory", admin: false }, SECRETS);
  const dot = base.value.lastIndexOf(".");
  cases.push({ ...base, name: "tampered payload", value: tamper(base.value, 3) });
  cases.push({ ...base, name: "tampered signature", value: tamper(base.value, dot + 3) });
  cases.push({ ...base, name: "no signature", value: base.value.slice(0, dot) });
  cases.push({ ...base, name: "garbage", value: "not%20a%20cookie" });
  // Not URL-encoded (a hand-written header): React Router reads it the same.
  cases.push({ ...base, name: "raw, not URL-encoded", value: decodeURIComponent(base.value) });
  // A createCookie value that is not an object: a valid signature, not a session.
  {
    const cookie = createCookie("__session", { secrets: SECRETS });
    const setCookie = await cookie.serialize("just a string");
    cases.push({
      name: "signed string, not an object",
      cookieName: "__session",
      secrets: SECRETS,
      signedWith: SECRETS[0],
      json: JSON.stringify("just a string"),
      value: cookieValue(setCookie, "__session"),
      setCookie,
      expect: "not_object",
    });
  }

  for (const c of cases) {
    const read = await remixRead(c.cookieName, c.secrets, c.value);
    // As JSON text: the data may hold lone surrogates, which many JSON parsers refuse.
    c.reactRouter = { data: JSON.stringify(read.data), parsed: JSON.stringify(read.parsed) };
    c.secretIndex ??= 0;
    if (!c.expect) {
      const bad = c.name.startsWith("tampered") || ["no signature", "unknown secret", "garbage"].includes(c.name);
      c.expect = bad ? "bad_signature" : "valid";
    }
    const agrees = c.expect === "valid" ? isDeepStrictEqual(read.data, JSON.parse(c.json)) : c.expect === "not_object" || isDeepStrictEqual(read.data, {});
    if (!agrees) throw new Error(`React Router disagrees on ${c.name}: ${c.reactRouter.data}`);
    if (c.expect !== "valid") delete c.secretIndex;
  }
  return {
    generator: "tests/js/interop-fixtures.mjs fixtures",
    versions: { "react-router": version("react-router"), node: process.version },
    notes: [
      "value: the cookie value as createCookieSessionStorage's commitSession wrote it (URL-encoded)",
      "json: JSON.stringify of the session data; the value is base64 of exactly this text, then . and the signature",
      "signedWith: the secret that signed it; secrets: the list to read it with; secretIndex: which one verifies",
      "reactRouter: what React Router's getSession (data) and createCookie().parse (parsed) return for it, as JSON text",
      "expect: 'valid' or edge-session's reason",
    ],
    cases,
  };
}

async function verifyRemix(file) {
  const input = readJson(file);
  const results = [];
  for (const c of input.cases) {
    const read = await remixRead(c.cookieName, c.secrets, c.value);
    let ok = isDeepStrictEqual(read.data, JSON.parse(c.json));
    // Byte for byte: React Router's own commit of the same data, when its JSON.stringify
    // gives back the same text (key order and number spelling can differ).
    const data = JSON.parse(c.json);
    let sameBytes = null;
    if (JSON.stringify(data) === c.json) {
      const setCookie = await remixCommit(c.cookieName, [c.signedWith ?? c.secrets[0]], data);
      sameBytes = cookieValue(setCookie, c.cookieName) === c.value;
      ok &&= sameBytes;
    }
    results.push({ name: c.name, ok, sameBytes, read: JSON.stringify(read.data) });
  }
  return results;
}

// ---------------------------------------------------------------------------------------

const [cmd, file] = process.argv.slice(2);
if (cmd === "fixtures") {
  const iron = await ironFixtures();
  writeFileSync(join(VECTORS, "iron.json"), JSON.stringify(iron, null, 1) + "\n");
  const remix = await remixFixtures();
  writeFileSync(join(VECTORS, "remix.json"), JSON.stringify(remix, null, 1) + "\n");
  console.log(`wrote ${iron.cases.length} iron and ${remix.cases.length} remix fixtures to ${VECTORS}`);
} else if (cmd === "verify-iron" || cmd === "verify-remix") {
  const results = cmd === "verify-iron" ? await verifyIron(file) : await verifyRemix(file);
  console.log(JSON.stringify({ results }));
  process.exitCode = results.every((r) => r.ok) ? 0 : 1;
} else {
  console.error("usage: interop-fixtures.mjs fixtures | verify-iron FILE | verify-remix FILE");
  process.exitCode = 2;
}
