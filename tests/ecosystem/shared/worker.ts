// A Worker in TypeScript (type-checked with tsc, bundled by wrangler). With a
// SESSIONS KV binding, `?big` grows the session past a cookie: it spills to KV.
import { loadSession, saveSession, type SessionStore } from "edge-session";

interface Env {
  SESSIONS?: SessionStore;
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const session = await loadSession(request, { secrets: ["ecosystem-check-secret-0123456789-abcdef"], store: env.SESSIONS });
    const params = new URL(request.url).searchParams;
    if (params.has("inc")) session.set("count", ((session.get("count") as number | undefined) ?? 0) + 1);
    if (params.has("big")) session.set("blob", "x".repeat(6000));
    if (params.has("blob")) return saveSession(session, new Response(`${session.stored} ${String(session.get("blob")).length}`));
    return saveSession(session, new Response(String(session.get("count") ?? 0)));
  },
};
