// Hostile requests through the built package (pkg/node.js): huge headers,
// thousands of cookies, control characters, lone surrogates, broken
// percent-encoding, duplicate names, and JSON nested 10,000 deep inside a
// validly sealed value. Each gives a session with a status and a reason,
// never an exception or a hang; and the work per request is bounded, which is
// tested by counting (reasons, bytes of wasm memory), not by timing.
// Run: `node --test tests/js/hostile.test.mjs` after `make package`.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac, hkdfSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { loadSession, saveSession, memoryStore } from "../../pkg/node.js";
import { initSync } from "../../pkg/edge_session.js";
import { documentJson, seal } from "./native-format.mjs";

const SECRET = "hostile-test-secret-0123456789-abcdefghij";
const NAME = "__Host-session";
const T0 = 1_800_000_000_000;
const ID = "AAECAwQFBgcICQoLDA0ODw";
const options = (extra = {}) => ({ secrets: [SECRET], now: () => T0, ...extra });
const iat = T0 / 1000 - 10;

// The package does not export its wasm memory; the glue's initSync returns the
// already-initialised instance exports, memory included.
const wasm = initSync({ module: readFileSync(new URL("../../pkg/edge_session_bg.wasm", import.meta.url)) });
const wasmBytes = () => wasm.memory.buffer.byteLength;

/** Loads, and checks the outcome is a fresh session with the given status (and reason). */
async function expectFresh(input, opts, status, reason) {
  const s = await loadSession(input, opts);
  assert.equal(s.status, status, `status for ${String(input).slice(0, 60)}`);
  if (reason !== undefined) assert.equal(s.reason, reason);
  if (status !== "new") assert.ok(s.reason, "a reason is given");
  assert.equal(s.size, 0, "no data");
  assert.equal(s.isNew, true);
  return s;
}

async function validCookie(opts = options(), data = { n: 1 }) {
  const s = await loadSession("", opts);
  for (const [k, v] of Object.entries(data)) s.set(k, v);
  const [line] = await saveSession(s);
  return line.split(";")[0];
}

/** A valid Cookie pair whose document is `payload` (anything), sealed with the real secret. */
const sealedPair = (payload, extra = {}) => `${NAME}=${seal({ secret: SECRET, issuedAt: iat, payload, ...extra })}`;

describe("huge and crowded headers", () => {
  test("100 KB headers: filler before a valid cookie, a 100 KB session value, 100 KB of nothing", async () => {
    const good = await validCookie();
    const filler = `junk=${"x".repeat(100 * 1024)}`;
    const s = await loadSession(`${filler}; ${good}`, options());
    assert.equal(s.status, "valid", "a valid cookie after 100 KB of other cookies still loads");
    assert.equal(s.get("n"), 1);
    await expectFresh(`${NAME}=${"A".repeat(100 * 1024)}`, options({ limits: { maxBytes: 4096 } }), "invalid", "too_large");
    await expectFresh(`${NAME}=${"A".repeat(400 * 1024)}`, options(), "invalid", "too_large");
    await expectFresh(filler, options(), "new");
    await expectFresh(";".repeat(100 * 1024), options(), "new");
    await expectFresh("=".repeat(100 * 1024), options(), "new");
    // Longer than any cookie value the core accepts: refused before decoding.
    await expectFresh(`${NAME}=${"=".repeat(100 * 1024)}`, options(), "invalid", "too_large");
    const req = new Request("https://e.test/", { headers: { cookie: `${filler}; ${good}` } });
    assert.equal((await loadSession(req, options())).status, "valid", "through a Request too");
  });

  test("thousands of cookies, the session among them", async () => {
    const good = await validCookie();
    const many = Array.from({ length: 5000 }, (_, i) => `c${i}=v${i}`).join("; ");
    assert.equal((await loadSession(`${many}; ${good}`, options())).status, "valid");
    assert.equal((await loadSession(`${good}; ${many}`, options())).status, "valid");
    await expectFresh(many, options(), "new");
  });

  test("duplicate names: the first one wins, whichever it is", async () => {
    const good = await validCookie();
    const dups = Array.from({ length: 3000 }, (_, i) => `${NAME}=dup${i}`).join("; ");
    assert.equal((await loadSession(`${good}; ${dups}`, options())).status, "valid");
    await expectFresh(`${dups}; ${good}`, options(), "invalid", "malformed");
    const other = await validCookie(options(), { n: 2 });
    const s = await loadSession(`${good}; ${other}`, options());
    assert.equal(s.get("n"), 1, "two valid cookies: the first");
  });
});

