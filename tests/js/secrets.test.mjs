// No output of the package carries key material: every error path
// (SessionError for every invalid option, failed saves, store errors), every
// reason, toJSON(), the inspected objects, the Set-Cookie lines and store
// blobs, and the CLI's output are searched for the secrets, for every
// substring of them of 8 characters or more, and for their HKDF subkeys in
// hex, base64 and base64url.
// Run: `node --test tests/js/secrets.test.mjs` after `make package`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import { loadSession, saveSession, memoryStore, optionsFromTurboGears, SessionError } from "../../pkg/formats/node.js";
import { subkeys } from "./native-format.mjs";

const SECRET = "S3cr3t-Kq7vXw9Lm2Pz8Rt5Yb4Nc6Hd1Fg0Ja-current";
const OLD = "Old-Zp4Wq8Xe2Rt6Yu1Io9Pa3Sd7Fg5Hj0Kl-previous";
const SHORT = "Sh0rt-Zq8Wx4Ce"; // under 32 bytes: refused, and must not be echoed either
const VALIDATE = "Bkr-Validate-Mn3Bv6Cx9Zl2Kj5Hg8Fd-key";
const ENCRYPT = "Bkr-Encrypt-Qw1Er4Ty7Ui0Op3As6Df-key";
const ALL = [SECRET, OLD, SHORT, VALIDATE, ENCRYPT];

/** Every 8-character-or-longer window of every secret, and its subkeys in three encodings. */
const needles = (() => {
  const out = new Set();
  const windows = (s) => {
    for (let i = 0; i + 8 <= s.length; i++) out.add(s.slice(i, i + 8));
  };
  for (const s of ALL) {
    windows(s);
    windows(Buffer.from(s).toString("hex"));
    windows(Buffer.from(s).toString("base64").replace(/=+$/, ""));
  }
  for (const s of [SECRET, OLD]) {
    const k = subkeys(s);
    for (const key of [k.sign, k.encrypt, k.storeEncrypt, k.storeId]) {
      for (const enc of ["hex", "base64", "base64url"]) windows(key.toString(enc).replace(/=+$/, ""));
    }
  }
  return [...out];
})();

const seen = [];
let checked = 0;

/** Searches `text` (and records it) for any needle. */
function clean(what, text) {
  const s = typeof text === "string" ? text : inspect(text, { depth: 6, showHidden: true, getters: true });
  checked++;
  seen.push(s);
  for (const n of needles) {
    if (s.includes(n)) assert.fail(`${what} contains secret material ${JSON.stringify(n)}: ${s.slice(0, 300)}`);
  }
}

/** Everything an error shows when logged, serialised or inspected. */
function cleanError(what, e) {
  assert.ok(e instanceof Error, `${what}: ${e}`);
  clean(`${what} message`, e.message);
  clean(`${what} String()`, String(e));
  clean(`${what} stack`, e.stack ?? "");
  clean(`${what} JSON`, JSON.stringify(e) ?? "");
  clean(`${what} inspect`, e);
  clean(`${what} own properties`, JSON.stringify(Object.entries(e)));
  if (e.cause) cleanError(`${what} cause`, e.cause);
}

async function rejects(what, fn, code) {
  let err;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `${what}: did not throw`);
  if (code) assert.equal(err.code, code, `${what}: ${err.message}`);
  cleanError(what, err);
  return err;
}

const base = { secrets: [SECRET, OLD] };

