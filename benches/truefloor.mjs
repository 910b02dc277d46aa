// The true floor (issue 12): per case, edge-session's load + change + save
// against hand-written code that does only the unavoidable work with the
// platform's crypto and a key imported once:
//
//   base64url decode → decrypt (AES-256-GCM) or verify (HMAC-SHA256)
//   → JSON.parse → one change → JSON.stringify → encrypt or sign → base64url
//
// Spilled cases do that for the store blob (the whole session, as the text a
// KV store holds) and for the small cookie that points at it, with a Map
// behind an async get/put standing in for the store (edge-session gets a
// memoryStore). The floors keep our framing sizes (16-byte header, 96-bit
// nonce, the cookie name in the AAD/MAC) but check nothing else.
//
// Written once and run in Node and inside workerd, like flows.mjs: everything
// platform-specific is passed in. Each contender has setup() and change();
// change() carries the cookie forward, as a browser would, and returns the
// number of Set-Cookie values (always 1).
import { check, MAX_AGE, SECRET, sessionOfSize } from "./fixture.mjs";

export const CASES = [
  { id: "inline-1k-sealed", label: "1 KiB sealed", mode: "sealed", bytes: 0 },
  { id: "inline-1k-signed", label: "1 KiB signed", mode: "signed", bytes: 0 },
  { id: "spilled-16k", label: "spilled 16 KiB", mode: "sealed", bytes: 16 * 1024, spilled: true },
  { id: "spilled-64k", label: "spilled 64 KiB", mode: "sealed", bytes: 64 * 1024, spilled: true },
  { id: "spilled-200k", label: "spilled 200 KiB", mode: "sealed", bytes: 200 * 1024, spilled: true },
];

export const IMPLS = {
  "edge-session": "edge-session (createSessionStorage)",
  webcrypto: "floor: WebCrypto",
  "node-crypto": "floor: node:crypto (sync)",
};

const HEADER = 16;
const NONCE = 12;
const TAG = 16;
const MAC = 32;
const COOKIE = "__Host-session";
const enc = new TextEncoder();
const dec = new TextDecoder();
const CONTEXT = enc.encode(`${COOKIE}\0cookie\0\0\0\0\0\0\0\0\0`); // 24 bytes, as our AAD context

/** The case's session: the bench fixture, grown for spilled cases. */
export function caseData(c) {
  return sessionOfSize(c.bytes);
}

/** The platform's base64url: Buffer in Node, Uint8Array.toBase64 where it exists, else btoa. */
export function platformBase64() {
  if (typeof Buffer === "function") {
    return {
      name: "Buffer",
      encode: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url"),
      decode: (s) => Buffer.from(s, "base64url"),
    };
  }
  if (typeof Uint8Array.prototype.toBase64 === "function") {
    return {
      name: "Uint8Array.prototype.toBase64",
      encode: (b) => b.toBase64({ alphabet: "base64url", omitPadding: true }),
      decode: (s) => Uint8Array.fromBase64(s, { alphabet: "base64url" }),
    };
  }
  return {
    name: "btoa/atob",
    encode(b) {
      let s = "";
      for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode.apply(null, b.subarray(i, i + 0x8000));
      return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    },
    decode(s) {
      const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
      const out = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
      return out;
    },
  };
}

/** A 16-byte header: version, mode, key id, issued-at and expiry (s). */
function header(now) {
  const h = new Uint8Array(HEADER);
  const v = new DataView(h.buffer);
  h[0] = 1;
  v.setUint32(4, Math.floor(now / 1000));
  v.setUint32(8, Math.floor(now / 1000) + MAX_AGE);
  return h;
}

