// The Worker for tests/js/platform-crypto.test.mjs: opens the native vectors
// it is sent with loadSession on workerd's WebCrypto, and round-trips a
// sealed and a signed session, inline and spilled to real local KV.
import { loadSession, saveSession } from "../../pkg/workerd.js";
import { internal } from "../../pkg/internal.js";
import { joiner } from "../../pkg/crypto.js";
import { Codec } from "../../pkg/edge_session.js";

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
    // Sealed values joined on workerd's Uint8Array.prototype.toBase64, against the core's join.
    const codec = new Codec(JSON.stringify({ secrets: [env.SESSION_SECRET] }));
    const joins = [];
    for (const n of [0, 1, 2, 3, 1000, 20_000]) {
      const parts = [28, n, 16].map((k) => crypto.getRandomValues(new Uint8Array(k)));
      joins.push(joiner(codec)(...parts) === codec.join(...parts));
    }
    const toBase64 = typeof Uint8Array.prototype.toBase64 === "function";
    return Response.json({ platform, opened, trips, joins, toBase64 });
  },
};
