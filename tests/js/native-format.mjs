// An independent writer of the native v1 wire format (README "Wire format"),
// in plain node:crypto: it lets the hardening tests seal payloads the package
// itself would never write (10,000-deep JSON, non-objects, oversized bodies)
// under real keys, and checks the spec against tests/vectors/native.json.
// Not a test file itself (no `.test.` in the name).
import { createCipheriv, createHmac, hkdfSync, randomBytes } from "node:crypto";

const SALT = "edge-session/v1";
const KIND = { session: 0, reference: 1, blob: 2 };

/** The subkeys and key id of one secret. */
export function subkeys(secret) {
  const derive = (info, len = 32) => Buffer.from(hkdfSync("sha256", secret, SALT, info, len));
  return {
    keyId: derive("key-id", 4),
    sign: derive("sign"),
    encrypt: derive("encrypt"),
    storeEncrypt: derive("store-encrypt"),
    storeId: derive("store-id"),
  };
}

function header({ mode, kind, keyId, issuedAt, expiresAt }) {
  const h = Buffer.alloc(16);
  h[0] = 1;
  h[1] = (mode === "signed" ? 1 : 0) | (KIND[kind] << 1);
  keyId.copy(h, 2);
  h.writeUIntBE(issuedAt, 6, 5);
  h.writeUIntBE(expiresAt, 11, 5);
  return h;
}

function context(purpose, name) {
  const p = Buffer.from(purpose);
  const n = Buffer.from(name);
  const len = Buffer.alloc(2);
  len.writeUInt16BE(n.length);
  return Buffer.concat([Buffer.from([p.length]), p, len, n]);
}

/**
 * Seals (or signs) `payload` exactly as the core does.
 * `purpose` "cookie" (name = cookie name) or "store" (name = store key, store-encrypt subkey).
 */
export function seal({
  secret,
  payload,
  name = "__Host-session",
  purpose = "cookie",
  mode = "sealed",
  kind = "session",
  issuedAt = Math.floor(Date.now() / 1000) - 1,
  expiresAt = issuedAt + 3600,
  nonce = randomBytes(12),
}) {
  const keys = subkeys(secret);
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const h = header({ mode, kind, keyId: keys.keyId, issuedAt, expiresAt });
  const aad = Buffer.concat([h, context(purpose, name)]);
  let raw;
  if (mode === "sealed") {
    const key = purpose === "store" ? keys.storeEncrypt : keys.encrypt;
    const c = createCipheriv("aes-256-gcm", key, nonce);
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(body), c.final()]);
    raw = Buffer.concat([h, nonce, ct, c.getAuthTag()]);
  } else {
    const mac = createHmac("sha256", keys.sign).update(aad).update(body).digest();
    raw = Buffer.concat([h, body, mac]);
  }
  return raw.toString("base64url");
}

/** A session document, as the core writes it. */
export function documentJson(id, dataJson, flashJson = "{}") {
  return `{"i":${JSON.stringify(id)},"d":${dataJson}${flashJson === "{}" ? "" : `,"f":${flashJson}`}}`;
}
