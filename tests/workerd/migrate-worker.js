// A test Worker for tests/js/migration-e2e.test.mjs: native sessions in KV-backed
// cookies, migrating from iron-session, React Router and cookie-rs cookies
// (options.legacy). It imports the package's `workerd` entry (a precompiled
// .wasm module). Every route answers with the session's state as JSON.
//
// Bindings: SESSION_SECRET, SESSIONS (KV), IRON_PASSWORDS (JSON {id: password}),
// REMIX_SECRETS (JSON list), COOKIE_RS_MASTER_KEY.
import { loadSession, saveSession, SessionError } from "../../pkg/formats/workerd.js";

function options(env) {
  return {
    secrets: [env.SESSION_SECRET],
    store: env.SESSIONS,
    storePrefix: "sess:",
    cookie: { name: "sid" },
    legacy: [
      { format: "iron", cookie: { name: "iron" }, iron: { password: JSON.parse(env.IRON_PASSWORDS) } },
      { format: "remix", cookie: { name: "__session" }, remix: { secrets: JSON.parse(env.REMIX_SECRETS) } },
      {
        format: "cookie-rs",
        cookie: { name: "session", path: "/api" },
        cookieRs: { masterKey: env.COOKIE_RS_MASTER_KEY, jar: "private" },
      },
    ],
  };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const session = await loadSession(request, options(env));
    const state = {
      status: session.status,
      reason: session.reason ?? null,
      migratedFrom: session.migratedFrom ?? null,
      data: session.toJSON(),
      flash: null,
    };
    try {
      switch (url.pathname) {
        case "/read": // only reads
          break;
        case "/flash": // reads (consumes) one flash value
          state.flash = session.flash(url.searchParams.get("key")) ?? null;
          break;
        case "/set": // ?k=v...; ?blob=N adds N bytes, enough to spill to KV
          for (const [k, v] of url.searchParams) session.set(k, k === "blob" ? "x".repeat(Number(v)) : v);
          state.data = session.toJSON();
          break;
        default:
          return Response.json({ error: "not found" }, { status: 404 });
      }
      const response = await saveSession(session, Response.json(state));
      response.headers.set("x-stored", String(session.stored));
      return response;
    } catch (e) {
      if (e instanceof SessionError) return Response.json({ error: e.code, message: e.message }, { status: 503 });
      throw e;
    }
  },
};
