// Vite rows: `vite build` + `vite preview`, and the dev server, each page in
// Chromium; no Vite setting for edge-session. Vite <= 7's dev pre-bundling
// moves browser.js away from its .wasm: the inlined copy takes over there.
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { ENV, freePort, pageSteps, project, run, serve, warnings } from "./lib.mjs";

const SHARED = [
  "counter.js",
  "steps.js",
  "page.js",
  "index.html",
  "vitest-steps.js",
  "vitest.config.js",
  "vitest.node.config.js",
  "flow.test.js",
].map((f) => [`shared/${f}`, f]);

export function viteSuite(version, { vitest = false } = {}) {
  describe(`Vite ${version}`, { timeout: 600_000 }, () => {
    let dir;
    const vite = () => path.join(dir, "node_modules/.bin/vite");
    before(async () => {
      dir = await project(`vite${version}`, `vite${version}`, SHARED);
    });

    test("vite build, vite preview: the page in Chromium fetches the emitted .wasm", async (t) => {
      const log = await run(vite(), ["build"], { cwd: dir });
      assert.deepEqual(warnings(log), [], "no build warnings");
      const port = await freePort();
      const server = await serve(vite(), ["preview", "--strictPort", "--port", String(port), "--host", "127.0.0.1"], {
        cwd: dir,
        url: `http://127.0.0.1:${port}/`,
      });
      t.after(server.stop);
      const { errors, requests } = await pageSteps(server.url, `vite ${version} preview`);
      assert.deepEqual(errors, []);
      assert.ok(requests.some((r) => r.endsWith(".wasm 200")), requests.join("\n"));
    });

    test("vite dev: the page in Chromium", async (t) => {
      const port = await freePort();
      const server = await serve(vite(), ["--strictPort", "--port", String(port), "--host", "127.0.0.1"], {
        cwd: dir,
        url: `http://127.0.0.1:${port}/`,
      });
      t.after(server.stop);
      const { errors } = await pageSteps(server.url, `vite ${version} dev`);
      assert.deepEqual(errors, []);
      assert.deepEqual(warnings(server.output()), [], "no dev server warnings");
    });

    if (vitest) {
      test("Vitest browser mode (Chromium), zero config for edge-session", async () => {
        const out = await run(path.join(dir, "node_modules/.bin/vitest"), ["run", "--config", "vitest.config.js"], { cwd: dir, env: { ...ENV, CI: "1" } });
        assert.match(out, /1 passed/);
      });

      test("Vitest browser mode: the README's flow test with edge-session/testing", async () => {
        const env = { ...ENV, CI: "1", VITEST_FILE: "flow.test.js" };
        const out = await run(path.join(dir, "node_modules/.bin/vitest"), ["run", "--config", "vitest.config.js"], { cwd: dir, env });
        assert.match(out, /1 passed/);
      });

      for (const environment of ["node", "jsdom", "happy-dom", "edge-runtime"]) {
        test(`Vitest, environment ${environment}: the README's flow test with edge-session/testing`, async () => {
          const env = { ...ENV, CI: "1", VITEST_ENV: environment };
          const out = await run(path.join(dir, "node_modules/.bin/vitest"), ["run", "--config", "vitest.node.config.js"], { cwd: dir, env });
          assert.match(out, /1 passed/);
        });
      }
    }
  });
}
