// The package in Deno 2 with Deno KV as the store: the `deno` entry must load
// (a source-phase import of the .wasm), and spill must work against a real
// Deno KV, including its 64 KiB value cap. Run after `make package`:
//   DENO_DIR=target/deno tests/node_modules/.bin/deno test --unstable-kv --allow-read --allow-env tests/deno/
import assert from "node:assert/strict";
import {
  DENO_KV_MAX_VALUE,
  denoKvStore,
  listSessions,
  loadSession,
  memoryStore,
  revokeAll,
  saveSession,
  SessionError,
} from "../../pkg/deno.js";

const SECRET = "deno-test-secret-0123456789abcdefgh";
const PREFIX = ["edge-session"];

type Store = ReturnType<typeof denoKvStore>;

/** denoKvStore over an in-memory Deno KV, with every call counted. */
async function countedKv() {
  const kv = await Deno.openKv(":memory:");
  const inner: Store = denoKvStore(kv);
  const calls = { get: 0, put: 0, delete: 0 };
  // Deno KV can compare-and-swap: the driver reads with getVersioned and writes with putIf.
  const store: Store = {
    get: (k: string) => (calls.get++, inner.get(k)),
    getVersioned: (k: string) => (calls.get++, inner.getVersioned(k)),
    put: (k: string, v: string, o: { expirationTtl: number }) => (calls.put++, inner.put(k, v, o)),
    putIf: (k: string, v: string, version: unknown, o: { expirationTtl: number }) => (
      calls.put++, inner.putIf(k, v, version, o)
    ),
    delete: (k: string) => (calls.delete++, inner.delete(k)),
  };
  const entries = async () => {
    const out: Deno.KvEntry<unknown>[] = [];
    for await (const e of kv.list({ prefix: PREFIX })) out.push(e);
    return out;
  };
  return { kv, store, calls, entries };
}

/** The `name=value` part of a Set-Cookie line. */
const pair = (line: string) => line.split(";")[0];

Deno.test("round trip through a Request and a Response", async () => {
  const options = { secrets: [SECRET] };
  const s = await loadSession(new Request("https://e.test/"), options);
  assert.equal(s.status, "new");
  s.set("user", "ann");
  const res = await saveSession(s, new Response("ok"));
  const lines = res.headers.getSetCookie();
  assert.equal(lines.length, 1);

  const again = await loadSession(
    new Request("https://e.test/", { headers: { cookie: pair(lines[0]) } }),
    options,
  );
  assert.equal(again.status, "valid");
  assert.equal(again.get("user"), "ann");
  assert.equal(again.id, s.id);
});

Deno.test("read-only requests emit nothing and write nothing to Deno KV", async () => {
  const { kv, store, calls } = await countedKv();
  const options = { secrets: [SECRET], store };
  try {
    // A brand-new session that stays empty.
    const fresh = await loadSession("", options);
    fresh.get("user");
    assert.deepEqual((await saveSession(fresh, new Headers())).getSetCookie(), []);

    // A valid spilled session: one get, no write, no cookie.
    const s = await loadSession("", options);
    s.set("blob", "x".repeat(6000));
    const [line] = await saveSession(s);
    calls.get = calls.put = calls.delete = 0;
    const read = await loadSession(pair(line), options);
    assert.equal(read.status, "valid");
    assert.equal((read.get("blob") as string).length, 6000);
    assert.deepEqual(await saveSession(read), []);
    assert.deepEqual(calls, { get: 1, put: 0, delete: 0 });
  } finally {
    kv.close();
  }
});

Deno.test("spill into Deno KV and back, then shrink: the entry goes with the next write", async () => {
  const { kv, store, entries } = await countedKv();
  const options = { secrets: [SECRET], store, storePrefix: "deno:" };
  try {
    const s = await loadSession("", options);
    s.set("blob", "PLAINTEXT".repeat(1000));
    const [spilled] = await saveSession(s);
    assert.ok(spilled.length < 400, "the cookie is only a reference");

    const stored = await entries();
    assert.equal(stored.length, 1);
    const key = stored[0].key.at(-1) as string;
    assert.ok(key.startsWith("deno:"), key);
    assert.ok(!key.includes(s.id), "the KV key does not reveal the session id");
    assert.ok(!(stored[0].value as string).includes("PLAINTEXT"), "the KV value is sealed");

    const back = await loadSession(pair(spilled), options);
    assert.equal(back.status, "valid");
    assert.equal(back.get("blob"), "PLAINTEXT".repeat(1000));

    back.delete("blob");
    back.set("small", true);
    const [inline] = await saveSession(back);
    assert.equal((await entries()).length, 1, "kept for sibling requests still carrying the reference");
    const after = await loadSession(pair(inline), options);
    assert.equal(after.status, "valid");
    assert.deepEqual(after.toJSON(), { small: true });
    after.set("more", 1);
    await saveSession(after);
    assert.equal((await entries()).length, 0, "the next write deleted it");
  } finally {
    kv.close();
  }
});

