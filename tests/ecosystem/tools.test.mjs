// Node, bundlers, Bun, Deno, wrangler and Hono rows (Node 20 pins).
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ECO, ENV, TARBALL, assertCounter, assertSteps, pageSteps, project, run, serveStatic, serve, freePort, counterOverHttp } from "./lib.mjs";

const SHARED = ["counter.js", "steps.js", "main.js", "require.cjs", "page.js", "index.html", "webpack.config.cjs", "webpack.web.config.cjs", "worker.ts", "hono-worker.ts", "tsconfig.json", "deno-check.ts", "wrangler-kv.jsonc", "node-http.mjs", "formats.js"].map((f) => [`shared/${f}`, f]);
// Bundles run from here: nothing of the project lies beside them.
const ELSEWHERE = path.join(ECO, "elsewhere");

function elsewhere(file) {
  rmSync(ELSEWHERE, { recursive: true, force: true });
  mkdirSync(ELSEWHERE, { recursive: true });
  const to = path.join(ELSEWHERE, path.basename(file));
  cpSync(file, to);
  return to;
}

describe("tools (Node 20 pins)", { timeout: 900_000 }, () => {
  let dir;
  const bin = (name) => path.join(dir, "node_modules/.bin", name);
  before(async () => {
    dir = await project("tools", "tools", SHARED);
  });

  test("Node: ESM import", async () => {
    assertSteps(await run(process.execPath, ["main.js"], { cwd: dir }), "node main.js");
  });

  test("edge-session/formats: Node, Bun, and an esbuild bundle run from another folder", async () => {
    const expected = 'formats ["valid","ada","new"]';
    assert.ok((await run(process.execPath, ["formats.js"], { cwd: dir })).includes(expected), "node");
    assert.ok((await run(bin("bun"), ["formats.js"], { cwd: dir })).includes(expected), "bun");
    const log = await run(bin("esbuild"), ["formats.js", "--bundle", "--platform=node", "--format=esm", "--outfile=dist-esbuild/formats.mjs", "--log-level=warning"], { cwd: dir });
    assert.equal(log.trim(), "", "no warnings");
    const bundled = await run(process.execPath, [elsewhere(path.join(dir, "dist-esbuild/formats.mjs"))], { cwd: ELSEWHERE });
    assert.ok(bundled.includes(expected), bundled);
  });

  test("Node: CommonJS require()", async () => {
    assertSteps(await run(process.execPath, ["require.cjs"], { cwd: dir }), "node require.cjs");
  });

  test("Node: node:http", async (t) => {
    const port = await freePort();
    const server = await serve(process.execPath, ["node-http.mjs", String(port)], { cwd: dir, url: `http://127.0.0.1:${port}/` });
    t.after(server.stop);
    await counterOverHttp(`http://127.0.0.1:${port}/`, "node:http");
  });

  test("esbuild --platform=node: the bundle alone, run from another folder", async () => {
    const log = await run(bin("esbuild"), ["main.js", "--bundle", "--platform=node", "--format=esm", "--outfile=dist-esbuild/main.mjs", "--log-level=warning"], { cwd: dir });
    assert.equal(log.trim(), "", "no warnings");
    assertSteps(await run(process.execPath, [elsewhere(path.join(dir, "dist-esbuild/main.mjs"))], { cwd: ELSEWHERE }), "esbuild node bundle");
  });

  test("esbuild browser bundle: the page works with only the bundle served", async () => {
    const out = path.join(dir, "dist-esbuild-web");
    rmSync(out, { recursive: true, force: true });
    await run(bin("esbuild"), ["page.js", "--bundle", "--format=esm", `--outdir=${out}`, "--log-level=warning"], { cwd: dir });
    cpSync(path.join(dir, "index.html"), path.join(out, "index.html"));
    assert.deepEqual(readdirSync(out).sort(), ["index.html", "page.js"], "esbuild emits no .wasm");
    const site = await serveStatic(out);
    try {
      await pageSteps(site.url, "esbuild browser bundle");
    } finally {
      site.close();
    }
  });

  test("esbuild browser bundle, --splitting with the .wasm copied beside it: no 404, the inlined copy never loads", async () => {
    const out = path.join(dir, "dist-esbuild-split");
    rmSync(out, { recursive: true, force: true });
    await run(bin("esbuild"), ["page.js", "--bundle", "--splitting", "--format=esm", `--outdir=${out}`, "--log-level=warning"], { cwd: dir });
    cpSync(path.join(dir, "index.html"), path.join(out, "index.html"));
    cpSync(path.join(dir, "node_modules/edge-session/edge_session_bg.wasm"), path.join(out, "edge_session_bg.wasm"));
    const site = await serveStatic(out);
    try {
      const { errors, requests } = await pageSteps(site.url, "esbuild split bundle");
      assert.deepEqual(errors, []);
      assert.ok(requests.includes(`${site.url}edge_session_bg.wasm 200`), requests.join("\n"));
      assert.equal(requests.length, 3, `index.html, page.js, the .wasm: ${requests.join("\n")}`);
    } finally {
      site.close();
    }
  });

  test("webpack --target node: the bundle alone, run from another folder", async () => {
    const log = await run(bin("webpack"), ["--config", "webpack.config.cjs"], { cwd: dir });
    assert.doesNotMatch(log, /WARNING|ERROR/, log);
    assertSteps(await run(process.execPath, [elsewhere(path.join(dir, "dist-webpack/main.cjs"))], { cwd: ELSEWHERE }), "webpack node bundle");
  });

  test("webpack for the browser: the page fetches the emitted .wasm", async () => {
    const log = await run(bin("webpack"), ["--config", "webpack.web.config.cjs"], { cwd: dir });
    assert.doesNotMatch(log, /ERROR/, log);
    // No warning at all: the default wasm (native format only) is under
    // webpack's 244 KiB asset hint, and so is every JS asset.
    assert.doesNotMatch(log, /WARNING/, log);
    const out = path.join(dir, "dist-webpack-web");
    cpSync(path.join(dir, "index.html"), path.join(out, "index.html"));
    const site = await serveStatic(out);
    try {
      const { errors, requests } = await pageSteps(site.url, "webpack browser bundle");
      assert.deepEqual(errors, []);
      assert.ok(requests.some((r) => r.endsWith(".wasm 200")), requests.join("\n"));
    } finally {
      site.close();
    }
  });

  test("bun run", async () => {
    assertSteps(await run(bin("bun"), ["main.js"], { cwd: dir }), "bun main.js");
  });

  test("bun build: the bundle alone, run from another folder", async () => {
    await run(bin("bun"), ["build", "main.js", "--target=bun", "--outfile=dist-bun/main.js"], { cwd: dir });
    assertSteps(await run(bin("bun"), [elsewhere(path.join(dir, "dist-bun/main.js"))], { cwd: ELSEWHERE }), "bun build");
  });

  test("bun build --compile: the binary alone, run from another folder", async () => {
    await run(bin("bun"), ["build", "main.js", "--compile", "--outfile=dist-bun/app"], { cwd: dir });
    const app = elsewhere(path.join(dir, "dist-bun/app"));
    assertSteps(await run(app, [], { cwd: ELSEWHERE }), "bun --compile binary");
  });

  test("Deno 2.9 through node_modules, no permissions", async () => {
    assertSteps(await run(bin("deno"), ["run", "--quiet", "main.js"], { cwd: dir, env: { ...ENV, DENO_DIR: path.join(ECO, "deno-dir") } }), "deno run");
  });

  test("deno bundle: the bundle alone, run from another folder", async () => {
    const env = { ...ENV, DENO_DIR: path.join(ECO, "deno-dir") };
    await run(bin("deno"), ["bundle", "--quiet", "--platform=deno", "-o", "dist-deno/main.js", "main.js"], { cwd: dir, env });
    assertSteps(await run(bin("deno"), ["run", "--quiet", elsewhere(path.join(dir, "dist-deno/main.js"))], { cwd: ELSEWHERE, env }), "deno bundle");
  });

  test("Deno with an import map to the package folder: deno check finds the types", async () => {
    const map = path.join(ECO, "deno-importmap");
    rmSync(map, { recursive: true, force: true });
    mkdirSync(path.join(map, "vendor/edge-session"), { recursive: true });
    await run("tar", ["-xzf", TARBALL, "-C", path.join(map, "vendor/edge-session"), "--strip-components=1"], { cwd: map });
    cpSync(path.join(dir, "deno-check.ts"), path.join(map, "main.ts"));
    const { writeFileSync } = await import("node:fs");
    writeFileSync(path.join(map, "deno.json"), JSON.stringify({ imports: { "edge-session": "./vendor/edge-session/deno.js" } }));
    const env = { ...ENV, DENO_DIR: path.join(ECO, "deno-dir") };
    await run(bin("deno"), ["check", "--quiet", "main.ts"], { cwd: map, env });
    assert.match(await run(bin("deno"), ["run", "--quiet", "main.ts"], { cwd: map, env }), /typed true/);
  });

  test("TypeScript: a Worker and a Hono app type-check (tsc --strict), with no declarations for c.get('session')", async () => {
    await run(bin("tsc"), ["-p", "tsconfig.json"], { cwd: dir });
  });

  test("wrangler 4.86 dev with local KV: the check, and a session that spills to KV", async (t) => {
    const port = await freePort();
    const server = await serve(bin("wrangler"), ["dev", "-c", "wrangler-kv.jsonc", "--port", String(port), "--ip", "127.0.0.1"], {
      cwd: dir,
      url: `http://127.0.0.1:${port}/`,
    });
    t.after(server.stop);
    const base = `http://127.0.0.1:${port}/`;
    await counterOverHttp(base, "wrangler dev");
    const grown = await fetch(`${base}?big&blob`);
    assert.match(await grown.text(), / 6000$/);
    const cookie = grown.headers.getSetCookie()[0];
    assert.ok(cookie.length < 400, `the cookie holds a reference: ${cookie}`);
    const read = await fetch(`${base}?blob`, { headers: { cookie: cookie.split(";")[0] } });
    assert.equal(await read.text(), "true 6000", "read back from KV");
    assert.deepEqual(read.headers.getSetCookie(), [], "a read sends no Set-Cookie");
  });

  for (const [name, entry] of [["wrangler 4.86: a TypeScript Worker", "worker.ts"], ["wrangler 4.86: Hono", "hono-worker.ts"]]) {
    test(`${name}: deploy --dry-run, the output on workerd (Miniflare)`, async () => {
      const out = path.join(dir, `dist-wrangler-${path.basename(entry, ".ts")}`);
      rmSync(out, { recursive: true, force: true });
      // A config of its own: without one, wrangler walks up to the repository's wrangler.toml.
      const config = path.join(dir, "wrangler-dry-run.json");
      writeFileSync(config, JSON.stringify({ name: "eco", main: entry, compatibility_date: "2026-04-01" }));
      await run(bin("wrangler"), ["deploy", "--dry-run", "--config", config, "--outdir", out], { cwd: dir });
      const { Miniflare } = await import(path.join(dir, "node_modules/miniflare/dist/src/index.js"));
      const main = readdirSync(out).find((f) => f.endsWith(".js"));
      const mf = new Miniflare({
        modules: true,
        scriptPath: path.join(out, main),
        modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
        compatibilityDate: "2026-04-01",
      });
      try {
        await assertCounter(async (inc, cookie) => {
          const r = await mf.dispatchFetch(`http://localhost/${inc ? "?inc" : ""}`, { headers: cookie ? { cookie } : {} });
          return { body: await r.text(), setCookies: r.headers.getSetCookie() };
        }, name);
      } finally {
        await mf.dispose();
      }
    });
  }
});
