// The three benchmark operations for edge-session and each peer, written
// once and run both in Node and inside workerd. Libraries are passed in, so
// this module imports nothing and the same code runs in both places.
//
// Each flow has:
//   setup()        -> the Cookie header of a saved ~1 KiB session
//   load(cookie)   -> 0              load only (and read one field)
//   change(cookie) -> Set-Cookie count   load, change a nested value, save
//   read(cookie)   -> Set-Cookie count   load, read, save as the library saves
// Every operation checks that the session loaded intact and throws if not.
// Peers with no change detection (iron-session, React Router, Hono's signed
// cookies) re-issue their cookie on "read": that is what their save does.
// @hono/session only writes after update(), so its "read" emits nothing.
import { check, MAX_AGE, SECRET, sessionData } from "./fixture.mjs";

const ORIGIN = "http://localhost";

/** The value of cookie `name` in a Cookie header ("" when absent). */
function cookieValue(header, name) {
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return "";
}

/** "name=value" out of a Set-Cookie line. */
const pair = (setCookie) => setCookie.split(";")[0];

function edgeSession(es, mode) {
  // Options resolved once, as the peers' storages and middlewares do.
  const sessions = es.createSessionStorage({ secrets: [SECRET], mode, maxAge: MAX_AGE });
  return {
    id: `edge-session-${mode}`,
    label: `edge-session (${mode})`,
    ours: true,
    async setup() {
      const s = await sessions.load("");
      for (const [k, v] of Object.entries(sessionData())) s.set(k, v);
      const lines = await sessions.save(s);
      return pair(lines[0]);
    },
    async load(cookie) {
      const s = await sessions.load(cookie);
      check(s.toJSON());
      return 0;
    },
    async change(cookie) {
      const s = await sessions.load(cookie);
      check(s.toJSON());
      s.get("cart")[0].qty += 1;
      return (await sessions.save(s)).length;
    },
    async read(cookie) {
      const s = await sessions.load(cookie);
      check(s.toJSON());
      if (typeof s.get("user").name !== "string") throw new Error("bench: no user");
      const n = (await sessions.save(s)).length;
      if (n !== 0) throw new Error(`bench: edge-session emitted ${n} Set-Cookie on a read-only request`);
      return n;
    },
  };
}

function ironSeal(iron) {
  const name = "iron";
  const opts = { password: SECRET, ttl: MAX_AGE };
  const line = (seal) => `${name}=${seal}; Path=/; Max-Age=${MAX_AGE - 60}; HttpOnly; Secure; SameSite=Lax`;
  const load = async (cookie) => {
    const d = await iron.unsealData(cookieValue(cookie, name), opts);
    check(d);
    return d;
  };
  return {
    id: "iron-seal",
    label: "iron-session sealData/unsealData",
    async setup() {
      return pair(line(await iron.sealData(sessionData(), opts)));
    },
    async load(cookie) {
      await load(cookie);
      return 0;
    },
    async change(cookie) {
      const d = await load(cookie);
      d.cart[0].qty += 1;
      line(await iron.sealData(d, opts));
      return 1;
    },
    async read(cookie) {
      const d = await load(cookie);
      if (typeof d.user.name !== "string") throw new Error("bench: no user");
      line(await iron.sealData(d, opts));
      return 1;
    },
  };
}

function ironSession(iron) {
  const options = { password: SECRET, cookieName: "iron", ttl: MAX_AGE };
  // A Node-style request and a response whose headers collect Set-Cookie.
  const open = async (cookie) => {
    const out = [];
    const res = { headers: { append: (_, v) => out.push(v) } };
    const session = await iron.getIronSession({ headers: { cookie } }, res, options);
    check(session);
    return { session, out };
  };
  return {
    id: "iron-session",
    label: "iron-session getIronSession",
    async setup() {
      const lines = [];
      const res = { headers: { append: (_, v) => lines.push(v) } };
      const s = await iron.getIronSession({ headers: {} }, res, options);
      Object.assign(s, sessionData());
      await s.save();
      return pair(lines[0]);
    },
    async load(cookie) {
      await open(cookie);
      return 0;
    },
    async change(cookie) {
      const { session, out } = await open(cookie);
      session.cart[0].qty += 1;
      await session.save();
      return out.length;
    },
    async read(cookie) {
      const { session, out } = await open(cookie);
      if (typeof session.user.name !== "string") throw new Error("bench: no user");
      await session.save();
      return out.length;
    },
  };
}