Deno.test("a session just under the Deno KV cap spills and round-trips", async () => {
  const { kv, store } = await countedKv();
  const options = { secrets: [SECRET], store };
  try {
    const s = await loadSession("", options);
    s.set("blob", "y".repeat(48_000)); // a sealed blob of about 64 100 bytes
    const [line] = await saveSession(s);
    const back = await loadSession(pair(line), options);
    assert.equal(back.status, "valid");
    assert.equal((back.get("blob") as string).length, 48_000);
  } finally {
    kv.close();
  }
});

Deno.test("over the 64 KiB Deno KV value cap: a clear store_failed, no Set-Cookie", async () => {
  const { kv, store, entries } = await countedKv();
  const options = { secrets: [SECRET], store };
  try {
    const s = await loadSession("", options);
    s.set("blob", "z".repeat(70_000));
    const res = new Response("x");
    await assert.rejects(saveSession(s, res), (e: unknown) => {
      assert.ok(e instanceof SessionError, String(e));
      assert.equal(e.code, "store_failed");
      assert.match(e.message, new RegExp(String(DENO_KV_MAX_VALUE)), e.message);
      return true;
    });
    assert.deepEqual(res.headers.getSetCookie(), []);
    assert.equal((await entries()).length, 0);
  } finally {
    kv.close();
  }
});

// BUG (minor, js/stores.js denoKvStore.put): the adapter compares the UTF-8
// length with 65536, but Deno KV counts the V8-serialised value, which adds
// 6 bytes to a one-byte string: blobs of 65531..65536 bytes pass the check
// and then fail inside Deno KV with its own "Value too large" message.
Deno.test("at the cap's edge the adapter, not Deno KV, reports the limit", async () => {
  // Find a data size whose sealed blob lands in 65531..65536 bytes.
  const blobLength = async (n: number) => {
    const mem = memoryStore();
    const s = await loadSession("", { secrets: [SECRET], store: mem });
    s.set("blob", "q".repeat(n));
    await saveSession(s);
    return ([...mem.map.values()][0] as { value: string }).value.length;
  };
  let n = 49_000;
  while ((await blobLength(n)) < 65_531) n++;
  const size = await blobLength(n);
  assert.ok(size <= DENO_KV_MAX_VALUE, `blob of ${size} bytes`);

  const { kv, store } = await countedKv();
  try {
    const s = await loadSession("", { secrets: [SECRET], store });
    s.set("blob", "q".repeat(n));
    await assert.rejects(saveSession(s), (e: unknown) => {
      assert.ok(e instanceof SessionError && e.code === "store_failed", String(e));
      assert.match(e.message, /Deno KV holds values up to 65536 bytes/, e.message);
      return true;
    });
  } finally {
    kv.close();
  }
});

Deno.test("bad cookies never throw", async () => {
  const { kv, store } = await countedKv();
  try {
    for (const c of ["__Host-session=garbage", "__Host-session=", ";;=", "__Host-session=" + "A".repeat(100_000)]) {
      const s = await loadSession(c, { secrets: [SECRET], store });
      assert.ok(["new", "invalid"].includes(s.status), `${s.status} for ${c.slice(0, 30)}`);
      assert.deepEqual(await saveSession(s), []);
    }
  } finally {
    kv.close();
  }
});

Deno.test("concurrent writers over Deno KV: merged per key with versionstamps, nobody logged out", async () => {
  const { kv, store, entries } = await countedKv();
  const options = { secrets: [SECRET], store };
  try {
    const s = await loadSession("", options);
    s.set("user", "ann").set("blob", "x".repeat(6000));
    const cookie = pair((await saveSession(s))[0]);
    // Five requests carry the same cookie; each adds its own key, two also change "theme".
    const sessions = await Promise.all(Array.from({ length: 5 }, () => loadSession(cookie, options)));
    sessions.forEach((t, i) => t.set(`k${i}`, i));
    sessions[1].set("theme", "dark");
    sessions[3].set("theme", "light");
    const lines = await Promise.all(sessions.map((t) => saveSession(t)));
    assert.equal((await entries()).length, 1, "one entry per session");
    for (const [line] of lines) {
      const t = await loadSession(pair(line), options);
      assert.equal(t.status, "valid");
      assert.equal(t.get("user"), "ann");
      for (let i = 0; i < 5; i++) assert.equal(t.get(`k${i}`), i, `k${i} survived`);
      assert.ok(["dark", "light"].includes(t.get("theme") as string));
    }
    // The first cookie, after all those saves, reads the newest version.
    const old = await loadSession(cookie, options);
    assert.equal(old.status, "valid");
    assert.equal(old.get("k4"), 4);
  } finally {
    kv.close();
  }
});