describe("odd characters", () => {
  test("control characters, in the value and around it", async () => {
    const good = await validCookie();
    const value = good.slice(NAME.length + 1);
    for (const c of ["\u0000", "\u0001", "\u0008", "\u001b", "\u007f", "\r\n", "\n", "\u0085"]) {
      await expectFresh(`${NAME}=${value.slice(0, 20)}${c}${value.slice(20)}`, options(), "invalid");
      await expectFresh(`${NAME}=${c}`, options(), "invalid", "malformed");
      // Elsewhere in the header they do not matter.
      assert.equal((await loadSession(`a=${c}; ${good}`, options())).status, "valid");
    }
    await expectFresh(`${NAME}=${"\u0000".repeat(50_000)}`, options(), "invalid");
    // A plain object of headers (Node's IncomingHttpHeaders shape) takes the same path.
    await expectFresh({ cookie: `${NAME}=\u0000` }, options(), "invalid");
  });

  test("lone surrogates and other non-ASCII", async () => {
    const good = await validCookie();
    const value = good.slice(NAME.length + 1);
    for (const c of ["\ud800", "\udfff", "\ud83d", "é", "\ufffd", "😀", "\u2028"]) {
      await expectFresh(`${NAME}=${value.slice(0, 30)}${c}${value.slice(31)}`, options(), "invalid", "malformed");
      await expectFresh(`${NAME}=${c.repeat(1000)}`, options(), "invalid", "malformed");
      assert.equal((await loadSession(`${c}=${c}; ${good}`, options())).status, "valid");
    }
    await expectFresh(`${NAME}\ud800=${value}`, options(), "new");
  });

  test("percent-encoding is never decoded: broken or not, it is not base64url", async () => {
    const good = await validCookie();
    const value = good.slice(NAME.length + 1);
    for (const v of ["%", "%E0%A4%A", "%zz", "%00", "%%%%", encodeURIComponent("é"), `%41${value.slice(1)}`]) {
      await expectFresh(`${NAME}=${v}`, options(), "invalid", "malformed");
    }
    await expectFresh(`${encodeURIComponent(NAME)}=${value}`.replace("_", "%5F"), options(), "new");
  });
});

