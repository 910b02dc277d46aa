// edge-session/hono in Deno 2, with the packages in node_modules (as
// `deno install` or npm lays them out): run by tests/js/hono.test.mjs.
import { Hono } from "hono";
import { loadSession, memoryStore } from "edge-session";
import { session } from "edge-session/hono";

const SECRET = "hono-deno-test-secret-0123456789-abcdef";
const store = memoryStore();
const app = new Hono();
app.use(session({ secrets: [SECRET], store }));
app.post("/grow", (c) => {
  c.get("session").set("blob", "x".repeat(6000));
  return c.text("ok");
});
app.get("/read", (c) => c.text(String((c.get("session").get("blob") as string | undefined)?.length ?? 0)));

const grown = await app.request("/grow", { method: "POST" });
const cookie = grown.headers.getSetCookie()[0].split(";")[0];
const read = await app.request("/read", { headers: { cookie } });
console.log(
  JSON.stringify({
    entry: import.meta.resolve("edge-session").split("/").pop(),
    grown: grown.status,
    read: await read.text(),
    readSetCookie: read.headers.getSetCookie().length,
    stored: (store as unknown as { map: Map<string, unknown> }).map.size,
    status: (await loadSession(cookie, { secrets: [SECRET], store })).status,
  }),
);
