// Bulk crypto on the platform. The core frames every value (header, key id,
// nonce, AAD, limits) and hands out its AES-256-GCM as jobs (src/deferred.rs);
// an adapter here runs them with the subkeys imported once per key ring.
// WebCrypto everywhere it exists; node.js swaps in node:crypto, which is
// synchronous and faster in Node (`make bench`). HMAC stays in wasm, where it
// costs less than a round trip.

const EMPTY = new Uint8Array(0);

function concat(a, b, c = EMPTY) {
  const out = new Uint8Array(a.length + b.length + c.length);
  out.set(a);
  out.set(b, a.length);
  out.set(c, a.length + b.length);
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

/**
 * The platform's base64url without padding, where it has a native one
 * (`Uint8Array.prototype.toBase64`, Node's Buffer); null elsewhere, where the
 * core's `join` encodes. Used for `Codec.join`'s formula only:
 * base64url(prefix || a || b).
 */
export function platformBase64url() {
  if (typeof Uint8Array.prototype.toBase64 === "function") {
    return (b) => b.toBase64({ alphabet: "base64url", omitPadding: true });
  }
  if (typeof globalThis.Buffer?.from === "function") {
    return (b) => globalThis.Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url");
  }
  return null;
}

/**
 * A codec's pending jobs, read in place from the buffer `Codec.takeJobs`
 * fills in wasm memory (its layout is documented there): views, no copies,
 * valid until the next call into the module (`detached` copies a job that
 * must outlive an await). `head` goes back to the core with an open job's
 * answer; `text` (`{at, skip, len}`) marks a body left in the store blob's text.
 */
export function takeJobs(codec, memory = codec.memory) {
  const base = codec.takeJobs();
  const buf = new Uint8Array(memory.buffer);
  const u32 = (i) => ((buf[i] << 24) | (buf[i + 1] << 16) | (buf[i + 2] << 8) | buf[i + 3]) >>> 0;
  const jobs = [];
  for (let at = base + 4, end = at + u32(base); at < end; ) {
    const start = at;
    const flags = buf[at];
    const [nonceLen, aadLen, bodyLen, prefixLen] = [buf[at + 5], u32(at + 6), u32(at + 10), buf[at + 14]];
    const job = { seal: (flags & 1) === 1, key: u32(at + 1), data: null, text: null };
    if (flags & 2) job.text = { at: u32(at + 15), skip: buf[at + 19], len: bodyLen };
    at += 20;
    job.nonce = buf.subarray(at, (at += nonceLen));
    job.aad = buf.subarray(at, (at += aadLen));
    job.head = buf.subarray(start, at);
    if (!job.text) job.data = buf.subarray(at, (at += bodyLen));
    job.prefix = buf.subarray(at, (at += prefixLen));
    jobs.push(job);
  }
  return jobs;
}

/** A seal job copied out of wasm memory, to outlive an await. */
function detached(job) {
  return { ...job, nonce: job.nonce.slice(), aad: job.aad.slice(), data: job.data.slice(), prefix: job.prefix.slice() };
}

/**
 * The platform's base64url decoder, where it has a native one
 * (`Uint8Array.fromBase64`, Node's Buffer); null elsewhere. Only for text
 * the core has checked is canonical base64url.
 */
export function platformBase64urlDecode() {
  if (typeof Uint8Array.fromBase64 === "function") {
    return (text) => Uint8Array.fromBase64(text, { alphabet: "base64url" });
  }
  if (typeof globalThis.Buffer?.from === "function") {
    return (text) => {
      const b = globalThis.Buffer.from(text, "base64url");
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    };
  }
  return null;
}

/** A job's body left in `text` (the blob), decoded as `Codec.takeJobs` says; null if it is not there. */
function bodyOf(job, text, decode) {
  const { at, skip, len } = job.text;
  let bytes;
  try {
    bytes = decode(text.slice(at));
  } catch {
    return null;
  }
  return bytes.length === skip + len ? bytes.subarray(skip) : null;
}

/**
 * `Codec.join(prefix, a, b)`, the sealed value base64url(prefix || a || b),
 * on the platform's base64 (`encode`) where it has one, else the codec's.
 */
export function joiner(codec, encode = platformBase64url()) {
  if (!encode) return (prefix, a, b) => codec.join(prefix, a, b);
  return (prefix, a, b) => encode(concat(prefix, a, b));
}

const PLACEHOLDER = /\u0001(\d+)\u0001/;

/**
 * Runs a codec's bulk crypto on `adapter`, keys imported on first use.
 * `open` answers the one job a load handed out (with the job, which the core
 * checks the answer against); `sealPlan` fills in the sealed values a save
 * plan left as placeholders. Both take the codec's jobs synchronously, before
 * any await: requests sharing the codec interleave only at awaits. An open
 * job's body may be left in the store blob's text (`open(text)`, a function
 * that gives it): it is decoded with `decode`, the platform's base64url.
 */
export function bulkFor(codec, adapter, decode = platformBase64urlDecode()) {
  const memory = codec.memory;
  let keys = null;
  const encode = platformBase64url();
  const join = joiner(codec, encode);
  // The imported keys once ready; no await per request after that.
  let ring = null;
  const ready = () =>
    (keys ??= Promise.resolve(adapter.importKeys(codec.subkeys())).then(
      (r) => (ring = r),
      (e) => {
        keys = null;
        throw e;
      },
    ));
  return {
    /** Whether the core may leave large bodies in the blob's text (`Codec.deferCrypto`). */
    textBodies: decode !== null,
    async open(text) {
      const [job] = takeJobs(codec, memory);
      // The head goes back to the core after the platform's answer.
      const head = job.head.slice();
      let data = job.text ? bodyOf(job, text?.() ?? "", decode) : job.data;
      // A body that does not decode to its length fails as a bad tag would.
      if (data === null) return [null, head];
      let { nonce, aad } = job;
      if (!ring) [nonce, aad, data] = [nonce.slice(), aad.slice(), data.slice()];
      const r = ring ?? (await ready());
      // The platform copies its input before this returns.
      const plain = adapter.open(r[job.key], nonce, aad, data);
      return [(isPromise(plain) ? await plain : plain) ?? null, head];
    },
    /** The plan itself when it has nothing to seal; else a promise of it. */
    sealPlan(plan) {
      const jobs = takeJobs(codec, memory);
      if (jobs.length === 0 || plan.error) return plan;
      // Views do not outlive an await, nor the codec's own join (a call into wasm).
      return fillIn(plan, ring && encode ? jobs : jobs.map(detached));
    },
  };

  async function fillIn(plan, jobs) {
    const r = ring ?? (await ready());
    // Every seal starts before the first await, while the jobs' views hold;
    // the platform copies its input before it returns.
    const sealed = jobs.map(({ key, nonce, aad, data, prefix }) => {
      const out = adapter.seal(r[key], nonce, aad, data);
      if (!isPromise(out)) return join(prefix, out[0], out[1] ?? EMPTY);
      const kept = prefix.slice();
      return out.then(([a, b]) => join(kept, a, b ?? EMPTY));
    });
    const values = sealed.some(isPromise) ? await Promise.all(sealed) : sealed;
    const fill = (text) => text.replace(PLACEHOLDER, (_, i) => values[i]);
    plan.cookies = plan.cookies.map(fill);
    for (const op of plan.store) if (op.op === "put") op.value = fill(op.value);
    return plan;
  }
}

// node:crypto answers synchronously: no await, no microtask for it.
function isPromise(x) {
  return typeof x?.then === "function";
}
