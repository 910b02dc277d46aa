// A Worker typed by @cloudflare/workers-types: a KV namespace binding is a store.
import { kvStore, loadSession, saveSession } from "edge-session";

interface Env {
  SESSION_SECRET: string;
  SESSIONS: KVNamespace;
}
type Data = { visits: number; cart: { sku: string; qty: number }[] };

export default {
  async fetch(request, env) {
    const session = await loadSession<Data>(request, { secrets: [env.SESSION_SECRET], store: env.SESSIONS });
    session.set("visits", (session.get("visits") ?? 0) + 1);
    const viaAdapter = await loadSession<Data>(request, { secrets: [env.SESSION_SECRET], store: kvStore(env.SESSIONS) });
    void viaAdapter;
    return saveSession(session, new Response(`visit ${session.get("visits")}`));
  },
} satisfies ExportedHandler<Env>;
