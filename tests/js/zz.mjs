import { Miniflare } from "miniflare";
import { fileURLToPath } from "node:url";
const mf = new Miniflare({ modules: true, modulesRoot: fileURLToPath(new URL("../..", import.meta.url)),
  scriptPath: fileURLToPath(new URL("../workerd/revocation-worker.js", import.meta.url)),
  modulesRules: [{ type: "ESModule", include: ["**/*.js"] }, { type: "CompiledWasm", include: ["**/*.wasm"] }],
  compatibilityDate: "2025-09-01", kvNamespaces: ["SESSIONS"], durableObjects: { SESSION_DO: "SessionDurableObject" }, bindings: { SESSION_SECRET: "x".repeat(40) } });
async function send(path, cookie) { const res = await mf.dispatchFetch(`http://localhost${path}`, { method: "POST", headers: cookie ? { cookie } : {} }); const l = res.headers.getSetCookie(); return { body: await res.json(), cookie: l.length ? l[0].split(";")[0] : cookie }; }
for (const store of ["kv", "do"]) {
const login = await send(`/login?store=${store}&user=x&bytes=10`);
console.log(store, JSON.stringify((await send(`/sessions?store=${store}&user=x`)).body));
}
await mf.dispose();
