// edge-session/hono with Hono's typed context: c.get("session") is a
// Session<Data>, c.env holds the bindings. Must compile with `tsc --strict`.
import { Hono } from "hono";
import type { SessionStore } from "edge-session";
import { session, type SessionEnv, type SessionVariables } from "edge-session/hono";

interface Data {
  user: { id: number; name: string };
  visits: number;
}
type Bindings = { SESSION_SECRET: string; SESSIONS: SessionStore };

// 1. The Env declared up front.
const app = new Hono<SessionEnv<Data, Bindings>>();
app.use(session<Data, SessionEnv<Data, Bindings>>((c) => ({ secrets: [c.env.SESSION_SECRET], store: c.env.SESSIONS })));
app.get("/", (c) => {
  const s = c.get("session");
  const visits: number = (s.get("visits") ?? 0) + 1;
  s.set("visits", visits);
  const name: string | undefined = s.get("user")?.name;
  return c.text(`${name ?? "stranger"}: ${visits}`);
});

// 2. Variables inferred by chaining use(): no Env written for the session.
const chained = new Hono<{ Bindings: Bindings }>()
  .use(session<Data>({ secrets: ["a-secret-of-at-least-thirty-two-bytes!"] }))
  .get("/", (c) => {
    const visits: number | undefined = c.get("session").get("visits");
    return c.json({ visits: visits ?? 0, secretLength: c.env.SESSION_SECRET.length });
  });

// 3. SessionVariables beside other variables of the application.
type AppEnv = { Bindings: Bindings; Variables: SessionVariables<Data> & { requestId: string } };
const combined = new Hono<AppEnv>();
combined.use(session(async (c) => ({ secrets: [c.env.SESSION_SECRET] })));
combined.get("/", (c) => c.text(`${c.get("requestId")} ${c.get("session").get("user")?.id ?? 0}`));

// 4. Without an explicit Env, c is Context<any>: c.env is not checked.
const loose = new Hono<SessionEnv<Data>>();
loose.use(session<Data>((c) => ({ secrets: [c.env.SESSION_SECRET as string] })));

export { app, chained, combined, loose };
