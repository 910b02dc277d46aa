// A Worker in TypeScript (type-checked with tsc, bundled by wrangler).
import { loadSession, saveSession } from "edge-session";

const options = { secrets: ["ecosystem-check-secret-0123456789-abcdef"] };

export default {
  async fetch(request: Request): Promise<Response> {
    const session = await loadSession(request, options);
    if (new URL(request.url).searchParams.has("inc")) {
      session.set("count", ((session.get("count") as number | undefined) ?? 0) + 1);
    }
    return saveSession(session, new Response(String(session.get("count") ?? 0)));
  },
};
