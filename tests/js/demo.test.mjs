// The demo Worker (js/demo/worker.js) on workerd through Miniflare, started by
// the same code as `make demo`, walked with fetch and a tiny cookie jar.
// Needs pkg/ (make package).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { start } from "../../js/demo/serve.mjs";
import { launchChromium } from "./chromium.mjs";

const COOKIE = "__Host-session";
let demo;
let kv;

before(async () => {
  demo = await start({ port: 0 });
  kv = await demo.mf.getKVNamespace("SESSIONS");
});

after(async () => {
  await demo?.dispose();
});

/** Cookies by name, fed by Set-Cookie headers the way a browser would. */
class Jar {
  cookies = new Map();
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  take(response) {
    const lines = response.headers.getSetCookie();
    for (const line of lines) {
      const [pair, ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const expired = attrs.some((a) => /^max-age=0$/i.test(a));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
    return lines;
  }
  get value() {
    return this.cookies.get(COOKIE);
  }
}

const jar = new Jar();

async function get(path = "/") {
  const res = await fetch(demo.url + path, { headers: { cookie: jar.header() }, redirect: "manual" });
  const setCookie = jar.take(res);
  const html = await res.text();
  return { res, setCookie, html, view: view(html) };
}

async function post(path, fields = {}) {
  const res = await fetch(demo.url + path, {
    method: "POST",
    headers: { cookie: jar.header(), "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
  await res.arrayBuffer();
  assert.equal(res.status, 303, `POST ${path} answers 303`);
  assert.equal(res.headers.get("location"), "/");
  return { res, setCookie: jar.take(res) };
}

function testid(html, id) {
  const m = html.match(new RegExp(`data-testid="${id}">([\\s\\S]*?)</(?:span|code|strong|dd|pre)>`));
  return m?.[1].replace(/<[^>]+>/g, "").replace(/\s+/g, " ").trim();
}

function view(html) {
  const notice = html.match(/<div class="notice" role="status">([^<]*)<\/div>/)?.[1];
  return {
    status: testid(html, "status"),
    reason: testid(html, "reason"),
    id: testid(html, "id"),
    storage: testid(html, "storage"),
    count: Number(testid(html, "count")),
    cartSize: Number(testid(html, "cart-size")),
    cookieBytes: Number(testid(html, "cookie-bytes")),
    kvOps: testid(html, "kv-ops"),
    notice,
  };
}

/** The KV keys of sessions (revocation records, under "revoked:", aside). */
async function kvKeys() {
  return (await kv.list({ prefix: "session:" })).keys.map((k) => k.name);
}

test("the demo walks the whole lifecycle", { timeout: 120_000 }, async (t) => {
  let anonId;

  await t.test("a first GET: new session, no Set-Cookie", async () => {
    const { res, setCookie, html, view } = await get("/");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type"), /^text\/html/);
    assert.match(html, /edge-<span>session<\/span> demo/);
    assert.deepEqual(setCookie, []);
    assert.equal(view.status, "new");
    assert.equal(view.count, 0);
  });

  await t.test("an anonymous write creates the session", async () => {
    const { setCookie } = await post("/count");
    assert.equal(setCookie.length, 1);
    assert.match(setCookie[0], new RegExp(`^${COOKIE}=[A-Za-z0-9_-]+; `));
    for (const attr of ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"]) assert.ok(setCookie[0].includes(attr), attr);
    const { view } = await get("/");
    assert.equal(view.status, "valid");
    assert.equal(view.count, 1);
    anonId = view.id;
  });

  await t.test("login regenerates the id and flashes a welcome, shown once", async () => {
    const { setCookie } = await post("/login", { name: "Ada <script>" });
    assert.equal(setCookie.length, 1);
    const first = await get("/");
    assert.equal(first.view.status, "valid");
    assert.notEqual(first.view.id, anonId, "regenerate() gave a new id");
    assert.equal(first.view.notice, "Welcome, Ada &lt;script&gt;!");
    assert.equal(first.view.count, 1, "the data survives regenerate()");
    assert.equal(first.setCookie.length, 1, "consuming the flash is a change");
    const second = await get("/");
    assert.equal(second.view.notice, undefined, "a flash is shown once");
    assert.deepEqual(second.setCookie, [], "a read-only GET sends no Set-Cookie");
    assert.equal(second.view.id, first.view.id);
  });

  await t.test("count x3", async () => {
    for (let i = 0; i < 3; i++) {
      const { setCookie } = await post("/count");
      assert.equal(setCookie.length, 1);
    }
    const { view, setCookie } = await get("/");
    assert.equal(view.count, 4);
    assert.deepEqual(setCookie, []);
    assert.equal(view.storage.startsWith("inline"), true, view.storage);
    assert.equal(view.kvOps.startsWith("none"), true, view.kvOps);
  });

  await t.test("the cart grows past the cookie limit and spills to KV", async () => {
    assert.deepEqual(await kvKeys(), []);
    let largest = 0;
    let rounds = 0;
    for (;;) {
      assert.ok(++rounds <= 12, "the session spills within 120 items");
      await post("/cart/add", { n: "10" });
      const { view } = await get("/"); // consumes the "Added" flash
      if (view.storage.startsWith("spilled")) break;
      largest = Math.max(largest, jar.value.length);
      assert.equal(await kvKeys().then((k) => k.length), 0, "inline sessions write nothing to KV");
    }
    assert.ok(largest > 2500, `the inline cookie grew to ${largest} bytes before spilling`);
    assert.ok(jar.value.length < 300, `a spilled cookie is small (${jar.value.length} bytes)`);
    const keys = await kvKeys();
    // Consuming the flash wrote a second version; the first stays for sibling requests.
    assert.ok(keys.length >= 1 && keys.length <= 2, `at most two versions: ${keys.length}`);
    assert.ok(keys.every((k) => k.startsWith("session:")), keys.join());
    const blob = await kv.get(keys.at(-1));
    assert.ok(blob.length > 2500, "the entry holds the session");
    assert.ok(!blob.includes("SKU-"), "the entry is sealed, not plain JSON");

    const { view, setCookie } = await get("/");
    assert.deepEqual(setCookie, [], "reading a spilled session writes nothing");
    assert.equal(view.kvOps.startsWith("1 read"), true, `one KV read to load: ${view.kvOps}`);
    assert.equal(view.cartSize, rounds * 10);
    assert.equal(view.count, 4);
  });

  await t.test("clearing the cart brings the session back inline; old versions go once a second old", async () => {
    const { setCookie } = await post("/cart/clear");
    assert.equal(setCookie.length, 1);
    assert.ok((await kvKeys()).length <= 2, "nothing new is written");
    const { view } = await get("/");
    assert.equal(view.notice, "Cart cleared.");
    assert.equal(view.cartSize, 0);
    assert.equal(view.count, 4);
    assert.equal(view.storage.startsWith("inline"), true, view.storage);
  });

  await t.test("a tampered cookie loads as a new, invalid session", async () => {
    const good = jar.value;
    await post("/tamper");
    assert.notEqual(jar.value, good);
    const { view, setCookie, res } = await get("/");
    assert.equal(res.status, 200);
    assert.equal(view.status, "invalid");
    assert.equal(view.reason, "bad_tag");
    assert.equal(view.count, 0);
    assert.deepEqual(setCookie, []);
    jar.cookies.set(COOKIE, good); // put the good one back
    assert.equal((await get("/")).view.status, "valid");
  });

  await t.test("logout destroys the session: Max-Age=0 and the KV entry deleted", async () => {
    for (let i = 0; i < 6; i++) await post("/cart/add", { n: "10" });
    assert.equal((await get("/")).view.storage.startsWith("spilled"), true);
    assert.ok((await kvKeys()).length >= 1);
    const { setCookie } = await post("/logout");
    assert.equal(setCookie.length, 1);
    assert.match(setCookie[0], new RegExp(`^${COOKIE}=;`));
    assert.match(setCookie[0], /Max-Age=0/);
    assert.deepEqual(await kvKeys(), []);
    assert.equal(jar.value, undefined);
    const { view, setCookie: after } = await get("/");
    assert.equal(view.status, "new");
    assert.deepEqual(after, []);
  });

  await t.test("other routes", async () => {
    const res = await fetch(`${demo.url}/nope`, { method: "POST" });
    assert.equal(res.status, 404);
    await res.arrayBuffer();
    const put = await fetch(`${demo.url}/`, { method: "PUT" });
    assert.equal(put.status, 405);
    await put.arrayBuffer();
  });
});

test("a cookie copied before logout no longer works after it", async () => {
  const own = new Jar();
  const form = async (path, fields, cookie = own.header()) => {
    const res = await fetch(demo.url + path, {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields ?? {}).toString(),
      redirect: "manual",
    });
    own.take(res);
    await res.arrayBuffer();
  };
  await form("/login", { name: "Mallory-Target" });
  const copy = own.header();
  await form("/logout");
  const html = await (await fetch(demo.url, { headers: { cookie: copy } })).text();
  assert.equal(testid(html, "status"), "revoked");
  assert.equal(testid(html, "reason"), "revoked");
});

test("the burst endpoint: parallel requests with one spilled cookie are never logged out", async () => {
  const own = new Jar();
  const send = async (path, fields) => {
    const res = await fetch(demo.url + path, {
      method: "POST",
      headers: { cookie: own.header(), "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields ?? {}).toString(),
      redirect: "manual",
    });
    own.take(res);
    return res;
  };
  for (const store of ["kv", "do"]) {
    await (await send("/store", { store })).arrayBuffer();
    await (await send("/login", { name: "Ada" })).arrayBuffer();
    for (let i = 0; i < 6; i++) await (await send("/cart/add", { n: "10" })).arrayBuffer();
    const cookie = own.header();
    const results = await Promise.all(
      [1, 2, 3, 4, 5].map((i) =>
        fetch(`${demo.url}/api/burst?i=${i}`, { method: "POST", headers: { cookie } }).then(async (r) => ({
          body: await r.json(),
          lines: r.headers.getSetCookie(),
        })),
      ),
    );
    for (const r of results) assert.equal(r.body.status, "valid", `${store}: ${JSON.stringify(r.body)}`);
    own.take({ headers: { getSetCookie: () => results.at(-1).lines } });
    const res = await fetch(demo.url, { headers: { cookie: own.header() } });
    const html = await res.text();
    assert.equal(testid(html, "status"), "valid");
    const data = JSON.parse(testid(html, "data").replace(/&quot;/g, '"'));
    const tabs = [1, 2, 3, 4, 5].filter((i) => data[`tab${i}`]);
    assert.equal(tabs.length, store === "do" ? 5 : 1, `${store}: ${tabs}`);
    assert.equal(data.cart.length, 60);
  }
  await (await send("/store", { store: "kv" })).arrayBuffer();
});

// The cookie is `__Host-session` with Secure, served over plain http. Chromium
// treats http://localhost as a secure context and keeps it; this checks that
// `make demo` really works in a browser, not only with the jar above.
test("the demo page in Chromium on http://localhost", { timeout: 120_000 }, async () => {
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(demo.url);
    assert.equal(new URL(page.url()).hostname, "localhost");
    await page.fill("input[name=name]", "Grace");
    await page.click("button:has-text('Log in')");
    assert.equal(await page.textContent(".notice"), "Welcome, Grace!");
    const [cookie] = await context.cookies();
    assert.equal(cookie.name, COOKIE);
    assert.equal(cookie.secure, true);
    assert.equal(cookie.httpOnly, true);
    for (let i = 0; i < 2; i++) await page.click("button:has-text('+1')");
    assert.equal(await page.textContent("[data-testid=count]"), "2");
    for (let i = 0; i < 5; i++) await page.click("button:has-text('Add 10')");
    assert.match(await page.textContent("[data-testid=storage]"), /^spilled/);
    await page.reload(); // 303s mean a reload re-runs the GET, not the POST
    assert.equal(await page.textContent("[data-testid=cart-size]"), "50");
    // The burst button: five parallel requests with the spilled session's cookie.
    await page.click("#burst");
    await page.waitForFunction(() => document.querySelector("[data-testid=burst-result]").textContent.includes("#5"));
    assert.equal(await page.textContent("[data-testid=burst-result]"), "#1 valid · #2 valid · #3 valid · #4 valid · #5 valid");
    await page.reload();
    assert.equal(await page.textContent("[data-testid=status]"), "valid", "nobody was logged out");
    assert.equal(await page.textContent("[data-testid=cart-size]"), "50");
    await page.click("button:has-text('Log out')");
    assert.deepEqual(await context.cookies(), []);
    assert.equal(await page.textContent("[data-testid=status]"), "new");
    // On the Durable Object store, the five writes merge.
    await page.click("[data-testid=switch-store]");
    assert.equal(await page.textContent("[data-testid=store]"), "Durable Object");
    await page.fill("input[name=name]", "Grace");
    await page.click("button:has-text('Log in')");
    for (let i = 0; i < 5; i++) await page.click("button:has-text('Add 10')");
    await page.click("#burst");
    await page.waitForFunction(() => document.querySelector("[data-testid=burst-result]").textContent.includes("#5"));
    await page.reload();
    const data = JSON.parse(await page.textContent("[data-testid=data]"));
    for (let i = 1; i <= 5; i++) assert.ok(data[`tab${i}`], `tab${i} survived the merge`);
    assert.equal(data.cart.length, 50);
    // Sign out everywhere: a second browser signed in as the same user loses its session.
    const other = await browser.newContext();
    const second = await other.newPage();
    await second.goto(demo.url);
    await second.click("[data-testid=switch-store]"); // the same store as the first browser
    await second.fill("input[name=name]", "Grace");
    await second.click("button:has-text('Log in')");
    assert.equal(await second.textContent("[data-testid=status]"), "valid");
    await page.click("button:has-text('Sign out everywhere')");
    assert.equal(await page.textContent("[data-testid=status]"), "new");
    await second.reload();
    assert.equal(await second.textContent("[data-testid=status]"), "revoked");
    assert.equal(await second.textContent("[data-testid=reason]"), "signed_out");
    await other.close();
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