Deno.test("a session destroyed while another request writes is not brought back", async () => {
  const { kv, store, entries } = await countedKv();
  const options = { secrets: [SECRET], store };
  try {
    const s = await loadSession("", options);
    s.set("blob", "x".repeat(6000));
    const cookie = pair((await saveSession(s))[0]);
    const writer = await loadSession(cookie, options);
    const logout = await loadSession(cookie, options);
    logout.destroy();
    await saveSession(logout);
    writer.set("late", true);
    await assert.rejects(saveSession(writer), (e: unknown) => e instanceof SessionError && e.code === "session_ended");
    assert.equal((await entries()).length, 0);
  } finally {
    kv.close();
  }
});

Deno.test("revocation over Deno KV: a copied cookie fails after logout; revokeAll; fail-closed and fail-open", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = denoKvStore(kv);
  const options = { secrets: [SECRET], store, revocation: { subject: "userId", list: true } };
  try {
    const login = async (bytes: number) => {
      const s = await loadSession("", options);
      s.regenerate().set("userId", 7).set("blob", "x".repeat(bytes));
      return pair((await saveSession(s))[0]);
    };
    // Logout holds against a copy, inline and spilled.
    for (const bytes of [10, 6000]) {
      const cookie = await login(bytes);
      const s = await loadSession(cookie, options);
      s.destroy();
      await saveSession(s);
      const copy = await loadSession(cookie, options);
      assert.deepEqual([copy.status, copy.reason], ["revoked", "revoked"]);
    }
    // Sign out everywhere: two jars end, a new login stands.
    const laptop = await login(10);
    const phone = await login(6000);
    assert.equal((await listSessions(7, options)).length, 2);
    await revokeAll(7, options);
    for (const jar of [laptop, phone]) {
      const s = await loadSession(jar, options);
      assert.deepEqual([s.status, s.reason], ["revoked", "signed_out"]);
    }
    const again = await login(10);
    assert.equal((await loadSession(again, options)).status, "valid");
    assert.equal((await listSessions(7, options)).length, 1);
    // A failing revocation store.
    const broken = { get: () => Promise.reject(new Error("down")), put: store.put, delete: store.delete };
    const closed = await loadSession(again, { ...options, revocation: { subject: "userId", store: broken } });
    assert.deepEqual([closed.status, closed.reason], ["unavailable", "revocation_failed"]);
    const open = await loadSession(again, { ...options, revocation: { subject: "userId", store: broken, failOpen: true } });
    assert.equal(open.status, "valid");
  } finally {
    kv.close();
  }
});

Deno.test("the native vectors open on Deno's WebCrypto as the core's own software opens them", async () => {
  const { internal } = await import("../../pkg/internal.js");
  const file = JSON.parse(await Deno.readTextFile(new URL("../vectors/native.json", import.meta.url)));
  type Vector = {
    name: string; kind: string; purpose: string; open_name: string; value: string; mode: "sealed" | "signed";
    secrets: string[]; now: number; payload: string; expect: { ok?: boolean; error?: string };
  };
  const vectors = (file.vectors as Vector[]).filter((v) => v.kind === "session" && v.purpose === "cookie");
  const open = async (v: Vector, maxDepth: number) => {
    const s = await loadSession(`${v.open_name}=${v.value}`, {
      secrets: v.secrets, mode: v.mode, cookie: { name: v.open_name }, now: () => v.now * 1000, limits: { maxDepth },
    });
    return { status: s.status, reason: s.reason ?? null, data: s.toJSON() };
  };
  assert.ok(internal.crypto, "WebCrypto is the platform crypto");
  const platform = [];
  for (const v of vectors) platform.push(await open(v, 61));
  const before = internal.crypto;
  internal.crypto = null; // codecs built from here on run the bulk crypto in wasm
  try {
    for (const [i, v] of vectors.entries()) {
      assert.deepEqual(platform[i], await open(v, 62), v.name);
      if (v.expect.ok && JSON.parse(v.payload).d) assert.equal(platform[i].status, "valid", v.name);
      if (v.expect.error) assert.equal(platform[i].reason, v.expect.error, v.name);
    }
  } finally {
    internal.crypto = before;
  }
});

Deno.test("edge-session/formats loads in Deno: a React Router cookie, written and read", async () => {
  const es = await import("../../pkg/formats/deno.js");
  const options = { format: "remix" as const, remix: { secrets: ["react-router secret"] }, cookie: { name: "__session" } };
  const s = await es.loadSession("", options);
  s.set("user", "ada");
  const [cookie] = (await es.saveSession(s)) as string[];
  const again = await es.loadSession(cookie.split(";")[0], options);
  assert.equal(again.status, "valid");
  assert.equal(again.get("user"), "ada");
});