describe("hostile documents inside validly sealed values", () => {
  const deep = (n) => `{"a":${"[".repeat(n)}${"]".repeat(n)}}`;

  test("JSON nested 10,000 deep: too_deep, quickly and without recursion", async () => {
    for (const mode of ["sealed", "signed"]) {
      const pair = sealedPair(documentJson(ID, deep(10_000)), { mode });
      await expectFresh(pair, options(), "invalid", "too_deep");
      // 5,000 objects deep: as deep as fits the 32 KiB a cookie may carry.
      const objects = `{"d":${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)},"i":"${ID}"}`;
      await expectFresh(sealedPair(objects, { mode }), options(), "invalid", "too_deep");
      // Brackets inside strings are not nesting.
      const inString = documentJson(ID, JSON.stringify({ s: "[".repeat(10_000) }));
      const s = await loadSession(sealedPair(inString, { mode }), options());
      assert.equal(s.status, "valid");
      assert.equal(s.get("s").length, 10_000);
    }
  });

  test("10,000 deep inside a spilled store blob", async () => {
    const store = memoryStore({ now: () => T0 });
    const pair = spilledPair(store, documentJson(ID, deep(10_000)));
    // Store data it cannot read is unavailable (never overwritten), not a client error.
    await expectFresh(pair, options({ store }), "unavailable", "too_deep");
  });

  test("a deep value saved with a raised limit, loaded with the default one", async () => {
    let v = 0;
    for (let i = 0; i < 60; i++) v = [v];
    const raised = options({ limits: { maxDepth: 100 } });
    const pair = await validCookie(raised, { v });
    assert.equal((await loadSession(pair, raised)).status, "valid");
    await expectFresh(pair, options(), "invalid", "too_deep");
  });

  test("documents that are not what the core writes", async () => {
    const cases = [
      ["[]", "not_object"],
      ['"str"', "not_object"],
      ["1", "not_object"],
      ["null", "not_object"],
      ["", "not_object"],
      ["{", "not_object"],
      ['{"i":"x","d":{}} trailing', "not_object"],
      ['{"i":"x","d":{},}', "not_object"],
      ['{"d":{}}', "malformed"],
      ['{"i":"x"}', "malformed"],
      ['{"i":"x","d":[]}', "malformed"],
      ['{"i":"x","d":"s"}', "malformed"],
      ['{"i":"bad id!","d":{}}', "malformed"],
      [`{"i":"${"a".repeat(65)}","d":{}}`, "malformed"],
      ['{"i":1,"d":{}}', "malformed"],
      ['{"i":"x","d":{},"f":[]}', "malformed"],
    ];
    for (const [doc, reason] of cases) await expectFresh(sealedPair(doc), options(), "invalid", reason);
    for (const bytes of [Buffer.from([0xff, 0xfe]), Buffer.from('{"i":"x","d":{"a":"\xff"}}', "latin1")]) {
      const s = await loadSession(sealedPair(bytes), options());
      assert.equal(s.status, "invalid", "invalid UTF-8");
    }
    // A wide but shallow object within the limits is fine: 2,000 keys
    // (a cookie value carries at most 32 KiB, far past what browsers send).
    const wide = Object.fromEntries(Array.from({ length: 2_000 }, (_, i) => [`k${i}`, i]));
    const s = await loadSession(sealedPair(documentJson(ID, JSON.stringify(wide))), options());
    assert.equal(s.status, "valid");
    assert.equal(s.size, 2_000);
  });

  // The core checks the structure of a loaded data and flash text; their
  // syntax is left to the JSON.parse that reads them (Codec.notJson).
  test("data or flash that is not JSON: invalid in a cookie, unavailable in a blob", async () => {
    const notJson = ['{"a":tru}', '{"a":[1,]}', '{"a":1 "b":2}', '{"a":"\\x"}', '{"a":"\u0001"}', '{"a":01}', '{"a":NaN}'];
    for (const data of notJson) {
      for (const mode of ["sealed", "signed"]) {
        await expectFresh(sealedPair(documentJson(ID, data), { mode }), options(), "invalid", "not_object");
        await expectFresh(sealedPair(documentJson(ID, "{}", data), { mode }), options(), "invalid", "not_object");
      }
      const store = memoryStore({ now: () => T0 });
      const pair = spilledPair(store, documentJson(ID, data));
      const before = store.map.get([...store.map.keys()][0]).value;
      const s = await expectFresh(pair, options({ store }), "unavailable", "not_object");
      s.set("n", 1);
      await assert.rejects(saveSession(s, new Headers()), { code: "session_unavailable" });
      assert.equal(store.map.get([...store.map.keys()][0]).value, before, "the blob is never overwritten");
    }
    // Structure is the core's: a string left open, brackets that do not pair.
    for (const data of ['{"a":"}', '{"a":[}', '{"a":1}}']) {
      await expectFresh(sealedPair(`{"i":"${ID}","d":${data}}`), options(), "invalid", "not_object");
    }
    // What JSON.parse takes loads, lone surrogates included.
    const s = await loadSession(sealedPair(documentJson(ID, '{"a":"\\ud800","b":[1,{"c":null}]}')), options());
    assert.equal(s.status, "valid");
    assert.deepEqual(s.get("b"), [1, { c: null }]);
  });

  test("an authentic session issued in the future or expiring at once", async () => {
    const future = sealedPair(documentJson(ID, "{}"), { issuedAt: iat + 10 * 365 * 86400 });
    // Issued-at is not checked against the clock; expiry is. Documented, and harmless:
    // only the key holder can write either.
    assert.equal((await loadSession(future, options())).status, "valid");
    await expectFresh(sealedPair(documentJson(ID, "{}"), { expiresAt: T0 / 1000 }), options(), "expired", "expired");
  });
});

/** A spilled session built by hand: blob under its keyed-hash store key, and its reference. */
function spilledPair(store, doc, id = ID) {
  const prk = (info) => Buffer.from(hkdfSync("sha256", SECRET, "edge-session/v1", info, 32));
  const key = `session:${createHmac("sha256", prk("store-id")).update(id).digest("base64url")}`;
  const blob = seal({ secret: SECRET, purpose: "store", name: key, kind: "blob", issuedAt: iat, payload: doc });
  store.map.set(key, { value: blob, expires: Infinity });
  const digest = createHash("sha256").update(blob).digest().subarray(0, 16);
  const ref = Buffer.concat([Buffer.from([0, 0, 0, 1]), digest, Buffer.from(id)]);
  return `${NAME}=${seal({ secret: SECRET, kind: "reference", issuedAt: iat, payload: ref })}`;
}

