// How the `browser` entry gets its wasm, in headless Chromium: fetched beside
// the entry; the inlined copy when that URL answers with something else (Vite
// <= 7 dev pre-bundling, esbuild); a clear error when both fail; and no
// top-level await (the import resolves before the wasm has arrived).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { launchChromium } from "./chromium.mjs";
import { root } from "./bundle.mjs";

const SECRET = "browser-load-test-secret-0123456789-abcdef";
const PAGE = `<!doctype html><link rel="icon" href="data:,"><script type="module">
  const t0 = performance.now();
  const es = await import("./pkg/browser.js");
  const imported = performance.now() - t0;
  try {
    const session = await es.loadSession("", { secrets: ["${SECRET}"] });
    session.set("n", 1);
    const cookies = await es.saveSession(session);
    window.result = { imported, ok: cookies.length === 1 };
  } catch (e) {
    window.result = { imported, error: e.message };
  }
</script>`;

// The native vectors opened in the page, on Chromium's WebCrypto.
const VECTORS_PAGE = `<!doctype html><link rel="icon" href="data:,"><script type="module">
  const es = await import("./pkg/browser.js");
  const { internal } = await import("./pkg/internal.js");
  const vectors = await (await fetch("./native.json")).json();
  const opened = [];
  for (const v of vectors.vectors.filter((x) => x.kind === "session" && x.purpose === "cookie")) {
    const s = await es.loadSession(v.open_name + "=" + v.value, {
      secrets: v.secrets, mode: v.mode, cookie: { name: v.open_name }, now: () => v.now * 1000,
    });
    opened.push({ status: s.status, reason: s.reason ?? null, data: s.toJSON() });
  }
  window.result = { platform: internal.crypto ? "WebCrypto" : "software", opened };
</script>`;

// The formats entry in the page: a React Router cookie written and read.
const FORMATS_PAGE = `<!doctype html><link rel="icon" href="data:,"><script type="module">
  const es = await import("./pkg/formats/browser.js");
  const options = { format: "remix", remix: { secrets: ["react-router secret"] }, cookie: { name: "__session" } };
  try {
    const s = await es.loadSession("", options);
    s.set("user", "ada");
    const [cookie] = await es.saveSession(s);
    const again = await es.loadSession(cookie.split(";")[0], options);
    window.result = { status: again.status, user: again.get("user") };
  } catch (e) {
    window.result = { error: e.message };
  }
</script>`;

let server;
let base;
let browser;
const requests = [];

// /<mode>/...: "plain" serves pkg/ as it is; "html" answers every .wasm with an
// HTML page (a dev server's fallback), "html-noinline" also 404s the inlined
// copy, "slow" holds the .wasm back for 1.5 s.
before(async () => {
  server = createServer(async (req, res) => {
    const [, mode, ...rest] = new URL(req.url, "http://x").pathname.split("/");
    const name = rest.join("/");
    requests.push(`${mode}/${name}`);
    if (name === "") return res.writeHead(200, { "content-type": "text/html" }).end({ vectors: VECTORS_PAGE, formats: FORMATS_PAGE }[mode] ?? PAGE);
    if (name === "native.json") {
      return res.writeHead(200, { "content-type": "application/json" }).end(await readFile(path.join(root, "tests/vectors/native.json")));
    }
    if (name.endsWith(".wasm") && mode.startsWith("html")) {
      return res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>app</title>");
    }
    if (name === "pkg/edge_session_wasm_gz.js" && mode === "html-noinline") return res.writeHead(404).end();
    if (name.endsWith(".wasm") && mode === "slow") await new Promise((r) => setTimeout(r, 1500));
    try {
      const body = await readFile(path.join(root, "pkg", name.replace(/^pkg\//, "").replace(/\.\.+/g, "")));
      const type = name.endsWith(".wasm") ? "application/wasm" : "text/javascript";
      res.writeHead(200, { "content-type": type }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

async function open(mode) {
  const page = await browser.newPage();
  try {
    await page.goto(`${base}/${mode}/`);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 30_000 });
    return await page.evaluate(() => window.result);
  } finally {
    await page.close();
  }
}

test("the .wasm beside the entry is fetched; the inlined copy is not", async () => {
  const r = await open("plain");
  assert.equal(r.ok, true, r.error);
  assert.ok(requests.includes("plain/pkg/edge_session_bg.wasm"));
  assert.ok(!requests.includes("plain/pkg/edge_session_wasm_gz.js"));
});

test("a URL that gives HTML instead of wasm: the inlined copy takes over", async () => {
  const r = await open("html");
  assert.equal(r.ok, true, r.error);
  assert.ok(requests.includes("html/pkg/edge_session_wasm_gz.js"));
});

test("both failing: loadSession rejects with what happened", async () => {
  const r = await open("html-noinline");
  assert.match(
    r.error,
    /^edge-session: no WebAssembly at http:\/\/127\.0\.0\.1:\d+\/html-noinline\/pkg\/edge_session_bg\.wasm \(the server sent text\/html, not wasm\), and its inlined copy failed: /,
  );
});

test("no top-level await: the import resolves before the wasm arrives", async () => {
  const r = await open("slow");
  assert.equal(r.ok, true, r.error);
  assert.ok(r.imported < 1000, `import took ${r.imported} ms`);
});

test("the native vectors open on Chromium's WebCrypto as on node:crypto", async () => {
  const { loadSession } = await import("../../pkg/node.js");
  const r = await open("vectors");
  assert.equal(r.platform, "WebCrypto");
  const file = JSON.parse(await readFile(path.join(root, "tests/vectors/native.json"), "utf8"));
  const vectors = file.vectors.filter((x) => x.kind === "session" && x.purpose === "cookie");
  assert.equal(r.opened.length, vectors.length);
  for (const [i, v] of vectors.entries()) {
    const s = await loadSession(`${v.open_name}=${v.value}`, {
      secrets: v.secrets, mode: v.mode, cookie: { name: v.open_name }, now: () => v.now * 1000,
    });
    assert.deepEqual(r.opened[i], { status: s.status, reason: s.reason ?? null, data: s.toJSON() }, v.name);
  }
  assert.ok(r.opened.some((o) => o.status === "valid") && r.opened.some((o) => o.reason === "bad_tag"));
});

test("edge-session/formats loads in the browser: its own wasm, fetched beside it", async () => {
  const r = await open("formats");
  assert.deepEqual(r, { status: "valid", user: "ada" });
  assert.ok(requests.includes("formats/pkg/formats/edge_session_formats_bg.wasm"));
});