/** Throws when the header's expiry has passed: the one check a floor cannot skip. */
function live(h) {
  const v = new DataView(h.buffer, h.byteOffset, HEADER);
  if (v.getUint32(8) * 1000 < Date.now()) throw new Error("bench: floor cookie expired");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A Map behind the async get/put of a KV store. */
function mapStore() {
  const map = new Map();
  return { get: async (k) => map.get(k) ?? null, put: async (k, v) => void map.set(k, v) };
}

/**
 * Sealing and signing with WebCrypto: AES-GCM output is ciphertext || tag.
 * `aad` is header || context; the key is imported once.
 */
async function webCryptoBox(subtle, random, mode) {
  const raw = random(new Uint8Array(32));
  if (mode === "signed") {
    const key = await subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    return {
      async sign(h, body) {
        const mac = new Uint8Array(await subtle.sign("HMAC", key, concat(CONTEXT, h, body)));
        return concat(h, body, mac);
      },
      async open(bytes) {
        const h = bytes.subarray(0, HEADER);
        const body = bytes.subarray(HEADER, bytes.length - MAC);
        const ok = await subtle.verify("HMAC", key, bytes.subarray(bytes.length - MAC), concat(CONTEXT, h, body));
        if (!ok) throw new Error("bench: floor MAC");
        live(h);
        return body;
      },
    };
  }
  const key = await subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  return {
    async seal(h, body, ctx = CONTEXT) {
      const iv = random(new Uint8Array(NONCE));
      const ct = new Uint8Array(await subtle.encrypt({ name: "AES-GCM", iv, additionalData: concat(h, ctx) }, key, body));
      return concat(h, iv, ct);
    },
    async open(bytes, ctx = CONTEXT) {
      const h = bytes.subarray(0, HEADER);
      const iv = bytes.subarray(HEADER, HEADER + NONCE);
      const pt = await subtle.decrypt({ name: "AES-GCM", iv, additionalData: concat(h, ctx) }, key, bytes.subarray(HEADER + NONCE));
      live(h);
      return new Uint8Array(pt);
    },
  };
}

/** The same with node:crypto, synchronous (the Promise is only the flow's shape). */
function nodeCryptoBox(nc, mode) {
  const key = nc.createSecretKey(nc.randomBytes(32));
  if (mode === "signed") {
    return {
      sign(h, body) {
        const mac = nc.createHmac("sha256", key).update(CONTEXT).update(h).update(body).digest();
        return concat(h, body, mac);
      },
      open(bytes) {
        const h = bytes.subarray(0, HEADER);
        const body = bytes.subarray(HEADER, bytes.length - MAC);
        const mac = nc.createHmac("sha256", key).update(CONTEXT).update(h).update(body).digest();
        if (!nc.timingSafeEqual(mac, bytes.subarray(bytes.length - MAC))) throw new Error("bench: floor MAC");
        live(h);
        return body;
      },
    };
  }
  return {
    seal(h, body, ctx = CONTEXT) {
      const iv = nc.randomBytes(NONCE);
      const c = nc.createCipheriv("aes-256-gcm", key, iv);
      c.setAAD(concat(h, ctx));
      return Buffer.concat([h, iv, c.update(body), c.final(), c.getAuthTag()]);
    },
    open(bytes, ctx = CONTEXT) {
      const h = bytes.subarray(0, HEADER);
      const d = nc.createDecipheriv("aes-256-gcm", key, bytes.subarray(HEADER, HEADER + NONCE));
      d.setAAD(concat(h, ctx));
      d.setAuthTag(bytes.subarray(bytes.length - TAG));
      const pt = Buffer.concat([d.update(bytes.subarray(HEADER + NONCE, bytes.length - TAG)), d.final()]);
      live(h);
      return pt;
    },
  };
}

/** A floor contender for case `c` over a crypto box (`decode` turns opened bytes into text). */
function floor(c, makeBox, b64, decode) {
  let box;
  let cookie;
  let store;
  const tick = (d) => {
    check(d);
    d.cart[0].qty += 1;
    return enc.encode(JSON.stringify(d));
  };
  if (!c.spilled) {
    const protect = c.mode === "signed" ? (h, body) => box.sign(h, body) : (h, body) => box.seal(h, body);
    return {
      async setup() {
        box = await makeBox(c.mode);
        cookie = b64.encode(await protect(header(Date.now()), enc.encode(JSON.stringify(caseData(c)))));
        return cookie;
      },
      async change() {
        const body = await box.open(b64.decode(cookie));
        const next = tick(JSON.parse(decode(body)));
        cookie = b64.encode(await protect(header(Date.now()), next));
        return 1;
      },
    };
  }
  // Spilled: the cookie seals {store key, version}; the blob is sealed and bound to its key.
  const blobCtx = (key) => enc.encode(key);
  const pointer = (key, v) => enc.encode(`{"k":"${key}","v":${v}}`);
  return {
    async setup() {
      box = await makeBox("sealed");
      store = mapStore();
      const key = `session:${b64.encode(new Uint8Array(32).map((_, i) => i * 7))}`;
      await store.put(key, b64.encode(await box.seal(header(Date.now()), enc.encode(JSON.stringify(caseData(c))), blobCtx(key))));
      cookie = b64.encode(await box.seal(header(Date.now()), pointer(key, 1)));
      return cookie;
    },
    async change() {
      const p = JSON.parse(decode(await box.open(b64.decode(cookie))));
      const blob = await store.get(p.k);
      const next = tick(JSON.parse(decode(await box.open(b64.decode(blob), blobCtx(p.k)))));
      await store.put(p.k, b64.encode(await box.seal(header(Date.now()), next, blobCtx(p.k))));
      cookie = b64.encode(await box.seal(header(Date.now()), pointer(p.k, p.v + 1)));
      return 1;
    },
  };
}

/** edge-session for case `c`, through createSessionStorage. */
function edgeSession(es, c) {
  const sessions = es.createSessionStorage({
    secrets: [SECRET],
    mode: c.mode,
    maxAge: MAX_AGE,
    ...(c.spilled ? { store: es.memoryStore() } : {}),
  });
  let cookie;
  const pair = (line) => line.split(";")[0];
  return {
    async setup() {
      const s = await sessions.load("");
      for (const [k, v] of Object.entries(caseData(c))) s.set(k, v);
      cookie = pair((await sessions.save(s))[0]);
      return cookie;
    },
    async change() {
      const s = await sessions.load(cookie);
      if (s.status !== "valid" || s.stored !== !!c.spilled) throw new Error(`bench: ${c.id} loaded ${s.status} (${s.reason}), stored ${s.stored}`);
      check({ user: s.get("user"), cart: s.get("cart"), csrf: s.get("csrf") });
      s.get("cart")[0].qty += 1;
      const lines = await sessions.save(s);
      cookie = pair(lines[0]);
      return lines.length;
    },
  };
}

/**
 * Every case with its contenders: { [caseId]: { [impl]: contender } }.
 * platform: { es, subtle, random (getRandomValues), nodeCrypto? }.
 */
export function makeTrueFloor({ es, subtle, random, nodeCrypto }) {
  const b64 = platformBase64();
  const text = (b) => dec.decode(b);
  const out = {};
  for (const c of CASES) {
    out[c.id] = {
      "edge-session": edgeSession(es, c),
      webcrypto: floor(c, (mode) => webCryptoBox(subtle, random, mode), b64, text),
    };
    if (nodeCrypto) {
      // Buffer's own UTF-8 decode: what node:crypto code would use.
      out[c.id]["node-crypto"] = floor(c, async (mode) => nodeCryptoBox(nodeCrypto, mode), b64, (b) => b.toString());
    }
  }
  return { contenders: out, base64: b64.name };
}
