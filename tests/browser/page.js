// Loaded by tests/js/browser.test.mjs in headless Chromium. Imports the
// package's `browser` entry (which awaits init() and fetches the .wasm) and
// exposes scenarios for the Node side to run with page.evaluate.
import { loadSession, saveSession, memoryStore, SessionError } from "/pkg/browser.js";

const SECRET = "browser-test-secret-0123456789-abcdefghij";
const OLD_SECRET = "an-older-browser-test-secret-9876543210-zyx";
const NAME = "__Host-session";

const pair = (setCookie) => setCookie.split(";")[0];
const attrs = (setCookie) => setCookie.split(";").slice(1).map((s) => s.trim());
const cookieOf = (setCookie) => pair(setCookie).slice(pair(setCookie).indexOf("=") + 1);

/** Wraps a store to count its calls. */
function counted(store) {
  const calls = { get: 0, put: 0, delete: 0 };
  return {
    calls,
    get: (k) => (calls.get++, store.get(k)),
    put: (k, v, o) => (calls.put++, store.put(k, v, o)),
    delete: (k) => (calls.delete++, store.delete(k)),
  };
}

function flip(value) {
  const at = value.length >> 1;
  return value.slice(0, at) + (value[at] === "A" ? "B" : "A") + value.slice(at + 1);
}

function describe(session) {
  return {
    status: session.status,
    reason: session.reason ?? null,
    isNew: session.isNew,
    id: session.id,
    data: JSON.parse(JSON.stringify(session)), // a snapshot: toJSON() shares nested values
  };
}

/** new -> set -> save -> load with the cookie -> valid; then an unchanged save. */
async function roundTrip() {
  const memory = memoryStore();
  const store = counted(memory);
  const options = { secrets: [SECRET], store, cookie: { name: NAME } };
  const fresh = await loadSession("", options);
  const out = { fresh: describe(fresh), emptySave: (await saveSession(fresh)).length };

  fresh.set("user", { name: "ada", roles: ["admin"] });
  fresh.set("n", 1);
  const headers = new Headers();
  await saveSession(fresh, headers);
  const lines = headers.getSetCookie();
  out.saved = { count: lines.length, attrs: attrs(lines[0]), name: pair(lines[0]).split("=")[0] };

  const loaded = await loadSession(new Headers({ cookie: `other=1; ${pair(lines[0])}` }), options);
  out.loaded = describe(loaded);
  out.sameId = loaded.id === fresh.id;
  loaded.get("user").roles.push("editor"); // a nested change, no set()
  const nested = await saveSession(loaded);
  const again = await loadSession(pair(nested[0]), options);
  out.nested = { count: nested.length, data: again.toJSON() };
  out.readOnlySave = (await saveSession(again)).length;
  out.storeCalls = { ...store.calls };
  return out;
}

