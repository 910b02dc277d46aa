// A Worker for tests/js/memory.test.mjs: GET /cycles?n=N&fresh=F runs N
// load/save cycles inside workerd (inline, and spilled to a store every 10th
// cycle) and reports the size of the package's wasm linear memory. With F > 0,
// every F-th cycle uses options never seen before, so a new wasm Codec is built
// and an old one dropped from the package's cache.
import { loadSession, saveSession, memoryStore } from "../../pkg/workerd.js";
import { initSync } from "../../pkg/edge_session.js";

// The package does not export its memory; the glue's initSync hands back the
// exports of the instance the workerd entry already created.
const wasmBytes = () => initSync().memory.buffer.byteLength;

let cookie = "";
let expected = 0;
let round = 0;
const store = memoryStore();

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname !== "/cycles") return new Response("not found", { status: 404 });
    const n = Number(url.searchParams.get("n") ?? 1000);
    const every = Number(url.searchParams.get("fresh") ?? 0);
    const secrets = [env.SESSION_SECRET];
    for (let i = 0; i < n; i++) {
      // Every 10th cycle spills (and the next one shrinks back, deleting the entry).
      const fresh = every > 0 && i % every === 0;
      const options = { secrets, store, cookie: fresh ? { name: `c${round}x${i}` } : undefined };
      const s = await loadSession(fresh ? "" : cookie, options);
      if (!fresh) {
        if (s.status !== "valid" && expected !== 0) throw new Error(`cycle ${i}: ${s.status} ${s.reason}`);
        if (s.status === "valid" && s.get("n") !== expected) throw new Error(`cycle ${i}: lost update`);
      }
      s.set("n", (s.get("n") ?? 0) + 1);
      s.set("pad", i % 10 === 0 && !fresh ? "x".repeat(6000) : "x");
      const [line] = await saveSession(s);
      if (!fresh) {
        cookie = line.split(";")[0];
        expected = s.get("n");
      }
    }
    round++;
    return Response.json({ wasmBytes: wasmBytes(), storeEntries: store.map.size });
  },
};
