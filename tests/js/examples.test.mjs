// The README's quick-start programs (tests/examples/), run in their runtimes
// exactly as written, importing the built package by its name:
//   workers.js, hono.js  bundled as wrangler does, in workerd (Miniflare) with KV
//   node.mjs             a Node HTTP server
//   deno.ts              Deno 2 with Deno KV (npm:edge-session mapped to pkg/)
//   browser.js           a page in headless Chromium, through an import map
//   turbogears.js        the FAQ's migration from TurboGears/Beaker cookies (Node)
// tests/js/readme.test.mjs keeps README.md's copies identical to these files.
// Run after `make package`: node --test tests/js/examples.test.mjs
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { bundleWorker, root, stage, workerd } from "./bundle.mjs";
import { launchChromium } from "./chromium.mjs";

const SECRET = "examples-test-secret-0123456789-abcdefgh";
const EXAMPLES = path.join(root, "tests/examples");
const dir = stage("examples");
for (const f of ["workers.js", "hono.js", "node.mjs", "deno.ts", "browser.js", "turbogears.js"]) {
  copyFileSync(path.join(EXAMPLES, f), path.join(dir, f));
}

const cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const cookieOf = (res) => res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");

/** Starts `cmd`, waits for a line with a URL on stdout or stderr; kills it at the end. */
function server(cmd, args, env) {
  const child = spawn(cmd, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  cleanups.push(
    () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", resolve);
        child.kill();
      }),
  );
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`no URL from ${cmd} in 60 s:\n${output}`)), 60_000);
    const seen = (chunk) => {
      output += chunk;
      const m = /https?:\/\/[\w.:[\]-]+:(\d+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ origin: `http://127.0.0.1:${m[1]}`, output: () => output });
      }
    };
    child.stdout.on("data", seen);
    child.stderr.on("data", seen);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} exited with ${code}:\n${output}`));
    });
  });
}

/** Two requests: the second carries the first one's cookie. */
async function twoVisits(origin, fetcher = fetch) {
  const one = await fetcher(`${origin}/`);
  assert.equal(await one.text(), "visit 1");
  const cookie = cookieOf(one);
  assert.match(cookie, /^__Host-session=[\w-]+$/);
  const two = await fetcher(`${origin}/`, { headers: { cookie } });
  assert.equal(await two.text(), "visit 2");
}

describe("README examples", () => {
  test("workers.js in workerd with KV", async () => {
    const { script, inputs } = await bundleWorker(path.join(dir, "workers.js"), path.join(dir, "workers-out"));
    assert.ok(inputs.includes("pkg/workerd.js"), "the workerd entry");
    const mf = await workerd(script, { SESSION_SECRET: SECRET });
    cleanups.push(() => mf.dispose());
    await twoVisits("http://localhost", (url, init) => mf.dispatchFetch(url, init));
    // A session too big for a cookie goes to env.SESSIONS: the example passes it as the store.
    const kv = await mf.getKVNamespace("SESSIONS");
    assert.deepEqual((await kv.list()).keys, [], "small sessions stay in the cookie");
  });

  test("hono.js in workerd: login, then a read-only page", async () => {
    const { script, inputs } = await bundleWorker(path.join(dir, "hono.js"), path.join(dir, "hono-out"));
    assert.ok(inputs.includes("pkg/workerd.js") && inputs.includes("pkg/hono.js"));
    const mf = await workerd(script, { SESSION_SECRET: SECRET });
    cleanups.push(() => mf.dispose());
    const anonymous = await mf.dispatchFetch("http://localhost/");
    assert.equal(await anonymous.text(), "hello stranger");
    assert.deepEqual(anonymous.headers.getSetCookie(), []);
    const login = await mf.dispatchFetch("http://localhost/login", {
      method: "POST",
      body: JSON.stringify({ user: "ada" }),
      headers: { "content-type": "application/json" },
      redirect: "manual",
    });
    assert.equal(login.status, 303);
    await login.arrayBuffer();
    const cookie = cookieOf(login);
    assert.ok(cookie);
    const home = await mf.dispatchFetch("http://localhost/", { headers: { cookie } });
    assert.equal(await home.text(), "hello ada");
    assert.deepEqual(home.headers.getSetCookie(), [], "read-only: no Set-Cookie");
  });

  test("node.mjs: a Node HTTP server", async () => {
    const { origin } = await server(process.execPath, ["node.mjs"], { PORT: "0", SESSION_SECRET: SECRET });
    await twoVisits(origin);
  });

  test("deno.ts: Deno.serve with Deno KV", async () => {
    writeFileSync(
      path.join(dir, "import_map.json"),
      JSON.stringify({ imports: { "npm:edge-session": "./node_modules/edge-session/deno.js" } }),
    );
    const deno = path.join(root, "tests/node_modules/.bin/deno");
    const { origin } = await server(
      deno,
      ["run", "--cached-only", "--unstable-kv", "--allow-net", "--allow-env", "--allow-read", "--allow-write",
        "--import-map", "import_map.json", "deno.ts"],
      { PORT: "0", SESSION_SECRET: SECRET, DENO_DIR: path.join(root, "target/deno"), NO_COLOR: "1" },
    );
    await twoVisits(origin);
  });

  test("browser.js: a page in Chromium, through an import map", async () => {
    const files = {
      "/": [
        "text/html",
        `<!doctype html><meta charset="utf-8"><title>example</title>
