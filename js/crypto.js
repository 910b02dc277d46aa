// Bulk crypto on the platform. The core frames every value (header, key id,
// nonce, AAD, limits) and hands out its AES-256-GCM as jobs (src/deferred.rs);
// an adapter here runs them with the subkeys imported once per key ring.
// WebCrypto everywhere it exists; node.js swaps in node:crypto, which is
// synchronous and faster in Node (`make bench`). HMAC stays in wasm, where it
// costs less than a round trip.

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** WebCrypto: workerd, Deno, browsers (secure contexts), Node, Bun. Keys are non-extractable. */
export function webCrypto(subtle = globalThis.crypto?.subtle) {
  if (typeof subtle?.importKey !== "function") return null;
  return {
    importKeys: (raw) => Promise.all(raw.map((k) => subtle.importKey("raw", k, "AES-GCM", false, ["encrypt", "decrypt"]))),
    async open(key, nonce, aad, data) {
      try {
        return new Uint8Array(await subtle.decrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, key, data));
      } catch {
        return null; // a bad tag
      }
    },
    async seal(key, nonce, aad, data) {
      return [new Uint8Array(await subtle.encrypt({ name: "AES-GCM", iv: nonce, additionalData: aad }, key, data))];
    },
  };
}

/**
 * node:crypto's synchronous AES-GCM (pass the module in). The subkeys stay raw
 * bytes in this closure, as a KeyObject would hold them: Deno's node:crypto
 * (the node entry through node_modules) takes no KeyObject in createCipheriv.
 */
export function nodeCrypto({ createCipheriv, createDecipheriv }) {
  const TAG = 16;
  return {
    importKeys: (raw) => raw.map((k) => new Uint8Array(k)),
    open(key, nonce, aad, data) {
      try {
        const d = createDecipheriv("aes-256-gcm", key, nonce);
        d.setAAD(aad);
        d.setAuthTag(data.subarray(data.length - TAG));
        const head = d.update(data.subarray(0, data.length - TAG));
        const tail = d.final();
        return tail.length ? concat(head, tail) : head;
      } catch {
        return null; // a bad tag
      }
    },
    seal(key, nonce, aad, data) {
      const c = createCipheriv("aes-256-gcm", key, nonce);
      c.setAAD(aad);
      const head = c.update(data);
      const tail = c.final();
      return [tail.length ? concat(head, tail) : head, c.getAuthTag()];
    },
  };
}

const PLACEHOLDER = /\u0001(\d+)\u0001/;
const EMPTY = new Uint8Array(0);

/**
 * Runs a codec's bulk crypto on `adapter`, keys imported on first use.
 * `open` answers the one job a load handed out (with the job, which the core
 * checks the answer against); `sealPlan` fills in the sealed values a save
 * plan left as placeholders. Both take the codec's jobs synchronously, before
 * any await: requests sharing the codec interleave only at awaits.
 */
export function bulkFor(codec, adapter) {
  let keys = null;
  const ready = () =>
    (keys ??= Promise.resolve(adapter.importKeys(codec.subkeys())).catch((e) => {
      keys = null;
      throw e;
    }));
  return {
    async open() {
      const [job] = codec.takeJobs();
      const ring = await ready();
      return [(await adapter.open(ring[job.key], job.nonce, job.aad, job.data)) ?? null, job];
    },
    async sealPlan(plan) {
      const jobs = codec.takeJobs();
      if (jobs.length === 0 || plan.error) return plan;
      const ring = await ready();
      const values = await Promise.all(
        jobs.map(async ({ key, nonce, aad, data, prefix }) => {
          const [a, b] = await adapter.seal(ring[key], nonce, aad, data);
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
