// The Worker for tests/js/revocation-workerd.test.mjs: login, logout, sign out
// everywhere and the session list, with revocation records in real local
// Workers KV or in the package's Durable Object store; ?broken=1 makes the
// revocation store fail, ?failOpen=1 chooses fail-open.
import {
  durableObjectStore,
  listSessions,
  loadSession,
  revokeAll,
  revokeSession,
  saveSession,
  SessionDurableObject,
} from "../../pkg/workerd.js";

export { SessionDurableObject };

const broken = {
  get: () => Promise.reject(new Error("revocation store down")),
  put: () => Promise.reject(new Error("revocation store down")),
  delete: () => Promise.reject(new Error("revocation store down")),
};

function options(env, url) {
  const store = url.searchParams.get("store") === "do" ? durableObjectStore(env.SESSION_DO) : env.SESSIONS;
  return {
    secrets: [env.SESSION_SECRET],
    store,
    storePrefix: "sess:",
    inlineLimit: 1000,
    revocation: {
      subject: "userId",
      list: true,
      store: url.searchParams.has("broken") ? broken : store,
      failOpen: url.searchParams.has("failOpen"),
    },
  };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const opts = options(env, url);
    const user = url.searchParams.get("user");
    switch (url.pathname) {
      case "/revoke-all":
        await revokeAll(user, opts);
        return Response.json({ ok: true });
      case "/sessions":
        return Response.json(await listSessions(user, opts));
      case "/revoke":
        await revokeSession(user, url.searchParams.get("id"), opts);
        return Response.json({ ok: true });
    }
    const session = await loadSession(request, opts);
    const state = { status: session.status, reason: session.reason ?? null, id: session.id, data: session.toJSON() };
    switch (url.pathname) {
      case "/login":
        session.regenerate();
        session.set("userId", user);
        session.set("cart", "c".repeat(Number(url.searchParams.get("bytes") ?? 10)));
        break;
      case "/logout":
        session.destroy();
        break;
      case "/read":
        break;
      default:
        return Response.json({ error: "not found" }, { status: 404 });
    }
    try {
      return await saveSession(session, Response.json(state));
    } catch (e) {
      return Response.json({ ...state, error: e.code ?? String(e) }, { status: 503 });
    }
  },
};