function reactRouter(rr) {
  const storage = rr.createCookieSessionStorage({
    cookie: {
      name: "__session",
      secrets: [SECRET],
      httpOnly: true,
      secure: true,
      sameSite: "lax",
      path: "/",
      maxAge: MAX_AGE,
    },
  });
  const open = async (cookie) => {
    const s = await storage.getSession(cookie);
    check(s.data);
    return s;
  };
  return {
    id: "react-router",
    label: "React Router 7 cookie storage",
    async setup() {
      const s = await storage.getSession(null);
      for (const [k, v] of Object.entries(sessionData())) s.set(k, v);
      return pair(await storage.commitSession(s));
    },
    async load(cookie) {
      await open(cookie);
      return 0;
    },
    async change(cookie) {
      const s = await open(cookie);
      const cart = s.get("cart");
      cart[0].qty += 1;
      s.set("cart", cart);
      await storage.commitSession(s);
      return 1;
    },
    async read(cookie) {
      const s = await open(cookie);
      if (typeof s.get("user").name !== "string") throw new Error("bench: no user");
      await storage.commitSession(s);
      return 1;
    },
  };
}

// Hono peers run through a Hono app: a Request in, a Response out. The
// `hono-baseline` app has the same routes with no session work; its time is
// subtracted from theirs, so they are charged only for the session.
async function viaApp(app, path, cookie) {
  const res = await app.fetch(new Request(ORIGIN + path, { headers: cookie ? { cookie } : {} }));
  if (res.status !== 200) throw new Error(`bench: ${path} answered ${res.status}: ${await res.text()}`);
  return res.headers.getSetCookie().length;
}

function honoApp(id, label, app) {
  return {
    id,
    label,
    async setup() {
      const res = await app.fetch(new Request(ORIGIN + "/create"));
      const lines = res.headers.getSetCookie();
      if (id === "hono-baseline") return "";
      if (lines.length !== 1) throw new Error(`bench: ${id} /create set ${lines.length} cookies`);
      return pair(lines[0]);
    },
    load: (cookie) => viaApp(app, "/load", cookie),
    change: (cookie) => viaApp(app, "/change", cookie),
    read: (cookie) => viaApp(app, "/read", cookie),
  };
}

function honoSession({ Hono, useSession }) {
  const app = new Hono();
  app.use(useSession({ secret: SECRET, duration: { absolute: MAX_AGE } }));
  const get = async (c) => {
    const d = await c.var.session.get();
    check(d);
    return d;
  };
  app.get("/create", async (c) => {
    await c.var.session.update(sessionData());
    return c.body(null);
  });
  app.get("/load", async (c) => {
    await get(c);
    return c.body(null);
  });
  app.get("/change", async (c) => {
    const d = await get(c);
    d.cart[0].qty += 1;
    await c.var.session.update(d);
    return c.body(null);
  });
  app.get("/read", async (c) => {
    const d = await get(c);
    if (typeof d.user.name !== "string") throw new Error("bench: no user");
    return c.body(null);
  });
  return honoApp("hono-session", "@hono/session", app);
}

function honoSigned({ Hono, getSignedCookie, setSignedCookie }) {
  const app = new Hono();
  const attrs = { path: "/", httpOnly: true, secure: true, sameSite: "Lax", maxAge: MAX_AGE };
  const get = async (c) => {
    const v = await getSignedCookie(c, SECRET, "sess");
    const d = v ? JSON.parse(v) : null;
    check(d);
    return d;
  };
  app.get("/create", async (c) => {
    await setSignedCookie(c, "sess", JSON.stringify(sessionData()), SECRET, attrs);
    return c.body(null);
  });
  app.get("/load", async (c) => {
    await get(c);
    return c.body(null);
  });
  app.get("/change", async (c) => {
    const d = await get(c);
    d.cart[0].qty += 1;
    await setSignedCookie(c, "sess", JSON.stringify(d), SECRET, attrs);
    return c.body(null);
  });
  app.get("/read", async (c) => {
    const d = await get(c);
    if (typeof d.user.name !== "string") throw new Error("bench: no user");
    await setSignedCookie(c, "sess", JSON.stringify(d), SECRET, attrs);
    return c.body(null);
  });
  return honoApp("hono-signed", "Hono setSignedCookie/getSignedCookie", app);
}

function honoBaseline({ Hono }) {
  const app = new Hono();
  for (const path of ["/create", "/load", "/change", "/read"]) app.get(path, (c) => c.body(null));
  return { ...honoApp("hono-baseline", "Hono app, no session (subtracted)", app), baseline: true };
}

/**
 * Every flow, edge-session first. `libs`: { es, iron, rr, hono } where
 * es = { createSessionStorage }, iron = iron-session, rr = react-router,
 * hono = { Hono, getSignedCookie, setSignedCookie, useSession }.
 */
export function makeFlows({ es, iron, rr, hono }) {
  return [
    edgeSession(es, "sealed"),
    edgeSession(es, "signed"),
    ironSeal(iron),
    ironSession(iron),
    reactRouter(rr),
    honoSession(hono),
    honoSigned(hono),
    honoBaseline(hono),
  ];
}

export const OPS = ["load", "change", "read"];
export const OP_LABELS = {
  load: "load only",
  change: "load + change + save",
  read: "load + read + save",
};
