// Scratch projects for `make test-ecosystem`: each group of tools is installed
// once (npm install from its pinned lockfile, re-run only when the lockfile changes)
// under target/ecosystem/<group>, then the packed tarball of pkg/ goes in as a
// user's `npm install` would put it. Servers run in their own process group and
// are stopped by that group's id.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import assert from "node:assert/strict";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const HERE = path.join(ROOT, "tests/ecosystem");
export const ECO = path.join(ROOT, "target/ecosystem");
export const TARBALL = path.join(ECO, "edge-session.tgz");
// A quiet, offline-friendly environment for every tool.
export const ENV = {
  ...process.env,
  NEXT_TELEMETRY_DISABLED: "1",
  DO_NOT_TRACK: "1",
  WRANGLER_SEND_METRICS: "false",
  NO_COLOR: "1",
  // Deno fetches npm packages itself (deno bundle: esbuild): trust the system CAs as npm does.
  DENO_TLS_CA_STORE: "system",
  FORCE_COLOR: "0",
  npm_config_update_notifier: "false",
  npm_config_audit: "false",
  npm_config_fund: "false",
};

/** Runs a command; resolves with its output, rejects (with the output) on a non-zero exit. */
export function run(cmd, args, { cwd, env = ENV, timeout = 300_000, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    // A child that exits without reading its input (node --version) closes
    // the pipe first: that EPIPE is no failure of the command.
    child.stdin.on("error", () => {});
    child.stdin.end(input ?? "");
    const timer = setTimeout(() => child.kill("SIGKILL"), timeout);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(" ")} (in ${cwd}) exited ${code ?? signal}:\n${out}`));
    });
  });
}

/**
 * target/ecosystem/<name>: a copy of tests/ecosystem/<group>'s package.json and
 * lockfile, installed, plus the fixture files given as [from (under
 * tests/ecosystem), to (under the project)]; then the tarball.
 */
export async function project(name, group, files = [], { npm = "npm", env = ENV } = {}) {
  const dir = path.join(ECO, name);
  mkdirSync(dir, { recursive: true });
  const lock = readFileSync(path.join(HERE, group, "package-lock.json"));
  const stamp = createHash("sha256").update(lock).update(readFileSync(path.join(HERE, group, "package.json"))).digest("hex");
  const stampFile = path.join(dir, "node_modules/.eco-stamp");
  if (!existsSync(stampFile) || readFileSync(stampFile, "utf8") !== stamp) {
    cpSync(path.join(HERE, group, "package.json"), path.join(dir, "package.json"));
    cpSync(path.join(HERE, group, "package-lock.json"), path.join(dir, "package-lock.json"));
    await run(npm, ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: dir, env });
    writeFileSync(stampFile, stamp);
  }
  for (const [from, to] of files) {
    rmSync(path.join(dir, to), { recursive: true, force: true });
    cpSync(path.join(HERE, from), path.join(dir, to), { recursive: true });
  }
  await run(npm, ["install", "--no-save", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", TARBALL], {
    cwd: dir,
    env,
  });
  return dir;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts a server (its own process group) and waits until `url` answers.
 * Returns { url, output(), stop() }.
 */
export async function serve(cmd, args, { cwd, env = ENV, url, timeout = 120_000 }) {
  const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  let exited = null;
  child.on("exit", (code, signal) => (exited = code ?? signal));
  const stop = () => {
    if (exited === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {}
    }
  };
  const deadline = Date.now() + timeout;
  for (;;) {
    if (exited !== null) throw new Error(`${cmd} ${args.join(" ")} exited ${exited}:\n${out}`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      break;
    } catch {}
    if (Date.now() > deadline) {
      stop();
      throw new Error(`${url} did not answer within ${timeout} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, output: () => out, stop };
}

const pair = (setCookie) => setCookie.split(";")[0];

/**
 * The check of every row, over HTTP: `?inc` counts one up. New session -> 1
 * (Set-Cookie); with that cookie -> 2 (Set-Cookie); a read-only request with
 * the second cookie reads 2 and sends no Set-Cookie.
 */
export async function counterOverHttp(url, what = url) {
  const get = async (inc, cookie) => {
    const u = new URL(url);
    if (inc) u.searchParams.set("inc", "");
    const r = await fetch(u, { headers: cookie ? { cookie } : {}, signal: AbortSignal.timeout(60_000) });
    const body = (await r.text()).trim();
    assert.equal(r.status, 200, `${what}: HTTP ${r.status}: ${body.slice(0, 2000)}`);
    return { body, setCookies: r.headers.getSetCookie() };
  };
  await assertCounter(get, what);
}

/** The check, given get(increment, cookie) -> { body, setCookies }. */
export async function assertCounter(get, what) {
  const first = await get(true, "");
  assert.equal(first.body, "1", `${what}: a new session counts 1`);
  assert.equal(first.setCookies.length, 1, `${what}: one Set-Cookie for the new session`);
  const second = await get(true, pair(first.setCookies[0]));
  assert.equal(second.body, "2", `${what}: the cookie carried 1, now 2`);
  assert.equal(second.setCookies.length, 1, `${what}: one Set-Cookie for the change`);
  const read = await get(false, pair(second.setCookies[0]));
  assert.equal(read.body, "2", `${what}: the returned cookie reads 2`);
  assert.deepEqual(read.setCookies, [], `${what}: a read-only request sends no Set-Cookie`);
}

/** Lines of a tool's output that warn or fail, less the ones `allowed` matches. */
export function warnings(output, allowed = []) {
  return output
    .split("\n")
    .filter((l) => /⚠|warn|error|deprecat/i.test(l))
    .filter((l) => !allowed.some((re) => re.test(l)));
}

/** Serves a folder over HTTP on 127.0.0.1 (404 for what is not there), as a static host would. */
export async function serveStatic(dir) {
  const { createServer: createHttpServer } = await import("node:http");
  const { readFile } = await import("node:fs/promises");
  const types = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
  const server = createHttpServer(async (req, res) => {
    const name = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const file = path.join(dir, name.endsWith("/") ? `${name}index.html` : name);
    try {
      if (!file.startsWith(dir)) throw new Error("outside");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

const EXPECTED = "steps [[1,1],[2,1],[2,0]]";

/** The check's line in a tool's output (shared/main.js prints it). */
export function assertSteps(output, what) {
  assert.ok(output.includes(EXPECTED), `${what}: expected "${EXPECTED}" in:\n${output}`);
}

/** Opens a page in headless Chromium and waits for shared/page.js's result; returns the page's errors too. */
export async function pageSteps(url, what) {
  const { launchChromium } = await import("../js/chromium.mjs");
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    const requests = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    page.on("response", (r) => requests.push(`${r.url()} ${r.status()}`));
    await page.goto(url);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 60_000 });
    const result = await page.evaluate(() => window.result);
    assert.equal(result, EXPECTED, `${what}: the page's check (errors: ${errors.join("; ")})`);
    return { errors, requests };
  } finally {
    await browser.close();
  }
}
