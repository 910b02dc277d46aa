// The Hono app of tests/js/hono.test.mjs: `edge-session/hono` with options
// from the context (secret and KV binding from c.env). Bundled by esbuild with
// the `workerd` condition, as wrangler does, and run in workerd by Miniflare.
import { Hono } from "hono";
import { SessionError } from "edge-session";
import { session } from "edge-session/hono";

// A store whose writes fail, to prove a failed save sends no Set-Cookie.
const brokenStore = {
  get: async () => null,
  put: async () => {
    throw new Error("KV is down");
  },
  delete: async () => {
    throw new Error("KV is down");
  },
};

const app = new Hono();

app.use(
  session((c) => ({
    secrets: [c.env.SESSION_SECRET],
    store: c.req.header("x-broken-store") ? brokenStore : c.env.SESSIONS,
    storePrefix: "hono:",
    maxAge: 3600,
  })),
);

const state = (c) => {
  const s = c.get("session");
  return { status: s.status, reason: s.reason ?? null, id: s.id, data: s.toJSON() };
};

app.get("/read", (c) => c.json(state(c)));

app.post("/incr", (c) => {
  const s = c.get("session");
  s.set("n", (s.get("n") ?? 0) + 1);
  return c.json(state(c));
});

app.post("/grow", (c) => {
  c.get("session").set("blob", "x".repeat(Number(c.req.query("bytes") ?? 6000)));
  return c.json(state(c));
});

app.post("/shrink", (c) => {
  c.get("session").delete("blob");
  return c.json(state(c));
});

// Hono's own redirect: a Response whose headers are mutable.
app.post("/login", (c) => {
  c.get("session").regenerate().set("user", "ada");
  return c.redirect("/read", 303);
});

// Response.redirect(): immutable headers; the middleware must copy the response.
app.post("/login-immutable", (c) => {
  c.get("session").regenerate().set("user", "bob");
  return Response.redirect(new URL("/read", c.req.url), 303);
});

app.post("/flash", (c) => {
  c.get("session").flash("notice", "saved");
  return c.text("ok");
});

app.get("/notice", (c) => c.json({ notice: c.get("session").flash("notice") ?? null }));

app.post("/logout", (c) => {
  c.get("session").destroy();
  return c.text("bye");
});

app.post("/throw", (c) => {
  c.get("session").set("half", "done");
  throw new Error("handler failed");
});

app.onError((err, c) => {
  const code = err instanceof SessionError ? err.code : "error";
  return c.json({ error: code, message: err.message }, 500);
});

export default app;
