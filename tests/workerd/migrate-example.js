// Moves iron-session, React Router and cookie-rs sessions to edge-session, one
// user at a time, on their next request: nobody is logged out.
// Bindings: SESSION_SECRET and SESSIONS (KV) for the new sessions; the old
// apps' keys: IRON_PASSWORD, REMIX_SECRET, COOKIE_MASTER_KEY.
import { loadSession, saveSession } from "edge-session/formats";

const options = (env) => ({
  secrets: [env.SESSION_SECRET],
  store: env.SESSIONS,
  legacy: [
    // Next.js: getIronSession(cookies(), { cookieName: "app", password })
    { format: "iron", cookie: { name: "app" }, iron: { password: env.IRON_PASSWORD } },
    // React Router: createCookieSessionStorage({ cookie: { name: "__session", secrets } })
    { format: "remix", cookie: { name: "__session" }, remix: { secrets: [env.REMIX_SECRET] } },
    // axum, Rocket, actix: a private jar keyed by Key::derive_from(master key)
    { format: "cookie-rs", cookie: { name: "session" }, cookieRs: { masterKey: env.COOKIE_MASTER_KEY } },
  ],
});

export default {
  async fetch(request, env) {
    const session = await loadSession(request, options(env));
    // "iron", "remix" or "cookie-rs" on the request that moves the session.
    const from = session.migratedFrom ?? null;
    const user = session.get("user") ?? null;
    // Even a read-only request then saves: a native cookie, and the old one expires.
    return saveSession(session, Response.json({ user, from, status: session.status }));
  },
};
