// Tamper sweep through the built package (pkg/node.js): a cookie value that
// differs from what the server wrote in any way is refused, for sealed and
// signed values and for spilled references; values never cross cookie names,
// purposes or deployments; a reference never opens another session's data.
// Run: `node --test tests/js/tamper.test.mjs` after `make package`.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { loadSession, saveSession, memoryStore } from "../../pkg/node.js";
import { documentJson, seal } from "./native-format.mjs";

const SECRET = "tamper-test-secret-0123456789-abcdefghij";
const OTHER_DEPLOYMENT = "another-deployment-secret-0123456789-xyz";
const T0 = 1_800_000_000_000;
const NAME = "__Host-session";
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// Beyond the alphabet: padding, the standard alphabet, separators, quotes, non-ASCII.
const EXTRA = ["=", "+", "/", ".", "~", "%", "!", "*", "é", "\u0000", "\u007f", "\ud800"];
const DATA = { user: { name: "ada", role: "admin" }, n: 41, cart: ["a", "b"] };
const REJECTED = new Set(["malformed", "bad_tag", "unknown_key", "unsupported_version", "too_large"]);

const pair = (setCookie) => setCookie.split(";")[0];
const valueOf = (setCookie) => pair(setCookie).slice(pair(setCookie).indexOf("=") + 1);

/** A store that counts reads: a refused cookie must never reach the store. */
function countingStore() {
  const inner = memoryStore({ now: () => T0 });
  const store = {
    map: inner.map,
    gets: 0,
    get(key) {
      store.gets++;
      return inner.get(key);
    },
    put: (k, v, o) => inner.put(k, v, o),
    delete: (k) => inner.delete(k),
  };
  return store;
}

function optionsFor(mode, store, extra = {}) {
  return { secrets: [SECRET], mode, store, now: () => T0, ...extra };
}

/** Saves DATA (plus `blob` bytes, to spill) in a new session; returns its cookie value. */
async function issue(options, blob = 0) {
  const s = await loadSession("", options);
  for (const [k, v] of Object.entries(DATA)) s.set(k, structuredClone(v));
  if (blob) s.set("blob", "x".repeat(blob));
  const [line] = await saveSession(s);
  return { value: valueOf(line), id: s.id };
}

/** Every single-character substitution, every truncation, and extensions at both ends. */
function* variants(value) {
  for (let i = 0; i < value.length; i++) {
    for (const c of [...B64URL, ...EXTRA]) {
      if (c !== value[i]) yield [`substitute ${i} by ${JSON.stringify(c)}`, value.slice(0, i) + c + value.slice(i + 1)];
    }
  }
  for (let n = 0; n < value.length; n++) yield [`truncate to ${n}`, value.slice(0, n)];
  for (let n = 1; n < value.length; n++) yield [`drop the first ${n}`, value.slice(n)];
  for (const c of [...B64URL, ...EXTRA]) {
    yield [`append ${JSON.stringify(c)}`, value + c];
    yield [`prepend ${JSON.stringify(c)}`, c + value];
  }
  for (const tail of ["AA", "AAA", "AAAA", "_-_-", value, "A".repeat(5000)]) {
    yield [`append ${tail.length} chars`, value + tail];
  }
}

/** Loads every variant; each must be a new, invalid session with a reason, and no store read. */
async function sweep(value, options, store) {
  const gets = store?.gets ?? 0;
  let n = 0;
  for (const [what, v] of variants(value)) {
    const s = await loadSession(`${NAME}=${v}`, options);
    n++;
    if (s.status !== "invalid" || !REJECTED.has(s.reason) || s.size !== 0) {
      assert.fail(`${what}: status ${s.status}, reason ${s.reason}, data ${JSON.stringify(s.toJSON())}`);
    }
  }
  if (store) assert.equal(store.gets, gets, "a refused reference never reads the store");
  return n;
}

const cases = [
  ["sealed, inline", "sealed", 0],
  ["signed, inline", "signed", 0],
  ["sealed, spilled reference", "sealed", 6000],
  ["signed, spilled reference", "signed", 6000],
];

