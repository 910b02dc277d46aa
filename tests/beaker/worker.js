// A Worker in front of a TurboGears app. It reads and writes the app's own
// Beaker cookie session, so the edge and the origin share one session: the
// login the app stored, a cart, a locale. Everything it does not answer itself
// goes to the app, cookies and all.
//
// Bindings: TG_SESSION, the session.* lines of the app's development.ini as a
// JSON object of strings, without the keys; the keys as secrets, TG_VALIDATE_KEY
// and (for encrypted sessions) TG_ENCRYPT_KEY; ORIGIN, the app's URL.
// tests/js/beaker-e2e.test.mjs runs this file on workerd (Miniflare), with
// "edge-session/formats" mapped to pkg/formats/workerd.js, against a real Beaker WSGI app.
import { loadSession, optionsFromTurboGears, saveSession } from "edge-session/formats";

function sessionOptions(env) {
  // Throws SessionError("invalid_option") for pickle or a non-cookie session.type.
  return optionsFromTurboGears({
    ...JSON.parse(env.TG_SESSION),
    "session.validate_key": env.TG_VALIDATE_KEY,
    "session.encrypt_key": env.TG_ENCRYPT_KEY, // unset: signed-only sessions
  });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (!url.pathname.startsWith("/edge/")) {
      // The TurboGears app: same path, query, method, headers and body.
      return fetch(new Request(new URL(url.pathname + url.search, env.ORIGIN), request));
    }
    // Never throws on a bad cookie: status "invalid" or "expired" and a new session.
    const session = await loadSession(request, sessionOptions(env));
    const state = () => ({
      status: session.status,
      reason: session.reason ?? null,
      id: session.id, // Beaker's _id
      data: session.toJSON(), // the user's keys, without Beaker's _id, _creation_time, ...
    });
    if (url.pathname === "/edge/whoami") {
      // Only reads: no Set-Cookie (Beaker itself would re-send the cookie).
      return saveSession(session, Response.json({ user: session.get("user") ?? null, ...state() }));
    }
    if (url.pathname === "/edge/set") {
      for (const [key, value] of url.searchParams) {
        // ?flash.notice=Saved keeps "Saved" for the next request only. It is stored
        // in the Beaker dict under "_flash", which the app sees as an ordinary key.
        if (key.startsWith("flash.")) session.flash(key.slice(6), value);
        else session.set(key, value);
      }
      return saveSession(session, Response.json(state()));
    }
    return new Response("not found\n", { status: 404 });
  },
};
