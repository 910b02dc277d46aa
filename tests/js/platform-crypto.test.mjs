// Bulk crypto on the platform (js/crypto.js): the core frames every value and
// hands AES-256-GCM and HMAC-SHA256 to node:crypto (the Node entry), WebCrypto
// (workerd, Deno, browsers) or, with no platform crypto, its own software.
// Proves, in Node, for each of the three:
//   - every vector in tests/vectors/native.json opens (or is refused) alike;
//   - an adapter's seal of a vector's job gives the vector's bytes;
//   - what one path writes, inline or spilled, sealed or signed, the others read;
//   - keys are imported once per key ring, not per request.
// workerd, Deno and Chromium run the same vectors in their own suites.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as nodeCryptoModule from "node:crypto";

import { loadSession, memoryStore, saveSession } from "../../pkg/node.js";
import { internal } from "../../pkg/internal.js";
import { joiner, nodeCrypto, takeJobs, webCrypto } from "../../pkg/crypto.js";
import { Codec } from "../../pkg/edge_session.js";


const VECTORS = JSON.parse(readFileSync(new URL("../vectors/native.json", import.meta.url), "utf8")).vectors;

const PATHS = {
  "node:crypto": () => nodeCrypto(nodeCryptoModule),
  WebCrypto: () => webCrypto(),
  "wasm software": () => null,
};

// Each path gets its own codecs: the adapter is bound when a codec is built,
// and codecs are cached by options, so a per-path decoder depth (which changes
// nothing on the wire) keeps them apart.
const DEPTH = { "node:crypto": 61, WebCrypto: 62, "wasm software": 63 };
async function withPath(name, fn) {
  const before = internal.crypto;
  internal.crypto = PATHS[name]();
  try {
    return await fn();
  } finally {
    internal.crypto = before;
  }
}

function vectorOptions(v, path) {
  return {
    secrets: v.secrets,
    mode: v.mode,
    cookie: { name: v.open_name },
    now: () => v.now * 1000,
    limits: { maxDepth: DEPTH[path] },
  };
}

async function openVector(v, path) {
  return withPath(path, async () => {
    const s = await loadSession(`${v.open_name}=${v.value}`, vectorOptions(v, path));
    return { status: s.status, reason: s.reason ?? null, data: s.toJSON() };
  });
}

describe("every native vector, on every path", () => {
  // loadSession opens cookies (purpose "cookie") holding session documents.
  for (const v of VECTORS.filter((x) => x.kind === "session" && x.purpose === "cookie")) {
    test(v.name, async () => {
      const results = {};
      for (const path of Object.keys(PATHS)) results[path] = await openVector(v, path);
      if (v.expect.ok && JSON.parse(v.payload).d) {
        assert.equal(results["node:crypto"].status, "valid");
        assert.deepEqual(results["node:crypto"].data, JSON.parse(v.payload).d);
      } else if (v.expect.error) {
        assert.equal(results["node:crypto"].reason, v.expect.error);
      }
      assert.deepEqual(results.WebCrypto, results["node:crypto"]);
      assert.deepEqual(results["wasm software"], results["node:crypto"]);
    });
  }
});

// A vector's seal job as the core hands it out (src/deferred.rs): the same
// prefix, AAD and payload; the adapter's output then completes the value.
function jobOf(v) {
  const raw = Buffer.from(v.value, "base64url");
  const header = raw.subarray(0, 16);
  const name = Buffer.from(v.cookie_name);
  const purpose = Buffer.from(v.purpose);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(name.length);
  const aad = Buffer.concat([header, Buffer.from([purpose.length]), purpose, len, name]);
  const nonce = Buffer.from(v.nonce, "hex");
  return { prefix: Buffer.concat([header, nonce]), aad, nonce, data: Buffer.from(v.payload) };
}

describe("an adapter's seal gives the vector's bytes", () => {
  // HMAC stays in wasm: the platform seals the AES-GCM vectors.
  const good = VECTORS.filter((v) => v.expect.ok && v.kind === "session" && v.mode === "sealed");
  for (const path of ["node:crypto", "WebCrypto"]) {
    test(path, async () => {
      const adapter = PATHS[path]();
      assert.ok(good.length >= 3);
      for (const v of good) {
        const codec = new Codec(JSON.stringify({ secrets: v.secrets_sealed_with }));
        const keys = await adapter.importKeys(codec.subkeys());
        assert.equal(keys.length, 2 * v.secrets_sealed_with.length, "two AES-GCM subkeys per secret, no sign subkey");
        const { prefix, aad, nonce, data } = jobOf(v);
        const [a, b] = await adapter.seal(keys[0], nonce, aad, data);
        assert.equal(codec.join(prefix, a, b ?? new Uint8Array(0)), v.value, `${path}: ${v.name}`);
        assert.equal(joiner(codec)(prefix, a, b ?? new Uint8Array(0)), v.value, `${path}, Buffer's base64: ${v.name}`);
        codec.free();
      }
    });
  }
});