describe("every single-character change is refused", () => {
  for (const [label, mode, blob] of cases) {
    test(label, async (t) => {
      const store = countingStore();
      const options = optionsFor(mode, store);
      const { value } = await issue(options, blob);
      assert.equal(store.map.size, blob ? 1 : 0, blob ? "spilled" : "inline");
      // The untouched value opens, so the sweep measures tampering and nothing else.
      const good = await loadSession(`${NAME}=${value}`, options);
      assert.equal(good.status, "valid");
      assert.deepEqual(good.get("user"), DATA.user);
      const n = await sweep(value, options, store);
      const subs = value.length * (B64URL.length + EXTRA.length - 1);
      assert.ok(n >= subs, `${n} variants`);
      t.diagnostic(`${label}: ${value.length}-character value, ${n} variants refused`);
    });
  }

  const NOT_IT = ["digest_mismatch", "bad_tag", "malformed"];
  test("the store blob of a spilled session: every position changed is unavailable, never valid", async (t) => {
    const store = countingStore();
    const options = optionsFor("sealed", store);
    const { value } = await issue(options, 3000);
    const [[key, entry]] = store.map;
    const blob = entry.value;
    let n = 0;
    for (let i = 0; i < blob.length; i++) {
      for (const c of [blob[i] === "A" ? "B" : "A", blob[i] === "_" ? "-" : "_"]) {
        entry.value = blob.slice(0, i) + c + blob.slice(i + 1);
        const s = await loadSession(`${NAME}=${value}`, options);
        n++;
        // A changed identity (the first 38 characters) is digest_mismatch;
        // a change after it, AES-GCM's bad_tag or the framing's malformed.
        if (s.status !== "unavailable" || !NOT_IT.includes(s.reason) || s.size !== 0) {
          assert.fail(`blob position ${i}: ${s.status} ${s.reason}`);
        }
      }
    }
    for (const v of [blob.slice(0, -1), `${blob}A`, "", blob.slice(1)]) {
      entry.value = v;
      const s = await loadSession(`${NAME}=${value}`, options);
      n++;
      assert.equal(s.status, "unavailable");
    }
    entry.value = blob;
    assert.equal((await loadSession(`${NAME}=${value}`, options)).status, "valid");
    assert.ok(key.startsWith("session:"));
    t.diagnostic(`store blob: ${blob.length} characters, ${n} variants stale`);
  });

  test("quotes and surrounding spaces are not part of the value (RFC 6265): same value, same session", async () => {
    const options = optionsFor("sealed");
    const { value } = await issue(options);
    for (const header of [`${NAME}="${value}"`, `${NAME}= ${value}\t`, ` ${NAME}=${value}`]) {
      assert.equal((await loadSession(header, options)).status, "valid", header);
    }
  });
});

describe("values do not cross names, purposes or deployments", () => {
  test("a value written for another cookie name", async () => {
    for (const mode of ["sealed", "signed"]) {
      const other = optionsFor(mode, undefined, { cookie: { name: "other" } });
      const { value } = await issue(other);
      assert.equal((await loadSession(`other=${value}`, other)).status, "valid");
      const s = await loadSession(`${NAME}=${value}`, optionsFor(mode));
      assert.deepEqual([s.status, s.reason, s.size], ["invalid", "bad_tag", 0], mode);
    }
  });

  test("a store blob presented as the cookie (another purpose)", async () => {
    for (const mode of ["sealed", "signed"]) {
      const store = countingStore();
      const options = optionsFor(mode, store);
      await issue(options, 6000);
      const [[, { value: blob }]] = store.map;
      const s = await loadSession(`${NAME}=${blob}`, options);
      // The blob is within the size limit, so it is opened and refused by its tag.
      assert.deepEqual([s.status, s.reason, s.size], ["invalid", "bad_tag", 0], mode);
    }
  });

  test("a value built for the store purpose under the right key, as the cookie", async () => {
    // Hand-sealed with the real secret: purpose "store", name = the cookie name.
    const forged = seal({
      secret: SECRET,
      purpose: "store",
      name: NAME,
      kind: "session",
      issuedAt: T0 / 1000 - 5,
      payload: documentJson("AAAAAAAAAAAAAAAAAAAAAA", JSON.stringify(DATA)),
    });
    const s = await loadSession(`${NAME}=${forged}`, optionsFor("sealed"));
    assert.deepEqual([s.status, s.reason], ["invalid", "bad_tag"]);
    // The same, written for the cookie purpose, opens: the purpose alone made the difference.
    const real = seal({
      secret: SECRET,
      issuedAt: T0 / 1000 - 5,
      payload: documentJson("AAAAAAAAAAAAAAAAAAAAAA", JSON.stringify(DATA)),
    });
    assert.equal((await loadSession(`${NAME}=${real}`, optionsFor("sealed"))).status, "valid");
  });

  test("a value from another deployment's secret", async () => {
    for (const mode of ["sealed", "signed"]) {
      const theirs = { secrets: [OTHER_DEPLOYMENT], mode, now: () => T0 };
      const { value } = await issue(theirs);
      const s = await loadSession(`${NAME}=${value}`, optionsFor(mode));
      assert.deepEqual([s.status, s.reason, s.size], ["invalid", "unknown_key", 0], mode);
    }
  });

  test("a spilled reference from another deployment never reads our store", async () => {
    const theirs = countingStore();
    const { value } = await issue({ secrets: [OTHER_DEPLOYMENT], store: theirs, now: () => T0 }, 6000);
    const ours = countingStore();
    const s = await loadSession(`${NAME}=${value}`, optionsFor("sealed", ours));
    assert.deepEqual([s.status, s.reason], ["invalid", "unknown_key"]);
    assert.equal(ours.gets, 0);
  });
});

