// Strings cross into wasm by TextEncoder.encodeInto straight into wasm memory
// (js/build/finish-glue.mjs patches wasm-bindgen's glue): one call for ASCII,
// two when the text has anything else. Proves the bytes the core sees are the
// string's UTF-8 (lone surrogates as U+FFFD, as TextEncoder writes them)
// whatever the mix and length, and that sessions round-trip through it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";

import { loadSession, memoryStore, saveSession } from "../../pkg/node.js";
import { optionsKey } from "../../pkg/edge_session.js";

const SECRET = "crossing-test-secret-0123456789-abcdefghij";

// optionsKey is base64url(SHA-256(the UTF-8 bytes the core received)).
const expected = (s) => createHash("sha256").update(Buffer.from(s, "utf8")).digest("base64url");

const PIECES = ["a", "~", "\u007f", "\u0080", "é", "\u07ff", "\u0800", "☃", "\uffff", "😀", "\ud800", "\udfff", "\ud83d", "\u0000"];

function mixed(rand, length) {
  let s = "";
  while (s.length < length) s += rand() < 0.7 ? "x".repeat(1 + Math.floor(rand() * 40)) : PIECES[Math.floor(rand() * PIECES.length)];
  return s;
}

// A small seeded generator, so a failure repeats.
function lcg(seed) {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

test("the core receives each string's UTF-8, whatever its characters and length", () => {
  const rand = lcg(12);
  const cases = ["", "a", "é", "😀", "\ud800", "x".repeat(4096), "x".repeat(4095) + "😀", "😀" + "x".repeat(5000)];
  for (const p of PIECES) for (const at of [0, 1, 7, 100]) cases.push("y".repeat(at) + p + "z".repeat(at));
  for (let i = 0; i < 400; i++) cases.push(mixed(rand, Math.floor(rand() * 3000)));
  for (const s of cases) assert.equal(optionsKey(s), expected(s), JSON.stringify(s.slice(0, 40)));
});

test("a string crosses in one encodeInto when ASCII, two otherwise, and no encode()", () => {
  const proto = TextEncoder.prototype;
  const [into, encode] = [proto.encodeInto, proto.encode];
  const calls = { into: 0, encode: 0 };
  proto.encodeInto = function (...a) {
    calls.into++;
    return into.apply(this, a);
  };
  proto.encode = function (...a) {
    calls.encode++;
    return encode.apply(this, a);
  };
  try {
    const count = (s) => {
      calls.into = calls.encode = 0;
      assert.equal(optionsKey(s), expected(s));
      return { ...calls };
    };
    assert.deepEqual(count("plain ascii ".repeat(300)), { into: 1, encode: 0 });
    assert.deepEqual(count("ascii then é and 😀 ".repeat(50)), { into: 2, encode: 0 });
    assert.deepEqual(count("😀"), { into: 2, encode: 0 });
  } finally {
    proto.encodeInto = into;
    proto.encode = encode;
  }
});

test("sessions with any characters round-trip through the crossing, inline and spilled", async () => {
  const rand = lcg(7);
  const store = memoryStore();
  const seen = new Set();
  for (const size of [10, 500, 3000, 40_000]) {
    const options = { secrets: [SECRET], store };
    const data = { text: mixed(rand, size), key: PIECES.join("") };
    const fresh = await loadSession("", options);
    for (const [k, v] of Object.entries(data)) fresh.set(k, v);
    // Everyone else's cookies around ours, some not ASCII.
    const header = `a=é☃; ${(await saveSession(fresh))[0].split(";")[0]}; z=😀`;
    const back = await loadSession(header, options);
    assert.equal(back.status, "valid", `size ${size}`);
    seen.add(back.stored);
    // JSON.stringify writes lone surrogates as escapes: they come back as they went.
    assert.deepEqual(back.toJSON(), data);
    assert.deepEqual(await saveSession(back), [], "read only: no Set-Cookie");
  }
  assert.deepEqual([...seen].sort(), [false, true], "both inline and spilled");
});
