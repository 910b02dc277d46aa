import { Hono } from "hono";
import { session } from "edge-session/hono";

const app = new Hono();

// Options may be a function of the context: secrets and KV come from c.env.
app.use(session((c) => ({ secrets: [c.env.SESSION_SECRET], store: c.env.SESSIONS })));

app.get("/", (c) => {
  const user = c.get("session").get("user"); // only reads: no Set-Cookie
  return c.text(user ? `hello ${user}` : "hello stranger");
});

app.post("/login", async (c) => {
  const { user } = await c.req.json();
  c.get("session").regenerate().set("user", user); // saved on the way out
  return c.redirect("/", 303);
});

export default app;