describe("a reference never opens another session's store entry", () => {
  async function twoSpilled(mode) {
    const store = countingStore();
    const options = optionsFor(mode, store);
    const a = await issue(options, 6000);
    const b = await issue(options, 7000);
    assert.notEqual(a.id, b.id);
    assert.equal(store.map.size, 2);
    return { store, options, a, b };
  }

  for (const mode of ["sealed", "signed"]) {
    test(`${mode}: B's blob copied over A's entry leaves A unavailable, never B's data`, async () => {
      const { store, options, a, b } = await twoSpilled(mode);
      const keys = [...store.map.keys()];
      // Which key is A's: the one whose removal makes A unreadable.
      let aKey;
      for (const k of keys) {
        const saved = store.map.get(k);
        store.map.delete(k);
        const s = await loadSession(`${NAME}=${a.value}`, options);
        store.map.set(k, saved);
        if (s.status !== "valid") aKey = k;
      }
      assert.ok(aKey, "A's store key found");
      const bKey = keys.find((k) => k !== aKey);
      store.map.get(aKey).value = store.map.get(bKey).value;
      const s = await loadSession(`${NAME}=${a.value}`, options);
      assert.deepEqual([s.status, s.reason, s.size], ["unavailable", "digest_mismatch", 0]);
      assert.equal(s.id, a.id, "the session keeps A's own id, never B's");
      s.set("x", 1);
      await assert.rejects(saveSession(s), { code: "session_unavailable" });
      // B's own cookie still loads B.
      const sb = await loadSession(`${NAME}=${b.value}`, options);
      assert.equal(sb.status, "valid");
      assert.equal(sb.id, b.id);
      assert.equal(sb.get("blob").length, 7000);
    });

    test(`${mode}: A's reference after A's entry is gone, with B's still there: unavailable, then stale`, async () => {
      const { store, options, a, b } = await twoSpilled(mode);
      // Regenerating A moves it to a new key and deletes the old entry.
      const s1 = await loadSession(`${NAME}=${a.value}`, options);
      s1.regenerate();
      const [line] = await saveSession(s1);
      assert.equal(store.map.size, 2, "old entry deleted, new one written");
      const old = await loadSession(`${NAME}=${a.value}`, options);
      assert.deepEqual([old.status, old.reason, old.size], ["unavailable", "store_lagging", 0]);
      assert.notEqual(old.id, b.id);
      const later = await loadSession(`${NAME}=${a.value}`, { ...options, now: () => T0 + 120_000 });
      assert.deepEqual([later.status, later.reason, later.size], ["stale", "missing", 0]);
      const fresh = await loadSession(pair(line), options);
      assert.equal(fresh.status, "valid");
      assert.equal(fresh.get("blob").length, 6000);
    });
  }

  test("a hand-made reference to B's id, sealed by another deployment, is refused unread", async () => {
    const { store, options, b } = await twoSpilled("sealed");
    const gets = store.gets;
    const payload = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.alloc(16), Buffer.from(b.id)]);
    const forged = seal({ secret: OTHER_DEPLOYMENT, kind: "reference", issuedAt: T0 / 1000 - 5, payload });
    const s = await loadSession(`${NAME}=${forged}`, options);
    assert.deepEqual([s.status, s.reason], ["invalid", "unknown_key"]);
    assert.equal(store.gets, gets);
  });

  test("a 0.1 reference to B's id with a wrong digest, under the real key: never B's data", async () => {
    // Only the key holder can do this; it shows the digest, not the key, guards the blob.
    const { options, b } = await twoSpilled("sealed");
    const payload = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.alloc(16), Buffer.from(b.id)]);
    const ref = seal({ secret: SECRET, kind: "reference", issuedAt: T0 / 1000 - 5, payload });
    const s = await loadSession(`${NAME}=${ref}`, options);
    assert.deepEqual([s.status, s.size], ["unavailable", 0]);
    s.set("x", 1);
    await assert.rejects(saveSession(s), { code: "session_unavailable" });
  });
});
