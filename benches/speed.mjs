// Speed: µs per operation for every flow (benches/flows.mjs), in Node and in
// workerd. Flows are interleaved round by round, so a noisy neighbour slows
// every library alike, and each figure is the median over rounds.
import { bundleWorker, fromTests } from "./build.mjs";
import { OPS } from "./flows.mjs";
import { median, round } from "./stats.mjs";

/**
 * Settings by run length: warm-up per flow and op (long enough for V8 to
 * tier the wasm and the JS up, even on a busy machine), batch length in ms,
 * number of rounds.
 */
export function speedPlan(quick) {
  return quick
    ? { warmupMs: 20, probeMs: 3, batchMs: 10, rounds: 3, workerdBatchMs: 40, workerdRounds: 2 }
    : { warmupMs: 400, probeMs: 15, batchMs: 100, rounds: 15, workerdBatchMs: 200, workerdRounds: 11 };
}

/**
 * Figures per flow and op. The Hono peers run through a Hono app; the same
 * app with no session work (`hono-baseline`) is subtracted from them round by
 * round, so `us` is the session's cost and `rawUs` what the whole request
 * took. `samples` holds one figure per round, in round order for every flow.
 */
function finish(flows, raw, emitted) {
  const results = {};
  for (const f of flows) {
    results[f.id] = { label: f.label, ours: !!f.ours, baseline: !!f.baseline, ops: {} };
    for (const op of OPS) {
      const r = raw[f.id][op];
      const viaHono = f.id.startsWith("hono-") && !f.baseline;
      const base = raw["hono-baseline"][op].samples;
      const samples = viaHono ? r.samples.map((x, i) => x - base[i]) : r.samples;
      results[f.id].ops[op] = {
        us: round(median(samples)),
        minUs: round(Math.min(...samples)),
        ...(viaHono ? { rawUs: round(median(r.samples)) } : {}),
        emitted: emitted[f.id][op],
        iters: r.iters,
        samples: samples.map((x) => round(x, 3)),
      };
    }
  }
  return results;
}

async function emittedCounts(flows, cookies) {
  const emitted = {};
  for (const f of flows) {
    emitted[f.id] = {};
    for (const op of OPS) emitted[f.id][op] = await f[op](cookies[f.id]);
  }
  return emitted;
}

/** Node: time batches of each flow in this process. */
export async function nodeSpeed(flows, { quick, log }) {
  const plan = speedPlan(quick);
  const cookies = {};
  for (const f of flows) cookies[f.id] = await f.setup();
  const emitted = await emittedCounts(flows, cookies);
  const raw = {};
  for (const f of flows) raw[f.id] = {};
  for (const op of OPS) {
    log(`bench: node speed, ${op}`);
    const iters = {};
    for (const f of flows) {
      const fn = f[op];
      const c = cookies[f.id];
      for (const t0 = performance.now(); performance.now() - t0 < plan.warmupMs; ) await fn(c);
      // The fastest of three probe windows: noise only ever adds time.
      let per = Infinity;
      for (let w = 0; w < 3; w++) {
        let n = 0;
        const t0 = performance.now();
        while (performance.now() - t0 < plan.probeMs) {
          await fn(c);
          n++;
        }
        per = Math.min(per, (performance.now() - t0) / n);
      }
      iters[f.id] = Math.max(3, Math.round(plan.batchMs / per));
    }
    const samples = Object.fromEntries(flows.map((f) => [f.id, []]));
    for (let r = 0; r < plan.rounds; r++) {
      // Rotate the order each round.
      const order = flows.map((_, i) => flows[(i + r) % flows.length]);
      for (const f of order) {
        const fn = f[op];
        const c = cookies[f.id];
        const n = iters[f.id];
        const t0 = performance.now();
        for (let i = 0; i < n; i++) await fn(c);
        samples[f.id].push(((performance.now() - t0) * 1000) / n);
      }
    }
    for (const f of flows) raw[f.id][op] = { us: median(samples[f.id]), iters: iters[f.id], samples: samples[f.id] };
  }
  return finish(flows, raw, emitted);
}

export const ORIGIN = "http://bench.local";

/** One batch in workerd, timed from outside: ms of wall time for the request. */
export async function dispatch(mf, query, path = "/run") {
  const t0 = performance.now();
  const res = await mf.dispatchFetch(`${ORIGIN}${path}?${new URLSearchParams(query)}`);
  const body = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 200) throw new Error(`bench: workerd ${JSON.stringify(query)}: ${res.status} ${body}`);
  return ms;
}

