import { createServer } from "node:http";
import { loadSession, saveSession } from "edge-session";

const options = { secrets: [process.env.SESSION_SECRET] };

const server = createServer(async (req, res) => {
  const session = await loadSession(req, options); // reads req.headers.cookie
  session.set("visits", (session.get("visits") ?? 0) + 1);
  res.setHeader("Set-Cookie", await saveSession(session)); // the Set-Cookie values
  res.end(`visit ${session.get("visits")}`);
});

server.listen(Number(process.env.PORT ?? 3000), () => {
  console.log(`listening on http://localhost:${server.address().port}`);
});
