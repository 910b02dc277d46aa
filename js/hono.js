// Hono middleware (`edge-session/hono`): loads the session before the
// handlers run and saves it after them.
//
//   app.use(session((c) => ({ secrets: [c.env.SESSION_SECRET], store: c.env.SESSIONS })));
//   app.get("/", (c) => c.text(`hello ${c.get("session").get("user") ?? "stranger"}`));
//
// It imports the package by its own name, so the bundler or runtime picks the
// entry for the platform by the same export conditions as the application's
// `import "edge-session"` (workerd, deno, node, browser): one module instance,
// and the .wasm initialised the way that runtime requires. It imports nothing
// from hono, so it adds no dependency.
import { loadSession, saveSession } from "edge-session";

/**
 * `options` is a SessionOptions object, or a function of the Hono context that
 * returns one (or a promise of one), for secrets and KV bindings from `c.env`.
 * The session is `c.get("session")`. After the handlers it is saved: a
 * Set-Cookie goes on `c.res` only when something changed. A request whose
 * handler threw (`c.error` set) saves nothing. A failed save (store_failed,
 * too_large) rejects, so Hono's onError answers and the client keeps its
 * previous cookie.
 */
export function session(options) {
  if (typeof options !== "function" && (options === null || typeof options !== "object")) {
    throw new TypeError("session(options): options must be an object or a function of the Hono context");
  }
  return async function edgeSession(c, next) {
    const resolved = typeof options === "function" ? await options(c) : options;
    const current = await loadSession(c.req.raw, resolved);
    c.set("session", current);
    await next();
    if (c.error) return;
    const cookies = await saveSession(current);
    if (cookies.length === 0) return;
    try {
      for (const cookie of cookies) c.res.headers.append("Set-Cookie", cookie);
    } catch {
      // Immutable headers (Response.redirect(), a fetch() passed through):
      // a mutable copy of the response takes them.
      c.res = new Response(c.res.body, c.res);
      for (const cookie of cookies) c.res.headers.append("Set-Cookie", cookie);
    }
  };
}