/**
 * workerd: a bench Worker (benches/worker.mjs, bundled with the peers and the
 * workerd entry of pkg/) runs N iterations per request. workerd's clock does
 * not advance during pure CPU work, so each batch is timed from Node around
 * dispatchFetch, and an empty batch (n=0) is subtracted.
 */
export async function workerdSpeed(flows, { quick, log }) {
  const plan = speedPlan(quick);
  const { dir, modules } = await bundleWorker("benches/worker.mjs", "worker");
  const { Miniflare } = await fromTests("miniflare");
  const mf = new Miniflare({ modules, modulesRoot: dir, compatibilityDate: "2025-09-01" });
  try {
    await mf.ready;
    const verify = await mf.dispatchFetch(`${ORIGIN}/verify`);
    const check = await verify.json();
    if (!check.ok) throw new Error(`bench: the workerd bench Worker failed: ${check.error}`);
    const emitted = check.emitted;
    const raw = {};
    const empty = [];
    for (let i = 0; i < 5; i++) empty.push(await dispatch(mf, { lib: flows[0].id, op: "load", n: 0 }));
    for (const f of flows) raw[f.id] = {};
    for (const op of OPS) {
      log(`bench: workerd speed, ${op}`);
      const iters = {};
      for (const f of flows) {
        // Warm-up: batches until warmupMs of work have run inside workerd.
        for (let n = 8, spent = 0; spent < plan.warmupMs; n *= 2) spent += (await dispatch(mf, { lib: f.id, op, n })) - median(empty);
        // Grow the batch until it clearly outlasts an empty request (the
        // faster of two tries at each size: noise only ever adds time).
        let n = 4;
        let ms = 0;
        for (;;) {
          const a = await dispatch(mf, { lib: f.id, op, n });
          const b = await dispatch(mf, { lib: f.id, op, n });
          ms = Math.min(a, b) - median(empty);
          if (ms >= plan.workerdBatchMs / 4 || n >= 1 << 16) break;
          n *= 4;
        }
        iters[f.id] = Math.max(3, Math.round((plan.workerdBatchMs * n) / Math.max(ms, 0.5)));
      }
      const batches = Object.fromEntries(flows.map((f) => [f.id, []]));
      for (let r = 0; r < plan.workerdRounds; r++) {
        const order = flows.map((_, i) => flows[(i + r) % flows.length]);
        for (const f of order) {
          empty.push(await dispatch(mf, { lib: f.id, op, n: 0 }));
          batches[f.id].push(await dispatch(mf, { lib: f.id, op, n: iters[f.id] }));
        }
      }
      // One empty request's time (the median of all of them) comes off every batch.
      const base = median(empty);
      for (const f of flows) {
        const samples = batches[f.id].map((ms) => ((ms - base) * 1000) / iters[f.id]);
        raw[f.id][op] = { us: median(samples), iters: iters[f.id], samples };
      }
    }
    const results = finish(flows, raw, emitted);
    return { results, emptyRequestMs: round(median(empty)) };
  } finally {
    await mf.dispose();
  }
}

/**
 * For each op: the fastest peer (by median) and how many times faster each
 * of ours is, as the median over rounds of the ratio within the round
 * (fastest peer of that round / ours), which cancels most machine noise.
 */
export function ratios(results) {
  const out = {};
  for (const op of OPS) {
    const peers = Object.entries(results).filter(([, r]) => !r.ours && !r.baseline);
    const [fastestId, fastest] = peers.reduce((a, b) => (b[1].ops[op].us < a[1].ops[op].us ? b : a));
    out[op] = { fastestPeer: fastestId, fastestPeerUs: fastest.ops[op].us, speedup: {}, speedupOfMedians: {} };
    for (const [id, r] of Object.entries(results)) {
      if (!r.ours) continue;
      const mine = r.ops[op].samples;
      const paired = mine.map((x, i) => Math.min(...peers.map(([, p]) => p.ops[op].samples[i])) / x);
      out[op].speedup[id] = round(median(paired), 3);
      out[op].speedupOfMedians[id] = round(fastest.ops[op].us / r.ops[op].us, 3);
    }
  }
  return out;
}