test("every invalid option: SessionError without key material", async () => {
  const invalid = {
    "options not an object": SECRET,
    "secrets empty": { secrets: [] },
    "secrets a number": { secrets: 42 },
    "a secret not a string": { secrets: [SECRET, 42] },
    "a secret too short": { secrets: [SHORT] },
    "an old secret too short": { secrets: [SECRET, SHORT] },
    "a secret repeated": { secrets: [SECRET, OLD, SECRET] },
    "a secret as an object": { secrets: [{ toString: () => SECRET }] },
    mode: { ...base, mode: SECRET },
    format: { ...base, format: SECRET },
    cookie: { ...base, cookie: SECRET },
    "cookie.secure": { ...base, cookie: { secure: SECRET } },
    "cookie.httpOnly": { ...base, cookie: { httpOnly: SECRET } },
    "cookie.sameSite": { ...base, cookie: { sameSite: SECRET } },
    "cookie.name type": { ...base, cookie: { name: 1 } },
    "cookie.name token": { ...base, cookie: { name: `a ${SECRET}` } },
    "cookie.name __Host- with a domain": { ...base, cookie: { name: "__Host-s", domain: "example.com" } },
    "cookie.name __Secure- without secure": { ...base, cookie: { name: "__Secure-s", secure: false } },
    "cookie.sameSite None without secure": { ...base, cookie: { name: "s", secure: false, sameSite: "None" } },
    "cookie.partitioned without secure": { ...base, cookie: { name: "s", secure: false, partitioned: true } },
    "cookie.domain": { ...base, cookie: { name: "s", domain: `${SECRET}!` } },
    "cookie.path": { ...base, cookie: { path: SECRET } },
    store: { ...base, store: { get: SECRET } },
    now: { ...base, now: SECRET },
    maxAge: { ...base, maxAge: 0 },
    "maxAge fraction": { ...base, maxAge: 1.5 },
    idleTimeout: { ...base, idleTimeout: -1 },
    touchAfter: { ...base, touchAfter: 10 ** 12 },
    rolling: { ...base, rolling: SECRET },
    inlineLimit: { ...base, inlineLimit: 10 },
    "inlineLimit fraction": { ...base, inlineLimit: 100.5 },
    "limits.maxBytes": { ...base, limits: { maxBytes: 1 } },
    "limits.maxDepth": { ...base, limits: { maxDepth: 1000 } },
    storeTimeout: { ...base, storeTimeout: -1 },
    storePrefix: { ...base, store: memoryStore(), storePrefix: `\u0000${SECRET}` },
    "storePrefix long": { ...base, store: memoryStore(), storePrefix: SECRET.repeat(10) },
    beaker: { format: "beaker" },
    "beaker.validateKey": { format: "beaker", beaker: { validateKey: "" } },
    "beaker.encryptKey": { format: "beaker", beaker: { validateKey: VALIDATE, encryptKey: "" } },
    "beaker.cryptoType": { format: "beaker", beaker: { validateKey: VALIDATE, encryptKey: ENCRYPT, cryptoType: VALIDATE } },
    "beaker.nonceBits": { format: "beaker", beaker: { validateKey: VALIDATE, encryptKey: ENCRYPT, nonceBits: 7 } },
    "beaker.timeout": { format: "beaker", beaker: { validateKey: VALIDATE, timeout: -5 } },
    "beaker with a store": { format: "beaker", beaker: { validateKey: VALIDATE }, store: memoryStore() },
  };
  for (const [what, options] of Object.entries(invalid)) {
    const e = await rejects(what, () => loadSession("", options), "invalid_option");
    assert.ok(e instanceof SessionError);
    assert.ok(e.option, `${what}: names the option`);
  }
  // optionsFromTurboGears echoes some settings in its messages: never the keys.
  const tg = {
    "session.type": { "session.type": "file", "session.validate_key": VALIDATE, "session.encrypt_key": ENCRYPT },
    "session.data_serializer": { "session.type": "cookie", "session.validate_key": VALIDATE, "session.encrypt_key": ENCRYPT },
    "session.validate_key": { "session.type": "cookie", "session.data_serializer": "json", "session.encrypt_key": ENCRYPT },
    "session.secure": { "session.data_serializer": "json", "session.validate_key": VALIDATE, "session.secure": VALIDATE },
    "session.timeout": { "session.data_serializer": "json", "session.validate_key": VALIDATE, "session.timeout": ENCRYPT },
  };
  for (const [what, settings] of Object.entries(tg)) {
    await rejects(what, () => optionsFromTurboGears(settings), "invalid_option");
  }
});