/** A session too big for a cookie spills to the memory store, and comes back. */
async function spill() {
  const memory = memoryStore();
  const store = counted(memory);
  const options = { secrets: [SECRET], store, cookie: { name: NAME } };
  const session = await loadSession("", options);
  const cart = Array.from({ length: 120 }, (_, i) => ({ sku: `SKU-${i}`, name: `Item number ${i}`, qty: 1 }));
  session.set("cart", cart);
  const big = await saveSession(session);
  const out = {
    spilledCookieBytes: pair(big[0]).length,
    storeEntries: memory.map.size,
    putCalls: store.calls.put,
  };
  const [key, entry] = [...memory.map][0] ?? [];
  out.storeKey = key ?? null;
  out.blobHasPlaintext = entry ? entry.value.includes("SKU-1") : null;
  out.ttlSeconds = entry ? Math.round((entry.expires - Date.now()) / 1000) : null;

  const before = store.calls.get;
  const loaded = await loadSession(pair(big[0]), options);
  out.loaded = { status: loaded.status, items: loaded.get("cart")?.length, gets: store.calls.get - before };

  memory.map.clear(); // the store lost it (or KV is not consistent yet)
  const stale = await loadSession(pair(big[0]), options);
  out.missing = { status: stale.status, reason: stale.reason ?? null, data: stale.toJSON() };

  loaded.set("cart", cart.slice(0, 2)); // shrink: back inline
  await store.put(out.storeKey, entry.value, { expirationTtl: 600 }); // (restore: a sibling may still read it)
  const small = await saveSession(loaded);
  out.shrunk = { cookieBytes: pair(small[0]).length, storeEntries: memory.map.size, deletes: store.calls.delete };
  const inline = await loadSession(pair(small[0]), options);
  const gets = store.calls.get;
  out.inline = { status: inline.status, items: inline.get("cart").length };
  out.inline.gets = store.calls.get - gets;

  // No store: an oversize session is an error, never a cookie the browser drops.
  const noStore = await loadSession("", { secrets: [SECRET], cookie: { name: NAME } });
  noStore.set("cart", cart);
  try {
    await saveSession(noStore);
    out.tooLarge = "no error";
  } catch (e) {
    out.tooLarge = { isSessionError: e instanceof SessionError, code: e.code, size: e.size, limit: e.limit };
  }
  return out;
}

/** Forged, tampered and foreign cookies load as new sessions; bad options throw. */
async function tamper() {
  const options = { secrets: [SECRET], cookie: { name: NAME } };
  const s = await loadSession("", options);
  s.set("user", "ada");
  const [line] = await saveSession(s);
  const value = cookieOf(line);
  const out = {};
  out.tampered = describe(await loadSession(`${NAME}=${flip(value)}`, options));
  out.garbage = describe(await loadSession(`${NAME}=%%%not-base64%%%`, options));
  out.otherName = describe(await loadSession(`__Host-other=${value}`, { ...options, cookie: { name: "__Host-other" } }));
  out.otherSecret = describe(await loadSession(`${NAME}=${value}`, { secrets: [OLD_SECRET], cookie: { name: NAME } }));
  // Rotation: a cookie sealed with the old key opens, and is re-sealed at save.
  const old = await loadSession("", { secrets: [OLD_SECRET], cookie: { name: NAME } });
  old.set("user", "bob");
  const [oldLine] = await saveSession(old);
  const rotated = await loadSession(pair(oldLine), { secrets: [SECRET, OLD_SECRET], cookie: { name: NAME } });
  out.rotated = { ...describe(rotated), resealed: (await saveSession(rotated)).length };
  try {
    await loadSession("", { secrets: ["short"] });
    out.badOptions = "no error";
  } catch (e) {
    out.badOptions = { isSessionError: e instanceof SessionError, code: e.code, option: e.option, message: e.message };
  }
  return out;
}

/** The real cookie jar: a non-HttpOnly session set through document.cookie. */
async function documentCookie() {
  const options = { secrets: [SECRET], cookie: { name: "__Host-page", httpOnly: false } };
  const s = await loadSession(document.cookie, options);
  const first = s.status;
  s.set("theme", "dark");
  const [line] = await saveSession(s);
  document.cookie = line;
  const stored = document.cookie;
  const back = await loadSession(document.cookie, options);
  return { first, stored: stored.includes("__Host-page="), ...describe(back) };
}

/** saveSession(session, Response): browsers forbid Set-Cookie on Response objects. */
async function responseTarget() {
  const s = await loadSession("", { secrets: [SECRET], cookie: { name: NAME } });
  s.set("k", "v");
  try {
    await saveSession(s, new Response("ok", { status: 201 }));
    return { threw: false };
  } catch (e) {
    return { threw: true, code: e.code, message: e.message, cookies: e.cookies?.length ?? 0 };
  }
}

window.scenarios = { roundTrip, spill, tamper, documentCookie, responseTarget };
document.getElementById("state").value = "ready";
window.ready = true;
