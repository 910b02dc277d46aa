// The bench Worker: the same flows as in Node (benches/flows.mjs), with the
// package's workerd entry and the peers bundled in. workerd's clock stands
// still during CPU work, so this Worker only runs batches; Node times them.
//   GET /verify                  -> {ok, emitted: {lib: {op: Set-Cookie count}}}
//   GET /run?lib=&op=&n=         -> runs the op n times on lib's saved cookie
//   GET /tf/verify               -> sets up the true floor (benches/truefloor.mjs): {ok, impls, base64}
//   GET /tf/run?case=&impl=&n=   -> runs that contender's load + change + save n times
import * as es from "../pkg/workerd.js";
import * as peers from "./peers.mjs";
import { makeFlows, OPS } from "./flows.mjs";
import { makeTrueFloor } from "./truefloor.mjs";

let state;
let floorState;

// Crypto and randomness are not allowed at module scope in workerd: set up
// on the first request.
async function init() {
  const flows = makeFlows({ es, iron: peers.iron, rr: peers, hono: peers });
  const cookies = {};
  for (const f of flows) cookies[f.id] = await f.setup();
  return { flows: new Map(flows.map((f) => [f.id, f])), cookies };
}

export default {
  async fetch(request) {
    const url = new URL(request.url);
    try {
      if (url.pathname.startsWith("/tf/")) return await trueFloor(url);
      state ??= await init();
      if (url.pathname === "/verify") {
        const emitted = {};
        for (const [id, f] of state.flows) {
          emitted[id] = {};
          for (const op of OPS) emitted[id][op] = await f[op](state.cookies[id]);
        }
        return Response.json({ ok: true, emitted });
      }
      const f = state.flows.get(url.searchParams.get("lib"));
      const op = url.searchParams.get("op");
      const n = Number(url.searchParams.get("n") ?? 0);
      if (!f || !OPS.includes(op)) return new Response("unknown lib or op", { status: 404 });
      const cookie = state.cookies[f.id];
      for (let i = 0; i < n; i++) await f[op](cookie);
      return new Response("ok");
    } catch (e) {
      return Response.json({ ok: false, error: String(e?.stack ?? e) }, { status: url.pathname === "/verify" ? 200 : 500 });
    }
  },
};

async function trueFloor(url) {
  if (!floorState) {
    const { contenders, base64 } = makeTrueFloor({ es, subtle: crypto.subtle, random: (a) => crypto.getRandomValues(a) });
    for (const byImpl of Object.values(contenders)) {
      for (const [impl, x] of Object.entries(byImpl)) {
        await x.setup();
        if ((await x.change()) !== 1) throw new Error(`true floor: ${impl} did not emit one cookie`);
      }
    }
    floorState = { contenders, base64, impls: Object.keys(Object.values(contenders)[0]) };
  }
  if (url.pathname === "/tf/verify") return Response.json({ ok: true, impls: floorState.impls, base64: floorState.base64 });
  const x = floorState.contenders[url.searchParams.get("case")]?.[url.searchParams.get("impl")];
  if (!x) return new Response("unknown case or impl", { status: 404 });
  const n = Number(url.searchParams.get("n") ?? 0);
  for (let i = 0; i < n; i++) await x.change();
  return new Response("ok");
}
