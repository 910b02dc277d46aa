// Programs that must NOT compile. Each `@ts-expect-error` line must be an
// error, or tsc reports the directive as unused; tests/js/types.test.mjs also
// compiles this file without the directives and checks that exactly these
// lines fail.
import { loadSession, SessionError, type SessionOptions, type SessionStatus } from "edge-session";
import { Hono } from "hono";
import { session, type SessionEnv } from "edge-session/hono";

interface User {
  id: number;
  name: string;
}
interface Data {
  user: User;
  visits: number;
}

export async function wrong(request: Request) {
  const s = await loadSession<Data>(request, { secrets: ["a-secret-of-at-least-thirty-two-bytes!"] });
  // @ts-expect-error a wrong value type for the key: visits is a number
  s.set("visits", "many");
  // @ts-expect-error a key that is not in Data
  s.set("usr", { id: 1, name: "ada" });
  // @ts-expect-error reading a key that is not in Data
  s.get("cart");
  // @ts-expect-error a User without its name
  s.set("user", { id: 1 });
  // @ts-expect-error not a status
  const status: SessionStatus = "ok";
  // @ts-expect-error not a mode
  const options: SessionOptions = { secrets: ["a-secret-of-at-least-thirty-two-bytes!"], mode: "encrypted" };
  // @ts-expect-error not a SameSite value
  const none: SessionOptions = { secrets: "a-secret-of-at-least-thirty-two-bytes!", cookie: { sameSite: "Loose" } };
  const e = new Error() as unknown;
  // @ts-expect-error not a SessionError code
  if (e instanceof SessionError && e.code === "timeout") return;
  return [status, options, none];
}

const app = new Hono<SessionEnv<Data>>();
app.use(session<Data>({ secrets: ["a-secret-of-at-least-thirty-two-bytes!"] }));
type Bindings = { SESSION_SECRET: string };
// @ts-expect-error with the Env given, c.env is checked: no binding SECRET
app.use(session<Data, SessionEnv<Data, Bindings>>((c) => ({ secrets: [c.env.SECRET] })));
app.get("/", (c) => {
  // @ts-expect-error the session from the context is typed too
  c.get("session").set("visits", "many");
  return c.text("ok");
});
