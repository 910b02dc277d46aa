// Typings of `edge-session/hono`. Needs `hono` (v4) installed beside it.
import type { Context, Env, MiddlewareHandler } from "hono";
import type { Json, Session, SessionOptions } from "./index.js";

/** The context variables the middleware sets: `c.get("session")`. */
export type SessionVariables<T extends object = Record<string, Json>> = {
  session: Session<T>;
};

/**
 * An Env for `new Hono<SessionEnv<Data, Bindings>>()`, so `c.get("session")`
 * is a `Session<Data>` and `c.env` has the bindings.
 */
export type SessionEnv<T extends object = Record<string, Json>, B extends object = {}> = {
  Bindings: B;
  Variables: SessionVariables<T>;
};

/** Options, or a function of the context that returns them (secrets and KV from `c.env`). */
export type SessionOptionsInput<E extends Env = Env> =
  | SessionOptions
  | ((c: Context<E>) => SessionOptions | Promise<SessionOptions>);

/**
 * Loads the session before the handlers (`c.get("session")`) and saves it after
 * them: a Set-Cookie on `c.res` only when something changed, nothing when a
 * handler threw. A failed save rejects (Hono's onError answers).
 */
export declare function session<T extends object = Record<string, Json>, E extends Env = any>(
  options: SessionOptionsInput<E>,
): MiddlewareHandler<{ Variables: SessionVariables<T> }>;

// `c.get("session")` is typed in any app that imports the middleware, with no
// declaration of its own; an app's Env that types `session` takes precedence.
declare module "hono" {
  interface ContextVariableMap {
    session: Session;
  }
}
