// Memory stays flat: 100,000 load/save cycles in Node and 100,000 in workerd
// leave wasm linear memory and the JS heap within a few MiB of where they
// were after warm-up. Sessions are dropped without any free(): a Session holds
// only JS strings and objects, and the wasm Codec objects (one per option set,
// cached, least recently used evicted) are freed by wasm-bindgen's
// FinalizationRegistry once unreachable; that is tested too.
// Run: `make memtest`, or `node --test tests/js/memory.test.mjs` after `make package` (~20 s).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { Miniflare } from "miniflare";
import { loadSession, saveSession, memoryStore } from "../../pkg/node.js";
import { initSync } from "../../pkg/edge_session.js";

const MiB = 1024 * 1024;
const SECRET = "memory-test-secret-0123456789-abcdefghijk";
// MEMTEST_CYCLES overrides the count (a multiple of 10,000).
const CYCLES = Number(process.env.MEMTEST_CYCLES ?? 100_000);

// gc() without --expose-gc on the command line (node --test runs each file in its own process).
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");
// The package does not export its memory; the glue's initSync returns the live instance's exports.
const wasm = initSync({ module: readFileSync(new URL("../../pkg/edge_session_bg.wasm", import.meta.url)) });
const wasmBytes = () => wasm.memory.buffer.byteLength;

/** Full GC, then a turn of the event loop so FinalizationRegistry callbacks run, twice. */
async function settle() {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 10));
  }
  gc();
}

async function snapshot() {
  await settle();
  return { wasm: wasmBytes(), heap: process.memoryUsage().heapUsed };
}

const fmt = (b) => `${(b / MiB).toFixed(2)} MiB`;

describe("Node", () => {
  test(`${CYCLES} load/save cycles: wasm memory and JS heap stay flat`, async (t) => {
    const store = memoryStore();
    const options = { secrets: [SECRET], store };
    let cookie = "";
    let n = 0;
    const cycle = async (i) => {
      const s = await loadSession(cookie, options);
      if (n && s.get("n") !== n) throw new Error(`cycle ${i}: expected ${n}, got ${s.get("n")} (${s.status})`);
      s.set("n", ++n);
      // Every 10th cycle spills to the store; the next shrinks back and deletes the entry.
      s.set("pad", i % 10 === 0 ? "x".repeat(6000) : "y");
      s.flash("f", i);
      const [line] = await saveSession(s);
      cookie = line.split(";")[0];
    };
    for (let i = 0; i < 5_000; i++) await cycle(i); // warm-up: JIT, caches, the wasm allocator
    const start = await snapshot();
    const samples = [];
    for (let i = 5_000; i < 5_000 + CYCLES; i++) {
      await cycle(i);
      if (i % 20_000 === 0) samples.push(fmt(wasmBytes()));
    }
    const end = await snapshot();
    t.diagnostic(
      `wasm ${fmt(start.wasm)} -> ${fmt(end.wasm)}; JS heap ${fmt(start.heap)} -> ${fmt(end.heap)}; samples ${samples.join(", ")}`,
    );
    // Versions younger than a second stay (KV's write limit); the rest were deleted.
    assert.ok(store.map.size <= 10, `store entries left behind: ${store.map.size}`);
    assert.ok(end.wasm - start.wasm <= 2 * MiB, `wasm grew ${fmt(end.wasm - start.wasm)}`);
    assert.ok(end.heap - start.heap <= 4 * MiB, `JS heap grew ${fmt(end.heap - start.heap)}`);
  });

  test("sessions dropped without free(), and codecs for 8,000 option sets, do not leak", async (t) => {
    // Each distinct option set builds a wasm Codec; the cache keeps 32, the rest
    // become garbage, and only wasm-bindgen's FinalizationRegistry frees their
    // wasm memory, after a GC. Until a GC runs they stay allocated, so the
    // memory's high-water mark depends on GC timing; a leak would show as
    // growth from round to round, after each GC.
    let k = 0;
    const round = async () => {
      for (let i = 0; i < 1_000; i++) {
        const s = await loadSession("", { secrets: [SECRET], cookie: { name: `n${k++}` } });
        s.set("i", i);
        await saveSession(s);
      }
      return snapshot();
    };
    await round();
    const start = await round();
    let end;
    for (let r = 0; r < 6; r++) end = await round();
    t.diagnostic(`wasm ${fmt(start.wasm)} -> ${fmt(end.wasm)}; JS heap ${fmt(start.heap)} -> ${fmt(end.heap)}`);
    assert.ok(end.wasm - start.wasm <= 512 * 1024, `wasm grew ${fmt(end.wasm - start.wasm)}`);
    assert.ok(end.heap - start.heap <= 4 * MiB, `JS heap grew ${fmt(end.heap - start.heap)}`);
  });
});

