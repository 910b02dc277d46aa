// The two builds: `edge-session` carries the native format only; the foreign
// formats (and migration from them) come with `edge-session/formats`, a larger
// wasm of its own. In Node here; workerd (tests/workerd/migrate-worker.js, the
// README's migration example), Deno (tests/deno/) and Chromium
// (browser-load.test.mjs) load the formats entry in their suites too.
import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { root } from "./bundle.mjs";

const SECRET = "entries-test-secret-0123456789abcdefgh";
const REMIX = { format: "remix", remix: { secrets: ["react-router secret"] }, cookie: { name: "__session" } };

/** Runs `code` as a module in a fresh Node process (one entry per process). */
function run(code) {
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: root, encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

test("the default wasm is the smaller one: the foreign formats are not in it", () => {
  const lean = statSync(path.join(root, "pkg/edge_session_bg.wasm")).size;
  const full = statSync(path.join(root, "pkg/formats/edge_session_formats_bg.wasm")).size;
  assert.ok(lean < full * 0.75, `${lean} vs ${full}`);
});

test("the default entry refuses a foreign format, saying where it lives", () => {
  const out = run(`
    const { loadSession } = await import("./pkg/node.js");
    try { await loadSession("", ${JSON.stringify({ ...REMIX })}); console.log(JSON.stringify({ ok: true })); }
    catch (e) { console.log(JSON.stringify({ code: e.code, option: e.option, message: e.message })); }
  `);
  assert.equal(out.code, "invalid_option");
  assert.equal(out.option, "format");
  assert.match(out.message, /edge-session\/formats/);
  const legacy = run(`
    const { loadSession } = await import("./pkg/node.js");
    const o = { secrets: ["${SECRET}"], legacy: [${JSON.stringify(REMIX)}] };
    try { await loadSession("", o); console.log("null"); } catch (e) { console.log(JSON.stringify(e.option)); }
  `);
  assert.equal(legacy, "legacy[0].format");
});

test("edge-session/formats reads and writes a foreign format, and native sessions alike", () => {
  const out = run(`
    const es = await import("./pkg/formats/node.js");
    const remix = ${JSON.stringify(REMIX)};
    const s = await es.loadSession("", remix);
    s.set("user", "ada");
    const [cookie] = await es.saveSession(s);
    const again = await es.loadSession(cookie.split(";")[0], remix);
    const native = await es.loadSession("", { secrets: ["${SECRET}"] });
    native.set("n", 1);
    const [line] = await es.saveSession(native);
    const back = await es.loadSession(line.split(";")[0], { secrets: ["${SECRET}"] });
    console.log(JSON.stringify([again.status, again.get("user"), back.status, back.get("n")]));
  `);
  assert.deepEqual(out, ["valid", "ada", "valid", 1]);
});

test("both entries in one app: the formats build serves both, whichever comes first", () => {
  for (const order of [["./pkg/node.js", "./pkg/formats/node.js"], ["./pkg/formats/node.js", "./pkg/node.js"]]) {
    const out = run(`
      const a = await import("${order[0]}");
      const b = await import("${order[1]}");
      const s = await a.loadSession("", ${JSON.stringify(REMIX)});
      const t = await b.loadSession("", ${JSON.stringify(REMIX)});
      console.log(JSON.stringify([s.status, t.status, a.SessionError === b.SessionError]));
    `);
    assert.deepEqual(out, ["new", "new", true], order.join(" then "));
  }
});
