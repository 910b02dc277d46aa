// `make bench` (after `make package`): speed against the peers in Node and
// workerd, the true floor (hand-written platform crypto + JSON + base64, 1 KiB
// and spilled 16/64/200 KiB sessions), the breakdown against our own wasm
// primitives, the JS↔wasm boundary (JSON strings vs serde-wasm-bindgen),
// size, cold start and store cost, and the targets of issue 12.
// Prints a markdown report on stdout; writes target/bench/summary.json (every
// figure) and target/bench/speed.svg (copied to benches/speed.svg for the README).
//
//   BENCH_QUICK=1        few iterations: a smoke run for CI (figures are rough)
//   BENCH_ONLY=a,b       only these sections: speed, workerd, truefloor, floor, boundary, size, coldstart, store
// Progress goes to stderr.
import { copyFileSync, existsSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { boundaryBench } from "./boundary.mjs";
import { buildBenchWasm, bundlePeersForNode, OUT, PKG, ROOT, writeText } from "./build.mjs";
import { coldStartNode, coldStartWorkerd, node22 } from "./coldstart.mjs";
import { sessionData } from "./fixture.mjs";
import { floorBench } from "./floor.mjs";
import { makeFlows } from "./flows.mjs";
import { markdown, svg, targets } from "./report.mjs";
import { sizeBench } from "./size.mjs";
import { nodeSpeed, ratios, workerdSpeed } from "./speed.mjs";
import { storeBench } from "./store.mjs";
import { trueFloorNode, trueFloorWorkerd } from "./truefloor-bench.mjs";

const quick = process.env.BENCH_QUICK === "1";
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",")) : null;
const want = (section) => !only || only.has(section);
const started = performance.now();
const log = (msg) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${msg}\n`);

if (!existsSync(join(PKG, "edge_session_bg.wasm")) || !existsSync(join(PKG, "node.js"))) {
  console.error("bench: pkg/ is missing: run `make package` (or `make bench`, which does)");
  process.exit(1);
}

const summary = {
  quick,
  machine: {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  },
  sessionBytes: JSON.stringify(sessionData()).length,
};

const es = await import(pathToFileURL(join(PKG, "node.js")).href);
const peers = await import(pathToFileURL(await bundlePeersForNode()).href);
const flows = makeFlows({ es, iron: peers.iron, rr: peers, hono: peers });

summary.speed = {};
if (want("speed")) {
  const results = await nodeSpeed(flows, { quick, log });
  summary.speed.node = { results, ratios: ratios(results) };
}
if (want("workerd")) {
  const { results, emptyRequestMs } = await workerdSpeed(flows, { quick, log });
  summary.speed.workerd = { results, ratios: ratios(results), emptyRequestMs };
}
if (want("truefloor")) {
  summary.trueFloor = {
    node: await trueFloorNode({ quick, log }),
    workerd: await trueFloorWorkerd({ quick, log }),
  };
}
if (want("floor")) {
  buildBenchWasm({ log });
  summary.floor = await floorBench({ quick, log });
}
if (want("boundary")) {
  buildBenchWasm({ log });
  summary.boundary = await boundaryBench({ quick, log });
}
if (want("size")) summary.size = sizeBench({ log });
if (want("coldstart")) {
  summary.coldStart = {
    node: await coldStartNode({ quick, log }),
    node22: await (async () => coldStartNode({ quick, log, node: node22({ log }) }))().catch((e) => {
      log(`bench: no cold start on Node 22 (${e.message})`);
      return { error: e.message };
    }),
    workerd: await coldStartWorkerd({ quick, log }),
  };
}
if (want("store")) summary.store = await storeBench({ es, rr: peers, log });
summary.targets = targets(summary);
summary.elapsedSeconds = Math.round((performance.now() - started) / 1000);
summary.machine.loadAverageAtEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);

writeText(join(OUT, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
if (summary.speed.node || summary.speed.workerd) {
  const chart = svg(summary);
  writeText(join(OUT, "speed.svg"), chart);
  if (!quick && !only) copyFileSync(join(OUT, "speed.svg"), join(ROOT, "benches/speed.svg"));
}
const report = markdown(summary);
writeText(join(OUT, "summary.md"), report);
// A full run also refreshes the committed copy that the README links to.
if (!quick && !only) writeText(join(ROOT, "benches/results.md"), report);
process.stdout.write(report);
log(`bench: done; target/bench/summary.json${summary.speed.node ? ", target/bench/speed.svg" : ""}`);