describe("the work per request is bounded", () => {
  // The longest value the decoder may need: a signed document at maxBytes of data
  // (encoded_len(signed, n) = ceil((16 + n + 32) * 4 / 3)).
  const encodedLen = (n) => Math.ceil(((16 + n + 32) * 4) / 3);
  // Hard cap on what any cookie may make the decoder read, whatever maxBytes says:
  // a 32 KiB payload (browsers send at most 4 KiB of name and value).
  const CAP = encodedLen(32 * 1024);

  /** Reason for a value of `n` characters that are not base64url. */
  const reasonAt = async (n, opts) => (await loadSession(`${NAME}=${"!".repeat(n)}`, opts)).reason;

  test("values past a bound are refused before base64 decoding (too_large, not malformed)", async (t) => {
    // '!' is not base64url: a decoder that looked at the value says malformed; one
    // that refused it unread says too_large. Find where one turns into the other.
    const found = [];
    for (const maxBytes of [64, 1024, 4096, 262_144]) {
      const opts = options({ limits: { maxBytes } });
      let lo = 1; // malformed here
      let hi = 4 * CAP; // too_large here
      assert.equal(await reasonAt(lo, opts), "malformed");
      assert.equal(await reasonAt(hi, opts), "too_large");
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if ((await reasonAt(mid, opts)) === "too_large") hi = mid;
        else lo = mid;
      }
      found.push(`maxBytes ${maxBytes}: ${lo}`);
      // Everything longer is refused unread; nothing a session at the limit needs is.
      for (const n of [hi, hi + 1, hi + 1000, 16 * CAP]) assert.equal(await reasonAt(n, opts), "too_large");
      assert.ok(lo >= encodedLen(Math.min(maxBytes, 4096)), `bound ${lo} too small for maxBytes ${maxBytes}`);
      assert.ok(lo <= CAP, `bound ${lo} past the 32 KiB cap`);
    }
    t.diagnostic(`longest value decoded: ${found.join(", ")}`);
  });

  test("a payload over maxBytes is refused after the tag, before any JSON is read", async () => {
    const doc = documentJson(ID, JSON.stringify({ s: "x".repeat(2000) }));
    const pair = sealedPair(doc);
    assert.equal((await loadSession(pair, options())).status, "valid");
    await expectFresh(pair, options({ limits: { maxBytes: 1024 } }), "invalid", "too_large");
  });

  test("a spilled reference over the bound never reads the store", async () => {
    let gets = 0;
    const store = { get: async () => (gets++, null), put: async () => {}, delete: async () => {} };
    await expectFresh(`${NAME}=${"A".repeat(4 * CAP)}`, options({ store }), "invalid", "too_large");
    assert.equal(gets, 0);
  });

  // Wasm memory never shrinks: whatever one request copies in stays allocated for the
  // life of the isolate. The header must be narrowed (and bounded) in JS first.
  test("16 MiB Cookie headers (other cookies, or one huge session cookie) leave wasm memory within 1 MiB", async () => {
    const good = await validCookie();
    await loadSession(`x=${"y".repeat(64 * 1024)}; ${good}`, options()); // warm up to a realistic size
    const before = wasmBytes();
    const s = await loadSession(`x=${"y".repeat(16 * 1024 * 1024)}; ${good}`, options());
    assert.equal(s.status, "valid");
    let grown = wasmBytes() - before;
    assert.ok(
      grown <= 1024 * 1024,
      `wasm memory grew by ${grown} bytes for one 16 MiB header of other cookies`,
    );
    // The same for one 16 MiB cookie of our own name: refused unread (too_large), and
    // it must not reach wasm memory either.
    const big = await loadSession(`x=1; ${NAME}=${"A".repeat(16 * 1024 * 1024)}`, options());
    assert.deepEqual([big.status, big.reason], ["invalid", "too_large"]);
    grown = wasmBytes() - before;
    assert.ok(grown <= 1024 * 1024, `wasm memory grew by ${grown} bytes for one 16 MiB session cookie`);
  });
});

describe("limits agree between save and load", () => {
  // What saveSession accepts must load back; otherwise a session at the limit
  // is written, then lost on the next request (status invalid).
  test("data nested exactly maxDepth deep saves and loads back", async () => {
    let v = 0;
    for (let i = 0; i < 31; i++) v = [v]; // the data object is level 1: 32 levels in all
    const pair = await validCookie(options(), { v });
    const s = await loadSession(pair, options());
    assert.equal(s.status, "valid", `saved, then refused on load: ${s.reason}`);
  });

  test("data just under maxBytes saves and loads back", async () => {
    const store = memoryStore({ now: () => T0 });
    const opts = options({ store, limits: { maxBytes: 8192 } });
    const s0 = await loadSession("", opts);
    s0.set("s", "x".repeat(8192 - 10)); // {"s":"..."} is exactly 8192 bytes
    const [line] = await saveSession(s0);
    const s = await loadSession(line.split(";")[0], opts);
    assert.equal(s.status, "valid", `saved, then refused on load: ${s.reason}`);
  });
});
