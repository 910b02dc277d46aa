// Hono on wrangler: `c.get("session")` is typed with no declaration in the app.
import { Hono } from "hono";
import { session } from "edge-session/hono";

const app = new Hono();
app.use(session({ secrets: ["ecosystem-check-secret-0123456789-abcdef"] }));
app.get("/", (c) => {
  const s = c.get("session");
  const count = (s.get("count") as number | undefined) ?? 0;
  if (c.req.query("inc") !== undefined) s.set("count", count + 1);
  return c.text(String(s.get("count") ?? 0));
});

export default app;
