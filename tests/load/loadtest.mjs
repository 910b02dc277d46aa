// Load test: the demo Worker (js/demo/worker.js) on workerd through Miniflare,
// with local KV, driven over loopback HTTP by concurrent simulated clients.
// Each client runs whole flows, one request after the other:
//   login, GET, 10 x count, GET, add 100 items (spills to KV), GET,
//   10 x count while spilled (KV read and write each), GET,
//   clear the cart (back inline, KV entry deleted), GET, logout, GET
// and checks every answer: 303 with the right Set-Cookie for each POST, and on
// each GET the counter, cart size, storage and status it must show. Any
// difference is an error; a counter that is not what the client expects is a
// lost update. Prints throughput and p50/p99 latency; exits 1 on any error.
//
//   node tests/load/loadtest.mjs            (make loadtest; needs pkg/ and tests/node_modules)
//   CLIENTS=50 REQUESTS=20000 DEADLINE_S=600 node tests/load/loadtest.mjs
//
// Bounded: a fixed number of requests (REQUESTS, rounded up to whole flows), a
// per-request timeout and an overall deadline; it only talks to the Miniflare
// it started on 127.0.0.1, and stops it at the end.
import { start } from "../../js/demo/serve.mjs";

const CLIENTS = Number(process.env.CLIENTS ?? 50);
const REQUESTS = Number(process.env.REQUESTS ?? 20_000);
const DEADLINE_S = Number(process.env.DEADLINE_S ?? 600);
const REQUEST_TIMEOUT_MS = 30_000;
const COUNTS = 10; // increments per phase
const CART = 100; // items added at once: about 6.5 KB of JSON, past the cookie limit
const COOKIE = "__Host-session";
const REQUESTS_PER_FLOW = 1 + 1 + COUNTS + 1 + 1 + 1 + COUNTS + 1 + 1 + 1 + 1 + 1;
const FLOWS_PER_CLIENT = Math.ceil(REQUESTS / (CLIENTS * REQUESTS_PER_FLOW));

const latencies = [];
const errors = [];
let lostUpdates = 0;
let requests = 0;
let deadlineHit = false;

class Client {
  constructor(name, base) {
    this.name = name;
    this.base = base;
    this.cookie = null;
  }

