// The Worker for tests/js/platform-crypto.test.mjs: opens the native vectors
// it is sent with loadSession on workerd's WebCrypto, and round-trips a
// sealed and a signed session, inline and spilled to real local KV.
import { loadSession, saveSession } from "../../pkg/workerd.js";
import { internal } from "../../pkg/internal.js";

export default {
  async fetch(request, env) {
    const vectors = await request.json();
    const opened = [];
    for (const v of vectors) {
      const options = { secrets: v.secrets, mode: v.mode, cookie: { name: v.open_name }, now: () => v.now * 1000 };
      const s = await loadSession(`${v.open_name}=${v.value}`, options);
      opened.push({ status: s.status, reason: s.reason ?? null, data: s.toJSON() });
    }
    const trips = [];
    for (const mode of ["sealed", "signed"]) {
      const options = { secrets: [env.SESSION_SECRET], mode, store: env.SESSIONS, cookie: { name: `trip-${mode}` } };
      let s = await loadSession("", options);
      s.set("small", 1);
      const [inline] = await saveSession(s);
      s.set("big", "x".repeat(20_000));
      const [spilled] = await saveSession(s);
      const a = await loadSession(inline.split(";")[0], options);
      const b = await loadSession(spilled.split(";")[0], options);
      trips.push([a.status, a.get("small"), b.status, b.stored, b.get("big")?.length]);
    }
    const platform = internal.crypto ? "WebCrypto" : "software";
    return Response.json({ platform, opened, trips });
  },
};
