// Bulk crypto on the platform. The core frames every value (header, key id,
// nonce, AAD, limits) and hands out AES-256-GCM and HMAC-SHA256 jobs
// (src/deferred.rs); an adapter here runs them with the subkeys imported once
// per key ring. WebCrypto everywhere it exists; node.js swaps in node:crypto,
// which is synchronous and faster in Node (`make bench`).

// Codec.subkeys() comes in triples: sign (HMAC), encrypt, store-encrypt (AES-GCM).
const isMac = (slot) => slot % 3 === 0;

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** WebCrypto: workerd, Deno, browsers (secure contexts), Node, Bun. */
export function webCrypto(subtle = globalThis.crypto?.subtle) {
  if (typeof subtle?.importKey !== "function") return null;
  const HMAC = { name: "HMAC", hash: "SHA-256" };
  return {
    importKeys: (raw) =>
      Promise.all(
        raw.map((k, slot) =>
          isMac(slot)
            ? subtle.importKey("raw", k, HMAC, false, ["sign", "verify"])
            : subtle.importKey("raw", k, "AES-GCM", false, ["encrypt", "decrypt"]),
        ),
      ),
    async open(key, slot, nonce, aad, data, mac) {
      try {
        if (isMac(slot)) return await subtle.verify("HMAC", key, mac, concat(aad, data));
        return new Uint8Array(await subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, key, data));
      } catch {
        return null; // a bad tag
      }
    },
    async seal(key, slot, nonce, aad, data) {
      if (isMac(slot)) return [data, new Uint8Array(await subtle.sign("HMAC", key, concat(aad, data)))];
      return [new Uint8Array(await subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, key, data))];
    },
  };
}

/** node:crypto's synchronous AES-GCM and HMAC (pass the module in). */
export function nodeCrypto({ createCipheriv, createDecipheriv, createHmac, timingSafeEqual }) {
  const TAG = 16;
  return {
    // Raw bytes, not KeyObjects: Deno's node:crypto (the node entry through
    // node_modules) takes no KeyObject in createCipheriv.
    importKeys: (raw) => raw.map((k) => new Uint8Array(k)),
    open(key, slot, nonce, aad, data, mac) {
      try {
        if (isMac(slot)) {
          const want = createHmac("sha256", key).update(aad).update(data).digest();
          return want.length === mac.length && timingSafeEqual(want, mac);
        }
        const d = createDecipheriv("aes-256-gcm", key, nonce);
        d.setAAD(aad);
        d.setAuthTag(data.subarray(data.length - TAG));
        const head = d.update(data.subarray(0, data.length - TAG));
        const tail = d.final();
        return tail.length ? concat(head, tail) : head;
      } catch {
        return null;
      }
    },
    seal(key, slot, nonce, aad, data) {
      if (isMac(slot)) return [data, createHmac("sha256", key).update(aad).update(data).digest()];
      const c = createCipheriv("aes-256-gcm", key, nonce);
      c.setAAD(aad);
      const head = c.update(data);
      const tail = c.final();
      return [tail.length ? concat(head, tail) : head, c.getAuthTag()];
    },
  };
}

const PLACEHOLDER = /\u0001(\d+)\u0001/;

/**
 * Runs a codec's bulk crypto on `adapter`, keys imported on first use.
 * `open` answers the one job a load handed out; `sealPlan` fills in the
 * sealed values a save plan left as placeholders.
 */
export function bulkFor(codec, adapter) {
  let keys = null;
  const ready = () => (keys ??= Promise.resolve(adapter.importKeys(codec.subkeys())).catch((e) => {
    keys = null;
    throw e;
  }));
  return {
    async open() {
      const [{ key, nonce, aad, data, mac }] = codec.takeJobs();
      const ring = await ready();
      return (await adapter.open(ring[key], key, nonce, aad, data, mac)) ?? null;
    },
    async sealPlan(plan) {
      const jobs = codec.takeJobs();
      if (jobs.length === 0 || plan.error) return plan;
      const ring = await ready();
      const values = await Promise.all(
        jobs.map(async ({ key, nonce, aad, data, prefix }) => {
          const [a, b] = await adapter.seal(ring[key], key, nonce, aad, data);
          return codec.join(prefix, a, b ?? EMPTY);
        }),
      );
      const fill = (text) => text.replace(PLACEHOLDER, (_, i) => values[i]);
      plan.cookies = plan.cookies.map(fill);
      for (const op of plan.store) if (op.op === "put") op.value = fill(op.value);
      return plan;
    },
  };
}

const EMPTY = new Uint8Array(0);