  async send(method, path, fields) {
    if (deadlineHit) throw new Error("deadline");
    const headers = {};
    if (this.cookie) headers.cookie = `${COOKIE}=${this.cookie}`;
    let body;
    if (fields) {
      headers["content-type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(fields).toString();
    }
    const t0 = performance.now();
    const res = await fetch(this.base + path, {
      method,
      headers,
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    latencies.push(performance.now() - t0);
    requests++;
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair, ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      if (pair.slice(0, eq) !== COOKIE) continue;
      this.cookie = attrs.some((a) => /^max-age=0$/i.test(a)) ? null : pair.slice(eq + 1);
    }
    return { status: res.status, text, setCookies };
  }

  async post(path, fields, { setCookie = true } = {}) {
    const r = await this.send("POST", path, fields);
    this.expect(r.status === 303, `POST ${path}: status ${r.status} ${r.text.slice(0, 200)}`);
    if (setCookie) this.expect(r.setCookies.length === 1, `POST ${path}: ${r.setCookies.length} Set-Cookie`);
    return r;
  }

  async page() {
    const r = await this.send("GET", "/");
    this.expect(r.status === 200, `GET /: status ${r.status}`);
    return view(r.text);
  }

  expect(ok, message) {
    if (!ok) throw new Error(`${this.name}: ${message}`);
  }

  /** A counter check: a wrong value is a lost (or phantom) update. */
  count(v, expected, where) {
    if (v.count !== expected) {
      lostUpdates++;
      throw new Error(`${this.name}: ${where}: count ${v.count}, expected ${expected}`);
    }
  }

  async flow(k) {
    await this.post("/login", { name: `${this.name}-${k}` });
    let v = await this.page();
    this.expect(v.status === "valid" && v.notice?.startsWith("Welcome"), `after login: ${v.status} ${v.notice}`);
    const base = v.count; // login keeps the data of the session it upgrades (a new one here: 0)
    this.expect(base === 0, `a fresh login starts at 0, not ${base}`);
    for (let i = 0; i < COUNTS; i++) await this.post("/count");
    v = await this.page();
    this.count(v, COUNTS, "inline");
    this.expect(v.storage.startsWith("inline"), `inline expected: ${v.storage}`);
    await this.post("/cart/add", { n: String(CART) });
    v = await this.page();
    this.expect(v.storage.startsWith("spilled"), `spilled expected: ${v.storage}`);
    this.expect(v.cartSize === CART, `cart ${v.cartSize}`);
    this.count(v, COUNTS, "after the spill");
    for (let i = 0; i < COUNTS; i++) await this.post("/count");
    v = await this.page();
    this.count(v, 2 * COUNTS, "spilled");
    this.expect(v.storage.startsWith("spilled"), `still spilled expected: ${v.storage}`);
    await this.post("/cart/clear");
    v = await this.page();
    this.expect(v.storage.startsWith("inline"), `back inline expected: ${v.storage}`);
    this.expect(v.cartSize === 0, `cart ${v.cartSize} after clear`);
    this.count(v, 2 * COUNTS, "after the shrink");
    await this.post("/logout");
    this.expect(this.cookie === null, "logout removes the cookie");
    v = await this.page();
    this.expect(v.status === "new" && v.count === 0, `after logout: ${v.status} ${v.count}`);
  }

  async run() {
    for (let k = 0; k < FLOWS_PER_CLIENT; k++) {
      try {
        await this.flow(k);
      } catch (e) {
        if (deadlineHit) return;
        errors.push(e.message);
        this.cookie = null; // start the next flow clean
      }
    }
  }
}

function testid(html, id) {
  const m = html.match(new RegExp(`data-testid="${id}">([\\s\\S]*?)</(?:span|code|strong|dd|pre)>`));
  return m?.[1].replace(/<[^>]+>/g, "").replace(/\s+/g, " ").trim();
}

function view(html) {
  return {
    status: testid(html, "status"),
    count: Number(testid(html, "count")),
    cartSize: Number(testid(html, "cart-size")),
    storage: testid(html, "storage") ?? "",
    notice: html.match(/<div class="notice" role="status">([^<]*)<\/div>/)?.[1],
  };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const demo = await start({ port: 0, host: "127.0.0.1" });
const base = new URL(demo.url);
if (!["localhost", "127.0.0.1", "[::1]"].includes(base.hostname)) {
  await demo.dispose();
  throw new Error(`refusing to load anything but loopback: ${demo.url}`);
}
const timer = setTimeout(() => {
  deadlineHit = true;
}, DEADLINE_S * 1000);
console.log(
  `load test: ${CLIENTS} clients x ${FLOWS_PER_CLIENT} flows x ${REQUESTS_PER_FLOW} requests ` +
    `= ${CLIENTS * FLOWS_PER_CLIENT * REQUESTS_PER_FLOW} requests against ${demo.url} (deadline ${DEADLINE_S} s)`,
);
const t0 = performance.now();
let kvLeft = -1;
try {
  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => new Client(`client${i}`, demo.url).run()));
  const kv = await demo.mf.getKVNamespace("SESSIONS");
  kvLeft = (await kv.list()).keys.length;
} finally {
  clearTimeout(timer);
  await demo.dispose();
}
const seconds = (performance.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const result = {
  clients: CLIENTS,
  requests,
  errors: errors.length,
  lostUpdates,
  kvEntriesLeft: kvLeft,
  seconds: Number(seconds.toFixed(1)),
  throughput: Math.round(requests / seconds),
  p50ms: Number(percentile(latencies, 50).toFixed(1)),
  p99ms: Number(percentile(latencies, 99).toFixed(1)),
  maxms: Number(latencies.at(-1).toFixed(1)),
};
console.log(
  `${result.requests} requests in ${result.seconds} s: ${result.throughput} req/s, ` +
    `p50 ${result.p50ms} ms, p99 ${result.p99ms} ms, max ${result.maxms} ms; ` +
    `${result.errors} errors, ${result.lostUpdates} lost updates, ${kvLeft} KV entries left`,
);
console.log(JSON.stringify(result));
for (const e of errors.slice(0, 10)) console.error(`error: ${e}`);
const expected = CLIENTS * FLOWS_PER_CLIENT * REQUESTS_PER_FLOW;
if (deadlineHit) console.error(`deadline of ${DEADLINE_S} s reached`);
process.exit(errors.length || lostUpdates || deadlineHit || requests !== expected || kvLeft !== 0 ? 1 : 0);
