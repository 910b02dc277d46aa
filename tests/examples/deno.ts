import { denoKvStore, loadSession, saveSession } from "npm:edge-session";

const store = denoKvStore(await Deno.openKv()); // run with --unstable-kv
const options = { secrets: [Deno.env.get("SESSION_SECRET")!], store };

Deno.serve({ port: Number(Deno.env.get("PORT") ?? 8000) }, async (req) => {
  const session = await loadSession(req, options);
  session.set("visits", (session.get("visits") ?? 0) + 1);
  return saveSession(session, new Response(`visit ${session.get("visits")}`));
});
