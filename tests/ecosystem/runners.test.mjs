// Users' test runners on the packed package: Playwright's test runner driving
// a page, and @web/test-runner (Vitest's rows live in vite7.test.mjs).
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { ENV, freePort, project, run } from "./lib.mjs";

const SHARED = [
  "counter.js",
  "steps.js",
  "page.js",
  "runner-page.html",
  "static.mjs",
  "pw.spec.mjs",
  "playwright.config.mjs",
  "wtr.test.js",
  "web-test-runner.config.mjs",
].map((f) => [`shared/${f}`, f]);

describe("test runners", { timeout: 600_000 }, () => {
  let dir;
  const bin = (name) => path.join(dir, "node_modules/.bin", name);
  before(async () => {
    dir = await project("runners", "runners", SHARED);
  });

  test("Playwright's test runner driving a page (system Chromium)", async () => {
    const env = { ...ENV, PORT: String(await freePort()) };
    const out = await run(bin("playwright"), ["test", "--config", "playwright.config.mjs"], { cwd: dir, env });
    assert.match(out, /1 passed/);
  });

  test("@web/test-runner with the Chrome launcher (system Chromium)", async () => {
    const out = await run(bin("web-test-runner"), ["--config", "web-test-runner.config.mjs"], { cwd: dir, env: { ...ENV, CI: "1" } });
    assert.match(out, /1 passed/);
  });
});
