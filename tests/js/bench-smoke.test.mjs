// A smoke run of the benchmarks (`BENCH_QUICK=1 node benches/run.mjs`), so
// the harness does not rot. It asserts that the run succeeds and writes every
// section (the true floor and the targets of issue 12 included), and the invariants that are not timings: a read-only request makes
// no store write and no Set-Cookie, a spilled load one store read, an inline
// load none. Timings are never asserted. Needs pkg/ (`make package`); the
// first run also builds the bench wasm under target/bench/.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const summaryPath = fileURLToPath(new URL("../../target/bench/summary.json", import.meta.url));

function runQuickBench() {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["benches/run.mjs"],
      { cwd: root, env: { ...process.env, BENCH_QUICK: "1" }, maxBuffer: 64 << 20, timeout: 900_000 },
      (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test("BENCH_QUICK=1 node benches/run.mjs writes every section", { timeout: 960_000 }, async () => {
  const started = Date.now();
  const run = await runQuickBench();
  assert.equal(run.code, 0, `the bench failed:\n${run.stderr.slice(-4000)}`);
  assert.ok(statSync(summaryPath).mtimeMs >= started - 1000, "summary.json was not rewritten");
  const s = JSON.parse(readFileSync(summaryPath, "utf8"));

  assert.equal(s.quick, true);
  for (const k of ["cpu", "cores", "node", "date"]) assert.ok(s.machine[k], `machine.${k}`);
  for (const k of ["speed", "trueFloor", "floor", "boundary", "size", "coldStart", "store", "targets"]) assert.ok(s[k], `section ${k}`);
  for (const rt of ["node", "workerd"]) {
    const sp = s.speed[rt];
    assert.ok(sp, `speed.${rt}`);
    for (const id of [
      "edge-session-sealed",
      "edge-session-signed",
      "iron-seal",
      "iron-session",
      "react-router",
      "hono-session",
      "hono-signed",
    ]) {
      for (const op of ["load", "change", "read"]) {
        assert.equal(typeof sp.results[id]?.ops[op]?.us, "number", `${rt} ${id} ${op}`);
      }
    }
    for (const op of ["load", "change", "read"]) assert.ok(sp.ratios[op].fastestPeer, `${rt} ratios.${op}`);
    // Invariants, not timings: edge-session saves once on a change, never on a read.
    for (const mode of ["sealed", "signed"]) {
      assert.equal(sp.results[`edge-session-${mode}`].ops.read.emitted, 0, `${rt} ${mode}: Set-Cookie on read`);
      assert.equal(sp.results[`edge-session-${mode}`].ops.change.emitted, 1, `${rt} ${mode}: Set-Cookie on change`);
    }
  }
  // The true floor: every case, edge-session and each floor, in both runtimes.
  const floors = { node: ["edge-session", "webcrypto", "node-crypto"], workerd: ["edge-session", "webcrypto"] };
  for (const [rt, impls] of Object.entries(floors)) {
    for (const id of ["inline-1k-sealed", "inline-1k-signed", "spilled-16k", "spilled-64k", "spilled-200k"]) {
      const c = s.trueFloor[rt]?.cases[id];
      assert.ok(c, `trueFloor.${rt}.${id}`);
      assert.deepEqual(Object.keys(c.us).sort(), [...impls].sort(), `trueFloor.${rt}.${id} contenders`);
      for (const impl of impls) assert.equal(typeof c.us[impl], "number", `trueFloor ${rt} ${id} ${impl}`);
      assert.ok(c.vsFloor.webcrypto > 0 && c.vsFastestFloor > 0, `trueFloor ${rt} ${id} ratios`);
    }
  }
  // The wasm-primitives floor stays, as a breakdown.
  for (const mode of ["sealed", "signed"]) assert.ok(s.floor.modes[mode].multiple.loadAndSave > 0);
  // The boundary: JSON strings vs serde-wasm-bindgen, three session sizes, each direction.
  for (const name of ["small", "fixture", "large"]) {
    const b = s.boundary.sessions[name];
    assert.ok(b?.bytes > 0, `boundary.${name}.bytes`);
    for (const d of ["roundTrip", "toWasm", "toJs"]) {
      for (const way of ["json", "swb"]) assert.equal(typeof b.us[way][d], "number", `boundary ${name} ${way} ${d}`);
      assert.ok(b.swbOverJson[d] > 0, `boundary ${name} swb/json ${d}`);
    }
  }
  assert.ok(s.boundary.sessions.small.bytes < s.boundary.sessions.fixture.bytes);
  assert.ok(s.boundary.sessions.fixture.bytes < s.boundary.sessions.large.bytes);
  const bs = s.boundary.size;
  assert.ok(bs.withSwb.wasm.raw > 0 && bs.withoutSwb.wasm.raw > 0, "boundary: both bench wasm sizes");
  assert.equal(bs.added.wasm.raw, bs.withSwb.wasm.raw - bs.withoutSwb.wasm.raw);
  assert.ok(s.size.shipped.wasm.raw > 0 && s.size.shipped.wasm.gzip > 0 && s.size.shipped.glue.raw > 0);
  assert.ok(s.coldStart.node.compileInstantiateMs > 0 && s.coldStart.workerd.edgeSessionMs.total > 0);
  assert.match(s.coldStart.node22.version, /^v22\./, "the cold start also runs on Node 22 from npm");
  assert.ok(s.coldStart.node22.compileInstantiateMs > 0);

  const e = s.store.edgeSession;
  for (const k of ["readOnlyInline", "readOnlySpilled"]) {
    assert.equal(e[k].put, 0, `${k}: store puts`);
    assert.equal(e[k].delete, 0, `${k}: store deletes`);
    assert.equal(e[k].setCookie, 0, `${k}: Set-Cookie`);
  }
  assert.equal(e.readOnlySpilled.get, 1, "a spilled load reads the store once");
  assert.equal(e.changedSpilled.get, 1, "a spilled load reads the store once");
  assert.equal(e.readOnlyInline.get, 0, "an inline load does not read the store");
  assert.equal(e.changedInline.get, 0, "an inline load does not read the store");
  assert.ok(s.store.reactRouterKv.readOnlyInline.put >= 0);

  assert.match(run.stdout, /^## Speed, Node$/m);
  assert.match(run.stdout, /^## Boundary: JSON strings vs serde-wasm-bindgen/m);
  assert.match(run.stdout, /^## True floor: /m);
  assert.match(run.stdout, /^## Targets \(issue 12\)$/m);
  // Every target of issue 12 is printed, met or not.
  const names = s.targets.map((t) => t.name);
  for (const want of [
    /^spilled 64 KiB, workerd/,
    /^spilled 200 KiB, workerd/,
    /^spilled 64 KiB, Node/,
    /^spilled 200 KiB, Node/,
    /^1 KiB sealed, workerd: edge-session ÷ WebCrypto floor/,
    /^1 KiB signed, workerd: edge-session ÷ WebCrypto floor/,
    /^1 KiB sealed, workerd: faster than every peer/,
    /^1 KiB signed, Node: faster than every peer/,
    /^1 KiB sealed, Node: edge-session ÷ faster floor/,
    /^default wasm size, raw/,
    /^default wasm size, gzip/,
    /^compile \+ instantiate, Node/,
    /^store reads on a spilled load/,
  ]) {
    assert.ok(names.some((n) => want.test(n)), `target ${want} is printed`);
  }
  for (const t of s.targets) assert.equal(typeof t.met, "boolean", `${t.name}: met`);
});
