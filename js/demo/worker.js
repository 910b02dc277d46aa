// edge-session demo Worker: the whole session lifecycle on one page.
//
//   GET  /            the page; read-only, so no Set-Cookie (unless it shows a flash)
//   POST /login       regenerate() the id, then store the user and flash "Welcome"
//   POST /count       a counter
//   POST /cart/add    grow the cart; past the cookie limit it spills to KV
//   POST /cart/clear  empty the cart; the session goes back into the cookie
//   POST /tamper      corrupt the cookie, to see status "invalid"
//   POST /logout      destroy(): an expiring cookie, the KV entry deleted, and the
//                     session revoked, so a copy of the cookie stops working too
//   POST /logout-all  revokeAll(): every session of this user, in every browser
//   POST /store       switch between Workers KV and a Durable Object (a new session)
//   POST /api/burst   one of the page's parallel requests: it sets tab<i>
//
// Every POST answers 303 See Other, so a reload never submits twice.
// Run it with `make demo` (Miniflare, local KV) or `wrangler dev`.
import { durableObjectStore, loadSession, revokeAll, saveSession, SessionError } from "../../pkg/workerd.js";

// Bound in wrangler.toml as SESSION_DO: the compare-and-swap store.
export { SessionDurableObject } from "../../pkg/workerd.js";

const COOKIE_NAME = "__Host-session";
const COOKIE_LIMIT = 4096; // browsers keep name + value up to this many bytes
const INLINE_LIMIT = 4000; // edge-session's default for the whole Set-Cookie line
const STORE_COOKIE = "demo-store"; // which store the page uses: "kv" or "do"

function sessionOptions(env, kv, revocationStore) {
  return {
    secrets: [env.SESSION_SECRET],
    // Secure (the default) is required by the __Host- prefix. Browsers accept
    // Secure cookies from http://localhost, so the same name works in
    // `make demo` and in production over https.
    cookie: { name: COOKIE_NAME },
    store: kv,
    // A logout holds against copies of the cookie; userId names the user for
    // "sign out everywhere".
    revocation: { subject: "userId", store: revocationStore },
  };
}

// The store as it is, with its calls counted for the status panel: a spilled
// session costs one read to load; an inline one costs none.
function countedStore(store, ops) {
  const counted = {
    get(key) {
      ops.get++;
      return store.get(key, "text");
    },
    put(key, value, options) {
      ops.put++;
      return store.put(key, value, options);
    },
    delete(key) {
      ops.delete++;
      return store.delete(key);
    },
  };
  if (store.putIf) {
    counted.getVersioned = (key) => (ops.get++, store.getVersioned(key));
    counted.putIf = (key, value, version, options) => (ops.put++, store.putIf(key, value, version, options));
  }
  return counted;
}

function storeKind(request, env) {
  return requestCookie(request, STORE_COOKIE) === "do" && env.SESSION_DO ? "do" : "kv";
}

const PRODUCTS = [
  ["Espresso beans", 2490],
  ["Pour-over dripper", 3200],
  ["Paper filters", 650],
  ["Hand grinder", 8900],
  ["Gooseneck kettle", 5400],
  ["Coffee scale", 2750],
  ["Cold brew bottle", 1990],
  ["Milk pitcher", 1450],
];

export default {
  async fetch(request, env) {
    try {
      return await handle(request, env);
    } catch (e) {
      if (!(e instanceof SessionError)) throw e;
      // invalid_option: a bad SESSION_SECRET or option (the message names it).
      // store_failed: KV refused or timed out; the client keeps its old cookie.
      const status = e.code === "invalid_option" ? 500 : 503;
      return text(status, `Session error (${e.code}): ${e.message}`);
    }
  },
};