<script type="importmap">{"imports": {"edge-session": "/pkg/browser.js"}}</script>
<script type="module" src="/browser.js"></script>`,
      ],
      "/browser.js": ["text/javascript", readFileSync(path.join(dir, "browser.js"))],
    };
    const site = createServer((req, res) => {
      const url = new URL(req.url, "http://x");
      if (url.pathname.startsWith("/pkg/")) {
        const name = path.basename(url.pathname);
        const type = name.endsWith(".wasm") ? "application/wasm" : "text/javascript";
        try {
          res.writeHead(200, { "content-type": type }).end(readFileSync(path.join(root, "pkg", name)));
        } catch {
          res.writeHead(404).end();
        }
        return;
      }
      if (url.pathname === "/favicon.ico") return res.writeHead(204).end();
      const file = files[url.pathname];
      if (!file) return res.writeHead(404).end();
      res.writeHead(200, { "content-type": file[0] }).end(file[1]);
    });
    await new Promise((resolve) => site.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => site.close(resolve)));
    const browser = await launchChromium();
    cleanups.push(() => browser.close());
    const page = await browser.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    const themes = [];
    for (let i = 0; i < 3; i++) {
      await page.goto(`http://127.0.0.1:${site.address().port}/`);
      await page.waitForFunction(() => document.documentElement.dataset.theme, null, { timeout: 30_000 });
      themes.push(await page.evaluate(() => document.documentElement.dataset.theme));
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(themes, ["dark", "light", "dark"], "the cookie written by the page opened on each reload");
    const [cookie] = await page.context().cookies();
    assert.equal(cookie.name, "__Host-prefs");
    assert.equal(cookie.httpOnly, false);
  });

  test("turbogears.js: a Beaker cookie moves into a native session, once", async () => {
    const { migrate } = await import(pathToFileURL(path.join(dir, "turbogears.js")).href);
    const { loadSession, saveSession } = await import(pathToFileURL(path.join(dir, "node_modules/edge-session/node.js")).href);
    const vectors = JSON.parse(readFileSync(path.join(root, "tests/vectors/beaker.json"), "utf8"));
    const v = vectors.valid.find((x) => x.name === "signed_basic");
    const settings = {
      "session.type": "cookie",
      "session.data_serializer": "json",
      "session.validate_key": vectors.keys[v.keys].validate_key,
    };
    const options = { secrets: [SECRET] };
    const request = new Request("https://example.com/", { headers: { cookie: `beaker.session.id=${v.cookie}` } });
    const { session, beaker } = await migrate(request, settings, options);
    assert.deepEqual(session.toJSON(), JSON.parse(v.data));
    let response = await saveSession(session, new Response("ok"));
    response = await saveSession(beaker, response);
    const [native, expired] = response.headers.getSetCookie();
    assert.match(native, /^__Host-session=/);
    assert.match(expired, /^beaker\.session\.id=; .*Max-Age=0/);
    // The next request carries the native cookie: nothing left to migrate.
    const next = new Request("https://example.com/", { headers: { cookie: native.split(";")[0] } });
    const again = await migrate(next, settings, options);
    assert.equal(again.session.status, "valid");
    assert.equal(again.beaker, null);
    assert.deepEqual(again.session.toJSON(), JSON.parse(v.data));
    assert.equal((await loadSession(next, options)).get("user_id"), 7);
  });
});