test("a sealed value joined on the platform's base64 is the core's join, whatever the lengths", () => {
  const codec = new Codec(JSON.stringify({ secrets: ["join test secret, at least 32 bytes!!"] }));
  const platform = joiner(codec);
  const core = joiner(codec, null);
  // Node 20 has no Uint8Array.prototype.toBase64: its result, spelled out
  // with btoa (workerd's own is checked in vectors-worker.js).
  const spelled = joiner(codec, (raw) => btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
  const bytes = (n) => new Uint8Array(nodeCryptoModule.randomBytes(n));
  for (const [p, a, b] of [[28, 0, 0], [28, 1, 0], [28, 2, 16], [0, 0, 0], [28, 1000, 16], [28, 65_536, 0], [3, 4, 5]]) {
    const parts = [bytes(p), bytes(a), bytes(b)];
    const want = codec.join(...parts);
    assert.equal(core(...parts), want);
    assert.equal(platform(...parts), want, `Buffer: ${[p, a, b]}`);
    if (a < 60_000) assert.equal(spelled(...parts), want, `btoa: ${[p, a, b]}`);
  }
  codec.free();
});

describe("what one path writes, the others read", () => {
  const secrets = ["platform crypto test secret, 32+ bytes long"];
  const big = "x".repeat(20_000);
  for (const mode of ["sealed", "signed"]) {
    for (const writer of Object.keys(PATHS)) {
      test(`${mode}, written by ${writer}`, async () => {
        const store = memoryStore();
        const named = (path) => ({ secrets, mode, store, cookie: { name: "c" }, limits: { maxDepth: DEPTH[path] } });
        const cookies = await withPath(writer, async () => {
          const s = await loadSession("", named(writer));
          s.set("small", 1);
          const [inline] = await saveSession(s);
          s.set("big", big);
          const [spilled] = await saveSession(s);
          return [inline, spilled].map((c) => c.split(";")[0]);
        });
        for (const reader of Object.keys(PATHS)) {
          await withPath(reader, async () => {
            const inline = await loadSession(cookies[0], named(reader));
            assert.equal(inline.status, "valid", `${reader} reads ${writer}'s inline cookie`);
            assert.equal(inline.get("small"), 1);
            const spilled = await loadSession(cookies[1], named(reader));
            assert.equal(spilled.status, "valid", `${reader} reads ${writer}'s spilled session`);
            assert.equal(spilled.stored, true);
            assert.equal(spilled.get("big"), big);
          });
        }
      });
    }
  }
});

test("keys are imported once per key ring, not per request", async () => {
  let imports = 0;
  const counting = () => {
    const inner = nodeCrypto(nodeCryptoModule);
    return { ...inner, importKeys: (raw) => (imports++, inner.importKeys(raw)) };
  };
  const before = internal.crypto;
  internal.crypto = counting();
  try {
    const options = { secrets: ["import-count secret, at least 32 bytes"], cookie: { name: "imports" } };
    let cookie = "";
    for (let i = 0; i < 20; i++) {
      const s = await loadSession(cookie, options);
      s.set("n", i);
      cookie = (await saveSession(s))[0].split(";")[0];
    }
    assert.equal(imports, 1);
  } finally {
    internal.crypto = before;
  }
});

test("workerd: the vectors open alike on its WebCrypto, and sessions round-trip through KV", async () => {
  const { testWorker } = await import("./bundle.mjs");
  const vectors = VECTORS.filter((x) => x.kind === "session" && x.purpose === "cookie");
  const mf = await testWorker("vectors-worker.js", { bindings: { SESSION_SECRET: "workerd platform crypto secret, 32+ bytes" } });
  try {
    const res = await mf.dispatchFetch("http://localhost/", { method: "POST", body: JSON.stringify(vectors) });
    const { platform, opened, trips, joins, toBase64 } = await res.json();
    assert.equal(platform, "WebCrypto");
    assert.ok(toBase64, "workerd joins sealed values on Uint8Array.prototype.toBase64");
    assert.deepEqual(joins, [true, true, true, true, true, true]);
    for (const [i, v] of vectors.entries()) {
      assert.deepEqual(opened[i], await openVector(v, "node:crypto"), v.name);
    }
    assert.deepEqual(trips, [
      ["valid", 1, "valid", true, 20_000],
      ["valid", 1, "valid", true, 20_000],
    ]);
  } finally {
    await mf.dispose();
  }
});

test("plaintext from another realm (jsdom under Vitest: Buffer is not its Uint8Array) is still read", async () => {
  const vm = await import("node:vm");
  const foreign = vm.runInNewContext("(b) => { const u = new Uint8Array(b.length); u.set(b); return u; }");
  const inner = nodeCrypto(nodeCryptoModule);
  const before = internal.crypto;
  internal.crypto = {
    ...inner,
    open: (...args) => {
      const out = inner.open(...args);
      return out instanceof Uint8Array ? foreign(out) : out;
    },
  };
  try {
    const options = { secrets: ["another realm test secret, 32+ bytes"], cookie: { name: "realm" } };
    const s = await loadSession("", options);
    s.set("n", 1);
    const [line] = await saveSession(s);
    const again = await loadSession(line.split(";")[0], options);
    assert.equal(again.status, "valid");
    assert.equal(again.get("n"), 1);
  } finally {
    internal.crypto = before;
  }
});

test("an answer is checked against its job: another value's plaintext never loads", async () => {
  const options = { secrets: ["stray answer test secret, 32+ bytes!!"], cookie: { name: "stray" } };
  const cookieOf = async (data) => {
    const s = await loadSession("", options);
    for (const [k, v] of Object.entries(data)) s.set(k, v);
    return (await saveSession(s))[0].split(";")[0];
  };
  const [a, b] = [await cookieOf({ user: "ada" }), await cookieOf({ user: "bob" })];
  const codec = internal.codecFor(options);
  const now = Date.now();
  // Pass one on cookie A, its job run here as the platform would.
  assert.deepEqual(JSON.parse(codec.load(a, now, undefined, undefined)), { open: true });
  const [taken] = takeJobs(codec);
  // Copied out: the views hold only until the next call into wasm.
  const job = Object.fromEntries(["nonce", "aad", "data", "head"].map((k) => [k, taken[k].slice()]));
  const plain = nodeCrypto(nodeCryptoModule).open(codec.subkeys()[taken.key], job.nonce, job.aad, job.data);
  assert.ok(plain instanceof Uint8Array);
  // Pass two on A with A's answer: A. On B with A's answer and job: refused.
  assert.equal(JSON.parse(codec.load(a, now, plain, job.head)).data.user, "ada");
  const stray = JSON.parse(codec.load(b, now, plain, job.head));
  assert.equal(stray.status, "invalid");
  assert.equal(stray.reason, "bad_tag");
  assert.deepEqual(stray.data, {});
});

test("the platform's crypto failing is a SessionError crypto_failed, and no cookie is set", async () => {
  const options = { secrets: ["crypto failure test secret, 32+ bytes"], cookie: { name: "broken" }, limits: { maxDepth: 58 } };
  const s0 = await loadSession("", options);
  s0.set("n", 1);
  const [line] = await saveSession(s0);
  const before = internal.crypto;
  internal.crypto = { ...nodeCrypto(nodeCryptoModule), importKeys: () => Promise.reject(new Error("no AES here")) };
  try {
    const broken = { ...options, limits: { maxDepth: 57 } }; // a new codec, on the failing adapter
    await assert.rejects(loadSession(line.split(";")[0], broken), { code: "crypto_failed" });
    const fresh = await loadSession("", broken);
    fresh.set("n", 2);
    await assert.rejects(saveSession(fresh), { code: "crypto_failed" });
  } finally {
    internal.crypto = before;
  }
});

test("a large blob's body is decoded on the platform's base64, and only the canonical text opens", async () => {
  const store = memoryStore();
  const options = { secrets: ["text bodies test secret, 32+ bytes long"], store, cookie: { name: "big" } };
  const s = await loadSession("", options);
  s.set("big", "x".repeat(20_000));
  const cookie = (await saveSession(s))[0].split(";")[0];
  const [[key, entry]] = [...store.map];
  const good = entry.value;
  assert.ok(good.length > 8192);

  // The body crosses to Buffer's base64url, not into wasm.
  const from = Buffer.from;
  let decoded = 0;
  Buffer.from = function (value, encoding, ...rest) {
    if (encoding === "base64url") decoded++;
    return from.call(this, value, encoding, ...rest);
  };
  let loaded;
  try {
    loaded = await loadSession(cookie, options);
  } finally {
    Buffer.from = from;
  }
  assert.equal(loaded.status, "valid");
  assert.equal(loaded.get("big").length, 20_000);
  assert.equal(decoded, 1, "one platform decode of the blob's body");

  // Texts a lenient decoder reads as the same bytes: the core refuses them first.
  const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const last = ALPHABET.indexOf(good.at(-1));
  const unused = { 2: 0x0f, 3: 0x03 }[good.length % 4];
  const tampered = {
    "a space inside": `${good.slice(0, 5000)} ${good.slice(5000)}`,
    "a newline inside": `${good.slice(0, 5000)}\n${good.slice(5000)}`,
    "padding": good + "=".repeat((4 - (good.length % 4)) % 4 || 4),
    "the standard alphabet": good.replace(/[-_]/, (c) => (c === "-" ? "+" : "/")),
    "a character past a group": good + "A",
  };
  assert.match(good, /[-_]/);
  if (unused) tampered["stray bits past the last byte"] = good.slice(0, -1) + ALPHABET[last | 1];
  for (const [what, text] of Object.entries(tampered)) {
    store.map.set(key, { ...entry, value: text });
    const t = await loadSession(cookie, options);
    assert.notEqual(t.status, "valid", what);
    assert.equal(t.get("big"), undefined, what);
  }
});

test("nonces and ids come from the platform a block at a time, not a call each", async () => {
  const options = { secrets: ["random pool test secret, 32+ bytes long"], cookie: { name: "pool" } };
  await saveSession((await loadSession("", options)).set("n", 0));
  const platform = globalThis.crypto;
  const getRandomValues = platform.getRandomValues;
  let calls = 0;
  platform.getRandomValues = function (array) {
    calls++;
    return getRandomValues.call(this, array);
  };
  try {
    // 30 new sealed sessions: 60 draws (an id and a nonce each).
    for (let i = 0; i < 30; i++) {
      const s = await loadSession("", options);
      s.set("n", i);
      assert.equal((await saveSession(s)).length, 1);
    }
  } finally {
    platform.getRandomValues = getRandomValues;
  }
  assert.ok(calls >= 1 && calls < 10, `${calls} calls to getRandomValues`);
});

test("jobs read in place in wasm memory hold across awaits and concurrent requests", async () => {
  // Slow WebCrypto: every answer comes after other requests have run their
  // core calls (and grown wasm memory), on a key ring imported while they wait.
  const slow = () => {
    const inner = webCrypto();
    const later = (p) => new Promise((r) => setTimeout(r, Math.random() * 5)).then(() => p);
    return {
      importKeys: (raw) => later(inner.importKeys(raw)),
      open: (...a) => later(inner.open(...a)),
      seal: (...a) => later(inner.seal(...a)),
    };
  };
  const before = internal.crypto;
  internal.crypto = slow();
  try {
    const store = memoryStore();
    // Each depth is its own codec (a decoder limit, nothing on the wire): fresh keys to import.
    const options = (maxDepth) => ({ secrets: ["in-place jobs test secret, 32+ bytes"], store, cookie: { name: "inplace" }, limits: { maxDepth } });
    // Sizes from inline to spilled (two seal jobs: the blob and its pointer), growing.
    const sizes = Array.from({ length: 40 }, (_, i) => 10 + i * i * 150);
    const letter = (i) => String.fromCharCode(97 + (i % 26));
    const saveAll = (opts) =>
      Promise.all(
        sizes.map(async (n, i) => {
          const s = await loadSession("", opts);
          s.set("i", i).set("text", `${i}:`.padEnd(n, letter(i)));
          return (await saveSession(s))[0].split(";")[0];
        }),
      );
    // Saves taken before the codec's keys are imported, then saves whose
    // seals read their jobs in place (all issued before the first await).
    const cookies = [...(await saveAll(options(40))), ...(await saveAll(options(40)))];
    // Loads on a fresh codec (opens taken before its keys are imported), again
    // on it once imported, and on the codec that wrote them.
    for (const depth of [41, 41, 40]) {
      const loaded = await Promise.all(cookies.map((c) => loadSession(c, options(depth))));
      loaded.forEach((s, k) => {
        const i = k % sizes.length;
        assert.equal(s.status, "valid", `session ${k}, depth ${depth}`);
        assert.equal(s.get("i"), i);
        assert.equal(s.get("text").length, sizes[i]);
        assert.ok(s.get("text").startsWith(`${i}:`) && s.get("text").endsWith(letter(i)));
      });
      assert.ok(loaded.some((s) => s.stored) && loaded.some((s) => !s.stored), "inline and spilled");
    }
  } finally {
    internal.crypto = before;
  }
});