describe("workerd", () => {
  let mf;
  const workerOptions = () => ({
    modules: true,
    modulesRoot: fileURLToPath(new URL("../..", import.meta.url)),
    scriptPath: fileURLToPath(new URL("../workerd/memory-worker.js", import.meta.url)),
    modulesRules: [
      { type: "ESModule", include: ["**/*.js"] },
      { type: "CompiledWasm", include: ["**/*.wasm"] },
    ],
    compatibilityDate: "2025-09-01",
    bindings: { SESSION_SECRET: SECRET },
  });
  before(async () => {
    mf = new Miniflare(workerOptions());
    await mf.ready;
  });
  after(async () => {
    await mf?.dispose();
  });

  /** Resident memory of the workerd processes Miniflare started (Linux /proc), or null. */
  function workerdRss() {
    try {
      let total = 0;
      for (const pid of readFileSync("/proc/self/task/" + process.pid + "/children", "utf8").trim().split(/\s+/)) {
        if (!pid) continue;
        const status = readFileSync(`/proc/${pid}/status`, "utf8");
        if (!/^Name:\s*workerd/m.test(status)) continue;
        total += Number(status.match(/^VmRSS:\s*(\d+) kB/m)[1]) * 1024;
      }
      return total || null;
    } catch {
      return null;
    }
  }

  test(`${CYCLES} load/save cycles in a Worker: wasm memory flat, workerd RSS flat`, async (t) => {
    const fresh = 0;
    const run = async (n) => {
      const res = await mf.dispatchFetch(`http://localhost/cycles?n=${n}&fresh=${fresh}`);
      assert.equal(res.status, 200, await res.clone().text());
      return res.json();
    };
    await run(5_000); // warm-up
    const start = { ...(await run(1)), rss: workerdRss() };
    const samples = [];
    for (let i = 0; i < CYCLES / 10_000; i++) samples.push((await run(10_000)).wasmBytes);
    assert.equal(samples.length * 10_000, CYCLES);
    const end = { ...(await run(1)), rss: workerdRss() };
    t.diagnostic(
      `wasm ${fmt(start.wasmBytes)} -> ${fmt(end.wasmBytes)} (samples ${samples.map(fmt).join(", ")}); ` +
        `workerd RSS ${start.rss ? `${fmt(start.rss)} -> ${fmt(end.rss)}` : "n/a"}`,
    );
    assert.ok(end.wasmBytes - start.wasmBytes <= 2 * MiB, `wasm grew ${fmt(end.wasmBytes - start.wasmBytes)}`);
    if (start.rss) {
      // RSS includes V8's heap, which workerd grows toward its isolate limit
      // before collecting (no gc() there): this only catches a runaway. Leaks
      // are caught by the flat wasm memory here and the gc()'d Node heap above.
      assert.ok(end.rss - start.rss <= 128 * MiB, `workerd RSS grew ${fmt(end.rss - start.rss)}`);
    }
  });

  test("a new option set on every request (a new Codec each time) levels off in a Worker", async (t) => {
    // Dropped codecs are freed by workerd's own GCs, which run when V8 decides:
    // the memory must stop growing within a bounded number of rounds. A fresh
    // isolate, as after a deploy: after the 100,000 cycles above, workerd's
    // heap is large and its major GCs (which run finalizers) are rare.
    await mf.dispose();
    mf = new Miniflare(workerOptions());
    await mf.ready;
    const sizes = [];
    let flat = false;
    for (let r = 0; r < 24 && !flat; r++) {
      const res = await mf.dispatchFetch("http://localhost/cycles?n=2000&fresh=1");
      assert.equal(res.status, 200);
      sizes.push((await res.json()).wasmBytes);
      flat = sizes.length >= 6 && sizes.at(-1) - sizes.at(-4) <= MiB;
    }
    t.diagnostic(`${sizes.length * 2000} codecs built and dropped: wasm ${sizes.map(fmt).join(", ")}`);
    assert.ok(flat, `wasm still growing after ${sizes.length * 2000} codecs: ${fmt(sizes.at(-1))}`);
  });

});
