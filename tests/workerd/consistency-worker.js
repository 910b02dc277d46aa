// The Worker for tests/js/consistency-workerd.test.mjs: one session app over
// real local Workers KV (as it is, lagging like a far location, or with KV's
// per-key write limit) or over the package's Durable Object store.
import { loadSession, saveSession, SessionError, durableObjectStore, SessionDurableObject } from "../../pkg/workerd.js";
import { eventuallyConsistent, writeLimited } from "../../pkg/testing.js";

export { SessionDurableObject };

// Wrappers live as long as the isolate, as a location's view of KV would.
let views;
// Tests move time forward with ?skew=ms instead of waiting.
let skew = 0;
const now = () => Date.now() + skew;

function store(env, url) {
  views ??= {
    kv: env.SESSIONS,
    lagging: eventuallyConsistent(env.SESSIONS, { lag: 60_000, serve: url.searchParams.get("serve") ?? "null" }),
    limited: writeLimited(env.SESSIONS, { now }),
    do: durableObjectStore(env.SESSION_DO),
  };
  return views[url.searchParams.get("store") ?? "kv"];
}

function options(env, url) {
  skew = Number(url.searchParams.get("skew") ?? 0);
  return {
    secrets: [env.SESSION_SECRET],
    store: store(env, url),
    storePrefix: "sess:",
    inlineLimit: 1000,
    rolling: url.searchParams.has("rolling"),
    touchAfter: 60,
    now,
  };
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/limiter") return Response.json({ rejected: views?.limited.rejected ?? [] });
    const session = await loadSession(request, options(env, url));
    const state = () => ({
      status: session.status,
      reason: session.reason ?? null,
      id: session.id,
      stored: session.stored,
      data: session.toJSON(),
    });
    try {
      switch (url.pathname) {
        case "/read":
          return await saveSession(session, Response.json(state()));
        case "/login": // a large session: it spills
          session.set("user", url.searchParams.get("user") ?? "ada");
          session.set("cart", "c".repeat(Number(url.searchParams.get("bytes") ?? 3000)));
          return await saveSession(session, Response.json(state()));
        case "/set":
          session.set(url.searchParams.get("key"), url.searchParams.get("value"));
          return await saveSession(session, Response.json(state()));
        case "/flash": // a form post that redirects with a notice
          session.flash("notice", url.searchParams.get("msg"));
          return await saveSession(session, new Response(null, { status: 303, headers: { location: "/consume" } }));
        case "/consume": {
          const notice = session.get("notice") ?? null;
          return await saveSession(session, Response.json({ ...state(), notice }));
        }
        default:
          return Response.json({ error: "not found" }, { status: 404 });
      }
    } catch (e) {
      // The app's choice for a session it may not write: retry later.
      if (e instanceof SessionError && e.code === "session_unavailable") {
        return Response.json({ error: e.code, ...state() }, { status: 503, headers: { "retry-after": "1" } });
      }
      return Response.json({ error: e.code ?? String(e) }, { status: 500 });
    }
  },
};
