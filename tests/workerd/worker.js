// A small test Worker for tests/js/workerd.test.mjs: the package as a Worker
// imports it (the `workerd` entry, a precompiled .wasm module), with the KV
// namespace binding SESSIONS used as the store in its native shape.
import { loadSession, saveSession, SessionError } from "../../pkg/workerd.js";

function options(env, url) {
  return {
    secrets: [env.SESSION_SECRET],
    store: env.SESSIONS,
    storePrefix: "sess:",
    // ?maxAge=30 proves the 60 s KV minimum TTL (KV itself refuses less).
    maxAge: Number(url.searchParams.get("maxAge") ?? 3600),
    // Store entries live to the absolute deadline.
    absoluteTimeout: Number(url.searchParams.get("maxAge") ?? 3600),
  };
}

const json = (body, init) => Response.json(body, init);

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const session = await loadSession(request, options(env, url));
    const state = () => ({
      status: session.status,
      reason: session.reason ?? null,
      id: session.id,
      data: session.toJSON(),
    });
    try {
      switch (url.pathname) {
        case "/read": // only reads: must cost no Set-Cookie and no KV write
          session.get("n");
          return await saveSession(session, json(state()));
        case "/incr":
          session.set("n", (session.get("n") ?? 0) + 1);
          return await saveSession(session, json(state()));
        case "/grow": // past the cookie limit: spills to KV
          session.set("blob", "x".repeat(Number(url.searchParams.get("bytes") ?? 6000)));
          return await saveSession(session, json(state()));
        case "/shrink":
          session.delete("blob");
          return await saveSession(session, json(state()));
        case "/login": // a redirect, as a login handler returns it
          session.set("user", url.searchParams.get("user"));
          session.regenerate();
          return await saveSession(session, Response.redirect(new URL("/read", url), 303));
        case "/destroy":
          session.destroy();
          return await saveSession(session, json(state()));
        default:
          return json({ error: "not found" }, { status: 404 });
      }
    } catch (e) {
      // A failed save is reported, not a crash: the client keeps its cookie.
      if (e instanceof SessionError) return json({ error: e.code, message: e.message }, { status: 503 });
      throw e;
    }
  },
};
