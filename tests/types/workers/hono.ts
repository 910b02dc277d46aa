import { Hono } from "hono";
import { session, type SessionEnv } from "edge-session/hono";

type Data = { user: string; visits: number };
type Env = SessionEnv<Data, { SESSION_SECRET: string; SESSIONS: KVNamespace }>;

const app = new Hono<Env>();
app.use(session<Data, Env>((c) => ({ secrets: [c.env.SESSION_SECRET], store: c.env.SESSIONS })));

app.get("/", (c) => {
  const session = c.get("session"); // Session<Data>
  const visits = (session.get("visits") ?? 0) + 1; // number
  session.set("visits", visits);
  return c.text(`${session.get("user") ?? "stranger"}: visit ${visits}`);
});

export default app;
