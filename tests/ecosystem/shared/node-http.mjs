// node:http: loadSession reads req.headers.cookie; saveSession returns the values.
import { createServer } from "node:http";
import { loadSession, saveSession } from "edge-session";
import { options } from "./counter.js";

createServer(async (req, res) => {
  const session = await loadSession(req, options);
  if (new URL(req.url, "http://x").searchParams.has("inc")) session.set("count", (session.get("count") ?? 0) + 1);
  const cookies = await saveSession(session);
  if (cookies.length) res.setHeader("Set-Cookie", cookies);
  res.end(String(session.get("count") ?? 0));
}).listen(Number(process.argv[2]), "127.0.0.1");
