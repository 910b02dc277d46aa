import { loadSession, saveSession } from "edge-session";

export default {
  async fetch(request, env) {
    const options = { secrets: [env.SESSION_SECRET], store: env.SESSIONS };
    const session = await loadSession(request, options);
    session.set("visits", (session.get("visits") ?? 0) + 1);
    return saveSession(session, new Response(`visit ${session.get("visits")}`));
  },
};
