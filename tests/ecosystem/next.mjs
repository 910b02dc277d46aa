// Next.js rows: middleware (edge) or proxy (Next 16, Node.js), Route Handlers on
// the edge and Node.js runtimes, and a Server Action with cookies(), under
// Turbopack and webpack, in `next dev` and in `next build && next start`.
import { describe, test, after } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { rmSync } from "node:fs";
import { ENV, assertCounter, counterOverHttp, freePort, project, run, serve, warnings } from "./lib.mjs";

// Next's own notices about the app's choices, not about the package.
const ALLOWED = [
  /The "middleware" file convention is deprecated/,
  /middleware-to-proxy/,
  /The Edge Runtime is deprecated|edge-runtime-deprecated/,
  /Using edge runtime on a page currently disables static generation/,
  // Printed when CI=true (as in this project's CI): about Next's own cache.
  /No build cache found/,
];

/** The Server Action through its progressive-enhancement form POST, as a browser without JS sends it. */
async function serverAction(base) {
  const html = await (await fetch(base)).text();
  const id = html.match(/\$ACTION_ID_[0-9a-f]+/)?.[0];
  assert.ok(id, "the page renders the action's form");
  const count = (text) => text.match(/count:(?:<!-- -->)?(\d+)/)?.[1];
  await assertCounter(async (inc, cookie) => {
    const headers = cookie ? { cookie } : {};
    if (!inc) {
      const r = await fetch(base, { headers });
      return { body: count(await r.text()), setCookies: r.headers.getSetCookie() };
    }
    const form = new FormData();
    form.append(id, "");
    // A browser's form POST carries Origin; Next checks it against Host.
    const r = await fetch(base, { method: "POST", body: form, headers: { ...headers, origin: new URL(base).origin }, redirect: "manual" });
    assert.equal(r.status, 200, `the action answered ${r.status}`);
    await r.text();
    // The action's page render shows the count before the action; read it back.
    const after = await fetch(base, { headers: { cookie: r.headers.getSetCookie()[0]?.split(";")[0] ?? "" } });
    return { body: count(await after.text()), setCookies: r.headers.getSetCookie() };
  }, "server action");
}

export function nextSuite(version, variants) {
  describe(`Next.js ${version}`, { timeout: 900_000 }, () => {
    let dir;
    test("install", async () => {
      dir = await project(`next${version}`, `next${version}`, [
        ["next/app", "app"],
        ["next/lib", "lib"],
        ["next/next.config.mjs", "next.config.mjs"],
      ]);
    });
    for (const { bundler, flag, entry, modes = ["build", "dev"] } of variants) {
      for (const mode of modes) {
        test(`${bundler}, next ${mode === "build" ? "build && next start" : "dev"}, ${entry}`, async (t) => {
          assert.ok(dir, "installed");
          for (const f of ["middleware.js", "proxy.js", ".next"]) rmSync(path.join(dir, f), { recursive: true, force: true });
          const { cpSync } = await import("node:fs");
          cpSync(path.join(import.meta.dirname, "next", entry), path.join(dir, entry));
          const next = path.join(dir, "node_modules/.bin/next");
          let log = "";
          if (mode === "build") log += await run(next, ["build", ...flag], { cwd: dir });
          const port = await freePort();
          const server = await serve(next, [mode === "build" ? "start" : "dev", ...(mode === "dev" ? flag : []), "-p", String(port)], {
            cwd: dir,
            env: ENV,
            url: `http://127.0.0.1:${port}/_not-found-probe`,
          });
          t.after(server.stop);
          const base = `http://127.0.0.1:${port}`;
          await counterOverHttp(`${base}/mw`, entry);
          await counterOverHttp(`${base}/api/edge`, "edge route handler");
          await counterOverHttp(`${base}/api/node`, "nodejs route handler");
          await serverAction(`${base}/`);
          log += server.output();
          assert.deepEqual(warnings(log, ALLOWED), [], "no warnings");
        });
      }
    }
  });
}
