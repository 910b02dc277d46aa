// Runs the true floor (benches/truefloor.mjs) in Node and in workerd: per
// case, edge-session and each floor in interleaved rounds; each figure is the
// median µs per load + change + save, each ratio the median over rounds of
// (edge-session / floor) within the round.
import * as nodeCrypto from "node:crypto";
import { bundleWorker, fromTests } from "./build.mjs";
import { dispatch, ORIGIN } from "./speed.mjs";
import { median, round } from "./stats.mjs";
import { CASES, IMPLS, makeTrueFloor } from "./truefloor.mjs";

export function trueFloorPlan(quick) {
  return quick
    ? { warmupMs: 15, batchMs: 8, rounds: 2, workerdBatchMs: 25, workerdRounds: 2 }
    : { warmupMs: 300, batchMs: 80, rounds: 9, workerdBatchMs: 120, workerdRounds: 7 };
}

/** Figures and ratios for one case from per-round samples of each impl. */
function summarise(c, samples, iters) {
  const impls = Object.keys(samples);
  const floors = impls.filter((i) => i !== "edge-session");
  const ours = samples["edge-session"];
  const ratio = (pick) => round(median(ours.map((x, r) => x / pick(r))), 3);
  const out = {
    label: c.label,
    mode: c.mode,
    spilled: !!c.spilled,
    us: Object.fromEntries(impls.map((i) => [i, round(median(samples[i]))])),
    iters,
    samples: Object.fromEntries(impls.map((i) => [i, samples[i].map((x) => round(x, 3))])),
    vsFloor: Object.fromEntries(floors.map((f) => [f, ratio((r) => samples[f][r])])),
  };
  // The faster floor, round by round.
  out.vsFastestFloor = ratio((r) => Math.min(...floors.map((f) => samples[f][r])));
  out.fastestFloor = floors.reduce((a, b) => (out.us[b] < out.us[a] ? b : a));
  return out;
}

/** Node: every case, its contenders timed in this process. */
export async function trueFloorNode({ quick, log }) {
  const plan = trueFloorPlan(quick);
  const es = await import(new URL("../pkg/node.js", import.meta.url).href);
  const { contenders, base64 } = makeTrueFloor({
    es,
    subtle: globalThis.crypto.subtle,
    random: (a) => globalThis.crypto.getRandomValues(a),
    nodeCrypto,
  });
  const cases = {};
  for (const c of CASES) {
    log(`bench: true floor, node, ${c.label}`);
    const jobs = Object.entries(contenders[c.id]);
    const iters = {};
    for (const [impl, x] of jobs) {
      await x.setup();
      if ((await x.change()) !== 1) throw new Error(`bench: true floor ${c.id} ${impl} did not emit one cookie`);
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < plan.warmupMs || n < 2) {
        await x.change();
        n++;
      }
      const per = (performance.now() - t0) / n;
      iters[impl] = Math.max(2, Math.round(plan.batchMs / per));
    }
    const samples = Object.fromEntries(jobs.map(([impl]) => [impl, []]));
    for (let r = 0; r < plan.rounds; r++) {
      for (let k = 0; k < jobs.length; k++) {
        const [impl, x] = jobs[(k + r) % jobs.length];
        const n = iters[impl];
        const t0 = performance.now();
        for (let i = 0; i < n; i++) await x.change();
        samples[impl].push(((performance.now() - t0) * 1000) / n);
      }
    }
    cases[c.id] = summarise(c, samples, iters);
  }
  return { base64, cases };
}

/** workerd: the bench Worker's /tf routes (benches/worker.mjs), timed from outside. */
export async function trueFloorWorkerd({ quick, log }) {
  const plan = trueFloorPlan(quick);
  const { dir, modules } = await bundleWorker("benches/worker.mjs", "worker");
  const { Miniflare } = await fromTests("miniflare");
  const mf = new Miniflare({ modules, modulesRoot: dir, compatibilityDate: "2025-09-01" });
  try {
    await mf.ready;
    const verify = await (await mf.dispatchFetch(`${ORIGIN}/tf/verify`)).json();
    if (!verify.ok) throw new Error(`bench: the workerd true-floor setup failed: ${verify.error}`);
    const run = (c, impl, n) => dispatch(mf, { case: c, impl, n }, "/tf/run");
    const empty = [];
    for (let i = 0; i < 5; i++) empty.push(await run(CASES[0].id, "edge-session", 0));
    const cases = {};
    for (const c of CASES) {
      log(`bench: true floor, workerd, ${c.label}`);
      const impls = verify.impls;
      const iters = {};
      for (const impl of impls) {
        for (let n = 2, spent = 0; spent < plan.warmupMs; n *= 2) spent += (await run(c.id, impl, n)) - median(empty);
        let n = 2;
        let ms = 0;
        for (;;) {
          ms = Math.min(await run(c.id, impl, n), await run(c.id, impl, n)) - median(empty);
          if (ms >= plan.workerdBatchMs / 4 || n >= 1 << 14) break;
          n *= 4;
        }
        iters[impl] = Math.max(2, Math.round((plan.workerdBatchMs * n) / Math.max(ms, 0.5)));
      }
      const batches = Object.fromEntries(impls.map((i) => [i, []]));
      for (let r = 0; r < plan.workerdRounds; r++) {
        for (let k = 0; k < impls.length; k++) {
          const impl = impls[(k + r) % impls.length];
          empty.push(await run(c.id, impl, 0));
          batches[impl].push(await run(c.id, impl, iters[impl]));
        }
      }
      const base = median(empty);
      const samples = Object.fromEntries(impls.map((i) => [i, batches[i].map((ms) => ((ms - base) * 1000) / iters[i])]));
      cases[c.id] = summarise(c, samples, iters);
    }
    return { base64: verify.base64, cases, emptyRequestMs: round(median(empty)) };
  } finally {
    await mf.dispose();
  }
}

export { CASES, IMPLS };
