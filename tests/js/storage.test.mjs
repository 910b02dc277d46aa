// createSessionStorage (issue 12, "Less JS per request"): options are resolved
// and checked once, bad ones throw at creation, and storage.load / storage.save
// behave as loadSession / saveSession. Run after `make package`:
//   node --test tests/js/storage.test.mjs
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createSessionStorage, loadSession, saveSession, memoryStore, SessionError } from "../../pkg/node.js";
import { internal } from "../../pkg/internal.js";

const SECRET = "test-secret-0123456789-abcdefghijklmnop";
const T0 = 1_800_000_000_000;

/** Options whose every top-level read is counted (a getter per key). */
function counted(base) {
  const reads = {};
  const o = {};
  for (const [k, v] of Object.entries(base)) {
    Object.defineProperty(o, k, {
      enumerable: true,
      get() {
        reads[k] = (reads[k] ?? 0) + 1;
        return v;
      },
    });
  }
  const total = () => Object.values(reads).reduce((a, b) => a + b, 0);
  return { options: o, reads, total };
}

/** memoryStore with counted calls. */
function countingStore(now) {
  const inner = memoryStore({ now });
  const calls = { get: 0, put: 0, delete: 0 };
  return {
    calls,
    map: inner.map,
    get: (k) => (calls.get++, inner.get(k)),
    put: (k, v, o) => (calls.put++, inner.put(k, v, o)),
    delete: (k) => (calls.delete++, inner.delete(k)),
  };
}

const pair = (line) => line.split(";")[0];