test("failed saves and store errors: no key material", async () => {
  // too_large without a store.
  let s = await loadSession("", base);
  s.set("big", "x".repeat(10_000));
  await rejects("too_large", () => saveSession(s), "too_large");
  // invalid_data: not JSON-serialisable, or too deep.
  s = await loadSession("", base);
  s.set("n", 10n);
  await rejects("invalid_data bigint", () => saveSession(s), "invalid_data");
  s = await loadSession("", base);
  const circular = {};
  circular.self = circular;
  s.set("c", circular);
  await rejects("invalid_data circular", () => saveSession(s), "invalid_data");
  s = await loadSession("", base);
  let deep = 0;
  for (let i = 0; i < 100; i++) deep = [deep];
  s.set("deep", deep);
  await rejects("invalid_data deep", () => saveSession(s), "invalid_data");
  // Bad targets and bad sessions.
  await rejects("bad target", () => saveSession(s, {}), "invalid_option");
  await rejects("not a session", () => saveSession({ secrets: [SECRET] }), "invalid_option");
  // store_failed: throw, reject, time out; the store's own error is kept as the cause.
  for (const fail of ["throw", "reject", "hang"]) {
    const store = {
      get: async () => null,
      put: () => {
        if (fail === "throw") throw new Error("disk full");
        if (fail === "reject") return Promise.reject(new TypeError("network down"));
        return new Promise(() => {});
      },
      delete: async () => {},
    };
    s = await loadSession("", { ...base, store, storeTimeout: 20 });
    s.set("big", "x".repeat(6000));
    await rejects(`store_failed ${fail}`, () => saveSession(s, new Headers()), "store_failed");
  }
});

test("reasons, statuses, toJSON and the session object: no key material", async () => {
  const store = memoryStore();
  const options = { ...base, store };
  const outputs = [];
  // A valid inline and a valid spilled session, in both modes.
  for (const mode of ["sealed", "signed"]) {
    for (const size of [10, 6000]) {
      const s = await loadSession("", { ...options, mode });
      s.set("pad", "p".repeat(size)).flash("notice", "hi");
      const lines = await saveSession(s);
      outputs.push(lines.join("\n"));
      const again = await loadSession(lines[0].split(";")[0], { ...options, mode });
      assert.equal(again.status, "valid");
      outputs.push(again);
      outputs.push(JSON.stringify(again));
      outputs.push(JSON.stringify(again.toJSON()));
    }
  }
  for (const [key, { value }] of store.map) outputs.push(key, value);
  // Every rejection reason.
  const other = await loadSession("", { secrets: ["x".repeat(40)] });
  other.set("n", 1);
  const [foreign] = await saveSession(other);
  const bad = [
    "__Host-session=garbage",
    "__Host-session=",
    `__Host-session=${"A".repeat(400_000)}`,
    foreign.split(";")[0],
    `__Host-session=${SECRET}`,
  ];
  for (const cookie of bad) {
    const s = await loadSession(cookie, options);
    assert.notEqual(s.status, "valid");
    outputs.push(s.status, s.reason, s.id, s, JSON.stringify(s));
  }
  for (const [i, o] of outputs.entries()) clean(`output ${i}`, o);
  // Destroy: the expiring cookie.
  const s = await loadSession("", options);
  s.set("a", 1);
  const [line] = await saveSession(s);
  const d = await loadSession(line.split(";")[0], options);
  d.destroy();
  clean("destroy", (await saveSession(d)).join("\n"));
});

test("the CLI never prints a secret, valid cookie or not", async () => {
  const cli = fileURLToPath(new URL("../../pkg/cli.js", import.meta.url));
  const s = await loadSession("", base);
  s.set("user", "ada");
  const [line] = await saveSession(s);
  const value = line.split(";")[0].split("=")[1];
  const runs = [
    ["inspect", value, "--secret", SECRET, "--secret", OLD],
    ["inspect", value, "--secret", OLD],
    ["inspect", value, "--secret", SHORT],
    ["inspect", "garbage", "--secret", SECRET],
    ["inspect", value, "--secret", SECRET, "--json"],
    ["inspect", value, "--secret", SECRET, "--unknown-flag"],
  ];
  for (const args of runs) {
    let out;
    try {
      out = execFileSync(process.execPath, [cli, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      out = `${e.stdout}\n${e.stderr}`;
    }
    clean(`cli ${args.join(" ").slice(0, 60)}`, out);
  }
});

test("summary", (t) => {
  assert.ok(checked > 300, `${checked} outputs searched`);
  t.diagnostic(`${checked} outputs searched for ${needles.length} secret substrings`);
  assert.ok(seen.every((s) => typeof s === "string"));
});