async function handle(request, env) {
  if (!env.SESSION_SECRET || !env.SESSIONS) {
    return text(500, "Configure SESSION_SECRET (at least 32 bytes) and a KV namespace bound as SESSIONS.");
  }
  const url = new URL(request.url);
  const ops = { get: 0, put: 0, delete: 0 };
  const kind = storeKind(request, env);
  const store = kind === "do" ? durableObjectStore(env.SESSION_DO) : env.SESSIONS;
  // Revocation records share the store; their calls are counted apart.
  const revOps = { get: 0, put: 0, delete: 0 };
  const options = sessionOptions(env, countedStore(store, ops), countedStore(store, revOps));
  const route = `${request.method} ${url.pathname}`;

  if (route === "GET /") {
    const session = await loadSession(request, options);
    const view = {
      notice: session.flash("notice"), // read once: consuming it is a change
      status: session.status,
      reason: session.reason,
      isNew: session.isNew,
      id: session.id,
      data: session.toJSON(),
      cookie: requestCookie(request, COOKIE_NAME),
      spilled: ops.get > 0,
      loadOps: { ...ops },
      store: kind,
      canSwitch: Boolean(env.SESSION_DO),
    };
    const headers = new Headers({
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
    });
    // Costs nothing when the session was only read: no Set-Cookie, no KV write.
    try {
      await saveSession(session, headers);
    } catch (e) {
      // Only the flash was consumed; if the store refused the write, show the
      // page anyway: no Set-Cookie went out, so the flash shows once more.
      if (!(e instanceof SessionError) || !["store_failed", "session_unavailable"].includes(e.code)) throw e;
      view.saveError = e.message;
    }
    view.setCookies = headers.getSetCookie();
    view.saveOps = { get: 0, put: ops.put, delete: ops.delete };
    return new Response(page(view), { headers });
  }

  if (request.method !== "POST") {
    return url.pathname === "/" ? text(405, "Method not allowed") : text(404, "Not found");
  }
  if (url.pathname === "/api/burst") {
    // Several of these leave the page at once with the same cookie.
    const session = await loadSession(request, options);
    const i = Math.min(Math.max(Number.parseInt(url.searchParams.get("i"), 10) || 1, 1), 9);
    const before = session.status;
    session.set(`tab${i}`, new Date().toISOString());
    try {
      const res = await saveSession(session, Response.json({ i, status: before, reason: session.reason ?? null }));
      return res;
    } catch (e) {
      if (e instanceof SessionError) return Response.json({ i, status: before, error: e.code }, { status: 503 });
      throw e;
    }
  }
  const form = await readForm(request);
  const session = await loadSession(request, options);

  switch (url.pathname) {
    case "/login": {
      const name = String(form.get("name") ?? "").trim().slice(0, 40);
      if (!name) {
        session.flash("notice", "Type a name to sign in.");
        break;
      }
      session.regenerate(); // a new id at sign-in: no session fixation
      session.set("user", { name, since: new Date().toISOString() });
      session.set("userId", name.toLowerCase());
      session.flash("notice", `Welcome, ${name}!`);
      break;
    }
    case "/count":
      session.set("count", (session.get("count") ?? 0) + 1);
      break;
    case "/cart/add": {
      const n = Math.min(Math.max(Number.parseInt(form.get("n"), 10) || 1, 1), 100);
      const cart = session.get("cart") ?? session.set("cart", []).get("cart");
      for (let i = 0; i < n; i++) {
        const [name, cents] = PRODUCTS[cart.length % PRODUCTS.length];
        // Mutating the live value is enough: saveSession compares the serialised state.
        cart.push({ sku: `SKU-${String(cart.length + 1).padStart(5, "0")}`, name, qty: 1, cents });
      }
      session.flash("notice", `Added ${n} item${n === 1 ? "" : "s"} to the cart.`);
      break;
    }
    case "/cart/clear":
      session.delete("cart");
      session.flash("notice", "Cart cleared.");
      break;
    case "/tamper": {
      const value = requestCookie(request, COOKIE_NAME);
      if (!value) break;
      // Flip one character of the sealed value, the way an attacker might.
      const at = value.length >> 1;
      const flipped = value.slice(0, at) + (value[at] === "A" ? "B" : "A") + value.slice(at + 1);
      return redirect(
        `${COOKIE_NAME}=${flipped}; Path=/; Max-Age=${14 * 86400}; Secure; HttpOnly; SameSite=Lax`,
      );
    }
    case "/logout":
      session.destroy(); // expiring Set-Cookie; a spilled session's KV entry goes too
      break;
    case "/logout-all": {
      const userId = session.get("userId");
      if (userId) await revokeAll(userId, options);
      session.destroy();
      break;
    }
    case "/store": {
      // Each store keeps its own sessions: switching starts a new one.
      const next = form.get("store") === "do" && env.SESSION_DO ? "do" : "kv";
      session.destroy();
      const res = await saveSession(session, redirect());
      const headers = new Headers(res.headers);
      headers.append("set-cookie", `${STORE_COOKIE}=${next}; Path=/; SameSite=Lax`);
      return new Response(null, { status: 303, headers });
    }
    default:
      return text(404, "Not found");
  }
  return saveSession(session, redirect());
}

function redirect(setCookie) {
  const headers = new Headers({ location: "/", "cache-control": "no-store" });
  if (setCookie) headers.append("set-cookie", setCookie);
  return new Response(null, { status: 303, headers });
}