describe("createSessionStorage", () => {
  test("resolves the options once: load and save never read them again", async () => {
    const c = counted({ secrets: [SECRET], maxAge: 3600, cookie: { name: "sid", secure: false } });
    const sessions = createSessionStorage(c.options);
    const atCreate = c.total();
    assert.ok(atCreate > 0, "the options were read at creation");
    let cookie = "";
    for (let i = 0; i < 5; i++) {
      const s = await sessions.load(cookie);
      s.set("n", i);
      const lines = await sessions.save(s);
      assert.equal(lines.length, 1);
      cookie = pair(lines[0]);
    }
    assert.equal(c.total(), atCreate, `options read again after creation: ${JSON.stringify(c.reads)}`);
    // loadSession, by contrast, reads them on every call.
    await loadSession(cookie, c.options);
    assert.ok(c.total() > atCreate);
  });

  test("bad options throw SessionError at creation, naming the option", () => {
    const cases = [
      [undefined, "options"],
      [{}, "secrets"],
      [{ secrets: ["short"] }, "secrets"],
      [{ secrets: [SECRET], mode: "plain" }, "mode"],
      [{ secrets: [SECRET], maxAge: -1 }, "maxAge"],
      [{ secrets: [SECRET], store: {} }, "store"],
      [{ secrets: [SECRET], cookie: { sameSite: "sometimes" } }, "cookie.sameSite"],
    ];
    for (const [options, option] of cases) {
      assert.throws(
        () => createSessionStorage(options),
        (e) => e instanceof SessionError && e.code === "invalid_option" && e.option === option,
        `createSessionStorage(${JSON.stringify(options)}) should throw on ${option}`,
      );
    }
  });

  test("load and save: a read-only request emits nothing; a change emits one Set-Cookie", async () => {
    const now = () => T0;
    const options = { secrets: [SECRET], now };
    const sessions = createSessionStorage(options);
    const fresh = await sessions.load(new Request("https://e.test/"));
    assert.equal(fresh.status, "new");
    assert.deepEqual(await sessions.save(fresh), [], "an empty new session stays unsaved");
    fresh.set("user", { name: "ann" });
    const [line] = await sessions.save(fresh);
    // Same cookie, same semantics as the plain API.
    const a = await sessions.load(pair(line));
    const b = await loadSession(pair(line), options);
    assert.equal(a.status, "valid");
    assert.equal(a.id, b.id);
    assert.deepEqual(a.toJSON(), b.toJSON());
    a.get("user");
    const res = await sessions.save(a, new Response("x"));
    assert.deepEqual(res.headers.getSetCookie(), [], "read-only: no Set-Cookie");
    a.get("user").name = "bea"; // nested change
    const headers = await sessions.save(a, new Headers());
    assert.equal(headers.getSetCookie().length, 1, "a change: one Set-Cookie");
    const again = await loadSession(pair(headers.getSetCookie()[0]), options);
    assert.equal(again.get("user").name, "bea");
    // Sessions of either API save through either.
    again.set("x", 1);
    assert.equal((await sessions.save(again)).length, 1);
    const other = await sessions.load(pair(line));
    other.set("y", 2);
    assert.equal((await saveSession(other)).length, 1);
  });

  test("spill to a memoryStore and back: the same store calls and cookies as loadSession/saveSession", async () => {
    // One script of requests, run through each API on its own store.
    async function script(load, save, store) {
      const trace = [];
      const step = async (cookie, fn) => {
        const s = await load(cookie);
        fn(s);
        const lines = await save(s);
        trace.push({ status: s.status, stored: s.stored, lines: lines.length, calls: { ...store.calls }, size: store.map.size });
        return lines.length ? pair(lines[0]) : cookie;
      };
      let c = await step("", (s) => s.set("notes", "x".repeat(6000)));
      c = await step(c, (s) => assert.equal(s.get("notes").length, 6000));
      c = await step(c, (s) => (s.get("notes"), s.set("n", 1)));
      c = await step(c, (s) => (s.delete("notes"), s.set("small", true)));
      await step(c, (s) => assert.equal(s.get("small"), true));
      return trace;
    }
    const now = () => T0;
    const a = countingStore(now);
    const sessions = createSessionStorage({ secrets: [SECRET], store: a, now });
    const viaStorage = await script(sessions.load, sessions.save, a);
    const b = countingStore(now);
    const options = { secrets: [SECRET], store: b, now };
    const viaPlain = await script((c) => loadSession(c, options), saveSession, b);
    assert.deepEqual(viaStorage, viaPlain);
    // What the trace says, step by step: spill, read (1 get, no write, no
    // Set-Cookie), change, shrink back inline, read inline (no store call).
    assert.deepEqual(
      viaStorage.map((t) => [t.stored, t.lines]),
      [[true, 1], [true, 0], [true, 1], [false, 1], [false, 0]],
    );
    assert.deepEqual(viaStorage[0].calls, { get: 0, put: 1, delete: 0 });
    assert.deepEqual(viaStorage[1].calls, { get: 1, put: 1, delete: 0 }, "read-only spilled: one get, no write");
    assert.equal(viaStorage[4].calls.get, viaStorage[3].calls.get, "an inline load reads nothing");
    assert.equal(viaStorage[4].calls.put + viaStorage[4].calls.delete, viaStorage[3].calls.put + viaStorage[3].calls.delete);
  });

  test("created while the wasm is still loading (the browser entry): checked and resolved at the first load", async () => {
    // Node's entry is ready at import; hand core.js a pending init, as browser.js does.
    let done;
    internal.whenReady(new Promise((r) => (done = r)));
    const bad = createSessionStorage({ secrets: ["short"] }); // not checked yet: no wasm to check with
    const sessions = createSessionStorage({ secrets: [SECRET] });
    const loading = sessions.load("");
    const badLoad = bad.load("");
    badLoad.catch(() => {}); // asserted below
    done();
    const s = await loading;
    assert.equal(s.status, "new");
    await assert.rejects(badLoad, (e) => e instanceof SessionError && e.option === "secrets");
    s.set("a", 1);
    const [line] = await sessions.save(s);
    assert.equal((await sessions.load(pair(line))).get("a"), 1);
  });

  test("save rejects what is not a Session, as saveSession does", async () => {
    const sessions = createSessionStorage({ secrets: [SECRET] });
    await assert.rejects(sessions.save({}), (e) => e instanceof SessionError && e.option === "session");
  });
});
