// The `browser` entry of the built package in headless Chromium: a static
// server on loopback serves pkg/ and tests/browser/, playwright-core drives
// the page, and the assertions run here in Node. Needs pkg/ (make package)
// and Chromium (Debian `chromium`; CHROMIUM_PATH overrides the path).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { launchChromium } from "./chromium.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const MIME = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".ts": "text/plain; charset=utf-8",
};

// URL path -> directory on disk. Nothing else is served.
const MOUNTS = [
  ["/pkg/", path.join(root, "pkg")],
  ["/", path.join(root, "tests", "browser")],
];

/** A tiny static file server for pkg/ and tests/browser/. */
function serve() {
  const requests = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://localhost");
    let pathname = decodeURIComponent(url.pathname);
    if (pathname === "/") pathname = "/page.html";
    requests.push(pathname);
    if (pathname === "/favicon.ico") {
      res.writeHead(204).end();
      return;
    }
    const mount = MOUNTS.find(([prefix]) => pathname.startsWith(prefix));
    const dir = mount[1];
    const file = path.resolve(dir, `.${pathname.slice(mount[0].length - 1)}`);
    const type = MIME[path.extname(file)];
    if (req.method !== "GET" || !type || !file.startsWith(dir + path.sep)) {
      problems.push(`404 ${pathname}`);
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(body);
    } catch {
      problems.push(`404 ${pathname}`);
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      resolve({ server, requests, url: `http://127.0.0.1:${port}/` });
    });
  });
}

let site;
let browser;
let page;
const problems = [];

before(async () => {
  site = await serve();
  browser = await launchChromium();
  page = await browser.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  await page.goto(site.url);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 }).catch((e) => {
    throw new Error(`the test page did not get ready (is pkg/ built?): ${problems.join("; ") || e.message}`);
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (site ? site.server.close(resolve) : resolve()));
});

const run = (name) => page.evaluate((n) => window.scenarios[n](), name);

test("the browser entry loads the wasm with init()", async () => {
  assert.deepEqual(problems, []);
  assert.ok(site.requests.includes("/pkg/browser.js"));
  assert.ok(site.requests.includes("/pkg/edge_session_bg.wasm"), "the .wasm was fetched");
  // instantiateStreaming needs the application/wasm type; check what was served.
  const res = await fetch(new URL("/pkg/edge_session_bg.wasm", site.url));
  assert.equal(res.headers.get("content-type"), "application/wasm");
  await res.arrayBuffer();
});

test("round trip: new -> set -> save -> load with the cookie -> valid", async () => {
  const r = await run("roundTrip");
  assert.equal(r.fresh.status, "new");
  assert.equal(r.fresh.isNew, true);
  assert.equal(r.fresh.reason, null);
  assert.deepEqual(r.fresh.data, {});
  assert.equal(r.emptySave, 0, "an empty new session sends no cookie");
  assert.equal(r.saved.count, 1);
  assert.equal(r.saved.name, "__Host-session");
  for (const a of ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"]) assert.ok(r.saved.attrs.includes(a), a);
  assert.equal(r.loaded.status, "valid");
  assert.equal(r.loaded.isNew, false);
  assert.equal(r.sameId, true);
  assert.deepEqual(r.loaded.data, { user: { name: "ada", roles: ["admin"] }, n: 1 });
  assert.equal(r.nested.count, 1, "a nested mutation is saved");
  assert.deepEqual(r.nested.data.user.roles, ["admin", "editor"]);
  assert.equal(r.readOnlySave, 0, "a read-only session sends no cookie");
  assert.deepEqual(r.storeCalls, { get: 0, put: 0, delete: 0 }, "inline sessions never touch the store");
});

test("spill to the memory store and back", async () => {
  const r = await run("spill");
  assert.equal(r.storeEntries, 1);
  assert.equal(r.putCalls, 1);
  assert.ok(r.spilledCookieBytes < 300, `spilled cookie is ${r.spilledCookieBytes} bytes`);
  assert.ok(r.storeKey.startsWith("session:"), r.storeKey);
  assert.equal(r.blobHasPlaintext, false, "the store entry is sealed");
  assert.ok(r.ttlSeconds >= 60, `ttl ${r.ttlSeconds}`);
  assert.deepEqual(r.loaded, { status: "valid", items: 120, gets: 1 });
  assert.equal(r.missing.status, "unavailable", "right after the write the store may lag: never a new session");
  assert.deepEqual(r.missing.data, {}, "missing data is never served as current");
  assert.ok(r.shrunk.cookieBytes > r.spilledCookieBytes, "back inline");
  assert.equal(r.shrunk.storeEntries, 1, "kept for sibling requests that still carry the reference");
  assert.equal(r.shrunk.deletes, 0);
  assert.deepEqual(r.inline, { status: "valid", items: 2, gets: 0 });
  assert.equal(r.tooLarge.isSessionError, true);
  assert.equal(r.tooLarge.code, "too_large");
  assert.ok(r.tooLarge.size > r.tooLarge.limit);
});

test("tampered, forged and foreign cookies are invalid; bad options throw", async () => {
  const r = await run("tamper");
  assert.equal(r.tampered.status, "invalid");
  assert.equal(r.tampered.reason, "bad_tag");
  assert.deepEqual(r.tampered.data, {});
  assert.equal(r.tampered.isNew, true);
  assert.equal(r.garbage.status, "invalid");
  assert.equal(r.garbage.reason, "malformed");
  assert.equal(r.otherName.status, "invalid", "a value moved to another cookie name does not open");
  assert.equal(r.otherSecret.status, "invalid");
  assert.equal(r.otherSecret.reason, "unknown_key");
  assert.equal(r.rotated.status, "valid");
  assert.deepEqual(r.rotated.data, { user: "bob" });
  assert.equal(r.rotated.resealed, 1, "an old-key cookie is re-sealed");
  assert.equal(r.badOptions.isSessionError, true);
  assert.equal(r.badOptions.code, "invalid_option");
  assert.match(r.badOptions.message, /secrets/);
});

test("a session kept in the page's own cookie jar (document.cookie)", async () => {
  const r = await run("documentCookie");
  assert.equal(r.first, "new");
  assert.equal(r.stored, true, "Chromium accepted the Secure __Host- cookie on http://127.0.0.1");
  assert.equal(r.status, "valid");
  assert.deepEqual(r.data, { theme: "dark" });
});

test("saveSession with a Response in a browser", async () => {
  const r = await run("responseTarget");
  // Set-Cookie is a forbidden response header in browsers: saveSession says so
  // (and hands the values over) instead of dropping the cookie in silence.
  assert.equal(r.threw, true);
  assert.equal(r.code, "invalid_option");
  assert.match(r.message, /saveSession\(session\)/);
  assert.equal(r.cookies, 1);
  assert.deepEqual(problems, []);
});