function text(status, body) {
  return new Response(body + "\n", { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

async function readForm(request) {
  const type = request.headers.get("content-type") ?? "";
  if (type.includes("form")) {
    try {
      return await request.formData();
    } catch {
      return new Map();
    }
  }
  return new Map();
}

/** The raw value of one cookie from the request, or null. */
function requestCookie(request, name) {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

// --- the page -------------------------------------------------------------------------------

const esc = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const bytes = (s) => new TextEncoder().encode(s).length;

function opsText(o) {
  const parts = [];
  if (o.get) parts.push(`${o.get} read`);
  if (o.put) parts.push(`${o.put} write`);
  if (o.delete) parts.push(`${o.delete} delete`);
  return parts.length ? parts.join(", ") : "none";
}

function storage(v) {
  if (v.cookie === null) return `<span class="muted">no cookie yet</span>`;
  if (v.status === "stale" || v.status === "unavailable") {
    return `<span class="badge warn">store entry ${v.status}</span> <span class="muted">missing or not visible yet: not served</span>`;
  }
  if (v.status !== "valid") return `<span class="muted">the cookie was rejected and is ignored</span>`;
  return v.spilled
    ? `<span class="badge warn">spilled to ${v.store === "do" ? "a Durable Object" : "KV"}</span> <span class="muted">the cookie holds a sealed reference</span>`
    : `<span class="badge ok">inline</span> <span class="muted">the whole session is in the cookie</span>`;
}

/** JSON.stringify(value, null, 2), but objects and arrays of plain values stay on one line. */
function pretty(value, indent = "") {
  const flat = JSON.stringify(value) ?? "null";
  const leaf = (x) => x === null || typeof x !== "object";
  if (leaf(value) || Object.values(value).every(leaf)) return flat;
  const inner = `${indent}  `;
  const items = Array.isArray(value)
    ? value.map((x) => inner + pretty(x, inner))
    : Object.entries(value).map(([k, x]) => `${inner}${JSON.stringify(k)}: ${pretty(x, inner)}`);
  const [open, close] = Array.isArray(value) ? ["[", "]"] : ["{", "}"];
  return items.length ? `${open}\n${items.join(",\n")}\n${indent}${close}` : flat;
}

function money(cents) {
  return `$${(cents / 100).toFixed(2)}`;
}

function page(v) {
  const user = v.data.user;
  const count = v.data.count ?? 0;
  const cart = Array.isArray(v.data.cart) ? v.data.cart : [];
  const total = cart.reduce((sum, item) => sum + (item.cents ?? 0) * (item.qty ?? 1), 0);
  const dataJson = pretty(v.data);
  const dataBytes = bytes(JSON.stringify(v.data));
  const cookieBytes = v.cookie === null ? 0 : bytes(COOKIE_NAME) + 1 + bytes(v.cookie);
  const fill = Math.min(100, (cookieBytes / COOKIE_LIMIT) * 100);
  const statusClass =
    { valid: "ok", new: "info", stale: "warn", unavailable: "warn", expired: "warn", invalid: "bad", revoked: "bad" }[
      v.status
    ] ?? "info";
  const shownJson =
    dataJson.length > 6000 ? `${dataJson.slice(0, 6000)}\n… (${dataJson.length - 6000} more characters)` : dataJson;
  const setCookieNote = v.saveError
    ? `none <span class="muted">the KV write failed (${esc(v.saveError)}), so the flash will show again</span>`
    : v.setCookies.length
    ? `${v.setCookies.length} <span class="muted">on this response: reading the flash changed the session</span>`
    : `none <span class="muted">on this response: it only read the session</span>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>edge-session demo</title>
<style>
  :root {
    --bg: #f6f7f9; --card: #fff; --ink: #1c2430; --muted: #5f6b7a; --line: #e3e7ec;
    --accent: #f38020; --accent-ink: #fff; --ok: #1a7f4b; --info: #2457c5; --warn: #a15c00; --bad: #c0362c;
    --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  }
  * { box-sizing: border-box; }
  body { margin: 0; background: var(--bg); color: var(--ink);
    font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
  header { background: #1c2430; color: #fff; }
  .wrap { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
  header .wrap { display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 16px; padding-top: 18px; padding-bottom: 18px; }
  header h1 { margin: 0; font-size: 20px; letter-spacing: .2px; white-space: nowrap; }
  header h1 span { color: var(--accent); }
  header p { margin: 0; color: #aab4c0; font-size: 14px; }
  main.wrap { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.25fr); gap: 20px; padding-top: 22px; padding-bottom: 40px; }
  @media (max-width: 820px) { main.wrap { grid-template-columns: 1fr; } }
  .notice { grid-column: 1 / -1; background: #fff7ec; border: 1px solid #f6c48f; color: #7a3f00;
    border-radius: 10px; padding: 10px 14px; font-weight: 500; }
  .col { display: flex; flex-direction: column; gap: 16px; min-width: 0; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 16px 18px; }
  h2 { margin: 0 0 10px; font-size: 13px; text-transform: uppercase; letter-spacing: .08em; color: var(--muted); }
  p { margin: 0 0 10px; }
  .row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
  form { margin: 0; display: inline-flex; gap: 8px; }
  input[type=text] { font: inherit; padding: 7px 10px; border: 1px solid #c9d1db; border-radius: 8px; width: 180px; }
  button { font: inherit; font-weight: 600; padding: 7px 14px; border-radius: 8px; border: 1px solid #c9d1db;
    background: #fff; color: var(--ink); cursor: pointer; }
  button:hover { border-color: #9aa6b4; }
  button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-ink); }
  button.primary:hover { background: #e06d0c; }
  button.danger { color: var(--bad); }
  .big { font-size: 28px; font-weight: 700; min-width: 2ch; }
  .muted { color: var(--muted); font-size: 13px; }
  dl { display: grid; grid-template-columns: 96px minmax(0, 1fr); gap: 8px 12px; margin: 0; }
  dt { color: var(--muted); }
  dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
  code, pre { font-family: var(--mono); font-size: 13px; }
  .badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-weight: 600; font-size: 13px; }
  .ok { background: #e3f4ea; color: var(--ok); } .info { background: #e6edfb; color: var(--info); }
  .warn { background: #fdf0dc; color: var(--warn); } .bad { background: #fbe5e3; color: var(--bad); }
  .meter { height: 8px; background: #edf0f3; border-radius: 99px; overflow: hidden; margin-top: 6px; position: relative; }
  .meter i { display: block; height: 100%; background: ${fill > 90 ? "var(--bad)" : "var(--ok)"}; width: ${fill.toFixed(1)}%; }
  pre { margin: 0; background: #0f1720; color: #d7e0ea; border-radius: 10px; padding: 12px 14px;
    max-height: 360px; overflow: auto; font-size: 12px; line-height: 1.55; }
  ul.cart { margin: 8px 0 0; padding: 0; list-style: none; font-size: 13px; color: var(--muted); }
  footer { grid-column: 1 / -1; color: var(--muted); font-size: 13px; }
</style>
</head>
<body>
<header><div class="wrap">
  <h1>edge-<span>session</span> demo</h1>
  <p>Sealed session cookies on Workers, spilling to KV when they outgrow the cookie.</p>
</div></header>
<main class="wrap">
${v.notice ? `  <div class="notice" role="status">${esc(v.notice)}</div>\n` : ""}  <div class="col">
    <section>
      <h2>Account</h2>
      ${
        user
          ? `<p>Signed in as <strong>${esc(user.name)}</strong>.</p>
      <div class="row">
        <form method="post" action="/logout"><button class="danger" type="submit">Log out</button></form>
        <form method="post" action="/logout-all"><button class="danger" type="submit">Sign out everywhere</button></form>
      </div>
      <p class="muted" style="margin-top:10px">Log out calls <code>destroy()</code>: an expiring cookie, the KV entry
        deleted, and the session revoked, so a copied cookie stops working too. Sign out everywhere calls
        <code>revokeAll()</code>: every browser signed in as ${esc(user.name)} loses its session.</p>`
          : `<form method="post" action="/login">
        <input type="text" name="name" placeholder="Your name" maxlength="40" autocomplete="off" required>
        <button class="primary" type="submit">Log in</button>
      </form>
      <p class="muted" style="margin-top:10px">Log in calls <code>regenerate()</code> (a new id) and flashes a welcome.</p>`
      }
    </section>
    <section>
      <h2>Counter</h2>
      <div class="row">
        <span class="big" data-testid="count">${count}</span>
        <form method="post" action="/count"><button class="primary" type="submit">+1</button></form>
      </div>
    </section>
    <section>
      <h2>Cart</h2>
      <p><strong data-testid="cart-size">${cart.length}</strong> item${cart.length === 1 ? "" : "s"}, ${money(total)}
        <span class="muted">· ${dataBytes} bytes of session JSON</span></p>
      <div class="row">
        <form method="post" action="/cart/add"><input type="hidden" name="n" value="1"><button type="submit">Add 1</button></form>
        <form method="post" action="/cart/add"><input type="hidden" name="n" value="10"><button class="primary" type="submit">Add 10</button></form>
        <form method="post" action="/cart/clear"><button type="submit"${cart.length ? "" : " disabled"}>Clear</button></form>
      </div>
      <p class="muted" style="margin-top:10px">Past about 3 KB of JSON the session no longer fits a ${INLINE_LIMIT}-byte
        Set-Cookie: the data moves to KV and the cookie keeps a small sealed reference. Clearing brings it back inline.</p>
      ${
        cart.length
          ? `<ul class="cart">${cart
              .slice(-3)
              .reverse()
              .map((i) => `<li><code>${esc(i.sku)}</code> ${esc(i.name)}</li>`)
              .join("")}${cart.length > 3 ? `<li>… and ${cart.length - 3} more</li>` : ""}</ul>`
          : ""
      }
    </section>
    <section>
      <h2>Parallel requests</h2>
      <div class="row">
        <button type="button" id="burst" class="primary">Send 5 at once</button>
        ${
          v.canSwitch
            ? `<form method="post" action="/store"><input type="hidden" name="store" value="${v.store === "do" ? "kv" : "do"}">
          <button type="submit" data-testid="switch-store">Use ${v.store === "do" ? "Workers KV" : "a Durable Object"}</button></form>`
            : ""
        }
      </div>
      <p class="muted" style="margin-top:10px">Store: <strong data-testid="store">${
        v.store === "do" ? "Durable Object" : "Workers KV"
      }</strong>. Five requests leave with the same cookie; each sets its own <code>tab1</code>…<code>tab5</code>.
        None is logged out. ${
          v.store === "do"
            ? "A Durable Object merges them: all five keys survive."
            : "On Workers KV the last writer wins: one key survives (a Durable Object merges them)."
        } Reload to see.</p>
      <p data-testid="burst-result" class="muted"></p>
    </section>
    <section>
      <h2>Try to break it</h2>
      <div class="row">
        <form method="post" action="/tamper"><button type="submit"${v.cookie ? "" : " disabled"}>Corrupt the cookie</button></form>
        <span class="muted">One flipped character: the next load is <code>invalid</code>, never an exception.</span>
      </div>
    </section>
  </div>
  <div class="col">
    <section>
      <h2>Session</h2>
      <dl>
        <dt>status</dt><dd><span class="badge ${statusClass}" data-testid="status">${esc(v.status)}</span>${
          v.isNew ? ` <span class="muted"><code>isNew</code></span>` : ""
        }</dd>
        <dt>reason</dt><dd data-testid="reason">${v.reason ? `<code>${esc(v.reason)}</code>` : `<span class="muted">none</span>`}</dd>
        <dt>id</dt><dd><code data-testid="id">${esc(v.id)}</code>${
          v.status === "valid" ? "" : ` <span class="muted">(not saved yet)</span>`
        }</dd>
        <dt>stored</dt><dd data-testid="storage">${storage(v)}</dd>
        <dt>cookie</dt><dd><span data-testid="cookie-bytes">${cookieBytes}</span> bytes <span class="muted">of ${COOKIE_LIMIT} (name=value)</span>
          <div class="meter"><i></i></div></dd>
        <dt>KV calls</dt><dd data-testid="kv-ops">${opsText({ ...v.loadOps, put: v.saveOps.put, delete: v.saveOps.delete })}
          <span class="muted">on this request</span></dd>
        <dt>Set-Cookie</dt><dd data-testid="set-cookie">${setCookieNote}</dd>
      </dl>
    </section>
    <section>
      <h2>Data <span class="muted" style="text-transform:none;letter-spacing:0">session.toJSON()</span></h2>
      <pre data-testid="data">${esc(shownJson)}</pre>
    </section>
  </div>
  <footer>Reload freely: every action answers <code>303 See Other</code>, and a read-only GET sends no Set-Cookie.</footer>
</main>
<script>
document.getElementById("burst").addEventListener("click", async () => {
  const out = document.querySelector("[data-testid=burst-result]");
  out.textContent = "sending…";
  const results = await Promise.all([1, 2, 3, 4, 5].map((i) =>
    fetch("/api/burst?i=" + i, { method: "POST" }).then((r) => r.json())));
  out.textContent = results.map((r) => "#" + r.i + " " + (r.error || r.status)).join(" · ");
});
</script>
</body>
</html>
`;
}
